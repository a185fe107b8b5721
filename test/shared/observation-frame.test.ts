import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTelemetryMessage, encodeObservationFrame, OBSERVATION_FRAME, type ObservationEvent } from '../../src/shared/observation-frame.ts';
import { decodeFrame, encodeFrame, MAX_EVENT_BYTES } from '../../src/shared/telemetry.ts';

const CODES = ['MDC_PULS_OXIM_SAT_O2', 'MDC_PULS_OXIM_PULS_RATE', 'MDC_PULS_OXIM_PERF_REL'] as const;

const observation = fc.record(
  {
    type: fc.constant('observation' as const),
    id: fc.string({ minLength: 1, maxLength: 100 }),
    deviceId: fc.string({ minLength: 1, maxLength: 300 }),
    code: fc.constantFrom(...CODES),
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    unit: fc.string({ minLength: 1, maxLength: 20 }),
    t: fc.double({ noNaN: true, noDefaultInfinity: true }),
    measurementId: fc.string({ minLength: 1, maxLength: 100 }),
  },
  { requiredKeys: ['type', 'id', 'deviceId', 'code', 'value', 'unit', 't'] },
);

const sample: ObservationEvent = { type: 'observation', id: 'o1', deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1_700_000_000_000 };

describe('observation frames on the telemetry channel', () => {
  it('round-trips any valid observation (−0 reads back as 0, as JSON has it)', () => {
    fc.assert(
      fc.property(observation, (o) => {
        const bytes = encodeObservationFrame(o);
        expect(bytes).toBeDefined();
        expect(bytes![0]).toBe(OBSERVATION_FRAME);
        expect(decodeTelemetryMessage(bytes!)).toEqual({ kind: 'observation', observation: JSON.parse(JSON.stringify(o)) });
      }),
    );
  });

  it('is dropped by a waveform decoder (byte 0 has the reserved top bit), and waveform frames still decode as waves', () => {
    const bytes = encodeObservationFrame(sample)!;
    expect(decodeFrame(bytes)).toBeUndefined();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 127 }), fc.integer({ min: 0, max: 65535 }), fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }), (stream, index, samples) => {
        expect(decodeTelemetryMessage(encodeFrame({ stream, index, samples }))).toEqual({ kind: 'wave', frame: { stream, index, samples } });
      }),
    );
  });

  it('refuses what breaks the contract or is too large, without throwing', () => {
    expect(encodeObservationFrame({ ...sample, id: '' })).toBeUndefined();
    expect(encodeObservationFrame({ ...sample, value: Number.NaN })).toBeUndefined();
    expect(encodeObservationFrame({ ...sample, type: 'status' } as unknown as ObservationEvent)).toBeUndefined();
    expect(encodeObservationFrame({ ...sample, extra: 1 } as unknown as ObservationEvent)).toBeUndefined();
    const json = (v: unknown) => new Uint8Array([OBSERVATION_FRAME, ...new TextEncoder().encode(JSON.stringify(v))]);
    // Another cabin event in an observation frame, an observation missing its id, a big frame, bad UTF-8, JSON cut short.
    expect(decodeTelemetryMessage(json({ type: 'link', level: 'low' }))).toBeUndefined();
    expect(decodeTelemetryMessage(json({ ...sample, id: undefined }))).toBeUndefined();
    expect(decodeTelemetryMessage(json({ ...sample, unit: 'x'.repeat(MAX_EVENT_BYTES) }))).toBeUndefined();
    expect(decodeTelemetryMessage(new Uint8Array([OBSERVATION_FRAME, 0xff, 0xfe, 0x7b]))).toBeUndefined();
    const whole = encodeObservationFrame(sample)!;
    expect(decodeTelemetryMessage(whole.subarray(0, whole.length - 1))).toBeUndefined();
    // Other values of byte 0 with the top bit set are kept for later frame types.
    expect(decodeTelemetryMessage(new Uint8Array([0x81, ...whole.subarray(1)]))).toBeUndefined();
    expect(decodeTelemetryMessage(new Uint8Array())).toBeUndefined();
    expect(decodeTelemetryMessage(whole.buffer.slice(0) as ArrayBuffer)).toEqual({ kind: 'observation', observation: sample });
  });

  it('never throws on any bytes; whatever it accepts as an observation is a valid one', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, flag) => {
        const b = flag && bytes.length > 0 ? Uint8Array.of(OBSERVATION_FRAME, ...bytes.subarray(1)) : bytes;
        const m = decodeTelemetryMessage(b);
        if (m?.kind === 'observation') expect(encodeObservationFrame(m.observation)).toBeDefined();
      }),
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        const b = new Uint8Array([OBSERVATION_FRAME, ...new TextEncoder().encode(text)]);
        expect(() => decodeTelemetryMessage(b)).not.toThrow();
      }),
    );
  });
});
