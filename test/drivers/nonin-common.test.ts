import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../drivers/_lib/emitter.ts';
import { PacketAssembler } from '../../drivers/_nonin/packet.ts';
import { hr9, selectFormatBytes } from '../../drivers/_nonin/protocol.ts';
import { createNoninSimulator, type SimFormat } from '../../drivers/_nonin/sim-device.ts';
import { NONIN_SCENARIOS } from '../../drivers/_nonin/sim-vitals.ts';
import { driver as df2 } from '../../drivers/nonin-df2/index.ts';
import { driver as df7 } from '../../drivers/nonin-df7/index.ts';
import { driver as df8 } from '../../drivers/nonin-df8/index.ts';
import type { DeviceEvent } from '../../src/shared/device-event.ts';
import type { Driver, SimulatorValues } from '../../src/shared/driver.ts';
import { concat, cutAt } from '../helpers/driver-harness.ts';

const BY_FORMAT: Record<SimFormat, Driver> = { 2: df2, 7: df7, 8: df8 };
const FORMATS: SimFormat[] = [2, 7, 8];

function stream(format: SimFormat, scenario: string, ms: number, values?: SimulatorValues, lowBattery = false): Uint8Array {
  const sim = createNoninSimulator(scenario, format, lowBattery);
  if (values) sim.set(values);
  const out: Uint8Array[] = [];
  for (let t = 0; t <= ms; t += 100) out.push(...sim.advance(t));
  return concat(out);
}

function decodeIn(driver: Driver, data: Uint8Array, cuts: number[] = []): { events: DeviceEvent[]; recognised: boolean } {
  const d = driver.createDecoder();
  const events: DeviceEvent[] = [];
  let t = 0;
  for (const c of cutAt(data, cuts)) events.push(...d.push(c, (t += 50)));
  return { events, recognised: d.recognised };
}

/** Whole 5-byte frames of a DF2 (start 01) or DF7 stream, walked test-side: [status, pleth, float]. */
function frames(data: Uint8Array, format: 2 | 7): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i + 5 <= data.length; ) {
    const [a, b, c, d, e] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!, data[i + 4]!];
    const ok = format === 2 ? a === 1 && b >= 0x80 : a >= 0x80;
    if (ok && d < 0x80 && ((a + b + c + d) & 0xff) === e) {
      out.push(format === 2 ? [b, c, d] : [a, b * 256 + c, d]);
      i += 5;
    } else i++;
  }
  return out;
}

describe('nonin: the three formats tell each other apart (probing on a shared port)', () => {
  for (const own of FORMATS) {
    for (const scenario of NONIN_SCENARIOS) {
      it(`a DF${own} "${scenario}" stream is recognised by its own decoder only`, () => {
        const data = stream(own, scenario, 30_000);
        expect(decodeIn(BY_FORMAT[own], data).recognised).toBe(true);
        for (const other of FORMATS.filter((f) => f !== own)) {
          const r = decodeIn(BY_FORMAT[other], data, [7, 100, 1001, 1002, 5000]);
          expect(r.recognised, `DF${other} decoder on DF${own}`).toBe(false);
          expect(r.events, `DF${other} decoder on DF${own}`).toEqual([]);
        }
      });
    }
  }

  it('holds for any patient values, battery state and chunking', () => {
    const values = fc.record({
      spo2: fc.integer({ min: 50, max: 100 }),
      pulse: fc.integer({ min: 25, max: 300 }),
      perfusionIndex: fc.double({ min: 0.05, max: 20, noNaN: true }),
      probeOff: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), values, fc.boolean(), fc.array(fc.nat({ max: 4000 })), (own, v, lowBat, cuts) => {
        const data = stream(own, 'noisy', 8000, v, lowBat);
        for (const other of FORMATS.filter((f) => f !== own)) {
          const r = decodeIn(BY_FORMAT[other], data, cuts);
          expect(r.recognised).toBe(false);
          expect(r.events).toEqual([]);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('nonin: arbitrary DF2/DF7 traffic never passes for another format', () => {
  const frameArb = fc.record({ bits: fc.integer({ min: 0, max: 0x3f }), pleth: fc.integer({ min: 0, max: 0xffff }), float: fc.nat({ max: 127 }) });
  const packetsArb = fc.array(fc.array(frameArb, { minLength: 25, maxLength: 25 }), { minLength: 1, maxLength: 6 });
  const encode = (format: 2 | 7, packets: { bits: number; pleth: number; float: number }[][]): Uint8Array => {
    const out: number[] = [];
    for (const p of packets) {
      p.forEach((f, i) => {
        const st = 0x80 | (f.bits << 1) | (i === 0 ? 1 : 0);
        const body = format === 2 ? [0x01, st, f.pleth & 0xff, f.float] : [st, f.pleth >> 8, f.pleth & 0xff, f.float];
        out.push(...body, body.reduce((a, b) => a + b, 0) & 0xff);
      });
    }
    return Uint8Array.from(out);
  };

  it('with any field values, offset and chunking (DF8 by construction, DF2/DF7 by checksum and SYNC cycle)', () => {
    fc.assert(
      fc.property(fc.constantFrom(2 as const, 7 as const), packetsArb, fc.nat({ max: 4 }), fc.array(fc.nat({ max: 900 })), (own, packets, skip, cuts) => {
        const data = encode(own, packets).subarray(skip);
        expect(decodeIn(BY_FORMAT[own], encode(own, packets)).events.length).toBeGreaterThan(0);
        for (const other of FORMATS.filter((f) => f !== own)) {
          const r = decodeIn(BY_FORMAT[other], data, cuts);
          expect(r.recognised).toBe(false);
          expect(r.events).toEqual([]);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('nonin: shared protocol helpers', () => {
  it('assembles the 9-bit HR from any MSB/LSB, ignoring the bits above HR8..HR7 and bit 7 of the LSB', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 511 }), fc.nat({ max: 63 }), fc.boolean(), (hr, junk, b7) => {
        expect(hr9(((hr >> 7) & 0x03) | (junk << 2), (hr & 0x7f) | (b7 ? 0x80 : 0))).toBe(hr);
      }),
    );
    expect(hr9(0x03, 0x7f)).toBe(511);
  });

  it('builds the format-select command 02 70 02 02 ZZ 03', () => {
    expect(selectFormatBytes(0x0d)).toEqual([0x02, 0x70, 0x02, 0x02, 0x0d, 0x03]);
  });

  it('reads every FLOAT of an aligned packet at its frame number', () => {
    const floats: Record<number, number> = { 1: 0x01, 2: 0x2c, 3: 95, 4: 42, 6: 0x01, 7: 0x05, 8: 0x21, 9: 94, 10: 93, 11: 92 };
    Object.assign(floats, { 14: 0x01, 15: 0x2d, 16: 91, 17: 90, 20: 0x01, 21: 0x2e, 22: 0x01, 23: 0x2f });
    const a = new PacketAssembler(new Emitter());
    for (let f = 1; f <= 25; f++) a.frame(0x80 | (f === 1 ? 1 : 0), floats[f] ?? 0, 0);
    const v = a.values;
    expect([v.hr, v.spo2, v.firmwareRevision, v.timer, v.stat2]).toEqual([172, 95, 42, 133, 0x21]);
    expect([v.spo2Display, v.spo2Fast, v.spo2BeatToBeat, v.extendedHr, v.extendedSpo2]).toEqual([94, 93, 92, 173, 91]);
    expect([v.extendedSpo2Display, v.hrDisplay, v.extendedHrDisplay]).toEqual([90, 174, 175]);
    expect([a.packets, a.cycles]).toEqual([1, 0]);
    a.frame(0x81, 0, 0);
    expect(a.cycles).toBe(1);
  });
  it('holds the perfusion colour between pulses, then lets it go after 6 packets (2 s) without one', () => {
    const em = new Emitter();
    const a = new PacketAssembler(em);
    const packet = (redFrame = 0): string[] => {
      for (let f = 1; f <= 25; f++) a.frame(0x80 | (f === 1 ? 1 : 0) | (f === redFrame ? 0x04 : 0), f === 2 ? 72 : f === 3 ? 97 : 0, f);
      return em.take().flatMap((e) => (e.kind === 'status' ? [e.status] : []));
    };
    expect(packet(3)).toEqual(['low-perfusion']);
    for (let i = 0; i < 6; i++) expect(packet()).toEqual([]);
    expect(packet()).toEqual(['ok']);
    expect(packet(20)).toEqual(['low-perfusion']);
  });
});

describe('nonin: the simulated device', () => {
  it('streams 75 frames/s in DF2/DF7 and one 4-byte record per second in DF8', () => {
    expect(frames(stream(2, 'normal', 1000), 2)).toHaveLength(75);
    expect(frames(stream(7, 'normal', 1000), 7)).toHaveLength(75);
    expect(stream(8, 'normal', 10_000)).toHaveLength(40);
  });

  it('answers the format-select command with ACK and switches from the next packet', () => {
    const sim = createNoninSimulator('normal', 2);
    const first = sim.advance(100); // 7 frames of packet 1
    expect(sim.receive({ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x07, 0x03] }, 100)).toEqual([Uint8Array.of(0x06)]);
    const data = concat([...first, ...sim.advance(1000)]);
    const head = frames(data.subarray(0, 125), 2);
    expect(head).toHaveLength(25);
    expect(head.map(([s]) => s & 1)).toEqual([1, ...Array<number>(24).fill(0)]);
    const tail = frames(data.subarray(125), 7);
    expect(tail).toHaveLength(50);
    expect(tail[0]![0] & 1).toBe(1);
    expect(data.length).toBe(125 + 250);
    expect(sim.currentFormat).toBe(7);
  });

  it('NAKs unsupported formats and ignores other frames', () => {
    const sim = createNoninSimulator('normal', 8);
    expect(sim.receive({ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x0d, 0x03] }, 0)).toEqual([Uint8Array.of(0x15)]);
    expect(sim.receive({ kind: 'data', bytes: [0x02, 0x70, 0x02, 0x02, 0x05, 0x03] }, 0)).toEqual([Uint8Array.of(0x15)]);
    expect(sim.receive({ kind: 'data', bytes: [0x02, 0x72, 0x06, 0x32, 0x0c, 0x1f, 0x0e, 0x1e, 0x0f, 0x03] }, 0)).toEqual([]);
    expect(sim.currentFormat).toBe(8);
    expect(stream(8, 'normal', 3000)).toHaveLength(12);
  });

  it('sends recording values missing at once on probe-off, display values held 10 s with SNSA', () => {
    const sim = createNoninSimulator('normal', 2);
    sim.set({ spo2: 96, pulse: 70 });
    const a = new PacketAssembler(new Emitter());
    const seen: { t: number; hr: number; hrD: number; snsa: boolean }[] = [];
    let snsa = false;
    const feed = (t: number): void => {
      for (const [status, , float] of frames(concat(sim.advance(t)), 2)) {
        const before = a.packets;
        if (status & 1) snsa = false;
        snsa ||= (status & 0x08) !== 0;
        a.frame(status, float, t);
        if (a.packets > before) seen.push({ t, hr: a.values.hr, hrD: a.values.hrDisplay, snsa });
      }
    };
    feed(3000);
    sim.set({ probeOff: true });
    for (let t = 3100; t <= 16_000; t += 100) feed(t);
    const off = seen.filter((p) => p.t > 3000);
    expect(off.every((p) => p.hr === 511 && p.snsa)).toBe(true);
    expect(off.filter((p) => p.t <= 12_500).every((p) => p.hrD === 70)).toBe(true);
    expect(off.filter((p) => p.t >= 14_500).every((p) => p.hrD === 511)).toBe(true);
  });

  it('reports LOW BAT in every format', () => {
    for (const f of FORMATS) {
      const r = decodeIn(BY_FORMAT[f], stream(f, 'normal', 4000, undefined, true));
      expect(r.events.filter((e) => e.kind === 'status').map((e) => e.kind === 'status' && e.detail)).toEqual(['battery-low']);
    }
  });

  it('offers the same scenarios in the three drivers, and refuses unknown ones', () => {
    for (const d of [df2, df7, df8]) expect(d.scenarios).toEqual(['normal', 'finger-out', 'desaturation', 'low-perfusion', 'noisy']);
    expect(() => df2.createSimulator('jogging')).toThrow(/unknown/);
    expect(() => df2.createSimulator('normal-df13')).toThrow(/unknown/);
  });
});
