import type Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../../server/log.ts';
import { openSqlite } from '../../server/sqlite.ts';
import { guard } from './errors.ts';

export interface OpenOptions {
  /** How long a write waits for another connection's lock before failing with a 'locked' StoreError. */
  busyTimeoutMs?: number;
  /** Caps the database file (SQLite's max_page_count): a cabin on a small partition leaves room for the system. */
  maxSizeBytes?: number;
  /** The clock for created/ended/received times (tests set it). */
  now?: () => number;
  /** For what the store must not drop silently (a stored row it cannot read); silent when not given (tests). */
  log?: Logger;
}

/** An open connection with its prepared statements cached by SQL text. */
export interface Db {
  readonly raw: Database.Database;
  readonly file: string;
  readonly now: () => number;
  readonly log: Logger;
  stmt(sql: string): Database.Statement;
  /** Runs `fn` in one IMMEDIATE transaction (the write lock is taken first, so it never fails half-way on a lock). */
  tx<T>(fn: () => T): T;
}

/** The page cache of each connection, in KiB. */
export const CACHE_KIB = 2048;

/** Opens the file with the shared settings (src/server/sqlite.ts) and a statement cache; failures become StoreErrors. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  return guard(file, () => {
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection: as the file grew with waveforms, main's
    // memory grew with it (+15 MB over 30 minutes of streaming, measured). The kiosk appends and reads back little.
    // Health data: the file and its WAL readable by the kiosk's account only; an emptied or damaged file is refused.
    const raw = openSqlite(file, { busyTimeoutMs: opts.busyTimeoutMs, maxSizeBytes: opts.maxSizeBytes, cacheKib: CACHE_KIB, privateFile: true, owner: 'cabin' });
    const cache = new Map<string, Database.Statement>();
    const clock = opts.now ?? Date.now;
    return {
      raw,
      file,
      // Times are whole milliseconds (STRICT INTEGER columns).
      now: () => Math.floor(clock()),
      log: opts.log ?? silentLogger(),
      stmt(sql) {
        let s = cache.get(sql);
        if (!s) cache.set(sql, (s = raw.prepare(sql)));
        return s;
      },
      tx: (fn) => raw.transaction(fn).immediate(),
    };
  });
}
