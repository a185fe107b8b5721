/**
 * BluezCentral against a fake bluetoothd (python-dbusmock on a private dbus-daemon, test/helpers/fake-bluez).
 * Each test starts its own bus and fake, and stops them. What the fake cannot prove: radio timing, ATT errors
 * of real devices, bluetoothd's cache and bonding keys.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Variant } from 'dbus-next';
import { BluezCentral } from '../../../src/devices/ble/bluez/central.ts';
import type { Advertisement, BleConnection } from '../../../src/devices/ble/central.ts';
import { DeviceError } from '../../../src/devices/transports/transport.ts';
import { startFakeBluez, type FakeBluez } from '../../helpers/fake-bluez/index.ts';
import { Events } from '../../helpers/fake-bluez/events.ts';

const CUFF = 'A4:C1:38:00:11:22';
const OTHER = 'A4:C1:38:00:33:44';
const full = (u: string): string => `0000${u}-0000-1000-8000-00805f9b34fb`;
/** Blood Pressure Measurement with time stamp and pulse (ble-fhir.md §B1): 120/80 mmHg… as the cuff indicates it. */
const BP = [0x1e, 0x8a, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3b, 0x3c, 0x00, 0x01, 0x27, 0x00];
const MANUFACTURER = [...Buffer.from('A&D Medical')];
const TIME = [0xea, 0x07, 0x0c, 0x06, 0x14, 0x05, 0x00, 0x07, 0x00, 0x00];

let fake: FakeBluez | undefined;
let central: BluezCentral | undefined;
let warnings: string[] = [];

afterEach(async () => {
  await central?.stop();
  central = undefined;
  await fake?.stop();
  fake = undefined;
});

async function setUp(): Promise<FakeBluez> {
  fake = await startFakeBluez();
  await fake.addAdapter();
  return fake;
}

/** A cuff with Device Information, Blood Pressure and Current Time, as an A&D UA-651BLE exposes them. */
async function addCuff(f: FakeBluez, address = CUFF, extra: { paired?: boolean } = {}) {
  const device = await f.addDevice(address, { name: 'A&D_UA-651', uuids: [full('1810')], rssi: -60, ...extra });
  const dis = await f.addService(device, full('180a'));
  const manufacturer = await f.addCharacteristic(dis, full('2a29'), ['read'], MANUFACTURER);
  const bp = await f.addService(device, full('1810'));
  const measurement = await f.addCharacteristic(bp, full('2a35'), ['indicate']);
  const feature = await f.addCharacteristic(bp, full('2a49'), ['read'], [0x00, 0x00]);
  const cts = await f.addService(device, full('1805'));
  const time = await f.addCharacteristic(cts, full('2a2b'), ['read', 'write', 'notify'], TIME);
  const vendor = await f.addCharacteristic(cts, '233BF000-5A34-1B6D-975C-000D5690ABE4', ['write-without-response']);
  return { device, manufacturer, measurement, feature, time, vendor };
}

async function started(f: FakeBluez, ads?: Events<Advertisement>): Promise<BluezCentral> {
  warnings = [];
  central = new BluezCentral({ busAddress: f.address, onWarning: (m) => warnings.push(m) });
  if (ads) central.onAdvertisement(ads.push);
  await central.start();
  return central;
}

describe('BluezCentral: start', () => {
  it('rejects with a sentence when BlueZ has no adapter', async () => {
    fake = await startFakeBluez();
    central = new BluezCentral({ busAddress: fake.address });
    await expect(central.start()).rejects.toThrow('No Bluetooth adapter: is bluetoothd running and an adapter plugged in?');
    await expect(central.scan(true)).rejects.toThrow(/Bluetooth is not started/);
  });

  it('rejects with a sentence when bluetoothd is not running', async () => {
    fake = await startFakeBluez({ bluetoothd: false });
    central = new BluezCentral({ busAddress: fake.address });
    const err = await central.start().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceError);
    expect((err as Error).message).toBe("No Bluetooth adapter: bluetoothd is not running. Start it with 'systemctl start bluetooth' (package bluez).");
  });

  it('rejects with a sentence when the system bus cannot be reached', async () => {
    central = new BluezCentral({ busAddress: 'unix:path=/nonexistent/cabin-no-bus' });
    await expect(central.start()).rejects.toThrow(/^No Bluetooth: cannot reach the system D-Bus at unix:path=\/nonexistent\/cabin-no-bus .*Is the D-Bus system bus running\?$/);
  });

  it('switches a powered-off adapter on', async () => {
    const f = await setUp();
    await f.setAdapterPowered(false);
    await started(f);
    expect(await f.property('/org/bluez/hci0', 'org.bluez.Adapter1', 'Powered')).toBe(true);
  });
});

describe('BluezCentral: advertisements', () => {
  it('reports an advertising blood-pressure cuff (0x1810) found by a scan, and stops scanning', async () => {
    const f = await setUp();
    const ads = new Events<Advertisement>();
    const c = await started(f, ads);
    await c.scan(true);
    expect(await f.property('/org/bluez/hci0', 'org.bluez.Adapter1', 'Discovering')).toBe(true);
    expect(f.log()).toMatch(/SetDiscoveryFilter .*"Transport": "le"/);
    await f.addDevice(CUFF, { name: 'A&D_UA-651', uuids: [full('1810'), full('180a')], rssi: -58 });
    const ad = await ads.waitFor((a) => a.address === CUFF && a.services.includes('1810'), 3000, 'the cuff');
    expect(ad).toEqual({ address: CUFF, name: 'A&D_UA-651', rssi: -58, services: ['1810', '180a'], paired: false, connected: false });
    // A later advertisement (bluetoothd updates RSSI) is reported again with the new value.
    await f.updateDevice(`/org/bluez/hci0/dev_${CUFF.replace(/:/g, '_')}`, { RSSI: new Variant('n', -41) });
    expect((await ads.waitFor((a) => a.rssi === -41)).services).toEqual(['1810', '180a']);
    await c.scan(false);
    expect(await f.property('/org/bluez/hci0', 'org.bluez.Adapter1', 'Discovering')).toBe(false);
    await c.scan(false); // already off: not an error
  });

  it('replays a bonded device BlueZ already knows when it starts', async () => {
    const f = await setUp();
    await f.addDevice(CUFF, { name: 'BLESmart_0000', uuids: [full('1810')], paired: true, rssi: -50 });
    const ads = new Events<Advertisement>();
    await started(f, ads);
    const ad = await ads.waitFor((a) => a.address === CUFF, 1000, 'the bonded cuff');
    // Replayed from BlueZ's cache: bonded, but not heard now (no signal strength), though BlueZ kept an old RSSI.
    expect(ad).toEqual({ address: CUFF, name: 'BLESmart_0000', rssi: undefined, services: ['1810'], paired: true, connected: false });
  });

  it('does not take a nameless device’s alias (its address) for a name, and survives malformed properties', async () => {
    const f = await setUp();
    const ads = new Events<Advertisement>();
    const throwing = new Events<Advertisement>();
    const c = await started(f, ads);
    c.onAdvertisement((a) => {
      throwing.push(a);
      throw new Error('a consumer bug');
    });
    const path = await f.addDevice(OTHER, { name: 'A4-C1-38-00-33-44' });
    await f.updateDevice(path, { Name: new Variant('u', 7), RSSI: new Variant('s', 'loud'), UUIDs: new Variant('as', ['not-a-uuid', full('1822')]) });
    const ad = await ads.waitFor((a) => a.address === OTHER && a.services.length === 1);
    expect(ad).toEqual({ address: OTHER, name: undefined, rssi: undefined, services: ['1822'], paired: false, connected: false });
    expect(throwing.items.length).toBeGreaterThan(0);
    expect(warnings[0]).toBe('BlueZ central: a callback failed: a consumer bug');
    // Still listening after the throwing consumer and the bad values.
    await f.updateDevice(path, { RSSI: new Variant('n', -70) });
    await ads.waitFor((a) => a.rssi === -70);
    // A change that is not an advertisement (bonded now) is reported without a signal strength.
    await f.updateDevice(path, { Paired: new Variant('b', true) });
    expect(await ads.waitFor((a) => a.paired)).toMatchObject({ address: OTHER, rssi: undefined });
  });
});

describe('BluezCentral: a connection', () => {
  it('connects, resolves services and lists every characteristic with normalised UUIDs', async () => {
    const f = await setUp();
    await addCuff(f);
    const c = await started(f);
    const conn = await c.connect(CUFF.toLowerCase(), 3000);
    expect(conn.address).toBe(CUFF);
    expect(conn.characteristics()).toEqual([
      { service: '180a', characteristic: '2a29', flags: ['read'] },
      { service: '1810', characteristic: '2a35', flags: ['indicate'] },
      { service: '1810', characteristic: '2a49', flags: ['read'] },
      { service: '1805', characteristic: '2a2b', flags: ['read', 'write', 'notify'] },
      { service: '1805', characteristic: '233bf000-5a34-1b6d-975c-000d5690abe4', flags: ['write-without-response'] },
    ]);
    expect(await f.property(`/org/bluez/hci0/dev_${CUFF.replace(/:/g, '_')}`, 'org.bluez.Device1', 'Connected')).toBe(true);
    expect(await c.connect(CUFF, 3000)).toBe(conn);
    expect(await f.connectCount(CUFF)).toBe(1);
    // Two callers at once share one attempt.
    await conn.disconnect();
    const [a, b] = await Promise.all([c.connect(CUFF, 3000), c.connect(CUFF, 3000)]);
    expect(a).toBe(b);
    expect(await f.connectCount(CUFF)).toBe(2);
  });

  it('reads the Device Information manufacturer string, and says why other reads fail', async () => {
    const f = await setUp();
    await addCuff(f);
    const conn = await (await started(f)).connect(CUFF, 3000);
    expect(Buffer.from(await conn.read('0x180A', '00002A29-0000-1000-8000-00805F9B34FB')).toString()).toBe('A&D Medical');
    await expect(conn.read('1810', '2a35')).rejects.toMatchObject({ code: 'unsupported', message: `Bluetooth device ${CUFF} does not permit reading 2a35: its driver asks for something this model does not allow.` });
    await expect(conn.read('1809', '2a1c')).rejects.toMatchObject({ code: 'unsupported', message: expect.stringMatching(/has no characteristic 2a1c in service 1809/) });
  });

  it('delivers an indication with the exact bytes once subscribed, and only then', async () => {
    const f = await setUp();
    const { measurement, time, feature } = await addCuff(f);
    const c = await started(f);
    const t0 = performance.now();
    const conn = await c.connect(CUFF, 3000);
    const values = new Events<{ service: string; characteristic: string; bytes: number[] }>();
    conn.onValue((service, characteristic, bytes) => values.push({ service, characteristic, bytes: [...bytes] }));
    expect(await f.notify(measurement, [1, 2, 3])).toBe(false); // no StartNotify yet: the device sends nothing
    await conn.subscribe('1810', '2a35');
    expect(await f.notify(measurement, BP)).toBe(true);
    const v = await values.waitFor();
    const ms = performance.now() - t0;
    expect(v).toEqual({ service: '1810', characteristic: '2a35', bytes: BP });
    console.info(`fake BlueZ: connect → first indication ${ms.toFixed(1)} ms`);
    // bluetoothd signals a read's value as a Value change: that is not a notification, subscribed or not.
    await conn.subscribe('1805', '2a2b');
    expect(await conn.read('1805', '2a2b')).toEqual(Uint8Array.from(TIME));
    await conn.read('1810', '2a49');
    expect(f.log()).toMatch(/PropertiesChanged "org.bluez.GattCharacteristic1" \{"Value": \[0, 0\]\}/);
    await f.setValue(feature, [9, 9]); // another program's read: not subscribed here, not a value for us
    await f.notify(time, [0xeb, 0x07]);
    await f.notify(measurement, [0x1e, 0x00]);
    await values.waitFor((x) => x.bytes.length === 2 && x.characteristic === '2a35');
    expect(values.items.map((x) => `${x.characteristic} ${x.bytes.length}`)).toEqual(['2a35 19', '2a2b 2', '2a35 2']);
    await expect(conn.subscribe('180a', '2a29')).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('writes with and without response, and the device receives the bytes', async () => {
    const f = await setUp();
    const { time, vendor, manufacturer } = await addCuff(f);
    const conn = await (await started(f)).connect(CUFF, 3000);
    await conn.write('1805', '2a2b', Uint8Array.from(TIME), true);
    await conn.write('1805', '233BF000-5A34-1B6D-975C-000D5690ABE4', Uint8Array.of(0x01, 0x02), false);
    expect(await f.written(time)).toEqual([{ bytes: TIME, type: 'request' }]);
    expect(await f.written(vendor)).toEqual([{ bytes: [1, 2], type: 'command' }]);
    await expect(conn.write('180a', '2a29', Uint8Array.of(0), true)).rejects.toMatchObject({ code: 'unsupported' });
    expect(await f.written(manufacturer)).toEqual([]);
  });

  it('reports the device leaving, reconnects, and reports BlueZ forgetting it', async () => {
    const f = await setUp();
    const { device } = await addCuff(f);
    const c = await started(f);
    const gone = new Events<string>();
    c.onGone(gone.push);
    const first = await c.connect(CUFF, 3000);
    const lost = new Events<string>();
    first.onDisconnect(lost.push);
    await f.dropConnection(CUFF);
    expect(await lost.waitFor()).toBe('the device ended the connection');
    await expect(first.read('180a', '2a29')).rejects.toMatchObject({ code: 'lost' });

    const second: BleConnection = await c.connect(CUFF, 3000);
    expect(second).not.toBe(first);
    expect(await f.connectCount(CUFF)).toBe(2);
    expect(Buffer.from(await second.read('180a', '2a29')).toString()).toBe('A&D Medical');
    const lost2 = new Events<string>();
    second.onDisconnect(lost2.push);
    await f.removeDevice(device);
    expect(await gone.waitFor()).toBe(CUFF);
    expect(await lost2.waitFor()).toBe('BlueZ removed the device');
    expect(lost.items).toHaveLength(1);
    await expect(c.connect(CUFF, 1000)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('does not call onDisconnect for its own disconnect()', async () => {
    const f = await setUp();
    const { device } = await addCuff(f);
    const conn = await (await started(f)).connect(CUFF, 3000);
    const lost = new Events<string>();
    conn.onDisconnect(lost.push);
    await conn.disconnect();
    expect(await f.property(device, 'org.bluez.Device1', 'Connected')).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(lost.items).toEqual([]);
  });

  it('turns a failed Connect into a DeviceError a person can act on', async () => {
    const f = await setUp();
    await addCuff(f);
    const c = await started(f);
    await f.setConnectError(CUFF, 'Failed');
    await expect(c.connect(CUFF, 3000)).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/^Bluetooth device A4:C1:38:00:11:22 did not answer \(connecting: le-connection-abort-by-local\)/) });
    await f.setConnectError(CUFF, 'InProgress');
    await expect(c.connect(CUFF, 3000)).rejects.toMatchObject({ code: 'busy' });
    await f.setConnectError(CUFF, 'NotAuthorized');
    await expect(c.connect(CUFF, 3000)).rejects.toMatchObject({ code: 'permission', message: expect.stringMatching(/needs pairing/) });
    await expect(c.connect('00:00:00:00:00:01', 3000)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('gives up when the services do not resolve in time, and drops the half-open connection', async () => {
    const f = await setUp();
    const { device } = await addCuff(f);
    const c = await started(f);
    await f.setStalls(CUFF, true);
    const t0 = Date.now();
    await expect(c.connect(CUFF, 400)).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/did not answer \(reading its services\)/) });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await f.property(device, 'org.bluez.Device1', 'Connected')).toBe(false);
    await f.setStalls(CUFF, false);
    expect((await c.connect(CUFF, 3000)).characteristics()).toHaveLength(5);
  });
});

describe('BluezCentral: bluetoothd and the adapter come and go', () => {
  it('ends connections and forgets devices when bluetoothd stops, and takes the new one when it comes back', async () => {
    const f = await setUp();
    await addCuff(f);
    const ads = new Events<Advertisement>();
    const c = await started(f, ads);
    const gone = new Events<string>();
    c.onGone(gone.push);
    const lost = new Events<string>();
    (await c.connect(CUFF, 3000)).onDisconnect(lost.push);
    await f.restartBluetoothd();
    expect(await lost.waitFor()).toBe('bluetoothd stopped');
    expect(await gone.waitFor()).toBe(CUFF);
    await expect(c.connect(CUFF, 1000)).rejects.toMatchObject({ code: 'not-found' });
    // The new bluetoothd: its adapter appears, then the bonded cuff from its cache; the agent is registered again.
    ads.clear();
    await f.addAdapter();
    await addCuff(f, CUFF, { paired: true });
    await ads.waitFor((a) => a.address === CUFF && a.paired, 3000, 'the bonded cuff again');
    for (let i = 0; i < 40 && Object.keys(await f.agents()).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(Object.values(await f.agents())).toEqual(['KeyboardDisplay']);
    const conn = await c.connect(CUFF, 3000);
    expect(Buffer.from(await conn.read('180a', '2a29')).toString()).toBe('A&D Medical');
  });

  it('ends connections and forgets devices when the adapter is unplugged', async () => {
    const f = await setUp();
    await addCuff(f);
    const c = await started(f);
    const gone = new Events<string>();
    c.onGone(gone.push);
    const lost = new Events<string>();
    (await c.connect(CUFF, 3000)).onDisconnect(lost.push);
    await f.removeAdapter();
    expect(await lost.waitFor()).toBe('the Bluetooth adapter was removed');
    expect(await gone.waitFor()).toBe(CUFF);
    await expect(c.scan(true)).rejects.toThrow('No Bluetooth adapter (scanning): is bluetoothd running and an adapter plugged in?');
  });
});

describe('BluezCentral: forget and stop', () => {
  it('forget() removes exactly that device and its GATT objects', async () => {
    const f = await setUp();
    const cuff = await addCuff(f);
    const other = await addCuff(f, OTHER);
    const c = await started(f);
    const gone = new Events<string>();
    c.onGone(gone.push);
    await c.connect(CUFF, 3000);
    const before = await f.paths();
    await c.forget(CUFF.toLowerCase());
    expect(await gone.waitFor()).toBe(CUFF);
    const after = await f.paths();
    expect(before.filter((p) => !after.includes(p)).every((p) => p.startsWith(cuff.device))).toBe(true);
    expect(after.some((p) => p.startsWith(cuff.device))).toBe(false);
    expect(after.filter((p) => p.startsWith(other.device))).toHaveLength(9);
    expect(f.log().match(/RemoveDevice/g)).toHaveLength(1);
    await c.forget(CUFF); // unknown now: nothing to do
    expect(gone.items).toEqual([CUFF]);
  });

  it('stop() disconnects, unregisters its agent and leaves no match or connection behind', async () => {
    const f = await setUp();
    const { device } = await addCuff(f);
    const c = await started(f);
    expect(Object.values(await f.agents())).toEqual(['KeyboardDisplay']);
    await c.connect(CUFF, 3000);
    await c.scan(true);
    await c.stop();
    central = undefined;
    expect(await f.agents()).toEqual({});
    expect(await f.property(device, 'org.bluez.Device1', 'Connected')).toBe(false);
    expect(await f.property('/org/bluez/hci0', 'org.bluez.Adapter1', 'Discovering')).toBe(false);
    await c.stop(); // twice: harmless
  });
});
