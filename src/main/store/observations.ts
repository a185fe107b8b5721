import type { Db } from './open.ts';
import { enqueue } from './outbox.ts';
import { ObservationInputSchema, parse, type ObservationInput } from './schema.ts';

export interface ObservationRecord {
  id: string;
  sessionId: string;
  deviceId: string;
  code: string;
  value: number;
  unit: string;
  t: number;
  measurementId?: string;
  receivedAt: number;
}

/**
 * Stores the observation and queues it for delivery, in one transaction: both or neither.
 * Idempotent on id: a repeat is ignored (false), even if its content differs.
 */
export function addObservation(db: Db, input: ObservationInput): boolean {
  const o = parse(ObservationInputSchema, input, 'an observation');
  const measurementId = o.measurementId ?? null;
  return db.tx(() => {
    const r = db
      .stmt(
        `INSERT INTO observations (id, session_id, device_id, code, value, unit, t, measurement_id, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(o.id, o.sessionId, o.deviceId, o.code, o.value, o.unit, o.t, measurementId, db.now());
    if (r.changes === 0) return false;
    const { id, sessionId, deviceId, code, value, unit, t } = o;
    enqueue(db, {
      kind: 'observation',
      refId: id,
      sessionId,
      payload: { id, sessionId, deviceId, code, value, unit, t, ...(measurementId ? { measurementId } : {}) },
    });
    return true;
  });
}

export function observationsOf(db: Db, sessionId: string): ObservationRecord[] {
  const rows = db
    .stmt(
      `SELECT id, session_id AS sessionId, device_id AS deviceId, code, value, unit, t, measurement_id AS measurementId,
              received_at AS receivedAt
       FROM observations WHERE session_id = ? ORDER BY rowid`,
    )
    .all(sessionId) as (ObservationRecord & { measurementId: string | null })[];
  return rows.map(({ measurementId, ...rest }) => (measurementId === null ? rest : { ...rest, measurementId }));
}
