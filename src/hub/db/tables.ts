import type { ColumnType, Generated } from 'kysely';

/**
 * The hub's tables as Kysely sees them (issue 14): one description for both engines, embedded SQLite and PostgreSQL,
 * of the schema that ./migrations.ts builds (its baseline is the last schema of ../schema.ts, user_version 14, column for column).
 *
 * Conventions, the same on both engines (./open.ts makes PostgreSQL hand them back like SQLite does):
 * - names are the tables' own, snake_case; the store's parts map them to the protocol's camelCase;
 * - every time is whole milliseconds since the epoch, a `number` (INTEGER in SQLite, bigint in PostgreSQL, whose int8 is
 *   parsed to a Number by open.ts); `t` of a reading or a pleth excerpt is a REAL (double precision), as the cabin sent it;
 * - JSON columns are text, read back as the exact string the store wrote (never an object), both engines checking at
 *   write that it parses: the store decodes them through the protocol's zod schemas, so a new field needs no migration;
 * - a flag is 0/1 (`marked`), as SQLite has no boolean;
 * - `Generated<…>` where the database fills the column when the insert leaves it out (a DEFAULT, incidents' id).
 */

/** A millisecond time since the epoch. */
type Ms = number;

export interface DoctorsTable {
  id: string;
  name: string;
  password_hash: string;
  created_at: Ms;
  disabled_at: Ms | null;
}

export interface CabinsTable {
  id: string;
  name: string;
  key_hash: string;
  created_at: Ms;
  disabled_at: Ms | null;
}

export type ConsultationState = 'waiting' | 'active' | 'ended' | 'cancelled';

export interface ConsultationsTable {
  id: string;
  cabin_id: string;
  doctor_id: string | null;
  /** Two lower-case letters (the shape is checked by the database, the value by the protocol's LanguageSchema). */
  language: string;
  state: ConsultationState;
  created_at: Ms;
  claimed_at: Ms | null;
  ended_at: Ms | null;
  notes: Generated<string>;
  /** Empty since schema v3 (the readings have their own table); kept so both engines hold the same columns. */
  readings: Generated<string>;
  cabin_left_at: Ms | null;
  cabin_left_reason: string | null;
  visit: string | null;
}

export interface IncidentsTable {
  /** Given by the database in insertion order (SQLite AUTOINCREMENT, a PostgreSQL identity): the incidents' order. */
  id: Generated<number>;
  consultation_id: string;
  t: Ms;
  side: 'doctor' | 'cabin' | 'hub';
  detail: string;
}

export interface ReportReadingsTable {
  consultation_id: string;
  id: string;
  code: string;
  /** Exactly one of `value` and `absent` (the database checks it): a number, or why the device gave none. */
  value: number | null;
  absent: string | null;
  unit: string;
  /** The cabin's time of the reading, ms (a REAL as sent). */
  t: number;
  device_id: string | null;
  measurement_id: string | null;
  /** When the cabin delivered it itself (its outbox), not the doctor's console. */
  from_cabin_at: Ms | null;
  /** JSON object, or null. */
  meta: string | null;
}

export interface SessionsTable {
  id: string;
  role: 'doctor' | 'cabin';
  subject: string;
  /** SHA-256 of the refresh secret (doctors' sessions only); unique. */
  refresh_hash: string | null;
  created_at: Ms;
  ended_at: Ms | null;
}

export interface PatientsTable {
  consultation_id: string;
  /** JSON object (PatientIdentitySchema). */
  identity: string;
  updated_at: Ms;
  updated_by: string;
}

export interface FhirPushTable {
  consultation_id: string;
  state: 'pending' | 'done' | 'failed';
  attempts: Generated<number>;
  next_at: Ms;
  last_error: string | null;
  /** JSON (the FHIR server's last OperationOutcome), or null. */
  outcome: string | null;
  bundle_hash: string | null;
  updated_at: Ms;
}

export interface ConsultationDevicesTable {
  consultation_id: string;
  device_id: string;
  /** JSON object (VisitDevice). */
  device: string;
  updated_at: Ms;
}

export interface ConsultationPlethTable {
  consultation_id: string;
  device_id: string;
  /** Start of the excerpt, ms (a REAL as sent). */
  t: number;
  /** 1 for a passage a doctor kept, 0 for the cabin's excerpt. */
  marked: Generated<0 | 1>;
  count: number;
  /** JSON object (PlethExcerpt). */
  excerpt: string;
  created_at: Ms | null;
}

export interface ConsultationMediaTable {
  consultation_id: string;
  media_id: string;
  kind: string;
  mime: 'image/jpeg' | 'image/png';
  taken_at: Ms;
  /** The picture's bytes as sent: a Buffer read back from both engines (BLOB, bytea); any Uint8Array written. */
  bytes: ColumnType<Buffer, Uint8Array, Uint8Array>;
  sha1: string;
  stored_at: Ms;
}

/** Every table of the hub's database. */
export interface HubTables {
  doctors: DoctorsTable;
  cabins: CabinsTable;
  consultations: ConsultationsTable;
  incidents: IncidentsTable;
  report_readings: ReportReadingsTable;
  sessions: SessionsTable;
  patients: PatientsTable;
  fhir_push: FhirPushTable;
  consultation_devices: ConsultationDevicesTable;
  consultation_pleth: ConsultationPlethTable;
  consultation_media: ConsultationMediaTable;
}

/** The tables' names, in the order the baseline creates them (parents first). */
export const HUB_TABLES = [
  'doctors',
  'cabins',
  'consultations',
  'incidents',
  'report_readings',
  'sessions',
  'patients',
  'fhir_push',
  'consultation_devices',
  'consultation_pleth',
  'consultation_media',
] as const satisfies readonly (keyof HubTables)[];
