/** A key (a client address) already has as many tasks waiting as it may: refused at once, only this key. */
export class QueueFull extends Error {
  constructor() {
    super('Too many tasks of this key are waiting.');
  }
}

interface Lane {
  key: string;
  running: boolean;
  /** Starts of the tasks waiting, oldest first. */
  waiting: (() => void)[];
  /** When this key last started a task (a tick of the queue); 0: never while it has been in the queue. */
  lastServed: number;
}

interface Group {
  lanes: Map<string, Lane>;
  /** Tasks of the group's lanes waiting. */
  waiting: number;
  lastServed: number;
}

/**
 * Costly tasks (password hashes) run a few at a time, fairly between keys (client addresses) in two levels: a free slot
 * goes to the group (an IPv6 /48: a site) served longest ago, and within it to the key (its /64) served longest ago
 * (round robin at both levels; among those never served, the first to arrive). One task at a time per key, at most
 * `waitingPerKey` more waiting per key and `waitingPerGroup` per group (the next is refused with QueueFull, to that
 * key only). So a key waits for at most one task of each group there before it: the 65 536 /64s of one /48 count as
 * one, whatever their number.
 */
export class FairQueue {
  private running = 0;
  private tick = 0;
  private readonly groups = new Map<string, Group>();

  constructor(
    /** Tasks running at once across keys (the CPU they share). */
    private readonly slots: number,
    private readonly waitingPerKey: number,
    /** The group of a key; by default each key is its own group. */
    private readonly groupOf: (key: string) => string = (k) => k,
    private readonly waitingPerGroup = 64,
  ) {}

  /** Runs `task` in `key`'s turn; rejects with QueueFull, without running it, when the key has too many waiting. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const gk = this.groupOf(key);
    let group = this.groups.get(gk);
    if (!group) this.groups.set(gk, (group = { lanes: new Map(), waiting: 0, lastServed: 0 }));
    let lane = group.lanes.get(key);
    if (!lane) group.lanes.set(key, (lane = { key, running: false, waiting: [], lastServed: 0 }));
    const g = group;
    const l = lane;
    if (!l.running && l.waiting.length === 0 && this.running < this.slots) {
      this.start(g, l);
      return this.exec(gk, g, l, task);
    }
    if (l.waiting.length >= this.waitingPerKey || g.waiting >= this.waitingPerGroup) {
      this.forget(gk, g, l);
      return Promise.reject(new QueueFull());
    }
    g.waiting++;
    return new Promise<void>((resolve) => l.waiting.push(resolve)).then(() => this.exec(gk, g, l, task));
  }

  /** Tasks running and waiting, for a key or in all (what a test or a status page looks at). */
  size(key?: string): { running: number; waiting: number } {
    if (key !== undefined) {
      const l = this.groups.get(this.groupOf(key))?.lanes.get(key);
      return { running: l?.running ? 1 : 0, waiting: l?.waiting.length ?? 0 };
    }
    let waiting = 0;
    for (const g of this.groups.values()) waiting += g.waiting;
    return { running: this.running, waiting };
  }

  /** Groups held (those with a task running or waiting). */
  get groupCount(): number {
    return this.groups.size;
  }

  private start(group: Group, lane: Lane): void {
    lane.running = true;
    lane.lastServed = group.lastServed = ++this.tick;
    this.running++;
  }

  /** Drops an idle lane, and its group once it has none (the maps hold only keys with a task). */
  private forget(gk: string, group: Group, lane: Lane): void {
    if (!lane.running && lane.waiting.length === 0) group.lanes.delete(lane.key);
    if (group.lanes.size === 0) this.groups.delete(gk);
  }

  private async exec<T>(gk: string, group: Group, lane: Lane, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } finally {
      lane.running = false;
      this.running--;
      this.forget(gk, group, lane);
      this.dispatch();
    }
  }

  /** Fills the free slots: each goes to the waiting group served longest ago, then to its lane served longest ago. */
  private dispatch(): void {
    while (this.running < this.slots) {
      let next: { g: Group; l: Lane } | undefined;
      for (const g of this.groups.values()) {
        if (g.waiting === 0 || (next && g.lastServed >= next.g.lastServed)) continue;
        let best: Lane | undefined;
        for (const l of g.lanes.values()) if (!l.running && l.waiting.length > 0 && (!best || l.lastServed < best.lastServed)) best = l;
        if (best) next = { g, l: best };
      }
      if (!next) return;
      this.start(next.g, next.l);
      next.g.waiting--;
      next.l.waiting.shift()!();
    }
  }
}
