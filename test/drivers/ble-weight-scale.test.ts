import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, ObservationEvent } from '../../src/shared/device-event.ts';
import { driver } from '../../drivers/ble-weight-scale/index.ts';
import { featureBytes, measurementBytes } from '../../drivers/ble-weight-scale/measurement.ts';
import { UUID } from '../../drivers/_ble/uuid.ts';
import { checkBleFuzz, expectPairingWords, episode, expectValidBleEvents, hexBytes, observations, statusesOf } from './ble-harness.ts';

const ADDRESS = 'AA:BB:CC:DD:EE:03';
const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);

function decode(measurement: Uint8Array, feature?: Uint8Array): DeviceEvent[] {
  const d = driver.createDecoder();
  const available = [UUID.weightMeasurement, UUID.weightScaleFeature].map((characteristic) => ({ service: UUID.weightScale, characteristic }));
  const events = [...d.connected({ nowMs: NOW, utcOffsetMin: 0, address: ADDRESS, available })];
  if (feature) events.push(...d.value({ service: UUID.weightScale, characteristic: UUID.weightScaleFeature, bytes: feature, via: 'read' }, NOW));
  events.push(...d.value({ service: UUID.weightScale, characteristic: UUID.weightMeasurement, bytes: measurement, via: 'indicate' }, NOW));
  expectValidBleEvents(driver, events);
  return events;
}
const byCode = (events: readonly DeviceEvent[]): Record<string, ObservationEvent> => Object.fromEntries(observations(events).map((o) => [o.code, o]));
const feature = (weightIndex: number, heightIndex = 0) => featureBytes({ timestamp: true, users: true, bmi: true, weightIndex, heightIndex });

describe('ble-weight-scale: reference vector and layout (ble-fhir.md §B4)', () => {
  it('00 B0 36 → 70.00 kg on the cabin clock (no time in it, no clock read)', () => {
    const ev = decode(hexBytes('00 B0 36'));
    expect(observations(ev)).toEqual([
      expect.objectContaining({ code: 'MDC_MASS_BODY_ACTUAL', value: 70, unit: 'kg', decimals: 2, t: NOW, deviceClock: { state: 'unknown' } }),
    ]);
    expect(observations(ev)[0]!.record).toBeUndefined();
  });

  it('short values are refused: the vector cut, or flags announcing more than is there', () => {
    expect(statusesOf(decode(hexBytes('00 B0')))).toEqual(['error/short-value']);
    expect(statusesOf(decode(hexBytes('02 B0 36 EA 07 0C 06 0A 00')))).toEqual(['error/short-value']);
    expect(statusesOf(decode(hexBytes('08 B0 36 E5 00 D6')))).toEqual(['error/short-value']);
    expect(observations(decode(hexBytes('0E B0 36 EA 07 0C 06 0A 00 00 01 E5 00 D6')))).toEqual([]);
  });

  it('0xFFFF is "measurement unsuccessful"; an impossible weight is out of range: statuses, no number', () => {
    const failed = decode(hexBytes('00 FF FF'));
    expect(statusesOf(failed)).toEqual(['error/measurement-unsuccessful']);
    // The scale weighed and gave no number: the weight absent (as an IEEE 11073 NaN), never 0 kg or 327 kg.
    expect(observations(failed)).toHaveLength(1);
    expect(observations(failed)[0]).toMatchObject({ code: 'MDC_MASS_BODY_ACTUAL', absent: 'nan' });
    expect(observations(failed)[0]!.value).toBeUndefined();
    expect(statusesOf(decode(hexBytes('00 00 00')))).toEqual(['error/weight-out-of-range']);
    expect(observations(decode(hexBytes('00 32 00')))).toEqual([]); // 0.25 kg
  });

  it('the feature sets the resolution: 0.1 kg → 1 decimal, 0.05 kg rounds 70.005 to 70.01; without it 70.005 stays', () => {
    expect(byCode(decode(hexBytes('00 B0 36'), feature(3))).MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 70, decimals: 1 });
    expect(byCode(decode(hexBytes('00 B1 36'), feature(4))).MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 70.01, decimals: 2 });
    expect(byCode(decode(hexBytes('00 B1 36'))).MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 70.005, decimals: 3 });
    expect(byCode(decode(hexBytes('00 B0 36'), feature(7))).MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 70, decimals: 3 });
  });

  it('pounds become kg and keep the pounds as reported', () => {
    const o = byCode(decode(measurementBytes({ weight: 15430, imperial: true }))).MDC_MASS_BODY_ACTUAL;
    expect(o).toMatchObject({ value: 69.989, unit: 'kg', decimals: 3, reported: { value: 154.3, unit: '[lb_av]', decimals: 2 } });
    expect(byCode(decode(measurementBytes({ weight: 15430, imperial: true }), feature(4))).MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 69.99, reported: { value: 154.3, decimals: 1 } });
  });

  it('BMI and height share the weight’s measurement; height in cm, inches kept as reported; the user id nowhere', () => {
    const si = decode(measurementBytes({ weight: 14000, user: 3, bmi: 229, height: 1750 }), feature(4, 3));
    const o = byCode(si);
    expect(o.MDC_LEN_BODY_ACTUAL).toMatchObject({ value: 175, unit: 'cm', decimals: 1 });
    expect(o.MDC_RATIO_MASS_BODY_LEN_SQ).toMatchObject({ value: 22.9, unit: 'kg/m2', decimals: 1 });
    expect(new Set(observations(si).map((x) => x.measurementId)).size).toBe(1);
    expect(JSON.stringify(si)).not.toMatch(/user/i);
    expect(byCode(decode(measurementBytes({ weight: 14000, bmi: 229, height: 1750 }), feature(4, 1))).MDC_LEN_BODY_ACTUAL).toMatchObject({ value: 175, decimals: 0 });
    const imperial = byCode(decode(measurementBytes({ weight: 15430, imperial: true, bmi: 229, height: 689 }))).MDC_LEN_BODY_ACTUAL;
    expect(imperial).toMatchObject({ value: 175, unit: 'cm', decimals: 1, reported: { value: 68.9, unit: '[in_i]', decimals: 1 } });
  });

  it('a height or BMI out of range is left out, the weight stands', () => {
    const ev = decode(measurementBytes({ weight: 14000, bmi: 0, height: 0 }));
    expect(observations(ev).map((o) => o.code)).toEqual(['MDC_MASS_BODY_ACTUAL']);
  });
});

describe('ble-weight-scale: simulator round trips', () => {
  it('default: weight 0.05 kg, height and BMI from the scale, device clock from CTS, nothing written', () => {
    const r = episode(driver, driver.createSimulator('default'), { atMs: NOW, values: { weight: 72.4, height: 175 } })!;
    expectValidBleEvents(driver, r.events);
    expect(r.writes).toEqual([]);
    expect(r.unsubscribed).toEqual([]);
    const o = byCode(r.events);
    expect(o.MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 72.4, decimals: 2, t: NOW, deviceClock: { state: 'set', offsetMs: 20_000 } });
    expect(o.MDC_LEN_BODY_ACTUAL).toMatchObject({ value: 175, decimals: 1 });
    expect(o.MDC_RATIO_MASS_BODY_LEN_SQ).toMatchObject({ value: 23.6 });
    expect(r.events.filter((e) => e.kind === 'identity').at(-1)).toMatchObject({ manufacturer: 'A&D Medical', model: 'UC-352BLE', address: 'C4:7C:8D:9A:21:07' });
  });

  it('imperial: 0.1 lb and 0.1 in, converted, the device’s values kept', () => {
    const o = byCode(episode(driver, driver.createSimulator('imperial'), { atMs: NOW, values: { weight: 72.4, height: 175 } })!.events);
    expect(o.MDC_MASS_BODY_ACTUAL).toMatchObject({ value: 72.39, decimals: 2, reported: { value: 159.6, unit: '[lb_av]', decimals: 1 } });
    expect(o.MDC_LEN_BODY_ACTUAL).toMatchObject({ value: 175, reported: { value: 68.9, unit: '[in_i]' } });
  });

  it('weight-only: the §B4 form, the cabin clock, device clock unknown', () => {
    const r = episode(driver, driver.createSimulator('weight-only'), { atMs: NOW, values: { weight: 70 } })!;
    expect(observations(r.events)).toEqual([expect.objectContaining({ code: 'MDC_MASS_BODY_ACTUAL', value: 70, decimals: 2, deviceClock: { state: 'unknown' } })]);
  });

  it('a weighing made while away arrives stored beside the new one, then is not sent again', () => {
    const sim = driver.createSimulator('default');
    sim.set({ weight: 80, completeMeasurement: true });
    sim.advertising(NOW);
    const r = episode(driver, sim, { atMs: NOW + 3_600_000, values: { weight: 79.5 } })!;
    const weights = observations(r.events).filter((o) => o.code === 'MDC_MASS_BODY_ACTUAL');
    expect(weights.map((o) => [o.value, o.t, o.record?.stored ?? false])).toEqual([[80, NOW, true], [79.5, NOW + 3_600_000, false]]);
    const next = episode(driver, sim, { atMs: NOW + 7_200_000, values: { weight: 79 } })!;
    expect(observations(next.events).filter((o) => o.code === 'MDC_MASS_BODY_ACTUAL').map((o) => o.value)).toEqual([79]);
  });
});

describe('ble-weight-scale: manifest', () => {
  it('says how to pair, in French and English', () => {
    expectPairingWords(driver);
    expect(driver.manifest.transport).toBe('ble');
    expect(driver.link.read.slice(0, 8).map((r) => r.characteristic)).toEqual(['2a29', '2a24', '2a25', '2a26', '2a27', '2a28', '2a23', '2a2b']);
  });
});

describe('ble-weight-scale: fuzzing', () => {
  it('never throws and emits only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 400);
  });

  it('any weight the field can hold decodes within the declared resolution, in range or refused with a status', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xfffe }), fc.boolean(), fc.integer({ min: 0, max: 15 }), (raw, imperial, weightIndex) => {
        const ev = decode(measurementBytes({ weight: raw, imperial }), featureBytes({ timestamp: false, users: false, bmi: false, weightIndex, heightIndex: 0 }));
        const kg = imperial ? raw * 0.01 * 0.45359237 : raw * 0.005;
        const [o] = observations(ev);
        if (!o) {
          expect(statusesOf(ev)).toEqual(['error/weight-out-of-range']);
          expect(kg < 0.6 || kg > 499.9).toBe(true);
          return;
        }
        // Worst case: 1 lb steps (±0.5 lb) then kg to 1 decimal.
        const resolutionKg = imperial ? [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01][weightIndex - 1] ?? 0.01 : [0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005][weightIndex - 1] ?? 0.005;
        expect(Math.abs(o.value! - kg)).toBeLessThanOrEqual((imperial ? resolutionKg * 0.4536 : resolutionKg) / 2 + 10 ** -(o.decimals ?? 3) / 2 + 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});
