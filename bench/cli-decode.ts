import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDriver } from '../drivers/index.ts';
import { printTable, writeResult } from './report.ts';
import { recordTranscript } from './streams.ts';

const TARGET_S = 10;

/** `cabin-devices decode` on a 24-hour CMS50 V7 capture (about 46 MB), timed end to end as a user runs it. */
export async function benchCliDecode(hours = 24): Promise<boolean> {
  const driver = findDriver('contec-cms50-v7');
  if (!driver) throw new Error('contec-cms50-v7 is not registered');
  const dir = mkdtempSync(join(tmpdir(), 'cabin-bench-'));
  const file = join(dir, 'cms50-24h.bin');
  const out = createWriteStream(file);
  recordTranscript(driver, hours * 3600, 1000, (s) => {
    if ('in' in s) out.write(s.in);
  });
  await new Promise<void>((r) => out.end(r));
  const size = statSync(file).size;
  const t0 = performance.now();
  const lines = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/cabin-devices.mjs', 'decode', '--driver', driver.manifest.id, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let n = 0;
    child.stdout.on('data', (b: Buffer) => {
      for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(n) : reject(new Error(`decode exited with ${code}`))));
  });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const row = {
    capture: `${hours} h CMS50 V7`,
    MB: Number((size / 1e6).toFixed(1)),
    'events out': lines,
    seconds: Number(seconds.toFixed(2)),
    'MB/s': Number((size / 1e6 / seconds).toFixed(1)),
    target: `<${TARGET_S} s`,
    ok: seconds < TARGET_S ? 'yes' : 'NO',
  };
  printTable('cabin-devices decode, whole command', [row]);
  console.log(`wrote ${writeResult('cli-decode', row)}`);
  return row.ok === 'yes';
}
