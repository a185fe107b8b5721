import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckBatcher, ObservationLog, type Observation } from '../../src/doctor/call/observations.ts';

const obs = (id: string, value = 97): Observation => ({ type: 'observation', id, deviceId: 'oxi', code: 'MDC_PULS_OXIM_SAT_O2', value, unit: '%', t: 1000 });

describe('observation dedupe', () => {
  it('keeps the first copy of each id only', () => {
    const log = new ObservationLog();
    expect(log.add(obs('a', 97), 1)).toBe(true);
    expect(log.add(obs('b', 98), 2)).toBe(true);
    expect(log.add(obs('a', 50), 3)).toBe(false);
    expect(log.count).toBe(2);
    expect(log.all().map((o) => [o.id, o.value, o.receivedAt])).toEqual([
      ['a', 97, 1],
      ['b', 98, 2],
    ]);
  });
});

describe('acknowledgements', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('batches the ids received within 100 ms into one ack, duplicates included once', () => {
    const sent: string[][] = [];
    const acks = new AckBatcher((ids) => (sent.push(ids), true), 100);
    acks.add('a');
    acks.add('b');
    acks.add('a');
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([['a', 'b']]);
    acks.add('a');
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([['a', 'b'], ['a']]);
  });

  it('splits a large batch into messages of at most 500 ids', () => {
    const sent: string[][] = [];
    const acks = new AckBatcher((ids) => (sent.push(ids), true));
    for (let i = 0; i < 1203; i++) acks.add(`id-${i}`);
    vi.advanceTimersByTime(100);
    expect(sent.map((b) => b.length)).toEqual([500, 500, 203]);
  });

  it('a closed channel drops the batch (the cabin resends, then they are acknowledged)', () => {
    let open = false;
    const sent: string[][] = [];
    const acks = new AckBatcher((ids) => (open ? (sent.push(ids), true) : false));
    acks.add('a');
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([]);
    expect(acks.size).toBe(0);
    open = true;
    acks.add('a');
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([['a']]);
  });

  it('every received copy is acknowledged while only the first is kept (the call path)', () => {
    const log = new ObservationLog();
    const sent: string[][] = [];
    const acks = new AckBatcher((ids) => (sent.push(ids), true));
    const fresh: string[] = [];
    for (const o of [obs('x'), obs('y'), obs('x'), obs('y'), obs('z')]) {
      acks.add(o.id);
      if (log.add(o, 0)) fresh.push(o.id);
    }
    vi.advanceTimersByTime(100);
    expect(fresh).toEqual(['x', 'y', 'z']);
    expect(sent.flat().sort()).toEqual(['x', 'y', 'z']);
  });
});
