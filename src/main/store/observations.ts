import { metaJson, parseRows, withMeta } from '../../shared/observation.ts';
import type { Db } from './open.ts';
import { enqueue } from './outbox.ts';
import { ObservationInputSchema, ObservationRecordSchema, parse, type ObservationInput, type ObservationRecord } from './schema.ts';

export type { ObservationRecord };

/**
 * Stores the observation (its value, or the reason the device gave no number: `absent`) and queues it for
 * delivery, in one transaction: both or neither.
 * Idempotent on id: a repeat is ignored (false), even if its content differs.
 */
export function addObservation(db: Db, input: ObservationInput): boolean {
  const o = parse(ObservationInputSchema, input, 'an observation');
  return db.tx(() => {
    const r = db
      .stmt(
        `INSERT INTO observations (id, session_id, device_id, code, value, absent, unit, t, measurement_id, received_at, meta)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(o.id, o.sessionId, o.deviceId, o.code, o.value ?? null, o.absent ?? null, o.unit, o.t, o.measurementId ?? null, db.now(), metaJson(o));
    if (r.changes === 0) return false;
    enqueue(db, { kind: 'observation', refId: o.id, sessionId: o.sessionId, payload: o });
    return true;
  });
}

export function observationsOf(db: Db, sessionId: string): ObservationRecord[] {
  const rows = db
    .stmt(
      `SELECT id, session_id AS sessionId, device_id AS deviceId, code, value, absent, unit, t, measurement_id AS measurementId,
              received_at AS receivedAt, meta
       FROM observations WHERE session_id = ? ORDER BY rowid`,
    )
    .all(sessionId)
    .map((r) => withMeta(r as Record<string, unknown>));
  const { rows: records, unreadable } = parseRows(ObservationRecordSchema, rows);
  if (unreadable > 0) db.log.warn({ sessionId, unreadable }, 'observations left out: their stored row cannot be read');
  return records;
}

