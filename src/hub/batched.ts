/** Keys read by one query at most (Batched). */
export const BATCH_MAX = 500;

/**
 * Reads of the store made together (DataLoader's way, one query in flight at a time): the first waits for the end of
 * its turn of the event loop, and every read asked for while a query is out waits for the next one, which holds them all
 * (BATCH_MAX keys a query, each key once). When a node dies, its thousands of clients reconnect to the others within a
 * second or two; one query each queued past the database pool's wait (5 s) and failed (issue 14). A failed query fails
 * the reads it held, and only those. Written here rather than taken from the `dataloader` package: its batches are per
 * turn, not per query in flight, which is what keeps a storm to a few queries; and it is forty lines.
 */
export class Batched<V> {
  private pending = new Map<string, { resolve: (v: V) => void; reject: (err: unknown) => void }[]>();
  private due = false;
  private reading = false;

  /** `read(keys)` answers the keys it found; a key it leaves out is `missing`. */
  constructor(
    private readonly read: (keys: readonly string[]) => Promise<Map<string, V>>,
    private readonly missing: V,
    private readonly max = BATCH_MAX,
  ) {}

  load(key: string): Promise<V> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.due || this.reading || this.pending.size === 0) return;
    this.due = true;
    setImmediate(() => {
      this.due = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const keys = [...this.pending.keys()].slice(0, this.max);
    const batch = keys.map((k) => [k, this.pending.get(k)!] as const);
    for (const k of keys) this.pending.delete(k);
    this.reading = true;
    try {
      const found = await this.read(keys);
      for (const [k, waiters] of batch) for (const w of waiters) w.resolve(found.has(k) ? found.get(k)! : this.missing);
    } catch (err) {
      for (const [, waiters] of batch) for (const w of waiters) w.reject(err);
    } finally {
      this.reading = false;
      this.schedule();
    }
  }
}
