import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CONSULTATION_DEVICES, MAX_PLETH_EXCERPTS } from '../../src/hub/store/devices.ts';
import { parseFrame, ToHubSchema } from '../../src/shared/hub-protocol.ts';
import type { PlethExcerpt, VisitDevice } from '../../src/shared/visit-devices.ts';
import { activeConsultation, activeStore, cabinToken, Client, doctorToken, startHub, type TestHub } from './helpers.ts';

/** A cabin tells the hub who its visit's devices are and sends pleth excerpts (issue 13): the `device` and `pleth` messages. */

const CUFF = 'ble-blood-pressure@ble:EC:21:E5:10:20:30';
const OXI = 'contec-cms50-v7@/dev/ttyUSB0';
const cuff: VisitDevice = { deviceId: CUFF, driver: 'ble-blood-pressure', manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: '5140700123', firmware: '1.2.0', systemId: '302010feffe521ec', address: 'EC:21:E5:10:20:30' };
const excerpt = (t: number, n = 600): PlethExcerpt => ({ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t, rate: 60, samples: Array.from({ length: n }, (_, i) => i % 100) });
const frame = (m: unknown) => parseFrame(ToHubSchema, JSON.stringify(m));

describe('the `device` and `pleth` messages', () => {
  it('take a device and an excerpt as the cabin builds them', () => {
    expect(frame({ type: 'device', ref: 'outbox-1', consultationId: 'c', device: cuff })).toMatchObject({ ok: true });
    expect(frame({ type: 'pleth', ref: 'outbox-2', consultationId: 'c', excerpt: excerpt(1) })).toMatchObject({ ok: true });
  });

  it('refuse garbage and anything past their bounds, naming where', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'device', consultationId: 'c', device: { ...cuff, systemId: '3020' } }, /device\.systemId: a System ID of 8 bytes in hex/],
      [{ type: 'device', consultationId: 'c', device: { ...cuff, address: 'EC-21-E5-10-20-30' } }, /device\.address: a Bluetooth address/],
      [{ type: 'device', consultationId: 'c', device: { ...cuff, serial: 'x'.repeat(101) } }, /device\.serial/],
      [{ type: 'device', consultationId: 'c', device: { ...cuff, colour: 'blue' } }, /device: Unrecognized key/i],
      [{ type: 'device', consultationId: 'c', device: { ...cuff, usb: { vendorId: '10c4', productId: 'zz' } } }, /device\.usb\.productId/],
      [{ type: 'device', consultationId: 'c', device: { deviceId: '' , driver: 'x' } }, /device\.deviceId/],
      [{ type: 'pleth', consultationId: 'c', excerpt: excerpt(1, 4001) }, /excerpt\.samples/],
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...excerpt(1), rate: 0 } }, /excerpt\.rate/],
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...excerpt(1), samples: [] } }, /excerpt\.samples/],
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...excerpt(1), code: 'MDC_PULS_OXIM_SAT_O2' } }, /excerpt\.code/],
      [{ type: 'pleth', consultationId: 'c', excerpt: { ...excerpt(1), samples: [1, 'two'] } }, /excerpt\.samples\.1/],
      [{ type: 'pleth', consultationId: 'c', excerpt: excerpt(1), extra: 1 }, /Unrecognized key/i],
    ];
    for (const [m, why] of bad) {
      const r = frame(m);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(why);
    }
    expect(parseFrame(ToHubSchema, '{"type":"device",')).toEqual({ ok: false, error: 'The message is not JSON.' });
  });
});

describe('the hub stores them for the cabin’s own consultation', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('one row per consultation and device (a resend changes nothing, a newer description replaces it), each excerpt once, in the report', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    cabin.send({ type: 'device', ref: 'd1', consultationId: id, device: cuff });
    expect(await cabin.next('reported', (m) => m.ref === 'd1')).toEqual({ type: 'reported', ref: 'd1', consultationId: id, count: 1 });
    cabin.send({ type: 'device', ref: 'd2', consultationId: id, device: cuff });
    expect((await cabin.next('reported', (m) => m.ref === 'd2')).count).toBe(0);
    cabin.send({ type: 'device', ref: 'd3', consultationId: id, device: { ...cuff, firmware: '1.3.0' } });
    expect((await cabin.next('reported', (m) => m.ref === 'd3')).count).toBe(1);
    cabin.send({ type: 'device', ref: 'd4', consultationId: id, device: { deviceId: OXI, driver: 'contec-cms50-v7', usb: { vendorId: '10c4', productId: 'ea60' } } });
    await cabin.next('reported', (m) => m.ref === 'd4');
    for (const [ref, e] of [['p1', excerpt(2000)], ['p2', excerpt(1000)], ['p3', excerpt(2000)]] as const) cabin.send({ type: 'pleth', ref, consultationId: id, excerpt: e });
    expect((await cabin.next('reported', (m) => m.ref === 'p1')).count).toBe(1);
    expect((await cabin.next('reported', (m) => m.ref === 'p2')).count).toBe(1);
    expect((await cabin.next('reported', (m) => m.ref === 'p3')).count).toBe(0);

    // The doctor may not send them.
    doc.send({ type: 'device', ref: 'x', consultationId: id, device: cuff });
    expect(await doc.next('error', (m) => m.ref === 'x')).toMatchObject({ code: 'forbidden' });

    const res = await fetch(`${t.hub.url}/api/consultations/${id}/report`, { headers: { authorization: `Bearer ${await doctorToken(t, 'dr.a')}` } });
    const report = (await res.json()) as { devices?: VisitDevice[]; pleth?: PlethExcerpt[] };
    expect(report.devices).toEqual([{ ...cuff, firmware: '1.3.0' }, { deviceId: OXI, driver: 'contec-cms50-v7', usb: { vendorId: '10c4', productId: 'ea60' } }]);
    expect(report.pleth?.map((p) => p.t)).toEqual([1000, 2000]);
    expect(report.pleth?.[0]).toEqual(excerpt(1000));
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('refuses another cabin’s consultation and one no doctor took, with a clear error and nothing stored; a report without any has neither field', async () => {
    t = await startHub();
    const { cabin, doc, id } = await activeConsultation(t, 'cab-1', 'dr.a');
    const other = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-2'));
    other.send({ type: 'device', ref: 'x', consultationId: id, device: cuff });
    const err = await other.next('error', (m) => m.ref === 'x');
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(/not yours: a cabin may only describe the devices of its own consultations/);
    other.send({ type: 'request', ref: 'r', language: 'fr' });
    const waiting = (await other.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    other.send({ type: 'pleth', ref: 'w', consultationId: waiting, excerpt: excerpt(1) });
    expect(await other.next('error', (m) => m.ref === 'w')).toMatchObject({ code: 'not-claimed' });
    const report = (await t.hub.store.report(id))!;
    expect(report).not.toHaveProperty('devices');
    expect(report).not.toHaveProperty('pleth');
    await Promise.all([cabin.close(), doc.close(), other.close()]);
  });
});

describe('the hub store’s bounds', () => {

  it('a flood stops at the bounds ("report-full"); a row this version cannot read is left out, not an error', async () => {
    const { store, id: c1 } = await activeStore();
    try {
      for (let i = 0; i < MAX_CONSULTATION_DEVICES; i++) expect(await store.addCabinDevice('cab-1', c1, { deviceId: `d${i}`, driver: 'x' })).toEqual({ stored: true });
      expect(await store.addCabinDevice('cab-1', c1, { deviceId: 'one-more', driver: 'x' })).toMatchObject({ code: 'report-full' });
      // One already there may still be described again.
      expect(await store.addCabinDevice('cab-1', c1, { deviceId: 'd0', driver: 'y' })).toEqual({ stored: true });
      for (let i = 0; i < MAX_PLETH_EXCERPTS; i++) expect(await store.addCabinPleth('cab-1', c1, excerpt(i, 5))).toEqual({ stored: true });
      expect(await store.addCabinPleth('cab-1', c1, excerpt(1e6, 5))).toMatchObject({ code: 'report-full' });
      expect(await store.addCabinPleth('cab-1', c1, excerpt(0, 5))).toEqual({ stored: false });
      await store.kysely.db.updateTable('consultation_devices').set({ device: '{"deviceId":1}' }).where('device_id', '=', 'd1').execute();
      const report = (await store.report(c1))!;
      expect(report.devices).toHaveLength(MAX_CONSULTATION_DEVICES - 1);
      expect(report.devices?.[0]).toEqual({ deviceId: 'd0', driver: 'y' });
      expect(report.pleth).toHaveLength(MAX_PLETH_EXCERPTS);
      // The tables come from a migration step: a row references its consultation (deleted with it).
      const rows = async (table: 'consultation_devices' | 'consultation_pleth') => Number((await store.kysely.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await store.kysely.db.deleteFrom('consultations').where('id', '=', c1).execute();
      expect(await rows('consultation_devices')).toBe(0);
      expect(await rows('consultation_pleth')).toBe(0);
    } finally {
      await store.close();
    }
  });
});
