import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CutTracker, LONG_CUT_MS } from '../../../src/renderer/call/cut.ts';
import { EventsLink } from '../../../src/renderer/call/events.ts';
import { LinkMonitor, RAMP_UP_MS } from '../../../src/renderer/call/link-monitor.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import type { Reading } from '../../../src/shared/bridge.ts';
import { FakeChannel, fakeCall, ok, settle } from './fakes.ts';
import { BATCH_FROM, RESEND_MAX_BUFFERED, RESEND_MS, STALE_RESENDS } from '../../../src/renderer/call/observations.ts';

/** Issue 11: a cut of the call's link. Readings taken during it wait in order and go once, oldest first, after it. */

const reading = (id: string, t: number): Reading => ({ id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t });
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('events link during a cut', () => {
  let ch: FakeChannel;
  let pending: Reading[];
  let link: EventsLink;
  let outboxReply: (() => void) | undefined;
  const obsIds = (c = ch) => c.messages().filter((m) => m.type === 'observation').map((m) => m.id);

  beforeEach(() => {
    vi.useFakeTimers();
    ch = new FakeChannel();
    pending = [];
    outboxReply = undefined;
    const bridge = fakeCall({
      // The outbox answers when the test says so (or at once): a reading may come while it is being read.
      'outbox:pending': () => (outboxReply === undefined ? ok(pending) : new Promise((r) => (outboxReply = () => r(ok(pending))))),
      'outbox:ack': ({ ids }) => ok({ marked: ids.length }),
    });
    link = new EventsLink({ call: bridge.call, grabSnapshot: async () => undefined, stats: newStats() });
    link.attach(ch);
  });
  afterEach(() => {
    link.close();
    vi.useRealTimers();
  });

  it('keeps the readings of a cut (no send, no resend) and sends each once, in order, when the link is back', async () => {
    ch.open();
    link.setConnected(true);
    await flush();
    expect(link.observation(reading('before', 1))).toBe(true);
    link.setConnected(false);
    const during = ['c1', 'c2', 'c3'];
    for (const [i, id] of during.entries()) expect(link.observation(reading(id, 2 + i))).toBe(false);
    await vi.advanceTimersByTimeAsync(RESEND_MS * 10);
    // Nothing went during the cut: not the new ones, nor a resend of the one in flight (SCTP still holds it).
    expect(obsIds()).toEqual(['before']);
    link.setConnected(true);
    expect(obsIds()).toEqual(['before', 'c1', 'c2', 'c3']);
    // The one in flight gets a whole period for its ack before it is sent again.
    await vi.advanceTimersByTimeAsync(RESEND_MS - 100);
    expect(obsIds()).toEqual(['before', 'c1', 'c2', 'c3']);
    ch.receive(JSON.stringify({ type: 'ack', ids: ['before', 'c1', 'c2', 'c3'] }));
    await vi.advanceTimersByTimeAsync(RESEND_MS * 3);
    expect(obsIds()).toEqual(['before', 'c1', 'c2', 'c3']);
    expect(link.pendingIds).toEqual([]);
  });

  it('while the doctor keeps acknowledging (a backlog being worked through), nothing is resent; once it stops, it is', async () => {
    ch.open();
    link.setConnected(true);
    await flush();
    const ids = Array.from({ length: 10 }, (_, i) => `b${i}`);
    for (const [i, id] of ids.entries()) link.observation(reading(id, i));
    await vi.advanceTimersByTimeAsync(RESEND_MS - 500);
    ch.receive(JSON.stringify({ type: 'ack', ids: ['b0', 'b1'] }));
    await flush();
    // The tick at 3 s: b2…b9 went 3 s ago, but an ack came 0.5 s ago.
    await vi.advanceTimersByTimeAsync(500);
    expect(obsIds()).toEqual(ids);
    // No ack for a whole period: the rest goes again, once.
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds()).toEqual([...ids, ...ids.slice(2)]);
  });

  it('a reading whose message was lost is resent even while acks for newer readings keep coming (after STALE_RESENDS periods)', async () => {
    ch.open();
    link.setConnected(true);
    await flush();
    link.observation(reading('lost', 0));
    // Every second a new reading, acknowledged at once: acks never stop, 'lost' never gets one.
    for (let s = 1; s <= STALE_RESENDS * 3 + 1; s++) {
      await vi.advanceTimersByTimeAsync(1000);
      link.observation(reading(`live-${s}`, s));
      ch.receive(JSON.stringify({ type: 'ack', ids: [`live-${s}`] }));
      await flush();
      const copies = obsIds().filter((id) => id === 'lost').length;
      // Not resent while it could still be on its way; resent once it waited STALE_RESENDS periods.
      if (s < STALE_RESENDS * 3) expect(copies, `at ${s} s`).toBe(1);
    }
    expect(obsIds().filter((id) => id === 'lost').length).toBe(2);
  });

  it('a reading that comes right after the link is back goes behind those of the cut', async () => {
    ch.open();
    link.setConnected(true);
    await flush();
    link.setConnected(false);
    link.observation(reading('c1', 1));
    link.setConnected(true);
    expect(link.observation(reading('after', 2))).toBe(true);
    expect(obsIds()).toEqual(['c1', 'after']);
  });

  it('on a new channel (a new connection after a long cut), new readings wait behind the outbox being read', async () => {
    ch.open();
    link.setConnected(true);
    await flush();
    link.setConnected(false);
    link.observation(reading('c1', 1));
    link.observation(reading('c2', 2));
    const next = new FakeChannel();
    pending = [reading('c1', 1), reading('c2', 2)];
    outboxReply = () => {};
    link.attach(next);
    next.open();
    link.setConnected(true);
    await flush();
    // The outbox has not answered yet: a new reading must not overtake c1 and c2.
    expect(link.observation(reading('new', 3))).toBe(false);
    expect(obsIds(next)).toEqual([]);
    outboxReply!();
    await flush();
    expect(obsIds(next)).toEqual(['c1', 'c2', 'new']);
    expect(obsIds()).toEqual([]);
  });
});

describe('events link: the readings of a cut in batches', () => {
  afterEach(() => vi.useRealTimers());

  /** A link whose channel was open and connected, then the connection went down (a cut is on). */
  async function cutLink() {
    vi.useFakeTimers();
    const ch = new FakeChannel();
    const acked: string[] = [];
    const bridge = fakeCall({ 'outbox:pending': () => ok([]), 'outbox:ack': ({ ids }) => (acked.push(...ids), ok({ marked: ids.length })) });
    const link = new EventsLink({ call: bridge.call, grabSnapshot: async () => undefined, stats: newStats() });
    link.attach(ch);
    ch.open();
    link.setConnected(true);
    await flush();
    link.setConnected(false);
    return { ch, link, acked };
  }

  it('sends the readings of a long cut deflated in batch frames, oldest first, each once; those that come meanwhile follow', async () => {
    const { ch, link, acked } = await cutLink();
    try {
      // 30 s of an oximeter at 1 Hz (two values a second), then the link comes back.
      const cut = Array.from({ length: 60 }, (_, i) => `cut-${i}`);
      for (const [i, id] of cut.entries()) expect(link.observation(reading(id, i))).toBe(false);
      await vi.advanceTimersByTimeAsync(RESEND_MS * 10);
      expect(ch.sent).toEqual([]);
      link.setConnected(true);
      // While the batch is being deflated, a new reading waits behind it.
      expect(link.observation(reading('after-1', 100))).toBe(false);
      await settle(async () => (await ch.observations()).length >= 61);
      expect(link.observation(reading('after-2', 101))).toBe(true);
      const sent = await ch.observations();
      expect(sent.map((o) => o.id)).toEqual([...cut, 'after-1', 'after-2']);
      expect(sent.slice(0, 60).every((o) => o.batch)).toBe(true);
      expect(sent.slice(60).every((o) => !o.batch)).toBe(true);
      expect(ch.sent.filter((d) => typeof d !== 'string')).toHaveLength(1);
      // Acknowledged, nothing more goes.
      ch.receive(JSON.stringify({ type: 'ack', ids: [...cut, 'after-1', 'after-2'] }));
      await flush();
      await vi.advanceTimersByTimeAsync(RESEND_MS * 3);
      expect((await ch.observations()).length).toBe(62);
      expect(link.pendingIds).toEqual([]);
      expect(acked).toHaveLength(62);
    } finally {
      link.close();
    }
  });

  it('a channel replaced while a batch is being made: the readings go on the new one, once, in order', async () => {
    const { ch, link } = await cutLink();
    try {
      for (let i = 0; i < 10; i++) link.observation(reading(`m${i}`, i));
      link.setConnected(true);
      // The batch is being deflated when the connection is replaced (a long cut's new connection).
      const next = new FakeChannel();
      link.attach(next);
      next.open();
      await settle(async () => (await next.observations()).length >= 10);
      expect((await next.observations()).map((o) => o.id)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
      expect(await ch.observations()).toEqual([]);
      // And nothing spins while no channel is open.
      link.attach(undefined);
      link.observation(reading('alone-1', 20));
      await settle(() => false, 5);
      expect(next.sent.length).toBeGreaterThan(0);
    } finally {
      link.close();
    }
  });

  it('a batch that waited for a full channel goes later as one batch, not also one by one', async () => {
    const { ch, link } = await cutLink();
    try {
      for (let i = 0; i < 6; i++) link.observation(reading(`f${i}`, i));
      // The channel is full when the batch is ready: it waits (nothing is sent).
      ch.bufferedAmount = RESEND_MAX_BUFFERED + 1;
      link.setConnected(true);
      await settle(() => false, 10);
      expect(ch.sent).toEqual([]);
      ch.bufferedAmount = 0;
      // The next periodic tick sends what is held: in one batch only.
      await vi.advanceTimersByTimeAsync(RESEND_MS);
      await settle(async () => (await ch.observations()).length >= 6);
      await settle(() => false, 5);
      const sent = await ch.observations();
      expect(sent.map((o) => o.id)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
      expect(sent.every((o) => o.batch)).toBe(true);
    } finally {
      link.close();
    }
  });

  it('fewer than BATCH_FROM readings go one by one, as JSON', async () => {
    const { ch, link } = await cutLink();
    try {
      for (let i = 0; i < BATCH_FROM - 1; i++) link.observation(reading(`c${i}`, i));
      link.setConnected(true);
      expect(ch.sent.every((d) => typeof d === 'string')).toBe(true);
      expect((await ch.observations()).map((o) => o.id)).toEqual(['c0', 'c1', 'c2'].slice(0, BATCH_FROM - 1));
    } finally {
      link.close();
    }
  });

  it('a batch the doctor never acknowledges (a console without batches) is resent one by one', async () => {
    const { ch, link } = await cutLink();
    try {
      const cut = Array.from({ length: 10 }, (_, i) => `k${i}`);
      for (const [i, id] of cut.entries()) link.observation(reading(id, i));
      link.setConnected(true);
      await settle(async () => (await ch.observations()).length >= 10);
      await vi.advanceTimersByTimeAsync(RESEND_MS * 2 + 100);
      const single = (await ch.observations()).filter((o) => !o.batch).map((o) => o.id);
      expect(single.slice(0, 10)).toEqual(cut);
    } finally {
      link.close();
    }
  });
});

describe('cut tracker', () => {
  it('a cut starts when a connected call stops being connected, and a long one asks for a new connection', () => {
    const c = new CutTracker();
    expect(c.onState('new', 0)).toBeUndefined();
    expect(c.onState('connecting', 10)).toBeUndefined();
    expect(c.down).toBe(false);
    expect(c.onState('connected', 100)).toBeUndefined();
    expect(c.onState('disconnected', 1000)).toBe('lost');
    expect(c.down).toBe(true);
    expect(c.onState('failed', 5000)).toBeUndefined();
    expect(c.onState('connected', 1000 + LONG_CUT_MS - 1)).toBe('back');
    expect(c.onState('disconnected', 20_000)).toBe('lost');
    // The new connection's own states do not start the cut again.
    expect(c.onState('new', 20_000 + LONG_CUT_MS)).toBeUndefined();
    expect(c.onState('connected', 20_000 + LONG_CUT_MS)).toBe('back-after-long-cut');
    expect(c.down).toBe(false);
    expect(c.onState('closed', 40_000)).toBeUndefined();
  });
});

describe('bandwidth level during a cut', () => {
  afterEach(() => vi.useRealTimers());

  it('stats of a connection that is down change no level: the camera is not paused for a cut', async () => {
    vi.useFakeTimers();
    // What a cut looks like in the stats: half the packets lost, seconds of round trip, a collapsed estimate.
    const cut = new Map<string, unknown>([
      ['CP1', { id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', availableOutgoingBitrate: 90_000, currentRoundTripTime: 2.5 }],
      ['R1', { type: 'remote-inbound-rtp', kind: 'audio', fractionLost: 0.5 }],
    ]);
    const levels: string[] = [];
    const m = new LinkMonitor({ getStats: async () => cut, senders: () => ({}), onLevel: (l) => levels.push(l), incident: () => undefined });
    m.setDown(true);
    await vi.advanceTimersByTimeAsync(RAMP_UP_MS + 20_000);
    expect(m.level).toBe('full');
    expect(levels).toEqual([]);
    // Up again with the same stats: the policy acts (the test of what setDown holds back).
    m.setDown(false);
    await vi.advanceTimersByTimeAsync(RAMP_UP_MS + 4000);
    expect(m.level).not.toBe('full');
    m.close();
  });
});
