import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/ble-thermometer/index.ts';
import { measurementBytes } from '../../drivers/ble-thermometer/measurement.ts';
import { UUID } from '../../drivers/_ble/uuid.ts';
import { checkBleFuzz, expectPairingWords, episode, expectValidBleEvents, hexBytes, observations, statusesOf, waitAdvertising } from './ble-harness.ts';

const ADDRESS = 'AA:BB:CC:DD:EE:02';
const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);
const VECTOR = '06 B0 0E 00 FE DC 07 0C 05 0B 32 1B 04';

function decode(values: { characteristic: string; bytes: Uint8Array; via?: 'read' | 'indicate' }[], utcOffsetMin = 0): DeviceEvent[] {
  const d = driver.createDecoder();
  const available = [UUID.temperatureMeasurement, UUID.temperatureType].map((characteristic) => ({ service: UUID.healthThermometer, characteristic }));
  const events = [...d.connected({ nowMs: NOW, utcOffsetMin, address: ADDRESS, available })];
  for (const v of values) events.push(...d.value({ service: UUID.healthThermometer, characteristic: v.characteristic, bytes: v.bytes, via: v.via ?? 'indicate' }, NOW));
  expectValidBleEvents(driver, events);
  return events;
}
const measure = (bytes: Uint8Array) => ({ characteristic: UUID.temperatureMeasurement, bytes });
const siteRead = (site: number) => ({ characteristic: UUID.temperatureType, bytes: Uint8Array.from([site]), via: 'read' as const });

describe('ble-thermometer: reference vectors (ble-fhir.md §B2)', () => {
  it(`${VECTOR} → 37.60 °C (decimals 2, exactly 37.6), 2012-12-05 11:50:27, finger`, () => {
    const [o] = observations(decode([measure(hexBytes(VECTOR))]));
    expect(o).toMatchObject({ code: 'MDC_TEMP_FINGER', unit: 'Cel', decimals: 2, t: Date.UTC(2012, 11, 5, 11, 50, 27) });
    expect(o!.value).toBe(37.6);
    expect(o!.reported).toBeUndefined();
    // Stamped years before this connection, and no Current Time read: from the device's memory, its clock unknown.
    expect(o).toMatchObject({ record: { stored: true }, deviceClock: { state: 'unknown' }, measurementId: `${ADDRESS}-20121205115027` });
  });

  it('the device time is local: with the cabin at UTC+1 it is 10:50:27 UTC', () => {
    expect(observations(decode([measure(hexBytes(VECTOR))], 60))[0]!.t).toBe(Date.UTC(2012, 11, 5, 10, 50, 27));
  });

  it('the same without the last byte is refused (and every other truncation too)', () => {
    const full = hexBytes(VECTOR);
    for (let n = 0; n < full.length; n++) {
      const ev = decode([measure(full.subarray(0, n))]);
      expect(observations(ev), `length ${n}`).toEqual([]);
      expect(statusesOf(ev)).toEqual(['error/short-value']);
    }
  });

  it('special FLOATs: the temperature absent (the reason the device gave, never a number), and an error status to measure again', () => {
    const specials: [number, string][] = [[0x007fffff, 'nan'], [0x00800000, 'nres'], [0x007ffffe, 'positive-infinity'], [0x00800002, 'negative-infinity'], [0x00800001, 'reserved']];
    for (const [raw, name] of specials) {
      const ev = decode([siteRead(6), measure(Uint8Array.from([0x00, raw & 0xff, (raw >> 8) & 0xff, (raw >> 16) & 0xff, raw >>> 24]))]);
      const obs = observations(ev);
      expect(obs, name).toHaveLength(1);
      expect(obs[0]).toMatchObject({ code: 'MDC_TEMP_ORAL', unit: 'Cel', absent: name, t: NOW });
      expect(obs[0]).not.toHaveProperty('value');
      expect(obs[0]).not.toHaveProperty('decimals');
      expect(statusesOf(ev)).toEqual([`error/temperature-${name}`]);
    }
  });

  it('the nres simulator sends the real FLOAT NRes bytes (00 00 80 00) and the decoder records the temperature absent', () => {
    const bytes = measurementBytes({ value: 36.8, decimals: 2, special: 'nres' });
    expect([...bytes.subarray(1, 5)]).toEqual([0x00, 0x00, 0x80, 0x00]);
    expect(observations(decode([measure(bytes)]))[0]).toMatchObject({ code: 'MDC_TEMP_BODY', absent: 'nres' });
  });

  it('°F becomes Cel with the same decimals and keeps the °F value as reported', () => {
    const [o] = observations(decode([measure(measurementBytes({ value: 98.6, decimals: 1, fahrenheit: true }))]));
    expect(o).toMatchObject({ code: 'MDC_TEMP_BODY', value: 37, unit: 'Cel', decimals: 1, reported: { value: 98.6, unit: '[degF]', decimals: 1 } });
    expect(observations(decode([measure(measurementBytes({ value: 101.25, decimals: 2, fahrenheit: true }))]))[0]!.value).toBe(38.47);
  });

  it('each measurement type gives its site code; a reserved type or none falls back to 0x2A1D, then body', () => {
    const expected = ['MDC_TEMP_AXILLA', 'MDC_TEMP_BODY', 'MDC_TEMP_EAR', 'MDC_TEMP_FINGER', 'MDC_TEMP_GIT', 'MDC_TEMP_ORAL', 'MDC_TEMP_RECT', 'MDC_TEMP_TOE', 'MDC_TEMP_TYMP'];
    for (let type = 1; type <= 9; type++) {
      expect(observations(decode([measure(measurementBytes({ value: 37, decimals: 1, type }))]))[0]!.code).toBe(expected[type - 1]);
    }
    expect(observations(decode([measure(measurementBytes({ value: 37, decimals: 1, type: 0 }))]))[0]!.code).toBe('MDC_TEMP_BODY');
    expect(observations(decode([siteRead(7), measure(measurementBytes({ value: 37, decimals: 1, type: 10 }))]))[0]!.code).toBe('MDC_TEMP_RECT');
    expect(observations(decode([siteRead(6), measure(measurementBytes({ value: 37, decimals: 1 }))]))[0]!.code).toBe('MDC_TEMP_ORAL');
    expect(observations(decode([siteRead(4), measure(measurementBytes({ value: 37, decimals: 1, type: 9 }))]))[0]!.code).toBe('MDC_TEMP_TYMP');
    expect(observations(decode([siteRead(0), measure(measurementBytes({ value: 37, decimals: 1 }))]))[0]!.code).toBe('MDC_TEMP_BODY');
  });

  it('intermediate temperatures say measuring, never a reading', () => {
    const ev = decode([{ characteristic: '2a1e', bytes: measurementBytes({ value: 35.2, decimals: 1 }) }, { characteristic: '2a1e', bytes: measurementBytes({ value: 36.1, decimals: 1 }) }]);
    expect(observations(ev)).toEqual([]);
    expect(statusesOf(ev)).toEqual(['measuring/temperature-settling']);
    expect(statusesOf(decode([{ characteristic: '2a1e', bytes: hexBytes('00 01') }]))).toEqual(['error/short-value']);
  });

  it('a room-temperature reading (22 °C) is out of range: a status', () => {
    const ev = decode([measure(measurementBytes({ value: 22, decimals: 1 }))]);
    expect(observations(ev)).toEqual([]);
    expect(statusesOf(ev)).toEqual(['error/temperature-out-of-range']);
  });

  it('an impossible date (31 February) counts as an unset clock: the cabin time', () => {
    const [o] = observations(decode([measure(measurementBytes({ value: 37, decimals: 1, time: [0xea, 0x07, 2, 31, 9, 0, 0] }))]));
    expect(o).toMatchObject({ t: NOW, deviceClock: { state: 'unset' } });
  });
});

describe('ble-thermometer: simulator round trips', () => {
  it('default: an ear reading with 2 decimals, on the cabin clock from CTS, nothing written', () => {
    const sim = driver.createSimulator('default');
    expect(waitAdvertising(sim, NOW, 5_000)).toBeUndefined();
    const r = episode(driver, sim, { atMs: NOW, values: { temperature: 38.25 } })!;
    expectValidBleEvents(driver, r.events);
    expect(r.writes).toEqual([]);
    expect(r.unsubscribed).toEqual([]);
    expect(observations(r.events)).toEqual([
      expect.objectContaining({ code: 'MDC_TEMP_EAR', value: 38.25, decimals: 2, t: NOW, deviceClock: { state: 'set', offsetMs: -45_000 } }),
    ]);
    expect(observations(r.events)[0]!.record).toBeUndefined();
    expect(sim.advertising(r.endMs + 100)).toBe(false);
  });

  it('fahrenheit: °F with its site from Temperature Type', () => {
    const r = episode(driver, driver.createSimulator('fahrenheit'), { atMs: NOW, values: { temperature: 36.8 } })!;
    expect(observations(r.events)).toEqual([expect.objectContaining({ code: 'MDC_TEMP_ORAL', value: 36.8, decimals: 1, reported: { value: 98.2, unit: '[degF]', decimals: 1 } })]);
  });

  it('nres: over the simulated link, the ear temperature absent (NRes), the error status to measure again', () => {
    const r = episode(driver, driver.createSimulator('nres'), { atMs: NOW })!;
    expectValidBleEvents(driver, r.events);
    const obs = observations(r.events);
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ code: 'MDC_TEMP_EAR', absent: 'nres', unit: 'Cel' });
    expect(obs[0]!.value).toBeUndefined();
    expect(statusesOf(r.events)).toContain('error/temperature-nres');
  });

  it('no-site: body temperature on the cabin clock, device clock unknown', () => {
    const r = episode(driver, driver.createSimulator('no-site'), { atMs: NOW })!;
    const [o] = observations(r.events);
    expect(o).toMatchObject({ code: 'MDC_TEMP_BODY', value: 36.8, decimals: 1, deviceClock: { state: 'unknown' } });
    expect(o!.t).toBeGreaterThanOrEqual(NOW);
  });

  it('two readings taken apart while away: the older arrives marked stored, both at their own time', () => {
    const sim = driver.createSimulator('default');
    sim.set({ temperature: 37.1, completeMeasurement: true });
    sim.advertising(NOW);
    const r = episode(driver, sim, { atMs: NOW + 15 * 60_000, values: { temperature: 37.4 } })!;
    expect(observations(r.events).map((o) => [o.value, o.t, o.record?.stored ?? false])).toEqual([[37.1, NOW, true], [37.4, NOW + 15 * 60_000, false]]);
    // Sent once: the next connection has nothing old.
    const next = episode(driver, sim, { atMs: NOW + 30 * 60_000, values: { temperature: 36.9 } })!;
    expect(observations(next.events).map((o) => o.value)).toEqual([36.9]);
  });
});

describe('ble-thermometer: manifest', () => {
  it('says how to pair, in French and English', () => {
    expectPairingWords(driver);
    expect(driver.manifest.transport).toBe('ble');
    expect(driver.link.read.slice(0, 8).map((r) => r.characteristic)).toEqual(['2a29', '2a24', '2a25', '2a26', '2a27', '2a28', '2a23', '2a2b']);
  });
});

describe('ble-thermometer: fuzzing', () => {
  it('never throws and emits only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 400);
  });

  it('any well-formed measurement in range decodes to its value and decimals (°F within half a last digit), its site code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2500, max: 4500 }), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 0, max: 255 }), (centi, decimals, fahrenheit, type) => {
        const celsius = Math.round(centi / 10 ** (2 - decimals)) / 10 ** decimals;
        const reported = fahrenheit ? (celsius * 9) / 5 + 32 : celsius;
        const ev = decode([measure(measurementBytes({ value: reported, decimals, fahrenheit, type }))]);
        const [o] = observations(ev);
        if (!o) {
          // Only a °F value whose Cel rounding falls just outside 25…45 may be refused.
          expect(fahrenheit && (celsius < 25.1 || celsius > 44.9)).toBe(true);
          return;
        }
        expect(o.decimals).toBe(decimals);
        expect(Math.abs(o.value! - celsius)).toBeLessThanOrEqual(fahrenheit ? (0.5 * 10 ** -decimals * 5) / 9 + 0.5 * 10 ** -decimals + 1e-9 : 0);
        expect(o.code).toBe(type >= 1 && type <= 9 ? ['MDC_TEMP_AXILLA', 'MDC_TEMP_BODY', 'MDC_TEMP_EAR', 'MDC_TEMP_FINGER', 'MDC_TEMP_GIT', 'MDC_TEMP_ORAL', 'MDC_TEMP_RECT', 'MDC_TEMP_TOE', 'MDC_TEMP_TYMP'][type - 1] : 'MDC_TEMP_BODY');
      }),
      { numRuns: 300 },
    );
  });
});
