import { sql, type Kysely, type Transaction } from 'kysely';

/** At most this many transactions share one commit (each waits for the whole group: keep the group short). */
export const GROUP_MAX = 100;
/**
 * A group lets the event loop take other work (a socket's signal, a ping) after this long: better-sqlite3 answers on
 * the event loop's thread, and a group's statements chain as promises, which would otherwise run to the end unbroken.
 */
export const GROUP_SLICE_MS = 5;

interface Waiting<DB> {
  fn: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the hub's SQLite file (issue 14). The hub writes with `synchronous = FULL`: each COMMIT waits for
 * the disk, and better-sqlite3 waits on the event loop's thread. When hundreds of doctors send a report part at once,
 * one commit each held the hub for most of a second (its relayed signaling p99 with it). Here the transactions that
 * arrive while one is being written wait for it, then run together in ONE transaction, each in a savepoint of its
 * own, and share one commit: still one at a time on the one connection, as before, but one wait for the disk per
 * group instead of one per transaction.
 *
 * The transaction stays open while the event loop takes other work between two of them (GROUP_SLICE_MS); the calls
 * that need the database wait for the connection meanwhile, as they did for each transaction alone.
 *
 * Each keeps its own outcome: one that throws is rolled back to its savepoint (the compare-and-set of a consultation
 * that changed meanwhile, hub/consultation/commit.ts) and its caller gets its error, the others go on. Each caller
 * hears of its own success only once the group's commit is done, so nothing is acknowledged (a report part's
 * `reported`) before it is on disk. If the commit itself fails (disk full), every transaction of the group fails with
 * that error and nothing of them is written, as each alone would have failed.
 *
 * PostgreSQL needs none of this: its pool runs transactions side by side, and its WAL writer groups their commits.
 */
export class GroupCommit<DB> {
  private readonly waiting: Waiting<DB>[] = [];
  private running = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly max = GROUP_MAX,
  ) {}

  run<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) await this.group(this.waiting.splice(0, this.max));
    } finally {
      this.running = false;
    }
  }

  private async group(group: Waiting<DB>[]): Promise<void> {
    let trx;
    try {
      trx = await this.db.startTransaction().execute();
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    const outcomes: (() => void)[] = [];
    let since = performance.now();
    try {
      for (const [i, w] of group.entries()) {
        if (performance.now() - since > GROUP_SLICE_MS) {
          await new Promise<void>((r) => setImmediate(r));
          since = performance.now();
        }
        const name = sql.raw(`g${i}`);
        await sql`SAVEPOINT ${name}`.execute(trx);
        try {
          const v = await w.fn(trx);
          await sql`RELEASE ${name}`.execute(trx);
          outcomes.push(() => w.resolve(v));
        } catch (err) {
          await sql`ROLLBACK TO ${name}`.execute(trx);
          await sql`RELEASE ${name}`.execute(trx);
          outcomes.push(() => w.reject(err));
        }
      }
      await trx.commit().execute();
    } catch (err) {
      // The transaction itself failed (the disk, the file): nothing of the group is written, each caller is told.
      await trx.rollback().execute().catch(() => undefined);
      for (const w of group) w.reject(err);
      return;
    }
    for (const o of outcomes) o();
  }
}
