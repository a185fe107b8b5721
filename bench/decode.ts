import { DRIVERS } from '../drivers/index.ts';
import type { Driver } from '../src/shared/driver.ts';
import { benchBleDecodeRows, LE_1M_BYTES_PER_S } from './ble-decode.ts';
import { machineLoad } from './call.ts';
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

/**
 * Decode throughput of every driver on one core: the serial and HID ones over simulator traffic cut as a serial port
 * delivers it, then the Bluetooth LE ones (issue 12) over their simulators' characteristic values (ble-decode.ts).
 */
export function benchDecode(): boolean {
  const loadBefore = machineLoad();
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
  const ble = benchBleDecodeRows();
  printTable('BLE decode throughput: characteristic values through createDecoder().value() (one core, simulator traffic)', ble.rows);
  console.log(
    `× device rate: values/s over the values per connected second the simulator sent; × LE 1M PHY: MB/s over ${LE_1M_BYTES_PER_S / 1000} kB/s, ` +
      'more than any BLE link carries. Issue 12 sets no throughput target for BLE: measured, not judged.',
  );
  const load = { before: loadBefore, after: machineLoad() };
  console.log(`load (1 min): ${load.before.loadAvg1m} before, ${load.after.loadAvg1m} after, on ${load.after.cpus} CPUs`);
  const file = writeResult('decode', {
    targetMultiple: TARGET_MULTIPLE,
    drivers: rows,
    ble: {
      drivers: ble.rows,
      details: ble.details,
      method:
        "each driver's default-scenario simulator driven as a central drives it (reads, subscriptions, the decoder's writes answered, 100 ms steps) " +
        'until ≥ 2000 values are recorded over whole connections; the recording replayed ≥ 200 000 values per run (a new decoder per connection: ' +
        'connected, value + takeOutgoing per value, disconnected), best of 3 runs timed; bytes = characteristic value bytes (no ATT/L2CAP headers).',
      leOneMPhyBytesPerS: LE_1M_BYTES_PER_S,
      target: 'none (issue 12 sets none)',
    },
    machine: load,
  });
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
