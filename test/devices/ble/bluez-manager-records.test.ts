/**
 * Stored records end to end: BleManager + BluezCentral + the fake bluetoothd + the real drivers, with devices built
 * from the drivers' simulators (their GATT tables, the values they read, the records they send). The fake answers a
 * record access request with the indications scripted for it, after the write's reply, as a meter does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { driver as bp } from '../../../drivers/ble-blood-pressure/index.ts';
import { driver as glucose } from '../../../drivers/ble-glucose/index.ts';
import { machineUtcOffsetMin } from '../../../drivers/_ble/sim-device.ts';
import { bleDeviceId, recordKey, type BleRequest } from '../../../src/devices/ble/manager.ts';
import type { HostMessage } from '../../../src/shared/device-host.ts';
import type { BleSimulator, GattRef } from '../../../src/shared/driver.ts';
import { addSimulated, advertise, startRig, subscribed, type ManagerRig, type SimulatedDevice } from '../../helpers/fake-bluez/manager-rig.ts';

let rig: ManagerRig | undefined;

afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const isLink = (id: string, state: string) => (m: HostMessage) => m.type === 'link' && m.deviceId === id && m.state === state;
const count = (r: ManagerRig, pred: (m: HostMessage) => boolean): number => r.messages.items.filter(pred).length;
/** Link errors and any log above debug (a duplicate dropped is logged at debug). */
const errors = (r: ManagerRig): HostMessage[] => r.messages.items.filter((m) => (m.type === 'link' && m.state === 'error') || (m.type === 'log' && m.level !== 'debug'));
const duplicates = (r: ManagerRig): number => count(r, (m) => m.type === 'log' && /had already delivered/.test(m.message));

/** One visit of an episodic device: it advertises, the manager connects, `until` holds, the device hangs up. */
async function visit(r: ManagerRig, id: string, address: string, until: () => boolean, what: string): Promise<void> {
  const connected = count(r, isLink(id, 'connected'));
  const waiting = count(r, isLink(id, 'waiting'));
  await advertise(r.f, address);
  await r.waitFor(() => count(r, isLink(id, 'connected')) > connected, `connection ${connected + 1}`);
  await r.waitFor(until, what);
  await r.f.dropConnection(address);
  await r.waitFor(() => count(r, isLink(id, 'waiting')) > waiting, `waiting after connection ${connected + 1}`);
}

describe('BleManager over BlueZ: a glucose meter’s record access', () => {
  const G = glucose.createSimulator('default');
  const METER = G.address;
  const METER_ID = bleDeviceId('ble-glucose', METER);
  const MEAS: GattRef = { service: '1808', characteristic: '2a18' };
  const RACP: GattRef = { service: '1808', characteristic: '2a52' };
  const statuses = (r: ManagerRig, detail: string): number => r.events(METER_ID).filter((e) => e.kind === 'status' && e.detail === detail).length;

  async function meterRig(requests: BleRequest[] = []): Promise<{ r: ManagerRig; sim: BleSimulator; dev: SimulatedDevice }> {
    const now = Date.now();
    const sim = glucose.createSimulator('default');
    sim.advertising(now); // its memory: three readings of earlier days and one just measured (seq 1–4)
    let dev: SimulatedDevice | undefined;
    const r = await startRig({
      requests: [{ type: 'ble-assigned', devices: [{ address: METER, driver: 'ble-glucose' }] }, ...requests],
      utcOffsetMin: machineUtcOffsetMin(now),
      before: async (f) => {
        dev = await addSimulated(f, sim, now, { paired: true });
      },
    });
    rig = r;
    return { r, sim, dev: dev! };
  }

  it('no records (06 00 01 06), then two records, then only the records after the mark (01 03 01 <seq+1>)', async () => {
    const { r, sim, dev } = await meterRig();
    const racp = dev.path(RACP);
    const answer = (code: number) => [{ char: racp, bytes: [0x06, 0x00, 0x01, code] }];

    // 1. The meter has nothing for the cabin yet: "all records" is answered "no records".
    await r.f.respondToWrite(racp, [{ request: [0x01, 0x01], send: answer(0x06) }]);
    await visit(r, METER_ID, METER, () => statuses(r, 'no-new-records') === 1, 'no-new-records');
    expect(r.observations(METER_ID)).toEqual([]);
    expect(await r.f.written(racp)).toEqual([{ bytes: [0x01, 0x01], type: 'request' }]);

    // 2. Two records, as the simulated meter sends them (0x2A18 notifications, then 06 00 01 01).
    sim.connected(Date.now());
    sim.subscribed(MEAS, true, Date.now());
    sim.subscribed(RACP, true, Date.now());
    const sent = sim.write(RACP, Uint8Array.of(0x01, 0x03, 0x01, 0x03, 0x00), Date.now());
    sim.disconnected(Date.now());
    expect(sent.map((e) => e.characteristic)).toEqual(['2a18', '2a18', '2a52']);
    await r.f.respondToWrite(racp, [{ request: [0x01, 0x01], send: dev.sends(sent) }]);
    await visit(r, METER_ID, METER, () => statuses(r, 'records-received-2') === 1, 'records-received-2');
    const obs = r.observations(METER_ID);
    expect(obs.map((o) => [o.code, o.value, o.unit, o.record, o.measurementId])).toEqual([
      ['MDC_CONC_GLU_CAPILLARY_PLASMA', 107, 'mg/dL', { seq: 3, stored: true }, expect.stringMatching(new RegExp(`^glu:${METER}:3:[0-9a-f]+$`))],
      ['MDC_CONC_GLU_CAPILLARY_PLASMA', 112, 'mg/dL', { seq: 4, stored: true }, expect.stringMatching(new RegExp(`^glu:${METER}:4:[0-9a-f]+$`))],
    ]);
    // The record of yesterday keeps its time (the meter's clock was read and is right).
    expect(Math.abs((obs[0]!.t ?? 0) - (Date.now() - 86_400_000))).toBeLessThan(60_000);
    expect(obs[0]!.deviceClock?.state).toBe('set');

    // 3. The next visit asks only for records after seq 4: 01 03 01 05 00 (≥ 5, u16 LE). Only that request is answered;
    // "none" then makes the meter asked for its last record too (a cleared memory would answer "none" for ever).
    await r.f.respondToWrite(racp, [{ request: [0x01, 0x03, 0x01, 0x05, 0x00], send: answer(0x06) }]);
    await visit(r, METER_ID, METER, () => statuses(r, 'no-new-records') === 2, 'no-new-records after the mark');
    expect((await r.f.written(racp)).map((w) => w.bytes)).toEqual([
      [0x01, 0x01],
      [0x01, 0x01],
      [0x01, 0x03, 0x01, 0x05, 0x00],
      [0x01, 0x06],
    ]);
    expect(r.observations(METER_ID)).toHaveLength(2);
    expect(r.links(METER_ID).filter((l) => l.startsWith('waiting'))).toEqual(['waiting', 'waiting', 'waiting:done', 'waiting']);
    expect(errors(r)).toEqual([]);
  });

  it('the mark from the cabin’s SQLite (ble-memory) is the first request: 01 03 01 2D 01 for seq 300', async () => {
    const { r, dev } = await meterRig([{ type: 'ble-memory', entries: [{ key: recordKey('ble-glucose', METER), seq: 300 }] }]);
    const racp = dev.path(RACP);
    await r.f.respondToWrite(racp, [{ request: [0x01, 0x03, 0x01, 0x2d, 0x01], send: [{ char: racp, bytes: [0x06, 0x00, 0x01, 0x06] }] }]);
    await visit(r, METER_ID, METER, () => statuses(r, 'no-new-records') === 1, 'no-new-records');
    expect((await r.f.written(racp))[0]).toEqual({ bytes: [0x01, 0x03, 0x01, 0x2d, 0x01], type: 'request' });
    expect(errors(r)).toEqual([]);
  });
});

describe('BleManager over BlueZ: a cuff that indicates its memory at every connection', () => {
  const CUFF = bp.createSimulator('resend-all').address;
  const CUFF_ID = bleDeviceId('ble-blood-pressure', CUFF);
  const MEAS: GattRef = { service: '1810', characteristic: '2a35' };
  const CTS: GattRef = { service: '1805', characteristic: '2a2b' };
  const sys = (r: ManagerRig) => r.observations(CUFF_ID).filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS');

  async function cuffRig(): Promise<{ r: ManagerRig; sim: BleSimulator; dev: SimulatedDevice }> {
    const sim = bp.createSimulator('resend-all');
    let dev: SimulatedDevice | undefined;
    const r = await startRig({
      requests: [{ type: 'ble-assigned', devices: [{ address: CUFF, driver: 'ble-blood-pressure' }] }],
      before: async (f) => {
        dev = await addSimulated(f, sim, Date.now(), { paired: true });
      },
    });
    rig = r;
    return { r, sim, dev: dev! };
  }

  /** The cuff's memory as it indicates it once measurements are subscribed (the simulator's resend-all). */
  async function memoryOf(r: ManagerRig, sim: BleSimulator, dev: SimulatedDevice): Promise<void> {
    const now = Date.now();
    sim.connected(now);
    const sent = sim.subscribed(MEAS, true, now);
    sim.disconnected(now);
    await r.f.respondToSubscribe(dev.path(MEAS), dev.sends(sent));
  }

  /**
   * A visit starting `phaseMs` into a second of the cabin's clock: the cuff's clock (Current Time, whole seconds, as
   * the simulator keeps it) is read then, so its offset from the cabin's clock has that fraction in it.
   */
  async function visitAt(r: ManagerRig, sim: BleSimulator, dev: SimulatedDevice, phaseMs: number): Promise<void> {
    await new Promise((res) => setTimeout(res, (phaseMs - (Date.now() % 1000) + 1000) % 1000));
    await r.f.setValue(dev.path(CTS), [...sim.read(CTS, Date.now())!]);
    const seen = r.observations(CUFF_ID).length + duplicates(r);
    const connected = count(r, isLink(CUFF_ID, 'connected'));
    const waiting = count(r, isLink(CUFF_ID, 'waiting'));
    await advertise(r.f, CUFF);
    await r.waitFor(() => count(r, isLink(CUFF_ID, 'connected')) > connected, 'connected');
    await subscribed(r.f, dev.path(MEAS));
    await r.waitFor(() => r.observations(CUFF_ID).length + duplicates(r) > seen, 'the indicated memory');
    await new Promise((res) => setTimeout(res, 150));
    await r.f.dropConnection(CUFF);
    await r.waitFor(() => count(r, isLink(CUFF_ID, 'waiting')) > waiting, 'waiting');
  }

  it('a reading stored 10 minutes ago, indicated again at each connection, is delivered once, whatever moment its clock is read', async () => {
    const { r, sim, dev } = await cuffRig();
    sim.set({ systolic: 131, diastolic: 84, pulse: 71, completeMeasurement: true });
    sim.advertising(Date.now() - 10 * 60_000);
    await memoryOf(r, sim, dev);

    await visitAt(r, sim, dev, 50);
    expect(sys(r).map((o) => [o.value, o.record])).toEqual([[131, { stored: true }]]);
    expect(r.observations(CUFF_ID)).toHaveLength(4);
    // Later visits: the same reading comes back, its clock read later within the second each time.
    for (const phase of [400, 750]) {
      await visitAt(r, sim, dev, phase);
      expect(r.observations(CUFF_ID).map((o) => o.value), `visit at +${phase} ms`).toEqual([131, 84, 100, 71]);
    }
    expect(duplicates(r)).toBe(2);
    expect(errors(r)).toEqual([]);
  });

  it('two readings a minute apart (the usual second measurement): the first, indicated again with the second, is not delivered twice', async () => {
    const { r, sim, dev } = await cuffRig();
    sim.set({ systolic: 128, diastolic: 82, pulse: 70, completeMeasurement: true });
    sim.advertising(Date.now() - 60_000);
    await memoryOf(r, sim, dev);
    // Its clock read late in the second at the first visit and early at the second: the same reading's time on the
    // cabin's clock is then not later at the second visit (so only the rule that compares it is tested here).
    await visitAt(r, sim, dev, 750);
    expect(sys(r).map((o) => o.value)).toEqual([128]);

    sim.set({ systolic: 124, diastolic: 80, pulse: 68, completeMeasurement: true });
    sim.advertising(Date.now());
    await memoryOf(r, sim, dev);
    await visitAt(r, sim, dev, 50);
    expect(sys(r).map((o) => o.value)).toEqual([128, 124]);
    expect(duplicates(r)).toBe(1);
    expect(errors(r)).toEqual([]);
  });
});
