import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/ble-blood-pressure/index.ts';
import { measurementBytes } from '../../drivers/ble-blood-pressure/measurement.ts';
import { currentTimeBytes } from '../../drivers/_ble/datetime.ts';
import { UUID } from '../../drivers/_ble/uuid.ts';
import { RecordMemory, checkBleFuzz, expectPairingWords, connectOnce, episode, expectValidBleEvents, hexBytes, observations, statusesOf, waitAdvertising } from './ble-harness.ts';

const ADDRESS = 'AA:BB:CC:DD:EE:01';
const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
const bp = (characteristic: string, bytes: Uint8Array, via: 'read' | 'indicate' | 'notify' = 'indicate') => ({ service: UUID.bloodPressure, characteristic, bytes, via });

/** A fresh decoder connected to a device with the given characteristics (default: the BP service's measurement). */
function decoder(available: string[] = [UUID.bloodPressureMeasurement], extra: { lastSeq?: number } = {}) {
  const d = driver.createDecoder();
  const events: DeviceEvent[] = d.connected({
    nowMs: NOW,
    utcOffsetMin: 0,
    address: ADDRESS,
    available: available.map((characteristic) => ({ service: characteristic === UUID.currentTime ? UUID.currentTimeService : UUID.bloodPressure, characteristic })),
    ...extra,
  });
  return { d, events };
}

const byCode = (events: readonly DeviceEvent[]): Record<string, ObservationEvent> => Object.fromEntries(observations(events).map((o) => [o.code, o]));

describe('ble-blood-pressure: reference vectors (ble-fhir.md §B1)', () => {
  it('mmHg with a year-0 timestamp, pulse, user and every status bit: 138/88/120, 60 /min, clock unset, no user anywhere', () => {
    const { d } = decoder();
    const ev = d.value(bp(UUID.bloodPressureMeasurement, hexBytes('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00')), NOW);
    expectValidBleEvents(driver, ev);
    const o = byCode(ev);
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 138, unit: 'mm[Hg]', decimals: 0, t: NOW, deviceClock: { state: 'unset' } });
    expect(o.MDC_PRESS_BLD_NONINV_DIA!.value).toBe(88);
    expect(o.MDC_PRESS_BLD_NONINV_MEAN!.value).toBe(120);
    expect(o.MDC_PULS_RATE_NON_INV).toMatchObject({ value: 60, unit: '/min' });
    expect(o.MDC_PRESS_BLD_NONINV_SYS!.flags).toEqual(['movement', 'cuff-loose', 'irregular-pulse', 'improper-position']);
    expect(new Set(observations(ev).map((x) => x.measurementId)).size).toBe(1);
    expect(o.MDC_PRESS_BLD_NONINV_SYS!.record).toBeUndefined();
    expect(JSON.stringify(ev)).not.toMatch(/user/i);
    expect(d.recognised).toBe(true);
  });

  it('kPa: 18.9/11/15.9 kPa become 142/83/119 mm[Hg] and keep the kPa values as reported; cuff loose, pulse below range', () => {
    const { d } = decoder();
    const ev = d.value(bp(UUID.bloodPressureMeasurement, hexBytes('15 BD F0 0B 00 9F F0 3C 00 12 00')), NOW);
    expectValidBleEvents(driver, ev);
    const o = byCode(ev);
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 142, unit: 'mm[Hg]', decimals: 0, reported: { value: 18.9, unit: 'kPa', decimals: 1 } });
    expect(o.MDC_PRESS_BLD_NONINV_DIA).toMatchObject({ value: 83, reported: { value: 11, unit: 'kPa', decimals: 0 } });
    expect(o.MDC_PRESS_BLD_NONINV_MEAN).toMatchObject({ value: 119, reported: { value: 15.9, unit: 'kPa', decimals: 1 } });
    expect(o.MDC_PULS_RATE_NON_INV).toMatchObject({ value: 60, decimals: 0 });
    expect(o.MDC_PULS_RATE_NON_INV!.reported).toBeUndefined();
    expect(o.MDC_PRESS_BLD_NONINV_SYS!.flags).toEqual(['cuff-loose', 'pulse-below-range']);
    // No time in the value and no Current Time read: the cabin's clock, device clock unknown.
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW, deviceClock: { state: 'unknown' } });
  });

  it('the minimal form read as mmHg gives 18.9 mmHg systolic: out of range, a status and no number', () => {
    const { d } = decoder();
    const ev = d.value(bp(UUID.bloodPressureMeasurement, hexBytes('00 BD F0 0B 00 9F F0')), NOW);
    expect(observations(ev)).toEqual([]);
    expect(statusesOf(ev)).toEqual(['error/systolic-out-of-range']);
  });

  it('every truncation of the full vector is refused with a status, never a reading', () => {
    const full = hexBytes('1E 8A 00 58 00 78 00 00 00 04 11 14 29 3B 3C 00 01 27 00');
    for (let n = 0; n < full.length; n++) {
      const { d } = decoder();
      const ev = d.value(bp(UUID.bloodPressureMeasurement, full.subarray(0, n)), NOW);
      expect(observations(ev), `length ${n}`).toEqual([]);
      expect(statusesOf(ev), `length ${n}`).toEqual(['error/short-value']);
    }
  });

  it('special SFLOATs: a special systolic is the systolic absent in the measurement, with an error status to measure again', () => {
    const specials: [number, string][] = [[0x07ff, 'nan'], [0x0800, 'nres'], [0x07fe, 'positive-infinity'], [0x0802, 'negative-infinity'], [0x0801, 'reserved']];
    for (const [raw, name] of specials) {
      const { d } = decoder();
      const ev = d.value(bp(UUID.bloodPressureMeasurement, Uint8Array.from([0x00, raw & 0xff, raw >> 8, 0x58, 0x00, 0x78, 0x00])), NOW);
      expectValidBleEvents(driver, ev);
      const o = byCode(ev);
      expect(Object.keys(o).sort(), name).toEqual(['MDC_PRESS_BLD_NONINV_DIA', 'MDC_PRESS_BLD_NONINV_MEAN', 'MDC_PRESS_BLD_NONINV_SYS']);
      expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ absent: name, unit: 'mm[Hg]' });
      expect(o.MDC_PRESS_BLD_NONINV_SYS).not.toHaveProperty('value');
      expect(o.MDC_PRESS_BLD_NONINV_DIA).toMatchObject({ value: 88 });
      expect(new Set(observations(ev).map((x) => x.measurementId)).size).toBe(1);
      expect(statusesOf(ev)).toEqual([`error/systolic-${name}`]);
    }
  });

  it('special SFLOATs: a special MAP or pulse is that component absent, the measurement stands (same measurementId, status ok)', () => {
    const specials: [number, string][] = [[0x07ff, 'nan'], [0x0800, 'nres'], [0x07fe, 'positive-infinity'], [0x0802, 'negative-infinity'], [0x0801, 'reserved']];
    for (const [raw, name] of specials) {
      const { d } = decoder();
      const ev = d.value(bp(UUID.bloodPressureMeasurement, Uint8Array.from([0x04, 0x8a, 0x00, 0x58, 0x00, raw & 0xff, raw >> 8, raw & 0xff, raw >> 8])), NOW);
      expectValidBleEvents(driver, ev);
      const o = byCode(ev);
      expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 138 });
      expect(o.MDC_PRESS_BLD_NONINV_DIA).toMatchObject({ value: 88 });
      expect(o.MDC_PRESS_BLD_NONINV_MEAN).toMatchObject({ absent: name });
      expect(o.MDC_PULS_RATE_NON_INV).toMatchObject({ absent: name });
      expect(new Set(observations(ev).map((x) => x.measurementId)).size).toBe(1);
      expect(statusesOf(ev)).toEqual(['ok']);
    }
  });

  it('the no-mean simulator sends NaN (FF 07) as MAP: the MAP absent beside the numbers', () => {
    const bytes = measurementBytes({ systolic: 120, diastolic: 80, mean: 'nan', pulse: 70 });
    expect([...bytes.subarray(5, 7)]).toEqual([0xff, 0x07]);
    const { d } = decoder();
    const o = byCode(d.value(bp(UUID.bloodPressureMeasurement, bytes), NOW));
    expect(o.MDC_PRESS_BLD_NONINV_MEAN).toMatchObject({ absent: 'nan' });
    expect(o.MDC_PRESS_BLD_NONINV_SYS!.value).toBe(120);
  });

  it('an impossible timestamp (31 February) counts as an unset clock', () => {
    const { d } = decoder();
    const bytes = measurementBytes({ systolic: 120, diastolic: 80, mean: 93, pulse: 70, time: [0xea, 0x07, 2, 31, 10, 0, 0] });
    expect(byCode(d.value(bp(UUID.bloodPressureMeasurement, bytes), NOW)).MDC_PRESS_BLD_NONINV_SYS!.deviceClock).toEqual({ state: 'unset' });
  });

  it('intermediate cuff pressure says measuring (once); a short one is an error', () => {
    const { d } = decoder();
    const icp = hexBytes('00 64 00 FF 07 FF 07');
    expect(statusesOf(d.value(bp(UUID.intermediateCuffPressure, icp, 'notify'), NOW))).toEqual(['measuring/cuff-inflating']);
    expect(d.value(bp(UUID.intermediateCuffPressure, icp, 'notify'), NOW + 100)).toEqual([]);
    expect(statusesOf(d.value(bp(UUID.intermediateCuffPressure, icp.subarray(0, 3), 'notify'), NOW))).toEqual(['error/short-value']);
  });

  it('the same reading indicated twice in one connection is emitted once', () => {
    const { d } = decoder();
    const bytes = measurementBytes({ systolic: 120, diastolic: 80, mean: 93, pulse: 70, time: [0xea, 0x07, 12, 6, 9, 59, 0] });
    expect(observations(d.value(bp(UUID.bloodPressureMeasurement, bytes), NOW))).toHaveLength(4);
    expect(observations(d.value(bp(UUID.bloodPressureMeasurement, bytes), NOW))).toEqual([]);
  });
});

describe('ble-blood-pressure: record access (BPS 1.1)', () => {
  it('asks for records after the last seq once subscribed, or for the last record without a mark', () => {
    const avail = [UUID.bloodPressureMeasurement, UUID.recordAccess];
    expect(decoder(avail, { lastSeq: 0x0102 }).d.takeOutgoing()).toEqual([{ service: '1810', characteristic: '2a52', bytes: [0x01, 0x03, 0x01, 0x03, 0x01] }]);
    expect(decoder(avail).d.takeOutgoing()).toEqual([{ service: '1810', characteristic: '2a52', bytes: [0x01, 0x06] }]);
    expect(decoder([UUID.bloodPressureMeasurement], { lastSeq: 4 }).d.takeOutgoing()).toEqual([]);
  });

  it('a record in two segments becomes one stored measurement with its seq; error answers become statuses', () => {
    const { d } = decoder([UUID.bloodPressureMeasurement, UUID.recordAccess, '2b36']);
    const m = measurementBytes({ systolic: 131, diastolic: 84, mean: 100, pulse: 71, time: [0xea, 0x07, 12, 5, 8, 0, 0] });
    expect(d.value(bp('2b36', Uint8Array.from([0x01, 0x07, 0x00, 0x35, 0x2a, ...m.subarray(0, 6)])), NOW)).toEqual([]);
    const ev = d.value(bp('2b36', Uint8Array.from([0x06, ...m.subarray(6)])), NOW);
    expectValidBleEvents(driver, ev);
    expect(byCode(ev).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 131, record: { seq: 7, stored: true } });
    expect(d.value(bp(UUID.recordAccess, hexBytes('06 00 01 06')), NOW)).toEqual([]);
    expect(statusesOf(d.value(bp(UUID.recordAccess, hexBytes('06 00 01 04')), NOW))).toEqual(['error/records-operator-not-supported']);
    expect(statusesOf(d.value(bp('2b36', hexBytes('02 01 02')), NOW))).toEqual(['error/record-segment-out-of-order']);
  });
});

describe('ble-blood-pressure: simulator round trips', () => {
  const writesOf = (r: { writes: { characteristic: string }[] }) => r.writes.map((w) => w.characteristic);

  it('advertises only while a measurement waits; delivers it with identity and the device clock; writes nothing', () => {
    const sim = driver.createSimulator('default');
    expect(waitAdvertising(sim, NOW, 5_000)).toBeUndefined();
    const r = episode(driver, sim, { atMs: NOW, values: { systolic: 128, diastolic: 82, pulse: 64 } })!;
    expect(sim.advertising(r.endMs + 100)).toBe(false);
    expectValidBleEvents(driver, r.events);
    expect(r.unsubscribed).toEqual([]);
    expect(r.writes).toEqual([]);
    const o = byCode(r.kept);
    expect([o.MDC_PRESS_BLD_NONINV_SYS!.value, o.MDC_PRESS_BLD_NONINV_DIA!.value, o.MDC_PRESS_BLD_NONINV_MEAN!.value, o.MDC_PULS_RATE_NON_INV!.value]).toEqual([128, 82, 97, 64]);
    // The cuff's clock is 90 s fast: within Omron's 10 minutes, so set, and its stamp put back on the cabin's clock.
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW, deviceClock: { state: 'set', offsetMs: 90_000 } });
    expect(o.MDC_PRESS_BLD_NONINV_SYS!.measurementId).toMatch(/^EC:21:E5:10:20:30-2026120610013\d$/);
    expect(r.events.filter((e) => e.kind === 'identity').at(-1)).toMatchObject({ manufacturer: 'OMRON HEALTHCARE', model: 'HEM-7155T', address: 'EC:21:E5:10:20:30' });
    expect(sim.wantsDisconnect(r.endMs)).toBe(false); // disconnected now
  });

  it('a reading made while the cabin was away arrives marked stored, the new one live', () => {
    const sim = driver.createSimulator('default');
    sim.set({ systolic: 140, completeMeasurement: true });
    sim.advertising(NOW); // measured now, nobody connects
    const r = episode(driver, sim, { atMs: NOW + 10 * 60_000, values: { systolic: 125 } })!;
    const sys = observations(r.kept).filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS');
    expect(sys.map((o) => [o.value, o.record?.stored ?? false, o.t])).toEqual([[140, true, NOW], [125, false, NOW + 10 * 60_000]]);
  });

  it('resend-all: every stored reading comes back at each connection and only new ones are kept', () => {
    const sim = driver.createSimulator('resend-all');
    const memory = new RecordMemory();
    const kept: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = episode(driver, sim, { atMs: NOW + i * 30 * 60_000, values: { systolic: 120 + i }, memory })!;
      expect(observations(r.events).filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS')).toHaveLength(i + 1);
      kept.push(...observations(r.kept).filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS').map((o) => o.value!));
    }
    expect(kept).toEqual([120, 121, 122, 123]);
    expect(memory.duplicates).toBe(6);
  });

  it('clock-unset: the first reading says unset and the cabin writes Current Time; the next one is on time', () => {
    const sim = driver.createSimulator('clock-unset');
    const first = episode(driver, sim, { atMs: NOW })!;
    expect(byCode(first.kept).MDC_PRESS_BLD_NONINV_SYS!.deviceClock).toEqual({ state: 'unset' });
    expect(first.writes).toEqual([{ service: '1805', characteristic: '2a2b', bytes: expect.any(Array) }]);
    const second = episode(driver, sim, { atMs: NOW + 60 * 60_000 })!;
    expect(second.writes).toEqual([]);
    expect(byCode(second.kept).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW + 60 * 60_000, deviceClock: { state: 'set', offsetMs: 0 } });
  });

  it('skewed by 20 minutes: written (Omron rule), and the reading it stamped before keeps its offset', () => {
    const sim = driver.createSimulator('skewed');
    const r = episode(driver, sim, { atMs: NOW })!;
    expect(writesOf(r)).toEqual(['2a2b']);
    expect(byCode(r.kept).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW, deviceClock: { state: 'skewed', offsetMs: -20 * 60_000 } });
    const next = episode(driver, sim, { atMs: NOW + 3_600_000 })!;
    expect(next.writes).toEqual([]);
    expect(byCode(next.kept).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW + 3_600_000, deviceClock: { state: 'set', offsetMs: 0 } });
  });

  it('a&d: the Date Time in the BP service is its clock (no CTS, no write)', () => {
    const sim = driver.createSimulator('a-and-d');
    const r = episode(driver, sim, { atMs: NOW })!;
    expect(r.writes).toEqual([]);
    expect(byCode(r.kept).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ t: NOW, deviceClock: { state: 'set', offsetMs: 30_000 } });
    expect(r.events.filter((e) => e.kind === 'identity').at(-1)).toMatchObject({ manufacturer: 'A&D Medical', model: 'UA-651BLE' });
  });

  it('racp: the last record first, then only records after the mark, each with its seq', () => {
    const sim = driver.createSimulator('racp');
    const memory = new RecordMemory();
    const first = episode(driver, sim, { atMs: NOW, values: { systolic: 118 }, memory })!;
    expect(first.writes.map((w) => w.bytes)).toEqual([[0x01, 0x06]]);
    expect(byCode(first.kept).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 118, record: { seq: 1, stored: true } });
    sim.set({ systolic: 150, completeMeasurement: true });
    sim.advertising(NOW + 600_000);
    const second = episode(driver, sim, { atMs: NOW + 1_200_000, values: { systolic: 135 }, memory })!;
    expect(second.writes.map((w) => w.bytes)).toEqual([[0x01, 0x03, 0x01, 0x02, 0x00]]);
    expect(observations(second.kept).filter((o) => o.code === 'MDC_PRESS_BLD_NONINV_SYS').map((o) => [o.value, o.record?.seq])).toEqual([[150, 2], [135, 3]]);
    expect(memory.duplicates).toBe(0);
  });

  it('live: connected while it measures, the cuff pressure says measuring, then the reading at its end', () => {
    const r = episode(driver, driver.createSimulator('live'), { atMs: NOW, values: { systolic: 133, diastolic: 85 } })!;
    expectValidBleEvents(driver, r.events);
    expect(r.values.filter((v) => v.characteristic === UUID.intermediateCuffPressure).length).toBeGreaterThanOrEqual(15);
    expect(statusesOf(r.events)).toEqual(['measuring/cuff-inflating', 'ok']);
    expect(byCode(r.events).MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 133, t: NOW + 20_000, deviceClock: { state: 'set', offsetMs: 0 } });
    expect(r.endMs).toBeGreaterThanOrEqual(NOW + 20_000);
  });

  it('no-mean: over the simulated link, 133/85 with the MAP absent (NaN) in the same measurement, status ok', () => {
    const r = episode(driver, driver.createSimulator('no-mean'), { atMs: NOW, values: { systolic: 133, diastolic: 85 } })!;
    expectValidBleEvents(driver, r.events);
    const o = byCode(r.events);
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 133 });
    expect(o.MDC_PRESS_BLD_NONINV_DIA).toMatchObject({ value: 85 });
    expect(o.MDC_PRESS_BLD_NONINV_MEAN).toMatchObject({ absent: 'nan' });
    expect(o.MDC_PRESS_BLD_NONINV_MEAN!.measurementId).toBe(o.MDC_PRESS_BLD_NONINV_SYS!.measurementId);
    expect(statusesOf(r.events).filter((s) => s.startsWith('error'))).toEqual([]);
  });

  it('kpa: a kPa cuff round-trips to the same mmHg, its kPa kept as reported', () => {
    const sim = driver.createSimulator('kpa');
    const o = byCode(episode(driver, sim, { atMs: NOW, values: { systolic: 122, diastolic: 78 } })!.kept);
    expect(o.MDC_PRESS_BLD_NONINV_SYS).toMatchObject({ value: 122, reported: { value: 16.3, unit: 'kPa', decimals: 1 } });
    expect(o.MDC_PRESS_BLD_NONINV_DIA).toMatchObject({ value: 78, reported: { value: 10.4, unit: 'kPa' } });
  });

  it('the Current Time the cabin writes is the cabin clock: the cuff reads it back and is not written again', () => {
    const sim = driver.createSimulator('skewed');
    const r = episode(driver, sim, { atMs: NOW })!;
    expect(r.writes[0]!.bytes).toEqual(currentTimeBytes(NOW, 0));
    const again = connectOnce(driver, sim, { nowMs: NOW + 5_000 });
    expect(again.writes).toEqual([]);
    expect(observations(again.events)).toEqual([]);
  });
});

describe('ble-blood-pressure: manifest', () => {
  it('says how to pair, in French and English', () => {
    expectPairingWords(driver);
    expect(driver.manifest.transport).toBe('ble');
    expect(driver.link.read.slice(0, 8).map((r) => r.characteristic)).toEqual(['2a29', '2a24', '2a25', '2a26', '2a27', '2a28', '2a23', '2a2b']);
  });
});

describe('ble-blood-pressure: fuzzing', () => {
  it('never throws and emits only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 400);
  });

  it('any well-formed measurement decodes to its values (mmHg exactly, kPa within one rounding), flags from its status bits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 300 }),
        fc.integer({ min: 10, max: 250 }),
        fc.integer({ min: 1, max: 350 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
        fc.option(fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 0, 1)), noInvalidDate: true }), { nil: undefined }),
        (systolic, diastolic, pulse, kpa, status, date) => {
          const mean = Math.round((systolic + 2 * diastolic) / 3);
          const time = date ? [date.getUTCFullYear() & 0xff, date.getUTCFullYear() >> 8, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()] : undefined;
          const { d } = decoder();
          const ev = d.value(bp(UUID.bloodPressureMeasurement, measurementBytes({ systolic, diastolic, mean, pulse, kpa, ...(time ? { time } : {}), ...(status !== undefined ? { status } : {}) })), NOW);
          expectValidBleEvents(driver, ev);
          const o = byCode(ev);
          const tolerance = kpa ? 0.5 * 7.50062 + 0.5 : 0; // 0.1 kPa steps, then rounded to 1 mmHg
          // 300 mmHg is 40.0 kPa → 300.02 mmHg: still in range once rounded.
          expect(Math.abs(o.MDC_PRESS_BLD_NONINV_SYS!.value! - systolic)).toBeLessThanOrEqual(tolerance);
          expect(Math.abs(o.MDC_PRESS_BLD_NONINV_DIA!.value! - diastolic)).toBeLessThanOrEqual(tolerance);
          expect(o.MDC_PULS_RATE_NON_INV!.value).toBe(pulse);
          expect(o.MDC_PRESS_BLD_NONINV_SYS!.reported?.unit).toBe(kpa ? 'kPa' : undefined);
          const flags = o.MDC_PRESS_BLD_NONINV_SYS!.flags ?? [];
          expect(flags.includes('movement')).toBe(((status ?? 0) & 1) !== 0);
          expect(flags.includes('improper-position')).toBe(((status ?? 0) & 0x20) !== 0);
          expect(flags.includes('pulse-above-range')).toBe((((status ?? 0) >> 3) & 3) === 1);
          if (date) expect(o.MDC_PRESS_BLD_NONINV_SYS!.measurementId).toBe(`${ADDRESS}-${date.toISOString().slice(0, 19).replace(/\D/g, '')}`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
