import type { z } from 'zod';
import { excerptSeconds, MAX_MARKED_PLETH, MAX_MARKED_PLETH_S, PlethExcerptSchema, VisitDeviceSchema, type PlethExcerpt, type VisitDevice } from '../../shared/visit-devices.ts';
import type { HubDb } from './db.ts';
import type { CabinRefusal } from './reports.ts';

/**
 * What a cabin tells of its visit's devices (hub-protocol `device` and `pleth`, issue 13): one row per consultation and
 * device (sent again, it replaces the row), one per pleth excerpt (the same excerpt again is kept once). Beside the
 * cabin's excerpts, the passages the doctor kept from the live pleth (`pleth` with `marked`), in the same table with
 * `marked` 1: only by the consultation's own doctor while it is active, at most MAX_MARKED_PLETH, each at most
 * MAX_MARKED_PLETH_S; the doctor may forget one meanwhile. Read back through the protocol's schemas: a row this
 * version cannot read is left out and logged, never an error.
 */

/** A visit has a few devices; a flood cannot grow the report. */
export const MAX_CONSULTATION_DEVICES = 32;
/** About 48 KiB each at most: 3 MiB per consultation. */
export const MAX_PLETH_EXCERPTS = 64;

export type DeviceRefusal = CabinRefusal | { code: 'report-full'; message: string };
/** Why a doctor's kept passage (or its removal) was refused. */
export type MarkRefusal = { code: 'not-found' | 'forbidden' | 'not-active' | 'report-full' | 'too-long' | 'invalid-message'; message: string };

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
    if (excerpt.marked) return { code: 'forbidden', message: 'Only the doctor marks a passage of the pleth: a cabin sends its excerpts unmarked.' };
    if (s.db.prepare('SELECT 1 FROM consultation_pleth WHERE consultation_id = ? AND device_id = ? AND t = ? AND marked = 0').get(id, excerpt.deviceId, excerpt.t)) return { stored: false };
    const n = (s.db.prepare('SELECT COUNT(*) AS n FROM consultation_pleth WHERE consultation_id = ? AND marked = 0').get(id) as { n: number }).n;
    if (n >= MAX_PLETH_EXCERPTS) return { code: 'report-full', message: `The report already holds ${MAX_PLETH_EXCERPTS} pleth excerpts: this one was not stored.` };
    insertPleth(s, id, excerpt);
    return { stored: true };
  }).immediate();
}

function insertPleth(s: HubDb, id: string, excerpt: PlethExcerpt): void {
  s.db
    .prepare('INSERT INTO consultation_pleth (consultation_id, device_id, t, marked, count, excerpt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id, excerpt.deviceId, excerpt.t, excerpt.marked ? 1 : 0, excerpt.samples.length, JSON.stringify(excerpt), s.time());
}

/** The doctor may mark passages of this consultation: it is theirs and in progress. */
function doctorMay(s: HubDb, doctorId: string, id: string): MarkRefusal | null {
  const c = s.db.prepare('SELECT doctor_id AS doctorId, state FROM consultations WHERE id = ?').get(id) as { doctorId: string | null; state: string } | undefined;
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.doctorId !== doctorId) return { code: 'forbidden', message: 'This consultation is not yours: a doctor marks passages of the pleth in their own consultation only.' };
  if (c.state !== 'active') return { code: 'not-active', message: 'This consultation is not in progress: its passages can no longer change.' };
  return null;
}

/**
 * Keeps a passage of the live pleth the doctor marked, once (by device, start and sample count); `stored` false: the
 * same passage was already kept (a resend after a reconnection).
 */
export function addDoctorPleth(s: HubDb, doctorId: string, id: string, excerpt: PlethExcerpt): { stored: boolean } | MarkRefusal {
  return s.db.transaction((): { stored: boolean } | MarkRefusal => {
    const refused = doctorMay(s, doctorId, id);
    if (refused) return refused;
    if (!excerpt.marked) return { code: 'invalid-message', message: 'A doctor sends only the passages they marked: the excerpt needs "marked": true.' };
    const seconds = excerptSeconds(excerpt);
    if (seconds > MAX_MARKED_PLETH_S) return { code: 'too-long', message: `A marked passage is at most ${MAX_MARKED_PLETH_S} s: this one lasts ${Math.round(seconds)} s and was not stored.` };
    const known = s.db.prepare('SELECT 1 FROM consultation_pleth WHERE consultation_id = ? AND device_id = ? AND t = ? AND marked = 1 AND count = ?').get(id, excerpt.deviceId, excerpt.t, excerpt.samples.length);
    if (known) return { stored: false };
    const n = (s.db.prepare('SELECT COUNT(*) AS n FROM consultation_pleth WHERE consultation_id = ? AND marked = 1').get(id) as { n: number }).n;
    if (n >= MAX_MARKED_PLETH) return { code: 'report-full', message: `${MAX_MARKED_PLETH} passages of the pleth are already kept for this consultation: remove one to keep another.` };
    insertPleth(s, id, excerpt);
    return { stored: true };
  }).immediate();
}

/** Forgets a passage the doctor marked (device, start, sample count); `removed` false: there was none (already gone). */
export function removeDoctorPleth(s: HubDb, doctorId: string, id: string, key: { deviceId: string; t: number; count: number }): { removed: boolean } | MarkRefusal {
  return s.db.transaction((): { removed: boolean } | MarkRefusal => {
    const refused = doctorMay(s, doctorId, id);
    if (refused) return refused;
    const r = s.db.prepare('DELETE FROM consultation_pleth WHERE consultation_id = ? AND device_id = ? AND t = ? AND marked = 1 AND count = ?').run(id, key.deviceId, key.t, key.count);
    return { removed: r.changes > 0 };
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

/** The consultation's pleth excerpts, by device and time: the cabin's first seconds, then the doctor's marked passages. */
export function consultationPleth(s: HubDb, id: string): PlethExcerpt[] {
  // The excerpt is stored as it came (its `marked` with it, as the row's column says).
  const rows = s.db.prepare('SELECT excerpt AS json FROM consultation_pleth WHERE consultation_id = ? ORDER BY marked, device_id, t, count').all(id) as { json: string }[];
  return readRows(s, id, PlethExcerptSchema, rows, 'pleth excerpts');
}
