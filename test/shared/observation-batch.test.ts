import { constants, inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BATCH_MAX_INFLATED, BATCH_MAX_ITEMS, decodeObservationBatch, encodeObservationBatch, isObservationBatch, OBSERVATION_BATCH_FRAME } from '../../src/shared/observation-batch.ts';
import type { ObservationEvent } from '../../src/shared/observation-frame.ts';
import { MAX_EVENT_BYTES } from '../../src/shared/telemetry.ts';

/** Issue 11: the readings kept during a cut go to the doctor deflated together, a fifth of the bytes. */

const obs = (i: number, extra: Partial<ObservationEvent> = {}): ObservationEvent => ({
  type: 'observation',
  id: `2b7c1f0e-8d7a-4c55-9f0e-${String(i).padStart(12, '0')}`,
  deviceId: 'nonin-3150:/dev/ttyUSB0',
  code: i % 2 ? 'MDC_PULS_OXIM_PULS_RATE' : 'MDC_PULS_OXIM_SAT_O2',
  value: i % 2 ? 60 + (i % 40) : 90 + (i % 10),
  unit: i % 2 ? '/min' : '%',
  t: 1_765_000_000_000 + i * 500,
  ...extra,
});

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  const out = await new Response(new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer();
  const framed = new Uint8Array(out.byteLength + 1);
  framed[0] = OBSERVATION_BATCH_FRAME;
  framed.set(new Uint8Array(out), 1);
  return framed;
}

describe('observation batch frame', () => {
  it('carries observations in order and exactly, in a fifth of their JSON size or less', async () => {
    const list = Array.from({ length: 180 }, (_, i) => obs(i));
    const frame = await encodeObservationBatch(list);
    expect(frame).toBeDefined();
    expect(frame![0]).toBe(OBSERVATION_BATCH_FRAME);
    const jsonBytes = list.reduce((s, o) => s + new TextEncoder().encode(JSON.stringify(o)).length, 0);
    expect(frame!.length).toBeLessThan(jsonBytes / 5);
    const back = await decodeObservationBatch(frame!.buffer.slice(frame!.byteOffset, frame!.byteOffset + frame!.byteLength));
    expect(back).toEqual({ observations: list, dropped: 0 });
  });

  it('round-trips any valid observations (values, units, measurement ids, unicode in ids)', async () => {
    const arb = fc.record({
      id: fc.string({ minLength: 1, maxLength: 100, unit: 'grapheme' }).filter((s) => s.length >= 1 && s.length <= 100),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      t: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      measurementId: fc.option(fc.uuid(), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(arb, { minLength: 1, maxLength: 30 }), async (items) => {
        const list = items.map((x, i) => obs(i, { id: x.id, value: x.value === 0 ? 0 : x.value, t: x.t, ...(x.measurementId ? { measurementId: x.measurementId } : {}) }));
        const frame = await encodeObservationBatch(list);
        if (!frame) return; // over MAX_EVENT_BYTES: the caller sends them one by one
        const back = await decodeObservationBatch(frame);
        expect(back?.dropped).toBe(0);
        expect(back?.observations.map((o) => [o.id, o.value, o.t, o.measurementId])).toEqual(list.map((o) => [o.id, o.value, o.t, o.measurementId]));
      }),
      { numRuns: 60 },
    );
  });

  it('makes no frame of nothing, of too many, of an observation that breaks the contract, or over MAX_EVENT_BYTES', async () => {
    expect(await encodeObservationBatch([])).toBeUndefined();
    expect(await encodeObservationBatch(Array.from({ length: BATCH_MAX_ITEMS + 1 }, (_, i) => obs(i)))).toBeUndefined();
    expect(await encodeObservationBatch([obs(1), { ...obs(2), value: Number.NaN }])).toBeUndefined();
    expect(await encodeObservationBatch([obs(1), { ...obs(2), code: 'not a code' as never }])).toBeUndefined();
    // Random ids do not deflate: 200 of 100 random characters each do not fit 16 KiB.
    const random = Array.from({ length: BATCH_MAX_ITEMS }, (_, i) => obs(i, { id: Array.from({ length: 100 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 90))).join('') }));
    const frame = await encodeObservationBatch(random);
    expect(frame).toBeUndefined();
    expect(MAX_EVENT_BYTES).toBe(16 * 1024);
  });

  it('refuses what is not a batch frame, without throwing', async () => {
    const good = (await encodeObservationBatch([obs(1), obs(2)]))!;
    const cases: unknown[] = [
      undefined,
      null,
      'text',
      JSON.stringify([obs(1)]),
      new ArrayBuffer(0),
      new Uint8Array([OBSERVATION_BATCH_FRAME]),
      new Uint8Array([0x80, ...good.subarray(1)]),
      new Uint8Array([OBSERVATION_BATCH_FRAME, 1, 2, 3, 4, 5]),
      good.subarray(0, good.length - 3),
      new Uint8Array(MAX_EVENT_BYTES + 1).fill(OBSERVATION_BATCH_FRAME),
      await deflate(new TextEncoder().encode('not json')),
      await deflate(new TextEncoder().encode(JSON.stringify({ type: 'observation' }))),
      await deflate(new TextEncoder().encode('[]')),
      await deflate(new TextEncoder().encode(JSON.stringify(Array.from({ length: BATCH_MAX_ITEMS + 1 }, (_, i) => obs(i))))),
      await deflate(new Uint8Array([0xff, 0xfe, 0x5b, 0x5d])),
    ];
    for (const c of cases) expect(await decodeObservationBatch(c), String(c)).toBeUndefined();
    expect(isObservationBatch('x')).toBe(false);
    expect(isObservationBatch(good)).toBe(true);
  });

  it('stops inflating a bomb at BATCH_MAX_INFLATED (a small frame that would inflate to megabytes)', async () => {
    // "[" then 4 MiB of spaces: valid JSON whitespace, deflated to a few KiB.
    const huge = new Uint8Array(4 * 1024 * 1024 + 2).fill(0x20);
    huge[0] = 0x5b;
    huge[huge.length - 1] = 0x5d;
    const bomb = await deflate(huge);
    expect(bomb.length).toBeLessThan(MAX_EVENT_BYTES);
    expect(await decodeObservationBatch(bomb)).toBeUndefined();
    // Just under the limit is read.
    const fits = new TextEncoder().encode(JSON.stringify([obs(1)]).padEnd(BATCH_MAX_INFLATED - 10, ' '));
    expect((await decodeObservationBatch(await deflate(fits)))?.observations).toHaveLength(1);
  });

  describe('with a browser-like inflater that expands each written chunk at once', () => {
    afterEach(() => vi.unstubAllGlobals());

    it('stops a bomb after a slice, not after the whole frame (16 KiB must not become megabytes)', async () => {
      const huge = new Uint8Array(16 * 1024 * 1024).fill(0x20);
      const bomb = await deflate(huge);
      expect(bomb.length).toBeLessThanOrEqual(MAX_EVENT_BYTES + 1);
      let produced = 0;
      // Chromium's DecompressionStream: each chunk written is inflated whole before the reader sees any of it.
      class EagerInflate {
        readonly readable: ReadableStream<Uint8Array>;
        readonly writable: WritableStream<Uint8Array>;
        constructor() {
          let input = new Uint8Array(0);
          let sent = 0;
          const t = new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              const next = new Uint8Array(input.length + chunk.length);
              next.set(input);
              next.set(chunk, input.length);
              input = next;
              const all = inflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
              const fresh = all.subarray(sent);
              sent = all.length;
              produced += fresh.length;
              if (fresh.length) controller.enqueue(new Uint8Array(fresh));
            },
          });
          this.readable = t.readable;
          this.writable = t.writable;
        }
      }
      vi.stubGlobal('DecompressionStream', EagerInflate);
      expect(await decodeObservationBatch(bomb)).toBeUndefined();
      // The cap (256 KiB) plus at most a slice's worth beyond it.
      expect(produced).toBeLessThan(BATCH_MAX_INFLATED + 256 * 1024);
      // And a good frame still reads through it.
      const good = (await encodeObservationBatch([obs(1), obs(2)]))!;
      expect((await decodeObservationBatch(good))?.observations.map((o) => o.id)).toEqual([obs(1).id, obs(2).id]);
    }, 30_000);
  });

  it('keeps the valid items of a batch and counts the others', async () => {
    const mixed = [obs(1), { ...obs(2), type: 'status' }, { ...obs(3), value: 'high' }, 42, obs(4)];
    const back = await decodeObservationBatch(await deflate(new TextEncoder().encode(JSON.stringify(mixed))));
    expect(back?.observations.map((o) => o.id)).toEqual([obs(1).id, obs(4).id]);
    expect(back?.dropped).toBe(3);
  });
});
