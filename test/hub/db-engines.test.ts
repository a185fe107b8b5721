import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE, migrationProvider } from '../../src/hub/db/migrations.ts';
import {
  HubDatabaseUnreachableError,
  migrateHubDatabase,
  NewerHubDatabaseError,
  openHubDatabase,
  parseDatabaseTarget,
  type HubDatabase,
} from '../../src/hub/db/open.ts';
import { HUB_TABLES } from '../../src/hub/db/tables.ts';
import { migrate as legacyMigrate, MIGRATIONS, SCHEMA_VERSION } from '../../src/hub/schema.ts';
import { migrate as runSteps, openSqlite, schemaVersion } from '../../src/server/sqlite.ts';
import { StoreRefusedError } from '../../src/server/store-file.ts';
import { captureLogger } from '../helpers/log-capture.ts';
import { PrivatePostgres } from '../helpers/postgres.ts';

/**
 * The hub's database layer on both engines (issue 14): the one list of migrations builds the same schema on embedded
 * SQLite and on PostgreSQL, every constraint refuses the same rows on both, the types come back alike (ms times as
 * numbers, pictures as bytes), and a SQLite file written by an older hub (the legacy chain of src/hub/schema.ts) is
 * taken over with its rows and ends up with exactly the schema of a new one.
 *
 * Three kinds of database run the same checks: a new SQLite file, a SQLite file of an older hub (legacy chain to its end,
 * then opened here), and a PostgreSQL database (one throwaway cluster for this file, an ICU en-US database: the
 * collation of many production servers, where 'a' sorts before 'B').
 */

let server: PrivatePostgres;
let serverStartMs = 0;
const dirs: string[] = [];
let dbCount = 0;

beforeAll(async () => {
  const t0 = performance.now();
  server = await PrivatePostgres.start();
  serverStartMs = performance.now() - t0;
}, 60_000);

afterAll(async () => {
  await server?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(`PostgreSQL cluster started in ${Math.round(serverStartMs)} ms`); // the figure asked for by issue 14's report
});

const tempFile = (name = 'hub.db'): string => {
  const d = mkdtempSync(join(tmpdir(), 'hub-db-engines-'));
  dirs.push(d);
  return join(d, name);
};

/** A file as a hub before issue 14 leaves it: the legacy chain run to `version` (all of it by default), then closed. */
function legacyFile(version = MIGRATIONS.length, fill?: (db: Database.Database) => void): string {
  const file = tempFile();
  const db = openSqlite(file, { privateFile: true, owner: 'hub' });
  if (version === MIGRATIONS.length) legacyMigrate(db, file);
  else runSteps(db, MIGRATIONS.slice(0, version), () => new Error('newer'));
  fill?.(db);
  db.close();
  return file;
}

async function pgDatabase(): Promise<string> {
  return server.createDatabase(`hub_${++dbCount}`, "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'");
}

type Kind = 'sqlite' | 'sqlite-legacy' | 'postgres';

async function openKind(kind: Kind): Promise<HubDatabase> {
  if (kind === 'sqlite') return openHubDatabase(tempFile());
  if (kind === 'sqlite-legacy') return openHubDatabase(`sqlite:${legacyFile()}`);
  return openHubDatabase(await pgDatabase());
}

/** What kind of refusal an error is, the same words for both engines (SQLite's extended codes, PostgreSQL's SQLSTATE). */
function refusalOf(err: unknown): string {
  const code = String((err as { code?: unknown }).code);
  const kinds: Record<string, string> = {
    SQLITE_CONSTRAINT_CHECK: 'check',
    '23514': 'check',
    SQLITE_CONSTRAINT_UNIQUE: 'unique',
    SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
    '23505': 'unique',
    SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign key',
    '23503': 'foreign key',
    SQLITE_CONSTRAINT_NOTNULL: 'not null',
    '23502': 'not null',
    // PostgreSQL's json check is a cast (src/hub/db/migrations.ts): bad JSON fails as invalid input, not as a check.
    '22P02': 'invalid json',
  };
  return kinds[code] ?? `unexpected ${code}: ${(err as Error).message}`;
}

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    return refusalOf(err);
  }
}

const T0 = 1_765_000_000_123; // a ms time above 2^32: needs the 64 bits of SQLite's INTEGER and PostgreSQL's bigint

describe.each<Kind>(['sqlite', 'sqlite-legacy', 'postgres'])('hub database on %s', (kind) => {
  let h: HubDatabase;
  let firstRun: Awaited<ReturnType<typeof migrateHubDatabase>>;
  const badJson = kind === 'postgres' ? 'invalid json' : 'check';

  beforeAll(async () => {
    h = await openKind(kind);
    firstRun = await migrateHubDatabase(h);
    await h.db.insertInto('cabins').values({ id: 'cab-1', name: 'Cabine 1', key_hash: 'k', created_at: T0 }).execute();
    await h.db.insertInto('cabins').values({ id: 'cab-2', name: 'Cabine 2', key_hash: 'k', created_at: T0 }).execute();
    await h.db.insertInto('doctors').values({ id: 'doc-1', name: 'Dr A', password_hash: 'h', created_at: T0 }).execute();
  }, 30_000);
  afterAll(() => h?.close());

  const consultation = (id: string, cabin = 'cab-1', more: Partial<{ state: 'waiting' | 'active' | 'ended' | 'cancelled'; language: string; cabin_left_at: number | null }> = {}) =>
    h.db
      .insertInto('consultations')
      .values({ id, cabin_id: cabin, language: 'fr', state: 'waiting', created_at: T0, claimed_at: null, ended_at: null, cabin_left_at: null, cabin_left_reason: null, visit: null, doctor_id: null, ...more })
      .execute();

  it('runs the baseline once (recorded only, for a file of an older hub); a second run does nothing', async () => {
    if (kind === 'sqlite-legacy') expect(firstRun).toEqual({ ran: [], legacyFrom: MIGRATIONS.length });
    else expect(firstRun).toEqual({ ran: [BASELINE] });
    expect(await migrateHubDatabase(h)).toEqual({ ran: [] });
    // Kysely's own Migrator agrees: the baseline is done, nothing pending.
    const migrations = await new Migrator({ db: h.db, provider: migrationProvider(h.engine) }).getMigrations();
    expect(migrations.map((m) => [m.name, m.executedAt instanceof Date])).toEqual([[BASELINE, true]]);
    if (h.engine === 'sqlite') expect(schemaVersion(h.sqlite)).toBe(MIGRATIONS.length);
  });

  it('a ms time above 2^32 comes back as the same number; count(*) is a number too', async () => {
    const row = await h.db.selectFrom('cabins').select(['created_at', 'disabled_at']).where('id', '=', 'cab-1').executeTakeFirstOrThrow();
    expect(row).toEqual({ created_at: T0, disabled_at: null });
    expect(typeof row.created_at).toBe('number');
    const n = await h.db.selectFrom('cabins').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(n.n).toBe(2);
  });

  it('a reading is a number or the reason there is none: both or neither is refused', async () => {
    await consultation('c-read', 'cab-2', { state: 'ended' });
    const reading = (id: string, value: number | null, absent: string | null) =>
      h.db.insertInto('report_readings').values({ consultation_id: 'c-read', id, code: '8867-4', value, absent, unit: '/min', t: 1.5, device_id: null, measurement_id: null, from_cabin_at: null, meta: null }).execute();
    expect(await outcome(reading('r1', 72.5, null))).toBe('accepted');
    expect(await outcome(reading('r2', null, 'nres'))).toBe('accepted');
    expect(await outcome(reading('r3', 72, 'nres'))).toBe('check');
    expect(await outcome(reading('r4', null, null))).toBe('check');
    expect(await outcome(reading('r1', 80, null))).toBe('unique');
    const rows = await h.db.selectFrom('report_readings').select(['id', 'value', 'absent', 't']).where('consultation_id', '=', 'c-read').orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'r1', value: 72.5, absent: null, t: 1.5 },
      { id: 'r2', value: null, absent: 'nres', t: 1.5 },
    ]);
    // meta is JSON or null
    const meta = (id: string, m: string) =>
      h.db.insertInto('report_readings').values({ consultation_id: 'c-read', id, code: 'x', value: 1, absent: null, unit: 'u', t: 2, device_id: null, measurement_id: null, from_cabin_at: T0, meta: m }).execute();
    expect(await outcome(meta('m1', '{"decimals":1}'))).toBe('accepted');
    expect(await outcome(meta('m2', '{decimals:1'))).toBe(badJson);
  });

  it('one open consultation per cabin; a cabin the patient left, or a consultation ended, frees it', async () => {
    expect(await outcome(consultation('c-open-1'))).toBe('accepted');
    expect(await outcome(consultation('c-open-2'))).toBe('unique');
    expect(await outcome(consultation('c-open-2', 'cab-1', { state: 'active' }))).toBe('unique');
    expect(await outcome(consultation('c-open-2', 'cab-1', { state: 'ended' }))).toBe('accepted');
    await h.db.updateTable('consultations').set({ cabin_left_at: T0 + 1, state: 'active', doctor_id: 'doc-1' }).where('id', '=', 'c-open-1').execute();
    expect(await outcome(consultation('c-open-3'))).toBe('accepted');
    // Putting the left one back in the cabin collides with the new one.
    expect(await outcome(h.db.updateTable('consultations').set({ cabin_left_at: null }).where('id', '=', 'c-open-1').execute())).toBe('unique');
  });

  it("a language is two lower-case letters; a state, a role, a side, a mime type from their lists", async () => {
    for (const bad of ['FR', 'fra', 'f', '', 'é1', 'f1']) expect(await outcome(consultation(`c-lang-${bad}`, 'cab-2', { state: 'ended', language: bad })), bad).toBe('check');
    expect(await outcome(consultation('c-lang-ar', 'cab-2', { state: 'ended', language: 'ar' }))).toBe('accepted');
    expect(await outcome(consultation('c-state', 'cab-2', { state: 'paused' as 'ended' }))).toBe('check');
    expect(await outcome(h.db.insertInto('sessions').values({ id: 's1', role: 'admin' as 'doctor', subject: 'x', refresh_hash: null, created_at: T0, ended_at: null }).execute())).toBe('check');
    expect(await outcome(h.db.insertInto('incidents').values({ consultation_id: 'c-lang-ar', t: T0, side: 'nurse' as 'hub', detail: 'x' }).execute())).toBe('check');
    const media = (id: string, mime: string) =>
      h.db.insertInto('consultation_media').values({ consultation_id: 'c-lang-ar', media_id: id, kind: 'otoscope', mime: mime as 'image/png', taken_at: T0, bytes: Buffer.from([1]), sha1: 's', stored_at: T0 }).execute();
    expect(await outcome(media('m-gif', 'image/gif'))).toBe('check');
    expect(await outcome(media('m-png', 'image/png'))).toBe('accepted');
  });

  it('sessions: a refresh hash is unique (several without one are fine)', async () => {
    const session = (id: string, refresh: string | null) => h.db.insertInto('sessions').values({ id, role: 'doctor', subject: 'doc-1', refresh_hash: refresh, created_at: T0, ended_at: null }).execute();
    expect(await outcome(session('s-a', 'r'))).toBe('accepted');
    expect(await outcome(session('s-b', 'r'))).toBe('unique');
    expect(await outcome(session('s-c', null))).toBe('accepted');
    expect(await outcome(session('s-d', null))).toBe('accepted');
  });

  it('pleth: marked is 0 or 1, count above 0, the excerpt JSON; the same start is two rows when marked or counted apart', async () => {
    await consultation('c-pleth', 'cab-2', { state: 'ended' });
    const pleth = (t: number, marked: 0 | 1, count: number, excerpt = '{"samples":[1,2]}') =>
      h.db.insertInto('consultation_pleth').values({ consultation_id: 'c-pleth', device_id: 'ox', t, marked, count, excerpt, created_at: null }).execute();
    expect(await outcome(pleth(10.25, 0, 2))).toBe('accepted');
    expect(await outcome(pleth(10.25, 1, 2))).toBe('accepted');
    expect(await outcome(pleth(10.25, 1, 3))).toBe('accepted');
    expect(await outcome(pleth(10.25, 1, 3))).toBe('unique');
    expect(await outcome(pleth(11, 2 as 1, 2))).toBe('check');
    expect(await outcome(pleth(11, 0, 0))).toBe('check');
    expect(await outcome(pleth(11, 0, 1, 'not json'))).toBe(badJson);
    // marked takes its default
    await h.db.insertInto('consultation_pleth').values({ consultation_id: 'c-pleth', device_id: 'ox', t: 12, count: 1, excerpt: '{}', created_at: T0 }).execute();
    const row = await h.db.selectFrom('consultation_pleth').select(['marked', 't']).where('t', '=', 12).executeTakeFirstOrThrow();
    expect(row).toEqual({ marked: 0, t: 12 });
  });

  it('patients, devices and the FHIR push hold JSON; a push has its defaults', async () => {
    await consultation('c-json', 'cab-2', { state: 'ended' });
    expect(await outcome(h.db.insertInto('patients').values({ consultation_id: 'c-json', identity: '{"family":"Dupont"}', updated_at: T0, updated_by: 'doc-1' }).execute())).toBe('accepted');
    expect(await outcome(h.db.insertInto('patients').values({ consultation_id: 'c-json', identity: '{}', updated_at: T0, updated_by: 'doc-1' }).execute())).toBe('unique');
    expect(await outcome(h.db.insertInto('consultation_devices').values({ consultation_id: 'c-json', device_id: 'd', device: '[', updated_at: T0 }).execute())).toBe(badJson);
    expect(await outcome(h.db.insertInto('fhir_push').values({ consultation_id: 'c-json', state: 'pending', next_at: T0, last_error: null, outcome: 'x', bundle_hash: null, updated_at: T0 }).execute())).toBe(badJson);
    expect(await outcome(h.db.insertInto('fhir_push').values({ consultation_id: 'c-json', state: 'sent' as 'done', next_at: T0, last_error: null, outcome: null, bundle_hash: null, updated_at: T0 }).execute())).toBe('check');
    await h.db.insertInto('fhir_push').values({ consultation_id: 'c-json', state: 'pending', next_at: T0, last_error: null, outcome: null, bundle_hash: null, updated_at: T0 }).execute();
    const push = await h.db.selectFrom('fhir_push').select(['attempts', 'next_at']).executeTakeFirstOrThrow();
    expect(push).toEqual({ attempts: 0, next_at: T0 });
    // JSON comes back as the very text written (not re-spelled, not an object).
    const written = '{ "b": 1,  "a": [1.0, "\\u00e9"] }';
    await h.db.insertInto('consultation_devices').values({ consultation_id: 'c-json', device_id: 'd', device: written, updated_at: T0 }).execute();
    expect((await h.db.selectFrom('consultation_devices').select('device').executeTakeFirstOrThrow()).device).toBe(written);
    const c = await h.db.selectFrom('consultations').select(['notes', 'readings']).where('id', '=', 'c-json').executeTakeFirstOrThrow();
    expect(c).toEqual({ notes: '', readings: '[]' });
  });

  it('pictures come back as the same bytes', async () => {
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    await consultation('c-pic', 'cab-2', { state: 'ended' });
    await h.db.insertInto('consultation_media').values({ consultation_id: 'c-pic', media_id: 'p', kind: 'otoscope', mime: 'image/jpeg', taken_at: T0, bytes, sha1: 's', stored_at: T0 }).execute();
    await h.db.insertInto('consultation_media').values({ consultation_id: 'c-pic', media_id: 'q', kind: 'otoscope', mime: 'image/jpeg', taken_at: T0, bytes: new Uint8Array([0, 255, 0]), sha1: 's', stored_at: T0 }).execute();
    const rows = await h.db.selectFrom('consultation_media').select(['media_id', 'bytes']).where('consultation_id', '=', 'c-pic').orderBy('media_id').execute();
    expect(Buffer.isBuffer(rows[0]!.bytes)).toBe(true);
    expect(rows[0]!.bytes.equals(bytes)).toBe(true);
    expect([...rows[1]!.bytes]).toEqual([0, 255, 0]);
  });

  it("incidents get increasing ids from the database; text sorts by bytes ('B' before 'a', as SQLite)", async () => {
    await consultation('c-inc', 'cab-2', { state: 'ended' });
    for (const detail of ['one', 'two', 'three']) await h.db.insertInto('incidents').values({ consultation_id: 'c-inc', t: T0, side: 'hub', detail }).execute();
    const rows = await h.db.selectFrom('incidents').select(['id', 'detail']).where('consultation_id', '=', 'c-inc').orderBy('id').execute();
    expect(rows.map((r) => r.detail)).toEqual(['one', 'two', 'three']);
    expect(rows.every((r) => typeof r.id === 'number')).toBe(true);
    expect(rows[0]!.id).toBeLessThan(rows[1]!.id);
    for (const id of ['a', 'B', 'é', 'Z', '_']) await h.db.insertInto('consultation_devices').values({ consultation_id: 'c-inc', device_id: id, device: '{}', updated_at: T0 }).execute();
    const order = await h.db.selectFrom('consultation_devices').select('device_id').where('consultation_id', '=', 'c-inc').orderBy('device_id').execute();
    expect(order.map((r) => r.device_id)).toEqual(['B', 'Z', '_', 'a', 'é']);
  });

  it("deleting a consultation deletes what hangs on it; a cabin or doctor with consultations cannot be deleted", async () => {
    await consultation('c-del', 'cab-2', { state: 'ended' });
    await h.db.insertInto('incidents').values({ consultation_id: 'c-del', t: T0, side: 'cabin', detail: 'x' }).execute();
    await h.db.insertInto('report_readings').values({ consultation_id: 'c-del', id: 'r', code: 'c', value: 1, absent: null, unit: 'u', t: 1, device_id: null, measurement_id: null, from_cabin_at: null, meta: null }).execute();
    await h.db.insertInto('patients').values({ consultation_id: 'c-del', identity: '{}', updated_at: T0, updated_by: 'd' }).execute();
    await h.db.insertInto('fhir_push').values({ consultation_id: 'c-del', state: 'done', next_at: T0, last_error: null, outcome: '{}', bundle_hash: 'h', updated_at: T0 }).execute();
    await h.db.insertInto('consultation_devices').values({ consultation_id: 'c-del', device_id: 'd', device: '{}', updated_at: T0 }).execute();
    await h.db.insertInto('consultation_pleth').values({ consultation_id: 'c-del', device_id: 'd', t: 1, marked: 1, count: 1, excerpt: '{}', created_at: T0 }).execute();
    await h.db.insertInto('consultation_media').values({ consultation_id: 'c-del', media_id: 'm', kind: 'k', mime: 'image/png', taken_at: T0, bytes: Buffer.from([1]), sha1: 's', stored_at: T0 }).execute();
    const children = ['incidents', 'report_readings', 'patients', 'fhir_push', 'consultation_devices', 'consultation_pleth', 'consultation_media'] as const;
    const counts = async () => {
      const out: number[] = [];
      for (const t of children) out.push((await h.db.selectFrom(t).select((e) => e.fn.countAll<number>().as('n')).where('consultation_id', '=', 'c-del').executeTakeFirstOrThrow()).n);
      return out;
    };
    expect(await counts()).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await outcome(h.db.insertInto('incidents').values({ consultation_id: 'c-missing', t: T0, side: 'hub', detail: 'x' }).execute())).toBe('foreign key');
    expect(await outcome(consultation('c-nocabin', 'cab-missing', { state: 'ended' }))).toBe('foreign key');
    expect(await outcome(h.db.deleteFrom('cabins').where('id', '=', 'cab-2').execute())).toBe('foreign key');
    expect(await outcome(h.db.deleteFrom('doctors').where('id', '=', 'doc-1').execute())).toBe('foreign key');
    await h.db.deleteFrom('consultations').where('id', '=', 'c-del').execute();
    expect(await counts()).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('NOT NULL columns refuse a missing value', async () => {
    expect(await outcome(h.db.insertInto('cabins').values({ id: 'cab-x', name: null as unknown as string, key_hash: 'k', created_at: T0 }).execute())).toBe('not null');
    expect(await outcome(h.db.insertInto('consultation_media').values({ consultation_id: 'c-pic', media_id: 'n', kind: 'k', mime: 'image/png', taken_at: T0, bytes: null as unknown as Buffer, sha1: 's', stored_at: T0 }).execute())).toBe('not null');
  });
});

/** Everything SQLite says of a database's schema, table by table, in a form two files can be compared by. */
function sqliteShape(db: Database.Database): unknown {
  const norm = (s: string | null) => (s ?? '').toLowerCase().replace(/["`]/g, '').replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*\)\s*/g, ')').trim();
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'kysely\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  return tables.map((t) => {
    const list = db.pragma(`table_list(${t})`) as { type: string; ncol: number; wr: number; strict: number }[];
    const columns = (db.pragma(`table_info(${t})`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[]).map((c) => ({ ...c, type: c.type.toUpperCase() }));
    const indexes = (db.pragma(`index_list(${t})`) as { name: string; unique: number; origin: string; partial: number }[])
      .map((i) => ({
        // An automatic index is named after its table and rank, which a rebuilt-and-renamed table keeps: compared by origin.
        name: i.name.startsWith('sqlite_autoindex_') ? `auto(${i.origin})` : i.name,
        unique: i.unique,
        origin: i.origin,
        partial: i.partial,
        columns: (db.pragma(`index_xinfo(${i.name})`) as { name: string | null; desc: number; coll: string; key: number }[]).filter((x) => x.key === 1),
        sql: norm((db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?").get(i.name) as { sql: string | null } | undefined)?.sql ?? null),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const foreignKeys = db.pragma(`foreign_key_list(${t})`);
    return { table: t, options: list.map(({ type, ncol, wr, strict }) => ({ type, ncol, wr, strict })), columns, indexes, foreignKeys };
  });
}

describe('a SQLite file of an older hub', () => {
  let fresh: HubDatabase;
  beforeAll(async () => {
    fresh = await openHubDatabase(tempFile());
    await migrateHubDatabase(fresh);
  });
  afterAll(() => fresh?.close());
  const freshShape = () => sqliteShape((fresh as Extract<HubDatabase, { engine: 'sqlite' }>).sqlite);

  it('a new file has every table of the legacy schema and its user_version (14), which the legacy chain of an older hub leaves alone', () => {
    const raw = (fresh as Extract<HubDatabase, { engine: 'sqlite' }>).sqlite;
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables.filter((t) => !t.startsWith('kysely_') && t !== 'sqlite_sequence').sort()).toEqual([...HUB_TABLES].sort());
    expect(schemaVersion(raw)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(14);
    // What an older hub's open runs (src/hub/schema.ts's migrate, on src/server/sqlite.ts): nothing to do.
    expect(runSteps(raw, MIGRATIONS, () => new Error('newer'))).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
  });

  it('at the end of the legacy chain: its rows are kept, the baseline recorded without running, and its schema is the new one', async () => {
    const file = legacyFile(MIGRATIONS.length, (db) => {
      db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab', 'Cabine', 'k', ?)").run(T0);
      db.prepare("INSERT INTO consultations (id, cabin_id, language, state, created_at) VALUES ('c', 'cab', 'ar', 'waiting', ?)").run(T0);
      db.prepare("INSERT INTO report_readings (consultation_id, id, code, absent, unit, t) VALUES ('c', 'r', 'x', 'nres', 'u', 1)").run();
    });
    const h = await openHubDatabase(file);
    try {
      expect(await migrateHubDatabase(h)).toEqual({ ran: [], legacyFrom: SCHEMA_VERSION });
      expect(await h.db.selectFrom('consultations').select(['id', 'language', 'created_at']).execute()).toEqual([{ id: 'c', language: 'ar', created_at: T0 }]);
      expect(await h.db.selectFrom('report_readings').select(['value', 'absent']).execute()).toEqual([{ value: null, absent: 'nres' }]);
      const recorded = await h.db.selectFrom('kysely_migration' as 'cabins').select(sql<string>`name`.as('name')).execute();
      expect(recorded).toEqual([{ name: BASELINE }]);
      expect(sqliteShape(h.sqlite!)).toEqual(freshShape());
      expect(await migrateHubDatabase(h)).toEqual({ ran: [] });
      expect(schemaVersion(h.sqlite!)).toBe(SCHEMA_VERSION);
    } finally {
      await h.close();
    }
  });

  it('at 10: brought to the end of the legacy chain first, with its rows', async () => {
    const file = legacyFile(10, (db) => {
      db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab', 'Cabine', 'k', ?)").run(T0);
      db.prepare("INSERT INTO doctors (id, name, password_hash, created_at) VALUES ('doc', 'Dr', 'h', ?)").run(T0);
      db.prepare("INSERT INTO consultations (id, cabin_id, doctor_id, language, state, created_at, claimed_at) VALUES ('c', 'cab', 'doc', 'fr', 'active', ?, ?)").run(T0, T0 + 5);
      db.prepare("INSERT INTO report_readings (consultation_id, id, code, value, unit, t, meta) VALUES ('c', 'r', '8867-4', 61, '/min', 2.5, '{\"decimals\":0}')").run();
      db.prepare("INSERT INTO incidents (consultation_id, t, side, detail) VALUES ('c', ?, 'cabin', 'left')").run(T0);
      db.prepare("INSERT INTO patients (consultation_id, identity, updated_at, updated_by) VALUES ('c', '{\"family\":\"X\"}', ?, 'doc')").run(T0);
    });
    const h = await openHubDatabase(`sqlite:${file}`);
    try {
      expect(await migrateHubDatabase(h)).toEqual({ ran: [], legacyFrom: 10 });
      expect(await h.db.selectFrom('consultations').select(['id', 'doctor_id', 'claimed_at', 'state']).execute()).toEqual([{ id: 'c', doctor_id: 'doc', claimed_at: T0 + 5, state: 'active' }]);
      expect(await h.db.selectFrom('report_readings').select(['id', 'value', 'absent', 'meta']).execute()).toEqual([{ id: 'r', value: 61, absent: null, meta: '{"decimals":0}' }]);
      expect(await h.db.selectFrom('incidents').select(['id', 'detail']).execute()).toEqual([{ id: 1, detail: 'left' }]);
      expect(await h.db.selectFrom('patients').select('identity').execute()).toEqual([{ identity: '{"family":"X"}' }]);
      expect(sqliteShape(h.sqlite!)).toEqual(freshShape());
      expect(schemaVersion(h.sqlite!)).toBe(SCHEMA_VERSION);
    } finally {
      await h.close();
    }
  });

  it('at 1 (the first hub): every step of the chain runs inside the one transaction, its rows kept', async () => {
    const file = legacyFile(1, (db) => {
      db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) VALUES ('cab', 'Cabine', 'k', ?)").run(T0);
      db.prepare("INSERT INTO consultations (id, cabin_id, language, state, created_at, readings) VALUES ('c', 'cab', 'en', 'ended', ?, '[{\"id\":\"r\",\"code\":\"x\",\"value\":1,\"unit\":\"u\",\"t\":3}]')").run(T0);
      db.prepare("INSERT INTO incidents (consultation_id, t, side, detail) VALUES ('c', ?, 'hub', 'kept')").run(T0);
    });
    const h = await openHubDatabase(file);
    try {
      expect(await migrateHubDatabase(h)).toEqual({ ran: [], legacyFrom: 1 });
      expect(await h.db.selectFrom('consultations').select(['language', 'readings']).execute()).toEqual([{ language: 'en', readings: '[]' }]);
      expect(await h.db.selectFrom('report_readings').select(['id', 'value', 't']).execute()).toEqual([{ id: 'r', value: 1, t: 3 }]);
      expect(await h.db.selectFrom('incidents').select('detail').execute()).toEqual([{ detail: 'kept' }]);
      expect(sqliteShape(h.sqlite!)).toEqual(freshShape());
      expect(h.sqlite!.inTransaction).toBe(false);
    } finally {
      await h.close();
    }
  });

  it('a file of a newer hub (user_version above 14) is refused with a plain sentence, and left as it was', async () => {
    const file = legacyFile(MIGRATIONS.length, (db) => db.pragma('user_version = 15'));
    const h = await openHubDatabase(file);
    try {
      const err = await migrateHubDatabase(h).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NewerHubDatabaseError);
      expect((err as Error).message).toBe(`The hub database ${file} was written by a newer hub (schema 15, this one knows 14): run the newer hub.`);
      expect(schemaVersion(h.sqlite!)).toBe(15);
      expect(h.sqlite!.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'kysely%'").get()).toEqual({ n: 0 });
    } finally {
      await h.close();
    }
  });

  it('a file with a migration this hub does not know is refused, and left as it was', async () => {
    const file = tempFile();
    const first = await openHubDatabase(file);
    await migrateHubDatabase(first);
    first.sqlite!.prepare("INSERT INTO kysely_migration (name, timestamp) VALUES ('0002_from_the_future', ?)").run(new Date().toISOString());
    first.sqlite!.pragma('user_version = 17');
    await first.close();
    const h = await openHubDatabase(file);
    try {
      const err = await migrateHubDatabase(h).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NewerHubDatabaseError);
      expect((err as Error).message).toMatch(/^The hub database .*hub\.db was written by a newer hub \(migration 0002_from_the_future, which this one does not know\): run the newer hub\.$/);
      expect(schemaVersion(h.sqlite!)).toBe(17);
    } finally {
      await h.close();
    }
  });

  it('a file that is not a database, or holds tables of something else, is refused', async () => {
    const garbage = tempFile();
    writeFileSync(garbage, 'this is not a database, but it is long enough to be read as one by SQLite '.repeat(100));
    await expect(openHubDatabase(garbage)).rejects.toBeInstanceOf(StoreRefusedError);
    const other = tempFile();
    const db = openSqlite(other);
    db.exec('CREATE TABLE notes (x TEXT)');
    db.close();
    const h = await openHubDatabase(other);
    try {
      await expect(migrateHubDatabase(h)).rejects.toThrow(`The file ${other} holds tables (notes) but no hub schema: it is not a hub database.`);
      // Rolled back: nothing of the hub's was left in it.
      expect(h.sqlite!.inTransaction).toBe(false);
      expect(h.sqlite!.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'notes' }]);
    } finally {
      await h.close();
    }
  });
});

/**
 * The schema in the terms both engines share, table by table: columns in order with their type family, NOT NULL
 * (a primary key's columns are NOT NULL on both) and default; the primary key; unique constraints; foreign keys with
 * their ON DELETE; the indexes the migrations create, unique or partial. (CHECKs and the partial indexes' conditions
 * are not compared as text, which each engine spells its own way: the tests above make each of them refuse the same
 * rows on both.)
 */
interface CommonShape {
  columns: { name: string; family: string; notNull: boolean; dflt: string | null }[];
  primaryKey: string[];
  unique: string[][];
  foreignKeys: string[];
  indexes: string[];
}

function sqliteCommonShape(db: Database.Database, table: string): CommonShape {
  const info = db.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
  const list = db.pragma(`index_list(${table})`) as { name: string; unique: number; origin: string; partial: number }[];
  const cols = (index: string) => (db.pragma(`index_info(${index})`) as { name: string }[]).map((c) => c.name);
  return {
    columns: info.map((c) => ({ name: c.name, family: c.type.toUpperCase(), notNull: c.notnull === 1 || c.pk > 0, dflt: c.dflt_value })),
    primaryKey: info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name),
    unique: list.filter((i) => i.origin === 'u').map((i) => cols(i.name)),
    foreignKeys: (db.pragma(`foreign_key_list(${table})`) as { table: string; from: string; to: string; on_delete: string }[]).map((f) => `${f.from} → ${f.table}.${f.to} on delete ${f.on_delete}`).sort(),
    indexes: list
      .filter((i) => i.origin === 'c')
      .map((i) => `${i.name}${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''} (${cols(i.name).join(', ')})`)
      .sort(),
  };
}

async function postgresCommonShape(h: HubDatabase, table: string): Promise<CommonShape> {
  const family: Record<string, string> = { text: 'TEXT', bigint: 'INTEGER', integer: 'INTEGER', 'double precision': 'REAL', bytea: 'BLOB' };
  const columns = await sql<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
    SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table} ORDER BY ordinal_position`.execute(h.db);
  const constraints = await sql<{ contype: string; cols: string[]; ref: string | null; refcols: string[] | null; confdeltype: string }>`
    SELECT c.contype, c.confdeltype, c.confrelid::regclass::text AS ref,
      ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols,
      ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS refcols
    FROM pg_constraint c WHERE c.conrelid = ${table}::regclass`.execute(h.db);
  const indexes = await sql<{ name: string; unique: boolean; partial: boolean; cols: string[] }>`
    SELECT i.relname AS name, x.indisunique AS unique, x.indpred IS NOT NULL AS partial,
      ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n ORDER BY k.o) AS cols
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = ${table}::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`.execute(h.db);
  const byType = (t: string) => constraints.rows.filter((c) => c.contype === t);
  const onDelete: Record<string, string> = { c: 'CASCADE', a: 'NO ACTION' };
  return {
    columns: columns.rows.map((c) => ({
      name: c.column_name,
      family: family[c.data_type] ?? c.data_type,
      notNull: c.is_nullable === 'NO',
      dflt: c.column_default === null ? null : c.column_default.replace(/::text$/, ''),
    })),
    primaryKey: byType('p')[0]?.cols ?? [],
    unique: byType('u').map((c) => c.cols),
    foreignKeys: byType('f')
      .map((f) => `${f.cols.join(', ')} → ${f.ref}.${(f.refcols ?? []).join(', ')} on delete ${onDelete[f.confdeltype] ?? f.confdeltype}`)
      .sort(),
    indexes: indexes.rows.map((i) => `${i.name}${i.unique ? ' unique' : ''}${i.partial ? ' partial' : ''} (${i.cols.join(', ')})`).sort(),
  };
}

describe('one schema on both engines', () => {
  it('every table has the same columns, keys, foreign keys and indexes on SQLite and PostgreSQL', async () => {
    const lite = await openHubDatabase(tempFile());
    const post = await openHubDatabase(await pgDatabase());
    try {
      await migrateHubDatabase(lite);
      await migrateHubDatabase(post);
      const pgTables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely%' ORDER BY 1`.execute(post.db);
      expect(pgTables.rows.map((r) => r.name)).toEqual([...HUB_TABLES].sort());
      for (const table of HUB_TABLES) {
        const a = sqliteCommonShape(lite.sqlite!, table);
        expect(a.columns.length, table).toBeGreaterThan(3);
        expect(await postgresCommonShape(post, table), table).toEqual(a);
      }
    } finally {
      await Promise.all([lite.close(), post.close()]);
    }
  });
});

describe('PostgreSQL', () => {
  it('two nodes migrating a new database at once run the baseline once', async () => {
    const url = await pgDatabase();
    const [a, b] = await Promise.all([openHubDatabase(url), openHubDatabase(url)]);
    try {
      const results = await Promise.all([migrateHubDatabase(a), migrateHubDatabase(b)]);
      expect(results.map((r) => r.ran).sort()).toEqual([[], [BASELINE]]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a database with a migration this hub does not know is refused with the plain sentence', async () => {
    const url = await pgDatabase();
    const h = await openHubDatabase(url);
    try {
      await migrateHubDatabase(h);
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('0002_from_the_future', ${new Date().toISOString()})`.execute(h.db);
      const err = await migrateHubDatabase(h).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NewerHubDatabaseError);
      expect((err as Error).message).toMatch(/^The hub database postgres@\/tmp\/pg-test-\w+:\d+\/hub_\d+ \(PostgreSQL\) was written by a newer hub \(migration 0002_from_the_future, which this one does not know\): run the newer hub\.$/);
    } finally {
      await h.close();
    }
  });

  it('an int8 beyond what a number holds fails its query instead of coming back rounded', async () => {
    const h = await openHubDatabase(await pgDatabase());
    try {
      expect((await sql<{ n: number }>`SELECT 9007199254740991::bigint AS n`.execute(h.db)).rows).toEqual([{ n: 9007199254740991 }]);
      await expect(sql`SELECT 9007199254740993::bigint AS n`.execute(h.db)).rejects.toThrow(/beyond what a JavaScript number holds exactly/);
      // The pool is still fine afterwards.
      expect((await sql<{ n: number }>`SELECT 1::bigint AS n`.execute(h.db)).rows).toEqual([{ n: 1 }]);
    } finally {
      await h.close();
    }
  });

  it('a statement longer than the statement timeout is cancelled', async () => {
    const h = await openHubDatabase(await pgDatabase(), { statementTimeoutMs: 200 });
    try {
      await expect(sql`SELECT pg_sleep(2)`.execute(h.db)).rejects.toThrow(/statement timeout/);
    } finally {
      await h.close();
    }
  });

  it('restarted: the pool replaces its broken connections, the next query works and nothing committed is lost', async () => {
    const { log, lines } = captureLogger();
    const h = await openHubDatabase(await pgDatabase(), { log });
    try {
      await migrateHubDatabase(h);
      await h.db.insertInto('cabins').values({ id: 'kept', name: 'n', key_hash: 'k', created_at: T0 }).execute();
      await server.restart();
      await new Promise((r) => setTimeout(r, 100));
      expect(await h.db.selectFrom('cabins').select('id').execute()).toEqual([{ id: 'kept' }]);
      expect(lines.some((l) => l.msg === 'a pooled PostgreSQL connection failed; it is replaced at the next query')).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a server that is down: a clear error naming it, never the password', async () => {
    const url = await pgDatabase();
    const name = /\/(hub_\d+)\?/.exec(url)![1]!;
    const withPassword = url.replace('postgresql://postgres@', 'postgresql://postgres:s3cr%C3%A9t-pw@');
    await server.halt();
    try {
      const err = await openHubDatabase(withPassword, { connectTimeoutMs: 2000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HubDatabaseUnreachableError);
      const message = (err as Error).message;
      expect(message).toContain(`The hub database postgres@${server.dir}:${server.port}/${name} (PostgreSQL) cannot be reached: `);
      expect(message).toMatch(/ENOENT|ECONNREFUSED/);
      expect(message).not.toMatch(/s3cr/);
      expect(JSON.stringify(err)).not.toMatch(/s3cr/);
    } finally {
      await server.resume();
    }
    const h = await openHubDatabase(withPassword);
    await h.close();
  });
});

describe('parseDatabaseTarget', () => {
  it('a path or sqlite:<path> is SQLite; postgres:// and postgresql:// are PostgreSQL, described without the password', () => {
    expect(parseDatabaseTarget('/var/lib/cabin-hub/hub.db')).toEqual({ engine: 'sqlite', file: '/var/lib/cabin-hub/hub.db' });
    expect(parseDatabaseTarget('hub.db')).toEqual({ engine: 'sqlite', file: 'hub.db' });
    expect(parseDatabaseTarget('sqlite:data/hub.db')).toEqual({ engine: 'sqlite', file: 'data/hub.db' });
    expect(parseDatabaseTarget('SQLite:/abs/hub.db')).toEqual({ engine: 'sqlite', file: '/abs/hub.db' });
    expect(parseDatabaseTarget(':memory:')).toEqual({ engine: 'sqlite', file: ':memory:' });
    expect(parseDatabaseTarget('C:\\hub\\hub.db')).toEqual({ engine: 'sqlite', file: 'C:\\hub\\hub.db' });
    expect(parseDatabaseTarget('postgres://hub:secret@db.example.org:5433/cabin')).toEqual({
      engine: 'postgres',
      url: 'postgres://hub:secret@db.example.org:5433/cabin',
      describe: 'hub@db.example.org:5433/cabin',
    });
    expect(parseDatabaseTarget(' postgresql://db.example.org/cabin ')).toMatchObject({ engine: 'postgres', describe: '(default user)@db.example.org:5432/cabin' });
    expect(parseDatabaseTarget('postgresql://hub@localhost/cabin?host=/run/postgresql&port=5434')).toMatchObject({ describe: 'hub@/run/postgresql:5434/cabin' });
    expect(parseDatabaseTarget('postgresql://hub@%2Frun%2Fpostgresql/cabin')).toMatchObject({ describe: 'hub@/run/postgresql:5432/cabin' });
    expect(parseDatabaseTarget('POSTGRES://hub@h')).toMatchObject({ engine: 'postgres', describe: 'hub@h:5432/hub' });
  });

  it('nothing, another engine, or a malformed URL: a clear error that never repeats the password', () => {
    expect(() => parseDatabaseTarget('')).toThrow('The hub database is empty: give a SQLite file path (or sqlite:<path>) or a postgres:// URL.');
    expect(() => parseDatabaseTarget('  ')).toThrow(/is empty/);
    expect(() => parseDatabaseTarget('sqlite:')).toThrow('The hub database sqlite: names no file: give sqlite:<path>.');
    expect(() => parseDatabaseTarget('mysql://root:pw@h/db')).toThrow('The hub database mysql://… is not supported: give a SQLite file path (or sqlite:<path>) or a postgres:// URL.');
    let message = '';
    try {
      parseDatabaseTarget('postgresql://hub:s3cret@/cabin?host=/run/postgresql');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^The hub database URL \(postgres:\/\/…\) is malformed/);
    expect(message).not.toContain('s3cret');
  });
});
