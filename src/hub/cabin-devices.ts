import type { FromHub, ToHub } from '../shared/hub-protocol.ts';
import type { HubStore } from './store.ts';

/**
 * A cabin describing its visit's devices (hub-protocol `device`) or sending a pleth excerpt (`pleth`) for its own
 * consultation's report, like its `report` (cabin-report.ts): in any state once a doctor took it; a resend is
 * harmless. The answer to send back: `reported` (only with a ref; count 1 when it changed what was stored, else 0),
 * or an error that says why it was not stored.
 */
export async function cabinDevices(store: Pick<HubStore, 'addCabinDevice' | 'addCabinPleth'>, cabinId: string, m: Extract<ToHub, { type: 'device' | 'pleth' }>): Promise<FromHub | null> {
  const r = m.type === 'device' ? await store.addCabinDevice(cabinId, m.consultationId, m.device) : await store.addCabinPleth(cabinId, m.consultationId, m.excerpt);
  if ('code' in r) return { type: 'error', ref: m.ref, code: r.code, message: r.message };
  return m.ref === undefined ? null : { type: 'reported', ref: m.ref, consultationId: m.consultationId, count: r.stored ? 1 : 0 };
}

/**
 * A doctor keeping a passage of the live pleth (`pleth` with `marked`) or forgetting one (`pleth-unmark`), in their own
 * active consultation (store/devices.ts). Answered like the cabin's: `reported` with the ref (count 1 when it changed
 * what was stored: kept, or removed; 0 for a resend), or an error that says why not; the console sends it again after
 * a reconnection until it has an answer.
 */
export async function doctorPleth(store: Pick<HubStore, 'addDoctorPleth' | 'removeDoctorPleth'>, doctorId: string, m: Extract<ToHub, { type: 'pleth' | 'pleth-unmark' }>): Promise<FromHub | null> {
  const r = m.type === 'pleth' ? await store.addDoctorPleth(doctorId, m.consultationId, m.excerpt) : await store.removeDoctorPleth(doctorId, m.consultationId, { deviceId: m.deviceId, t: m.t, count: m.count });
  if ('code' in r) return { type: 'error', ref: m.ref, code: r.code, message: r.message };
  const changed = 'stored' in r ? r.stored : r.removed;
  return m.ref === undefined ? null : { type: 'reported', ref: m.ref, consultationId: m.consultationId, count: changed ? 1 : 0 };
}
