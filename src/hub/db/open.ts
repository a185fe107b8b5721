import type Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../server/log.ts';
import { openSqlite, schemaVersion } from '../../server/sqlite.ts';
import { migrate as legacyMigrate, SCHEMA_VERSION as LEGACY_VERSION } from '../schema.ts';
import { BASELINE, HUB_MIGRATIONS, migrationProvider } from './migrations.ts';
import type { HubTables } from './tables.ts';

export type { HubEngine } from './migrations.ts';

/**
 * Where the hub keeps what lasts (issue 14), from one string (`HUB_DATABASE_URL`, the CLI's `--database`):
 * - `postgres://…` or `postgresql://…`: a PostgreSQL server, the production mode of a region's hub nodes; a Unix
 *   socket is a `host` parameter (`postgresql://postgres@localhost/hub?host=/run/postgresql`);
 * - `sqlite:<path>` or a bare path: the embedded SQLite file of one machine, the default (nothing to set up).
 */
export type DatabaseTarget =
  | { readonly engine: 'sqlite'; readonly file: string }
  | {
      readonly engine: 'postgres';
      /** As given, password included: for pg only, never for a message. */
      readonly url: string;
      /** `user@host:port/database`, never the password: what messages and logs name. */
      readonly describe: string;
    };

/** Kept for the messages: a URL that holds a password must never be echoed whole. */
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * Reads a database target. Bad input gets a clear error naming what was expected, never the password: an empty string,
 * a URL of another engine (`mysql://…`, which would otherwise become a strange file name), a PostgreSQL URL that is
 * not a URL.
 */
export function parseDatabaseTarget(s: string): DatabaseTarget {
  const text = s.trim();
  if (text === '') throw new Error('The hub database is empty: give a SQLite file path (or sqlite:<path>) or a postgres:// URL.');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return { engine: 'postgres', url: text, describe: describePostgres(text) };
  if (scheme !== undefined) throw new Error(`The hub database ${scheme}://… is not supported: give a SQLite file path (or sqlite:<path>) or a postgres:// URL.`);
  if (/^sqlite:/i.test(text)) {
    const file = text.slice('sqlite:'.length);
    if (file === '') throw new Error('The hub database sqlite: names no file: give sqlite:<path>.');
    return { engine: 'sqlite', file };
  }
  return { engine: 'sqlite', file: text };
}

/** `user@host:port/database` of a PostgreSQL URL, as pg would read it (host and port may be query parameters). */
function describePostgres(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('The hub database URL (postgres://…) is malformed: write it as postgresql://user:password@host:port/database (a Unix socket as ?host=/its/folder).');
  }
  const q = u.searchParams;
  const host = q.get('host') || decodeURIComponent(u.hostname) || 'localhost';
  const port = q.get('port') || u.port || '5432';
  const user = q.get('user') || decodeURIComponent(u.username) || '(default user)';
  const database = q.get('dbname') || decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  return `${user}@${host}:${port}/${database}`;
}

export interface OpenHubDatabaseOptions {
  /** PostgreSQL: connections of this node's pool (10). Each hub node holds its own; the server's max_connections caps their sum. */
  poolSize?: number;
  /**
   * PostgreSQL: a statement running longer is cancelled by the server (15 s). The store's statements take
   * milliseconds; one that waits this long is stuck behind a lock, and the request fails clearly instead of hanging.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL: how long a new connection may take (5 s), so an unreachable server fails the start instead of hanging it. */
  connectTimeoutMs?: number;
  /** Where a pooled connection's failure between queries is told (PostgreSQL restarted, network cut). */
  log?: Logger;
}

interface Common {
  readonly db: Kysely<HubTables>;
  /** What a message names: the SQLite file, or `user@host:port/database (PostgreSQL)`; never a password. */
  readonly where: string;
  /** Ends the pool or closes the file; a second call does nothing. */
  close(): Promise<void>;
}

/**
 * An open hub database. On SQLite, `sqlite` is the raw better-sqlite3 handle under Kysely (the same single connection)
 * for the store's synchronous fast paths and its pragmas; on PostgreSQL there is none.
 */
export type HubDatabase =
  | (Common & { readonly engine: 'sqlite'; readonly target: Extract<DatabaseTarget, { engine: 'sqlite' }>; readonly sqlite: Database.Database; readonly file: string })
  | (Common & { readonly engine: 'postgres'; readonly target: Extract<DatabaseTarget, { engine: 'postgres' }>; readonly sqlite?: undefined });

/** The database was written by a newer hub (a schema version or a migration this one does not know): run the newer hub. */
export class NewerHubDatabaseError extends Error {
  override readonly name = 'NewerHubDatabaseError';
}

/** The PostgreSQL server did not answer (or refused the login): which one, and why, without the password. */
export class HubDatabaseUnreachableError extends Error {
  override readonly name = 'HubDatabaseUnreachableError';
}

const INT8_OID = 20;

/**
 * PostgreSQL's bigint (int8) arrives as a string by default (a JS number cannot hold every int8). The hub's int8 are
 * millisecond times and counts (COUNT(*) is an int8 too), far below 2^53, so they are read as Numbers, as SQLite's
 * INTEGER is: the store's parts see the same types on both engines. One out of the safe range fails its query rather
 * than coming back rounded.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`A bigint of the hub database (${text}) is beyond what a JavaScript number holds exactly.`);
  return n;
}

/**
 * The type parsers of this pool only (pg's global `types.setTypeParser` would change every pg user of the process).
 * Everything else stays pg's default: double precision → number, bytea → Buffer, text → string, numeric → string
 * (the hub has no numeric column; AVG and SUM of bigint return numeric, so the store casts them if it needs them).
 */
function hubTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', parseInt8);
  return types;
}

/**
 * Opens the hub's database, without migrating it (migrateHubDatabase does, once, at start or from
 * `npm run hub -- migrate`).
 * - SQLite: the file through openSqlite with the hub's settings (private 0600 file, WAL, synchronous FULL, foreign
 *   keys; a database that existed is never recreated empty and a damaged one is refused here, with what to do), wrapped
 *   by Kysely's SqliteDialect on that one connection.
 * - PostgreSQL: a pg.Pool (poolSize connections, statement_timeout, int8 read as numbers), tried once at open so that a
 *   server that cannot be reached fails the start with a sentence naming the server (user@host:port/database) and
 *   pg's reason, never the password.
 */
export async function openHubDatabase(target: DatabaseTarget | string, opts: OpenHubDatabaseOptions = {}): Promise<HubDatabase> {
  const t = typeof target === 'string' ? parseDatabaseTarget(target) : target;
  if (t.engine === 'sqlite') {
    const raw = openSqlite(t.file, { privateFile: true, owner: 'hub' });
    const db = new Kysely<HubTables>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
    let closed = false;
    return {
      engine: 'sqlite',
      target: t,
      where: t.file,
      file: t.file,
      db,
      sqlite: raw,
      close: async () => {
        if (closed) return;
        closed = true;
        await db.destroy(); // closes `raw`
        if (raw.open) raw.close();
      },
    };
  }

  const pool = new pg.Pool({
    connectionString: t.url,
    max: opts.poolSize ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 15_000,
    // A node that dies or hangs inside a transaction must not hold its row locks (a consultation's claim) for ever.
    idle_in_transaction_session_timeout: 60_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    application_name: 'cabin-hub',
    keepAlive: true,
    types: hubTypes(),
  });
  // An idle pooled connection that breaks (a PostgreSQL restart) is an 'error' event: unheard, it would end the
  // process. The pool drops that connection and the next query opens a new one.
  pool.on('error', (err) => opts.log?.warn({ database: t.describe, err: err.message }, 'a pooled PostgreSQL connection failed; it is replaced at the next query'));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw unreachable(t.describe, err);
  }
  const db = new Kysely<HubTables>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    engine: 'postgres',
    target: t,
    where: `${t.describe} (PostgreSQL)`,
    db,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy(); // ends the pool
    },
  };
}

/** Statements kept at most, by their SQL text (the store's queries are a few dozen shapes). */
const STATEMENT_CACHE = 256;

/**
 * Kysely's SQLite driver prepares each query's statement anew (compiling SQL costs tens of µs, 12 % of a loaded hub's
 * time in issue 14's profile): this hands back the statement already compiled for the same SQL. Safe because the
 * driver never changes a statement's mode (pluck, raw, expand) and the single connection runs one query at a time
 * (Kysely's driver holds a lock), so no statement is run again while it still iterates. The raw handle itself is
 * returned to the caller unchanged for its own uses (pragmas, the migrations).
 */
function cachingStatements(raw: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  return new Proxy(raw, {
    get(target, prop) {
      if (prop !== 'prepare') {
        // The native methods and getters need the real handle as `this`.
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return (sql: string) => {
        let st = cache.get(sql);
        if (!st) {
          if (cache.size >= STATEMENT_CACHE) cache.clear();
          st = target.prepare(sql);
          cache.set(sql, st);
        }
        return st;
      };
    },
  });
}

function unreachable(describe: string, err: unknown): HubDatabaseUnreachableError {
  const e = err as { message?: unknown; code?: unknown };
  const why = typeof e.message === 'string' && e.message !== '' ? e.message : typeof e.code === 'string' ? e.code : String(err);
  return new HubDatabaseUnreachableError(`The hub database ${describe} (PostgreSQL) cannot be reached: ${why}. Check that the server runs and the URL (HUB_DATABASE_URL) is right.`);
}

/** What migrateHubDatabase did. */
export interface HubMigrationOutcome {
  /** Migrations run now, in order (empty when the database was up to date). */
  readonly ran: readonly string[];
  /** A SQLite file of an older hub: its PRAGMA user_version before the legacy chain brought it to its end (14). */
  readonly legacyFrom?: number;
}

const MIGRATION_TABLE = 'kysely_migration';

/**
 * Brings the database to the newest schema this hub knows, and does nothing when it is there (so every node may call
 * it at start: on PostgreSQL, Kysely's Migrator takes an advisory lock and runs the steps in one transaction; two
 * nodes starting together run them once).
 *
 * SQLite, all in one IMMEDIATE transaction (Kysely runs SQLite migrations outside any transaction and without a lock,
 * so this wraps them: a crash or a second hub process mid-way leaves the file as it was, or waits):
 * - a file of an older hub (PRAGMA user_version 1..14, the end of that chain, SCHEMA_VERSION; no Kysely table) is
 *   first brought to 14 by the legacy chain of ../schema.ts, its rows kept as every hub upgrade did; then the baseline
 *   (which is schema 14) is recorded as run without running it, in Kysely's own table, as its Migrator writes it;
 * - a new file gets the baseline run;
 * - then any later migration runs, and user_version is set to 13 + the number of migrations run (14 after the
 *   baseline): a hub from before issue 14, which knows only the chain up to 14, opens a baseline-only file as its own
 *   schema 14 (the same schema: its migrate does nothing) and refuses one that a later migration changed (user_version
 *   above 14) as "written by a newer hub", instead of running its chain over it or misreading it.
 * A database written by a newer hub (user_version above what this one knows, or a migration this one does not have) is
 * refused with NewerHubDatabaseError, and nothing is changed.
 */
export async function migrateHubDatabase(h: HubDatabase): Promise<HubMigrationOutcome> {
  return h.engine === 'sqlite' ? migrateSqlite(h) : migratePostgres(h);
}

function newer(where: string, what: string): NewerHubDatabaseError {
  return new NewerHubDatabaseError(`The hub database ${where} was written by a newer hub (${what}): run the newer hub.`);
}

function knownMigrations(): ReadonlySet<string> {
  return new Set(HUB_MIGRATIONS.map((m) => m.name));
}

function refuseUnknown(where: string, recorded: readonly string[]): void {
  const known = knownMigrations();
  const unknown = recorded.filter((n) => !known.has(n));
  if (unknown.length > 0) throw newer(where, `migration ${unknown.join(', ')}, which this one does not know`);
}

/** Runs Kysely's Migrator; its error (it never throws) becomes a sentence naming the step that failed. */
async function runMigrator(h: HubDatabase, where: string): Promise<string[]> {
  const migrator = new Migrator({ db: h.db, provider: migrationProvider(h.engine), allowUnorderedMigrations: false });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    // A migration recorded that this list lacks (another node, newer, ran it between our check and the lock).
    if (/^corrupted migrations/.test(message)) throw newer(where, message);
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migrating the hub database ${where} failed${failed ? ` at ${failed}` : ''}: ${message}`, { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function migrateSqlite(h: Extract<HubDatabase, { engine: 'sqlite' }>): Promise<HubMigrationOutcome> {
  const raw = h.sqlite;
  const where = h.where;
  const tableExists = (name: string) => raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  // Refused before taking the write lock: a newer file is not touched at all.
  const before = schemaVersion(raw);
  if (before > LEGACY_VERSION && !tableExists(MIGRATION_TABLE)) throw newer(where, `schema ${before}, this one knows ${LEGACY_VERSION}`);
  raw.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the lock: another process may have migrated meanwhile.
    const version = schemaVersion(raw);
    let legacyFrom: number | undefined;
    if (!tableExists(MIGRATION_TABLE)) {
      if (version > LEGACY_VERSION) throw newer(where, `schema ${version}, this one knows ${LEGACY_VERSION}`);
      if (version > 0) {
        // The legacy chain runs its steps in a SAVEPOINT of this transaction (better-sqlite3 nests them).
        legacyMigrate(raw, where);
        recordBaseline(raw);
        legacyFrom = version;
      } else {
        const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as { name: string }[];
        if (tables.length > 0) throw new Error(`The file ${where} holds tables (${tables.map((x) => x.name).join(', ')}) but no hub schema: it is not a hub database.`);
      }
    }
    const recorded = tableExists(MIGRATION_TABLE) ? (raw.prepare(`SELECT name FROM ${MIGRATION_TABLE}`).all() as { name: string }[]).map((r) => r.name) : [];
    refuseUnknown(where, recorded);
    const ran = await runMigrator(h, where);
    const done = raw.prepare(`SELECT count(*) AS n FROM ${MIGRATION_TABLE}`).get() as { n: number };
    const target = LEGACY_VERSION - 1 + done.n;
    if (schemaVersion(raw) !== target) raw.pragma(`user_version = ${target}`);
    raw.exec('COMMIT');
    return legacyFrom === undefined ? { ran } : { ran, legacyFrom };
  } catch (err) {
    if (raw.inTransaction) raw.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Writes Kysely's migration table as its Migrator creates it (same columns, types and key: kysely/dist/…/migrator.js
 * #ensureMigrationTableExists) with the baseline as run now; the Migrator then finds the table, sees the baseline done
 * and adds its lock table itself.
 */
function recordBaseline(raw: Database.Database): void {
  raw.exec(`CREATE TABLE "${MIGRATION_TABLE}" ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null)`);
  raw.prepare(`INSERT INTO "${MIGRATION_TABLE}" ("name", "timestamp") VALUES (?, ?)`).run(BASELINE, new Date().toISOString());
}

async function migratePostgres(h: Extract<HubDatabase, { engine: 'postgres' }>): Promise<HubMigrationOutcome> {
  const where = h.where;
  // The check before the Migrator's lock is only for the plain message; runMigrator maps a race's error the same way.
  const present = await sql<{ present: boolean }>`SELECT to_regclass(${MIGRATION_TABLE}) IS NOT NULL AS present`.execute(h.db);
  const rows = present.rows[0]?.present ? (await sql<{ name: string }>`SELECT name FROM ${sql.table(MIGRATION_TABLE)}`.execute(h.db)).rows : [];
  refuseUnknown(where, rows.map((r) => r.name));
  return { ran: await runMigrator(h, where) };
}
