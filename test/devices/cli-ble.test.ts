import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Variant } from 'dbus-next';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceEventSchema, type DeviceEvent } from '../../src/shared/device-event.ts';
import { eventLines, expectCleanError, startCli, stopClis, type CliRun, type StartedCli } from '../helpers/cli.ts';
import { startFakeBluez, type FakeBluez } from '../helpers/fake-bluez/index.ts';
import { ptyPair, type PtyPair } from '../helpers/socat.ts';

/**
 * `cabin-devices` list / watch / capture / simulate of Bluetooth LE devices, run as a user runs them (child processes)
 * against a fake bluetoothd (python3-dbusmock on a private bus, test/helpers/fake-bluez) given as
 * DBUS_SYSTEM_BUS_ADDRESS. What the fake cannot prove: radio timing, real bonding, bluetoothd's cache.
 */

const fakes: FakeBluez[] = [];
const pairs: PtyPair[] = [];
afterEach(async () => {
  await stopClis();
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
  await Promise.all(pairs.splice(0).map((p) => p.stop()));
});

const NO_BUS = 'unix:path=/nonexistent/cabin-no-bus';

/** The CLI against the bluetoothd at `bus`. */
const start = (args: string[], bus: string): StartedCli => startCli(args, { env: { DBUS_SYSTEM_BUS_ADDRESS: bus } });
const cli = (args: string[], bus: string): Promise<CliRun> => start(args, bus).done;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'cabin-cli-ble-'));
const full = (u: string): string => `0000${u}-0000-1000-8000-00805f9b34fb`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fakeBluez(): Promise<FakeBluez> {
  const f = await startFakeBluez();
  fakes.push(f);
  await f.addAdapter();
  return f;
}

const CUFF = 'A4:C1:38:00:11:22';
const devicePath = (address: string): string => `/org/bluez/hci0/dev_${address.replace(/:/g, '_')}`;
/** ble-fhir.md §B1: 138/88/120 mmHg, pulse 60. */
const BPM = [0x1e, 0x8a, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3b, 0x3c, 0x00, 0x01, 0x27, 0x00];
const MANUFACTURER = [...Buffer.from('A&D Medical')];

/** A cuff with Device Information and Blood Pressure (an A&D UA-651BLE's layout). */
async function addCuff(f: FakeBluez): Promise<{ measurement: string }> {
  const device = await f.addDevice(CUFF, { name: 'A&D_UA-651', uuids: [full('1810')] });
  const dis = await f.addService(device, full('180a'));
  await f.addCharacteristic(dis, full('2a29'), ['read'], MANUFACTURER);
  const bp = await f.addService(device, full('1810'));
  const measurement = await f.addCharacteristic(bp, full('2a35'), ['indicate']);
  await f.addCharacteristic(bp, full('2a49'), ['read'], [0x00, 0x00]);
  return { measurement };
}

/** The cuff advertises (BlueZ updates RSSI) until the CLI has subscribed to its measurements, then indicates one. */
async function cuffMeasures(f: FakeBluez, measurement: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (await f.notify(measurement, BPM)) return;
    if (Date.now() > deadline) throw new Error('the CLI never subscribed to the cuff’s measurements');
    if (i % 10 === 0) await f.updateDevice(devicePath(CUFF), { RSSI: new Variant('n', -60 - (i % 7)) });
    await sleep(100);
  }
}

const events = (stdout: string): DeviceEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; event?: unknown })
    .filter((m) => m.type === 'event')
    .map((m) => DeviceEventSchema.parse(m.event));

// Child processes against a D-Bus fake: generous deadlines for a loaded machine.
describe('cabin-devices and Bluetooth LE', { timeout: 240_000 }, () => {
  it('list without Bluetooth: the serial list still works, then one line saying why; JSON too', async () => {
    const p = await ptyPair();
    pairs.push(p);
    const cfg = join(tmp(), 'cabin.json');
    writeFileSync(cfg, JSON.stringify({ devices: { ports: [{ path: p.b, driver: 'masimo-ascii' }] } }));
    const text = await cli(['list', '--config', cfg, '--seconds', '1'], NO_BUS);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${p.b}\\t.*masimo-ascii`));
    expect(lines.filter((l) => /Bluetooth/.test(l))).toEqual([expect.stringMatching(/^Bluetooth LE not available: No Bluetooth: cannot reach the system D-Bus at unix:path=\/nonexistent/)]);
    expect(lines).toHaveLength(2);
    const json = await cli(['list', '--json', '--config', cfg, '--seconds', '1'], NO_BUS);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { ports: { path: string; driver: string }[]; bluetooth: { available: boolean; detail: string } };
    expect(out.ports.find((r) => r.path === p.b)).toMatchObject({ driver: 'masimo-ascii' });
    expect(out.bluetooth).toEqual({ available: false, detail: expect.stringMatching(/^No Bluetooth: cannot reach/) });
  });

  it('list: the BLE devices heard in the scan, with the driver each would get and why, signal and pairing', async () => {
    const f = await fakeBluez();
    // Known to BlueZ before the scan (bonded), not heard during it.
    await f.addDevice('D0:5F:B8:12:34:56', { name: 'FT95', uuids: [full('1809')], paired: true });
    const run = start(['list', '--json', '--seconds', '3'], f.address);
    await run.stderrShows('scanning for Bluetooth LE devices');
    // Recognised by its service (the name matches no driver's name rule).
    await f.addDevice(CUFF, { name: 'BM57', uuids: [full('1810'), full('180a')], rssi: -58 });
    await f.addDevice('00:A0:50:11:22:33', { name: 'BerryMed', rssi: -71 });
    await f.addDevice('11:22:33:44:55:66', { name: 'Headset', uuids: [full('180f')], rssi: -80 });
    const r = await run.done;
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { bluetooth: { available: true; seconds: number; devices: Record<string, unknown>[] } };
    expect(out.bluetooth.available).toBe(true);
    const by = (a: string) => out.bluetooth.devices.find((d) => d.address === a);
    expect(by(CUFF)).toMatchObject({ name: 'BM57', rssi: -58, paired: false, driver: 'ble-blood-pressure', reason: 'BLE service 1810 identifies ble-blood-pressure' });
    expect(by('00:A0:50:11:22:33')).toMatchObject({ rssi: -71, driver: 'berrymed-bci', reason: "BLE name 'BerryMed' identifies berrymed-bci" });
    expect(by('11:22:33:44:55:66')).toMatchObject({ driver: null, reason: expect.stringMatching(/180f match no driver/) });
    expect(by('D0:5F:B8:12:34:56')).toMatchObject({ rssi: null, paired: true, driver: 'ble-thermometer' });
    // Strongest first; the one not heard last.
    expect(out.bluetooth.devices.map((d) => d.address)).toEqual([CUFF, '00:A0:50:11:22:33', '11:22:33:44:55:66', 'D0:5F:B8:12:34:56']);
    // As text: one line per device (all already known now, so one is made heard again).
    const again = start(['list', '--seconds', '2'], f.address);
    await again.stderrShows('scanning for Bluetooth LE devices');
    await f.updateDevice(devicePath(CUFF), { RSSI: new Variant('n', -49) });
    const t = await again.done;
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^ble:A4:C1:38:00:11:22\tBM57\t-49 dBm\tnot paired\tble-blood-pressure\tBLE service 1810 identifies ble-blood-pressure$/m);
    expect(t.stdout).toMatch(/^ble:D0:5F:B8:12:34:56\tFT95\tnot heard\tpaired\tble-thermometer\t/m);
  });

  it('capture → decode through the fake BlueZ: the cuff’s reads and its measurement, one JSON line each, decoded back', async () => {
    const f = await fakeBluez();
    const { measurement } = await addCuff(f);
    const out = join(tmp(), 'cuff.jsonl');
    const cap = start(['capture', '--driver', 'ble-blood-pressure', '--out', out, '--address', CUFF.toLowerCase()], f.address);
    await cap.stderrShows('capturing A4:C1:38:00:11:22');
    const before = Date.now();
    await cuffMeasures(f, measurement);
    await sleep(500);
    cap.child.kill('SIGINT');
    const c = await cap.done;
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/captured \d+ values/);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual({ t: expect.any(Number), service: '180a', characteristic: '2a29', value: Buffer.from(MANUFACTURER).toString('hex'), via: 'read', address: CUFF });
    expect(lines).toContainEqual({ t: expect.any(Number), service: '1810', characteristic: '2a49', value: '0000', via: 'read', address: CUFF });
    const m = lines.find((l) => l.characteristic === '2a35');
    expect(m).toEqual({ t: expect.any(Number), service: '1810', characteristic: '2a35', value: Buffer.from(BPM).toString('hex'), via: 'indicate', address: CUFF });
    expect(Math.abs((m!.t as number) - before)).toBeLessThan(60_000);
    const d = await cli(['decode', '--driver', 'ble-blood-pressure', '--utc-offset', '0', out], NO_BUS);
    expect(d.code).toBe(0);
    const ev = eventLines(d.stdout);
    // The device's address from the file, its manufacturer from the read Device Information.
    expect(ev.find((e) => e.kind === 'identity')).toMatchObject({ address: CUFF });
    expect(ev.some((e) => e.kind === 'identity' && e.manufacturer === 'A&D Medical')).toBe(true);
    const values = ev.flatMap((e) => (e.kind === 'observation' ? [[e.code, e.value]] : []));
    expect(values).toEqual([
      ['MDC_PRESS_BLD_NONINV_SYS', 138],
      ['MDC_PRESS_BLD_NONINV_DIA', 88],
      ['MDC_PRESS_BLD_NONINV_MEAN', 120],
      ['MDC_PULS_RATE_NON_INV', 60],
    ]);
  });

  it('watch --driver: connects the cuff as it advertises and prints its decoded reading', async () => {
    const f = await fakeBluez();
    const { measurement } = await addCuff(f);
    // Another cuff in range with --address naming the first: never connected.
    await f.addDevice('A4:C1:38:00:99:99', { name: 'A&D_UA-651', uuids: [full('1810')] });
    const w = start(['watch', '--driver', 'ble-blood-pressure', '--address', CUFF], f.address);
    await w.stderrShows('watching for ble-blood-pressure devices');
    await f.updateDevice(devicePath('A4:C1:38:00:99:99'), { RSSI: new Variant('n', -50) });
    await cuffMeasures(f, measurement);
    await sleep(500);
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.code).toBe(0);
    const messages = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; device?: { id: string; driver: string; address?: string } });
    expect(messages[0]).toMatchObject({ type: 'attached', device: { driver: 'ble-blood-pressure', address: CUFF } });
    expect(messages.filter((m) => m.type === 'attached')).toHaveLength(1);
    expect(events(r.stdout).filter((e) => e.kind === 'observation' && e.code === 'MDC_PRESS_BLD_NONINV_SYS').map((e) => e.kind === 'observation' && e.value)).toEqual([138]);
    expect(await f.connectCount('A4:C1:38:00:99:99')).toBe(0);
  });

  it('without Bluetooth: watch and capture of a BLE driver fail with one clear line (no capture file made)', async () => {
    const out = join(tmp(), 'never.jsonl');
    const [w, c] = await Promise.all([
      cli(['watch', '--driver', 'ble-thermometer', '--seconds', '5'], NO_BUS),
      cli(['capture', '--driver', 'ble-thermometer', '--out', out, '--seconds', '5'], NO_BUS),
    ]);
    expectCleanError(w, /Bluetooth is not available: No Bluetooth: cannot reach the system D-Bus/);
    expectCleanError(c, /Bluetooth is not available: No Bluetooth: cannot reach the system D-Bus/);
    expect(existsSync(out)).toBe(false);
    expectCleanError(await cli(['capture', '--driver', 'ble-thermometer', '--port', '/dev/ttyS0', '--out', out], NO_BUS), /Bluetooth LE device: it has no port/);
    expectCleanError(await cli(['watch', '--driver', 'ble-thermometer', '--address', 'nope'], NO_BUS), /--address must be a Bluetooth address/);
  });

  it('simulate → watch: a simulated thermometer on the fake BlueZ is seen, connected and read by a watch', async () => {
    const f = await fakeBluez();
    const sim = start(['simulate', '--driver', 'ble-thermometer', '--seconds', '120'], f.address);
    await sim.stderrShows('simulating ble-thermometer');
    const w = start(['watch', '--driver', 'ble-thermometer'], f.address);
    await w.stderrShows('watching for ble-thermometer');
    // The thermometer measures when simulate starts, advertises, and the watch connects it and gets the reading.
    await w.stdoutShows(/"code":"MDC_TEMP_/, 90_000);
    await sleep(300);
    w.child.kill('SIGINT');
    const r = await w.done;
    expect(r.code).toBe(0);
    const temps = events(r.stdout).filter((e) => e.kind === 'observation' && e.code.startsWith('MDC_TEMP_'));
    expect(temps.length).toBeGreaterThan(0);
    expect(temps[0]).toMatchObject({ value: 36.8, unit: 'Cel' });
    sim.child.kill('SIGINT');
    const s = await sim.done;
    expect(s.code).toBe(0);
    // The simulated device is removed from the fake when simulate ends.
    expect((await f.paths()).some((p) => p.startsWith(devicePath('D0:5F:B8:12:34:56')))).toBe(false);
  });

  it('simulate without a test bus: a clear error', async () => {
    expectCleanError(await cli(['simulate', '--driver', 'ble-thermometer', '--seconds', '1'], NO_BUS), /^cabin-devices: no test Bluetooth bus: cannot reach/);
    const bare = await startFakeBluez({ bluetoothd: false });
    fakes.push(bare);
    expectCleanError(await cli(['simulate', '--driver', 'ble-thermometer', '--seconds', '1'], bare.address), /no test Bluetooth bus: nothing owns org\.bluez/);
  });
});
