import { DRIVERS } from '../drivers/index.ts';
import type { Driver } from '../src/shared/driver.ts';
import { printTable, writeResult } from './report.ts';
import { recordTranscript, type Step } from './streams.ts';

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
    // The conversation is replayed as the decoder lives it: host frames through `sent`, device bytes
    // through `push` (serial reads arrive in pieces of up to 256 bytes, HID reports one by one).
    const once = cut(recordTranscript(driver, 120), driver.manifest.transport === 'serial' ? 256 : Infinity);
    const steps: Step[] = [];
    let bytes = 0;
    while (bytes < 4 << 20) {
      for (const s of once) if ('in' in s) bytes += s.in.length;
      steps.push(...once);
    }
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const decoder = driver.createDecoder();
      const t0 = performance.now();
      let events = 0;
      let t = 0;
      for (const s of steps) {
        t += 1;
        if ('out' in s) decoder.sent?.(s.out, t);
        else {
          events += decoder.push(s.in, t).length;
          decoder.takeOutgoing?.();
        }
      }
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

function cut(steps: readonly Step[], size: number): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    if ('out' in s || s.in.length <= size) out.push(s);
    else for (let i = 0; i < s.in.length; i += size) out.push({ in: s.in.subarray(i, i + size) });
  }
  return out;
}
