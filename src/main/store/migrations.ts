import type Database from 'better-sqlite3';
import { migrate as runMigrations } from '../../server/sqlite.ts';
import { StoreError } from './errors.ts';

/**
 * The schema, as a list of steps: step i brings PRAGMA user_version from i to i + 1. Never edit a released
 * step; add one. Enumerations that will grow (end reasons, audit actions) are checked in code (schema.ts),
 * not by CHECK constraints, so a new value needs no table rebuild.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    consent_at INTEGER,
    ended_at INTEGER,
    end_reason TEXT,
    language TEXT NOT NULL,
    CHECK ((ended_at IS NULL) = (end_reason IS NULL))
  ) STRICT;
  CREATE INDEX sessions_open ON sessions(started_at) WHERE ended_at IS NULL;

  CREATE TABLE observations (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    code TEXT NOT NULL,
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    t REAL NOT NULL,
    measurement_id TEXT,
    received_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX observations_session ON observations(session_id);

  -- samples: little-endian Int16 ('i16le') when every sample is an integer in range, else Float32 ('f32le').
  CREATE TABLE waveform_chunks (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    code TEXT NOT NULL,
    rate REAL NOT NULL,
    t REAL NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('i16le', 'f32le')),
    samples BLOB NOT NULL
  ) STRICT;
  CREATE INDEX waveform_chunks_session ON waveform_chunks(session_id);

  CREATE TABLE media (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    mime TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX media_session ON media(session_id);

  -- No foreign key on session_id: the audit log outlives the sessions it mentions.
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
    session_id TEXT
  ) STRICT;
  CREATE INDEX audit_session ON audit(session_id);

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    delivered_at INTEGER,
    UNIQUE (kind, ref_id)
  ) STRICT;
  CREATE INDEX outbox_pending ON outbox(id) WHERE delivered_at IS NULL;
  CREATE INDEX outbox_session ON outbox(session_id);
  `,
  // The hub's consultation a doctor took for the visit: its report is where the visit's outbox is delivered.
  `
  ALTER TABLE sessions ADD COLUMN consultation_id TEXT;
  CREATE INDEX outbox_session_pending ON outbox(session_id) WHERE delivered_at IS NULL;
  `,
  // The consultation whose call an outbox entry was sent in (set when the call ends): it is delivered to that report,
  // not to a later consultation of the same visit (null: the visit's latest consultation).
  `
  ALTER TABLE outbox ADD COLUMN consultation_id TEXT;
  `,
  // Bluetooth LE (issue 12): what the device said about a reading beside its value (flags, device clock, decimals,
  // the value as reported); the devices the assistant assigned to this cabin; and per device the last record
  // delivered, so a device that resends its memory gives each reading once, also after a restart. No patient data.
  `
  ALTER TABLE observations ADD COLUMN meta TEXT CHECK (meta IS NULL OR json_valid(meta));
  CREATE TABLE ble_devices (
    address TEXT PRIMARY KEY,
    driver TEXT NOT NULL,
    assigned_at INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE ble_records (
    key TEXT PRIMARY KEY,
    seq INTEGER,
    t REAL,
    recent TEXT CHECK (recent IS NULL OR json_valid(recent)),
    updated_at INTEGER NOT NULL
  ) STRICT;
  `,
  // Issue 13: a device's special value (NaN, NRes, ±INFINITY, reserved) is a reading without a number, kept as its
  // reason (`absent`): exactly one of value or absent. SQLite cannot drop a NOT NULL: the table is rebuilt (nothing
  // refers to it), every row kept as it was.
  `
  CREATE TABLE observations_v5 (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    code TEXT NOT NULL,
    value REAL,
    absent TEXT,
    unit TEXT NOT NULL,
    t REAL NOT NULL,
    measurement_id TEXT,
    received_at INTEGER NOT NULL,
    meta TEXT CHECK (meta IS NULL OR json_valid(meta)),
    CHECK ((value IS NULL) <> (absent IS NULL))
  ) STRICT;
  INSERT INTO observations_v5 (rowid, id, session_id, device_id, code, value, absent, unit, t, measurement_id, received_at, meta)
    SELECT rowid, id, session_id, device_id, code, value, NULL, unit, t, measurement_id, received_at, meta FROM observations;
  DROP TABLE observations;
  ALTER TABLE observations_v5 RENAME TO observations;
  CREATE INDEX observations_session ON observations(session_id);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file to SCHEMA_VERSION (src/server/sqlite.ts); a file from a newer cabin software is refused. */
export function migrate(db: Database.Database, file: string): { from: number; to: number } {
  return runMigrations(
    db,
    MIGRATIONS,
    (found) =>
      new StoreError(
        'newer-schema',
        `The cabin's database ${file} was written by a newer version of the cabin software (schema ${found}; this version knows up to ${SCHEMA_VERSION}): install the newer version again, or call support.`,
      ),
  );
}
