import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { eventLines as events, runCli, type CliRun } from '../helpers/cli.ts';

/**
 * `cabin-devices decode` of Bluetooth LE captures (one JSON value per line), built from the reference vectors of
 * ble-fhir.md §B: the CLI as a user runs it, a child process.
 */

/** Runs decode to its end, `input` on its stdin. */
const cli = (args: string[], input?: string): Promise<CliRun> => runCli(args, { input });

const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

function file(name: string, lines: readonly (string | object)[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cabin-ble-decode-')), name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

const hex = (s: string): string => s.replace(/\s+/g, '').toLowerCase();
const obs = (ev: DeviceEvent[], code: string) => ev.filter((e): e is Extract<DeviceEvent, { kind: 'observation' }> => e.kind === 'observation' && e.code === code);

/** §B1 (Nordic's test): 138/88/120 mmHg, year unknown, Apr 17 20:41:59, pulse 60, user 1, status 0x27. */
const BPM = hex('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00');
/** §B2 (Nordic's test): 37.60 °C, 2012-12-05 11:50:27, finger. */
const TEMP = hex('06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04');

// Each test runs the CLI as a child process (a few seconds each on a loaded machine).
describe('cabin-devices decode: Bluetooth LE captures', { timeout: 120_000 }, () => {
  it('blood pressure: the §B1 vector gives 138/88/120 mmHg and pulse 60, once, whatever the UUID spelling', async () => {
    // The same value in every accepted spelling: 4 digits, 32 digits without dashes, the dashed form, any case.
    const spellings: [string, string][] = [
      ['1810', '2a35'],
      ['1810', '2A35'],
      ['00001810-0000-1000-8000-00805F9B34FB', '00002a35-0000-1000-8000-00805f9b34fb'],
      ['0000181000001000800000805f9b34fb', '00002A3500001000800000805F9B34FB'],
      ['0x1810', '00002a35'],
    ];
    // Each spelling on its own device (address): each device gets its own decoder, and each gives the same reading.
    const f = file(
      'bp.jsonl',
      spellings.map(([service, characteristic], i) => ({ t: T0 + i, service, characteristic, value: BPM, address: `a4:c1:38:00:11:2${i}` })),
    );
    const r = await cli(['decode', '--driver', 'ble-blood-pressure', '--utc-offset', '60', f]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const all = events(r.stdout);
    for (const i of spellings.keys()) {
      const address = `A4:C1:38:00:11:2${i}`;
      const ev = all.filter((e) => (e.kind === 'identity' ? e.address === address : e.kind === 'observation' && e.measurementId?.startsWith(address)));
      expect(ev.find((e) => e.kind === 'identity'), `spelling ${spellings[i]!.join(' ')}`).toBeDefined();
      expect(obs(ev, 'MDC_PRESS_BLD_NONINV_SYS').map((e) => e.value)).toEqual([138]);
      expect(obs(ev, 'MDC_PRESS_BLD_NONINV_DIA').map((e) => e.value)).toEqual([88]);
      expect(obs(ev, 'MDC_PRESS_BLD_NONINV_MEAN').map((e) => e.value)).toEqual([120]);
      expect(obs(ev, 'MDC_PULS_RATE_NON_INV').map((e) => e.value)).toEqual([60]);
      // Status 0x27: movement, cuff loose, irregular pulse, improper position.
      expect(obs(ev, 'MDC_PRESS_BLD_NONINV_SYS')[0]?.flags).toEqual(expect.arrayContaining(['movement', 'cuff-loose', 'irregular-pulse']));
    }
  });

  it('thermometer: the §B2 vector gives 37.60 °C at the finger, at the device time read at --utc-offset', async () => {
    const f = file('temp.jsonl', [
      { t: T0, service: '1809', characteristic: '2A1C', value: TEMP },
      // The §B2 vector without its last byte (type flag set, no type), from another device: rejected, no reading.
      { t: T0 + 10, service: '1809', characteristic: '2a1c', value: TEMP.slice(0, -2), address: '11:22:33:44:55:66' },
    ]);
    const atPlus1 = events((await cli(['decode', '--driver', 'ble-thermometer', '--utc-offset', '60', f])).stdout);
    const readings = atPlus1.filter((e) => e.kind === 'observation');
    expect(readings).toHaveLength(1);
    expect(readings[0]).toMatchObject({ code: 'MDC_TEMP_FINGER', value: 37.6, unit: 'Cel', decimals: 2 });
    // 11:50:27 local time at UTC+1 is 10:50:27 UTC; at UTC-5 it is 16:50:27 UTC.
    expect(readings[0]?.t).toBe(Date.UTC(2012, 11, 5, 10, 50, 27));
    const atMinus5 = events((await cli(['decode', '--driver', 'ble-thermometer', '--utc-offset=-300', f])).stdout);
    expect(obs(atMinus5, 'MDC_TEMP_FINGER')[0]?.t).toBe(Date.UTC(2012, 11, 5, 16, 50, 27));
    // No address on the line: the decoder is told 00:00:00:00:00:00.
    expect(atPlus1.filter((e) => e.kind === 'identity').map((e) => e.kind === 'identity' && e.address)).toEqual(['00:00:00:00:00:00', '11:22:33:44:55:66']);
  });

  it('glucose: records through notifications and the RACP indication; the test-artifact record gives no reading', async () => {
    const f = file('glucose.jsonl', [
      // §B5 Nordic vector: 30 kg/L is a test artifact, not a glucose value.
      { t: T0, service: '1808', characteristic: '2a18', value: hex('1B 01 00 E3 07 02 1B 0B 0A 1E FB FF 1E 00 12 05 01') },
      // 120 mg/dL (SFLOAT 78 B0 = 120e-5 kg/L), seq 5, 2026-12-05 09:30:00, capillary whole blood, finger.
      { t: T0 + 100, service: '1808', characteristic: '2A18', value: hex('02 05 00 EA 07 0C 05 09 1E 00 78 B0 11') },
      // 97 mg/dL, seq 6, 2026-12-06 09:58:00.
      { t: T0 + 150, service: '1808', characteristic: '2a18', value: hex('02 06 00 EA 07 0C 06 09 3A 00 61 B0 11') },
      // RACP: report stored records, success.
      { t: T0 + 200, service: '1808', characteristic: '2a52', value: '06000101' },
    ]);
    const r = await cli(['decode', '--driver', 'ble-glucose', '--utc-offset', '0', f]);
    expect(r.code).toBe(0);
    const ev = events(r.stdout);
    const readings = ev.filter((e) => e.kind === 'observation');
    expect(readings.map((e) => [e.code, e.value, e.unit, e.t])).toEqual([
      ['MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', 120, 'mg/dL', Date.UTC(2026, 11, 5, 9, 30)],
      ['MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', 97, 'mg/dL', Date.UTC(2026, 11, 6, 9, 58)],
    ]);
    expect(readings.map((e) => e.kind === 'observation' && e.record?.seq)).toEqual([5, 6]);
  });

  it('BerryMed: a stream with a finger-out gap gives pleth lines per second, the gap kept as a gap', async () => {
    // 100 frames a second (5 per notification, each notification arriving with the radio's jitter): 1 s with a
    // finger, 0.5 s without, 1 s with. Frame k is measured at T0 + 10·k ms; its pleth is k mod 100.
    const frame = (k: number): number[] => (k >= 100 && k < 150 ? [0x80, 0, 0x10, 0x7f, 0x7f] : [0x8f, k % 100, 0x05, 72, 98]);
    const jitter = [0, 12, 3, 25, 7, 18, 1, 30, 9, 14];
    const lines = [];
    for (let n = 0; n < 50; n++) {
      const bytes = [0, 1, 2, 3, 4].flatMap((i) => frame(n * 5 + i));
      // Without "via": the driver's link says the BCI characteristic is notified.
      lines.push({ t: T0 + n * 50 + 40 + jitter[n % jitter.length]!, service: '49535343-FE7D-4AE5-8FA9-9FAFD205E455', characteristic: '495353431e4d4bd9ba6123c647249616', value: Buffer.from(bytes).toString('hex') });
    }
    const r = await cli(['decode', '--driver', 'berrymed-bci', '-'], lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(r.code).toBe(0);
    const ev = events(r.stdout);
    const waves = ev.filter((e) => e.kind === 'waveform');
    expect(waves.reduce((n, w) => n + w.samples.length, 0)).toBe(200);
    // Each second of signal is one line; none holds samples from both sides of the gap.
    expect(waves.map((w) => w.samples.length)).toEqual([100, 100]);
    expect(waves[0]!.samples).toEqual(Array.from({ length: 100 }, (_, k) => k));
    expect(waves[1]!.samples).toEqual(Array.from({ length: 100 }, (_, k) => (k + 150) % 100));
    // Each line starts at its own time (within the jitter of the notification that brought its first frame).
    expect(Math.abs(waves[0]!.t! - T0)).toBeLessThanOrEqual(30);
    expect(Math.abs(waves[1]!.t! - (T0 + 1500))).toBeLessThanOrEqual(30);
    expect(obs(ev, 'MDC_PULS_OXIM_SAT_O2').map((e) => e.value)).toContain(98);
    expect(ev.some((e) => e.kind === 'status' && e.status === 'probe-off')).toBe(true);
  });

  it('bad lines: each reported with its number on stderr, the rest decoded, a non-zero exit at the end', async () => {
    const good = { t: T0, service: '1810', characteristic: '2a35', value: BPM };
    const f = file('mixed.jsonl', [
      'this is not JSON',
      { t: T0, service: '1810', characteristic: '2a35' },
      { t: T0, service: '1810', characteristic: '2a35', value: 'zz12' },
      { t: T0, service: '1810', characteristic: '2a35', value: '1e8' },
      { service: '1810', characteristic: '2a35', value: BPM },
      { t: T0, service: '18100', characteristic: '2a35', value: BPM },
      { t: T0, service: '1810', characteristic: '2a35', value: BPM, via: 'shout' },
      '[1, 2, 3]',
      '',
      good,
      { t: T0, service: '1810', characteristic: '2a35', value: BPM, address: 'not-an-address' },
    ]);
    const r = await cli(['decode', '--driver', 'ble-blood-pressure', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const said = r.stderr.trim().split('\n');
    expect(said[0]).toMatch(/mixed\.jsonl:1: not JSON/);
    expect(said[1]).toMatch(/:2: "value" is missing/);
    expect(said[2]).toMatch(/:3: "value" is not hex/);
    expect(said[3]).toMatch(/:4: "value" has an odd number of hex digits/);
    expect(said[4]).toMatch(/:5: "t" .* missing/);
    expect(said[5]).toMatch(/:6: "service" is not a Bluetooth UUID/);
    expect(said[6]).toMatch(/:7: "via" must be/);
    expect(said[7]).toMatch(/:8: not a JSON object/);
    expect(said[8]).toMatch(/:11: "address" is not a Bluetooth address/);
    expect(said[9]).toMatch(/9 bad lines/);
    // The one good line (line 10; line 9 is empty, not bad) is still decoded.
    expect(obs(events(r.stdout), 'MDC_PRESS_BLD_NONINV_SYS').map((e) => e.value)).toEqual([138]);
  });

  it('garbage: random bytes and random values give clear messages and no crash; a bad --utc-offset is refused', async () => {
    const noise = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1');
    // Well-formed lines with garbage values after the noise: decoded without a crash.
    const values = Array.from({ length: 300 }, (_, i) => ({ t: T0 + i * 10, service: '1810', characteristic: '2a35', value: Buffer.from(Array.from({ length: i % 23 }, (_, j) => (i * 31 + j * 17) % 256)).toString('hex') }));
    const r = await cli(['decode', '--driver', 'ble-blood-pressure', '-'], noise + '\n' + values.map((v) => JSON.stringify(v)).join('\n'));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(/^cabin-devices: stdin:\d+: not JSON; line skipped$/m);
    expect(events(r.stdout).some((e) => e.kind === 'identity')).toBe(true);
    for (const e of events(r.stdout)) if (e.kind === 'observation') expect(Number.isFinite(e.value)).toBe(true);
    const bad = await cli(['decode', '--driver', 'ble-blood-pressure', '--utc-offset', 'east', '/etc/hostname']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--utc-offset must be whole minutes/);
  });
});
