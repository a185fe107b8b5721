import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendTrailer, CarrierQueue, COPY_OFFSETS_MS, MAGIC, MAX_ITEM_BYTES, MAX_ITEMS_PER_FRAME, MAX_LATE_MS, MAX_QUEUED, MAX_TRAILER_BYTES, stripTrailer } from '../../src/shared/audio-readings.ts';

const bytes = (n: number, fill = 7): Uint8Array => new Uint8Array(n).fill(fill);

describe('readings in the voice frames: the trailer', () => {
  it('gives back the Opus frame and the items exactly, whatever they hold', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 150 }), { minLength: 1, maxLength: 4 }),
        (frame, items) => {
          const s = stripTrailer(appendTrailer(frame, items));
          expect(s).toBeDefined();
          expect([...s!.frame]).toEqual([...frame]);
          expect(s!.items.map((i) => [...i])).toEqual(items.map((i) => [...i]));
        },
      ),
    );
  });

  it('leaves a frame without readings as it is, and finds no trailer in it', () => {
    const frame = Uint8Array.of(0x78, 1, 2, 3);
    expect(appendTrailer(frame, [])).toBe(frame);
    expect(appendTrailer(frame, [new Uint8Array(0), bytes(MAX_ITEM_BYTES + 1)])).toBe(frame);
    expect(stripTrailer(frame)).toBeUndefined();
  });

  it('never strips what is not a whole trailer, and never throws (plain Opus frames, damaged trailers)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        const s = stripTrailer(data);
        // Random bytes end with the magic once in 4 billion; anything else must come back as "no trailer".
        if (s) expect([...data.slice(-4)]).toEqual([...MAGIC]);
      }),
    );
    const good = appendTrailer(Uint8Array.of(0x78, 9), [bytes(10), bytes(5)]);
    // Lengths that do not add up: the total says one more byte than the items have.
    const bad = good.slice();
    bad[bad.length - 5]! += 1;
    expect(stripTrailer(bad)).toBeUndefined();
    // An item length running past the end.
    const runs = good.slice();
    runs[2] = 0xff;
    expect(stripTrailer(runs)).toBeUndefined();
    // More items than a frame of real copies holds, or an item larger than any copy: not a trailer.
    expect(stripTrailer(appendTrailer(Uint8Array.of(0x78), Array.from({ length: MAX_ITEMS_PER_FRAME + 1 }, () => bytes(3))))).toBeUndefined();
    expect(stripTrailer(appendTrailer(Uint8Array.of(0x78), Array.from({ length: MAX_ITEMS_PER_FRAME }, () => bytes(3))))?.items).toHaveLength(MAX_ITEMS_PER_FRAME);
    // A trailer with no Opus byte before it.
    expect(stripTrailer(good.slice(2))).toBeUndefined();
    // Every truncation of a good frame is refused or gives a frame that is a prefix of it.
    for (let n = 0; n < good.length; n++) expect(() => stripTrailer(good.slice(0, n))).not.toThrow();
  });
});

describe('readings in the voice frames: the copies waiting for frames', () => {
  it('sends each item once at each of its copy times, and not before', () => {
    const q = new CarrierQueue();
    const item = bytes(100);
    q.add(item, 1000);
    expect(q.take(1000)).toEqual([item]);
    expect(q.take(1000 + COPY_OFFSETS_MS[1] - 1)).toEqual([]);
    expect(q.take(1000 + COPY_OFFSETS_MS[1])).toEqual([item]);
    expect(q.take(1000 + COPY_OFFSETS_MS[2])).toEqual([item]);
    expect(q.take(1000 + COPY_OFFSETS_MS[3])).toEqual([item]);
    expect(q.size).toBe(0);
  });

  it('fills a frame up to the limit, oldest first, and keeps the rest for the next frames', () => {
    const q = new CarrierQueue();
    const big = [bytes(300, 1), bytes(300, 2), bytes(300, 3)];
    for (const b of big) q.add(b, 0);
    const first = q.take(0);
    expect(first).toEqual([big[0], big[1]]);
    expect(first.reduce((n, i) => n + i.length + 2, 0)).toBeLessThanOrEqual(MAX_TRAILER_BYTES);
    expect(q.take(20)).toEqual([big[2]]);
  });

  it('never puts the same item twice in one frame (a frame that comes late, all copies due)', () => {
    const q = new CarrierQueue();
    const item = bytes(50);
    q.add(item, 0);
    const last = COPY_OFFSETS_MS[3];
    for (let k = 0; k < COPY_OFFSETS_MS.length; k++) expect(q.take(last)).toEqual([item]);
    expect(q.size).toBe(0);
  });

  it('drops copies due too long ago (the voice stopped) and bounds what waits', () => {
    const q = new CarrierQueue();
    q.add(bytes(10), 0);
    expect(q.take(COPY_OFFSETS_MS[3] + MAX_LATE_MS + 1)).toEqual([]);
    expect(q.size).toBe(0);
    expect(q.dropped).toBe(COPY_OFFSETS_MS.length);
    const r = new CarrierQueue();
    for (let i = 0; i < MAX_QUEUED; i++) r.add(bytes(10, i % 256), i);
    expect(r.size).toBe(MAX_QUEUED);
    expect(r.dropped).toBe(MAX_QUEUED * COPY_OFFSETS_MS.length - MAX_QUEUED);
    r.add(bytes(0), 0);
    r.add(bytes(MAX_ITEM_BYTES + 1), 0);
    expect(r.size).toBe(MAX_QUEUED);
  });
});
