import type Database from 'better-sqlite3';
import { migrate as runMigrations } from '../server/sqlite.ts';

/** Step i brings PRAGMA user_version from i to i + 1. Never edit a released step; add one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE doctors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE cabins (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    cabin_id TEXT NOT NULL REFERENCES cabins(id),
    doctor_id TEXT REFERENCES doctors(id),
    language TEXT NOT NULL CHECK (language IN ('fr', 'en')),
    state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'ended', 'cancelled')),
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    ended_at INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    readings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(readings))
  ) STRICT;
  -- One open consultation per cabin, enforced by the database.
  CREATE UNIQUE INDEX consultations_open_cabin ON consultations(cabin_id) WHERE state IN ('waiting', 'active');
  CREATE INDEX consultations_open_doctor ON consultations(doctor_id) WHERE state = 'active';
  CREATE INDEX consultations_waiting ON consultations(created_at) WHERE state = 'waiting';

  CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('doctor', 'cabin', 'hub')),
    detail TEXT NOT NULL
  ) STRICT;
  CREATE INDEX incidents_consultation ON incidents(consultation_id);
  `,
  // The patient may leave the cabin before the doctor has written the report: the consultation stays open for the
  // doctor, and the cabin is free for the next patient.
  `
  ALTER TABLE consultations ADD COLUMN cabin_left_at INTEGER;
  DROP INDEX consultations_open_cabin;
  CREATE UNIQUE INDEX consultations_open_cabin ON consultations(cabin_id) WHERE state IN ('waiting', 'active') AND cabin_left_at IS NULL;
  `,
  // Report readings arrive in parts all through the call: one row each (a JSON column rewritten per part was O(n²)).
  `
  CREATE TABLE report_readings (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    t REAL NOT NULL,
    device_id TEXT,
    measurement_id TEXT,
    PRIMARY KEY (consultation_id, id)
  ) STRICT, WITHOUT ROWID;
  INSERT OR IGNORE INTO report_readings (consultation_id, id, code, value, unit, t, device_id, measurement_id)
    SELECT c.id, json_extract(j.value, '$.id'), json_extract(j.value, '$.code'), json_extract(j.value, '$.value'),
      json_extract(j.value, '$.unit'), json_extract(j.value, '$.t'), json_extract(j.value, '$.deviceId'),
      json_extract(j.value, '$.measurementId')
    FROM consultations c, json_each(c.readings) j
    WHERE json_type(j.value, '$.id') = 'text' AND json_type(j.value, '$.code') = 'text' AND json_type(j.value, '$.unit') = 'text'
      AND json_type(j.value, '$.value') IN ('integer', 'real') AND json_type(j.value, '$.t') IN ('integer', 'real');
  UPDATE consultations SET readings = '[]';
  `,
  // Login sessions (a token carries its session id): renewed for at most MAX_SESSION_S, ended by logout or when the
  // account is disabled. Doctors' sessions also have a refresh secret (the HttpOnly cookie), stored as its SHA-256.
  `
  ALTER TABLE doctors ADD COLUMN disabled_at INTEGER;
  ALTER TABLE cabins ADD COLUMN disabled_at INTEGER;
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('doctor', 'cabin')),
    subject TEXT NOT NULL,
    refresh_hash TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  ) STRICT;
  CREATE INDEX sessions_subject ON sessions(role, subject);
  CREATE INDEX sessions_created ON sessions(created_at);
  `,
  // The doctor is told why the cabin left (patient, idle, assistant, restart…); a request of another visit never gets
  // back a consultation still open from the previous patient.
  `
  ALTER TABLE consultations ADD COLUMN cabin_left_reason TEXT;
  ALTER TABLE consultations ADD COLUMN visit TEXT;
  `,
  // A patient may speak Arabic (and any language added later): the language's shape is checked here, its value by the
  // protocol (LanguageSchema), so a new language needs no migration. SQLite cannot change a CHECK: the table is
  // rebuilt. Dropping it cascades to its incidents and readings (foreign keys are on), so they are kept and put back.
  `
  CREATE TEMP TABLE keep_incidents AS SELECT * FROM incidents;
  CREATE TEMP TABLE keep_report_readings AS SELECT * FROM report_readings;
  CREATE TABLE consultations_v6 (
    id TEXT PRIMARY KEY,
    cabin_id TEXT NOT NULL REFERENCES cabins(id),
    doctor_id TEXT REFERENCES doctors(id),
    language TEXT NOT NULL CHECK (language GLOB '[a-z][a-z]'),
    state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'ended', 'cancelled')),
    created_at INTEGER NOT NULL,
    claimed_at INTEGER,
    ended_at INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    readings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(readings)),
    cabin_left_at INTEGER,
    cabin_left_reason TEXT,
    visit TEXT
  ) STRICT;
  INSERT INTO consultations_v6 (id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at, notes, readings, cabin_left_at, cabin_left_reason, visit)
    SELECT id, cabin_id, doctor_id, language, state, created_at, claimed_at, ended_at, notes, readings, cabin_left_at, cabin_left_reason, visit FROM consultations;
  DROP TABLE consultations;
  ALTER TABLE consultations_v6 RENAME TO consultations;
  INSERT INTO incidents SELECT * FROM keep_incidents;
  INSERT INTO report_readings SELECT * FROM keep_report_readings;
  DROP TABLE keep_incidents;
  DROP TABLE keep_report_readings;
  CREATE UNIQUE INDEX consultations_open_cabin ON consultations(cabin_id) WHERE state IN ('waiting', 'active') AND cabin_left_at IS NULL;
  CREATE INDEX consultations_open_doctor ON consultations(doctor_id) WHERE state = 'active';
  CREATE INDEX consultations_waiting ON consultations(created_at) WHERE state = 'waiting';
  `,
  // A reading the cabin delivered itself (its outbox, after the visit), not the doctor's console: when it was stored.
  `
  ALTER TABLE report_readings ADD COLUMN from_cabin_at INTEGER;
  `,
  // What a device said beside a value (issue 12: decimals, the value in its own unit, flags, its clock), as one JSON
  // object: the report shows the doctor the same warnings as the call did.
  `
  ALTER TABLE report_readings ADD COLUMN meta TEXT CHECK (meta IS NULL OR json_valid(meta));
  `,
  // Who the patient is (issue 13: INS traits, INS number, RNIV status), as the doctor filed it: one JSON object per
  // consultation, read through PatientIdentitySchema (store/patients.ts), so a new trait needs no migration.
  `
  CREATE TABLE patients (
    consultation_id TEXT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
    identity TEXT NOT NULL CHECK (json_valid(identity)),
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  // The FHIR push (issue 13): one row per ended consultation to send to the configured FHIR server, kept until it is
  // through; `outcome` is the server's last OperationOutcome (JSON), for the operator.
  `
  CREATE TABLE fhir_push (
    consultation_id TEXT PRIMARY KEY REFERENCES consultations(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT,
    outcome TEXT CHECK (outcome IS NULL OR json_valid(outcome)),
    bundle_hash TEXT,
    updated_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX fhir_push_due ON fhir_push(next_at) WHERE state = 'pending';
  `,
  // What the cabin knows of the devices of a visit (issue 13, for the PhdDevice of the FHIR export): who each is, one row
  // per consultation and device; and the first seconds of each oximeter connection's pleth, one row per excerpt. JSON
  // read back through the protocol's schemas (store/devices.ts), so a new field needs no migration.
  `
  CREATE TABLE consultation_devices (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    device TEXT NOT NULL CHECK (json_valid(device)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, device_id)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE consultation_pleth (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    t REAL NOT NULL,
    excerpt TEXT NOT NULL CHECK (json_valid(excerpt)),
    PRIMARY KEY (consultation_id, device_id, t)
  ) STRICT, WITHOUT ROWID;
  `,
  // The otoscope snapshots a cabin sends of its visit (issue 13: FHIR Media and the report's pictures), each kept once
  // by the cabin's id for it; the bytes as sent (checked JPEG or PNG), their SHA-1 for FHIR's Attachment.hash.
  `
  CREATE TABLE consultation_media (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    media_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    mime TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    taken_at INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    sha1 TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, media_id)
  ) STRICT;
  `,
  // The passages of the live pleth a doctor keeps (« Garder ce passage »): in consultation_pleth beside the cabin's
  // excerpts, told apart by `marked`. A doctor may keep two passages that start at the same sample (after the same gap),
  // so a marked one is known by its device, start and sample count; the cabin's stay known by device and start (the
  // store checks that). SQLite cannot change a primary key: the table is made again with its rows.
  `
  CREATE TABLE consultation_pleth_marked (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    t REAL NOT NULL,
    marked INTEGER NOT NULL DEFAULT 0 CHECK (marked IN (0, 1)),
    count INTEGER NOT NULL CHECK (count > 0),
    excerpt TEXT NOT NULL CHECK (json_valid(excerpt)),
    created_at INTEGER,
    PRIMARY KEY (consultation_id, device_id, t, marked, count)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO consultation_pleth_marked (consultation_id, device_id, t, marked, count, excerpt)
    SELECT consultation_id, device_id, t, 0, max(1, coalesce(json_array_length(excerpt, '$.samples'), 1)), excerpt FROM consultation_pleth;
  DROP TABLE consultation_pleth;
  ALTER TABLE consultation_pleth_marked RENAME TO consultation_pleth;
  `,
  // A device's special value (issue 13: NaN, NRes, ±INFINITY, reserved) is a report reading without a number, kept as
  // its reason (`absent`): exactly one of value or absent. SQLite cannot drop a NOT NULL: the table is rebuilt (nothing
  // refers to it), every row kept.
  `
  CREATE TABLE report_readings_v16 (
    consultation_id TEXT NOT NULL REFERENCES consultations(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    value REAL,
    absent TEXT,
    unit TEXT NOT NULL,
    t REAL NOT NULL,
    device_id TEXT,
    measurement_id TEXT,
    from_cabin_at INTEGER,
    meta TEXT CHECK (meta IS NULL OR json_valid(meta)),
    PRIMARY KEY (consultation_id, id),
    CHECK ((value IS NULL) <> (absent IS NULL))
  ) STRICT, WITHOUT ROWID;
  INSERT INTO report_readings_v16 (consultation_id, id, code, value, absent, unit, t, device_id, measurement_id, from_cabin_at, meta)
    SELECT consultation_id, id, code, value, NULL, unit, t, device_id, measurement_id, from_cabin_at, meta FROM report_readings;
  DROP TABLE report_readings;
  ALTER TABLE report_readings_v16 RENAME TO report_readings;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file to SCHEMA_VERSION (src/server/sqlite.ts); a file from a newer hub is refused rather than misread. */
export function migrate(db: Database.Database, file: string): void {
  runMigrations(db, MIGRATIONS, (found) => new Error(`The hub database ${file} was written by a newer hub (schema ${found}, this one knows ${SCHEMA_VERSION}): run the newer hub.`));
}
