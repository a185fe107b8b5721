import { BLE_DRIVERS } from '../drivers/index.ts';
import type { BleConnectionContext, BleDriver, BleSimulator, CharacteristicValue } from '../src/shared/driver.ts';
import { connectOnce } from '../test/drivers/ble-connect.ts';

/**
 * Issue 12: decode throughput of the Bluetooth LE drivers. Each driver's own simulator is driven as a central drives
 * it (src/devices/ble/session.ts), by the tests' own central (test/drivers/ble-connect.ts, free of vitest) on a
 * simulated clock, and every characteristic value the decoder was given is recorded with its
 * connection; the recording is then replayed, many times over, through `createDecoder()` → `connected` → `value`
 * (+ `takeOutgoing`, as the session calls it after each value) → `disconnected`, and only the replay is timed.
 */

/** One connection as the central lived it: its context and every value, with the cabin's time it arrived. */
export interface RecordedConnection {
  ctx: BleConnectionContext;
  values: { v: CharacteristicValue; t: number }[];
  endMs: number;
}

const STEP_MS = 100;
/** A streaming device (it never ends the connection) is left connected this long per connection. */
const MAX_CONNECTION_MS = 60_000;
/** Clock of the first connection (1 Dec 2026, UTC): the devices' clocks and stored readings are relative to it. */
const START_MS = Date.UTC(2026, 11, 1, 8, 0, 0);

/**
 * One connection to `sim`, from `connected` to the device's (or MAX_CONNECTION_MS's) disconnect, with the time each
 * value arrived; `mark` keeps the highest seq and latest time the decoder gave for the values, for the next one.
 */
function recordConnection(driver: BleDriver, sim: BleSimulator, nowMs: number, mark: { seq?: number; t?: number }): RecordedConnection {
  const values: RecordedConnection['values'] = [];
  const res = connectOnce(driver, sim, {
    nowMs,
    utcOffsetMin: 60,
    stepMs: STEP_MS,
    maxMs: MAX_CONNECTION_MS,
    ...(mark.seq !== undefined ? { lastSeq: mark.seq } : {}),
    ...(mark.t !== undefined ? { lastT: mark.t } : {}),
    onValue: (v, t, events) => {
      values.push({ v, t });
      for (const e of events) {
        if (e.kind !== 'observation') continue;
        if (e.record?.seq !== undefined) mark.seq = Math.max(mark.seq ?? -1, e.record.seq);
        if (e.t !== undefined) mark.t = Math.max(mark.t ?? -Infinity, e.t);
      }
    },
  });
  return { ctx: res.context, values, endMs: res.endMs };
}

/**
 * At least `minValues` values of the driver's default scenario: connections one after another, a new measurement
 * (`completeMeasurement`) made whenever the device has nothing left to send, its values varied so that every
 * connection is not the same bytes.
 */
export function recordBleTraffic(driver: BleDriver, minValues = 2000): RecordedConnection[] {
  const sim = driver.createSimulator();
  const mark: { seq?: number; t?: number } = {};
  const out: RecordedConnection[] = [];
  let now = START_MS;
  let count = 0;
  for (let n = 0; count < minValues && n < 5000; n++) {
    let waited = 0;
    while (!sim.advertising(now) && waited < 120_000) {
      if (waited % 10_000 === 0) {
        sim.set({ completeMeasurement: true, systolic: 110 + (n % 30), diastolic: 70 + (n % 15), temperature: 36.5 + (n % 10) / 10, weight: 70 + (n % 20) / 2, spo2: 95 + (n % 5), pulse: 60 + (n % 30) });
      }
      now += STEP_MS;
      waited += STEP_MS;
    }
    if (!sim.advertising(now)) throw new Error(`${driver.manifest.id}'s simulator stopped advertising (after ${count} values)`);
    const rec = recordConnection(driver, sim, now, mark);
    out.push(rec);
    count += rec.values.length;
    now = rec.endMs + 5000;
  }
  if (count === 0) throw new Error(`${driver.manifest.id}'s simulator sent nothing`);
  return out;
}

export interface BleDecodeRow {
  driver: string;
  [column: string]: string | number;
}

/** LE 1M PHY: 1 Mbit/s on the air, so no link delivers more than 125 000 bytes of values per second. */
export const LE_1M_BYTES_PER_S = 125_000;

/** Replays every driver's recording (≥ `minValues` values per run, best of 3) and gives one row per driver. */
export function benchBleDecodeRows(minValues = 200_000): { rows: BleDecodeRow[]; details: Record<string, unknown>[] } {
  const rows: BleDecodeRow[] = [];
  const details: Record<string, unknown>[] = [];
  for (const driver of BLE_DRIVERS) {
    const once = recordBleTraffic(driver);
    const onceValues = once.reduce((s, c) => s + c.values.length, 0);
    const onceBytes = once.reduce((s, c) => s + c.values.reduce((b, x) => b + x.v.bytes.length, 0), 0);
    const connectedMs = once.reduce((s, c) => s + (c.endMs - c.ctx.nowMs), 0);
    const repeat = Math.ceil(minValues / onceValues);
    let best = Infinity;
    let events = 0;
    let observations = 0;
    for (let run = 0; run < 3; run++) {
      events = 0;
      observations = 0;
      const t0 = performance.now();
      for (let r = 0; r < repeat; r++) {
        for (const c of once) {
          const decoder = driver.createDecoder();
          events += decoder.connected(c.ctx).length;
          for (const { v, t } of c.values) {
            const got = decoder.value(v, t);
            events += got.length;
            for (const e of got) if (e.kind === 'observation') observations++;
            decoder.takeOutgoing();
          }
          events += decoder.disconnected(c.endMs).length;
        }
      }
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    if (observations === 0) throw new Error(`${driver.manifest.id} decoded no observation from its own simulator`);
    const values = onceValues * repeat;
    const bytes = onceBytes * repeat;
    const valuesPerS = values / best;
    rows.push({
      driver: driver.manifest.id,
      'values/s': Math.round(valuesPerS),
      'B/value': Number((onceBytes / onceValues).toFixed(1)),
      'MB/s': Number((bytes / best / 1e6).toFixed(2)),
      'µs/value': Number(((best / values) * 1e6).toFixed(2)),
      '× device rate': Math.round(valuesPerS / (onceValues / (connectedMs / 1000))),
      '× LE 1M PHY': Math.round(bytes / best / LE_1M_BYTES_PER_S),
    });
    details.push({
      driver: driver.manifest.id,
      connections: once.length * repeat,
      values,
      bytes,
      observationsPerRun: observations,
      eventsPerRun: events,
      bestRunS: Number(best.toFixed(4)),
      recorded: { connections: once.length, values: onceValues, bytes: onceBytes, connectedS: connectedMs / 1000, valuesPerConnectedS: Number((onceValues / (connectedMs / 1000)).toFixed(2)) },
    });
  }
  return { rows, details };
}
