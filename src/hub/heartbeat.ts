import { unrefTimer, type Clock, type TimerHandle } from '../shared/clock.ts';

/** Sockets pinged and checked in one go by the heartbeat before the event loop takes other work. */
export const BEAT_SLICE = 500;

/** A socket as the heartbeat sees it: whether it answered the last ping, and its WebSocket. */
export interface Beating {
  alive: boolean;
  ws: { ping(): void; terminate(): void };
}

export interface HeartbeatOptions<S extends Beating> {
  clock: Clock;
  intervalMs: number;
  /** Sockets each beat pings and checks in one go (default BEAT_SLICE). */
  slice?: number;
  /** The node's open sockets now. */
  sockets: () => ReadonlySet<S>;
  /** After each slice, the sockets pinged in it (their sessions are checked against the store). */
  pinged: (alive: S[]) => void;
  /** After each pass. */
  passed: () => void;
  /** True once the relay closes: a pass under way stops. */
  closing: () => boolean;
}

/**
 * The relay's heartbeat: each socket that answered the last ping is pinged again, one that did not is dropped, and
 * the sessions of the sockets are checked (`pinged`: sessions end in other processes too, the CLI disables an account).
 * In slices of BEAT_SLICE sockets, spread over the first half of the interval: at 12,000 sockets, one pass held the hub
 * for ~0.4 s every 15 s and the clients' pongs came back all at once (issue 14); with the slices only an event-loop turn
 * apart, the queue's sends to the doctors and the signaling still waited behind the whole pass (the queue's slowest
 * seconds of a run were the heartbeat's, every 15 s). The pause between two slices is real time, not the relay's
 * clock: it shapes the load and decides nothing (a test's manual clock need not step through it).
 */
export class Heartbeat<S extends Beating> {
  private readonly timer: TimerHandle;
  /** A pass is under way. */
  private beating = false;

  constructor(private readonly o: HeartbeatOptions<S>) {
    this.timer = o.clock.setInterval(() => void this.beat(), o.intervalMs);
    unrefTimer(this.timer);
  }

  stop(): void {
    this.o.clock.clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    // A pass still under way (a test's manual clock runs faster than its pauses): this beat is skipped, not run beside
    // it (a second ping before the first's pong would drop a live socket).
    if (this.beating) return;
    this.beating = true;
    try {
      await this.pass();
    } finally {
      this.beating = false;
    }
  }

  private async pass(): Promise<void> {
    const all = this.o.sockets();
    const conns = [...all];
    const n = Math.max(1, this.o.slice ?? BEAT_SLICE);
    const slices = Math.ceil(conns.length / n);
    const gapMs = slices > 1 ? this.o.intervalMs / 2 / slices : 0;
    for (let i = 0; i < conns.length; i += n) {
      if (i > 0) await new Promise<void>((r) => setTimeout(r, gapMs).unref());
      if (this.o.closing()) return;
      const alive: S[] = [];
      for (const c of conns.slice(i, i + n)) {
        if (!all.has(c)) continue; // closed meanwhile
        if (!c.alive) c.ws.terminate();
        else {
          c.alive = false;
          c.ws.ping();
          alive.push(c);
        }
      }
      this.o.pinged(alive);
    }
    this.o.passed();
  }
}
