import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes } from '../../drivers/_ble/datetime.ts';
import { driver } from '../../drivers/ble-pulse-oximeter/index.ts';
import { parseSpotCheck } from '../../drivers/ble-pulse-oximeter/plx.ts';
import { checkBleFuzz, connectOnce, episode, expectValidBleEvents, hexBytes, observations, RecordMemory, statusesOf, waitAdvertising } from './ble-harness.ts';

const SAT = 'MDC_PULS_OXIM_SAT_O2';
const PERF = 'MDC_PULS_OXIM_PERF_REL';
const PR = 'MDC_PULS_OXIM_PULS_RATE';
const PI = 'MDC_PULS_OXIM_PERF_REL';
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);
const ADDRESS = '00:11:22:33:44:55';
/** The simulators show local time, as a device set by hand does. */
const UTC = -new Date(T0).getTimezoneOffset();

const spot = (bytes: Uint8Array): CharacteristicValue => ({ service: '1822', characteristic: '2a5e', bytes, via: 'indicate' });
const cont = (bytes: Uint8Array): CharacteristicValue => ({ service: '1822', characteristic: '2a5f', bytes, via: 'notify' });
const u16 = (v: number): number[] => [v & 0xff, v >> 8];
const u24 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, v >> 16];

function fresh(nowMs = T0): BleDecoder {
  const d = driver.createDecoder();
  d.connected({ nowMs, utcOffsetMin: 0, address: ADDRESS, available: [] });
  return d;
}
const valuesOf = (events: readonly DeviceEvent[], code: string): number[] =>
  observations(events)
    .filter((o) => o.code === code && o.value !== undefined)
    .map((o) => o.value!);
const absentOf = (events: readonly DeviceEvent[], code: string): (string | undefined)[] =>
  observations(events)
    .filter((o) => o.code === code && o.absent !== undefined)
    .map((o) => o.absent);

/** A spot-check with measurement status, device/sensor status and PAI (flags 0x0E), written from §B3 by hand. */
function spotWith(ms: number, ss: number, spo2 = 0x0062, pr = 0x0048, pai = 0xf018): Uint8Array {
  return Uint8Array.from([0x0e, ...u16(spo2), ...u16(pr), ...u16(ms), ...u24(ss), ...u16(pai)]);
}

describe('ble-pulse-oximeter: the computed vector of ble-fhir.md §B3', () => {
  it('00 62 00 48 00 is SpO2 98 % and 72 bpm, one measurement, as a spot-check', () => {
    const events = fresh().value(spot(hexBytes('00 62 00 48 00')), T0);
    const obs = observations(events);
    expect(obs.map((o) => [o.code, o.value, o.unit, o.decimals])).toEqual([[SAT, 98, '%', 0], [PR, 72, '/min', 0]]);
    expect(obs[0]!.measurementId).toBeDefined();
    expect(obs[0]!.measurementId).toBe(obs[1]!.measurementId);
    expect(obs[0]!.t).toBe(T0);
    // No time stamp, no Current Time read: the clock is unknown, not assumed right.
    expect(obs[0]!.deviceClock).toEqual({ state: 'unknown' });
    expect(obs[0]!.flags).toBeUndefined();
    expect(statusesOf(events)).toEqual(['ok']);
    expectValidBleEvents(driver, events);
  });

  it('the same bytes as a continuous measurement (flags 0) give the same values, without a measurement id', () => {
    const obs = observations(fresh().value(cont(hexBytes('00 62 00 48 00')), T0));
    expect(obs.map((o) => [o.code, o.value])).toEqual([[SAT, 98], [PR, 72]]);
    expect(obs.every((o) => o.measurementId === undefined)).toBe(true);
  });

  it('rejects values shorter than their flags announce, with a status and no number', () => {
    const cases: [string, CharacteristicValue][] = [
      ['4 bytes', spot(hexBytes('00 62 00 48'))],
      ['empty', spot(new Uint8Array())],
      ['time announced, 6 of 7 bytes', spot(hexBytes('01 62 00 48 00 EA 07 0C 06 0A 00'))],
      ['PAI announced, absent', spot(hexBytes('08 62 00 48 00'))],
      ['continuous: fast pair announced, absent', cont(hexBytes('01 62 00 48 00 62 00'))],
      ['continuous: sensor status cut', cont(hexBytes('08 62 00 48 00 00 00'))],
    ];
    for (const [name, v] of cases) {
      const events = fresh().value(v, T0);
      expect(observations(events), name).toEqual([]);
      expect(statusesOf(events)[0], name).toMatch(/^error\/malformed-/);
    }
  });

  it('parses every optional field in order (time, measurement status, sensor status, PAI)', () => {
    const bytes = Uint8Array.from([0x1f, 0x62, 0x00, 0x48, 0x00, 0xea, 0x07, 0x0c, 0x06, 0x0a, 0x00, 0x00, 0x40, 0x00, 0x20, 0x00, 0x00, 0x18, 0xf0]);
    const r = parseSpotCheck(bytes, 0);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.reading.time).toMatchObject({ ok: true, ms: Date.UTC(2026, 11, 6, 10, 0, 0) });
    expect(r.reading.measurementStatus).toBe(0x0040);
    expect(r.reading.sensorStatus).toBe(0x000020);
    expect(r.reading.pai).toMatchObject({ ok: true, value: 2.4, decimals: 1 });
    expect(r.reading.clockNotSet).toBe(true);
  });
});

describe('ble-pulse-oximeter: status bits', () => {
  const cases: [string, number, number, { obs: boolean; status: string; flags?: string[] }][] = [
    ['demo data (b10)', 1 << 10, 0, { obs: false, status: 'error/demo-data' }],
    ['testing data (b11)', 1 << 11, 0, { obs: false, status: 'error/demo-data' }],
    ['invalid (b15)', 1 << 15, 0, { obs: false, status: 'searching/invalid-measurement' }],
    ['unavailable (b13)', 1 << 13, 0, { obs: false, status: 'searching/measurement-unavailable' }],
    ['sensor unconnected to user (b11)', 0, 1 << 11, { obs: false, status: 'probe-off/sensor-unconnected' }],
    ['sensor disconnected (b15)', 0, 1 << 15, { obs: false, status: 'probe-off/sensor-disconnected' }],
    ['early estimate (b6)', 1 << 6, 0, { obs: true, status: 'ok', flags: ['early-estimate'] }],
    ['questionable (b14)', 1 << 14, 0, { obs: true, status: 'ok', flags: ['questionable'] }],
    ['calibrating (b12)', 1 << 12, 0, { obs: true, status: 'ok', flags: ['calibrating'] }],
    ['from storage (b9)', 1 << 9, 0, { obs: true, status: 'ok', flags: ['from-storage'] }],
    ['low perfusion (b5)', 0, 1 << 5, { obs: true, status: 'low-perfusion', flags: ['low-perfusion'] }],
    ['poor signal (b4)', 0, 1 << 4, { obs: true, status: 'artifact/poor-signal', flags: ['poor-signal'] }],
    ['equipment malfunction (b1)', 0, 1 << 1, { obs: true, status: 'sensor-fault', flags: ['sensor-fault'] }],
    ['several: early estimate, low perfusion, poor signal', 1 << 6, (1 << 5) | (1 << 4), { obs: true, status: 'low-perfusion', flags: ['early-estimate', 'low-perfusion', 'poor-signal'] }],
    ['demo wins over a good-looking reading with other flags', (1 << 10) | (1 << 7), 1 << 5, { obs: false, status: 'error/demo-data' }],
  ];
  for (const [name, ms, ss, want] of cases) {
    it(name, () => {
      const events = fresh().value(spot(spotWith(ms, ss)), T0);
      const obs = observations(events);
      expect(statusesOf(events)).toEqual([want.status]);
      if (!want.obs) {
        expect(obs).toEqual([]);
        return;
      }
      expect(obs.map((o) => o.code)).toEqual([SAT, PR, PI]);
      expect(obs[2]).toMatchObject({ value: 2.4, decimals: 1, unit: '%' });
      for (const o of obs) expect(o.flags).toEqual(want.flags);
      if (want.flags?.includes('from-storage')) for (const o of obs) expect(o.record).toEqual({ stored: true });
      expectValidBleEvents(driver, events);
    });
  }

  it('continuous values with demo data never become observations either', () => {
    const d = fresh();
    const bytes = Uint8Array.from([0x0c, 0x62, 0x00, 0x48, 0x00, ...u16(1 << 10), 0, 0, 0]);
    const events = [0, 1000, 2000].flatMap((dt) => d.value(cont(bytes), T0 + dt));
    expect(observations(events)).toEqual([]);
    expect(statusesOf(events)).toEqual(['error/demo-data']);
  });
});

describe('ble-pulse-oximeter: special and out-of-range values', () => {
  const cases: [string, number, number, string, number[], number[]][] = [
    ['SpO2 NaN', 0x07ff, 0x0048, 'searching/spo2-nan', [], [72]],
    ['SpO2 NRes', 0x0800, 0x0048, 'searching/spo2-nres', [], [72]],
    ['pulse +INF', 0x0062, 0x07fe, 'searching/pulse-positive-infinity', [98], []],
    ['SpO2 101 %', 0x0065, 0x0048, 'error/spo2-out-of-range', [], [72]],
    ['SpO2 −1 %', 0x0fff, 0x0048, 'error/spo2-out-of-range', [], [72]],
    ['pulse 0', 0x0062, 0x0000, 'error/pulse-out-of-range', [98], []],
    ['pulse 4000 (400 × 10^1)', 0x0062, 0x1190, 'error/pulse-out-of-range', [98], []],
  ];
  for (const [name, spo2, pr, status, sat, pulse] of cases) {
    it(name, () => {
      const events = fresh().value(spot(Uint8Array.from([0x00, ...u16(spo2), ...u16(pr)])), T0);
      expect(valuesOf(events, SAT)).toEqual(sat);
      expect(valuesOf(events, PR)).toEqual(pulse);
      expect(statusesOf(events)).toEqual([status]);
    });
  }

  it('a special SpO2 or pulse in a spot-check is that value absent in the measurement', () => {
    const events = fresh().value(spot(Uint8Array.from([0x00, ...u16(0x0800), ...u16(0x0048)])), T0);
    expectValidBleEvents(driver, events);
    expect(absentOf(events, SAT)).toEqual(['nres']);
    expect(absentOf(events, PR)).toEqual([]);
    const both = observations(events);
    expect(both[0]!.measurementId).toBe(both[1]!.measurementId);
    expect(absentOf(fresh().value(spot(Uint8Array.from([0x00, ...u16(0x0062), ...u16(0x07fe)])), T0), PR)).toEqual(['positive-infinity']);
  });

  it('a PAI special value: the PAI absent, SpO2 and pulse stand', () => {
    const events = fresh().value(spot(spotWith(0, 0, 0x0062, 0x0048, 0x07ff)), T0);
    expect(observations(events).map((o) => o.code)).toEqual([SAT, PR, PERF]);
    expect(absentOf(events, PERF)).toEqual(['nan']);
  });

  it('continuous at 1 Hz: one absent SpO2 on the change from values to NaN, not every second, again after a value came back', () => {
    const d = fresh();
    const at = (dt: number, spo2: number) => d.value(cont(Uint8Array.from([0x00, ...u16(spo2), 0x48, 0x00])), T0 + dt);
    const events = [at(0, 97), at(1000, 0x07ff), at(2000, 0x07ff), at(3000, 0x07ff), at(4000, 0x0800), at(5000, 97), at(6000, 0x07ff), at(7000, 0x07ff)];
    const absents = events.map((e) => absentOf(e, SAT));
    expect(absents).toEqual([[], ['nan'], [], [], [], [], ['nan'], []]);
    expect(valuesOf(events[5]!, SAT)).toEqual([97]);
    expect(statusesOf(events.flat())).toContain('searching/spo2-nan');
  });
});

describe('ble-pulse-oximeter: the device clock', () => {
  const stamped = (flags: number, time: number[]): Uint8Array => Uint8Array.from([flags, 0x62, 0x00, 0x48, 0x00, ...time]);

  it('flag b4 "device clock not set" makes the clock unset and the reading the cabin\'s time', () => {
    const obs = observations(fresh().value(spot(stamped(0x11, dateTimeBytes(T0 - 3_600_000, 0))), T0));
    expect(obs[0]!.deviceClock).toEqual({ state: 'unset' });
    expect(obs[0]!.t).toBe(T0);
  });

  it('a year-0 time stamp is an unset clock too', () => {
    const obs = observations(fresh().value(spot(stamped(0x01, [0, 0, 0, 0, 0, 0, 0])), T0));
    expect(obs[0]!.deviceClock).toEqual({ state: 'unset' });
  });

  it('a time stamp is put on the cabin clock with the Current Time read on connection (skewed by 20 min)', () => {
    const d = driver.createDecoder();
    d.connected({ nowMs: T0, utcOffsetMin: 60, address: ADDRESS, available: [] });
    const skew = 20 * 60_000;
    d.value({ service: '1805', characteristic: '2a2b', bytes: Uint8Array.from(currentTimeBytes(T0 + skew, 60)), via: 'read' }, T0);
    const measured = T0 - 30_000;
    const obs = observations(d.value(spot(stamped(0x01, dateTimeBytes(measured + skew, 60))), T0));
    expect(obs[0]!.t).toBe(measured);
    expect(obs[0]!.deviceClock).toEqual({ state: 'skewed', offsetMs: skew });
  });

  it('the same stamped spot-check indicated twice keeps one measurement id (a resent indication)', () => {
    const d = fresh();
    const bytes = stamped(0x01, dateTimeBytes(T0 - 5000, 0));
    const a = observations(d.value(spot(bytes), T0));
    const b = observations(d.value(spot(bytes), T0 + 2000));
    expect(a[0]!.measurementId).toBe(b[0]!.measurementId);
  });
});

describe('ble-pulse-oximeter: continuous values follow the emitter rules', () => {
  it('on change at most every 250 ms, repeated every second', () => {
    const d = fresh();
    const at = (dt: number, spo2: number): number[] => valuesOf(d.value(cont(Uint8Array.from([0x00, spo2, 0x00, 0x48, 0x00])), T0 + dt), SAT);
    expect(at(0, 97)).toEqual([97]);
    expect(at(100, 97)).toEqual([]);
    expect(at(200, 96)).toEqual([]);
    expect(at(300, 96)).toEqual([96]);
    expect(at(900, 96)).toEqual([]);
    expect(at(1300, 96)).toEqual([96]);
  });
});

describe('ble-pulse-oximeter: against its simulator', () => {
  it('continuous: identity, Current Time, then SpO2, pulse and PI every second; probe off is a status and each value absent once, never a number', () => {
    const sim = driver.createSimulator('continuous');
    const first = connectOnce(driver, sim, { nowMs: T0, utcOffsetMin: UTC, maxMs: 5000 });
    expect(first.unsubscribed).toEqual([]);
    expect(first.events.filter((e) => e.kind === 'identity').at(-1)).toMatchObject({ manufacturer: 'Cabin Simulated', model: 'PLX-3230', address: sim.address });
    const obs = observations(first.events);
    expect(new Set(valuesOf(first.events, SAT))).toEqual(new Set([97]));
    expect(valuesOf(first.events, PR).every((v) => v >= 71 && v <= 73)).toBe(true);
    expect(valuesOf(first.events, PI)).toContain(2.4);
    expect(obs.length).toBeGreaterThanOrEqual(12);
    expect(obs.every((o) => o.deviceClock?.state === 'set')).toBe(true);
    expectValidBleEvents(driver, first.events);
    sim.set({ probeOff: true });
    const off = connectOnce(driver, sim, { nowMs: T0 + 10_000, utcOffsetMin: UTC, maxMs: 3000 });
    // Three seconds of NaN (SFLOAT 07FF) at 1 Hz: each value recorded absent once, on the change, not every second.
    expect(observations(off.events).map((o) => [o.code, o.absent, o.value])).toEqual([
      [SAT, 'nan', undefined],
      [PR, 'nan', undefined],
      [PI, 'nan', undefined],
    ]);
    expect(off.values.filter((v) => /2a5f/i.test(v.characteristic)).length).toBeGreaterThanOrEqual(2);
    expect(statusesOf(off.events)).toContain('probe-off/sensor-unconnected');
  });

  it('spot-check: the device advertises after measuring, indicates one spot-check and leaves; each measurement once', () => {
    const sim = driver.createSimulator('spot-check');
    expect(sim.advertising(1000)).toBe(false);
    const at = waitAdvertising(sim, 0);
    expect(at).toBe(2000);
    const memory = new RecordMemory();
    const one = connectOnce(driver, sim, { nowMs: T0 + at!, utcOffsetMin: UTC, maxMs: 20_000 });
    expect(one.endMs - (T0 + at!)).toBeLessThan(1000);
    const obs = observations(one.events);
    expect(obs.map((o) => o.code)).toEqual([SAT, PR, PI]);
    expect(obs[0]!.deviceClock).toMatchObject({ state: 'set' });
    expect(memory.keep(one.events)).toHaveLength(one.events.length);
    expect(sim.advertising(T0 + 60_000)).toBe(false);
    const two = episode(driver, sim, { atMs: T0 + 60_000, utcOffsetMin: UTC, values: { spo2: 93, pulse: 88 }, memory });
    expect(two).toBeDefined();
    expect(valuesOf(two!.kept, SAT)).toEqual([93]);
    expect(observations(two!.kept)[0]!.measurementId).not.toBe(obs[0]!.measurementId);
    expectValidBleEvents(driver, [...one.events, ...two!.events]);
  });

  it('demo scenario: never a patient observation', () => {
    const res = connectOnce(driver, driver.createSimulator('demo'), { nowMs: T0, utcOffsetMin: UTC, maxMs: 5000 });
    expect(observations(res.events)).toEqual([]);
    expect(statusesOf(res.events)).toContain('error/demo-data');
  });

  it('unset-clock scenario: the spot-check carries an unset device clock', () => {
    const sim = driver.createSimulator('unset-clock');
    const res = connectOnce(driver, sim, { nowMs: T0 + waitAdvertising(sim, 0)!, maxMs: 5000 });
    const obs = observations(res.events);
    expect(obs.length).toBe(3);
    expect(obs.every((o) => o.deviceClock?.state === 'unset')).toBe(true);
  });
});

describe('ble-pulse-oximeter: fuzzing', () => {
  it('never throws and gives only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 300);
  });

  it('structured spot-checks: demo, testing, invalid or unavailable never give a number (demo nothing at all); others stay in range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffff }), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 3, maxLength: 3 }), (flags, ms, ss, [a, b, c]) => {
        const bytes = Uint8Array.from([flags | 0x06, ...u16(a!), ...u16(b!), ...(flags & 1 ? dateTimeBytes(T0, 0) : []), ...u16(ms), ...u24(ss), ...(flags & 8 ? u16(c!) : [])]);
        const events = fresh().value(spot(bytes), T0);
        expectValidBleEvents(driver, events);
        // No number: a special value beside them may still be recorded absent (never a value), and demo data gives
        // nothing at all.
        if (ms & 0xac00 || ss & 0x8800) expect(observations(events).filter((o) => o.value !== undefined)).toEqual([]);
        if (ms & 0x0400) expect(observations(events)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
