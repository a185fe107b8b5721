import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { parseFrame } from '../../drivers/contec-cms50-legacy/decoder.ts';
import { driver } from '../../drivers/contec-cms50-legacy/index.ts';
import { driver as v7 } from '../../drivers/contec-cms50-v7/index.ts';
import {
  checkChunking,
  checkFuzz,
  concat,
  cutAt,
  expectValidEvents,
  hex,
  runSession,
  samplesOf,
} from '../helpers/driver-harness.ts';

const SAT = 'MDC_PULS_OXIM_SAT_O2';
const PR = 'MDC_PULS_OXIM_PULS_RATE';

interface Fields {
  signal?: number;
  tooLong?: boolean;
  beat?: boolean;
  pleth?: number;
  bar?: number;
  probe?: boolean;
  searching?: boolean;
  pr?: number;
  spo2?: number;
}

/** Test-side V5.1 encoder, written from the document independently of the simulator. */
function frame(o: Fields = {}): Uint8Array {
  const pr = o.pr ?? 72;
  return Uint8Array.from([
    0x80 | (o.signal ?? 5) | (o.tooLong ? 0x10 : 0) | (o.beat ? 0x40 : 0),
    o.pleth ?? 60,
    (o.bar ?? 4) | (o.probe ? 0x10 : 0) | (o.searching ? 0x20 : 0) | ((pr & 0x80) >> 1),
    pr & 0x7f,
    o.spo2 ?? 97,
  ]);
}

const values = (events: readonly DeviceEvent[], code: string): number[] =>
  events.flatMap((e) => (e.kind === 'observation' && e.code === code ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail ? `${e.status}:${e.detail}` : e.status] : []));
const observations = (events: readonly DeviceEvent[]): DeviceEvent[] => events.filter((e) => e.kind === 'observation');

/** The legacy simulator's stream for `ms` (it needs no command). */
function legacyStream(scenario: string, ms: number): Uint8Array {
  const sim = driver.createSimulator(scenario);
  const chunks: Uint8Array[] = [];
  for (let t = 10; t <= ms; t += 10) chunks.push(...sim.advance(t));
  return concat(chunks);
}

describe('contec-cms50-legacy: documented frame layout', () => {
  it('decodes every field, including pulse-rate bit 7 carried in byte 3 bit 6', () => {
    // PR 133 = 0x85: bit 7 → byte 3 bit 6 (0x40), bits 0–6 = 0x05 in byte 4.
    expect(parseFrame(hex('C5 33 46 05 61'))).toEqual({
      signal: 5, searchingTooLong: false, spo2Dropping: false, beat: true, pleth: 51, bar: 6,
      probeError: false, searching: false, pulse: 133, spo2: 97,
    });
    expect(parseFrame(hex('B8 7F 3F 7F 7F'))).toEqual({
      signal: 8, searchingTooLong: true, spo2Dropping: true, beat: false, pleth: 127, bar: 15,
      probeError: true, searching: true, pulse: 127, spo2: 127,
    });
  });

  it('turns a frame into PR, SpO2 and one 60 Hz pleth sample', () => {
    const events = driver.createDecoder().push(hex('C5 33 46 05 61'), 500);
    expect(values(events, PR)).toEqual([133]);
    expect(values(events, SAT)).toEqual([97]);
    expect(statuses(events)).toEqual(['ok']);
    expect(events.find((e) => e.kind === 'waveform')).toEqual({
      kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 60, samples: [51], t: 500,
    });
    expectValidEvents(driver, events);
  });
});

describe('contec-cms50-legacy: invalid values become statuses', () => {
  const cases: [string, Fields, string, number[], number[]][] = [
    ['probe error (byte 3 bit 4)', { probe: true, pr: 0, spo2: 127 }, 'probe-off:finger-out', [], []],
    ['probe error with plausible values', { probe: true, pr: 70, spo2: 97 }, 'probe-off:finger-out', [], []],
    ['searching pulse (byte 3 bit 5)', { searching: true }, 'searching:pulse-search', [], []],
    ['searching too long (byte 1 bit 4)', { tooLong: true }, 'searching:searching-too-long', [], []],
    ['SpO2 127', { spo2: 127, pr: 80 }, 'searching:spo2-invalid', [], [80]],
    ['SpO2 101', { spo2: 101, pr: 80 }, 'searching:spo2-invalid', [], [80]],
    ['SpO2 0', { spo2: 0, pr: 80 }, 'searching:spo2-invalid', [], [80]],
    ['PR 0', { pr: 0, spo2: 95 }, 'searching:pulse-invalid', [95], []],
    ['PR 255', { pr: 255, spo2: 95 }, 'searching:pulse-invalid', [95], []],
    ['both missing', { pr: 0, spo2: 127 }, 'searching:no-reading', [], []],
  ];
  for (const [name, fields, status, spo2, pr] of cases) {
    it(name, () => {
      const events = driver.createDecoder().push(frame(fields), 0);
      expect(statuses(events)).toEqual([status]);
      expect(values(events, SAT)).toEqual(spo2);
      expect(values(events, PR)).toEqual(pr);
      expectValidEvents(driver, events);
    });
  }

  it('emits no pleth while the probe is off, and values again at once when it is back', () => {
    const d = driver.createDecoder();
    d.push(frame({ spo2: 96, pr: 70 }), 0);
    expect(samplesOf(d.push(frame({ probe: true, pleth: 0 }), 100))).toEqual([]);
    const back = d.push(frame({ spo2: 96, pr: 70, pleth: 33 }), 200);
    expect(values(back, SAT)).toEqual([96]);
    expect(values(back, PR)).toEqual([70]);
    expect(samplesOf(back)).toEqual([33]);
  });
});

describe('contec-cms50-legacy: sync and probing', () => {
  it('is recognised after 4 consecutive plausible frames, not 3, and not across garbage', () => {
    const d = driver.createDecoder();
    d.push(concat([frame(), frame(), frame()]), 0);
    expect(d.recognised).toBe(false);
    d.push(concat([hex('12'), frame(), frame(), frame()]), 0); // a stray byte breaks the run
    expect(d.recognised).toBe(false);
    d.push(concat([frame({ signal: 12 }), frame(), frame(), frame()]), 0); // implausible signal strength
    expect(d.recognised).toBe(false);
    d.push(concat([hex('85 00'), frame(), frame(), frame()]), 0); // a cut-short frame
    expect(d.recognised).toBe(false);
    d.push(frame({ spo2: 127, pr: 0, probe: true }), 0); // finger out is a plausible frame
    expect(d.recognised).toBe(true);
  });

  it('resynchronises after garbage, including sync-looking bytes, from the first valid frame on', () => {
    const lookalikes = fc.constantFrom(hex('80'), hex('C5 33 46'), hex('FF'), hex('85 00 00 00'), hex('00 00 00'));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), lookalikes), { maxLength: 8 }), (parts) => {
        const d = driver.createDecoder();
        d.push(concat(parts), 0);
        const first = d.push(frame({ spo2: 93, pr: 141, pleth: 10 }), 5000);
        const rest = [11, 12, 13].map((p, i) => d.push(frame({ spo2: 93, pr: 141, pleth: p }), 5017 + i * 17));
        expect(samplesOf(first)).toEqual([10]);
        expect(rest.map((e) => samplesOf(e))).toEqual([[11], [12], [13]]);
        expect(values(first, SAT)).toEqual([93]);
        expect(values(first, PR)).toEqual([141]);
        expect(statuses(first).every((s) => s === 'ok')).toBe(true);
        expect(d.recognised).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never recognises the V7.0 stream, nor decodes anything from it', () => {
    for (const scenario of v7.scenarios.filter((s) => s !== 'noisy')) {
      // The V7 device streams only after A1: drive it with the V7 link, including a device-id reply.
      const sim = v7.createSimulator(scenario);
      const chunks: Uint8Array[] = [];
      for (const f of [...v7.link.open, ...(v7.link.commands.identify?.frames ?? [])]) chunks.push(...sim.receive(f, 0));
      for (let t = 10; t <= 3000; t += 10) chunks.push(...sim.advance(t));
      const stream = concat(chunks);
      expect(stream.length).toBeGreaterThan(1500);
      const d = driver.createDecoder();
      const events = [...d.push(stream, 0), ...cutAt(stream, [3, 50, 401]).flatMap((c) => d.push(c, 1))];
      expect(d.recognised, scenario).toBe(false);
      expect(events, scenario).toEqual([]);
    }
  });

  it('survives fuzzing and any chunking of a noisy recorded stream', () => {
    checkFuzz(driver);
    checkChunking(driver, legacyStream('noisy', 3000));
  });
});

describe('contec-cms50-legacy: simulator round trip', () => {
  it('delivers the scenario values and 60 Hz pleth, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 30 }), (cuts) => {
        const { events, sent } = runSession(driver, {
          durationMs: 20_000,
          chunk: (bytes) => cutAt(bytes, cuts),
          changes: [
            { atMs: 5000, values: { spo2: 91, pulse: 160 } },
            { atMs: 12_000, values: { probeOff: true } },
            { atMs: 15_000, values: { probeOff: false } },
          ],
        });
        expect(sent).toEqual([]); // the device streams without being asked
        expectValidEvents(driver, events);
        expect(statuses(events)).toEqual(['ok', 'probe-off:finger-out', 'ok']);
        const obs = (code: string, from: number, to: number): number[] =>
          events.flatMap((e) => (e.kind === 'observation' && e.code === code && e.t! >= from && e.t! < to ? [e.value!] : []));
        expect(obs(SAT, 0, 5000).every((v) => v >= 96 && v <= 98)).toBe(true);
        expect(obs(PR, 0, 5000).every((v) => v >= 68 && v <= 76)).toBe(true);
        expect(obs(SAT, 0, 5000).length).toBeGreaterThanOrEqual(5);
        for (const [code, v] of [[SAT, 91], [PR, 160]] as const) {
          expect(new Set(obs(code, 5000, 12_000))).toEqual(new Set([v]));
          expect(obs(code, 15_000, 15_100)).toEqual([v]);
        }
        expect(obs(SAT, 12_010, 15_000)).toEqual([]);
        const samples = samplesOf(events);
        expect(samples).toHaveLength(1200 - 180);
        expect(samples.every((s) => Number.isInteger(s) && s >= 0 && s <= 127)).toBe(true);
        expect(events.every((e) => e.kind !== 'waveform' || e.rate === 60)).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  it('streams 60 frames per second from power-on and ignores what the host sends', () => {
    const sim = driver.createSimulator();
    expect(sim.receive({ kind: 'data', bytes: [0xf5, 0xf5] }, 0)).toEqual([]);
    const bytes = concat(sim.advance(10_000));
    expect(bytes).toHaveLength(600 * 5);
    expect(bytes.filter((b) => b & 0x80)).toHaveLength(600);
    expect(driver.link.open).toEqual([]);
    expect(driver.link.keepAlive).toBeUndefined();
  });

  it('runs every scenario with valid events and the scenario behaviour', () => {
    const run = (scenario: string, durationMs = 10_000): DeviceEvent[] => {
      const { events } = runSession(driver, { scenario, durationMs });
      expectValidEvents(driver, events);
      return events;
    };
    const fingerOut = run('finger-out');
    expect(statuses(fingerOut)).toEqual(['probe-off:finger-out']);
    expect(observations(fingerOut)).toEqual([]);
    const searching = run('searching');
    expect(statuses(searching)).toEqual(['searching:pulse-search', 'ok']);
    expect(observations(searching).every((e) => e.t! >= 5000)).toBe(true);
    const desat = values(run('desaturation', 65_000), SAT);
    expect(desat[0]).toBe(97);
    expect(desat.at(-1)).toBe(85);
    expect(desat.every((v, i) => i === 0 || v <= desat[i - 1]!)).toBe(true);
    const noisy = run('noisy');
    expect(samplesOf(noisy)).toHaveLength(600);
    expect(statuses(noisy)).toEqual(['ok']);
    expect(values(noisy, SAT).every((v) => v >= 96 && v <= 98)).toBe(true);
  });

  it('refuses an unknown scenario', () => {
    expect(() => driver.createSimulator('nope')).toThrow(/Unknown scenario/);
  });
});
