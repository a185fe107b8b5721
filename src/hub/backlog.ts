/** How many data messages (report parts, device data) a node works on at once, all sockets together. */
export const BACKLOG_MAX = 8;

/**
 * The node's data work, behind its signaling (issue 14). Hundreds of doctors may send a report part in the same
 * second, each a parse, a read and a transaction; done as they arrive, they took the event loop for most of a second
 * and every call's signaling waited behind them. Here at most BACKLOG_MAX run at once, and each starts on a turn of
 * the event loop of its own, after the sockets' waiting input (signals, pings) was read: a wave of parts drains a
 * little later instead of freezing the calls. Order per socket is the caller's (Relay's Conn.chain), not this queue's.
 */
export class Backlog {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly max = BACKLOG_MAX) {}

  /** Runs `work` when its turn comes; resolves or rejects with it. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const turn = new Promise<void>((r) => this.waiting.push(r));
    this.pump();
    return turn.then(work).finally(() => {
      this.running--;
      this.pump();
    });
  }

  /** Waiting and running (the node's metrics, tests). */
  get size(): number {
    return this.waiting.length + this.running;
  }

  /** Starts the next waiting one on the next turn of the event loop (after its I/O), if a place is free. */
  private pump(): void {
    if (this.scheduled || this.waiting.length === 0 || this.running >= this.max) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.waiting.shift();
      if (next && this.running < this.max) {
        this.running++;
        next();
      } else if (next) this.waiting.unshift(next);
      this.pump();
    });
  }
}
