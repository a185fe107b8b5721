/**
 * The device host's Bluetooth path end to end: BleManager + BluezCentral + the fake bluetoothd (python-dbusmock on a
 * private dbus-daemon) + the real drivers. Each test has its own bus and fake. What it cannot prove: radio, ATT
 * timing, real bonding keys, bluetoothd's own auto-connect policy (the fake's Connected change stands for it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Variant } from 'dbus-next';
import { fullUuid } from '../../../drivers/_ble/uuid.ts';
import { bleDeviceId, type BleRequest } from '../../../src/devices/ble/manager.ts';
import type { HostMessage } from '../../../src/shared/device-host.ts';
import type { FakeBluez, FakeLeDeviceOptions } from '../../helpers/fake-bluez/index.ts';
import { advertise, charKey, devicePath, startRig, subscribed, type ManagerRig, type RigOptions } from '../../helpers/fake-bluez/manager-rig.ts';

const CUFF = 'A4:C1:38:00:11:22';
const CUFF_ID = bleDeviceId('ble-blood-pressure', CUFF);
const THERMO = 'A4:C1:38:00:77:88';
/** ble-fhir.md §B1 (Nordic's test vector): 138/88/120 mmHg, year 0 (clock unset), pulse 60, user 1, status 0x27. */
const BP = [0x1e, 0x8a, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3b, 0x3c, 0x00, 0x01, 0x27, 0x00];
const text = (s: string): number[] => [...Buffer.from(s)];

/** A BPS 1.0 cuff as an A&D UA-651BLE exposes it, without a clock (no write to expect). */
function cuff(name = 'A&D_UA-651', extra: Partial<FakeLeDeviceOptions> = {}): FakeLeDeviceOptions {
  return {
    name,
    uuids: [fullUuid('1810')],
    gatt: [
      {
        uuid: fullUuid('180a'),
        characteristics: [
          { uuid: fullUuid('2a29'), flags: ['read'], value: text('A&D Medical') },
          { uuid: fullUuid('2a24'), flags: ['read'], value: text('UA-651BLE') },
          { uuid: fullUuid('2a25'), flags: ['read'], value: text('5140700123') },
        ],
      },
      {
        uuid: fullUuid('1810'),
        characteristics: [
          { uuid: fullUuid('2a35'), flags: ['indicate'] },
          { uuid: fullUuid('2a49'), flags: ['read'], value: [0x07, 0x00] },
        ],
      },
    ],
    ...extra,
  };
}

const MEASUREMENT = charKey('1810', '2a35');

let rig: ManagerRig | undefined;

afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function start(opts: RigOptions): Promise<ManagerRig> {
  rig = await startRig(opts);
  return rig;
}

const assigned = (address: string, driver: string): BleRequest => ({ type: 'ble-assigned', devices: [{ address, driver }] });
const isLink = (id: string, state: string, detail?: string) => (m: HostMessage) => m.type === 'link' && m.deviceId === id && m.state === state && (detail === undefined || m.detail === detail);
/** Link errors and any log above debug (a duplicate dropped is logged at debug). */
const errors = (r: ManagerRig): HostMessage[] => r.messages.items.filter((m) => (m.type === 'link' && m.state === 'error') || (m.type === 'log' && m.level !== 'debug'));

/** The assistant's panel opened: discovery is on (and BlueZ's cache replayed) before devices are heard. */
async function scanning(r: ManagerRig): Promise<void> {
  await r.waitFor((m) => m.type === 'ble-nearby', 'the first nearby list');
  const deadline = Date.now() + 3000;
  while ((await r.f.property('/org/bluez/hci0', 'org.bluez.Adapter1', 'Discovering')) !== true) {
    if (Date.now() > deadline) throw new Error('Discovery never started');
    await new Promise((res) => setTimeout(res, 20));
  }
  await new Promise((res) => setTimeout(res, 150));
}

/** Waits for the cuff's session to subscribe, then the cuff indicates `bytes`; resolves with the 4 observations. */
async function measurement(r: ManagerRig, measurementPath: string, bytes: readonly number[], before: number) {
  await subscribed(r.f, measurementPath);
  expect(await r.f.notify(measurementPath, bytes)).toBe(true);
  await r.waitFor(() => r.observations(CUFF_ID).length >= before + 4, 'the measurement');
  return r.observations(CUFF_ID).slice(before);
}

describe('BleManager over BlueZ: discovery', () => {
  it('lists a cuff advertising 0x1810 with its name while the assistant scans, and attaches it (waiting) once assigned', async () => {
    const r = await start({});
    r.request({ type: 'ble-scan', on: true });
    await scanning(r);
    const { device } = await r.f.addLeDevice(CUFF, cuff('A&D_UA-651', { rssi: -61 }));
    const nearby = await r.waitFor((m) => m.type === 'ble-nearby' && m.devices.some((d) => d.address === CUFF && d.services.includes('1810')), 'the cuff listed');
    expect(nearby.type === 'ble-nearby' && nearby.devices.find((d) => d.address === CUFF)).toMatchObject({
      name: 'A&D_UA-651',
      rssi: -61,
      driver: 'ble-blood-pressure',
      category: 'blood-pressure',
      pairing: 'just-works',
      paired: false,
      assigned: false,
    });
    // Heard, recognised, but not the cabin's: no session.
    expect(r.messages.items.some((m) => m.type === 'attached')).toBe(false);
    expect(await r.f.connectCount(CUFF)).toBe(0);

    r.request(assigned(CUFF, 'ble-blood-pressure'));
    await advertise(r.f, CUFF);
    const attached = await r.waitFor((m) => m.type === 'attached', 'attached');
    expect(attached).toEqual({
      type: 'attached',
      device: {
        id: CUFF_ID,
        driver: 'ble-blood-pressure',
        name: 'Bluetooth blood pressure monitor',
        category: 'blood-pressure',
        transport: 'ble',
        path: `ble:${CUFF}`,
        address: CUFF,
        reason: 'assigned to this cabin as ble-blood-pressure',
        commands: [],
      },
    });
    await r.waitFor(isLink(CUFF_ID, 'connected'), 'connected');
    expect(r.links(CUFF_ID)).toEqual(['waiting', 'connecting', 'connected']);
    expect(r.manager.devices().map((d) => d.id)).toEqual([CUFF_ID]);
    expect(device).toBe(devicePath(CUFF));
    expect(errors(r)).toEqual([]);
  });

  it('in the demo (every device the cabin hears is its own) the advertised 0x1810 alone picks ble-blood-pressure', async () => {
    const r = await start({ assignAll: true });
    await r.f.addLeDevice(CUFF, cuff('Beurer BM57'));
    const attached = await r.waitFor((m) => m.type === 'attached', 'attached');
    expect(attached.type === 'attached' && attached.device).toMatchObject({ id: CUFF_ID, driver: 'ble-blood-pressure', reason: 'BLE service 1810 identifies ble-blood-pressure' });
    expect(r.links(CUFF_ID)[0]).toBe('waiting');
  });

  it('the nearby list keeps the signal strength of a device it heard when BlueZ’s cache is replayed (another pairing restarts the scan)', async () => {
    const r = await start({ before: async (f) => void (await f.addDevice(THERMO, { name: 'FT95', uuids: [fullUuid('1809')] })) });
    r.request({ type: 'ble-scan', on: true });
    await scanning(r);
    await r.f.addLeDevice(CUFF, cuff('A&D_UA-651', { rssi: -61 }));
    const heard = await r.waitFor((m) => m.type === 'ble-nearby' && m.devices.some((d) => d.address === CUFF && d.rssi === -61), 'the cuff heard');
    const seenAt = heard.type === 'ble-nearby' ? heard.devices.find((d) => d.address === CUFF)!.seenAt : 0;
    // Pairing the thermometer restarts discovery, which replays every cached device (not heard now: no RSSI).
    const count = r.messages.items.filter((m) => m.type === 'ble-nearby').length;
    r.request({ type: 'ble-pair', requestId: 't', address: THERMO, driver: 'ble-thermometer' });
    await r.waitFor((m) => m.type === 'ble-pairing' && m.state === 'paired', 'the thermometer paired');
    await r.waitFor(() => r.messages.items.filter((m) => m.type === 'ble-nearby').length > count, 'the list after the pairing');
    const last = r.messages.items.filter((m) => m.type === 'ble-nearby').at(-1);
    // The cuff was heard at -61 dBm and not since: the list still says so, seen when it was heard.
    expect(last?.type === 'ble-nearby' && last.devices.find((d) => d.address === CUFF)).toMatchObject({ rssi: -61, seenAt });
  });
});

describe('BleManager over BlueZ: a cuff’s connection', () => {
  it('connects at the advertisement, reads Device Information, subscribes, and delivers the indicated reading', async () => {
    const r = await start({ requests: [assigned(CUFF, 'ble-blood-pressure')] });
    const { chars } = await r.f.addLeDevice(CUFF, cuff());
    const obs = await measurement(r, chars[MEASUREMENT]!, BP, 0);
    expect(obs.map((o) => [o.code, o.value, o.unit])).toEqual([
      ['MDC_PRESS_BLD_NONINV_SYS', 138, 'mm[Hg]'],
      ['MDC_PRESS_BLD_NONINV_DIA', 88, 'mm[Hg]'],
      ['MDC_PRESS_BLD_NONINV_MEAN', 120, 'mm[Hg]'],
      ['MDC_PULS_RATE_NON_INV', 60, '/min'],
    ]);
    for (const o of obs) {
      // Status 0x27: movement, cuff loose, irregular pulse, improper position; year 0: the cuff's clock is not set.
      expect(o.flags).toEqual(['movement', 'cuff-loose', 'irregular-pulse', 'improper-position']);
      expect(o.deviceClock).toEqual({ state: 'unset' });
      expect(o.measurementId).toBe(obs[0]!.measurementId);
      expect(o.record).toBeUndefined();
    }
    const identity = r.events(CUFF_ID).filter((e) => e.kind === 'identity').at(-1);
    expect(identity).toMatchObject({ kind: 'identity', address: CUFF, manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: '5140700123' });
    // Identity before the reading, and the cuff's reading ends in status ok.
    const kinds = r.events(CUFF_ID).map((e) => e.kind);
    expect(kinds.lastIndexOf('identity')).toBeLessThan(kinds.indexOf('observation'));
    expect(r.events(CUFF_ID).at(-1)).toMatchObject({ kind: 'status', status: 'ok' });
    expect(r.links(CUFF_ID)).toEqual(['waiting', 'connecting', 'connected']);
    expect(await r.f.connectCount(CUFF)).toBe(1);
    expect(errors(r)).toEqual([]);
  });

  it('the cuff leaving (Connected false, then removed by BlueZ) leaves it waiting without an error; it reconnects when it advertises again', async () => {
    const r = await start({ requests: [assigned(CUFF, 'ble-blood-pressure')] });
    let { chars } = await r.f.addLeDevice(CUFF, cuff());
    await measurement(r, chars[MEASUREMENT]!, BP, 0);

    // The cuff ends the connection after sending: waiting, "done" (it measured), not an error.
    await r.f.dropConnection(CUFF);
    await r.waitFor(isLink(CUFF_ID, 'waiting', 'done'), 'waiting after the drop');
    await new Promise((res) => setTimeout(res, 200));
    expect(r.links(CUFF_ID)).toEqual(['waiting', 'connecting', 'connected', 'waiting:done']);
    expect(await r.f.connectCount(CUFF)).toBe(1);

    // Its next advertisement: connected again, and its next reading delivered.
    await advertise(r.f, CUFF);
    const second = [...BP];
    second[1] = 0x8c; // 140 mmHg
    const obs = await measurement(r, chars[MEASUREMENT]!, second, 4);
    expect(obs[0]).toMatchObject({ code: 'MDC_PRESS_BLD_NONINV_SYS', value: 140 });
    expect(await r.f.connectCount(CUFF)).toBe(2);

    // bluetoothd forgets it while connected (InterfacesRemoved): waiting, no error, still attached.
    await r.f.removeDevice(devicePath(CUFF));
    await r.waitFor(() => r.links(CUFF_ID).length === 7, 'waiting after the removal');
    expect(r.links(CUFF_ID).slice(4)).toEqual(['connecting', 'connected', 'waiting:done']);
    expect(await r.f.paths()).not.toContain(devicePath(CUFF));
    expect(r.manager.devices().map((d) => d.id)).toEqual([CUFF_ID]);

    // Discovered again: a new BlueZ object, connected at its first advertisement.
    ({ chars } = await r.f.addLeDevice(CUFF, cuff()));
    const third = [...BP];
    third[1] = 0x8e; // 142 mmHg
    expect((await measurement(r, chars[MEASUREMENT]!, third, 8))[0]).toMatchObject({ value: 142 });
    expect(r.links(CUFF_ID).slice(7)).toEqual(['connecting', 'connected']);
    expect(r.messages.items.filter((m) => m.type === 'attached' || m.type === 'detached')).toHaveLength(1);
    expect(errors(r)).toEqual([]);
  });

  it('a bonded cuff known at start is not connected from the cache; when BlueZ connects it by itself the manager takes the link', async () => {
    let measurementPath = '';
    const r = await start({
      requests: [assigned(CUFF, 'ble-blood-pressure')],
      before: async (f: FakeBluez) => {
        measurementPath = (await f.addLeDevice(CUFF, cuff('A&D_UA-651', { paired: true }))).chars[MEASUREMENT]!;
      },
    });
    // Replayed from BlueZ's cache: attached and waiting, no Connect (it is not advertising).
    await r.waitFor((m) => m.type === 'attached', 'attached from the cache');
    await new Promise((res) => setTimeout(res, 300));
    expect(r.links(CUFF_ID)).toEqual(['waiting']);

    // bluetoothd reconnects the bonded cuff on its own (its advertisement went to the kernel's accept list, not to us).
    await r.f.updateDevice(devicePath(CUFF), { Connected: new Variant('b', true) });
    await r.f.updateDevice(devicePath(CUFF), { ServicesResolved: new Variant('b', true) });
    const obs = await measurement(r, measurementPath, BP, 0);
    expect(obs.map((o) => o.value)).toEqual([138, 88, 120, 60]);
    expect(r.links(CUFF_ID)).toEqual(['waiting', 'connecting', 'connected']);
    // The fake's Connect never made a connection: BlueZ had it already.
    expect(await r.f.connectCount(CUFF)).toBe(0);
    await r.f.dropConnection(CUFF);
    await r.waitFor(isLink(CUFF_ID, 'waiting', 'done'), 'waiting after the drop');
    expect(errors(r)).toEqual([]);
  });
});

describe('BleManager over BlueZ: pairing from the assistant’s panel', () => {
  it('ble-pair bonds the cuff, which is then assigned and connected when it advertises; ble-forget removes only it', async () => {
    const r = await start({
      requests: [assigned(THERMO, 'ble-thermometer')],
      before: async (f) => {
        await f.addLeDevice(THERMO, { name: 'FT95', uuids: [fullUuid('1809')], paired: true, gatt: [{ uuid: fullUuid('1809'), characteristics: [{ uuid: fullUuid('2a1c'), flags: ['indicate'] }] }] });
      },
    });
    r.request({ type: 'ble-scan', on: true });
    const { chars } = await r.f.addLeDevice(CUFF, cuff('BLEsmart_00000398EC21E5'));
    await r.waitFor((m) => m.type === 'ble-nearby' && m.devices.some((d) => d.address === CUFF), 'the cuff listed');
    expect(r.messages.items.some((m) => m.type === 'attached' && m.device.address === CUFF)).toBe(false);

    r.request({ type: 'ble-pair', requestId: 'p1', address: CUFF, driver: 'ble-blood-pressure' });
    await r.waitFor((m) => m.type === 'ble-pairing' && m.state !== 'pairing', 'the pairing result');
    expect(r.messages.items.flatMap((m) => (m.type === 'ble-pairing' ? [`${m.requestId}:${m.state}${m.detail ? `:${m.detail}` : ''}`] : []))).toEqual(['p1:pairing', 'p1:paired']);
    expect(await r.f.property(devicePath(CUFF), 'org.bluez.Device1', 'Paired')).toBe(true);
    expect(await r.f.property(devicePath(CUFF), 'org.bluez.Device1', 'Trusted')).toBe(true);
    expect(r.f.log()).toMatch(/Pair/);

    // Assigned by the pairing itself: its next advertisement connects it, and its reading comes.
    await advertise(r.f, CUFF);
    const obs = await measurement(r, chars[MEASUREMENT]!, BP, 0);
    expect(obs[0]).toMatchObject({ value: 138 });
    const attached = r.messages.items.find((m) => m.type === 'attached' && m.device.address === CUFF);
    expect(attached?.type === 'attached' && attached.device).toMatchObject({ driver: 'ble-blood-pressure', reason: 'assigned to this cabin as ble-blood-pressure' });
    // The panel's list says so too (published a moment after the pairing).
    await r.waitFor((m) => m.type === 'ble-nearby' && m.devices.some((d) => d.address === CUFF && d.paired && d.assigned && d.driver === 'ble-blood-pressure'), 'the cuff listed as paired and assigned');

    const before = await r.f.paths();
    r.request({ type: 'ble-forget', requestId: 'f1', address: CUFF });
    await r.waitFor((m) => m.type === 'ble-pairing' && m.requestId === 'f1', 'the forget result');
    expect(r.messages.items.find((m) => m.type === 'ble-pairing' && m.requestId === 'f1')).toMatchObject({ state: 'forgotten', address: CUFF });
    expect(r.messages.items.find((m) => m.type === 'detached')).toEqual({ type: 'detached', deviceId: CUFF_ID, reason: 'forgotten' });
    const after = await r.f.paths();
    // Exactly the cuff and its GATT objects went; the thermometer and the adapter stay.
    expect(before.filter((p) => !after.includes(p))).toEqual(before.filter((p) => p.startsWith(devicePath(CUFF))));
    expect(after).toContain(devicePath(THERMO));
    expect(after.some((p) => p.startsWith(`${devicePath(THERMO)}/`))).toBe(true);
    expect(r.manager.devices().map((d) => d.address)).toEqual([THERMO]);
    expect(errors(r)).toEqual([]);
  });

  it('a passkey meter: ble-pair without the code says passkey-needed, with the code it pairs', async () => {
    const METER = 'C0:FF:EE:18:08:01';
    const r = await start({});
    await r.f.addLeDevice(METER, { name: 'Contour7830H6612345', uuids: [fullUuid('1808')], gatt: [] });
    await r.f.setPairing(METER, 'passkey', 123456);
    r.request({ type: 'ble-pair', requestId: 'a', address: METER, driver: 'ble-glucose' });
    await r.waitFor((m) => m.type === 'ble-pairing' && m.requestId === 'a' && m.state !== 'pairing', 'the first result');
    r.request({ type: 'ble-pair', requestId: 'b', address: METER, driver: 'ble-glucose', passkey: '123456' });
    await r.waitFor((m) => m.type === 'ble-pairing' && m.requestId === 'b' && m.state !== 'pairing', 'the second result');
    expect(r.messages.items.flatMap((m) => (m.type === 'ble-pairing' ? [`${m.requestId}:${m.state}`] : []))).toEqual(['a:pairing', 'a:passkey-needed', 'b:pairing', 'b:paired']);
    expect(await r.f.property(devicePath(METER), 'org.bluez.Device1', 'Paired')).toBe(true);
  });
});
