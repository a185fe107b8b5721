import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, WaveformEvent } from '../../src/shared/device-event.ts';
import type { BleDecoder, CharacteristicValue } from '../../src/shared/driver.ts';
import { driver } from '../../drivers/berrymed-bci/index.ts';
import { parseFrame } from '../../drivers/berrymed-bci/decoder.ts';
import { BCI } from '../../drivers/berrymed-bci/uuids.ts';
import { checkBleFuzz, connectOnce, expectValidBleEvents, hexBytes, observations, statusesOf } from './ble-harness.ts';

const SAT = 'MDC_PULS_OXIM_SAT_O2';
const PR = 'MDC_PULS_OXIM_PULS_RATE';
const T0 = Date.UTC(2026, 11, 6, 10, 0, 0);

const note = (bytes: Uint8Array): CharacteristicValue => ({ service: BCI.service, characteristic: BCI.notify, bytes, via: 'notify' });
function fresh(): BleDecoder {
  const d = driver.createDecoder();
  d.connected({ nowMs: T0, utcOffsetMin: 0, address: '00:A0:50:12:34:56', available: [] });
  return d;
}
const valuesOf = (events: readonly DeviceEvent[], code: string): number[] => observations(events).filter((o) => o.code === code).map((o) => o.value!);
const waves = (events: readonly DeviceEvent[]): WaveformEvent[] => events.filter((e): e is WaveformEvent => e.kind === 'waveform');
const samples = (events: readonly DeviceEvent[]): number[] => waves(events).flatMap((w) => w.samples);
const concat = (parts: readonly Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

interface Fields { signal?: number; unplugged?: boolean; pleth?: number; noFinger?: boolean; searching?: boolean; pr?: number; spo2?: number }
/** Test-side BCI encoder, written from ble-fhir.md §B6 independently of the simulator. */
function frame(o: Fields = {}): Uint8Array {
  const pr = o.pr ?? 72;
  return Uint8Array.from([0x80 | (o.signal ?? 6) | (o.unplugged ? 0x20 : 0), o.pleth ?? 50, 3 | (o.noFinger ? 0x10 : 0) | (o.searching ? 0x20 : 0) | ((pr & 0x80) >> 1), pr & 0x7f, o.spo2 ?? 97]);
}

describe('berrymed-bci: the computed example of ble-fhir.md §B6', () => {
  it('8F 32 05 48 62 is pleth 50, PR 72, SpO2 98', () => {
    expect(parseFrame(hexBytes('8F 32 05 48 62'))).toEqual({ signal: 15, probeUnplugged: false, beep: false, pleth: 50, bar: 5, noFinger: false, searching: false, pulse: 72, spo2: 98 });
    const events = fresh().value(note(hexBytes('8F 32 05 48 62')), T0);
    expect(valuesOf(events, SAT)).toEqual([98]);
    expect(valuesOf(events, PR)).toEqual([72]);
    expect(waves(events)).toEqual([{ kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 100, samples: [50], t: T0 }]);
    expect(statusesOf(events)).toEqual(['ok']);
    expect(observations(events)[0]).toMatchObject({ decimals: 0, deviceClock: { state: 'unknown' }, t: T0 });
    expectValidBleEvents(driver, events);
  });

  it('pulse rate bit 7 is byte 2 bit 6: 80 32 45 05 62 is PR 133', () => {
    expect(parseFrame(hexBytes('80 32 45 05 62')).pulse).toBe(133);
    expect(valuesOf(fresh().value(note(hexBytes('80 32 45 05 62')), T0), PR)).toEqual([133]);
  });
});

describe('berrymed-bci: states and invalid values', () => {
  const cases: [string, Fields, string, number[], number[], boolean][] = [
    ['probe unplugged (byte 0 bit 5)', { unplugged: true }, 'probe-off/probe-unplugged', [], [], false],
    ['no finger (byte 2 bit 4)', { noFinger: true, pr: 255, spo2: 127 }, 'probe-off/no-finger', [], [], false],
    ['searching (byte 2 bit 5): pleth kept, values withheld', { searching: true }, 'searching/pulse-search', [], [], true],
    ['SpO2 127', { spo2: 127 }, 'searching/spo2-invalid', [], [72], true],
    ['PR 255', { pr: 255 }, 'searching/pulse-invalid', [97], [], true],
    ['both invalid', { pr: 255, spo2: 127 }, 'searching/no-reading', [], [], true],
    ['SpO2 101 (impossible)', { spo2: 101 }, 'searching/spo2-invalid', [], [72], true],
  ];
  for (const [name, f, status, spo2, pr, pleth] of cases) {
    it(name, () => {
      const events = fresh().value(note(frame(f)), T0);
      expect(statusesOf(events)).toEqual([status]);
      expect(valuesOf(events, SAT)).toEqual(spo2);
      expect(valuesOf(events, PR)).toEqual(pr);
      expect(samples(events)).toEqual(pleth ? [50] : []);
      expectValidBleEvents(driver, events);
    });
  }

  it('values come back at once when the finger is back', () => {
    const d = fresh();
    d.value(note(frame({ spo2: 96 })), T0);
    d.value(note(frame({ noFinger: true })), T0 + 10);
    const back = d.value(note(frame({ spo2: 96 })), T0 + 20);
    expect(valuesOf(back, SAT)).toEqual([96]);
  });
});

describe('berrymed-bci: framing across notifications', () => {
  it('several frames in one notification: one waveform, timed from the frames (10 ms apart, the last at arrival)', () => {
    const events = fresh().value(note(concat([frame({ pleth: 10 }), frame({ pleth: 11 }), frame({ pleth: 12 }), frame({ pleth: 13 })])), T0 + 1000);
    expect(waves(events)).toEqual([{ kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 100, samples: [10, 11, 12, 13], t: T0 + 970 }]);
    expect(observations(events)[0]!.t).toBe(T0 + 970);
  });

  it('any cut of the stream into notifications gives the same samples and values', () => {
    const stream = concat(Array.from({ length: 12 }, (_, i) => frame({ pleth: 20 + i, spo2: 95, pr: 140 })));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        const d = fresh();
        const at = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const events = at.slice(1).flatMap((end, i) => d.value(note(stream.slice(at[i], end)), T0 + i * 10));
        expect(samples(events)).toEqual(Array.from({ length: 12 }, (_, i) => 20 + i));
        expect(valuesOf(events, SAT)[0]).toBe(95);
        expect(valuesOf(events, PR)[0]).toBe(140);
        expect(d.recognised).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('resynchronises after garbage (sync-looking bytes included) from the first whole frame on', () => {
    const lookalikes = fc.constantFrom(hexBytes('80'), hexBytes('8F 32 05'), hexBytes('FF'), hexBytes('85 00 00 00'), hexBytes('00 00 00'));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), lookalikes), { maxLength: 8 }), (parts) => {
        const d = fresh();
        d.value(note(concat(parts)), T0);
        const first = d.value(note(frame({ pleth: 33, spo2: 93, pr: 141 })), T0 + 5000);
        expect(samples(first)).toEqual([33]);
        expect(valuesOf(first, SAT)).toEqual([93]);
        expect(valuesOf(first, PR)).toEqual([141]);
      }),
      { numRuns: 300 },
    );
  });

  it('is recognised after 4 plausible frames in a row, not 3, and not across garbage', () => {
    const d = fresh();
    d.value(note(concat([frame(), frame(), frame()])), T0);
    expect(d.recognised).toBe(false);
    d.value(note(concat([hexBytes('12'), frame(), frame(), frame()])), T0);
    expect(d.recognised).toBe(false);
    d.value(note(concat([frame({ pleth: 120 }), frame(), frame(), frame()])), T0);
    expect(d.recognised).toBe(false);
    d.value(note(frame({ noFinger: true })), T0);
    expect(d.recognised).toBe(true);
  });

  it('values on other characteristics are not BCI', () => {
    const d = fresh();
    expect(d.value({ service: BCI.service, characteristic: BCI.write, bytes: hexBytes('8F 32 05 48 62'), via: 'notify' }, T0)).toEqual([]);
  });
});

describe('berrymed-bci: matching', () => {
  it('names BerryMed and BM1000… match; the shared transparent-UART service alone does not', () => {
    const rules = driver.manifest.ble.match;
    const matches = (name: string): boolean => rules.some((r) => r.name !== undefined && new RegExp(r.name, 'i').test(name));
    expect(['BerryMed', 'BerryMed 1234', 'BM1000C', 'bm1000e'].every(matches)).toBe(true);
    expect(['TM-P20II', 'Printer001', 'MyBerryMed'].some(matches)).toBe(false);
    expect(rules.every((r) => r.name !== undefined)).toBe(true);
  });
});

describe('berrymed-bci: against its simulator', () => {
  it('streams pleth at 100 Hz with SpO2 and PR; set() changes them; probe off stops the pleth', () => {
    const sim = driver.createSimulator('normal');
    const res = connectOnce(driver, sim, { nowMs: T0, maxMs: 5000 });
    expect(res.unsubscribed).toEqual([]);
    expect(res.writes).toEqual([]);
    const s = samples(res.events);
    expect(s.length).toBeGreaterThanOrEqual(495);
    expect(s.length).toBeLessThanOrEqual(500);
    expect(Math.min(...s)).toBeLessThan(30);
    expect(Math.max(...s)).toBeGreaterThan(80);
    expect(new Set(valuesOf(res.events, SAT))).toEqual(new Set([98]));
    expect(new Set(valuesOf(res.events, PR))).toEqual(new Set([72]));
    // Repeated every second, not at 100 Hz.
    expect(valuesOf(res.events, SAT).length).toBeLessThanOrEqual(6);
    expectValidBleEvents(driver, res.events);

    sim.set({ spo2: 91, pulse: 133 });
    const changed = connectOnce(driver, sim, { nowMs: T0 + 10_000, maxMs: 2000 });
    expect(valuesOf(changed.events, SAT)).toContain(91);
    expect(valuesOf(changed.events, PR)).toContain(133);
    sim.set({ probeOff: true });
    const off = connectOnce(driver, sim, { nowMs: T0 + 20_000, maxMs: 2000 });
    expect(samples(off.events)).toEqual([]);
    expect(observations(off.events)).toEqual([]);
    expect(statusesOf(off.events)).toEqual(['probe-off/no-finger']);
  });

  it('searching scenario: searching, then values', () => {
    const res = connectOnce(driver, driver.createSimulator('searching'), { nowMs: T0, maxMs: 5000 });
    expect(statusesOf(res.events)).toEqual(['searching/pulse-search', 'ok']);
    expect(observations(res.events)[0]!.t).toBeGreaterThanOrEqual(T0 + 3000);
  });

  it('no-finger scenario: no number, no pleth', () => {
    const res = connectOnce(driver, driver.createSimulator('no-finger'), { nowMs: T0, maxMs: 2000 });
    expect(observations(res.events)).toEqual([]);
    expect(samples(res.events)).toEqual([]);
  });
});

describe('berrymed-bci: fuzzing', () => {
  it('never throws and gives only valid events, whatever the values', () => {
    checkBleFuzz(driver, [], 300);
  });

  it('pleth samples stay within the device range whatever the bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (chunks) => {
        const d = fresh();
        const events = chunks.flatMap((c, i) => d.value(note(c), T0 + i * 10));
        expect(samples(events).every((v) => v >= 0 && v <= 127)).toBe(true);
        expectValidBleEvents(driver, events);
      }),
      { numRuns: 300 },
    );
  });
});
