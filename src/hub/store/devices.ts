import type { z } from 'zod';
import { PlethExcerptSchema, VisitDeviceSchema, type PlethExcerpt, type VisitDevice } from '../../shared/visit-devices.ts';
import type { HubDb } from './db.ts';
import type { CabinRefusal } from './reports.ts';

/**
 * What a cabin tells of its visit's devices (hub-protocol `device` and `pleth`, issue 13): one row per consultation and
 * device (sent again, it replaces the row), one per pleth excerpt (the same excerpt again is kept once). Read back
 * through the protocol's schemas: a row this version cannot read is left out and logged, never an error.
 */

/** A visit has a few devices; a flood cannot grow the report. */
export const MAX_CONSULTATION_DEVICES = 32;
/** About 48 KiB each at most: 3 MiB per consultation. */
export const MAX_PLETH_EXCERPTS = 64;

export type DeviceRefusal = CabinRefusal | { code: 'report-full'; message: string };

/** The cabin may add to this consultation's report: its own, and a doctor took it (as for its readings). */
function cabinMay(s: HubDb, cabinId: string, id: string): CabinRefusal | null {
  const c = s.db.prepare('SELECT cabin_id AS cabinId, claimed_at AS claimedAt FROM consultations WHERE id = ?').get(id) as
    | { cabinId: string; claimedAt: number | null }
    | undefined;
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only describe the devices of its own consultations.' };
  if (c.claimedAt === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these devices.' };
  return null;
}

/** Stores (or replaces) a device of the cabin's consultation; `stored` false: it was already stored as it is. */
export function addCabinDevice(s: HubDb, cabinId: string, id: string, device: VisitDevice): { stored: boolean } | DeviceRefusal {
  return s.db.transaction((): { stored: boolean } | DeviceRefusal => {
    const refused = cabinMay(s, cabinId, id);
    if (refused) return refused;
    const json = JSON.stringify(device);
    const row = s.db.prepare('SELECT device FROM consultation_devices WHERE consultation_id = ? AND device_id = ?').get(id, device.deviceId) as { device: string } | undefined;
    if (row?.device === json) return { stored: false };
    if (!row) {
      const n = (s.db.prepare('SELECT COUNT(*) AS n FROM consultation_devices WHERE consultation_id = ?').get(id) as { n: number }).n;
      if (n >= MAX_CONSULTATION_DEVICES) return { code: 'report-full', message: `The report already describes ${MAX_CONSULTATION_DEVICES} devices: this one was not stored.` };
    }
    s.db
      .prepare(
        `INSERT INTO consultation_devices (consultation_id, device_id, device, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (consultation_id, device_id) DO UPDATE SET device = excluded.device, updated_at = excluded.updated_at`,
      )
      .run(id, device.deviceId, json, s.time());
    return { stored: true };
  }).immediate();
}

/** Stores a pleth excerpt of the cabin's consultation once (by device and start time); `stored` false: it was there. */
export function addCabinPleth(s: HubDb, cabinId: string, id: string, excerpt: PlethExcerpt): { stored: boolean } | DeviceRefusal {
  return s.db.transaction((): { stored: boolean } | DeviceRefusal => {
    const refused = cabinMay(s, cabinId, id);
    if (refused) return refused;
    if (s.db.prepare('SELECT 1 FROM consultation_pleth WHERE consultation_id = ? AND device_id = ? AND t = ?').get(id, excerpt.deviceId, excerpt.t)) return { stored: false };
    const n = (s.db.prepare('SELECT COUNT(*) AS n FROM consultation_pleth WHERE consultation_id = ?').get(id) as { n: number }).n;
    if (n >= MAX_PLETH_EXCERPTS) return { code: 'report-full', message: `The report already holds ${MAX_PLETH_EXCERPTS} pleth excerpts: this one was not stored.` };
    s.db.prepare('INSERT INTO consultation_pleth (consultation_id, device_id, t, excerpt) VALUES (?, ?, ?, ?)').run(id, excerpt.deviceId, excerpt.t, JSON.stringify(excerpt));
    return { stored: true };
  }).immediate();
}

function readRows<T>(s: HubDb, id: string, schema: z.ZodType<T>, rows: { json: string }[], what: string): T[] {
  const out: T[] = [];
  let unreadable = 0;
  for (const row of rows) {
    let json: unknown;
    try {
      json = JSON.parse(row.json);
    } catch {
      json = undefined;
    }
    const r = schema.safeParse(json);
    if (r.success) out.push(r.data);
    else unreadable++;
  }
  if (unreadable > 0) s.log.warn({ consultationId: id, unreadable }, `${what} left out: their stored row cannot be read`);
  return out;
}

/** The consultation's devices as the cabin described them, by device id. */
export function consultationDevices(s: HubDb, id: string): VisitDevice[] {
  const rows = s.db.prepare('SELECT device AS json FROM consultation_devices WHERE consultation_id = ? ORDER BY device_id').all(id) as { json: string }[];
  return readRows(s, id, VisitDeviceSchema, rows, 'consultation devices');
}

/** The consultation's pleth excerpts, by device and time. */
export function consultationPleth(s: HubDb, id: string): PlethExcerpt[] {
  const rows = s.db.prepare('SELECT excerpt AS json FROM consultation_pleth WHERE consultation_id = ? ORDER BY device_id, t').all(id) as { json: string }[];
  return readRows(s, id, PlethExcerptSchema, rows, 'pleth excerpts');
}
