import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Call, CallOptions } from '../../src/doctor/call/call.ts';
import type { Observation } from '../../src/doctor/call/observations.ts';
import type { StreamSamples } from '../../src/doctor/call/pleth.ts';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import type { SocketLike } from '../../src/doctor/hub/client.ts';
import { ConsoleController } from '../../src/doctor/state/console.ts';
import type { StorageLike } from '../../src/doctor/state/session-hint.ts';
import type { FromHub, IceServer, ToHub } from '../../src/shared/hub-protocol.ts';
import { view } from './fixtures/consultation-view.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: ToHub[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(readonly protocols: string[]) {}
  send(data: string): void {
    const m = JSON.parse(data) as ToHub;
    this.sent.push(m);
    // A live hub answers pings (else the client reconnects after 45 s of silence).
    if (m.type === 'ping') queueMicrotask(() => this.tell({ type: 'pong' }));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.tell({ type: 'hello', role: 'doctor', id: 'd1', name: 'Dr Test' });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }
  tell(m: FromHub): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  of<T extends ToHub['type']>(type: T): Extract<ToHub, { type: T }>[] {
    return this.sent.filter((m): m is Extract<ToHub, { type: T }> => m.type === type);
  }
}

class FakeCall {
  acked: string[] = [];
  ice: { iceServers: IceServer[]; policy: string | undefined }[] = [];
  earlier: readonly Observation[] = [];
  hellos = 0;
  closed = false;
  readonly waves = new Set<(s: StreamSamples) => void>();
  constructor(readonly o: CallOptions) {}
  hello(): void {
    this.hellos++;
  }
  onWaveform(fn: (s: StreamSamples) => void): () => void {
    this.waves.add(fn);
    return () => this.waves.delete(fn);
  }
  /** `n` pleth samples at 50 Hz from sample index `from` of stream 1. */
  pleth(from: number, n: number): void {
    const s: StreamSamples = { info: { stream: 1, deviceId: 'oxi', code: 'MDC_PULS_OXIM_PLETH', rate: 50, t0: 1_765_000_000_000 }, samples: Array.from({ length: n }, (_, i) => (from + i) % 100), end: from + n };
    for (const fn of this.waves) fn(s);
  }
  ack(ids: readonly string[]): void {
    this.acked.push(...ids);
  }
  updateIceServers(iceServers: IceServer[], policy?: 'all' | 'relay'): boolean {
    this.ice.push({ iceServers, policy });
    return true;
  }
  setEarlier(r: readonly Observation[]): void {
    this.earlier = r;
  }
  setLocalStream(): void {}
  handleSignal(): void {}
  close(): void {
    this.closed = true;
  }
  /** The cabin sends an observation on `events` (fresh: first copy). */
  observe(o: Observation, fresh = true): void {
    this.o.onObservation?.(o, fresh);
  }
}

const answer = (token: string, expiresIn = 900) => ({ token, expiresIn, role: 'doctor', id: 'd1', name: 'Dr Test' });
const obs = (id: string, value = 97, t = 1000): Observation => ({ type: 'observation', id, deviceId: 'oxi', code: 'MDC_PULS_OXIM_SAT_O2', value, unit: '%', t });

type Route = (init: Parameters<FetchLike>[1]) => { status: number; body?: unknown };

function setup(routes: Record<string, Route>, stored: Record<string, string> = {}) {
  const calls: { url: string; init: Parameters<FetchLike>[1] }[] = [];
  const fetcher: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const route = routes[url];
    if (!route) return { status: 404, ok: false, headers: { get: () => null }, json: async () => ({}) };
    const r = route(init);
    // Status 0: no answer at all (connection refused).
    if (r.status === 0) throw new TypeError('Failed to fetch');
    return { status: r.status, ok: r.status >= 200 && r.status < 300, headers: { get: () => null }, json: async () => r.body };
  };
  const sockets: FakeSocket[] = [];
  const calls_: FakeCall[] = [];
  const storage: StorageLike & { data: Record<string, string> } = {
    data: { ...stored },
    getItem(k) {
      return this.data[k] ?? null;
    },
    setItem(k, v) {
      this.data[k] = v;
    },
    removeItem(k) {
      delete this.data[k];
    },
  };
  const c = new ConsoleController(
    { protocol: 'http:', host: 'hub.test' },
    {
      fetch: fetcher,
      storage,
      connect: (_url, protocols) => {
        const s = new FakeSocket(protocols);
        sockets.push(s);
        return s;
      },
      createCall: (o) => {
        const call = new FakeCall(o);
        calls_.push(call);
        return call as unknown as Call;
      },
      openMedia: async () => undefined,
    },
  );
  return { c, calls, sockets, storage, fakeCalls: calls_ };
}

const SIGNED_IN = { 'cabin-doctor.signed-in': '1' };
const quiet = () => vi.spyOn(console, 'warn').mockImplementation(() => undefined);

describe('doctor console controller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  describe('session restore on start', () => {
    it('a live session: "restoring" at once (no login form), then the queue; the token stays in memory', async () => {
      const t = setup({ '/api/refresh': () => ({ status: 200, body: answer('T2') }) }, SIGNED_IN);
      const p = t.c.restore();
      expect(t.c.getSnapshot().screen).toBe('restoring');
      expect(await p).toBe(true);
      expect(t.c.getSnapshot().screen).toBe('queue');
      expect(t.c.getSnapshot().me).toEqual({ id: 'd1', name: 'Dr Test' });
      expect(t.calls[0]!.init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
      expect(t.calls[0]!.init.headers.authorization).toBeUndefined();
      expect(t.sockets[0]!.protocols).toContain('bearer.T2');
      expect(JSON.stringify(t.storage.data)).not.toContain('T2');
    });

    it('no session (401): the login form, without an error notice; the hint is forgotten', async () => {
      const t = setup({ '/api/refresh': () => ({ status: 401, body: { error: { code: 'no-session', message: '' } } }) }, SIGNED_IN);
      expect(await t.c.restore()).toBe(false);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'login', notice: undefined });
      expect(t.storage.data).toEqual({});
      expect(t.sockets).toEqual([]);
    });

    it('the hub unreachable: the login form (it will say so on submit), the hint kept for the next reload', async () => {
      quiet();
      const t = setup({}, SIGNED_IN);
      t.calls.length = 0;
      const r = await new ConsoleController({ protocol: 'http:', host: 'h' }, { fetch: async () => Promise.reject(new Error('offline')), storage: t.storage }).restore();
      expect(r).toBe(false);
      expect(t.storage.data).toEqual(SIGNED_IN);
    });

    it('never logged in here: straight to the form, no request', async () => {
      const t = setup({ '/api/refresh': () => ({ status: 200, body: answer('T2') }) });
      expect(await t.c.restore()).toBe(false);
      expect(t.c.getSnapshot().screen).toBe('login');
      expect(t.calls).toEqual([]);
    });

    it('login sets the hint; logout posts /api/logout before clearing the state, and forgets the hint', async () => {
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), '/api/logout': () => ({ status: 204 }) });
      await t.c.login('doc', 'pw');
      expect(t.storage.data).toEqual(SIGNED_IN);
      const origin = t.calls.length;
      const p = t.c.logout();
      const screenAtLogout = t.c.getSnapshot().screen;
      await p;
      expect(screenAtLogout).toBe('queue');
      expect(t.calls[origin]).toMatchObject({ url: '/api/logout', init: { method: 'POST', credentials: 'same-origin', headers: { authorization: 'Bearer T1' } } });
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'login', me: undefined });
      expect(t.storage.data).toEqual({});
    });
  });

  describe('token renewal on the open socket', () => {
    it('after each renewal the fresh token goes to the socket as `auth`', async () => {
      let n = 1;
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), '/api/refresh': () => ({ status: 200, body: answer(`T${++n}`) }) });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      await vi.advanceTimersByTimeAsync(600_000);
      expect(t.calls.at(-1)).toMatchObject({ url: '/api/refresh', init: { headers: { authorization: 'Bearer T1' } } });
      expect(t.sockets[0]!.of('auth')).toEqual([{ type: 'auth', token: 'T2' }]);
      t.sockets[0]!.tell({ type: 'authenticated', expiresIn: 900 });
      await vi.advanceTimersByTimeAsync(600_000);
      expect(t.sockets[0]!.of('auth').map((m) => m.token)).toEqual(['T2', 'T3']);
    });

    it('`authenticated` with a shorter life brings the renewal forward', async () => {
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1', 3600) }), '/api/refresh': () => ({ status: 200, body: answer('T2', 3600) }) });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      t.sockets[0]!.tell({ type: 'authenticated', expiresIn: 60 });
      await vi.advanceTimersByTimeAsync(40_000);
      expect(t.sockets[0]!.of('auth')).toEqual([{ type: 'auth', token: 'T2' }]);
    });

    it('a 4401 close: one refresh from the cookie alone, then a new socket with the new token', async () => {
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), '/api/refresh': (init) => (init.headers.authorization ? { status: 401 } : { status: 200, body: answer('T9') }) });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      t.sockets[0]!.drop(4401);
      await vi.advanceTimersByTimeAsync(1500);
      expect(t.calls.at(-1)!.url).toBe('/api/refresh');
      expect(t.calls.at(-1)!.init.headers.authorization).toBeUndefined();
      expect(t.sockets).toHaveLength(2);
      expect(t.sockets[1]!.protocols).toContain('bearer.T9');
      expect(t.c.getSnapshot().screen).toBe('queue');
    });

    it('a 4401 and no session left: logged out with "session-expired"', async () => {
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), '/api/refresh': () => ({ status: 401 }) });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      t.sockets[0]!.drop(4401);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'login', notice: 'session-expired' });
      expect(t.sockets).toHaveLength(1);
      expect(t.storage.data).toEqual({});
    });
  });

  describe('the consultation', () => {
    async function inCall(extraRoutes: Record<string, Route> = {}) {
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), ...extraRoutes });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      t.c.claim('c1');
      const claim = t.sockets[0]!.of('claim')[0]!;
      t.sockets[0]!.tell({ type: 'consultation', ref: claim.ref!, consultation: view() });
      return { ...t, call: t.fakeCalls[0]! };
    }

    it('the hub restarted without the session (its upgrade refused, seen as 1006): the login with « session ended », nothing of the patient left', async () => {
      const t = await inCall({ '/api/refresh': () => ({ status: 401, body: { error: { code: 'session-expired', message: '' } } }) });
      t.call.observe(obs('o1'));
      t.sockets[0]!.drop(1001);
      await vi.advanceTimersByTimeAsync(1500);
      t.sockets[1]!.drop(1006);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(t.calls.filter((x) => x.url === '/api/refresh')).toHaveLength(1);
      expect(t.sockets).toHaveLength(2);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'login', notice: 'session-expired', me: undefined, consultation: undefined, call: undefined, queue: [] });
      expect(t.call.closed).toBe(true);
      expect(t.storage.data).toEqual({});
    });

    it('the hub only down (its API does not answer either): retrying, « reconnecting », the consultation kept', async () => {
      const t = await inCall({ '/api/refresh': () => ({ status: 0 }) });
      t.sockets[0]!.drop(1006);
      for (let i = 0; i < 4; i++) {
        await vi.advanceTimersByTimeAsync(30_000);
        t.sockets.at(-1)!.drop(1006);
      }
      await vi.advanceTimersByTimeAsync(30_000);
      expect(t.calls.filter((x) => x.url === '/api/refresh')).toHaveLength(4);
      expect(t.sockets).toHaveLength(6);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'consultation', hub: 'reconnecting', consultation: { consultationId: 'c1' } });
      expect(t.call.closed).toBe(false);
    });

    it('readings are shown at once, reported within a second, and acked to the cabin only once the hub stored them', async () => {
      const t = await inCall();
      expect(t.c.getSnapshot().screen).toBe('consultation');
      t.call.observe(obs('o1'));
      t.call.observe(obs('o2'));
      t.call.observe(obs('o1'), false);
      expect(t.call.acked).toEqual([]);
      await vi.advanceTimersByTimeAsync(1000);
      const [part] = t.sockets[0]!.of('report');
      expect(part).toMatchObject({ consultationId: 'c1', readings: [{ id: 'o1' }, { id: 'o2' }] });
      expect(part!.ref).toBeTruthy();
      t.sockets[0]!.tell({ type: 'reported', ref: part!.ref!, consultationId: 'c1', count: 2 });
      expect(t.call.acked).toEqual(['o1', 'o2']);
      // A copy the cabin resends of a reported reading is acked at once.
      t.call.observe(obs('o2'), false);
      expect(t.call.acked).toEqual(['o1', 'o2', 'o2']);
    });

    it('a part the dropped socket took goes again after the reconnection; `end` carries only the rest', async () => {
      const t = await inCall();
      t.call.observe(obs('o1'));
      await vi.advanceTimersByTimeAsync(1000);
      t.sockets[0]!.drop(1006);
      t.call.observe(obs('o2'));
      await vi.advanceTimersByTimeAsync(1500);
      expect(t.sockets).toHaveLength(2);
      t.sockets[1]!.open();
      expect(t.sockets[1]!.of('join')).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1000);
      const again = t.sockets[1]!.of('report');
      expect(again.map((m) => m.readings.map((r) => r.id))).toEqual([['o1', 'o2']]);
      t.sockets[1]!.tell({ type: 'reported', ref: again[0]!.ref!, consultationId: 'c1', count: 2 });
      t.call.observe(obs('o3'));
      t.c.end('Notes.');
      // o3 goes in a part of its own first; `end` only once it is stored, with the notes alone.
      const last = t.sockets[1]!.of('report')[1]!;
      expect(last.readings.map((r) => r.id)).toEqual(['o3']);
      expect(t.sockets[1]!.of('end')).toHaveLength(0);
      t.sockets[1]!.tell({ type: 'reported', ref: last.ref!, consultationId: 'c1', count: 1 });
      const end = t.sockets[1]!.of('end')[0]!;
      expect(end).toMatchObject({ consultationId: 'c1', notes: 'Notes.', readings: [] });
      t.sockets[1]!.tell({ type: 'ended', ref: end.ref!, consultationId: 'c1', reason: 'ended' });
      expect(t.call.acked).toEqual(['o1', 'o2', 'o3']);
      expect(t.call.closed).toBe(true);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'queue', notice: 'report-saved' });
    });

    it('a pleth passage kept goes to the hub, again after a reconnection until answered; `end` waits for it', async () => {
      const t = await inCall();
      const marks = t.c.plethMarks(t.call as unknown as Call)!;
      expect(marks).toBeDefined();
      t.call.pleth(0, 400);
      expect(marks.keep()).toMatchObject({ kind: 'kept', seconds: 8 });
      const first = t.sockets[0]!.of('pleth');
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ consultationId: 'c1', excerpt: { deviceId: 'oxi', rate: 50, t: 1_765_000_000_000, marked: true } });
      expect(first[0]!.excerpt.samples).toHaveLength(400);
      t.sockets[0]!.drop(1006);
      await vi.advanceTimersByTimeAsync(1500);
      t.sockets[1]!.open();
      const again = t.sockets[1]!.of('pleth');
      expect(again).toHaveLength(1);
      expect(again[0]!.excerpt).toEqual(first[0]!.excerpt);
      // Sent after the join, on the new socket.
      expect(t.sockets[1]!.sent.findIndex((m) => m.type === 'join')).toBeLessThan(t.sockets[1]!.sent.findIndex((m) => m.type === 'pleth'));
      t.c.end('');
      await vi.advanceTimersByTimeAsync(100);
      expect(t.sockets[1]!.of('end')).toHaveLength(0);
      t.sockets[1]!.tell({ type: 'reported', ref: again[0]!.ref!, consultationId: 'c1', count: 1 });
      expect(marks.snapshot.marks.map((m) => m.state)).toEqual(['kept']);
      expect(t.sockets[1]!.of('end')).toHaveLength(1);
    });

    it('a pleth passage the hub refuses (the consultation over) leaves the list; not the live call’s: no passages', async () => {
      const t = await inCall();
      const marks = t.c.plethMarks(t.call as unknown as Call)!;
      t.call.pleth(0, 100);
      marks.keep();
      const [m] = t.sockets[0]!.of('pleth');
      const warn = quiet();
      t.sockets[0]!.tell({ type: 'error', ref: m!.ref!, code: 'not-active', message: 'This consultation is not in progress.' });
      expect(warn).toHaveBeenCalled();
      expect(marks.snapshot).toMatchObject({ marks: [], notice: { kind: 'refused', code: 'not-active' } });
      expect(t.c.getSnapshot().screen).toBe('consultation');
      expect(t.c.plethMarks({} as Call)).toBeUndefined();
    });

    it('`end` waits until every part in flight is answered, then carries the rest; only what the hub stored is acked', async () => {
      const t = await inCall();
      const hub = t.sockets[0]!;
      t.call.observe(obs('o1'));
      await vi.advanceTimersByTimeAsync(1000);
      const [part] = hub.of('report');
      t.call.observe(obs('o2'));
      t.c.end('Fin.');
      // o1 is in flight, unanswered: no `end` yet (the hub could refuse the part after ending).
      expect(hub.of('end')).toHaveLength(0);
      // Ending hurries the parts (every 100 ms instead of every second): o2 goes in a part of its own.
      await vi.advanceTimersByTimeAsync(300);
      const parts = hub.of('report');
      expect(parts.map((m) => m.readings.map((r) => r.id))).toEqual([['o1'], ['o2']]);
      hub.tell({ type: 'reported', ref: part!.ref!, consultationId: 'c1', count: 1 });
      expect(hub.of('end')).toHaveLength(0);
      hub.tell({ type: 'reported', ref: parts[1]!.ref!, consultationId: 'c1', count: 1 });
      const end = hub.of('end')[0]!;
      expect(end.readings).toEqual([]);
      expect(t.call.acked).toEqual(['o1', 'o2']);
      hub.tell({ type: 'ended', ref: end.ref!, consultationId: 'c1', reason: 'ended' });
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'queue', notice: 'report-saved' });
    });

    it('a socket lost with `end` unanswered: the end goes again, and a reading that came after the end is not acked', async () => {
      const t = await inCall();
      t.call.observe(obs('o1'));
      t.c.end('Fin.');
      const part = t.sockets[0]!.of('report')[0]!;
      t.sockets[0]!.tell({ type: 'reported', ref: part.ref!, consultationId: 'c1', count: 1 });
      const first = t.sockets[0]!.of('end')[0]!;
      expect(first.readings).toEqual([]);
      t.sockets[0]!.drop(1006);
      // Arrives after the first `end` went: the hub may already have ended without it.
      t.call.observe(obs('o2'));
      await vi.advanceTimersByTimeAsync(1500);
      t.sockets[1]!.open();
      const again = t.sockets[1]!.of('end')[0]!;
      expect(again).toMatchObject({ ref: first.ref, notes: 'Fin.', readings: [] });
      expect(t.sockets[1]!.of('report')).toHaveLength(0);
      // The hub had ended with the first one: it answers `ended` to the same ref.
      t.sockets[1]!.tell({ type: 'ended', ref: first.ref!, consultationId: 'c1', reason: 'ended' });
      expect(t.call.acked).toEqual(['o1']);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'queue', notice: 'report-saved' });
    });

    it('a full report (report-full): that part and later readings are not acked (the cabin keeps them), the end still goes', async () => {
      const t = await inCall();
      const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      const hub = t.sockets[0]!;
      t.call.observe(obs('o1'));
      await vi.advanceTimersByTimeAsync(1000);
      const [part] = hub.of('report');
      hub.tell({ type: 'error', ref: part!.ref!, code: 'report-full', message: 'full' });
      expect(err).toHaveBeenCalled();
      t.call.observe(obs('o2'));
      await vi.advanceTimersByTimeAsync(3000);
      expect(hub.of('report')).toHaveLength(1);
      t.c.end('Fin.');
      const end = hub.of('end')[0]!;
      expect(end.readings).toEqual([]);
      hub.tell({ type: 'ended', ref: end.ref!, consultationId: 'c1', reason: 'ended' });
      expect(t.call.acked).toEqual([]);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'queue', notice: 'report-saved' });
    });

    it('readings keep coming while ending: the end still goes (nothing new is taken once the doctor ended)', async () => {
      const t = await inCall();
      const hub = t.sockets[0]!;
      t.call.observe(obs('o1'));
      t.c.end('Fin.');
      // A slow hub: one reading a second, answers a second late.
      for (let i = 2; i < 6; i++) {
        t.call.observe(obs(`o${i}`));
        await vi.advanceTimersByTimeAsync(1000);
        for (const m of hub.of('report')) hub.tell({ type: 'reported', ref: m.ref!, consultationId: 'c1', count: m.readings.length });
      }
      expect(hub.of('report').flatMap((m) => m.readings.map((r) => r.id))).toEqual(['o1']);
      expect(hub.of('end')).toHaveLength(1);
      expect(t.call.acked).toEqual(['o1']);
    });

    it('notes the client cannot send while connected (too large for a frame): an error to show, not a wait forever', async () => {
      const t = await inCall();
      t.c.end('\u0000'.repeat(20_000));
      expect(t.sockets[0]!.of('end')).toHaveLength(0);
      expect(t.c.getSnapshot()).toMatchObject({ ending: false, endError: 'notes-too-large' });
      // Taking readings again, at the normal pace.
      t.call.observe(obs('o9'));
      await vi.advanceTimersByTimeAsync(1000);
      expect(t.sockets[0]!.of('report').at(-1)!.readings.map((r) => r.id)).toEqual(['o9']);
    });

    it('new ICE servers for the same consultation go to the live call, which is not rebuilt', async () => {
      const t = await inCall();
      const turn = { urls: ['turn:hub:3478'], username: 'u', credential: 'fresh' };
      t.sockets[0]!.tell({ type: 'consultation', consultation: view({ iceServers: [{ urls: 'stun:hub:3478' }, turn], iceTransportPolicy: 'relay' }) });
      expect(t.fakeCalls).toHaveLength(1);
      expect(t.call.ice.at(-1)).toEqual({ iceServers: [{ urls: 'stun:hub:3478' }, turn], policy: 'relay' });
      expect(t.call.closed).toBe(false);
    });

    it('back after a reload: the readings stored so far fill the vitals and are not reported again', async () => {
      const stored = { id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2', value: 95, unit: '%', t: 500, deviceId: 'oxi' };
      const kept = { deviceId: 'oxi', code: 'MDC_PULS_OXIM_PLETH', t: 400, rate: 50, samples: [1, 2, 3], marked: true };
      const first = { deviceId: 'oxi', code: 'MDC_PULS_OXIM_PLETH', t: 100, rate: 50, samples: [4, 5, 6] };
      const report = { consultationId: 'c1', cabin: { id: 'k1', name: 'Cabine' }, doctor: { id: 'd1', name: 'Dr Test' }, createdAt: 1, claimedAt: 2, endedAt: null, state: 'active', notes: '', readings: [stored], incidents: [], pleth: [first, kept] };
      const t = setup({ '/api/refresh': () => ({ status: 200, body: answer('T2') }), '/api/consultations/c1/report': (init) => (init.headers.authorization === 'Bearer T2' ? { status: 200, body: report } : { status: 401 }) }, SIGNED_IN);
      await t.c.restore();
      t.sockets[0]!.open();
      // The hub pushes the consultation still open for this doctor.
      t.sockets[0]!.tell({ type: 'consultation', consultation: view() });
      expect(t.c.getSnapshot().screen).toBe('consultation');
      const call = t.fakeCalls[0]!;
      expect(call.hellos).toBe(1);
      await vi.advanceTimersByTimeAsync(0);
      expect(call.earlier).toEqual([{ type: 'observation', id: 'o1', deviceId: 'oxi', code: 'MDC_PULS_OXIM_SAT_O2', value: 95, unit: '%', t: 500 }]);
      // The pleth passage kept before the reload is listed again (the cabin's first seconds are not the doctor's to remove).
      const marks = t.c.plethMarks(call as unknown as Call)!;
      expect(marks.snapshot.marks.map((m) => [m.excerpt, m.state])).toEqual([[kept, 'kept']]);
      marks.remove(marks.snapshot.marks[0]!.key);
      expect(t.sockets[0]!.of('pleth-unmark')).toMatchObject([{ consultationId: 'c1', deviceId: 'oxi', t: 400, count: 3 }]);
      call.observe(obs('o1', 95, 500));
      expect(call.acked).toEqual(['o1']);
      await vi.advanceTimersByTimeAsync(2000);
      expect(t.sockets[0]!.of('report')).toEqual([]);
    });

    it('the report so far cannot be read: not fatal, the call goes on', async () => {
      quiet();
      const t = setup({ '/api/refresh': () => ({ status: 200, body: answer('T2') }), '/api/consultations/c1/report': () => ({ status: 500 }) }, SIGNED_IN);
      await t.c.restore();
      t.sockets[0]!.open();
      t.sockets[0]!.tell({ type: 'consultation', consultation: view() });
      await vi.advanceTimersByTimeAsync(0);
      expect(t.c.getSnapshot().screen).toBe('consultation');
      expect(t.fakeCalls[0]!.earlier).toEqual([]);
    });

    it('a consultation just claimed here does not ask for the report so far', async () => {
      const t = await inCall({ '/api/consultations/c1/report': () => ({ status: 200, body: {} }) });
      await vi.advanceTimersByTimeAsync(0);
      expect(t.calls.some((c) => c.url.includes('/report'))).toBe(false);
    });
  });

  describe('a past report', () => {
    it('opens from the queue read-only, is read with this session’s token, and goes back to the queue; a pushed consultation still shows', async () => {
      const report = { consultationId: 'p1', cabin: { id: 'k1', name: 'Cabine' }, doctor: { id: 'd1', name: 'Dr Test' }, createdAt: 1, claimedAt: 2, endedAt: 3, state: 'ended', notes: 'RAS', readings: [], incidents: [] };
      const t = setup({ '/api/login': () => ({ status: 200, body: answer('T1') }), '/api/consultations/p1/report': (init) => (init.headers.authorization === 'Bearer T1' ? { status: 200, body: report } : { status: 401 }) });
      await t.c.login('doc', 'pw');
      t.sockets[0]!.open();
      const past = { consultationId: 'p1', cabin: { id: 'k1', name: 'Cabine' }, createdAt: 1, claimedAt: 2, endedAt: 3, patient: null, fhirPush: null };
      t.c.openReport(past);
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'report', pastReport: past });
      expect(await t.c.records.loadReport('p1')).toMatchObject({ ok: true, report: { notes: 'RAS' } });
      expect(await t.c.records.loadReport('p2')).toEqual({ ok: false, error: 'not-found' });
      t.c.claim('c1');
      expect(t.sockets[0]!.of('claim')).toEqual([]);
      t.c.closeReport();
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'queue', pastReport: undefined });
      t.c.openReport(past);
      t.sockets[0]!.tell({ type: 'consultation', consultation: view() });
      expect(t.c.getSnapshot()).toMatchObject({ screen: 'consultation', pastReport: undefined });
    });
  });

  describe('the waiting queue', () => {
    const item = (id: string, since: number) => ({ consultationId: id, cabinId: `cab-${id}`, cabinName: `Cabine ${id}`, language: 'fr' as const, since });

    it('applies the changes that build on the queue it holds; asks for the whole again after a gap, and shows the last queue meanwhile', async () => {
      const t = setup({ '/api/refresh': () => ({ status: 200, body: answer('T2') }) }, SIGNED_IN);
      expect(await t.c.restore()).toBe(true);
      const s = t.sockets[0]!;
      s.open();
      s.tell({ type: 'queue', items: [item('a', 1)], rev: 4 });
      expect(t.c.getSnapshot().queue).toEqual([item('a', 1)]);
      s.tell({ type: 'queue-delta', base: 4, rev: 5, upsert: [item('b', 0)], remove: [] });
      expect(t.c.getSnapshot().queue).toEqual([item('b', 0), item('a', 1)]);
      // An edition it already holds changes nothing.
      s.tell({ type: 'queue-delta', base: 4, rev: 5, upsert: [item('x', 2)], remove: ['a'] });
      expect(t.c.getSnapshot().queue).toEqual([item('b', 0), item('a', 1)]);
      expect(s.of('queue-resync')).toEqual([]);
      // A change that does not build on edition 5: the whole queue is asked for, the one shown stays until it comes.
      s.tell({ type: 'queue-delta', base: 7, rev: 8, upsert: [], remove: ['a', 'b'] });
      expect(t.c.getSnapshot().queue).toEqual([item('b', 0), item('a', 1)]);
      expect(s.of('queue-resync')).toEqual([{ type: 'queue-resync' }]);
      s.tell({ type: 'queue', items: [item('c', 3)], rev: 9 });
      s.tell({ type: 'queue-delta', base: 9, rev: 10, upsert: [], remove: ['c'] });
      expect(t.c.getSnapshot().queue).toEqual([]);
    });
  });
});
