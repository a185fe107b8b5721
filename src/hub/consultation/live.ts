import type { Consultation } from '../store.ts';

/** How long a remembered consultation serves signals without a read (a safety net for lost news: see LiveConsultations). */
export const LIVE_TTL_MS = 30_000;
/** At most this many remembered on one node (oldest forgotten first): a node holds a few thousand calls at most. */
export const LIVE_MAX = 20_000;

/**
 * The active consultations this node relays signals for, kept in memory so that a signal (most of a call's messages:
 * SDP and ICE candidates, both ways) costs no read of the store. Issue 14 measured that read as the relay's bottleneck
 * on PostgreSQL (a round trip for each signal) and on SQLite since the store is asynchronous.
 *
 * Only a signal is decided from here, and only on an active consultation: the remembered row decides who may send it
 * and to whom it goes, which stay fixed while it is active. Everything else (claims, ends, reports, joins) still reads
 * the store and writes as a compare-and-set. Any transition written on this node drops the entry once committed; one
 * written on another node is heard as `consultation` news on the bus (a few ms later). If that news is lost (Redis
 * away), the entry serves at most LIVE_TTL_MS more: a signal relayed in that time for a call just ended elsewhere
 * reaches a side that ignores signals of a call it no longer holds, and with Redis away it could not cross nodes anyway.
 */
export class LiveConsultations {
  private readonly entries = new Map<string, { c: Consultation; at: number }>();
  /**
   * Reads of the store under way, by id: signals arriving meanwhile wait for the same read, and a read that began
   * before a change (`forget`) is not remembered when it ends (it may hold the row from before the change).
   */
  private readonly loading = new Map<string, { stale: boolean; promise: Promise<Consultation | null> }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = LIVE_TTL_MS,
    private readonly max = LIVE_MAX,
  ) {}

  /** The consultation, from memory when it is remembered active and fresh, else from the store (then remembered). */
  read(id: string, load: (id: string) => Promise<Consultation | null>): Promise<Consultation | null> {
    const e = this.entries.get(id);
    if (e && this.now() - e.at < this.ttlMs) return Promise.resolve(e.c);
    const under = this.loading.get(id);
    if (under) return under.promise;
    const l = { stale: false, promise: Promise.resolve<Consultation | null>(null) };
    l.promise = load(id).finally(() => {
      if (this.loading.get(id) === l) this.loading.delete(id);
    });
    l.promise.then(
      (c) => {
        if (!l.stale && c) this.remember(c);
      },
      () => {},
    );
    this.loading.set(id, l);
    return l.promise;
  }

  /** Changed (here, once written; or on another node, heard as news): the next signal reads the store again. */
  forget(id: string): void {
    this.entries.delete(id);
    const l = this.loading.get(id);
    if (l) {
      l.stale = true;
      this.loading.delete(id);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Remembered while active only: a signal to any other state reads the store (and is refused there). */
  private remember(c: Consultation): void {
    this.entries.delete(c.id);
    if (c.state !== 'active') return;
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(c.id, { c, at: this.now() });
  }
}
