import type { Kysely } from 'kysely';
import type { Logger } from '../../server/log.ts';
import type { HubTables } from '../db/tables.ts';

/**
 * What each part of the hub store works on (issue 14: one set of queries for both engines): the database through
 * Kysely, embedded SQLite or PostgreSQL, or the transaction a part runs in; the store's clock; its log.
 */
export interface HubDb {
  /** The database, or the open transaction when this part runs inside one (`inTx`). */
  readonly db: Kysely<HubTables>;
  readonly engine: 'sqlite' | 'postgres';
  /** ms, whole. */
  time(): number;
  /** For what the store must not drop silently (a stored row it cannot read). */
  readonly log: Logger;
}

/**
 * Runs `fn` in one transaction (or in the one `s` is already in): the parts whose reads decide their writes (a count
 * against a limit, a check of who may write) are atomic on both engines. On PostgreSQL, READ COMMITTED: the writes
 * that must not race across nodes are conditional updates or inserts against a key, which stay right under it.
 */
export async function inTx<T>(s: HubDb, fn: (t: HubDb) => Promise<T>): Promise<T> {
  if (s.db.isTransaction) return fn(s);
  return s.db.transaction().execute((trx) => fn({ ...s, db: trx }));
}

/** A COUNT(*) as a number (PostgreSQL's int8 is parsed to a Number by db/open.ts; SQLite's is one). */
export const count = (row: { n: number | string | bigint } | undefined): number => Number(row?.n ?? 0);
