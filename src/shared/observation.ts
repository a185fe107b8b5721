import { z } from 'zod';
import { MdcCodeSchema } from './catalogue.ts';

/**
 * One observation, declared once: every hop (main's store and outbox, the bridge, the data channel, the hub's
 * report) derives its schema from this one, so the limits are the same everywhere (the strictest the hops had).
 */
export const ObservationSchema = z.object({
  /** Stable id: the doctor's side dedupes and acknowledges by it. */
  id: z.string().min(1).max(100),
  /** The visit it belongs to; stays in the cabin. */
  sessionId: z.string().min(1).max(100),
  /** The device that measured it (`driver:port`). */
  deviceId: z.string().min(1).max(300),
  code: MdcCodeSchema,
  value: z.number().finite(),
  /** UCUM unit (the catalogue's unit of `code`). */
  unit: z.string().min(1).max(20),
  /** When it was measured, ms since the epoch. */
  t: z.number().finite(),
  /** Shared by the values of one measurement (a cuff's systolic, diastolic and pulse). */
  measurementId: z.string().min(1).max(100).optional(),
});
export type Observation = z.infer<typeof ObservationSchema>;

/** An observation as it leaves main (bridge, data channel, hub report): without the session id. */
export const ReadingSchema = ObservationSchema.omit({ sessionId: true });
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
export const WireReadingSchema = ReadingSchema.extend({ code: WireMdcCodeSchema });
export type WireReading = z.infer<typeof WireReadingSchema>;

/**
 * A stored observation as it is read back: what an older or newer version stored (a code or unit today's catalogue
 * does not know, a longer id) is still read, since stored data never vanishes; only the types are checked.
 */
export const StoredObservationSchema = ObservationSchema.extend({
  id: z.string(),
  sessionId: z.string(),
  deviceId: z.string(),
  code: z.string(),
  unit: z.string(),
  measurementId: z.string().optional(),
});
export type StoredObservation = z.infer<typeof StoredObservationSchema>;

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
