import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { CallView } from '../../src/shared/bridge.ts';
import { BEARER_PREFIX, HUB_CLOSE, HUB_SUBPROTOCOL, type ConsultationView, type ToHub } from '../../src/shared/hub-protocol.ts';
import { HubLink } from '../../src/main/hub/link.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

/** A hub stand-in: the token endpoint and the WebSocket, recording what the cabin sends. */
async function fakeHub(opts: {
  key?: string;
  refuseWs?: boolean;
  /** Token life (s): sent as `authenticated` after hello and after each `auth`, and enforced with a 4401 close. */
  expiresIn?: number;
  /** The next logins that fail at the network level (connection destroyed). */
  dropLogins?: number;
  /** Close every new socket at once with this code. */
  closeAtOnce?: number;
  /** The clock of the link under test: the hub's token expiry and login times run on it. */
  clock?: ManualClock;
} = {}) {
  const clock = opts.clock ?? new ManualClock();
  const received: ToHub[] = [];
  const sockets: WebSocket[] = [];
  const tokens: string[] = [];
  const logins: number[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      logins.push(clock.now());
      if (opts.dropLogins) {
        opts.dropLogins--;
        req.socket.destroy();
        return;
      }
      const { cabinId, key } = JSON.parse(body) as { cabinId: string; key: string };
      if (req.url !== '/api/cabin/token' || key !== (opts.key ?? 'k'.repeat(20))) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad-credentials', message: 'Wrong cabin key.' } }));
        return;
      }
      const token = `tok-${tokens.length}`;
      tokens.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expiresIn: opts.expiresIn ?? 900, role: 'cabin', id: cabinId, name: 'Cabin' }));
    });
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(HUB_SUBPROTOCOL) ? HUB_SUBPROTOCOL : false),
  });
  const protocolsSeen: string[][] = [];
  server.on('upgrade', (req, socket, head) => {
    protocolsSeen.push(String(req.headers['sec-websocket-protocol']).split(',').map((s) => s.trim()));
    if (opts.refuseWs) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      if (opts.closeAtOnce) {
        ws.close(opts.closeAtOnce, 'bad token');
        return;
      }
      let expiry: unknown;
      const authenticated = () => {
        if (opts.expiresIn === undefined) return;
        clock.clearTimeout(expiry);
        expiry = clock.setTimeout(() => ws.close(HUB_CLOSE.badToken, 'token expired'), opts.expiresIn * 1000);
        ws.send(JSON.stringify({ type: 'authenticated', expiresIn: opts.expiresIn }));
      };
      ws.on('close', () => clock.clearTimeout(expiry));
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as ToHub;
        received.push(m);
        if (m.type === 'auth' && tokens.includes(m.token)) authenticated();
      });
      ws.send(JSON.stringify({ type: 'hello', role: 'cabin', id: 'c1', name: 'Cabin' }));
      authenticated();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    sockets,
    tokens,
    logins,
    protocolsSeen,
    opts,
    clock,
    last: () => sockets[sockets.length - 1]!,
    send: (msg: unknown) => sockets[sockets.length - 1]!.send(JSON.stringify(msg)),
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const consultation = (over: Partial<ConsultationView> = {}): ConsultationView => ({
  consultationId: 'cons-1',
  state: 'waiting',
  cabinId: 'c1',
  cabinName: 'Cabin',
  doctorId: null,
  doctorName: null,
  language: 'fr',
  createdAt: 1,
  claimedAt: null,
  peerPresent: false,
  polite: false,
  iceServers: [],
  ...over,
});

async function until(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The link's clock moves only here: to its next timer once the I/O before it armed one within `withinMs`. */
async function nextTimer(clock: ManualClock, withinMs: number, limitAt = Infinity): Promise<boolean> {
  await until(() => (clock.nextAt() ?? Infinity) <= clock.now() + withinMs, 'the next timer');
  const at = clock.nextAt()!;
  if (at > limitAt) return false;
  clock.advance(at - clock.now());
  return true;
}

/** `ms` of the link's time, timer by timer (each armed within `withinMs` of the previous one). */
async function pass(clock: ManualClock, ms: number, withinMs: number): Promise<void> {
  const end = clock.now() + ms;
  while (await nextTimer(clock, withinMs, end));
  clock.advance(end - clock.now());
}

describe('HubLink (cabin main ⇄ hub)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  function link(url: string, key = 'k'.repeat(20), extra: { refusedRetryMs?: number; renewRetryMs?: number; clock?: ManualClock } = {}) {
    const clock = extra.clock ?? new ManualClock();
    const views: CallView[] = [];
    const signals: unknown[] = [];
    const audit: string[] = [];
    const l = new HubLink({
      url,
      cabinId: 'c1',
      cabinKey: key,
      onView: (v) => views.push(v),
      onSignal: (d) => signals.push(d),
      onAudit: (a, d) => audit.push(`${a}: ${d}`),
      backoff: { minMs: 20, maxMs: 80 },
      ...extra,
      clock,
    });
    cleanups.push(() => l.stop());
    return { l, views, signals, audit, clock, state: () => l.view().state };
  }

  it('sends the token as a subprotocol, never in the URL, and asks for a doctor only while the session wants one', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, state } = link(hub.url);
    l.start();
    await until(() => hub.sockets.length === 1, 'the connection');
    expect(hub.protocolsSeen[0]).toEqual([HUB_SUBPROTOCOL, `${BEARER_PREFIX}tok-0`]);
    await new Promise((r) => setTimeout(r, 50));
    expect(hub.received.filter((m) => m.type === 'request')).toHaveLength(0);
    expect(state()).toBe('idle');

    l.want('fr', 'visit-1');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    expect(hub.received.find((m) => m.type === 'request')).toEqual({ type: 'request', language: 'fr', visit: 'visit-1' });
    expect(state()).toBe('waiting');

    hub.send({ type: 'consultation', consultation: consultation() });
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorId: 'd1', doctorName: 'Dr Martin', peerPresent: true, iceServers: [{ urls: 'stun:x' }] }) });
    await until(() => state() === 'active', 'active');
    expect(l.view()).toMatchObject({ doctorName: 'Dr Martin', peerPresent: true, polite: false, iceServers: [{ urls: 'stun:x' }] });

    l.want(null, null, 'patient');
    await until(() => hub.received.some((m) => m.type === 'cancel'), 'the cancel');
    expect(hub.received.find((m) => m.type === 'cancel')).toEqual({ type: 'cancel', consultationId: 'cons-1', reason: 'patient' });
    expect(l.view()).toMatchObject({ state: 'idle', consultationId: null, iceServers: [] });
  });

  it('relays signaling both ways only within the active consultation', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, signals } = link(hub.url);
    l.start();
    l.want('en');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    expect(() => l.signal({ pc: 'a', hello: true })).toThrow(/no consultation/);
    hub.send({ type: 'signal', consultationId: 'cons-1', data: { pc: 'doc', hello: true } });
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorName: 'Dr M' }) });
    await until(() => l.view().state === 'active', 'active');
    expect(signals).toEqual([]); // the signal before the consultation was active is not passed on
    hub.send({ type: 'signal', consultationId: 'other', data: { pc: 'x', hello: true } });
    hub.send({ type: 'signal', consultationId: 'cons-1', data: { pc: 'doc', hello: true } });
    await until(() => signals.length === 1, 'the signal');
    expect(signals[0]).toEqual({ pc: 'doc', hello: true });
    l.signal({ pc: 'cab', description: { type: 'offer', sdp: 'v=0' } });
    await until(() => hub.received.some((m) => m.type === 'signal'), 'the relayed signal');
    expect(hub.received.find((m) => m.type === 'signal')).toEqual({ type: 'signal', consultationId: 'cons-1', data: { pc: 'cab', description: { type: 'offer', sdp: 'v=0' } } });
  });

  it('reconnects after the hub drops it, with a fresh token, and asks again when no consultation was taken', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, audit, views, clock } = link(hub.url);
    l.start();
    l.want('fr');
    await until(() => hub.received.filter((m) => m.type === 'request').length === 1, 'the first request');
    hub.last().terminate();
    await nextTimer(clock, 80);
    await until(() => hub.sockets.length === 2 && hub.received.filter((m) => m.type === 'request').length === 2, 'the reconnection');
    expect(hub.tokens).toEqual(['tok-0', 'tok-1']);
    expect(views.some((v) => v.state === 'connecting')).toBe(true);
    expect(audit.some((a) => a.startsWith('incident: hub connection lost'))).toBe(true);
  });

  it('keeps an active consultation across a reconnection (the hub sends it again) and shows the doctor ending it', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, audit, clock } = link(hub.url);
    l.start();
    l.want('fr');
    await until(() => hub.sockets.length === 1, 'the connection');
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorName: 'Dr M', peerPresent: true }) });
    await until(() => l.view().state === 'active', 'active');
    hub.last().terminate();
    await nextTimer(clock, 80);
    await until(() => hub.sockets.length === 2 && hub.last().readyState === 1, 'the reconnection');
    // It goes back into its consultation, and does not ask for a new one on top of it.
    await until(() => hub.received.some((m) => m.type === 'join'), 'the join');
    expect(hub.received.find((m) => m.type === 'join')).toEqual({ type: 'join', consultationId: 'cons-1' });
    expect(hub.received.filter((m) => m.type === 'request')).toHaveLength(1);
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorName: 'Dr M', peerPresent: true }) });
    hub.send({ type: 'ended', consultationId: 'cons-1', reason: 'ended' });
    await until(() => l.view().state === 'ended', 'ended');
    expect(audit).toContain('consultation: consultation cons-1 ended by the doctor');
  });

  it('a cabin main that restarted leaves what the hub still holds for it, saying "restart"; the next visit shows none of it', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l } = link(hub.url);
    l.start();
    await until(() => hub.sockets.length === 1 && hub.last().readyState === 1, 'the connection');
    // What the hub pushes on connection: the consultation of the visit the crash cut short.
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorId: 'd1', doctorName: 'Dr M', peerPresent: true, visit: 'before-crash' }) });
    await until(() => hub.received.some((m) => m.type === 'cancel'), 'the cancel');
    expect(hub.received.find((m) => m.type === 'cancel')).toEqual({ type: 'cancel', consultationId: 'cons-1', reason: 'restart' });
    l.want('en', 'next-visit');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorId: 'd1', doctorName: 'Dr M', peerPresent: true, visit: 'before-crash' }) });
    await until(() => hub.received.filter((m) => m.type === 'cancel').length === 2, 'the second cancel');
    expect(l.view()).toMatchObject({ state: 'waiting', consultationId: null, doctorName: null });
  });

  it('asks again when the hub dropped its waiting request while it was away', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, audit, clock } = link(hub.url);
    l.start();
    l.want('fr');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    hub.send({ type: 'consultation', consultation: consultation() });
    await until(() => l.view().consultationId === 'cons-1', 'the waiting consultation');
    hub.last().terminate();
    await nextTimer(clock, 80);
    await until(() => hub.received.some((m) => m.type === 'join'), 'the join after reconnecting');
    hub.send({ type: 'ended', consultationId: 'cons-1', reason: 'cancelled' });
    await until(() => hub.received.filter((m) => m.type === 'request').length === 2, 'a new request');
    expect(l.view().state).toBe('waiting');
    expect(audit).toContain('consultation: request cons-1 dropped by the hub; asking again');
  });

  it('is unavailable with a clear reason when the key is refused or the hub is down, and retries', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const bad = link(hub.url, 'wrong-key-wrong-key');
    bad.l.start();
    bad.l.want('fr');
    await until(() => bad.state() === 'unavailable', 'unavailable');
    expect(bad.l.view().error).toMatch(/refused this cabin's key \(Wrong cabin key\.\)/);

    const down = link('http://127.0.0.1:9'); // discard port: nothing listens
    down.l.start();
    down.l.want('fr');
    await until(() => down.state() === 'unavailable', 'unavailable');
    expect(down.l.view().error).toMatch(/cannot be reached/);
  });

  it('ignores invalid messages from the hub and records them', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, audit } = link(hub.url);
    l.start();
    l.want('fr');
    await until(() => hub.sockets.length === 1, 'the connection');
    hub.last().send('not json');
    hub.send({ type: 'consultation', consultation: { consultationId: 3 } });
    await until(() => audit.filter((a) => a.includes('invalid message')).length === 2, 'two incidents');
    expect(l.view().state).toBe('waiting');
  });
  it('renews its token on the open socket before it expires (a fresh login sent as `auth`), without reconnecting', async () => {
    const clock = new ManualClock();
    const hub = await fakeHub({ expiresIn: 0.6, clock });
    cleanups.push(hub.close);
    const { l, audit } = link(hub.url, undefined, { clock });
    l.start();
    l.want('fr');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    const t0 = clock.now();
    // Each renewal is armed once the link has the hub's `authenticated` (before the hub's own expiry at 600 ms).
    const renewal = async (n: number) => {
      await nextTimer(clock, 599);
      await until(() => hub.received.filter((m) => m.type === 'auth').length === n, `renewal ${n}`);
    };
    await renewal(1);
    const first = clock.now() - t0;
    // About 2/3 of 600 ms, well before the hub would close the socket.
    expect(first).toBeGreaterThan(250);
    expect(first).toBeLessThan(580);
    expect(hub.received.find((m) => m.type === 'auth')).toEqual({ type: 'auth', token: 'tok-1' });
    // Answered by `authenticated`, so it renews again, and again: the socket outlives several token lives.
    await renewal(2);
    await renewal(3);
    await until(() => hub.received.filter((m) => m.type === 'auth').length >= 3, 'more renewals', 4000);
    expect(hub.sockets).toHaveLength(1);
    expect(l.view().state).toBe('waiting');
    expect(audit.filter((a) => a.includes('connection lost'))).toEqual([]);
  });

  it('retries a renewal that hit a network error while the token is still valid', async () => {
    const clock = new ManualClock();
    const hub = await fakeHub({ expiresIn: 1.5, clock });
    cleanups.push(hub.close);
    const { l } = link(hub.url, undefined, { renewRetryMs: 100, clock });
    l.start();
    await until(() => hub.sockets.length === 1 && hub.logins.length === 1, 'the connection');
    hub.opts.dropLogins = 2;
    await nextTimer(clock, 1499); // the renewal, at 2/3 of the token's life
    for (let n = 2; n <= 3; n++) {
      await until(() => hub.logins.length === n, `renewal try ${n}`);
      await nextTimer(clock, 100); // its retry after the network error
    }
    await until(() => hub.received.some((m) => m.type === 'auth'), 'the renewal', 4000);
    expect(hub.logins.length).toBe(4); // the first login, two dropped renewals, the good one
    expect(hub.received.find((m) => m.type === 'auth')).toEqual({ type: 'auth', token: 'tok-1' });
    expect(hub.sockets).toHaveLength(1);
  });

  it('after a 4401 close (token expired) it logs in again and reconnects, with backoff, not in a tight loop', async () => {
    const clock = new ManualClock();
    const hub = await fakeHub({ closeAtOnce: HUB_CLOSE.badToken, clock });
    cleanups.push(hub.close);
    const { l, views } = link(hub.url, undefined, { clock });
    l.start();
    l.want('fr');
    await pass(clock, 600, 80);
    const n = hub.sockets.length;
    // Backoff 20…80 ms with jitter: at most ~600/(10+20+40+40…) sockets; a tight loop would make dozens.
    expect(n).toBeGreaterThan(2);
    expect(n).toBeLessThan(20);
    expect(hub.tokens).toHaveLength(n); // a fresh login for each
    const gaps = hub.logins.slice(1).map((t, i) => t - hub.logins[i]!);
    expect(gaps.slice(3).every((g) => g >= 35)).toBe(true); // backed off to 40…80 ms
    // Not an error to show: the next login says whether the cabin may come back.
    expect(views.some((v) => v.state === 'unavailable')).toBe(false);
    // The hub takes it again: back to asking for a doctor.
    hub.opts.closeAtOnce = undefined;
    await nextTimer(clock, 80);
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request after the 4401s');
    expect(l.view().state).toBe('waiting');
  });

  it('a key refused at renewal (revoked, cabin disabled) gives a clear error once the hub ends the socket, and is retried slowly', async () => {
    const clock = new ManualClock();
    const hub = await fakeHub({ expiresIn: 0.45, clock });
    cleanups.push(hub.close);
    const { l, audit } = link(hub.url, undefined, { refusedRetryMs: 400, clock });
    l.start();
    l.want('fr');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    hub.opts.key = 'another-key-another-key';
    await nextTimer(clock, 449); // the renewal at 300 ms
    await until(() => audit.some((a) => a.includes('token renewal refused')), 'the refused renewal');
    await nextTimer(clock, 450); // the hub's expiry at 450 ms
    await until(() => l.view().state === 'unavailable', 'unavailable after the 4401 close');
    expect(l.view().error).toMatch(/refused this cabin's key \(Wrong cabin key\.\)/);
    const before = hub.logins.length;
    await pass(clock, 900, 400);
    const tries = hub.logins.slice(before);
    expect(tries.length).toBeGreaterThanOrEqual(1);
    expect(tries.length).toBeLessThanOrEqual(3); // every 400 ms, not at the 20…80 ms backoff
    expect(hub.received.filter((m) => m.type === 'auth')).toHaveLength(0);
    // The key is valid again (e.g. the cabin re-enabled): it comes back by itself.
    hub.opts.key = undefined;
    await nextTimer(clock, 400);
    await until(() => l.view().state === 'waiting', 'waiting again', 3000);
    expect(l.view().error).toBeNull();
  });

  it('ignores `reported` (doctors only) without an incident', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const { l, audit } = link(hub.url);
    l.start();
    l.want('fr');
    await until(() => hub.sockets.length === 1, 'the connection');
    hub.send({ type: 'reported', ref: 'r1', consultationId: 'cons-1', count: 2 });
    hub.send({ type: 'authenticated', expiresIn: 900 });
    hub.send({ type: 'pong' });
    await new Promise((r) => setTimeout(r, 100));
    expect(audit.filter((a) => a.startsWith('incident'))).toEqual([]);
    expect(l.view().state).toBe('waiting');
  });

  it('records the visit a doctor took, sends outbox parts, and passes their answers to the delivery (a not-found there leaves the call alone)', async () => {
    const hub = await fakeHub();
    cleanups.push(hub.close);
    const answers: unknown[] = [];
    const active: [string, string][] = [];
    const left: [string, string][] = [];
    let opened = 0;
    const clock = new ManualClock();
    const l = new HubLink({
      url: hub.url,
      cabinId: 'c1',
      cabinKey: 'k'.repeat(20),
      onView: () => {},
      onSignal: () => {},
      onAudit: () => {},
      onActive: (visit, id) => active.push([visit, id]),
      onLeft: (visit, id) => left.push([visit, id]),
      onOpen: () => opened++,
      onReportAnswer: (m) => (answers.push(m), m.ref?.startsWith('outbox-') ?? false),
      clock,
    });
    cleanups.push(() => l.stop());
    l.start();
    l.want('fr', 'visit-1');
    await until(() => hub.received.some((m) => m.type === 'request'), 'the request');
    expect(opened).toBe(1);
    hub.send({ type: 'consultation', consultation: consultation({ state: 'active', doctorId: 'dr', doctorName: 'Dr', visit: 'visit-1' }) });
    await until(() => l.view().state === 'active', 'active');
    expect(active).toEqual([['visit-1', 'cons-1']]);

    const reading = { id: 'o1', deviceId: 'ox', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1 };
    expect(l.report('cons-0', [reading], 'outbox-1')).toBe(true);
    await until(() => hub.received.some((m) => m.type === 'report'), 'the part');
    expect(hub.received.find((m) => m.type === 'report')).toEqual({ type: 'report', ref: 'outbox-1', consultationId: 'cons-0', readings: [reading] });
    hub.send({ type: 'error', ref: 'outbox-1', code: 'not-found', message: 'There is no such consultation.' });
    hub.send({ type: 'reported', ref: 'outbox-2', consultationId: 'cons-0', count: 1 });
    await until(() => answers.length === 2, 'the answers');
    expect(answers).toEqual([expect.objectContaining({ type: 'error', ref: 'outbox-1' }), expect.objectContaining({ type: 'reported', ref: 'outbox-2' })]);
    expect(l.view()).toMatchObject({ state: 'active', consultationId: 'cons-1' });
    expect(left).toEqual([]);

    // The call ends: what the visit's outbox held was sent in it (the delivery sends it to cons-1, not a later one).
    hub.send({ type: 'ended', consultationId: 'cons-1', reason: 'ended' });
    await until(() => l.view().state !== 'active', 'the end');
    expect(left).toEqual([['visit-1', 'cons-1']]);
  });
});
