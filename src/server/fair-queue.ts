/** A key (a client address) already has as many tasks waiting as it may: refused at once, only this key. */
export class QueueFull extends Error {
  constructor() {
    super('Too many tasks of this key are waiting.');
  }
}

interface Lane {
  running: boolean;
  /** Starts of the tasks waiting, oldest first. */
  waiting: (() => void)[];
  /** When this key last started a task (a tick of the queue); 0: never while it has been in the queue. */
  lastServed: number;
}

/**
 * Costly tasks (password hashes) run a few at a time, fairly between keys (client addresses): one at a time per key,
 * at most `waitingPerKey` more waiting per key (the next is refused with QueueFull, to that key only), and a free slot
 * goes to the waiting key served longest ago (round robin). So no key is ever refused because of another, and a key
 * waits for at most one task of each other key: a flood from other addresses delays a login by a round, never more.
 */
export class FairQueue {
  private running = 0;
  private tick = 0;
  private readonly lanes = new Map<string, Lane>();

  constructor(
    /** Tasks running at once across keys (the CPU they share). */
    private readonly slots: number,
    private readonly waitingPerKey: number,
  ) {}

  /** Runs `task` in `key`'s turn; rejects with QueueFull, without running it, when the key has too many waiting. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { running: false, waiting: [], lastServed: 0 };
      this.lanes.set(key, lane);
    }
    const l = lane;
    if (!l.running && l.waiting.length === 0 && this.running < this.slots) {
      this.start(l);
      return this.exec(key, l, task);
    }
    if (l.waiting.length >= this.waitingPerKey) return Promise.reject(new QueueFull());
    return new Promise<void>((resolve) => l.waiting.push(resolve)).then(() => this.exec(key, l, task));
  }

  /** Tasks running and waiting, for a key or in all (what a test or a status page looks at). */
  size(key?: string): { running: number; waiting: number } {
    if (key !== undefined) {
      const l = this.lanes.get(key);
      return { running: l?.running ? 1 : 0, waiting: l?.waiting.length ?? 0 };
    }
    let waiting = 0;
    for (const l of this.lanes.values()) waiting += l.waiting.length;
    return { running: this.running, waiting };
  }

  private start(lane: Lane): void {
    lane.running = true;
    lane.lastServed = ++this.tick;
    this.running++;
  }

  private async exec<T>(key: string, lane: Lane, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } finally {
      lane.running = false;
      this.running--;
      if (lane.waiting.length === 0) this.lanes.delete(key);
      this.dispatch();
    }
  }

  /** Fills the free slots: each goes to the waiting key (none of its tasks running) that started one longest ago. */
  private dispatch(): void {
    while (this.running < this.slots) {
      let next: Lane | undefined;
      for (const l of this.lanes.values()) if (!l.running && l.waiting.length > 0 && (!next || l.lastServed < next.lastServed)) next = l;
      if (!next) return;
      this.start(next);
      next.waiting.shift()!();
    }
  }
}
