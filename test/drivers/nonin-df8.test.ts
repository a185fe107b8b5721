import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driver } from '../../drivers/nonin-df8/index.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { checkChunking, checkFuzz, concat, cutAt, decodeChunks, expectValidEvents, runSession, samplesOf } from '../helpers/driver-harness.ts';

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const PR = 'MDC_PULS_OXIM_PULS_RATE';

// --- An independent DF8 encoder (protocols.md §2.6), for hand-built streams. ---

interface RecordSpec {
  hr?: number;
  spo2?: number;
  /** STATUS bits b6..b2 (OOT 0x20, LPRF 0x10, MPRF 0x08, ARTF 0x04). */
  status?: number;
  /** STATUS2 bits (SPA 0x20, SNSA 0x08, LOW BAT 0x01). */
  status2?: number;
}

function record(spec: RecordSpec = {}): number[] {
  const hr = spec.hr ?? 72;
  return [0x80 | (spec.status ?? 0) | ((hr >> 7) & 0x03), hr & 0x7f, (spec.spo2 ?? 97) & 0x7f, spec.status2 ?? 0];
}

/** `n` copies of a record, as the device sends them once per second. */
function records(n: number, spec: RecordSpec = {}): number[] {
  return Array.from({ length: n }, () => record(spec)).flat();
}

const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());
const decode = (data: Uint8Array): DeviceEvent[] => decodeChunks(driver, [data]);

/**
 * Decodes parts as the device sends them: a (possibly truncated) record once a second, a lone ACK/NAK byte
 * half-way to the next one; so every changed value is due, whatever the emitter's minimum interval.
 */
function decodeSeconds(parts: readonly number[][], d = driver.createDecoder()): DeviceEvent[] {
  let second = 0;
  return parts.flatMap((p, i) => {
    if (i > 0 && p.length > 1) second++;
    return d.push(Uint8Array.from(p), second * 1000 + (p.length > 1 ? 0 : 500));
  });
}

const values = (events: readonly DeviceEvent[], code: string, from = -Infinity, to = Infinity): number[] =>
  events.flatMap((e) => (e.kind === 'observation' && e.code === code && e.t! >= from && e.t! <= to ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [`${e.status}${e.detail ? `/${e.detail}` : ''}`] : []));

function chunker(seed: number): (b: Uint8Array) => Uint8Array[] {
  let s = seed >>> 0 || 1;
  return (b) => {
    const cuts = Array.from(b, (_, i) => i).filter(() => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 3 === 0);
    return cutAt(b, cuts);
  };
}

describe('nonin-df8: reference facts (protocols.md §2.2, §2.6)', () => {
  it('selects data format 8 with 02 70 02 02 08 03 on open and as a command; no waveform', () => {
    expect(driver.link.open).toEqual([{ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x08, 0x03] }]);
    expect(driver.link.commands['select-format']!.frames).toEqual(driver.link.open);
    expect(driver.link.keepAlive).toBeUndefined();
    expect(driver.manifest.serial).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(driver.manifest.usb[0]).toMatchObject({ vendorId: '0403', productId: '6001', manufacturer: 'Nonin Medical' });
    expect(driver.manifest.codes).not.toContain('MDC_PULS_OXIM_PLETH');
  });

  it('decodes STATUS/HR-D/SpO2-D/STATUS2 records: 80 48 61 00 = HR 72, SpO2 97', () => {
    expect(record({ hr: 72, spo2: 97 })).toEqual([0x80, 0x48, 0x61, 0x00]);
    const ev = decode(bytes(records(3, { hr: 72, spo2: 97 })));
    expect(values(ev, PR)).toEqual([72]);
    expect(values(ev, SPO2)).toEqual([97]);
    expect(statuses(ev)).toEqual(['ok']);
    expectValidEvents(driver, ev);
  });

  it('assembles HR from STATUS b1..b0 (HR8, HR7) and byte 2 (HR6..HR0): 82 2C → 300', () => {
    expect(record({ hr: 300 }).slice(0, 2)).toEqual([0x82, 0x2c]);
    expect(values(decode(bytes(records(3, { hr: 300 }))), PR)).toEqual([300]);
    expect(values(decode(bytes(records(3, { hr: 128 }))), PR)).toEqual([128]);
  });

  it('holds the first two records until the third proves the format, then reports all three at their own time', () => {
    const d = driver.createDecoder();
    expect(d.push(bytes(record({ hr: 60 })), 0)).toEqual([]);
    expect(d.push(bytes(record({ hr: 61 })), 1000)).toEqual([]);
    expect(d.recognised).toBe(false);
    const proof = d.push(bytes(record({ hr: 62 })), 2000);
    expect(values(proof, PR)).toEqual([60, 61, 62]);
    expect(proof.filter((e) => e.kind === 'observation' && e.code === PR).map((e) => e.t)).toEqual([0, 1000, 2000]);
    expect(d.recognised).toBe(true);
    // After line noise, a proven stream needs one record to resynchronise and reports the second.
    expect(d.push(bytes([0x80, 0x11], record({ hr: 63 })), 3000)).toEqual([]);
    expect(values(d.push(bytes(record({ hr: 64 })), 4000), PR)).toEqual([64]);
  });
});

describe('nonin-df8: invalid or missing values and status bits', () => {
  const cases: [string, RecordSpec, string, number[], number[]][] = [
    ['HR 511 and SpO2 127', { hr: 511, spo2: 127 }, 'searching/pulse-search', [], []],
    ['SpO2 127 only', { hr: 64, spo2: 127 }, 'searching/pulse-search', [64], []],
    ['SNSA (finger out) with held display values', { status2: 0x08 }, 'probe-off/sensor-alarm', [], []],
    ['OOT', { status: 0x20, hr: 511, spo2: 127 }, 'searching/out-of-track', [], []],
    ['ARTF', { status: 0x04 }, 'artifact/pulse-artifact', [72], [97]],
    ['LPRF', { status: 0x10 }, 'low-perfusion/perfusion-low', [72], [97]],
    ['MPRF alone is no alarm', { status: 0x08 }, 'ok', [72], [97]],
    ['LOW BAT', { status2: 0x01 }, 'low-battery/battery-low', [72], [97]],
    ['HR 0 (out of range)', { hr: 0 }, 'error/value-out-of-range', [], [97]],
  ];
  for (const [name, spec, status, pr, spo2] of cases) {
    it(name, () => {
      const ev = decode(bytes(records(3, spec)));
      expect(statuses(ev)).toEqual([status]);
      expect(values(ev, PR)).toEqual(pr);
      expect(values(ev, SPO2)).toEqual(spo2);
    });
  }

  it('drops the held records when the run breaks before it proves the format', () => {
    const d = driver.createDecoder();
    d.push(bytes(record({ hr: 60 })), 0);
    d.push(bytes(record({ hr: 61 })), 1000);
    expect(d.push(bytes([0x80, 0x11]), 1500)).toEqual([]); // a truncated record
    d.push(bytes(record({ hr: 70 })), 2000);
    d.push(bytes(record({ hr: 71 })), 3000);
    // 60 and 61 never come out: only the run that proves the format is reported.
    expect(values(d.push(bytes(record({ hr: 72 })), 4000), PR)).toEqual([70, 71, 72]);
  });

  it('drops a held look-alike that arrived with the next record (line noise glued in front of the stream)', () => {
    const d = driver.createDecoder();
    // 80 28 50 00 = HR 40, SpO2 80: well-formed, but it came with the first real record, not a second before it.
    const ev = d.push(bytes([0x80, 0x28, 0x50, 0x00], record({ hr: 75 })), 1000);
    // Look-alike, 75, 76 are three back to back: 76 proves the format; the look-alike is not reported.
    ev.push(...d.push(bytes(record({ hr: 76 })), 2000), ...d.push(bytes(record({ hr: 77 })), 3000));
    expect(values(ev, PR)).toEqual([75, 76, 77]);
    expect(values(ev, SPO2)).toEqual([97, 97, 97]); // never the look-alike's 80
  });

  it('drops implausible records (HR 400, SpO2 110) and breaks the run', () => {
    const d = driver.createDecoder();
    const ev = d.push(bytes(records(2), record({ hr: 400 }), records(2), record({ spo2: 110 }), records(2, { hr: 90 })), 0);
    expect(ev).toEqual([]);
    expect(values(d.push(bytes(record({ hr: 91 })), 1), PR)).toEqual([91]);
  });

  it('skips a lone ACK/NAK between records once proven or when a command is due; a truncated record breaks the run', () => {
    const r = (hr: number): number[] => record({ hr });
    const proven = decodeSeconds([r(70), r(70), r(70), [0x06], r(71), [0x15], r(72)]);
    expect(values(proven, PR)).toEqual([70, 70, 70, 71, 72]);
    const fresh = decodeSeconds([r(70), [0x06], r(71), r(71)]);
    expect(values(fresh, PR)).toEqual([]);
    const d = driver.createDecoder();
    d.sent!(driver.link.open[0]!, 0);
    expect(values(decodeSeconds([r(70), [0x06], r(71), r(71)], d), PR)).toEqual([70, 71, 71]);
    const cut = decodeSeconds([r(70), r(70), r(70), r(71).slice(0, 2), r(72), r(73)]);
    expect(values(cut, PR)).toEqual([70, 70, 70, 73]);
  });

  it('does not lock onto DF2 or DF7 frames, even where 4 of their bytes look like a DF8 record', () => {
    // DF7 frame 80 10 20 05 B5: bytes 1–4 form a plausible DF8 record (HR 16, SpO2 32), then B5 breaks it.
    const df7 = [0x80, 0x10, 0x20, 0x05, 0xb5];
    const d = driver.createDecoder();
    const ev = d.push(Uint8Array.from(Array.from({ length: 50 }, () => df7).flat()), 0);
    expect(ev).toEqual([]);
    expect(d.recognised).toBe(false);
  });
  it('drops its proof when a 75 Hz format appears on the line (device switched to DF2/DF7 by someone else)', () => {
    for (const other of ['normal-df2', 'normal-df7']) {
      const d = driver.createDecoder();
      d.push(bytes(records(3)), 0);
      const sim = driver.createSimulator(other);
      const ev = [1000, 5000, 10_000, 20_000].flatMap((t) => sim.advance(t).flatMap((c) => d.push(c, t)));
      expect(ev).toEqual([]);
    }
  });
});

describe('nonin-df8: simulator round trip through the link', () => {
  it('decodes the values the scenario sets, once per second, with random chunking', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const r = runSession(driver, {
          durationMs: 20_000,
          stepMs: 50,
          chunk: chunker(seed),
          changes: [
            { atMs: 3000, values: { spo2: 90, pulse: 130 } },
            { atMs: 8000, values: { probeOff: true } },
            { atMs: 12_000, values: { probeOff: false, spo2: 94 } },
          ],
        });
        expectValidEvents(driver, r.events);
        expect(r.sent).toEqual([driver.link.open[0]]);
        expect(samplesOf(r.events)).toEqual([]);
        // One record per second: every second an observation (the emitter repeats equal values each second).
        expect(values(r.events, SPO2, 4500, 7500)).toEqual([90, 90, 90]);
        expect(values(r.events, PR, 4500, 7500)).toEqual([130, 130, 130]);
        expect(values(r.events, SPO2, 8500, 12_000)).toEqual([]);
        expect(statuses(r.events.filter((e) => e.t! >= 8000 && e.t! <= 9000))).toEqual(['probe-off/sensor-alarm']);
        expect(values(r.events, SPO2, 14_500)).toEqual([94, 94, 94, 94, 94, 94]);
      }),
      { numRuns: 15 },
    );
  });

  it('switches a device that powered on in DF2 to DF8 with the open command, then decodes it', () => {
    const r = runSession(driver, { scenario: 'normal-df2', durationMs: 5000, changes: [{ atMs: 0, values: { spo2: 95, pulse: 61 } }] });
    expect(r.deviceBytes[0]).toEqual(Uint8Array.of(0x06));
    // Records at 1..5 s; the third proves the format, and the first two are reported then, at their own time.
    expect(values(r.events, SPO2)).toEqual([95, 95, 95, 95, 95]);
    expect(values(r.events, PR)).toEqual([61, 61, 61, 61, 61]);
    const times = r.events.filter((e) => e.kind === 'observation' && e.code === PR).map((e) => e.t!);
    expect(times.map((t) => Math.round(t / 1000))).toEqual([1, 2, 3, 4, 5]);
  });

  it('does not decode DF7 output until the select-format command switches the device mid-stream', () => {
    const sim = driver.createSimulator('normal-df7');
    sim.set({ spo2: 92, pulse: 70 });
    const d = driver.createDecoder();
    const before = sim.advance(4000).flatMap((c) => d.push(c, 4000));
    expect(before).toEqual([]);
    expect(d.recognised).toBe(false);
    expect(sim.receive(driver.link.commands['select-format']!.frames[0]!, 4010)).toEqual([Uint8Array.of(0x06)]);
    const after: DeviceEvent[] = [];
    for (let t = 4100; t <= 9000; t += 100) after.push(...sim.advance(t).flatMap((c) => d.push(c, t)));
    expect(d.recognised).toBe(true);
    expect(values(after, SPO2).length).toBeGreaterThanOrEqual(3);
    expect(values(after, SPO2).every((v) => v === 92)).toBe(true);
    expect(values(after, PR).every((v) => v === 70)).toBe(true);
  });

  it('plays the scenarios: finger-out (display values held with SNSA), low-perfusion, noisy', () => {
    const out = runSession(driver, { scenario: 'finger-out', durationMs: 12_000, stepMs: 50 });
    expect(statuses(out.events)).toEqual(['ok', 'probe-off/sensor-alarm', 'ok']);
    expect(values(out.events, SPO2, 3500, 8000)).toEqual([]);
    const low = runSession(driver, { scenario: 'low-perfusion', durationMs: 4000, stepMs: 50 });
    expect(statuses(low.events)).toEqual(['low-perfusion/perfusion-low']);
    const noisy = runSession(driver, { scenario: 'noisy', durationMs: 30_000, stepMs: 50 });
    const clean = runSession(driver, { scenario: 'normal', durationMs: 30_000, stepMs: 50 });
    expect(concat(noisy.deviceBytes).length).toBeGreaterThan(concat(clean.deviceBytes).length);
    for (const code of [SPO2, PR]) {
      const ok = new Set(values(clean.events, code));
      expect(values(noisy.events, code).length).toBeGreaterThan(10);
      expect(values(noisy.events, code).every((v) => ok.has(v))).toBe(true);
    }
  });
});

describe('nonin-df8: robustness', () => {
  it('never throws on random bytes and emits only valid events', () => {
    checkFuzz(driver);
  });

  it('decodes the same whatever the chunking', () => {
    checkChunking(driver, concat(runSession(driver, { scenario: 'finger-out', durationMs: 30_000, stepMs: 100 }).deviceBytes));
  });

  it('recovers after garbage, including STATUS look-alikes: from the second record on once proven, all from the third when fresh', () => {
    const stream = bytes(records(6, { hr: 83, spo2: 94 }));
    const lookAlikes = fc.constantFrom(0x80, 0x83, 0xff, 0x7f, 0x00, 0x06, 0x15);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), lookAlikes), { maxLength: 80 }), fc.boolean(), (garbage, proven) => {
        const d = driver.createDecoder();
        if (proven) [-7000, -6000, -5000].forEach((t) => d.push(bytes(record({ hr: 100, spo2: 99 })), t));
        // The garbage arrives with the first record (noise on the line just before the stream starts).
        const first = concat([Uint8Array.from(garbage), stream.subarray(0, 4)]);
        const per = [0, 1, 2, 3, 4, 5].map((i) => d.push(i === 0 ? first : stream.subarray(i * 4, i * 4 + 4), (i + 1) * 1000));
        for (const ev of per.slice(proven ? 1 : 3)) {
          expect(values(ev, PR)).toEqual([83]);
          expect(values(ev, SPO2)).toEqual([94]);
        }
        if (!proven) {
          // The third record proves the format; the held ones (the first may have been cut by the garbage)
          // come out with it, and nothing from the garbage.
          expect(values(per[2]!, PR).length).toBeGreaterThanOrEqual(1);
          expect(values(per[2]!, PR).every((v) => v === 83)).toBe(true);
          expect(values(per[2]!, SPO2).every((v) => v === 94)).toBe(true);
        }
        expect(d.recognised).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
