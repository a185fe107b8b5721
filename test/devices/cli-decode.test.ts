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
    if (e.kind === 'observation' && e.code === 'MDC_PULS_OXIM_SAT_O2' && out.at(-1)?.value !== e.value) out.push({ value: e.value, t: e.t! });
  }
  return out;
};

describe('cabin-devices decode on changing captures', () => {
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
