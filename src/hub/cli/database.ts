import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StoreRefusedError } from '../../server/store-file.ts';
import { redacted } from '../cluster/redis-bus.ts';
import { HubDatabaseUnreachableError, NewerHubDatabaseError, parseDatabaseTarget } from '../db/open.ts';
import { HubStore } from '../store.ts';

/** Where the hub CLI's commands find the hub's database and Redis (issue 14), checked before anything opens. */

/** A mistake in the command line: main prints its message and exits with code 2. */
export class UsageError extends Error {}

/**
 * The hub's database: `--db` (a SQLite file or a postgres:// URL), else HUB_DATABASE_URL, else `fallback`; a command
 * that works on an existing hub has no fallback, so it never makes an empty database by mistake.
 */
export function databaseOf(flag: string | undefined, fallback?: string): string {
  const db = flag ?? (process.env.HUB_DATABASE_URL || undefined) ?? fallback;
  if (db === undefined || db.trim() === '') throw new UsageError('--db is required (a SQLite file or a postgres:// URL; or set HUB_DATABASE_URL) (see npm run hub -- help).');
  return db;
}

/** A command for an existing hub: a SQLite file must be there (PostgreSQL says itself when its database is not). */
export function mustExist(db: string): void {
  let target;
  try {
    target = parseDatabaseTarget(db);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (target.engine === 'sqlite' && (target.file === ':memory:' || !existsSync(target.file))) throw new UsageError(`There is no hub database ${db}: give the hub's file with --db FILE.`);
}

export async function openStore(db: string): Promise<HubStore> {
  let target;
  try {
    target = parseDatabaseTarget(db);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (target.engine === 'sqlite' && target.file !== ':memory:' && !existsSync(dirname(resolve(target.file)))) throw new UsageError(`The folder of ${target.file} does not exist: create it first.`);
  try {
    return await HubStore.open(db);
  } catch (err) {
    // An emptied or damaged database, a newer hub's, a server that cannot be reached: the refusal says what to do.
    if (err instanceof StoreRefusedError || err instanceof NewerHubDatabaseError || err instanceof HubDatabaseUnreachableError) throw new UsageError(err.message);
    throw new UsageError(`Cannot open the hub database ${target.engine === 'postgres' ? target.describe : target.file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * HUB_REDIS_URL: a redis:// or rediss:// URL (its password is never repeated in a message), for nodes sharing a
 * PostgreSQL database: several nodes on SQLite files would each be a hub of its own.
 */
export function redisUrlOf(url: string, db: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`HUB_REDIS_URL is not a URL: write redis://[:password@]host:port[/db] (${redacted(url)}).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`HUB_REDIS_URL must start with redis:// or rediss:// (it is ${redacted(url)}).`);
  if (u.hostname === '') throw new UsageError(`HUB_REDIS_URL names no host (${redacted(url)}).`);
  if (parseDatabaseTarget(db).engine !== 'postgres') throw new UsageError('HUB_REDIS_URL is for hub nodes sharing a PostgreSQL database: give --db or HUB_DATABASE_URL as a postgres:// URL too.');
  return url;
}
