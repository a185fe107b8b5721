import { describe, expect, it } from 'vitest';
import { KEEP_S, PlethTail, WaveformStreams, type StreamSamples } from '../../src/doctor/call/pleth.ts';
import { MARK_ANSWER_MS, PlethMarks } from '../../src/doctor/state/pleth-marks.ts';
import type { ToHub } from '../../src/shared/hub-protocol.ts';
import { encodeFrame } from '../../src/shared/telemetry.ts';
import { MAX_EXCERPT_SAMPLES, MAX_MARKED_PLETH, PlethExcerptSchema } from '../../src/shared/visit-devices.ts';

/** « Garder ce passage »: the passage taken from the tail of the live pleth, and its way to the hub. */

const T0 = 1_765_000_000_000;
const info = (over: Partial<StreamSamples['info']> = {}): StreamSamples['info'] => ({ stream: 1, deviceId: 'oxi@ble:00:A0:50:11:22:33', code: 'MDC_PULS_OXIM_PLETH', rate: 50, t0: T0, ...over });
/** Feeds `seconds` of samples (value = index % 128) through WaveformStreams, in 50 ms frames, from `from`. */
function play(w: WaveformStreams, tail: PlethTail, from: number, count: number, stream = 1, frame = 5): void {
  for (let i = from; i < from + count; i += frame) {
    const n = Math.min(frame, from + count - i);
    const s = w.frame(encodeFrame({ stream, index: i & 0xffff, samples: Array.from({ length: n }, (_, k) => (i + k) % 128) }));
    if (s) tail.push(s);
  }
}

describe('the passage taken from the curve (PlethTail)', () => {
  it('is the last 10 s, contiguous, at the stream’s rate, timed from t0 and the sample index, marked, and valid for the hub', () => {
    const w = new WaveformStreams();
    const tail = new PlethTail();
    const i = info();
    w.declare(i);
    play(w, tail, 0, 50 * 25);
    const e = tail.take()!;
    expect(e.samples).toHaveLength(KEEP_S * 50);
    // Samples 750..1249: the first one's time is t0 + 750 / 50 s.
    expect(e.t).toBe(T0 + 15_000);
    expect(e.samples[0]).toBe(750 % 128);
    expect(e.samples.at(-1)).toBe(1249 % 128);
    expect(e.samples.every((v, k) => k === 0 || v === (e.samples[k - 1]! + 1) % 128)).toBe(true);
    expect(e).toMatchObject({ deviceId: i.deviceId, code: 'MDC_PULS_OXIM_PLETH', rate: 50, marked: true });
    expect(PlethExcerptSchema.safeParse(e).success).toBe(true);
  });

  it('after a gap, only what came since (shorter than 10 s), never the samples before it', () => {
    const w = new WaveformStreams();
    const tail = new PlethTail();
    w.declare(info());
    play(w, tail, 0, 500);
    // 40 samples lost, then 3 s.
    play(w, tail, 540, 150);
    const e = tail.take()!;
    expect(e.samples).toHaveLength(150);
    expect(e.t).toBe(T0 + (540 * 1000) / 50);
    expect(e.samples[0]).toBe(540 % 128);
    expect(e.samples.some((v) => Number.isNaN(v))).toBe(false);
  });

  it('a long loss (its gap drawn shorter than it was) still times the samples after it by their index', () => {
    const w = new WaveformStreams();
    const tail = new PlethTail();
    w.declare(info());
    play(w, tail, 0, 100);
    play(w, tail, 50 * 60, 100);
    const e = tail.take()!;
    expect(e.t).toBe(T0 + 60_000);
    expect(e.samples).toHaveLength(100);
  });

  it('a reconnection (the stream declared anew, another t0 and rate) starts over: nothing of the old curve', () => {
    const w = new WaveformStreams();
    const tail = new PlethTail();
    w.declare(info());
    play(w, tail, 0, 400);
    const again = info({ t0: T0 + 30_000, rate: 100 });
    w.declare(again);
    play(w, tail, 0, 150, 1, 10);
    const e = tail.take()!;
    expect(e).toMatchObject({ rate: 100, t: T0 + 30_000 });
    expect(e.samples).toHaveLength(150);
  });

  it('nothing, or under a second since the last gap, is nothing to keep', () => {
    const w = new WaveformStreams();
    const tail = new PlethTail();
    expect(tail.take()).toBeNull();
    w.declare(info());
    play(w, tail, 0, 49);
    expect(tail.take()).toBeNull();
    play(w, tail, 49, 1);
    expect(tail.take()?.samples).toHaveLength(50);
    tail.clear();
    expect(tail.take()).toBeNull();
  });

  it('at a high rate, at most MAX_EXCERPT_SAMPLES; samples of many digits are cut so the message fits a frame', () => {
    const tail = new PlethTail();
    const fast = info({ rate: 1000 });
    tail.push({ info: fast, samples: Array.from({ length: 12_000 }, (_, k) => k % 100), end: 12_000 });
    expect(tail.take()!.samples).toHaveLength(MAX_EXCERPT_SAMPLES);
    const wide = new PlethTail();
    wide.push({ info: info({ rate: 400 }), samples: Array.from({ length: 4000 }, (_, k) => 1 / (k + 3)), end: 4000 });
    const e = wide.take()!;
    expect(e.samples.length).toBeLessThan(4000);
    expect(e.samples.at(-1)).toBe(1 / 4002);
    const m: ToHub = { type: 'pleth', ref: 'x'.repeat(64), consultationId: 'c'.repeat(100), excerpt: e };
    expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThan(48 * 1024);
  });

  it('follows the stream that got samples last (two oximeters)', () => {
    const tail = new PlethTail();
    tail.push({ info: info({ stream: 1 }), samples: Array(100).fill(1), end: 100 });
    tail.push({ info: info({ stream: 2, deviceId: 'other' }), samples: Array(60).fill(2), end: 60 });
    expect(tail.take()).toMatchObject({ deviceId: 'other', samples: Array(60).fill(2) });
  });
});

function marks(now = { t: 0 }) {
  const sent: Extract<ToHub, { type: 'pleth' | 'pleth-unmark' }>[] = [];
  let connected = true;
  let idle = 0;
  const m = new PlethMarks({ consultationId: 'c1', send: (msg) => (connected ? (sent.push(msg), true) : false), onIdle: () => idle++, now: () => now.t });
  let index = 0;
  const feed = (n: number) => {
    m.feed({ info: info(), samples: Array.from({ length: n }, (_, k) => (index + k) % 128), end: index + n });
    index += n;
  };
  return { m, sent, feed, now, idleCount: () => idle, connect: (v: boolean) => (connected = v) };
}

describe('the passages kept (PlethMarks)', () => {
  it('kept: listed at once as sending, sent with a ref, kept once the hub answers; the same press twice is one passage', () => {
    const t = marks();
    t.feed(300);
    expect(t.m.keep()).toEqual({ kind: 'kept', t: T0, seconds: 6 });
    expect(t.m.keep()).toMatchObject({ kind: 'kept' });
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).toMatchObject({ type: 'pleth', consultationId: 'c1', excerpt: { t: T0, marked: true } });
    expect(t.m.snapshot.marks.map((x) => x.state)).toEqual(['sending']);
    expect(t.m.idle).toBe(false);
    expect(t.m.answered(t.sent[0]!.ref!)).toBe(true);
    expect(t.m.snapshot.marks.map((x) => x.state)).toEqual(['kept']);
    expect(t.m.idle).toBe(true);
    expect(t.idleCount()).toBe(1);
    expect(t.m.answered('not-ours')).toBe(false);
  });

  it('nothing on screen yet: said, nothing sent', () => {
    const t = marks();
    expect(t.m.keep()).toEqual({ kind: 'empty' });
    expect(t.sent).toEqual([]);
    expect(t.m.snapshot.notice).toEqual({ kind: 'empty' });
  });

  it('the limit: the 21st is not taken here; report-full from the hub drops it with the same words', () => {
    const t = marks();
    for (let i = 0; i < MAX_MARKED_PLETH; i++) {
      t.feed(60);
      expect(t.m.keep().kind).toBe('kept');
    }
    t.feed(60);
    expect(t.m.keep()).toEqual({ kind: 'limit' });
    expect(t.sent).toHaveLength(MAX_MARKED_PLETH);
    expect(t.m.refused(t.sent[3]!.ref!, 'report-full')).toBe(true);
    expect(t.m.snapshot.marks).toHaveLength(MAX_MARKED_PLETH - 1);
    expect(t.m.snapshot.notice).toEqual({ kind: 'limit' });
  });

  it('removed: a removal goes, the passage leaves the list when the hub answers; one never sent just leaves', () => {
    const t = marks();
    t.feed(100);
    t.m.keep();
    t.m.answered(t.sent[0]!.ref!);
    const key = t.m.snapshot.marks[0]!.key;
    t.m.remove(key);
    expect(t.m.snapshot.marks[0]!.state).toBe('removing');
    const unmark = t.sent[1]!;
    expect(unmark).toMatchObject({ type: 'pleth-unmark', consultationId: 'c1', deviceId: info().deviceId, t: T0, count: 100 });
    t.m.answered(unmark.ref!);
    expect(t.m.snapshot.marks).toEqual([]);
    expect(t.m.snapshot.notice).toEqual({ kind: 'removed', t: T0 });
    // Offline: kept here, not sent; removed before it went, nothing goes at all.
    t.connect(false);
    t.feed(100);
    t.m.keep();
    t.m.remove(t.m.snapshot.marks[0]!.key);
    t.connect(true);
    t.m.resend();
    expect(t.sent).toHaveLength(2);
    expect(t.m.snapshot.marks).toEqual([]);
  });

  it('after a reconnection, what the old socket took unanswered goes again in the order asked; refused for good leaves the list', () => {
    const t = marks();
    t.feed(100);
    t.m.keep();
    t.feed(100);
    t.m.keep();
    t.m.remove(t.m.snapshot.marks[0]!.key);
    expect(t.sent.map((m) => m.type)).toEqual(['pleth', 'pleth', 'pleth-unmark']);
    t.m.resend();
    // The first passage, removed meanwhile, needs only its removal (harmless if it never reached the hub).
    const again = t.sent.slice(3);
    expect(again.map((m) => m.type)).toEqual(['pleth', 'pleth-unmark']);
    expect(again[0]).toEqual({ ...t.sent[1], ref: again[0]!.ref });
    expect(again[1]).toEqual({ ...t.sent[2], ref: again[1]!.ref });
    // The answers to the old refs count no more.
    expect(t.m.answered(t.sent[0]!.ref!)).toBe(false);
    t.m.refused(again[0]!.ref!, 'not-active');
    expect(t.m.snapshot.notice).toEqual({ kind: 'refused', code: 'not-active' });
    t.m.answered(again[1]!.ref!);
    expect(t.m.snapshot.marks).toEqual([]);
    expect(t.m.idle).toBe(true);
  });

  it('rate-limited or unanswered: sent again later, by the tick', () => {
    const t = marks();
    t.feed(100);
    t.m.keep();
    t.m.refused(t.sent[0]!.ref!, 'rate-limited');
    expect(t.m.snapshot.marks.map((x) => x.state)).toEqual(['sending']);
    expect(t.sent).toHaveLength(1);
    t.m.tick();
    expect(t.sent).toHaveLength(2);
    t.now.t += MARK_ANSWER_MS - 1;
    t.m.tick();
    expect(t.sent).toHaveLength(2);
    t.now.t += 1;
    t.m.tick();
    expect(t.sent).toHaveLength(3);
    expect(t.sent[2]).toEqual({ ...t.sent[1], ref: t.sent[2]!.ref });
  });

  it('after a reload, the passages the hub keeps are listed as kept once, by time, beside one kept since', () => {
    const t = marks();
    t.feed(100);
    t.m.keep();
    const earlier = { deviceId: 'oxi', code: 'MDC_PULS_OXIM_PLETH' as const, t: T0 - 60_000, rate: 50, samples: [1, 2, 3], marked: true as const };
    t.m.restore([earlier]);
    t.m.restore([earlier, t.m.snapshot.marks[1]!.excerpt]);
    expect(t.m.snapshot.marks.map((m) => [m.excerpt.t, m.state])).toEqual([[T0 - 60_000, 'kept'], [T0, 'sending']]);
    expect(t.sent).toHaveLength(1);
  });

  it('a removal the hub refuses leaves the passage kept, and says so', () => {
    const t = marks();
    t.feed(100);
    t.m.keep();
    t.m.answered(t.sent[0]!.ref!);
    t.m.remove(t.m.snapshot.marks[0]!.key);
    t.m.refused(t.sent[1]!.ref!, 'not-active');
    expect(t.m.snapshot.marks.map((x) => x.state)).toEqual(['kept']);
    expect(t.m.snapshot.notice).toEqual({ kind: 'not-removed', code: 'not-active' });
  });
});
