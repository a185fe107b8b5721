import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_SILENCE_MS, type SessionView } from '../../src/shared/bridge.ts';
import { bridgeUrl, createWsClient, probeRefused, type SocketLike, type WsBridgeClient } from '../../src/renderer/bridge/ws-client.ts';
import type { BridgeRefusal } from '../../src/renderer/bridge/link.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { type: string; id: number; name: string; input: unknown }[] = [];
  onopen: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.drop();
  }
  /** What a live main does: the handshake, then a beat at once. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(undefined as never);
    this.receive({ type: 'beat' });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.(undefined as never);
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
  answer(id: number, result: unknown): void {
    this.receive({ type: 'result', id, result });
  }
}

const session = (over: Partial<SessionView> = {}): SessionView => ({
  phase: 'welcome',
  sessionId: null,
  language: 'fr',
  startedAt: null,
  assistant: false,
  idleWarning: null,
  readings: [],
  ...over,
});
const reading = { id: 'r1', deviceId: 'ox', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 1 };

describe('WebSocket bridge client', () => {
  let sockets: FakeSocket[];
  let client: WsBridgeClient;
  let refusing: BridgeRefusal | null = null;
  const last = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    vi.useFakeTimers();
    refusing = null;
    sockets = [];
    client = createWsClient({
      url: 'ws://kiosk/bridge',
      connect: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      backoff: { firstMs: 100, maxMs: 1000 },
      callTimeoutMs: 5000,
      random: () => 0.5,
      refused: async () => refusing,
    });
  });
  afterEach(() => {
    client.close();
    vi.useRealTimers();
  });

  it('builds the bridge URL from the page location', () => {
    expect(bridgeUrl({ protocol: 'http:', host: '127.0.0.1:8420' })).toBe('ws://127.0.0.1:8420/bridge');
    expect(bridgeUrl({ protocol: 'https:', host: 'kiosk.local' })).toBe('wss://kiosk.local/bridge');
  });

  it('sends a call once the socket opens and resolves with the checked result', async () => {
    const p = client.call('session:get', {});
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().sent).toEqual([{ type: 'call', id: 1, name: 'session:get', input: {} }]);
    last().answer(1, { ok: true, value: session() });
    await expect(p).resolves.toEqual({ ok: true, value: session() });
  });

  it('passes on an error result as it is', async () => {
    last().open();
    const p = client.call('assistant:unlock', { pin: '0000' });
    last().answer(1, { ok: false, error: { code: 'wrong-pin', message: 'Wrong PIN.' } });
    await expect(p).resolves.toEqual({ ok: false, error: { code: 'wrong-pin', message: 'Wrong PIN.' } });
  });

  it('turns a result that breaks the contract into an error result', async () => {
    last().open();
    const p = client.call('session:get', {});
    last().answer(1, { ok: true, value: { phase: 'dancing' } });
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('invalid-response');
  });

  it('delivers valid events to their listeners and drops invalid or unknown ones', () => {
    last().open();
    const got: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const off = client.on('reading', (r) => got.push(r));
    last().receive({ type: 'event', name: 'reading', payload: reading });
    last().receive({ type: 'event', name: 'reading', payload: { ...reading, value: 'high' } });
    last().receive({ type: 'event', name: 'nonsense', payload: {} });
    last().receive('not json');
    off();
    last().receive({ type: 'event', name: 'reading', payload: reading });
    expect(got).toEqual([reading]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('a listener that throws does not stop the others', () => {
    last().open();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const got: number[] = [];
    client.on('reading', () => {
      throw new Error('boom');
    });
    client.on('reading', (r) => got.push(r.value!));
    last().receive({ type: 'event', name: 'reading', payload: reading });
    expect(got).toEqual([97]);
    error.mockRestore();
  });

  it('fails the calls in flight with a clear error when the socket closes', async () => {
    last().open();
    const p = client.call('devices:list', {});
    last().drop();
    const r = await p;
    expect(r).toEqual({
      ok: false,
      error: { code: 'disconnected', message: expect.stringContaining('lost before it answered devices:list') },
    });
  });

  it('reconnects with growing delays, then fetches the session and devices again as events', async () => {
    last().open();
    const sessions: SessionView[] = [];
    const devices: string[] = [];
    client.on('session', (s) => sessions.push(s));
    client.on('device', (d) => devices.push(d.id));
    last().drop();
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    const [get] = last().sent;
    expect(get).toMatchObject({ name: 'session:get' });
    last().answer(get!.id, { ok: true, value: session({ phase: 'exam', sessionId: 's1' }) });
    await vi.waitFor(() => expect(last().sent).toHaveLength(2));
    const list = last().sent[1]!;
    expect(list).toMatchObject({ name: 'devices:list' });
    const device = {
      id: 'ox@sim', driver: 'd', name: 'n', category: 'oximeter', transport: 'simulated', path: 'p', reason: 'r', commands: [], link: 'connected',
    };
    last().answer(list.id, { ok: true, value: [device] });
    await vi.waitFor(() => expect(devices).toEqual(['ox@sim']));
    expect(sessions.map((s) => s.phase)).toEqual(['exam']);
  });

  it('the backoff stops growing at its maximum and resets after a connection', () => {
    for (let i = 0; i < 6; i++) {
      last().drop();
      vi.advanceTimersByTime(1000);
    }
    expect(sockets).toHaveLength(7);
    last().open();
    last().drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(8);
  });

  it('a call waits for a reconnection, and fails after its timeout if none comes', async () => {
    last().drop();
    const p = client.call('config:get', {});
    vi.advanceTimersByTime(5000);
    const r = await p;
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ code: 'unavailable', message: expect.stringContaining('did not answer config:get in time') });
  });

  it('close() stops reconnecting and fails what is pending', async () => {
    const p = client.call('session:get', {});
    client.close();
    expect((await p).ok).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect((await client.call('session:get', {})).ok).toBe(false);
  });

  it('fails a call sent to a main that fell silent (stopped or hung), and sends nothing on the silent socket again', async () => {
    last().open();
    const p = client.call('devices:list', {});
    const silent = last();
    vi.advanceTimersByTime(BRIDGE_SILENCE_MS);
    expect(await p).toEqual({ ok: false, error: { code: 'disconnected', message: expect.stringContaining('lost before it answered devices:list') } });
    expect(silent.readyState).toBe(3);
    void client.call('config:get', {});
    expect(silent.sent).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    last().open();
    expect(last().sent).toMatchObject([{ name: 'config:get' }, { name: 'session:get' }]);
  });

  it('takes beats for what they are: never an event, a result or a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const got: unknown[] = [];
    client.on('session', (s) => got.push(s));
    last().open();
    last().receive({ type: 'beat' });
    expect(got).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('fails what is pending, and every later call at once, when main refuses the page’s token', async () => {
    refusing = 'restarted';
    const p = client.call('session:get', {});
    last().drop();
    expect(await p).toEqual({ ok: false, error: { code: 'closed', message: expect.stringContaining('open the address the terminal printed last') } });
    expect((await client.call('config:get', {})).ok).toBe(false);
  });

  it('asks main whether it refuses the page with a plain GET of the bridge URL: only a 403 is a refusal, its word says why', async () => {
    const answers: ([number, string?] | Error)[] = [[403, 'restarted'], [403, 'no-token'], [403], [204], [404], new TypeError('Failed to fetch')];
    const urls: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url);
      const a = answers.shift()!;
      if (a instanceof Error) throw a;
      return new Response(a[1] ?? null, { status: a[0] });
    });
    try {
      const got = [];
      for (let i = 0; i < 6; i++) got.push(await probeRefused('ws://127.0.0.1:8420/bridge', 1000));
      // A token of an earlier run of main; none of this run; an older main that gave no word.
      expect(got).toEqual(['restarted', 'no-token', 'no-token', null, null, null]);
      expect(urls[0]).toBe('http://127.0.0.1:8420/bridge');
      expect(await probeRefused('wss://kiosk.local/bridge', 1000).catch(() => 'threw')).toBe(null);
      expect(urls[6]).toBe('https://kiosk.local/bridge');
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('ignores answers to calls it does not know', () => {
    last().open();
    expect(() => last().answer(99, { ok: true, value: {} })).not.toThrow();
  });
});
