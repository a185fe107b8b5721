import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay as sharedBackoff, type BackoffOptions } from '../../src/shared/backoff.ts';
import { HubClient, hubUrl, type SocketLike } from '../../src/doctor/hub/client.ts';

/** The console's reconnection parameters (src/doctor/hub/client.ts). */
const CONSOLE_BACKOFF: BackoffOptions = { firstMs: 1000, maxMs: 30_000, jitter: [0.8, 1.2] };
const backoffDelay = (attempt: number, random: () => number) => sharedBackoff(attempt, { ...CONSOLE_BACKOFF, random });
import { BEARER_PREFIX, HUB_SUBPROTOCOL, type FromHub } from '../../src/shared/hub-protocol.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  deliver(data: unknown): void {
    this.onmessage?.({ data });
  }
}

function setup(extra: Partial<ConstructorParameters<typeof HubClient>[0]> = {}) {
  const sockets: FakeSocket[] = [];
  const messages: FromHub[] = [];
  const logs: string[] = [];
  const states: string[] = [];
  const client = new HubClient({
    url: 'ws://hub.test/ws',
    token: () => 'tok-1',
    onMessage: (m) => messages.push(m),
    onState: (s, re) => states.push(re ? `${s}(again)` : s),
    connect: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
    log: (m) => logs.push(m),
    ...extra,
  });
  return { client, sockets, messages, logs, states };
}

describe('hub client', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('builds the same-origin /ws URL', () => {
    expect(hubUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(hubUrl({ protocol: 'https:', host: 'hub.example' })).toBe('wss://hub.example/ws');
  });

  it('sends the token as a subprotocol, never in the URL', () => {
    const { client, sockets } = setup();
    client.start();
    expect(sockets[0]!.url).toBe('ws://hub.test/ws');
    expect(sockets[0]!.protocols).toEqual([HUB_SUBPROTOCOL, `${BEARER_PREFIX}tok-1`]);
  });

  it('delivers valid frames; drops invalid ones with a logged error and keeps going', () => {
    const { client, sockets, messages, logs } = setup();
    client.start();
    sockets[0]!.open();
    sockets[0]!.deliver('{not json');
    sockets[0]!.deliver(JSON.stringify({ type: 'queue', items: [{ consultationId: 'c1' }] }));
    sockets[0]!.deliver(JSON.stringify({ type: 'teleport' }));
    sockets[0]!.deliver(new ArrayBuffer(4));
    sockets[0]!.deliver(JSON.stringify({ type: 'queue', items: [{ consultationId: 'c1', cabinId: 'k', cabinName: 'Cabin 1', language: 'fr', since: 5 }] }));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.type).toBe('queue');
    expect(logs).toHaveLength(4);
    expect(logs[0]).toMatch(/not JSON/);
    expect(logs[1]).toMatch(/items\.0/);
  });

  it('a handler that throws is logged, not fatal', () => {
    const { client, sockets, logs } = setup({
      onMessage: () => {
        throw new Error('boom');
      },
    });
    client.start();
    sockets[0]!.open();
    sockets[0]!.deliver(JSON.stringify({ type: 'pong' }));
    expect(logs[0]).toMatch(/boom/);
  });

  it('refuses to send a message that breaks the protocol, or while disconnected', () => {
    const { client, sockets, logs } = setup();
    client.start();
    expect(client.send({ type: 'ping' })).toBe(false);
    sockets[0]!.open();
    expect(client.send({ type: 'claim', consultationId: '' })).toBe(false);
    expect(logs[0]).toMatch(/does not match/);
    expect(client.send({ type: 'claim', consultationId: 'c1' })).toBe(true);
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ type: 'claim', consultationId: 'c1' });
  });

  it('pings every 15 s and reconnects when nothing comes back for 45 s', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    vi.advanceTimersByTime(15_000);
    expect(sockets[0]!.sent.map((s) => JSON.parse(s).type)).toEqual(['ping']);
    sockets[0]!.deliver(JSON.stringify({ type: 'pong' }));
    vi.advanceTimersByTime(30_000);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    expect(sockets[0]!.closedWith).toBe(4000);
    vi.advanceTimersByTime(1_000);
    expect(sockets).toHaveLength(2);
  });

  it('reconnects with exponential backoff (1, 2, 4 … 30 s) and says when it is back', () => {
    const { client, sockets, states } = setup();
    client.start();
    sockets[0]!.open();
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      sockets.at(-1)!.drop();
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    sockets.at(-1)!.open();
    expect(states.at(-1)).toBe('connected(again)');
    // After a good connection the delays start again from 1 s.
    sockets.at(-1)!.drop();
    const n = sockets.length;
    vi.advanceTimersByTime(1000);
    expect(sockets.length).toBe(n + 1);
  });

  it('backoff has jitter within ±20 % and never exceeds 30 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 1)).toBe(1200);
    expect(backoffDelay(3, () => 0.5)).toBe(8000);
    expect(backoffDelay(10, () => 1)).toBe(30000);
  });

  it('a refused token (4401) is renewed once, then the client reconnects', async () => {
    let renewed = 0;
    const { client, sockets } = setup({ renewToken: async () => (renewed++, true) });
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    expect(renewed).toBe(1);
    expect(sockets).toHaveLength(2);
  });

  it('a second 4401 before the hub accepted a socket again ends it (one renewal), after an accepted one it renews again', async () => {
    let renewed = 0;
    const stops: string[] = [];
    const { client, sockets } = setup({ renewToken: async () => (renewed++, true), onStop: (w) => stops.push(w) });
    client.start();
    sockets[0]!.open();
    sockets[0]!.drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    sockets[1]!.open();
    sockets[1]!.drop(4401);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renewed).toBe(1);
    expect(sockets).toHaveLength(2);
    expect(stops).toEqual(['auth']);
    // Accepted (hello) in between: a later refusal gets its own renewal.
    const b = setup({ renewToken: async () => (renewed++, true) });
    b.client.start();
    b.sockets[0]!.open();
    b.sockets[0]!.drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    b.sockets[1]!.open();
    b.sockets[1]!.deliver(JSON.stringify({ type: 'hello', role: 'doctor', id: 'd1', name: 'Dr' }));
    b.sockets[1]!.drop(4401);
    await vi.advanceTimersByTimeAsync(1000);
    expect(b.sockets).toHaveLength(3);
    expect(renewed).toBe(3);
  });

  it('gives up when the token cannot be renewed, or when another console replaced this one', async () => {
    const stops: string[] = [];
    const a = setup({ renewToken: async () => false, onStop: (w) => stops.push(w) });
    a.client.start();
    a.sockets[0]!.drop(4401);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(a.sockets).toHaveLength(1);
    const b = setup({ onStop: (w) => stops.push(w) });
    b.client.start();
    b.sockets[0]!.open();
    b.sockets[0]!.drop(4409);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(b.sockets).toHaveLength(1);
    expect(stops).toEqual(['auth', 'replaced']);
    expect(b.client.state).toBe('stopped');
  });

  it('a socket refused before it opened (a restarted hub that lost the session): the session is checked, and the client stops when it ended', async () => {
    const stops: string[] = [];
    let checks = 0;
    const { client, sockets, states } = setup({ checkSession: async () => (checks++, 'ended'), onStop: (w) => stops.push(w) });
    client.start();
    sockets[0]!.open();
    // The hub restarts: the live socket drops (it had opened: no check), the next upgrade is refused (HTTP 401 → 1006).
    sockets[0]!.drop(1006);
    expect(checks).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    sockets[1]!.drop(1006);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(checks).toBe(1);
    expect(sockets).toHaveLength(2);
    expect(stops).toEqual(['auth']);
    expect(states.at(-1)).toBe('stopped');
  });

  it('a hub that is down (no answer to the check either) keeps being retried, and says so; a renewed session retries too', async () => {
    const stops: string[] = [];
    let checks = 0;
    const down = setup({ checkSession: async () => (checks++, 'unknown'), onStop: (w) => stops.push(w) });
    down.client.start();
    for (let i = 0; i < 5; i++) {
      down.sockets.at(-1)!.drop(1006);
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(checks).toBe(5);
    expect(down.sockets).toHaveLength(6);
    expect(down.client.state).toBe('reconnecting');
    const failing = setup({ checkSession: async () => Promise.reject(new Error('offline')), onStop: (w) => stops.push(w) });
    failing.client.start();
    failing.sockets[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(failing.sockets).toHaveLength(2);
    const renewed = setup({ checkSession: async () => 'renewed', onStop: (w) => stops.push(w) });
    renewed.client.start();
    renewed.sockets[0]!.drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    expect(renewed.sockets).toHaveLength(2);
    expect(stops).toEqual([]);
  });

  it('stop() during a session check: the late answer changes nothing', async () => {
    let answer: (r: 'ended') => void = () => undefined;
    const stops: string[] = [];
    const { client, sockets } = setup({ checkSession: () => new Promise((r) => (answer = r)), onStop: (w) => stops.push(w) });
    client.start();
    sockets[0]!.drop(1006);
    client.stop();
    answer('ended');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stops).toEqual([]);
    expect(sockets).toHaveLength(1);
  });

  it('stop() closes and does not reconnect', () => {
    const { client, sockets } = setup();
    client.start();
    sockets[0]!.open();
    client.stop();
    vi.advanceTimersByTime(120_000);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.closedWith).toBe(1000);
  });
});
