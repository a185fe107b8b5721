import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Driver } from '../../src/shared/driver.ts';
import { parseRealtime } from '../../drivers/contec-cms50-v7/decoder.ts';
import { MIN_INTERVAL_MS } from '../../drivers/_lib/emitter.ts';
import { driver } from '../../drivers/contec-cms50-v7/index.ts';
import { controlCommand } from '../../drivers/contec-cms50-v7/link.ts';
import { driver as legacy } from '../../drivers/contec-cms50-legacy/index.ts';
import { checkChunking, checkFuzz, concat, cutAt, expectValidEvents, hex, runSession, samplesOf }
  from '../helpers/driver-harness.ts';

const SAT = 'MDC_PULS_OXIM_SAT_O2';
const PR = 'MDC_PULS_OXIM_PULS_RATE';
const PI = 'MDC_PULS_OXIM_PERF_REL';

/** Test-side V7.0 encoder, written from the document independently of the simulator. */
function pkg(type: number, data: number[]): Uint8Array {
  let hi = 0x80;
  data.forEach((d, i) => {
    if (d & 0x80) hi |= 1 << i;
  });
  return Uint8Array.from([type, hi, ...data.map((d) => d | 0x80)]);
}

interface Rt { signal?: number; tooLong?: boolean; probe?: boolean; pleth?: number; searching?: boolean; bar?: number;
  piInvalid?: boolean; pr?: number; spo2?: number; pi?: number }

/** A 0x01 real-time package. */
function rt(o: Rt = {}): Uint8Array {
  const d0 = (o.signal ?? 5) | (o.tooLong ? 0x10 : 0) | (o.probe ? 0x80 : 0);
  const d1 = (o.pleth ?? 60) | (o.searching ? 0x80 : 0);
  const d2 = (o.bar ?? 4) | (o.piInvalid ? 0x10 : 0);
  const pi = o.pi ?? 0xffff;
  return pkg(0x01, [d0, d1, d2, o.pr ?? 72, o.spo2 ?? 97, pi & 0xff, pi >> 8]);
}

const values = (events: readonly DeviceEvent[], code: string): number[] =>
  events.flatMap((e) => (e.kind === 'observation' && e.code === code ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [e.detail ? `${e.status}:${e.detail}` : e.status] : []));
const observations = (events: readonly DeviceEvent[]): DeviceEvent[] => events.filter((e) => e.kind === 'observation');

const flat = (chunks: Uint8Array[]): number[] => Array.from(concat(chunks));
const cmdBytes = (cmd: number): number[] => [0x7d, 0x81, cmd, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80];

describe('contec-cms50-v7: worked examples', () => {
  it('decodes 01 E0 85 B3 96 C1 E1 FF FF field by field', () => {
    expect(parseRealtime(hex('01 E0 85 B3 96 C1 E1 FF FF'))).toEqual({
      signal: 5, searchingTooLong: false, lowSpo2: false, beat: false, probeError: false, pleth: 51, searching: false,
      bar: 6, piInvalid: true, reserved: 0, pulse: 65, spo2: 97, piRaw: 0xffff,
    });
  });

  it('turns the example into PR 65, SpO2 97, one pleth sample 51 and no PI', () => {
    const events = driver.createDecoder().push(hex('01 E0 85 B3 96 C1 E1 FF FF'), 1000);
    expect(values(events, PR)).toEqual([65]);
    expect(values(events, SAT)).toEqual([97]);
    expect(values(events, PI)).toEqual([]);
    expect(statuses(events)).toEqual(['ok']);
    expect(events.find((e) => e.kind === 'waveform')).toEqual({
      kind: 'waveform', code: 'MDC_PULS_OXIM_PLETH', rate: 60, samples: [51], t: 1000,
    });
    expect(events.find((e) => e.kind === 'observation' && e.code === PR)).toMatchObject({ unit: '/min', t: 1000 });
    expectValidEvents(driver, events);
  });

  it('reads high byte E1 as finger out (no pleth, no values) and E2 as searching pulse', () => {
    expect(driver.createDecoder().push(hex('01 E1 85 B3 96 C1 E1 FF FF'), 0)).toEqual([
      { kind: 'status', status: 'probe-off', detail: 'finger-out', t: 0 },
    ]);
    const search = driver.createDecoder().push(hex('01 E2 85 B3 96 C1 E1 FF FF'), 0);
    expect(observations(search)).toEqual([]);
    expect(statuses(search)).toEqual(['searching:pulse-search']);
    expect(samplesOf(search)).toEqual([51]);
  });
});

describe('contec-cms50-v7: invalid values become statuses', () => {
  const cases: [string, Rt, string, number[], number[]][] = [
    ['PR 0xFF', { pr: 0xff, spo2: 95 }, 'searching:pulse-invalid', [95], []],
    ['PR 0', { pr: 0, spo2: 95 }, 'searching:pulse-invalid', [95], []],
    ['SpO2 0x7F', { pr: 80, spo2: 0x7f }, 'searching:spo2-invalid', [], [80]],
    ['SpO2 101', { pr: 80, spo2: 101 }, 'searching:spo2-invalid', [], [80]],
    ['SpO2 0', { pr: 80, spo2: 0 }, 'searching:spo2-invalid', [], [80]],
    ['both missing', { pr: 0xff, spo2: 0x7f }, 'searching:no-reading', [], []],
    ['searching too long', { tooLong: true }, 'searching:searching-too-long', [], []],
    ['searching pulse', { searching: true }, 'searching:pulse-search', [], []],
    ['probe error', { probe: true, pleth: 64, pr: 0xff, spo2: 0x7f }, 'probe-off:finger-out', [], []],
  ];
  for (const [name, fields, status, spo2, pr] of cases) {
    it(name, () => {
      const events = driver.createDecoder().push(rt(fields), 0);
      expect(statuses(events)).toEqual([status]);
      expect(values(events, SAT)).toEqual(spo2);
      expect(values(events, PR)).toEqual(pr);
      expectValidEvents(driver, events);
    });
  }

  it('emits PI ×100 as % only when valid and flagged valid, without a status otherwise', () => {
    const at = (o: Rt): DeviceEvent[] => driver.createDecoder().push(rt(o), 0);
    expect(values(at({ pi: 250 }), PI)).toEqual([2.5]);
    expect(values(at({ pi: 2200 }), PI)).toEqual([22]);
    expect(values(at({ pi: 0xffff }), PI)).toEqual([]);
    expect(values(at({ pi: 250, piInvalid: true }), PI)).toEqual([]);
    expect(values(at({ pi: 2201 }), PI)).toEqual([]);
    expect(statuses(at({ pi: 0xffff }))).toEqual(['ok']);
  });

  it('re-emits values at once when the finger comes back', () => {
    const d = driver.createDecoder();
    d.push(rt({ spo2: 96, pr: 70 }), 0);
    d.push(rt({ probe: true }), 100);
    const back = d.push(rt({ spo2: 96, pr: 70 }), 200);
    expect(values(back, SAT)).toEqual([96]);
    expect(values(back, PR)).toEqual([70]);
    expect(statuses(back)).toEqual(['ok']);
    d.push(rt({ spo2: 0x7f, pr: 70 }), 300);
    expect(values(d.push(rt({ spo2: 96, pr: 70 }), 400), SAT)).toEqual([96]);
  });
});

describe('contec-cms50-v7: framing', () => {
  it('skips every other uplink package by its length (or the sync rule when unknown) without losing a sample', () => {
    const others = [
      pkg(0x04, [...'CMS50D+'].map((c) => c.charCodeAt(0))), pkg(0x0b, [0xb6, 0xff]), pkg(0x0c, []), pkg(0x0e, [0]),
      pkg(0x0f, [97, 72, 96, 71, 95, 70]), pkg(0x09, [97, 72, 0x34, 0x01]), pkg(0x07, [0, 0, 20, 10, 7, 8]),
      pkg(0x08, [0, 0, 0xff, 0x80, 0, 0]), pkg(0x0a, [0, 1]), pkg(0x10, [1]), pkg(0x11, [1, 0x81, 2, 3, 4, 5]),
      pkg(0x12, [0, 0, 12, 30, 59, 0]), pkg(0x15, [0, 0, 0xa1, 0, 0, 0, 0]),
      pkg(0x03, [...'CONTEC-MEDICAL'].map((c) => c.charCodeAt(0))), // not in the document, 16 bytes: sync rule
      pkg(0x06, [1, 2, 3]),
    ];
    const pairs = others.map((o, i) => concat([rt({ pleth: i, pr: 70 + i }), o]));
    // Each pair arrives MIN_INTERVAL_MS after the last, so every changed pulse rate must come out.
    const d = driver.createDecoder();
    const events = pairs.flatMap((p, i) => d.push(p, i * MIN_INTERVAL_MS));
    expect(samplesOf(events)).toEqual(others.map((_, i) => i));
    expect(statuses(events)).toEqual(['ok']);
    expect(values(events, PR)).toEqual(others.map((_, i) => 70 + i));
    checkChunking(driver, concat(pairs), 50);
  });

  it('reads model, vendor and protocol version replies (0x02, 0x03, 0x06) into one identity event per change', () => {
    // The CMS60C's replies to Contec SpO2.exe (InfantLab log): model in two segments (0 "CMS60C", 0xFF "W"),
    // vendor "Contec", version 00 07; asked again later, the same answers change nothing.
    const chars = (t: string, n: number): number[] => Array.from({ length: n }, (_, i) => t.charCodeAt(i) || 0);
    const model = [pkg(0x02, [0x00, ...chars('CMS60C', 6)]), pkg(0x02, [0xff, ...chars('W', 6)])];
    const vendor = pkg(0x03, chars('Contec', 7));
    const version = pkg(0x06, [0x00, 0x07]);
    const stream = concat([pkg(0x0c, []), ...model, vendor, pkg(0x04, chars('   user', 7)), version, pkg(0x0e, [1]),
      ...model, vendor, rt({ pleth: 10 }), rt({ pleth: 11 })]);
    const d = driver.createDecoder();
    const events = d.push(stream, 500);
    const ids = events.filter((e) => e.kind === 'identity');
    expect(ids).toEqual([
      { kind: 'identity', model: 'CMS60CW', t: 500 },
      { kind: 'identity', model: 'CMS60CW', manufacturer: 'Contec', t: 500 },
      { kind: 'identity', model: 'CMS60CW', manufacturer: 'Contec', protocol: '7.0', t: 500 },
    ]);
    expect(samplesOf(events)).toEqual([10, 11]);
    expectValidEvents(driver, events);
    checkChunking(driver, stream, 50);
  });

  it('a CMS50D+ that answers blanks gives only its protocol version; garbled names are not names', () => {
    // The CMS50D+ fw 4.6 trace (headrotor): 06 00 07, then model and vendor filled with spaces.
    const blanks = concat([pkg(0x06, [0x00, 0x07]), pkg(0x11, [1, 1, 0, 0, 0, 0, 0]), pkg(0x02, [0, 32, 32, 32, 32, 32, 32]),
      pkg(0x02, [0xff, 32, 32, 32, 32, 32, 32]), pkg(0x03, [32, 32, 32, 32, 32, 32, 32]), rt()]);
    expect(driver.createDecoder().push(blanks, 0).filter((e) => e.kind === 'identity')).toEqual([{ kind: 'identity', protocol: '7.0', t: 0 }]);
    const garbled = concat([pkg(0x02, [0, 0x43, 0x01, 0x53, 0x36, 0x30, 0x43]), pkg(0x02, [0xff, 0x57, 0, 0, 0, 0, 0]),
      pkg(0x03, [0x43, 0xff, 0x6e, 0, 0, 0, 0]), rt()]);
    expect(driver.createDecoder().push(garbled, 0).filter((e) => e.kind === 'identity')).toEqual([]);
  });

  it('surfaces a disconnect notice (0x0D) as an error status', () => {
    const events = driver.createDecoder().push(concat([rt(), pkg(0x0d, [1])]), 0);
    expect(statuses(events)).toEqual(['ok', 'error:disconnect-1']);
  });

  it('is recognised after 2 consecutive plausible real-time packages, not 1, and not across garbage', () => {
    const d = driver.createDecoder();
    d.push(rt(), 0);
    expect(d.recognised).toBe(false);
    d.push(hex('01 E0 85'), 0); // cut-short package
    d.push(rt(), 0);
    expect(d.recognised).toBe(false);
    d.push(rt({ signal: 12 }), 0); // implausible signal strength
    d.push(concat([rt(), pkg(0x0c, [])]), 0);
    expect(d.recognised).toBe(false);
    d.push(rt(), 0); // a whole reply package between two real-time ones does not break the run
    expect(d.recognised).toBe(true);
  });

  it('resynchronises after garbage, including start-looking bytes, from the first valid package on', () => {
    const lookalikes = fc.constantFrom(hex('01 E0 85 B3'), hex('01'), hex('0D 81'), hex('7D 81 A1'), hex('0C'), hex('FF FF'));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), lookalikes), { maxLength: 8 }), (parts) => {
        const d = driver.createDecoder();
        d.push(concat(parts), 0);
        const first = d.push(rt({ spo2: 93, pr: 88, pleth: 10 }), 5000);
        expect(samplesOf(first)).toEqual([10]);
        expect(samplesOf(d.push(rt({ spo2: 93, pr: 88, pleth: 11 }), 5017))).toEqual([11]);
        expect(values(first, SAT)).toEqual([93]);
        expect(values(first, PR)).toEqual([88]);
        expect(statuses(first).every((s) => s === 'ok')).toBe(true);
        expect(d.recognised).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never recognises the legacy 5-byte stream, nor decodes anything from it', () => {
    for (const scenario of legacy.scenarios) {
      const sim = legacy.createSimulator(scenario);
      const stream = concat(Array.from({ length: 300 }, (_, i) => sim.advance(i * 10)).flat());
      expect(stream.length).toBeGreaterThan(800);
      const d = driver.createDecoder();
      const events = [...d.push(stream, 0), ...cutAt(stream, [7, 100, 333]).flatMap((c) => d.push(c, 1))];
      expect(d.recognised, scenario).toBe(false);
      expect(observations(events), scenario).toEqual([]);
      expect(samplesOf(events), scenario).toEqual([]);
    }
  });

  it('survives fuzzing and any chunking of a noisy recorded stream', () => {
    checkFuzz(driver);
    checkChunking(driver, concat(runSession(driver, { scenario: 'noisy', durationMs: 3000 }).deviceBytes));
  });
});

describe('contec-cms50-v7: simulator round trip through the link', () => {
  it('delivers the scenario values and 60 Hz pleth, whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 30 }), (cuts) => {
        const { events } = runSession(driver, {
          durationMs: 20_000,
          chunk: (bytes) => cutAt(bytes, cuts),
          changes: [
            { atMs: 5000, values: { spo2: 91, pulse: 110, perfusionIndex: 4.2 } },
            { atMs: 12_000, values: { probeOff: true } },
            { atMs: 15_000, values: { probeOff: false } },
          ],
        });
        expectValidEvents(driver, events);
        expect(statuses(events)).toEqual(['ok', 'probe-off:finger-out', 'ok']);
        const obs = (code: string, from: number, to: number): number[] =>
          events.flatMap((e) => (e.kind === 'observation' && e.code === code && e.t! >= from && e.t! < to ? [e.value!] : []));
        expect(obs(SAT, 0, 5000).every((v) => v >= 96 && v <= 98)).toBe(true);
        expect(obs(PR, 0, 5000).every((v) => v >= 68 && v <= 76)).toBe(true);
        expect(obs(PI, 0, 5000).every((v) => v >= 2.1 && v <= 2.9)).toBe(true);
        expect(obs(SAT, 0, 5000).length).toBeGreaterThanOrEqual(5); // repeated at least every second
        for (const [code, v] of [[SAT, 91], [PR, 110], [PI, 4.2]] as const) {
          expect(new Set(obs(code, 5000, 12_000))).toEqual(new Set([v]));
          expect(obs(code, 15_000, 15_100)).toEqual([v]); // at once after the finger is back
        }
        expect(obs(SAT, 12_010, 15_000)).toEqual([]);
        const samples = samplesOf(events);
        expect(Math.abs(samples.length - (1200 - 180))).toBeLessThanOrEqual(2);
        expect(samples.every((s) => Number.isInteger(s) && s >= 0 && s <= 127)).toBe(true);
        expect(events.every((e) => e.kind !== 'waveform' || e.rate === 60)).toBe(true);
      }),
      { numRuns: 12 },
    );
  });

  it('opens with A7, A2, A8, A9, A0, A1, gets 0C 80 for each stop, and closes with A2', () => {
    const { sent, deviceBytes } = runSession(driver, { durationMs: 100 });
    expect(sent.slice(0, 6).map((f) => f.bytes)).toEqual([0xa7, 0xa2, 0xa8, 0xa9, 0xa0, 0xa1].map(cmdBytes));
    expect(flat(deviceBytes).slice(0, 4)).toEqual([0x0c, 0x80, 0x0c, 0x80]);
    expect(driver.link.close.map((f) => f.bytes)).toEqual([cmdBytes(0xa2)]);
    expect(driver.link.keepAlive?.frames.map((f) => f.bytes)).toEqual([cmdBytes(0xaf)]);
  });

  it('keeps the stream going past 30 s with the AF keep-alive every 4 s', () => {
    const { events, sent } = runSession(driver, { durationMs: 45_000 });
    expect(samplesOf(events)).toHaveLength(2700);
    expect(sent.filter((f) => f.bytes[2] === 0xaf)).toHaveLength(11);
    expect(sent.filter((f) => f.bytes[2] === 0xa1)).toHaveLength(1); // never silent, never restarted
    expect(events.filter((e) => e.kind === 'waveform').at(-1)?.t).toBe(45_000);
  });

  it('leaves a stream stopped by the stop command stopped, until the start command', () => {
    const { events, sent } = runSession(driver, {
      durationMs: 20_000,
      commands: [
        { atMs: 10_000, name: 'stop' },
        { atMs: 15_000, name: 'start' },
      ],
    });
    const waves = events.filter((e) => e.kind === 'waveform').map((e) => e.t!);
    expect(waves.filter((t) => t > 10_000 && t < 15_000)).toEqual([]);
    expect(waves.filter((t) => t >= 15_000 && t <= 15_100).length).toBeGreaterThan(0);
    expect(samplesOf(events)).toHaveLength(600 + 300);
    const a2 = sent.findIndex((f, i) => i > 2 && f.bytes[2] === 0xa2);
    // Only the start command's A1 after the stop: no restart while stopped on purpose.
    expect(sent.filter((f, i) => i > a2 && f.bytes[2] === 0xa1)).toHaveLength(1);
  });

  it('resumes a stream the device stopped (no keep-alive) by re-sending A1 after 2 s of silence', () => {
    const noKeepAlive: Driver = { ...driver, link: { ...driver.link, keepAlive: undefined } };
    const { events, sent } = runSession(noKeepAlive, { durationMs: 40_000 });
    const waves = events.filter((e) => e.kind === 'waveform').map((e) => e.t!);
    expect(waves.filter((t) => t > 30_000 && t < 32_000)).toEqual([]);
    expect(waves.filter((t) => t >= 32_000 && t <= 32_100).length).toBeGreaterThan(0);
    expect(samplesOf(events)).toHaveLength(1800 + 480);
    expect(sent.filter((f) => f.bytes[2] === 0xa1)).toHaveLength(2);
  });

  it('asks model, vendor and version on open: the simulated device says who it is, once', () => {
    const { events } = runSession(driver, { durationMs: 3000 });
    const ids = events.filter((e) => e.kind === 'identity');
    expect(ids.at(-1)).toMatchObject({ kind: 'identity', model: 'CMS50D+', manufacturer: 'Contec', protocol: '7.0' });
    expect(ids).toHaveLength(3);
    expect(samplesOf(events).length).toBeGreaterThan(150);
  });

  it('runs the identify command: the 0x04 reply is skipped without losing sync', () => {
    const { events, deviceBytes } = runSession(driver, { durationMs: 5000, commands: [{ atMs: 3000, name: 'identify' }] });
    expect(Buffer.from(concat(deviceBytes)).includes(Buffer.from(hex('04 80 C3 CD D3 B5 B0 C4 AB')))).toBe(true);
    expect(samplesOf(events)).toHaveLength(300);
    expect(statuses(events)).toEqual(['ok']);
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
    expect(values(noisy, SAT).every((v) => v >= 96 && v <= 98)).toBe(true);
    const noPi = run('no-pi');
    expect(values(noPi, PI)).toEqual([]);
    expect(values(noPi, SAT).length).toBeGreaterThan(0);
    expect(values(run('normal'), PI).length).toBeGreaterThan(0);
  });
});

describe('contec-cms50-v7: simulator as the device', () => {
  const count = (chunks: Uint8Array[]): number => flat(chunks).filter((b) => b === 0x01).length;

  it('streams only after A1, and stops 30 s after the last A1/AF when no keep-alive comes', () => {
    const sim = driver.createSimulator();
    expect(sim.advance(1000)).toEqual([]);
    sim.receive(controlCommand(0xa1), 1000);
    expect(count(sim.advance(46_000))).toBe(1800); // one late call: nothing after the timeout either
    expect(sim.advance(60_000)).toEqual([]);
  });

  it('keeps streaming while AF arrives, and stops on A2 with 0C 80', () => {
    const sim = driver.createSimulator();
    sim.receive(controlCommand(0xa1), 0);
    const chunks: Uint8Array[] = [];
    for (let t = 10; t <= 45_000; t += 10) {
      if (t === 20_000) {
        const streamed = sim.receive(controlCommand(0xaf), t); // no reply: only live data due by now
        expect(concat(streamed).every((b) => b === 0x01 || b >= 0x80)).toBe(true);
        chunks.push(...streamed);
      }
      chunks.push(...sim.advance(t));
    }
    expect(count(chunks)).toBe(2700);
    const reply = sim.receive(controlCommand(0xa2), 45_500);
    expect(Array.from(reply.at(-1)!)).toEqual([0x0c, 0x80]);
    expect(count(reply)).toBe(30); // what was streamed before the stop reached the device
    expect(sim.advance(46_000)).toEqual([]);
  });

  it('answers A2/A7 with 0C 80, AA with its identifier, AC with PI support, unknown commands with 0x0B', () => {
    const ask = (cmd: number, scenario?: string): number[] => flat(driver.createSimulator(scenario).receive(controlCommand(cmd), 0));
    expect(ask(0xa7)).toEqual([0x0c, 0x80]);
    expect(ask(0xa2)).toEqual([0x0c, 0x80]);
    expect(ask(0xaa)).toEqual(Array.from(hex('04 80 C3 CD D3 B5 B0 C4 AB')));
    expect(ask(0xac)).toEqual([0x0e, 0x80, 0x80]);
    expect(ask(0xac, 'no-pi')).toEqual([0x0e, 0x80, 0x81]);
    expect(ask(0xb6)).toEqual([0x0b, 0x83, 0xb6, 0xff]);
    const sim = driver.createSimulator(); // a command split across writes
    expect(sim.receive({ kind: 'data', bytes: controlCommand(0xaa).bytes.slice(0, 4) }, 0)).toEqual([]);
    expect(flat(sim.receive({ kind: 'data', bytes: controlCommand(0xaa).bytes.slice(4) }, 0))[0]).toBe(0x04);
    expect(() => driver.createSimulator('nope')).toThrow(/Unknown scenario/);
  });
});
