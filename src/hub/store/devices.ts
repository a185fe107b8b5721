import type { z } from 'zod';
import { excerptSeconds, MAX_MARKED_PLETH, MAX_MARKED_PLETH_S, PlethExcerptSchema, VisitDeviceSchema, type PlethExcerpt, type VisitDevice } from '../../shared/visit-devices.ts';
import { count, inTx, type HubDb } from './db.ts';
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
async function cabinMay(s: HubDb, cabinId: string, id: string): Promise<CabinRefusal | null> {
  const c = await s.db.selectFrom('consultations').select(['cabin_id', 'claimed_at']).where('id', '=', id).executeTakeFirst();
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.cabin_id !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only describe the devices of its own consultations.' };
  if (c.claimed_at === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these devices.' };
  return null;
}

/** Stores (or replaces) a device of the cabin's consultation; `stored` false: it was already stored as it is. */
export function addCabinDevice(s: HubDb, cabinId: string, id: string, device: VisitDevice): Promise<{ stored: boolean } | DeviceRefusal> {
  return inTx(s, async (t): Promise<{ stored: boolean } | DeviceRefusal> => {
    const refused = await cabinMay(t, cabinId, id);
    if (refused) return refused;
    const json = JSON.stringify(device);
    const row = await t.db.selectFrom('consultation_devices').select('device').where('consultation_id', '=', id).where('device_id', '=', device.deviceId).executeTakeFirst();
    if (row?.device === json) return { stored: false };
    if (!row) {
      const n = count(await t.db.selectFrom('consultation_devices').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).executeTakeFirst());
      if (n >= MAX_CONSULTATION_DEVICES) return { code: 'report-full', message: `The report already describes ${MAX_CONSULTATION_DEVICES} devices: this one was not stored.` };
    }
    const now = t.time();
    await t.db
      .insertInto('consultation_devices')
      .values({ consultation_id: id, device_id: device.deviceId, device: json, updated_at: now })
      .onConflict((oc) => oc.columns(['consultation_id', 'device_id']).doUpdateSet({ device: json, updated_at: now }))
      .execute();
    return { stored: true };
  });
}

/** Stores a pleth excerpt of the cabin's consultation once (by device and start time); `stored` false: it was there. */
export function addCabinPleth(s: HubDb, cabinId: string, id: string, excerpt: PlethExcerpt): Promise<{ stored: boolean } | DeviceRefusal> {
  return inTx(s, async (t): Promise<{ stored: boolean } | DeviceRefusal> => {
    const refused = await cabinMay(t, cabinId, id);
    if (refused) return refused;
    if (excerpt.marked) return { code: 'forbidden', message: 'Only the doctor marks a passage of the pleth: a cabin sends its excerpts unmarked.' };
    const known = await t.db.selectFrom('consultation_pleth').select('t').where('consultation_id', '=', id).where('device_id', '=', excerpt.deviceId).where('t', '=', excerpt.t).where('marked', '=', 0).executeTakeFirst();
    if (known) return { stored: false };
    const n = count(await t.db.selectFrom('consultation_pleth').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).where('marked', '=', 0).executeTakeFirst());
    if (n >= MAX_PLETH_EXCERPTS) return { code: 'report-full', message: `The report already holds ${MAX_PLETH_EXCERPTS} pleth excerpts: this one was not stored.` };
    return { stored: await insertPleth(t, id, excerpt) };
  });
}

/** Inserts the excerpt; false when the same one was stored meanwhile (another node's resend: its key keeps it once). */
async function insertPleth(s: HubDb, id: string, excerpt: PlethExcerpt): Promise<boolean> {
  const r = await s.db
    .insertInto('consultation_pleth')
    .values({ consultation_id: id, device_id: excerpt.deviceId, t: excerpt.t, marked: excerpt.marked ? 1 : 0, count: excerpt.samples.length, excerpt: JSON.stringify(excerpt), created_at: s.time() })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** The doctor may mark passages of this consultation: it is theirs and in progress. */
async function doctorMay(s: HubDb, doctorId: string, id: string): Promise<MarkRefusal | null> {
  const c = await s.db.selectFrom('consultations').select(['doctor_id', 'state']).where('id', '=', id).executeTakeFirst();
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.doctor_id !== doctorId) return { code: 'forbidden', message: 'This consultation is not yours: a doctor marks passages of the pleth in their own consultation only.' };
  if (c.state !== 'active') return { code: 'not-active', message: 'This consultation is not in progress: its passages can no longer change.' };
  return null;
}

/**
 * Keeps a passage of the live pleth the doctor marked, once (by device, start and sample count); `stored` false: the
 * same passage was already kept (a resend after a reconnection).
 */
export function addDoctorPleth(s: HubDb, doctorId: string, id: string, excerpt: PlethExcerpt): Promise<{ stored: boolean } | MarkRefusal> {
  return inTx(s, async (t): Promise<{ stored: boolean } | MarkRefusal> => {
    const refused = await doctorMay(t, doctorId, id);
    if (refused) return refused;
    if (!excerpt.marked) return { code: 'invalid-message', message: 'A doctor sends only the passages they marked: the excerpt needs "marked": true.' };
    const seconds = excerptSeconds(excerpt);
    if (seconds > MAX_MARKED_PLETH_S) return { code: 'too-long', message: `A marked passage is at most ${MAX_MARKED_PLETH_S} s: this one lasts ${Math.round(seconds)} s and was not stored.` };
    const known = await t.db
      .selectFrom('consultation_pleth')
      .select('t')
      .where('consultation_id', '=', id)
      .where('device_id', '=', excerpt.deviceId)
      .where('t', '=', excerpt.t)
      .where('marked', '=', 1)
      .where('count', '=', excerpt.samples.length)
      .executeTakeFirst();
    if (known) return { stored: false };
    const n = count(await t.db.selectFrom('consultation_pleth').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).where('marked', '=', 1).executeTakeFirst());
    if (n >= MAX_MARKED_PLETH) return { code: 'report-full', message: `${MAX_MARKED_PLETH} passages of the pleth are already kept for this consultation: remove one to keep another.` };
    return { stored: await insertPleth(t, id, excerpt) };
  });
}

/** Forgets a passage the doctor marked (device, start, sample count); `removed` false: there was none (already gone). */
export function removeDoctorPleth(s: HubDb, doctorId: string, id: string, key: { deviceId: string; t: number; count: number }): Promise<{ removed: boolean } | MarkRefusal> {
  return inTx(s, async (t): Promise<{ removed: boolean } | MarkRefusal> => {
    const refused = await doctorMay(t, doctorId, id);
    if (refused) return refused;
    const r = await t.db
      .deleteFrom('consultation_pleth')
      .where('consultation_id', '=', id)
      .where('device_id', '=', key.deviceId)
      .where('t', '=', key.t)
      .where('marked', '=', 1)
      .where('count', '=', key.count)
      .executeTakeFirst();
    return { removed: Number(r.numDeletedRows) > 0 };
  });
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
export async function consultationDevices(s: HubDb, id: string): Promise<VisitDevice[]> {
  const rows = await s.db.selectFrom('consultation_devices').select('device as json').where('consultation_id', '=', id).orderBy('device_id').execute();
  return readRows(s, id, VisitDeviceSchema, rows, 'consultation devices');
}

/** The consultation's pleth excerpts, by device and time: the cabin's first seconds, then the doctor's marked passages. */
export async function consultationPleth(s: HubDb, id: string): Promise<PlethExcerpt[]> {
  // The excerpt is stored as it came (its `marked` with it, as the row's column says).
  const rows = await s.db.selectFrom('consultation_pleth').select('excerpt as json').where('consultation_id', '=', id).orderBy('marked').orderBy('device_id').orderBy('t').orderBy('count').execute();
  return readRows(s, id, PlethExcerptSchema, rows, 'pleth excerpts');
}
