import Database from 'better-sqlite3';
import { guard } from './errors.ts';

export interface OpenOptions {
  /** How long a write waits for another connection's lock before failing with a 'locked' StoreError. */
  busyTimeoutMs?: number;
  /** Caps the database file (SQLite's max_page_count): a cabin on a small partition leaves room for the system. */
  maxSizeBytes?: number;
  /** The clock for created/ended/received times (tests set it). */
  now?: () => number;
}

/** An open connection with its prepared statements cached by SQL text. */
export interface Db {
  readonly raw: Database.Database;
  readonly file: string;
  readonly now: () => number;
  stmt(sql: string): Database.Statement;
  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken first, so it never fails half-way on a lock). */
  tx<T>(fn: () => T): T;
}

/**
 * Opens the file with the cabin's settings:
 * - WAL, so a reader (purge, admin) never blocks the writer and a killed process leaves a recoverable log;
 * - synchronous = FULL: every commit reaches the disk before the call returns, so whatever the patient or the
 *   doctor saw survives a power cut too (NORMAL in WAL survives a crash but may lose the last commits on power
 *   loss); the price is one fsync per commit, a few per second at most here;
 * - foreign keys on (children are deleted with their session), a busy timeout, and secure_delete so purged
 *   patient data is overwritten, not left in free pages.
 */
/** The page cache of each connection, in KiB. */
export const CACHE_KIB = 2048;

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  return guard(file, () => {
    const raw = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
    try {
      const mode = raw.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && file !== ':memory:') throw new Error(`journal_mode is ${String(mode)}, not wal`);
      raw.pragma('synchronous = FULL');
      raw.pragma('foreign_keys = ON');
      raw.pragma('secure_delete = ON');
      raw.pragma('journal_size_limit = 8388608');
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection: as the file grew with waveforms,
      // main's memory grew with it (+15 MB over 30 minutes of streaming, measured). The kiosk appends and reads
      // back little; 2 MiB is plenty.
      raw.pragma(`cache_size = -${CACHE_KIB}`);
      if (opts.maxSizeBytes !== undefined) {
        const pageSize = raw.pragma('page_size', { simple: true }) as number;
        raw.pragma(`max_page_count = ${Math.max(1, Math.floor(opts.maxSizeBytes / pageSize))}`);
      }
    } catch (err) {
      raw.close();
      throw err;
    }
    const cache = new Map<string, Database.Statement>();
    const clock = opts.now ?? Date.now;
    return {
      raw,
      file,
      // Times are whole milliseconds (STRICT INTEGER columns).
      now: () => Math.floor(clock()),
      stmt(sql) {
        let s = cache.get(sql);
        if (!s) cache.set(sql, (s = raw.prepare(sql)));
        return s;
      },
      tx: (fn) => raw.transaction(fn).immediate(),
    };
  });
}
