import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Playout } from '../../src/shared/waveform/playout.ts';
import { RingBuffer } from '../../src/shared/waveform/ring-buffer.ts';

describe('RingBuffer', () => {
  it('keeps the last `capacity` values in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 60 }), (capacity, values) => {
        const buf = new RingBuffer(capacity);
        for (const v of values) buf.push(v);
        expect(buf.toArray()).toEqual(values.slice(-capacity));
        expect(buf.length).toBe(Math.min(capacity, values.length));
      }),
    );
  });

  it('shifts the oldest first, at() reads in order, trim keeps the newest', () => {
    const buf = new RingBuffer(3);
    for (const v of [1, 2, 3, 4]) buf.push(v);
    expect(buf.at(0)).toBe(2);
    expect(buf.at(3)).toBeUndefined();
    expect(buf.shift()).toBe(2);
    buf.push(5);
    buf.trim(1);
    expect(buf.toArray()).toEqual([5]);
    buf.clear();
    expect(buf.shift()).toBeUndefined();
  });

  it('refuses a capacity below 1', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('Playout', () => {
  /** Feeds 60 Hz samples in chunks of `chunk` every `chunk` samples' time, and takes every 16 ms frame. */
  function run(p: Playout, ms: number, chunk: number, stopAt = Infinity) {
    const out: number[] = [];
    let next = 0;
    let fed = 0;
    for (let t = 0; t <= ms; t += 16) {
      while (next <= t && next < stopAt) {
        p.push(Array.from({ length: chunk }, (_, i) => fed + i), 60);
        fed += chunk;
        next += (chunk * 1000) / 60;
      }
      out.push(...p.take(t));
    }
    return out;
  }

  it('releases samples at the device rate, in order, whatever the chunk size', () => {
    for (const chunk of [1, 3, 6]) {
      const out = run(new Playout(), 5000, chunk);
      const real = out.filter((s) => !Number.isNaN(s));
      // 5 s at 60 Hz, minus the jitter buffer held back at the start.
      expect(out.length).toBeGreaterThanOrEqual(295);
      expect(out.length).toBeLessThanOrEqual(302);
      expect(real.length).toBeGreaterThan(270);
      expect(real).toEqual([...real].sort((a, b) => a - b));
      // Once playing, no gap while the samples keep coming.
      const first = out.findIndex((s) => !Number.isNaN(s));
      expect(out.slice(first).some((s) => Number.isNaN(s))).toBe(false);
    }
  });

  it('goes on with a gap (NaN) when the samples stop', () => {
    const out = run(new Playout(), 3000, 3, 1500);
    expect(out.slice(-30).every((s) => Number.isNaN(s))).toBe(true);
    expect(out.length).toBeGreaterThan(170);
  });

  it('drops what is older than the latency bound after a burst', () => {
    const p = new Playout({ maxLatencyMs: 500 });
    p.push(Array.from({ length: 600 }, (_, i) => i), 60);
    expect(p.queued).toBe(30);
    p.take(0);
    expect(p.take(100)).toEqual([570, 571, 572, 573, 574, 575]);
  });

  it('does not replay a long pause of the page as seconds of gap at once', () => {
    const p = new Playout();
    p.push([1, 2, 3], 60);
    p.take(0);
    expect(p.take(60_000).length).toBeLessThanOrEqual(60);
  });

  it('starts again when the rate changes', () => {
    const p = new Playout();
    p.push([1, 2, 3], 60);
    p.push([7, 8], 75);
    expect(p.rate).toBe(75);
    expect(p.queued).toBe(2);
  });
});
