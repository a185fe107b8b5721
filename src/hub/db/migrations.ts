import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type CreateTableBuilder, type Expression, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The hub's schema, one list of migrations for both engines (issue 14): the embedded SQLite of one machine (the
 * default, nothing to set up) and PostgreSQL 15 for a region's hub nodes. Each step is written once with Kysely's
 * schema builder; only what the two engines cannot say alike is chosen by engine (`Dialect` below), so a column,
 * constraint or index added later is added for both at once.
 *
 * The first step, the baseline, is the last schema of ../schema.ts (the SQLite chain of hubs before issue 14, frozen at
 * its SCHEMA_VERSION, 14: PRAGMA user_version 14) exactly in meaning: the same tables, columns in the same order, the
 * same NOT NULLs, defaults, CHECKs, foreign keys (with their ON DELETE CASCADE where the chain had one), primary keys,
 * unique and partial indexes. A SQLite file written by an older hub is brought to the end of that chain and then has
 * the baseline recorded without running it (./open.ts); a new file or a
 * PostgreSQL database gets it run. test/hub/db-engines.test.ts compares the two SQLite outcomes pragma by pragma and
 * checks every constraint bites the same on both engines.
 *
 * Never edit a released step: add one, named so that it sorts after the last (Kysely runs them in name order and
 * refuses a database that ran a step this list does not have, which ./open.ts reports as "written by a newer hub").
 */

export type HubEngine = 'sqlite' | 'postgres';

/** A migration of the hub: `up` is told which engine it builds for. */
export interface HubMigration {
  readonly name: string;
  up(db: Kysely<any>, engine: HubEngine): Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kysely's migrations work on a schema that changes under them.
}

/**
 * What differs between the engines, and why:
 * - `ms`: whole-millisecond times need 64 bits: SQLite's INTEGER is; PostgreSQL's `integer` is 32 bits, so bigint (int8,
 *   parsed back to a Number by ./open.ts; ms times stay far below 2^53);
 * - `real`: SQLite's REAL is a double; PostgreSQL's `real` is a float4, so double precision;
 * - `blob`: bytea;
 * - `text`: PostgreSQL's text compares and sorts by the database's collation (en_US.UTF-8 on many servers: 'a' < 'B'),
 *   SQLite's by bytes; the store orders by ids and device ids (ties of a time), so each PostgreSQL text column is
 *   COLLATE "C", the byte order of UTF-8, the same as SQLite's BINARY;
 * - `json(col)`: JSON stays text on both, read back as the very string written (a jsonb column would hand back
 *   another spelling: keys reordered, duplicates dropped, and it refuses \u0000). SQLite checks it with json_valid;
 *   PostgreSQL with a cast to json, which parses it and keeps nothing (PostgreSQL 15 has no IS JSON): an invalid value
 *   fails the insert, with "invalid input syntax for type json" (SQLSTATE 22P02) rather than a check violation (23514);
 * - `language(col)`: two lower-case ASCII letters, a GLOB in SQLite, a regular expression in PostgreSQL (whose
 *   bracket ranges go by code point);
 * - `strict`/`strictNoRowid`: SQLite's STRICT (a value of the wrong type is refused, as PostgreSQL always does) and
 *   WITHOUT ROWID (tables keyed by their primary key, as the chain had them); nothing in PostgreSQL, whose tables are both.
 */
/** A column's type: one of Kysely's names, or raw SQL (PostgreSQL's `text COLLATE "C"`). */
type DataTypeExpression = ColumnDataType | Expression<unknown>;

interface Dialect {
  text: DataTypeExpression;
  ms: DataTypeExpression;
  int: DataTypeExpression;
  real: DataTypeExpression;
  blob: DataTypeExpression;
  json(column: string): Expression<unknown>;
  language(column: string): Expression<unknown>;
  /** Incidents' id: given by the database, increasing, never reused. */
  serial(c: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  strict<T extends CreateTableBuilder<string, string>>(t: T): T;
  strictNoRowid<T extends CreateTableBuilder<string, string>>(t: T): T;
}

const SQLITE: Dialect = {
  text: 'text',
  ms: 'integer',
  int: 'integer',
  real: 'real',
  blob: 'blob',
  json: (c) => sql`json_valid(${sql.ref(c)})`,
  language: (c) => sql`${sql.ref(c)} GLOB '[a-z][a-z]'`,
  serial: (c) => c.primaryKey().autoIncrement(),
  strict: (t) => t.modifyEnd(sql` STRICT`) as typeof t,
  strictNoRowid: (t) => t.modifyEnd(sql` STRICT, WITHOUT ROWID`) as typeof t,
};

const POSTGRES: Dialect = {
  text: sql`text COLLATE "C"`,
  ms: 'bigint',
  int: 'integer',
  real: 'double precision',
  blob: 'bytea',
  json: (c) => sql`(${sql.ref(c)}::json IS NOT NULL)`,
  language: (c) => sql`${sql.ref(c)} ~ '^[a-z][a-z]$'`,
  serial: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  strict: (t) => t,
  strictNoRowid: (t) => t,
};

export const dialectOf = (engine: HubEngine): Dialect => (engine === 'sqlite' ? SQLITE : POSTGRES);

/**
 * The last schema of ../schema.ts (user_version 14), built for either engine. Column order, nullability, defaults and
 * constraints follow the final state of the SQLite chain (tables rebuilt by its steps 6, 13 and 14 included); the comments of that chain say why
 * each exists. Composite primary keys and table CHECKs get names (PostgreSQL's own `<table>_pkey` style): a name
 * changes nothing in SQLite.
 */
async function baseline(db: Kysely<any>, engine: HubEngine): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any -- see HubMigration
  const d = dialectOf(engine);
  const cascade = (table: string) => (c: ColumnDefinitionBuilder) => c.references(`${table}.id`).onDelete('cascade');
  const toConsultation = (c: ColumnDefinitionBuilder) => cascade('consultations')(c.notNull());
  const s = db.schema;

  await d
    .strict(
      s
        .createTable('doctors')
        .addColumn('id', d.text, (c) => c.primaryKey())
        .addColumn('name', d.text, (c) => c.notNull())
        .addColumn('password_hash', d.text, (c) => c.notNull())
        .addColumn('created_at', d.ms, (c) => c.notNull())
        .addColumn('disabled_at', d.ms),
    )
    .execute();

  await d
    .strict(
      s
        .createTable('cabins')
        .addColumn('id', d.text, (c) => c.primaryKey())
        .addColumn('name', d.text, (c) => c.notNull())
        .addColumn('key_hash', d.text, (c) => c.notNull())
        .addColumn('created_at', d.ms, (c) => c.notNull())
        .addColumn('disabled_at', d.ms),
    )
    .execute();

  // A consultation's cabin and doctor are accounts that are disabled, never deleted: no cascade (as in the chain).
  await d
    .strict(
      s
        .createTable('consultations')
        .addColumn('id', d.text, (c) => c.primaryKey())
        .addColumn('cabin_id', d.text, (c) => c.notNull().references('cabins.id'))
        .addColumn('doctor_id', d.text, (c) => c.references('doctors.id'))
        .addColumn('language', d.text, (c) => c.notNull().check(d.language('language')))
        .addColumn('state', d.text, (c) => c.notNull().check(sql`state IN ('waiting', 'active', 'ended', 'cancelled')`))
        .addColumn('created_at', d.ms, (c) => c.notNull())
        .addColumn('claimed_at', d.ms)
        .addColumn('ended_at', d.ms)
        .addColumn('notes', d.text, (c) => c.notNull().defaultTo(''))
        .addColumn('readings', d.text, (c) => c.notNull().defaultTo('[]').check(d.json('readings')))
        .addColumn('cabin_left_at', d.ms)
        .addColumn('cabin_left_reason', d.text)
        .addColumn('visit', d.text),
    )
    .execute();
  // One open consultation per cabin, enforced by the database (a left cabin is free for the next patient).
  await s
    .createIndex('consultations_open_cabin')
    .unique()
    .on('consultations')
    .column('cabin_id')
    .where(sql<boolean>`state IN ('waiting', 'active') AND cabin_left_at IS NULL`)
    .execute();
  await s.createIndex('consultations_open_doctor').on('consultations').column('doctor_id').where(sql<boolean>`state = 'active'`).execute();
  await s.createIndex('consultations_waiting').on('consultations').column('created_at').where(sql<boolean>`state = 'waiting'`).execute();

  await d
    .strict(
      s
        .createTable('incidents')
        .addColumn('id', engine === 'sqlite' ? 'integer' : 'bigint', d.serial)
        .addColumn('consultation_id', d.text, toConsultation)
        .addColumn('t', d.ms, (c) => c.notNull())
        .addColumn('side', d.text, (c) => c.notNull().check(sql`side IN ('doctor', 'cabin', 'hub')`))
        .addColumn('detail', d.text, (c) => c.notNull()),
    )
    .execute();
  await s.createIndex('incidents_consultation').on('incidents').column('consultation_id').execute();

  await d
    .strictNoRowid(
      s
        .createTable('report_readings')
        .addColumn('consultation_id', d.text, toConsultation)
        .addColumn('id', d.text, (c) => c.notNull())
        .addColumn('code', d.text, (c) => c.notNull())
        .addColumn('value', d.real)
        .addColumn('absent', d.text)
        .addColumn('unit', d.text, (c) => c.notNull())
        .addColumn('t', d.real, (c) => c.notNull())
        .addColumn('device_id', d.text)
        .addColumn('measurement_id', d.text)
        .addColumn('from_cabin_at', d.ms)
        .addColumn('meta', d.text, (c) => c.check(sql`meta IS NULL OR ${d.json('meta')}`))
        .addPrimaryKeyConstraint('report_readings_pkey', ['consultation_id', 'id'])
        // A number, or the reason the device gave none (issue 13): exactly one of the two.
        .addCheckConstraint('report_readings_value_or_absent', sql`(value IS NULL) <> (absent IS NULL)`),
    )
    .execute();

  await d
    .strict(
      s
        .createTable('sessions')
        .addColumn('id', d.text, (c) => c.primaryKey())
        .addColumn('role', d.text, (c) => c.notNull().check(sql`role IN ('doctor', 'cabin')`))
        .addColumn('subject', d.text, (c) => c.notNull())
        .addColumn('refresh_hash', d.text, (c) => c.unique())
        .addColumn('created_at', d.ms, (c) => c.notNull())
        .addColumn('ended_at', d.ms),
    )
    .execute();
  await s.createIndex('sessions_subject').on('sessions').columns(['role', 'subject']).execute();
  await s.createIndex('sessions_created').on('sessions').column('created_at').execute();

  await d
    .strictNoRowid(
      s
        .createTable('patients')
        .addColumn('consultation_id', d.text, (c) => cascade('consultations')(c.primaryKey()))
        .addColumn('identity', d.text, (c) => c.notNull().check(d.json('identity')))
        .addColumn('updated_at', d.ms, (c) => c.notNull())
        .addColumn('updated_by', d.text, (c) => c.notNull()),
    )
    .execute();

  await d
    .strictNoRowid(
      s
        .createTable('fhir_push')
        .addColumn('consultation_id', d.text, (c) => cascade('consultations')(c.primaryKey()))
        .addColumn('state', d.text, (c) => c.notNull().check(sql`state IN ('pending', 'done', 'failed')`))
        .addColumn('attempts', d.int, (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', d.ms, (c) => c.notNull())
        .addColumn('last_error', d.text)
        .addColumn('outcome', d.text, (c) => c.check(sql`outcome IS NULL OR ${d.json('outcome')}`))
        .addColumn('bundle_hash', d.text)
        .addColumn('updated_at', d.ms, (c) => c.notNull()),
    )
    .execute();
  await s.createIndex('fhir_push_due').on('fhir_push').column('next_at').where(sql<boolean>`state = 'pending'`).execute();

  await d
    .strictNoRowid(
      s
        .createTable('consultation_devices')
        .addColumn('consultation_id', d.text, toConsultation)
        .addColumn('device_id', d.text, (c) => c.notNull())
        .addColumn('device', d.text, (c) => c.notNull().check(d.json('device')))
        .addColumn('updated_at', d.ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('consultation_devices_pkey', ['consultation_id', 'device_id']),
    )
    .execute();

  // The cabin's excerpts (marked 0, one per device and start) and the passages doctors kept (marked 1, known by
  // device, start and sample count).
  await d
    .strictNoRowid(
      s
        .createTable('consultation_pleth')
        .addColumn('consultation_id', d.text, toConsultation)
        .addColumn('device_id', d.text, (c) => c.notNull())
        .addColumn('t', d.real, (c) => c.notNull())
        .addColumn('marked', d.int, (c) => c.notNull().defaultTo(0).check(sql`marked IN (0, 1)`))
        .addColumn('count', d.int, (c) => c.notNull().check(sql`count > 0`))
        .addColumn('excerpt', d.text, (c) => c.notNull().check(d.json('excerpt')))
        .addColumn('created_at', d.ms)
        .addPrimaryKeyConstraint('consultation_pleth_pkey', ['consultation_id', 'device_id', 't', 'marked', 'count']),
    )
    .execute();

  // A rowid table in the chain (its pictures are large: WITHOUT ROWID suits small rows), so here too.
  await d
    .strict(
      s
        .createTable('consultation_media')
        .addColumn('consultation_id', d.text, toConsultation)
        .addColumn('media_id', d.text, (c) => c.notNull())
        .addColumn('kind', d.text, (c) => c.notNull())
        .addColumn('mime', d.text, (c) => c.notNull().check(sql`mime IN ('image/jpeg', 'image/png')`))
        .addColumn('taken_at', d.ms, (c) => c.notNull())
        .addColumn('bytes', d.blob, (c) => c.notNull())
        .addColumn('sha1', d.text, (c) => c.notNull())
        .addColumn('stored_at', d.ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('consultation_media_pkey', ['consultation_id', 'media_id']),
    )
    .execute();
}

/** The name of the baseline: what ./open.ts records, without running it, in a SQLite file the legacy chain brought to its end. */
export const BASELINE = '0001_baseline';

/** Every migration, in order (names sort in this order too). */
export const HUB_MIGRATIONS: readonly HubMigration[] = [{ name: BASELINE, up: baseline }];

/** Kysely's view of HUB_MIGRATIONS for one engine (the Migrator asks for a name → migration record). */
export function migrationProvider(engine: HubEngine): MigrationProvider {
  return {
    getMigrations: () => {
      const all: Record<string, Migration> = {};
      for (const m of HUB_MIGRATIONS) all[m.name] = { up: (db) => m.up(db, engine) };
      return Promise.resolve(all);
    },
  };
}
