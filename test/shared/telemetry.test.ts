import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CabinEventSchema, decodeFrame, DoctorEventSchema, encodeFrame, parseEvent, unwrapIndex } from '../../src/shared/telemetry.ts';

describe('telemetry waveform frames', () => {
  it('round-trips any frame of integer samples', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 127 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: 1, maxLength: 300 }),
        (stream, index, samples) => {
          const d = decodeFrame(encodeFrame({ stream, index, samples }));
          expect(d).toEqual({ stream, index: index % 65536, samples });
        },
      ),
    );
  });

  it('costs about one byte per pleth sample: a 50 ms frame at 60 Hz is 3 + 2 + 1 + 1 bytes', () => {
    const frame = encodeFrame({ stream: 0, index: 70_000, samples: [64, 66, 69] });
    expect(frame.length).toBe(7);
    expect([...frame.slice(0, 3)]).toEqual([0, 70_000 % 65536 & 0xff, (70_000 % 65536) >> 8]);
  });

  it('never throws on any bytes, and refuses what is not a frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const d = decodeFrame(bytes);
        if (d) {
          expect(d.stream).toBeLessThanOrEqual(127);
          expect(d.samples.length).toBeGreaterThan(0);
          for (const s of d.samples) expect(Number.isSafeInteger(s)).toBe(true);
        }
      }),
    );
    expect(decodeFrame(new Uint8Array([0, 0, 0]))).toBeUndefined(); // header only
    expect(decodeFrame(new Uint8Array([200, 0, 0, 1]))).toBeUndefined(); // reserved top bit
    expect(decodeFrame(new Uint8Array([1, 0, 0, 0x80]))).toBeUndefined(); // varint cut short
    expect(() => encodeFrame({ stream: 128, index: 0, samples: [1] })).toThrow(/stream id/);
  });

  it('unwraps the 16-bit index across the wrap, forwards and backwards', () => {
    expect(unwrapIndex(5, 65_530)).toBe(65_541);
    expect(unwrapIndex(65_530, 65_541)).toBe(65_530);
    expect(unwrapIndex(100, 200_000)).toBe(196_708);
    expect(unwrapIndex(10, 0)).toBe(10);
  });
});

describe('events channel messages', () => {
  it('accepts the documented messages and refuses anything else without throwing', () => {
    const obs = { type: 'observation', id: 'o1', deviceId: 'd@x', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1 };
    expect(parseEvent(CabinEventSchema, JSON.stringify(obs))).toEqual(obs);
    expect(parseEvent(CabinEventSchema, JSON.stringify({ ...obs, extra: 1 }))).toBeUndefined();
    expect(parseEvent(CabinEventSchema, '{not json')).toBeUndefined();
    expect(parseEvent(CabinEventSchema, new ArrayBuffer(3))).toBeUndefined();
    expect(parseEvent(DoctorEventSchema, JSON.stringify({ type: 'ack', ids: ['o1'] }))).toEqual({ type: 'ack', ids: ['o1'] });
    expect(parseEvent(DoctorEventSchema, JSON.stringify({ type: 'ack', ids: [] }))).toBeUndefined();
    expect(parseEvent(DoctorEventSchema, JSON.stringify({ type: 'command', id: 'c', deviceId: 'd', name: 'measure' }))).toBeDefined();
    expect(parseEvent(DoctorEventSchema, 'x'.repeat(40_000))).toBeUndefined();
  });
});
