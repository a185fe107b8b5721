import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { damaged, isDamage, markStoreFile, prepareStoreFile, quickCheck, type StoreOwner } from './store-file.ts';

export interface SqliteOptions {
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Caps the file (SQLite's max_page_count): a machine on a small partition leaves room for the system. */
  maxSizeBytes?: number;
  /** The page cache of the connection, in KiB (SQLite's default when absent). */
  cacheKib?: number;
  /** Readable and writable by the process's account only (mode 0600), the WAL files too. */
  privateFile?: boolean;
  /**
   * Whose store this is: a store that existed is never silently recreated empty (the marker `<file>.store-id`,
   * store-file.ts) and a damaged file is refused at open (quick_check), both with a StoreRefusedError saying what to do.
   */
  owner?: StoreOwner;
}

/**
 * Opens (creating if needed) a SQLite file with the settings both apps rely on:
 * - WAL, so a reader never blocks the writer and a killed process leaves a recoverable log (refused if not granted);
 * - synchronous = FULL: every commit reaches the disk before the call returns, so whatever the patient or the doctor
 *   saw survives a power cut too (NORMAL in WAL survives a crash but may lose the last commits on power loss);
 * - foreign keys on, a busy timeout, secure_delete so deleted patient data is overwritten, not left in free pages,
 *   and the WAL truncated back to 8 MiB after a checkpoint.
 */
export function openSqlite(file: string, o: SqliteOptions = {}): Database.Database {
  const onDisk = file !== ':memory:' && file !== '';
  // Created 0600 before SQLite opens it (SQLite gives the WAL files the mode of the database file).
  if (o.owner && onDisk) prepareStoreFile(o.owner, file, { private: o.privateFile ?? false });
  const db = new Database(file, { timeout: o.busyTimeoutMs ?? 5000 });
  try {
    if (o.privateFile && onDisk) chmodSync(file, 0o600);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal' && onDisk) throw new Error(`journal_mode is ${String(mode)}, not wal`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    db.pragma('journal_size_limit = 8388608');
    if (o.cacheKib !== undefined) db.pragma(`cache_size = -${o.cacheKib}`);
    if (o.maxSizeBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(o.maxSizeBytes / pageSize))}`);
    }
    if (o.privateFile && onDisk) for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    if (o.owner && onDisk) {
      const check = quickCheck(db);
      if (check !== 'ok') throw damaged(o.owner, file, check);
      markStoreFile(file);
    }
  } catch (err) {
    db.close();
    if (o.owner && onDisk && isDamage(err)) throw damaged(o.owner, file, [`${(err as { code: string }).code}: ${(err as Error).message}`], err);
    throw err;
  }
  return db;
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the file to `steps.length` (step i takes PRAGMA user_version from i to i + 1) in one transaction, all
 * steps or none, and does nothing when it is there. A file from a newer version of the software is refused with
 * `newer(found, known)` rather than misread.
 */
export function migrate(db: Database.Database, steps: readonly string[], newer: (found: number, known: number) => Error): { from: number; to: number } {
  const known = steps.length;
  const refuseNewer = (found: number) => {
    if (found > known) throw newer(found, known);
  };
  const before = schemaVersion(db);
  refuseNewer(before);
  if (before === known) return { from: before, to: before };
  // IMMEDIATE takes the write lock first; the version is read again under it in case another process migrated.
  db.transaction(() => {
    const from = schemaVersion(db);
    refuseNewer(from);
    for (let v = from; v < known; v++) {
      db.exec(steps[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
  return { from: before, to: known };
}

const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;

/** SQLite's integrity_check plus the foreign keys: 'ok', or the problems found, one line each. */
export function integrityCheck(db: Database.Database): 'ok' | string[] {
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
    const orphans = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    for (const o of orphans) problems.push(`row ${o.rowid} of ${o.table} refers to a missing ${o.parent} row`);
    return problems.length === 0 ? 'ok' : problems;
  } catch (err) {
    // Damage bad enough to stop the check is itself the answer.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.test(code)) return [`${code}: ${(err as Error).message}`];
    throw err;
  }
}
