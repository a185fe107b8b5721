import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { SerialTransport } from '../../src/devices/transports/serial.ts';
import { eventLines as events, expectCleanError, runCli as cli, startCli as start, stopClis } from '../helpers/cli.ts';
import { ptyPair, type PtyPair } from '../helpers/socat.ts';

/** The `cabin-devices` command as a user runs it: a child process, stdout, stderr and exit code. */

/** Everything a test started, so that afterEach leaks nothing when a test fails half-way. */
const pairs: PtyPair[] = [];
const transports: SerialTransport[] = [];
afterEach(async () => {
  await stopClis();
  await Promise.all(transports.splice(0).map((t) => t.close().catch(() => undefined)));
  await Promise.all(pairs.splice(0).map((p) => p.stop()));
});

async function pair(): Promise<PtyPair> {
  const p = await ptyPair();
  pairs.push(p);
  return p;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cabin-cli-'));
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Several child processes per test: generous deadlines, as the machine running the tests may be loaded.
describe('cabin-devices', { timeout: 180_000 }, () => {
  it('drivers: prints the catalogue as JSON with every driver of the issue, Bluetooth LE ones with their settings', async () => {
    const r = await cli(['drivers']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; transport: string; scenarios: string[]; ble?: { connection: string; match: unknown[] } }[];
    expect(list.map((d) => d.id).sort()).toEqual(
      [
        'berrymed-bci',
        'ble-blood-pressure',
        'ble-glucose',
        'ble-pulse-oximeter',
        'ble-thermometer',
        'ble-weight-scale',
        'contec-cms50-legacy',
        'contec-cms50-v7',
        'masimo-ascii',
        'nonin-df2',
        'nonin-df7',
        'nonin-df8',
        'omron-hem790it',
        'tanita-serial',
        'welchallyn-suretemp',
      ].sort(),
    );
    expect(list.find((d) => d.id === 'omron-hem790it')?.transport).toBe('hid');
    expect(list.find((d) => d.id === 'berrymed-bci')).toMatchObject({ transport: 'ble', ble: { connection: 'streaming', match: [{ name: '^BerryMed' }, { name: '^BM1000' }] } });
    expect(list.find((d) => d.id === 'ble-blood-pressure')).toMatchObject({ transport: 'ble', ble: { connection: 'episodic' } });
  });

  it('decode: turns a capture into one DeviceEvent per line, from a file and from stdin', async () => {
    // The reference's worked V7 packet, as a device would send it 120 times (2 s).
    const capture = Buffer.concat(Array.from({ length: 120 }, () => hex('01 E0 85 B3 96 C1 E1 FF FF')));
    const file = join(tmp(), 'v7.bin');
    writeFileSync(file, capture);
    for (const r of [await cli(['decode', '--driver', 'contec-cms50-v7', file]), await cli(['decode', '--driver', 'contec-cms50-v7', '-'], { input: capture })]) {
      expect(r.code).toBe(0);
      const ev = events(r.stdout);
      expect(ev.some((e) => e.kind === 'observation' && e.code === 'MDC_PULS_OXIM_SAT_O2' && e.value === 97)).toBe(true);
      expect(ev.some((e) => e.kind === 'observation' && e.code === 'MDC_PULS_OXIM_PULS_RATE' && e.value === 65)).toBe(true);
      const samples = ev.flatMap((e) => (e.kind === 'waveform' ? e.samples : []));
      expect(samples).toHaveLength(120);
      expect(new Set(samples)).toEqual(new Set([51]));
    }
  });

  it('decode: bad input gives one clear message and a non-zero exit', async () => {
    expectCleanError(await cli(['decode', '--driver', 'no-such-driver', '/etc/hostname']), /Unknown driver 'no-such-driver'/);
    expectCleanError(await cli(['decode', '--driver', 'contec-cms50-v7', '/nonexistent/capture.bin']), /does not exist/);
    expectCleanError(await cli(['decode', '--driver', 'contec-cms50-v7', tmp()]), /is a directory/);
    expectCleanError(await cli(['decode', '--driver', 'omron-hem790it', '/etc/hostname']), /USB HID/);
    expectCleanError(await cli(['decode', '--driver', 'contec-cms50-v7']), /Missing the capture FILE/);
    expectCleanError(await cli(['frobnicate']), /Unknown command 'frobnicate'/);
    expectCleanError(await cli(['decode', '--bogus']), /Unknown option/);
  });

  it('decode: garbage in gives no crash and no invented reading', async () => {
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 256));
    const r = await cli(['decode', '--driver', 'nonin-df2', '-'], { input: garbage });
    expect(r.code).toBe(0);
    expect(events(r.stdout).filter((e) => e.kind === 'observation')).toEqual([]);
  });

  it('simulate + watch: a simulated device on one end of a socat pair is watched on the other', async () => {
    const p = await pair();
    // Until stopped (SIGINT) once the watch is done: a loaded machine may take seconds to start the watch.
    const sim = start(['simulate', '--driver', 'contec-cms50-v7', '--port', p.a, '--seconds', '120']);
    // The simulator says so once its port is open (it answers the watcher's start command from then on).
    await sim.stderrShows('simulating ');
    const w = await cli(['watch', '--port', p.b, '--driver', 'contec-cms50-v7', '--seconds', '3']);
    expect(w.code).toBe(0);
    const messages = w.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; event?: DeviceEvent });
    expect(messages[0]).toMatchObject({ type: 'attached' });
    const spo2 = messages.filter((m) => m.event?.kind === 'observation' && m.event.code === 'MDC_PULS_OXIM_SAT_O2');
    expect(spo2.length).toBeGreaterThan(0);
    expect(messages.some((m) => m.event?.kind === 'waveform')).toBe(true);
    sim.child.kill('SIGINT');
    expect((await sim.done).code).toBe(0);
  });

  it('capture: records the raw bytes of a device, which decode then reads back', async () => {
    const p = await pair();
    const sim = start(['simulate', '--driver', 'contec-cms50-v7', '--port', p.a, '--seconds', '120']);
    await sim.stderrShows('simulating ');
    const out = join(tmp(), 'capture.bin');
    const c = await cli(['capture', '--port', p.b, '--driver', 'contec-cms50-v7', '--out', out, '--seconds', '2']);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/captured \d+ bytes/);
    // About 60 packets of 9 bytes a second once started.
    expect(statSync(out).size).toBeGreaterThan(9 * 60);
    const d = await cli(['decode', '--driver', 'contec-cms50-v7', out]);
    expect(events(d.stdout).some((e) => e.kind === 'observation' && e.code === 'MDC_PULS_OXIM_SAT_O2')).toBe(true);
    expect(readFileSync(out)[0]).toBeDefined();
    sim.child.kill('SIGINT');
    expect((await sim.done).code).toBe(0);
  });

  it('port errors: a missing port, a vanished port and a bad scenario give clear messages', async () => {
    expectCleanError(await cli(['watch', '--port', '/dev/ttyNOPE9', '--driver', 'masimo-ascii', '--seconds', '1']), /does not exist/);
    expectCleanError(await cli(['capture', '--port', '/dev/ttyNOPE9', '--driver', 'masimo-ascii', '--out', join(tmp(), 'x')]), /does not exist/);
    expectCleanError(await cli(['simulate', '--driver', 'masimo-ascii', '--port', '/dev/ttyNOPE9']), /does not exist/);
    expectCleanError(await cli(['simulate', '--driver', 'masimo-ascii', '--port', '/dev/null', '--scenario', 'nope']), /Unknown scenario 'nope'/);
    const p = await pair();
    // capture opens the port before the file (a mistyped port never overwrites a file): a real port, a bad folder.
    expectCleanError(await cli(['capture', '--port', p.b, '--driver', 'masimo-ascii', '--out', '/nonexistent/dir/x.bin']), /folder does not exist/);
    // A port another program holds open is busy.
    const holder = new SerialTransport(p.a, { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    transports.push(holder);
    await holder.open();
    // watch streams what happened on stdout (attached, then the link error) before failing.
    expectCleanError(await cli(['watch', '--port', p.a, '--driver', 'masimo-ascii', '--seconds', '2']), /busy: close the other program/, false);
    await holder.close();
    const cap = start(['capture', '--port', p.b, '--driver', 'masimo-ascii', '--out', join(tmp(), 'gone.bin'), '--seconds', '10']);
    // Once the port is open (capture says so), the pair vanishes under it.
    await cap.stderrShows('capturing ');
    await p.stop();
    const r = await cap.done;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/disconnected|failed/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('list: shows configured ports with their driver and why, as JSON', async () => {
    const p = await pair();
    const cfg = join(tmp(), 'cabin.json');
    writeFileSync(cfg, JSON.stringify({ devices: { ports: [{ path: p.b, driver: 'masimo-ascii' }] } }));
    // Bluetooth: scanned for a second (the BLE part is tested in cli-ble.test.ts).
    const r = await cli(['list', '--json', '--config', cfg, '--seconds', '1']);
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { ports: { path: string; driver: string; reason: string }[] }).ports;
    expect(rows.find((x) => x.path === p.b)).toMatchObject({ driver: 'masimo-ascii', reason: expect.stringContaining('configured') });
    writeFileSync(cfg, JSON.stringify({ devices: { ports: [{ path: p.b, driver: 'nope' }] } }));
    expectCleanError(await cli(['list', '--config', cfg]), /unknown driver 'nope'/);
    writeFileSync(cfg, '{ not json');
    expectCleanError(await cli(['list', '--config', cfg]), /not valid JSON/);
  });
});
