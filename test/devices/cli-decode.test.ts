import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDriver } from '../../drivers/index.ts';
import { DeviceEventSchema, type DeviceEvent } from '../../src/shared/device-event.ts';
import { concat, runSession } from '../helpers/driver-harness.ts';

/** `cabin-devices decode` on real simulator captures whose values change over time. */

function decode(driverId: string, file: string, input?: Buffer): Promise<DeviceEvent[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cabin-devices.mjs', 'decode', '--driver', driverId, file], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`decode exited ${code}`));
      else resolve(out.trim().split('\n').filter(Boolean).map((l) => DeviceEventSchema.parse(JSON.parse(l))));
    });
    child.stdin.end(input);
  });
}

const spo2Changes = (events: DeviceEvent[]): { value: number; t: number }[] => {
  const out: { value: number; t: number }[] = [];
  for (const e of events) {
    if (e.kind === 'observation' && e.code === 'MDC_PULS_OXIM_SAT_O2' && out.at(-1)?.value !== e.value) out.push({ value: e.value!, t: e.t! });
  }
  return out;
};

// Two child processes per driver: generous deadlines for a loaded machine.
describe('cabin-devices decode on changing captures', { timeout: 120_000 }, () => {
  it.each(['contec-cms50-v7', 'nonin-df2', 'masimo-ascii'])(
    '%s: every change of a 2-minute capture is decoded, at its time, the same from a file and from stdin',
    async (id) => {
      const driver = findDriver(id)!;
      const targets = [96, 93, 90, 94, 98, 95];
      const { deviceBytes } = runSession(driver, {
        durationMs: 120_000,
        stepMs: 50,
        changes: targets.map((spo2, i) => ({ atMs: 10_000 + i * 20_000, values: { spo2 } })),
      });
      const bytes = Buffer.from(concat(deviceBytes));
      const file = join(mkdtempSync(join(tmpdir(), 'cabin-decode-')), `${id}.bin`);
      writeFileSync(file, bytes);
      const fromFile = await decode(id, file);
      const fromStdin = await decode(id, '-', bytes);
      expect(fromStdin).toEqual(fromFile);
      // The scenario's own (varying) values come first; from 10 s on, the set ones.
      const all = spo2Changes(fromFile);
      const changes = all.slice(all.findIndex((c) => c.t >= 9_000 && c.value === targets[0]));
      expect(changes.map((c) => c.value)).toEqual(targets);
      // Time is rebuilt from the position in the capture: each change lands near when it was made.
      for (const [i, v] of targets.entries()) {
        const seen = changes.find((c) => c.value === v)!;
        expect(Math.abs(seen.t - (10_000 + i * 20_000))).toBeLessThan(3_000);
      }
    },
  );
});

/** A Contec V7.0 real-time package (protocols.md §1): type 01, the high byte holding bit 7 of each data byte. */
function contecRealtime(o: { pleth: number; probeError?: boolean; pulse?: number; spo2?: number }): number[] {
  const data = [(o.probeError ? 0x80 : 0) | 0x05, o.pleth & 0x7f, 0x05, o.pulse ?? 72, o.spo2 ?? 97, 0xff, 0xff];
  const hi = data.reduce((h, d, i) => h | (((d >> 7) & 1) << i), 0x80);
  return [0x01, hi, ...data.map((d) => d | 0x80)];
}

describe('cabin-devices decode: waveform time', { timeout: 120_000 }, () => {
  it('stamps samples from the frames they came in: a finger-out gap ends the line, the next starts at its own time', async () => {
    // 60 packages a second: 30 with pleth, 30 finger-out (0.5 s, no pleth), 60 with pleth. Each pleth value is
    // its package's number, so each sample's true time is known: package k is sent at k / 60 s.
    const packages: number[][] = [];
    for (let k = 0; k < 120; k++) packages.push(contecRealtime(k >= 30 && k < 60 ? { pleth: 0, probeError: true } : { pleth: k }));
    const file = join(mkdtempSync(join(tmpdir(), 'cabin-decode-')), 'contec-gap.bin');
    writeFileSync(file, Buffer.from(packages.flat()));
    const events = await decode('contec-cms50-v7', file);
    const lines = events.filter((e) => e.kind === 'waveform');
    expect(lines.reduce((n, w) => n + w.samples.length, 0)).toBe(90);
    const period = 1000 / 60;
    for (const w of lines) {
      for (const [i, k] of w.samples.entries()) {
        // Within the replay's resolution (a 20 ms slice) and one sample period; before, up to 500 ms early.
        expect(Math.abs(w.t! + i * period - k * period), `sample of package ${k}`).toBeLessThanOrEqual(20 + period);
      }
    }
    // The line in progress at the gap ends there: no line holds samples from both sides of it.
    for (const w of lines) expect(w.samples.some((k) => k < 30) && w.samples.some((k) => k >= 60)).toBe(false);
    expect(lines.find((w) => w.samples[0] === 60)?.t).toBeCloseTo(1000, -2);
  });
});

