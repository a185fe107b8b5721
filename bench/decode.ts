import { DRIVERS } from '../drivers/index.ts';
import type { Driver } from '../src/shared/driver.ts';
import { printTable, writeResult } from './report.ts';
import { recordDevice, repeatTo } from './streams.ts';

/** Bytes per second a driver's link can carry: serial at its baud rate; HID at one report per millisecond. */
export function lineRate(d: Driver): number {
  const m = d.manifest;
  if (m.serial) {
    const bitsPerByte = 1 + m.serial.dataBits + (m.serial.parity === 'none' ? 0 : 1) + m.serial.stopBits;
    return m.serial.baudRate / bitsPerByte;
  }
  return (m.hid?.reportLength ?? 8) * 1000;
}

const TARGET_MULTIPLE = 1000;

/** Decode throughput of every driver on one core, over simulator traffic cut as a serial port delivers it. */
export function benchDecode(): boolean {
  const rows = [];
  for (const driver of DRIVERS) {
    const recorded = recordDevice(driver, 120);
    const serial = driver.manifest.transport === 'serial';
    // Serial reads arrive in small pieces; HID reports one by one.
    const pieces = serial ? cut(recorded, 256) : recorded;
    const chunks = repeatTo(pieces, 4 << 20);
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const decoder = driver.createDecoder();
      const t0 = performance.now();
      let events = 0;
      let t = 0;
      for (const c of chunks) events += decoder.push(c, (t += 1)).length;
      best = Math.min(best, (performance.now() - t0) / 1000);
      if (events === 0) throw new Error(`${driver.manifest.id} decoded nothing from its own simulator`);
    }
    const mbps = bytes / best / 1e6;
    const multiple = bytes / best / lineRate(driver);
    rows.push({
      driver: driver.manifest.id,
      'MB/s': Number(mbps.toFixed(2)),
      'line B/s': Math.round(lineRate(driver)),
      '× line rate': Math.round(multiple),
      target: `≥${TARGET_MULTIPLE}×`,
      ok: multiple >= TARGET_MULTIPLE ? 'yes' : 'NO',
    });
  }
  printTable('Decode throughput (one core, simulator traffic)', rows);
  const file = writeResult('decode', { targetMultiple: TARGET_MULTIPLE, drivers: rows });
  console.log(`wrote ${file}`);
  return rows.every((r) => r.ok === 'yes');
}

function cut(chunks: readonly Uint8Array[], size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) for (let i = 0; i < c.length; i += size) out.push(c.subarray(i, i + size));
  return out;
}
