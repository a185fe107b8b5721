/** Collects callback events and waits for one that matches, with a deadline (tests of the BlueZ central). */
export class Events<T> {
  readonly items: T[] = [];
  private waiters: { pred: (x: T) => boolean; resolve: (x: T) => void }[] = [];

  readonly push = (x: T): void => {
    this.items.push(x);
    for (const w of [...this.waiters]) {
      if (w.pred(x)) {
        this.waiters = this.waiters.filter((o) => o !== w);
        w.resolve(x);
      }
    }
  };

  /** The first event (already seen or coming) that matches; rejects after `timeoutMs`. */
  waitFor(pred: (x: T) => boolean = () => true, timeoutMs = 3000, what = 'an event'): Promise<T> {
    const seen = this.items.find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((o) => o.resolve !== done);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (seen: ${JSON.stringify(this.items).slice(0, 400)})`));
      }, timeoutMs);
      const done = (x: T): void => {
        clearTimeout(timer);
        resolve(x);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  clear(): void {
    this.items.length = 0;
  }
}
