import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';

/**
 * A database file that existed must never silently restart empty, and a damaged one is refused at start rather than
 * found by the first patient or doctor. The marker `<file>.store-id` is written beside the database when it is
 * created (or first opened by this version): it outlives a truncated or deleted database file.
 */

/** Whose store it is, for the sentences: `hub` or `cabin`. */
export type StoreOwner = 'hub' | 'cabin';

export type RefusalKind = 'emptied' | 'damaged';

/** The store will not open: what happened and what to do, with the exact paths. */
export class StoreRefusedError extends Error {
  override readonly name = 'StoreRefusedError';
  constructor(
    readonly kind: RefusalKind,
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const markerOf = (file: string): string => `${file}.store-id`;

const onDisk = (file: string): boolean => file !== ':memory:' && file !== '';

const lost: Record<StoreOwner, string> = {
  hub: 'every doctor and cabin account, and the consultations',
  cabin: 'the visit waiting for cleaning and the readings not yet delivered',
};
const stopIt: Record<StoreOwner, string> = { hub: 'the hub', cabin: 'the cabin' };

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

function emptied(owner: StoreOwner, file: string, marker: string, size: number | undefined): StoreRefusedError {
  let since = '';
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { createdAt?: unknown };
    if (typeof m.createdAt === 'string') since = `, created ${m.createdAt}`;
  } catch {
    // The marker's content is only for the sentence.
  }
  const state = size === undefined ? 'is missing' : 'is empty (0 bytes)';
  return new StoreRefusedError(
    'emptied',
    file,
    `The ${owner} database ${file} ${state}, but it existed (${marker}${since}): ${stopIt[owner]} will not start on an empty database, ` +
      `which would forget ${lost[owner]}. Restore the database from your last backup to ${file}; or, to start afresh with an empty ` +
      `database, move the marker aside (mv ${marker} ${marker}.old) and start again.`,
  );
}

/** The refusal of a damaged database (quick_check failed, or SQLite says it is not a database). */
export function damaged(owner: StoreOwner, file: string, problems: readonly string[], cause?: unknown): StoreRefusedError {
  const first = problems.slice(0, 3).join('; ').slice(0, 400);
  return new StoreRefusedError(
    'damaged',
    file,
    `The ${owner} database ${file} is damaged (${first}): ${stopIt[owner]} will not start on it. Stop ${stopIt[owner]}, move the damaged ` +
      `files aside and keep them for support (mv ${file} ${file}.damaged, and ${file}-wal and ${file}-shm likewise if they exist), then ` +
      `restore your last backup to ${file}; or, to start afresh with an empty database (losing ${lost[owner]}), also move ${markerOf(file)} aside.`,
    { cause },
  );
}

/**
 * Before SQLite opens `file`: refuses a missing or empty database whose marker says it existed; creates a missing file
 * empty with mode 0600 (no moment where it is readable by others); makes an existing one 0600 when `private`.
 */
export function prepareStoreFile(owner: StoreOwner, file: string, opts: { private: boolean }): void {
  if (!onDisk(file)) return;
  const marker = markerOf(file);
  const size = sizeOf(file);
  if ((size === undefined || size === 0) && existsSync(marker)) throw emptied(owner, file, marker, size);
  if (size === undefined) {
    try {
      closeSync(openSync(file, 'a', opts.private ? 0o600 : 0o644));
    } catch {
      // A missing folder or no right to create: SQLite's own error says so when it opens the file.
      return;
    }
  }
  if (opts.private) {
    chmodSync(file, 0o600);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
}

const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;

/** SQLite's quick_check (the page structure, without the slower index cross-check): 'ok' or the problems found. */
export function quickCheck(db: Database.Database): 'ok' | string[] {
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
    return problems.length === 0 ? 'ok' : problems;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.test(code)) return [`${code}: ${(err as Error).message}`];
    throw err;
  }
}

/** True when SQLite's error says the file is damaged or not a database. */
export function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DAMAGED.test(code);
}

/** After a successful open and migration: the marker that outlives the database file (written once, mode 0600). */
export function markStoreFile(file: string): void {
  if (!onDisk(file)) return;
  const marker = markerOf(file);
  if (existsSync(marker)) return;
  const tmp = `${marker}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ id: randomUUID(), createdAt: new Date().toISOString(), database: resolve(file) })}\n`, { mode: 0o600 });
  renameSync(tmp, marker);
}
