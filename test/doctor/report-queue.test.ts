import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Observation } from '../../src/doctor/call/observations.ts';
import { REPORT_ANSWER_MS, ReportQueue } from '../../src/doctor/state/report-queue.ts';
import { HUB_MAX_FRAME_BYTES, REPORT_PART_READINGS, ToHubSchema, type ToHub } from '../../src/shared/hub-protocol.ts';

type Report = Extract<ToHub, { type: 'report' }>;
const obs = (id: string, extra: Partial<Observation> = {}): Observation => ({ type: 'observation', id, deviceId: 'oxi', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1000, ...extra });

function setup(connected = { value: true }) {
  const sent: Report[] = [];
  const acked: string[][] = [];
  const q = new ReportQueue({
    consultationId: 'c1',
    send: (m) => {
      if (!connected.value) return false;
      expect(ToHubSchema.safeParse(m).success).toBe(true);
      sent.push(m);
      return true;
    },
    ack: (ids) => acked.push(ids),
  });
  return { q, sent, acked, connected };
}

describe('readings on their way to the report', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('queues readings, sends one part with a ref at most every second, acks the cabin only on `reported`', () => {
    const { q, sent, acked } = setup();
    q.start();
    q.received(obs('a'));
    q.received(obs('b', { measurementId: 'm1' }));
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.ref).toMatch(/^rep-/);
    expect(sent[0]!.readings.map((r) => r.id)).toEqual(['a', 'b']);
    expect(sent[0]!.readings[1]).toEqual({ id: 'b', deviceId: 'oxi', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1000, measurementId: 'm1' });
    expect(acked).toEqual([]);
    expect(q.answered('not-ours')).toBe(false);
    expect(q.answered(sent[0]!.ref!)).toBe(true);
    expect(acked).toEqual([['a', 'b']]);
    // Nothing new: nothing sent.
    vi.advanceTimersByTime(5000);
    expect(sent).toHaveLength(1);
    q.stop();
  });

  it('a copy of a reported id is acked at once; a copy of one still on its way is not (nor queued twice)', () => {
    const { q, sent, acked } = setup();
    q.received(obs('a'));
    q.tick();
    q.received(obs('a'));
    q.received(obs('b'));
    q.received(obs('b'));
    expect(acked).toEqual([]);
    q.answered(sent[0]!.ref!);
    q.received(obs('a'));
    expect(acked).toEqual([['a'], ['a']]);
    q.tick();
    expect(sent[1]!.readings.map((r) => r.id)).toEqual(['b']);
  });

  it('parts the dropped socket took go again after the reconnection, first; answers to them then still ack', () => {
    const { q, sent, acked, connected } = setup();
    q.received(obs('a'));
    q.tick();
    q.received(obs('b'));
    connected.value = false;
    q.tick();
    expect(sent).toHaveLength(1);
    expect(q.pendingCount).toBe(1);
    connected.value = true;
    q.resend();
    expect(q.inFlightCount).toBe(0);
    q.tick();
    expect(sent[1]!.readings.map((r) => r.id)).toEqual(['a', 'b']);
    // The late answer to the first part is not ours any more; the new one acknowledges both.
    expect(q.answered(sent[0]!.ref!)).toBe(false);
    q.answered(sent[1]!.ref!);
    expect(acked).toEqual([['a', 'b']]);
  });

  it('a part the hub never answers goes again after a while', () => {
    const { q, sent } = setup();
    q.start();
    q.received(obs('a'));
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(REPORT_ANSWER_MS);
    expect(sent.map((m) => m.readings.map((r) => r.id))).toEqual([['a'], ['a']]);
    q.stop();
  });

  it('a backlog goes in parts of at most REPORT_PART_READINGS that fit the frame, one per tick', () => {
    const { q, sent, acked } = setup();
    for (let i = 0; i < 600; i++) q.received(obs(`${'x'.repeat(90)}${i}`, { deviceId: 'd'.repeat(300), measurementId: 'm'.repeat(100) }));
    q.tick();
    expect(sent).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      q.answered(sent.at(-1)!.ref!);
      q.tick();
    }
    const sizes = sent.map((m) => m.readings.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(600);
    for (const m of sent) {
      expect(m.readings.length).toBeLessThanOrEqual(REPORT_PART_READINGS);
      expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThan(HUB_MAX_FRAME_BYTES);
    }
    expect(acked.flat()).toHaveLength(600);
  });

  it('at most three parts wait for an answer', () => {
    const { q, sent } = setup();
    for (let i = 0; i < 1000; i++) q.received(obs(`o${i}`));
    for (let i = 0; i < 6; i++) q.tick();
    expect(sent).toHaveLength(3);
  });

  it('ending: what was taken goes, nothing new is taken, and it is drained only once every part is answered', () => {
    const { q, sent, acked } = setup();
    q.received(obs('a'));
    q.tick();
    q.answered(sent[0]!.ref!);
    q.received(obs('b'));
    q.tick();
    q.received(obs('c'));
    q.hurry(100);
    // Arrives after the end was asked: not taken, not acked (the cabin's outbox keeps it).
    q.received(obs('d'));
    // A copy of a reported one is still acked.
    q.received(obs('a'));
    expect(q.drained()).toBe(false); // b in flight; c goes now
    expect(sent.map((m) => m.readings.map((r) => r.id))).toEqual([['a'], ['b'], ['c']]);
    q.answered(sent[1]!.ref!);
    expect(q.drained()).toBe(false);
    q.answered(sent[2]!.ref!);
    expect(q.drained()).toBe(true);
    expect(acked).toEqual([['a'], ['a'], ['b'], ['c']]);
    q.calm();
    q.received(obs('d'));
    expect(q.pendingCount).toBe(1);
    q.stop();
  });

  it('a part the hub failed to store (internal) goes again first, even once the doctor ended', () => {
    const { q, sent, acked } = setup();
    q.received(obs('a'));
    q.tick();
    q.hurry(100);
    expect(q.refused(sent[0]!.ref!, 'internal')).toBe(true);
    expect(acked).toEqual([]);
    expect(q.drained()).toBe(false);
    expect(sent.map((m) => m.readings.map((r) => r.id))).toEqual([['a'], ['a']]);
    q.answered(sent[1]!.ref!);
    expect(acked).toEqual([['a']]);
    expect(q.drained()).toBe(true);
    q.stop();
  });

  it('after report-full, a part whose answer never comes is dropped and the end is told it may go', () => {
    let now = 0;
    let settled = 0;
    const sent: { ref?: string }[] = [];
    const q = new ReportQueue({ consultationId: 'c1', send: (m) => (sent.push(m), true), ack: () => undefined, now: () => now, onSettled: () => settled++ });
    q.received(obs('a'));
    q.tick();
    q.received(obs('b'));
    q.tick();
    q.hurry(100);
    q.refused(sent[1]!.ref!, 'report-full');
    expect(q.drained()).toBe(false); // a still waits for its answer
    now += 10_000;
    q.tick();
    expect(settled).toBe(1);
    expect(q.drained()).toBe(true);
    expect(sent).toHaveLength(2);
    q.stop();
  });

  it('a refused part is not acked; report-full stops the parts, yet copies of stored readings are still acked', () => {
    const { q, sent, acked } = setup();
    q.received(obs('a'));
    q.tick();
    q.answered(sent[0]!.ref!);
    q.received(obs('b'));
    q.tick();
    expect(q.refused(sent[1]!.ref!, 'not-active')).toBe(true);
    expect(q.refused(sent[1]!.ref!, 'not-active')).toBe(false);
    // Taken again when the cabin resends it (not acked yet): goes in a new part.
    q.received(obs('b'));
    q.tick();
    expect(sent[2]!.readings.map((r) => r.id)).toEqual(['b']);
    expect(q.refused(sent[2]!.ref!, 'report-full')).toBe(true);
    expect(q.isFull).toBe(true);
    q.received(obs('c'));
    q.tick();
    expect(sent).toHaveLength(3);
    q.received(obs('a'));
    expect(acked).toEqual([['a'], ['a']]);
    expect(q.drained()).toBe(true);
  });

  it('ids the hub stored before a reload are not reported again, and their copies are acked at once', () => {
    const { q, sent, acked } = setup();
    q.received(obs('a'));
    q.markReported(['a', 'z']);
    expect(acked).toEqual([['a']]);
    q.received(obs('z'));
    expect(acked).toEqual([['a'], ['z']]);
    q.tick();
    expect(sent).toEqual([]);
  });
});
