import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventsLink } from '../../../src/renderer/call/events.ts';
import { OUTBOX_PAGE, RESEND_MAX_BUFFERED, RESEND_MS } from '../../../src/renderer/call/observations.ts';
import { PIECE_BYTES, type Snapshot } from '../../../src/renderer/call/snapshot.ts';
import { newStats } from '../../../src/renderer/call/stats.ts';
import type { DeviceView, Reading } from '../../../src/shared/bridge.ts';
import { CabinEventSchema, MAX_EVENT_BYTES } from '../../../src/shared/telemetry.ts';
import { FakeChannel, fakeCall, ok, settle } from './fakes.ts';

const reading = (id: string, value = 97): Reading => ({ id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value, unit: '%', t: 1000 });
const device = (over: Partial<DeviceView> = {}): DeviceView => ({
  id: 'bp@sim',
  driver: 'omron',
  name: 'Omron',
  category: 'blood-pressure',
  transport: 'simulated',
  path: '/dev/x',
  reason: 'demo',
  commands: ['measure'],
  link: 'connected',
  ...over,
});
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('events link', () => {
  let ch: FakeChannel;
  let stats: ReturnType<typeof newStats>;
  let snapshot: Snapshot | undefined;
  let pending: Reading[];
  let bridge: ReturnType<typeof fakeCall>;
  let link: EventsLink;
  const obsIds = () => ch.messages().filter((m) => m.type === 'observation').map((m) => m.id);

  beforeEach(() => {
    vi.useFakeTimers();
    ch = new FakeChannel();
    stats = newStats();
    snapshot = undefined;
    pending = [];
    let upload = 0;
    bridge = fakeCall({
      'outbox:pending': () => ok(pending),
      'outbox:ack': ({ ids }) => ok({ marked: ids.length }),
      'devices:command': ({ name }) => (name === 'measure' ? ok({}) : { ok: false, error: { code: 'device-command-failed', message: `unknown command ${name}` } }),
      'media:begin': () => ok({ uploadId: `u${++upload}` }),
      'media:chunk': () => ok({}),
      'media:commit': () => ok({ mediaId: 'm1' }),
      'call:incident': () => ok({}),
    });
    link = new EventsLink({ call: bridge.call, grabSnapshot: async () => snapshot, stats, now: () => 42 });
    link.attach(ch);
  });
  afterEach(() => {
    link.close();
    vi.useRealTimers();
  });

  it('on opening sends devices, session, streams, then the outbox oldest first', async () => {
    link.setDevices([device()]);
    link.setSession({ sessionId: 's1', phase: 'exam', language: 'fr' });
    link.declareStream({ type: 'stream', stream: 3, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_PLETH', rate: 60, t0: 5 });
    pending = [reading('o1'), reading('o2'), reading('o3')];
    expect(ch.sent).toHaveLength(0);
    ch.open();
    await flush();
    expect(ch.messages().map((m) => m.type)).toEqual(['devices', 'session', 'stream', 'observation', 'observation', 'observation']);
    expect(obsIds()).toEqual(['o1', 'o2', 'o3']);
    for (const m of ch.messages()) expect(CabinEventSchema.safeParse(m).success, JSON.stringify(m)).toBe(true);
    expect(ch.messages()[0]).toEqual({ type: 'devices', devices: [{ id: 'bp@sim', name: 'Omron', category: 'blood-pressure', link: 'connected', commands: ['measure'] }] });
    expect(stats.eventsBytes).toBe((ch.sent as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0));
  });

  it('tells the doctor the uplink level once per change, and again on every opening while it is not full', async () => {
    ch.open();
    await flush();
    link.setLink('full');
    link.setLink('reduced');
    link.setLink('reduced');
    link.setLink('minimal');
    const links = () => ch.messages().filter((m) => m.type === 'link');
    expect(links()).toEqual([
      { type: 'link', level: 'reduced' },
      { type: 'link', level: 'minimal' },
    ]);
    for (const m of links()) expect(CabinEventSchema.safeParse(m).success).toBe(true);
    const again = new FakeChannel();
    link.attach(again);
    again.open();
    await flush();
    expect(again.messages().filter((m) => m.type === 'link')).toEqual([{ type: 'link', level: 'minimal' }]);
    link.setLink('full');
    expect(again.messages().filter((m) => m.type === 'link').at(-1)).toEqual({ type: 'link', level: 'full' });
  });

  it('a backlog bigger than one outbox page goes out page by page as the doctor acknowledges', async () => {
    // The outbox as main keeps it: 1 200 waiting, at most one page per answer, acknowledged ones gone.
    const outbox = Array.from({ length: 1200 }, (_, i) => reading(`o${i}`));
    const delivered = new Set<string>();
    link.close();
    ch = new FakeChannel();
    const own = fakeCall({
      'outbox:pending': () => ok(outbox.filter((r) => !delivered.has(r.id)).slice(0, OUTBOX_PAGE)),
      'outbox:ack': ({ ids }) => {
        for (const id of ids) delivered.add(id);
        return ok({ marked: ids.length });
      },
    });
    link = new EventsLink({ call: own.call, grabSnapshot: async () => undefined, stats, now: () => 42 });
    link.attach(ch);
    ch.open();
    const sentIds = async () => (await ch.observations()).map((o) => o.id);
    await settle(async () => new Set(await sentIds()).size >= OUTBOX_PAGE);
    expect(new Set(await sentIds()).size).toBe(OUTBOX_PAGE);
    // A page goes in deflated batch frames, not 500 messages.
    expect((await ch.observations()).every((o) => o.batch)).toBe(true);
    expect(ch.sent.length).toBeLessThan(20);
    for (let round = 0; round < 4 && delivered.size < outbox.length; round++) {
      const ids = [...new Set(await sentIds())].filter((id) => !delivered.has(id));
      ch.receive(JSON.stringify({ type: 'ack', ids }));
      await flush();
      await settle(async () => [...new Set(await sentIds())].some((id) => !delivered.has(id)) || delivered.size === outbox.length);
    }
    expect(delivered.size).toBe(1200);
    expect(new Set(await sentIds())).toEqual(new Set(outbox.map((r) => r.id)));
    // Oldest first, each once.
    expect(await sentIds()).toEqual(outbox.map((r) => r.id));
  });

  it('holds resends while a snapshot fills the channel, and sends them once it drains', async () => {
    pending = [reading('a')];
    ch.open();
    await flush();
    const before = obsIds().length;
    ch.bufferedAmount = RESEND_MAX_BUFFERED + 1;
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds().length).toBe(before);
    ch.bufferedAmount = 0;
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds().length).toBe(before + 1);
  });

  it('resends unacknowledged observations every 3 s until acked, then passes the ack to the outbox', async () => {
    ch.open();
    await flush();
    link.observation(reading('a'));
    link.observation(reading('b'));
    expect(obsIds()).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds()).toEqual(['a', 'b', 'a', 'b']);
    ch.receive(JSON.stringify({ type: 'ack', ids: ['a'] }));
    await flush();
    expect(bridge.calls.filter((c) => c.name === 'outbox:ack').map((c) => c.input)).toEqual([{ ids: ['a'] }]);
    expect(link.pendingIds).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds().slice(4)).toEqual(['b']);
    ch.receive(JSON.stringify({ type: 'ack', ids: ['b'] }));
    await vi.advanceTimersByTimeAsync(RESEND_MS * 3);
    expect(obsIds()).toHaveLength(5);
  });

  it('the periodic resend takes only observations not sent for a whole period (an ack is usually on its way)', async () => {
    ch.open();
    await flush();
    link.observation(reading('a'));
    await vi.advanceTimersByTimeAsync(RESEND_MS - 500);
    link.observation(reading('b'));
    await vi.advanceTimersByTimeAsync(500);
    // The tick at 3 s: a went 3 s ago, b only 0.5 s ago.
    expect(obsIds()).toEqual(['a', 'b', 'a']);
    await vi.advanceTimersByTimeAsync(RESEND_MS);
    expect(obsIds()).toEqual(['a', 'b', 'a', 'a', 'b']);
  });

  it('resends on every reopening (a new channel), merging the outbox with what it sent', async () => {
    ch.open();
    await flush();
    link.observation(reading('x'));
    const next = new FakeChannel();
    pending = [reading('old'), reading('x')];
    link.attach(next);
    next.open();
    await flush();
    expect(next.messages().filter((m) => m.type === 'observation').map((m) => m.id)).toEqual(['old', 'x']);
    expect(link.pendingIds).toEqual(['old', 'x']);
  });

  it('acknowledges in batches of at most 500 ids', async () => {
    ch.open();
    await flush();
    const ids = Array.from({ length: 500 }, (_, i) => `id${i}`);
    ch.receive(JSON.stringify({ type: 'ack', ids }));
    await flush();
    const acks = bridge.calls.filter((c) => c.name === 'outbox:ack').map((c) => (c.input as { ids: string[] }).ids.length);
    expect(acks).toEqual([500]);
  });

  it('relays a doctor command to the device and answers with its result', async () => {
    ch.open();
    await flush();
    ch.receive(JSON.stringify({ type: 'command', id: 'c1', deviceId: 'bp@sim', name: 'measure' }));
    ch.receive(JSON.stringify({ type: 'command', id: 'c2', deviceId: 'bp@sim', name: 'explode' }));
    await flush();
    expect(bridge.calls.filter((c) => c.name === 'devices:command').map((c) => c.input)).toEqual([
      { deviceId: 'bp@sim', name: 'measure' },
      { deviceId: 'bp@sim', name: 'explode' },
    ]);
    const results = ch.messages().filter((m) => m.type === 'command-result');
    expect(results).toEqual([
      { type: 'command-result', id: 'c1', ok: true },
      // The code, for the console to say in the doctor's language; the cabin's English is not sent.
      { type: 'command-result', id: 'c2', ok: false, error: 'device-command-failed' },
    ]);
  });

  it('drops invalid doctor messages without answering or calling main', async () => {
    ch.open();
    await flush();
    const before = bridge.calls.length;
    for (const bad of [
      'not json',
      JSON.stringify({ type: 'ack', ids: [] }),
      JSON.stringify({ type: 'command', id: 'c', deviceId: 'bp@sim' }),
      JSON.stringify({ type: 'command', id: 'c', deviceId: 'bp@sim', name: 'measure', extra: 1 }),
      JSON.stringify({ type: 'reboot' }),
      new ArrayBuffer(8),
      'x'.repeat(MAX_EVENT_BYTES * 3),
    ]) {
      ch.receive(bad);
    }
    await flush();
    expect(bridge.calls.length).toBe(before);
    expect(ch.messages()).toEqual([]);
  });

  it('sends device status changes as `status` and the device list again on every change', async () => {
    link.setDevices([device({ status: 'ok' })]);
    ch.open();
    await flush();
    link.setDevices([device({ status: 'ok' })]);
    link.setDevices([device({ status: 'measuring' })]);
    const types = ch.messages().map((m) => m.type);
    expect(types).toEqual(['devices', 'status', 'devices']);
    expect(ch.messages()[1]).toEqual({ type: 'status', deviceId: 'bp@sim', status: 'measuring', t: 42 });
  });

  it('never sends an observation that breaks the contract, nor a message over MAX_EVENT_BYTES', async () => {
    ch.open();
    await flush();
    link.observation({ ...reading('bad'), unit: 'u'.repeat(50) });
    link.observation({ ...reading('nan'), value: Number.NaN });
    expect(link.send({ type: 'devices', devices: Array.from({ length: 50 }, (_, i) => ({ id: `d${i}`.padEnd(300, 'x'), name: 'n'.repeat(200), category: 'c', link: 'connected', commands: [] })) })).toBe(false);
    expect(ch.sent).toHaveLength(0);
    expect(link.pendingIds).toEqual([]);
  });

  it('a device list too big for one message is cut to what fits', async () => {
    ch.open();
    await flush();
    link.setDevices(Array.from({ length: 50 }, (_, i) => device({ id: `d${i}`.padEnd(300, 'x'), name: 'n'.repeat(200) })));
    const sent = ch.messages();
    expect(sent).toHaveLength(1);
    const n = (sent[0]!.devices as unknown[]).length;
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(50);
    expect(Buffer.byteLength(ch.sent[0] as string)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
  });

  it('a snapshot request without an otoscope gets an error result', async () => {
    ch.open();
    await flush();
    ch.receive(JSON.stringify({ type: 'snapshot-request', id: 'snap1' }));
    await flush();
    expect(ch.messages()).toEqual([{ type: 'command-result', id: 'snap1', ok: false, error: 'no-otoscope' }]);
  });

  it('a snapshot is stored through main in ≤ 48 KiB chunks and sent as ordered pieces, waiting when the channel is backed up', async () => {
    const bytes = new Uint8Array(50_000).map((_, i) => (i * 7) & 0xff);
    snapshot = { mime: 'image/jpeg', width: 1920, height: 1080, bytes };
    ch.open();
    await flush();
    ch.bufferedAmount = 2 * 1024 * 1024;
    ch.receive(JSON.stringify({ type: 'snapshot-request', id: 'snap2' }));
    await flush();
    // stored first, in order
    const chunks = bridge.calls.filter((c) => c.name === 'media:chunk').map((c) => c.input as { seq: number; data: string });
    expect(bridge.calls.find((c) => c.name === 'media:begin')?.input).toEqual({ kind: 'otoscope-snapshot', mime: 'image/jpeg', width: 1920, height: 1080, bytes: 50_000 });
    expect(chunks.map((c) => c.seq)).toEqual([0, 1]);
    for (const c of chunks) expect(c.data.length).toBeLessThanOrEqual(48 * 1024);
    expect(Buffer.concat(chunks.map((c) => Buffer.from(c.data, 'base64')))).toEqual(Buffer.from(bytes));
    expect(bridge.calls.some((c) => c.name === 'media:commit')).toBe(true);
    // nothing sent while the queue is over 1 MiB
    expect(ch.messages().filter((m) => m.type === 'snapshot')).toHaveLength(0);
    ch.drain();
    await flush();
    const pieces = ch.messages().filter((m) => m.type === 'snapshot') as unknown as { seq: number; total: number; data: string }[];
    expect(pieces.map((p) => p.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pieces.every((p) => p.total === Math.ceil(50_000 / PIECE_BYTES) && p.data.length <= 12_000)).toBe(true);
    expect(Buffer.concat(pieces.map((p) => Buffer.from(p.data, 'base64')))).toEqual(Buffer.from(bytes));
    for (const m of ch.messages()) expect(CabinEventSchema.safeParse(m).success).toBe(true);
    expect(ch.messages().at(-1)).toEqual({ type: 'command-result', id: 'snap2', ok: true });
  });
});
