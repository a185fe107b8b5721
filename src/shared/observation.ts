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

/** Removes the keys whose value is null (an SQL NULL of an optional column), so a row parses as the schema's optional field. */
export function withoutNulls(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row;
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
}

/**
 * Store rows (camelCase columns, NULL for an absent optional field) parsed with `schema`. A row the contract no longer
 * accepts is left out, so one bad row cannot make a whole report or page unreadable.
 */
export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[]): z.output<S>[] {
  return rows.flatMap((row) => {
    const r = schema.safeParse(withoutNulls(row));
    return r.success ? [r.data] : [];
  });
}
