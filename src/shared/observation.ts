import { z } from 'zod';
import { MdcCodeSchema } from './catalogue.ts';

/**
 * What a device says about one measurement, beside its value (BLE measurement status bits, a cuff's movement or
 * irregular-pulse flags): shown to the doctor with the reading, and carried to its record.
 */
export const OBSERVATION_FLAGS = [
  'movement',
  'cuff-loose',
  'irregular-pulse',
  'pulse-above-range',
  'pulse-below-range',
  'improper-position',
  'early-estimate',
  'questionable',
  'invalid',
  'calibrating',
  'low-perfusion',
  'poor-signal',
  'sensor-fault',
  'from-storage',
  'low-battery',
  'result-too-high',
  'result-too-low',
  'temperature-out-of-range',
  'sample-too-small',
  'device-fault',
] as const;
export const ObservationFlagSchema = z.enum(OBSERVATION_FLAGS);
export type ObservationFlag = z.infer<typeof ObservationFlagSchema>;

/**
 * The device's clock at a reading: `set` within the tolerance, `skewed` by more (`offsetMs` = device − cabin), `unset`
 * (a year 0 date, a PLX "clock not set" flag, a device reset to its factory date), `unknown` (the device gives no time).
 */
export const DeviceClockSchema = z.object({
  state: z.enum(['set', 'skewed', 'unset', 'unknown']),
  offsetMs: z.number().finite().optional(),
});
export type DeviceClock = z.infer<typeof DeviceClockSchema>;

/** The value exactly as the device reported it (its own unit and decimal places), when it was converted. */
export const ReportedValueSchema = z.object({
  value: z.number().finite(),
  unit: z.string().min(1).max(20),
  decimals: z.number().int().min(0).max(8),
});

/**
 * Why an observation has no value: the device measured and reported one of IEEE 11073's special values instead of a
 * number (ble-fhir.md §B0: SFLOAT/FLOAT NaN, NRes, ±INFINITY, reserved), named as the device said it. The record keeps
 * the fact (FHIR `dataAbsentReason`), never a made-up number.
 */
export const ABSENT_REASONS = ['nan', 'nres', 'positive-infinity', 'negative-infinity', 'reserved'] as const;
export const AbsentReasonSchema = z.enum(ABSENT_REASONS);
export type AbsentReason = z.infer<typeof AbsentReasonSchema>;

/** True when `o` has exactly one of a value or an absent reason (the rule `valueOrAbsent` applies). */
export function hasValueOrAbsent(o: { value?: unknown; absent?: unknown }): boolean {
  return (o.value === undefined) !== (o.absent === undefined);
}

/**
 * Whether the patient's screens (the kiosk's step and end summary, main's SessionView.readings) take this reading as
 * the latest of its measure. A measurement the device gave without a number (`absent` with a `measurementId`: a
 * thermometer's NRes, a cuff without a systolic) is the step's failed measurement, shown « Pas de valeur ». A stream's
 * special value (an oximeter's NaN when the finger leaves or while it searches, recorded once, no `measurementId`) is
 * no measurement: the patient keeps the value they measured, on the step and in the summary, and the device's status
 * says the finger is out. The record (store, outbox, doctor, report, FHIR) keeps every reading either way.
 */
export function shownToPatient(r: { absent?: unknown; measurementId?: unknown }): boolean {
  return r.absent === undefined || r.measurementId !== undefined;
}

/**
 * A final schema of a hop with the one-of rule: exactly one of `value` or `absent`. zod 4 refuses `.omit`, `.pick`
 * and `.partial` on a refined object, so the hops derive from the unrefined `…Fields` objects and each schema that is
 * parsed at a hop goes through this, once, last.
 */
export function valueOrAbsent<S extends z.ZodObject>(schema: S): S {
  return schema.refine((o: { value?: unknown; absent?: unknown }) => hasValueOrAbsent(o), {
    message: 'an observation has exactly one of a value or an absent reason',
    path: ['value'],
  });
}

/**
 * One observation's fields, declared once: every hop (main's store and outbox, the bridge, the data channel, the
 * hub's report) derives its schema from these, so the limits are the same everywhere (the strictest the hops had),
 * and applies `valueOrAbsent` to its final schema.
 */
export const ObservationFields = z.object({
  /** Stable id: the doctor's side dedupes and acknowledges by it. */
  id: z.string().min(1).max(100),
  /** The visit it belongs to; stays in the cabin. */
  sessionId: z.string().min(1).max(100),
  /** The device that measured it (`driver:port`). */
  deviceId: z.string().min(1).max(300),
  code: MdcCodeSchema,
  /** The measured value, in `unit`; absent when the device reported a special value instead (`absent`). */
  value: z.number().finite().optional(),
  /** Why there is no value (the device's special value): exactly one of `value` or `absent`. */
  absent: AbsentReasonSchema.optional(),
  /** UCUM unit (the catalogue's unit of `code`). */
  unit: z.string().min(1).max(20),
  /** When it was measured, ms since the epoch. */
  t: z.number().finite(),
  /** Shared by the values of one measurement (a cuff's systolic, diastolic and pulse). */
  measurementId: z.string().min(1).max(100).optional(),
  /** Decimal places the device gave (37.60 °C stays 37.60 in the record). */
  decimals: z.number().int().min(0).max(8).optional(),
  /** The value as the device reported it when it was converted (kPa, °F, lb, mmol/L). */
  reported: ReportedValueSchema.optional(),
  /** What the device said about the measurement (movement, irregular pulse, questionable…): the doctor sees them. */
  flags: z.array(ObservationFlagSchema).max(OBSERVATION_FLAGS.length).optional(),
  /** The device's clock at the reading (unset or skewed clocks are flagged to the doctor). */
  deviceClock: DeviceClockSchema.optional(),
});
/** One observation: its fields with exactly one of a value or an absent reason. */
export const ObservationSchema = valueOrAbsent(ObservationFields);
export type Observation = z.infer<typeof ObservationSchema>;

/** An observation's fields as it leaves main (bridge, data channel, hub report): without the session id. */
export const ReadingFields = ObservationFields.omit({ sessionId: true });
export const ReadingSchema = valueOrAbsent(ReadingFields);
export type Reading = z.infer<typeof ReadingSchema>;

/** A well-formed IEEE 11073 reference id, as a newer catalogue (a future driver) may add. */
const WELL_FORMED_MDC = /^MDC_[A-Z0-9_]+$/;
/**
 * A code between processes that may run different versions (cabin → doctor console → hub): one of ours, or any
 * well-formed MDC reference id, so a cabin with a newer catalogue is not refused (and resent forever).
 */
export const WireMdcCodeSchema = z.union([
  MdcCodeSchema,
  z.custom<`MDC_${string}`>((v) => typeof v === 'string' && v.length <= 100 && WELL_FORMED_MDC.test(v), 'a well-formed MDC reference id'),
]);
/** A reading on a hop between versions: the contract's limits, the code of `WireMdcCodeSchema`. */
export const WireReadingFields = ReadingFields.extend({ code: WireMdcCodeSchema });
export const WireReadingSchema = valueOrAbsent(WireReadingFields);
export type WireReading = z.infer<typeof WireReadingSchema>;

/**
 * A stored observation as it is read back: what an older or newer version stored (a code or unit today's catalogue
 * does not know, a longer id, a reason for a missing value a newer version added) is still read, since stored data
 * never vanishes; only the types are checked. An unknown reason reads as `reserved` (FHIR: error): still no value.
 */
export const StoredObservationFields = ObservationFields.extend({
  id: z.string(),
  sessionId: z.string(),
  deviceId: z.string(),
  code: z.string(),
  unit: z.string(),
  measurementId: z.string().optional(),
  absent: z.preprocess((v) => (typeof v === 'string' && !(ABSENT_REASONS as readonly string[]).includes(v) ? 'reserved' : v), AbsentReasonSchema).optional(),
});
export const StoredObservationSchema = valueOrAbsent(StoredObservationFields);
export type StoredObservation = z.infer<typeof StoredObservationSchema>;

/** The fields a device gives beside the value, kept by the stores as one JSON column. */
export type ObservationMeta = Pick<Observation, 'decimals' | 'reported' | 'flags' | 'deviceClock'>;

/** The meta fields `o` has (an undefined field or an empty `flags` is left out), to spread into another object. */
export function metaFields(o: ObservationMeta): ObservationMeta {
  return {
    ...(o.decimals !== undefined ? { decimals: o.decimals } : {}),
    ...(o.reported ? { reported: o.reported } : {}),
    ...(o.flags && o.flags.length > 0 ? { flags: o.flags } : {}),
    ...(o.deviceClock ? { deviceClock: o.deviceClock } : {}),
  };
}

/** An observation's meta fields as the stores' JSON column (null when it has none). */
export function metaJson(o: ObservationMeta): string | null {
  const meta = metaFields(o);
  return Object.keys(meta).length > 0 ? JSON.stringify(meta) : null;
}

const DecimalsSchema = ObservationFields.shape.decimals.unwrap();

/**
 * A store row's `meta` column spread back into its fields, each checked on its own: one this version cannot read (a
 * flag of a newer version, a damaged column) is left out, never the reading itself.
 */
export function withMeta(row: Record<string, unknown>): Record<string, unknown> {
  const { meta, ...rest } = row;
  if (typeof meta !== 'string') return rest;
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta);
  } catch {
    return rest;
  }
  if (typeof parsed !== 'object' || parsed === null) return rest;
  const m = parsed as Record<string, unknown>;
  const decimals = DecimalsSchema.safeParse(m.decimals);
  const reported = ReportedValueSchema.safeParse(m.reported);
  const clock = DeviceClockSchema.safeParse(m.deviceClock);
  const flags = Array.isArray(m.flags) ? [...new Set(m.flags.filter((f) => ObservationFlagSchema.safeParse(f).success))] : [];
  return {
    ...rest,
    ...(decimals.success ? { decimals: decimals.data } : {}),
    ...(reported.success ? { reported: reported.data } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    ...(clock.success ? { deviceClock: clock.data } : {}),
  };
}

/** Removes the keys whose value is null (an SQL NULL of an optional column), so a row parses as the schema's optional field. */
export function withoutNulls(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row;
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
}

/**
 * Store rows (camelCase columns, NULL for an absent optional field) parsed with a read schema such as
 * `StoredObservationSchema`; a row that cannot be read at all (corrupt) is counted in `unreadable`, for the caller to log.
 */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[]): { rows: z.output<S>[]; unreadable: number } {
  const out: z.output<S>[] = [];
  for (const row of rows) {
    const r = schema.safeParse(withoutNulls(row));
    if (r.success) out.push(r.data);
  }
  return { rows: out, unreadable: rows.length - out.length };
}
