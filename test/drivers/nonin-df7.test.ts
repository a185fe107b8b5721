import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driver } from '../../drivers/nonin-df7/index.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import { checkChunking, checkFuzz, concat, cutAt, decodeChunks, expectValidEvents, runSession, samplesOf } from '../helpers/driver-harness.ts';

const [SPO2, PR] = ['MDC_PULS_OXIM_SAT_O2', 'MDC_PULS_OXIM_PULS_RATE'];

// --- An independent DF7 encoder (protocols.md §2.4), for hand-built streams. ---

function frame(status: number, pleth: number, float: number): number[] {
  const [hi, lo] = [(pleth >> 8) & 0xff, pleth & 0xff];
  return [status, hi, lo, float, (status + hi + lo + float) & 0xff];
}

/** `bits`: extra STATUS bits on every frame; `frameBits`/`floats`: STATUS bits / FLOAT by 1-based frame number. */
interface PacketSpec {
  hr?: number;
  spo2?: number;
  bits?: number;
  frameBits?: Record<number, number>;
  floats?: Record<number, number>;
  pleth?: number;
}

function packet(spec: PacketSpec = {}): number[] {
  const hr = spec.hr ?? 72;
  const spo2 = spec.spo2 ?? 97;
  const out: number[] = [];
  for (let f = 1; f <= 25; f++) {
    const status = 0x80 | (f === 1 ? 0x01 : 0) | (spec.bits ?? 0) | (spec.frameBits?.[f] ?? 0);
    let float = f === 1 ? (hr >> 7) & 0x03 : f === 2 ? hr & 0x7f : f === 3 ? spo2 : 0;
    if (spec.floats?.[f] !== undefined) float = spec.floats[f]!;
    out.push(...frame(status, ((spec.pleth ?? 40_000) + f * 257) & 0xffff, float));
  }
  return out;
}

const bytes = (...parts: number[][]): Uint8Array => Uint8Array.from(parts.flat());
const decode = (data: Uint8Array): DeviceEvent[] => decodeChunks(driver, [data]);

const values = (events: readonly DeviceEvent[], code: string, from = -Infinity, to = Infinity): number[] =>
  events.flatMap((e) => (e.kind === 'observation' && e.code === code && e.t! >= from && e.t! <= to ? [e.value!] : []));
const statuses = (events: readonly DeviceEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'status' ? [`${e.status}${e.detail ? `/${e.detail}` : ''}`] : []));

/** Re-cuts chunks at pseudo-random points from a seed (for runSession's `chunk`). */
function chunker(seed: number): (b: Uint8Array) => Uint8Array[] {
  let s = seed >>> 0 || 1;
  return (b) => {
    const cuts = Array.from(b, (_, i) => i).filter(() => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 7 === 0);
    return cutAt(b, cuts);
  };
}

/** Pleth values of a clean DF7 device stream: whole frames after any leading ACK (test-side walk). */
function plethOf(stream: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i + 5 <= stream.length) {
    const [a, b, c, d, e] = [stream[i]!, stream[i + 1]!, stream[i + 2]!, stream[i + 3]!, stream[i + 4]!];
    const ok = a >= 0x80 && d < 0x80 && ((a + b + c + d) & 0xff) === e;
    if (ok) out.push(b * 256 + c);
    i += ok ? 5 : 1;
  }
  return out;
}

describe('nonin-df7: reference facts (protocols.md §2.2–2.5)', () => {
  it('selects data format 7 with 02 70 02 02 07 03 on open and as a command, no keep-alive', () => {
    expect(driver.link.open).toEqual([{ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x07, 0x03] }]);
    expect(driver.link.commands['select-format']!.frames).toEqual(driver.link.open);
    expect(driver.link.keepAlive).toBeUndefined();
    expect(driver.manifest.serial).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(driver.manifest.usb[0]).toMatchObject({ vendorId: '0403', productId: '6001', manufacturer: 'Nonin Medical' });
    expect(driver.manifest.usb[0]!.note).toMatch(/not confirmed/i);
  });

  it('decodes a packet built from the frame table: HR frames 1/2, SpO2 frame 3, STAT2 LOW BAT frame 8', () => {
    const p = packet({ hr: 75, spo2: 97, floats: { 8: 0x01, 9: 96, 20: 0, 21: 74 } });
    const ev = decode(bytes(p, frame(0x81, 50, 0)));
    expect(values(ev, PR)).toEqual([75]);
    expect(values(ev, SPO2)).toEqual([97]);
    expect(statuses(ev)).toEqual(['low-battery/battery-low']);
    expectValidEvents(driver, ev);
  });

  it('checks the checksum: sum of bytes 1–4 mod 256 (81 FF 80 00 → 00)', () => {
    expect(frame(0x81, 0xff80, 0x00)).toEqual([0x81, 0xff, 0x80, 0x00, 0x00]);
    const bad = packet({ hr: 80 });
    bad[2 * 5 + 4] = bad[2 * 5 + 4]! ^ 0x10; // corrupt frame 3's checksum
    expect(values(decode(bytes(bad)), PR)).toEqual([]);
  });

  it('assembles HR from 9 bits: ((MSB & 0x03) << 7) | (LSB & 0x7F), not the OEM III firmware bug', () => {
    expect(values(decode(bytes(packet({ hr: 300 }))), PR)).toEqual([300]);
    // MSB 0x01, LSB 0x00 = 128 bpm (the buggy 0x18 mask would read 0); upper MSB bits are ignored.
    expect(values(decode(bytes(packet({ floats: { 1: 0x7d, 2: 0x00 } }))), PR)).toEqual([128]);
    expect(values(decode(bytes(packet({ hr: 511 - 1 }))), PR)).toEqual([]); // 510: decoded, refused as out of range
  });

  it('emits one 16-bit pleth sample (MSB*256 + LSB) per valid frame at 75 Hz, in the device scale 0–65535', () => {
    const ev = decode(bytes(packet({ pleth: 65_000 })));
    expect(samplesOf(ev)).toEqual(Array.from({ length: 25 }, (_, i) => (65_000 + (i + 1) * 257) & 0xffff));
    expect(Math.max(...samplesOf(ev))).toBeGreaterThan(255);
    expect(ev.filter((e) => e.kind === 'waveform').every((e) => e.kind === 'waveform' && e.rate === 75)).toBe(true);
  });
});

describe('nonin-df7: invalid or missing values become statuses', () => {
  const cases: [string, PacketSpec, string, number[], number[]][] = [
    ['HR 511 and SpO2 127', { hr: 511, spo2: 127 }, 'searching/pulse-search', [], []],
    ['HR 511 only', { hr: 511, spo2: 95 }, 'searching/pulse-search', [], [95]],
    ['SpO2 127 only', { hr: 64, spo2: 127 }, 'searching/pulse-search', [64], []],
    ['SNSA with numbers still present', { bits: 0x08, hr: 70, spo2: 96 }, 'probe-off/sensor-alarm', [], []],
    ['SNSD (OEM III bit 6)', { bits: 0x40, hr: 70, spo2: 96 }, 'sensor-fault/sensor-disconnected', [], []],
    ['OOT', { bits: 0x10, hr: 511, spo2: 127 }, 'searching/out-of-track', [], []],
    ['SpO2 110 (out of range)', { spo2: 110 }, 'error/value-out-of-range', [72], []],
    ['HR 0 (out of range)', { hr: 0 }, 'error/value-out-of-range', [], [97]],
  ];
  for (const [name, spec, status, pr, spo2] of cases) {
    it(name, () => {
      const ev = decode(bytes(packet(spec), frame(0x81, 0, 0)));
      expect(statuses(ev)).toEqual([status]);
      expect(values(ev, PR)).toEqual(pr);
      expect(values(ev, SPO2)).toEqual(spo2);
    });
  }

  it('maps ARTF to artifact and red perfusion to low-perfusion, green to ok', () => {
    const art = decode(bytes(packet({ frameBits: { 5: 0x20 | 0x02, 6: 0x02 } })));
    expect(statuses(art)).toEqual(['artifact/pulse-artifact']);
    const red = decode(bytes(packet({ frameBits: { 5: 0x04, 6: 0x04 } })));
    expect(statuses(red)).toEqual(['low-perfusion/perfusion-low']);
    const green = decode(bytes(packet({ frameBits: { 5: 0x02, 6: 0x02 } })));
    expect(statuses(green)).toEqual(['ok']);
    expect(values(red, SPO2)).toEqual([97]);
  });

});

describe('nonin-df7: values come only from aligned packets', () => {
  it('ignores frames seen before the first SYNC', () => {
    // The tail of a packet whose FLOAT bytes would read as HR 200 / SpO2 50 if taken at the wrong frame number.
    const tail = packet({ floats: { 11: 0x01, 12: 200 & 0x7f, 13: 50 } }).slice(10 * 5);
    const ev = decode(bytes(tail, packet({ hr: 81, spo2: 94 })));
    expect(values(ev, PR)).toEqual([81]);
    expect(values(ev, SPO2)).toEqual([94]);
  });

  it('drops a packet broken by a bad frame or a lost frame, and decodes the next one', () => {
    const broken = packet({ hr: 90, spo2: 90 });
    broken[4 * 5 + 2] = broken[4 * 5 + 2]! ^ 0x01; // pleth byte of frame 5 no longer matches its checksum
    const lost = packet({ hr: 91, spo2: 91 });
    lost.splice(5 * 5, 5); // frame 6 never arrived: 24 frames until the next SYNC
    // A junk byte, then a well-formed stand-in for frame 3: still 25 frames, but the packet was broken.
    const spliced = packet({ hr: 92, spo2: 92 });
    spliced.splice(2 * 5, 5, 0x33, ...frame(0x80, 9, 60));
    const ev = decode(bytes(broken, lost, spliced, packet({ hr: 66, spo2: 99 }), frame(0x81, 0, 0)));
    expect(values(ev, PR)).toEqual([66]);
    expect(values(ev, SPO2)).toEqual([99]);
  });

  it('skips a lone ACK/NAK between frames without losing the packet', () => {
    const p = packet({ hr: 77 });
    const withAck = [...p.slice(0, 35), 0x06, ...p.slice(35, 80), 0x15, ...p.slice(80)];
    const ev = decode(Uint8Array.from(withAck));
    expect(values(ev, PR)).toEqual([77]);
    expect(samplesOf(ev)).toHaveLength(25);
  });

  it('is recognised only after a full SYNC cycle: 25 frames from one SYNC to the next', () => {
    const d = driver.createDecoder();
    const p = packet();
    d.push(Uint8Array.from(p.slice(0, 24 * 5)), 0);
    expect(d.recognised).toBe(false);
    d.push(Uint8Array.from(p.slice(24 * 5)), 0);
    expect(d.recognised).toBe(false);
    d.push(bytes(frame(0x81, 0, 0)), 0);
    expect(d.recognised).toBe(true);
    // A SYNC arriving early (a lost frame) is no cycle.
    const e = driver.createDecoder();
    e.push(bytes(p.slice(0, 24 * 5), frame(0x81, 0, 0), p.slice(5)), 0);
    expect(e.recognised).toBe(false);
  });
});

describe('nonin-df7: simulator round trip through the link', () => {
  it('decodes the values the scenario sets, with random chunking, and pleth at 75 Hz', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const r = runSession(driver, {
          durationMs: 8000,
          chunk: chunker(seed),
          changes: [
            { atMs: 1000, values: { spo2: 91, pulse: 88 } },
            { atMs: 4000, values: { probeOff: true } },
            { atMs: 6000, values: { probeOff: false, spo2: 93 } },
          ],
        });
        expectValidEvents(driver, r.events);
        expect(r.sent[0]).toEqual(driver.link.open[0]);
        expect(values(r.events, SPO2, 1400, 4000)).toSatisfy((v: number[]) => v.length >= 2 && v.every((x) => x === 91));
        expect(values(r.events, PR, 1400, 4000)).toSatisfy((v: number[]) => v.length >= 2 && v.every((x) => x === 88));
        expect(values(r.events, SPO2, 4400, 6000)).toEqual([]);
        expect(statuses(r.events.filter((e) => e.t! >= 4000 && e.t! <= 4400))).toEqual(['probe-off/sensor-alarm']);
        expect(values(r.events, SPO2, 6400)).toSatisfy((v: number[]) => v.length >= 1 && v.every((x) => x === 93));
        const samples = samplesOf(r.events);
        expect(samples).toHaveLength(600); // 8 s × 75 frames/s, every frame
        expect(samples).toEqual(plethOf(concat(r.deviceBytes)));
      }),
      { numRuns: 15 },
    );
  });

  it('switches a device that powered on in DF2 to DF7 with the open command, then decodes it', () => {
    const r = runSession(driver, { scenario: 'normal-df2', durationMs: 3000, changes: [{ atMs: 0, values: { spo2: 95, pulse: 61 } }] });
    expect(r.deviceBytes[0]).toEqual(Uint8Array.of(0x06));
    expect(values(r.events, SPO2)).toSatisfy((v: number[]) => v.length >= 2 && v.every((x) => x === 95));
    expect(values(r.events, PR)).toSatisfy((v: number[]) => v.length >= 2 && v.every((x) => x === 61));
    expect(samplesOf(r.events)).toHaveLength(225);
  });

  it('does not decode DF8 output until the select-format command switches the device mid-stream', () => {
    const sim = driver.createSimulator('normal-df8');
    sim.set({ spo2: 92, pulse: 70 });
    const d = driver.createDecoder();
    const before = sim.advance(3000).flatMap((c) => d.push(c, 3000));
    expect(d.recognised).toBe(false);
    expect(before).toEqual([]);
    expect(sim.receive(driver.link.commands['select-format']!.frames[0]!, 3000)).toEqual([Uint8Array.of(0x06)]);
    const after = sim.advance(5000).flatMap((c) => d.push(c, 5000));
    expect(d.recognised).toBe(true);
    expect(values(after, SPO2)).toEqual([92]);
    expect(values(after, PR)).toEqual([70]);
    expect(samplesOf(after).length).toBeGreaterThanOrEqual(150 - 25);
  });

  it('keeps streaming through a select-format command (lone ACK in the stream) and NAKs DF13', () => {
    const plain = runSession(driver, { durationMs: 5000 });
    const r = runSession(driver, { durationMs: 5000, commands: [{ atMs: 2003, name: 'select-format' }] });
    expect(r.sent).toHaveLength(2);
    expect(samplesOf(r.events)).toEqual(samplesOf(plain.events));
    expect(r.events.filter((e) => e.kind !== 'waveform')).toEqual(plain.events.filter((e) => e.kind !== 'waveform'));
    const sim = driver.createSimulator();
    expect(sim.receive({ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x0d, 0x03] }, 0)).toEqual([Uint8Array.of(0x15)]);
    expect(plethOf(concat(sim.advance(1000)))).toHaveLength(75);
  });

  it('plays the scenarios: finger-out, desaturation, low-perfusion, noisy', () => {
    const out = runSession(driver, { scenario: 'finger-out', durationMs: 10_000 });
    expect(statuses(out.events)).toEqual(['ok', 'probe-off/sensor-alarm', 'ok']);
    expect(values(out.events, SPO2, 3400, 8000)).toEqual([]);
    const desat = runSession(driver, { scenario: 'desaturation', durationMs: 62_000, stepMs: 50 });
    const d = values(desat.events, SPO2);
    expect(d[0]).toBeGreaterThanOrEqual(96);
    expect(d.at(-1)).toBe(85);
    const low = runSession(driver, { scenario: 'low-perfusion', durationMs: 3000 });
    expect(statuses(low.events)).toContain('low-perfusion/perfusion-low');
    const noisy = runSession(driver, { scenario: 'noisy', durationMs: 20_000 });
    const clean = runSession(driver, { scenario: 'normal', durationMs: 20_000 });
    expect(concat(noisy.deviceBytes).length).toBeGreaterThan(concat(clean.deviceBytes).length);
    for (const code of [SPO2, PR]) {
      const ok = new Set(values(clean.events, code));
      expect(values(noisy.events, code).length).toBeGreaterThan(10);
      expect(values(noisy.events, code).every((v) => ok.has(v))).toBe(true);
    }
  });
});

describe('nonin-df7: robustness', () => {
  it('never throws on random bytes and emits only valid events', () => {
    checkFuzz(driver);
  });

  it('decodes the same whatever the chunking', () => {
    checkChunking(driver, concat(runSession(driver, { scenario: 'noisy', durationMs: 8000 }).deviceBytes));
    checkChunking(driver, concat(runSession(driver, { scenario: 'finger-out', durationMs: 9000 }).deviceBytes), 30);
  });

  it('recovers after garbage, including STATUS look-alikes, from the second valid frame on', () => {
    const sim = driver.createSimulator();
    sim.set({ spo2: 94, pulse: 83 });
    const stream = concat(sim.advance(2000));
    const pleth = plethOf(stream);
    const lookAlikes = fc.constantFrom(0x81, 0x80, 0xff, 0x7f, 0x01, 0x06, 0x15);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), lookAlikes), { maxLength: 80 }), (garbage) => {
        const d = driver.createDecoder();
        d.push(Uint8Array.from(garbage), 0);
        const ev = d.push(stream, 1);
        expect(samplesOf(ev).slice(-(pleth.length - 1))).toEqual(pleth.slice(1));
        expect(values(ev, SPO2)).toEqual([94]);
        expect(values(ev, PR)).toEqual([83]);
      }),
      { numRuns: 300 },
    );
  });
});
