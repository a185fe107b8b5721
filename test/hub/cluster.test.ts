import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../../src/hub/cluster/redis-bus.ts';
import type { NetCheck } from '../../src/shared/netcheck.ts';
import { createHub, type Hub } from '../../src/hub/server.ts';
import { PrivatePostgres } from '../helpers/postgres.ts';
import { PrivateRedis, freePort } from '../helpers/redis.ts';
import { Client, PASSWORD, cabinToken, doctorToken, post, type TestHub } from './helpers.ts';

/**
 * Issue 14: three hub nodes on one PostgreSQL database and one Redis behave as one hub. Each node is a real createHub
 * with its own RedisBus (the test holds it, to kill a node abruptly: its bus first, so it says nothing to the others).
 * The heartbeat is long (20 s, as in production 15 s): whatever a test sees within seconds came through the bus, not
 * through a heartbeat asking the store.
 */

const SECRET = randomBytes(32);
const HEARTBEAT_MS = 20_000;
/** A waiting request's grace for its cabin: short, so a test sees it pass. */
const GRACE_MS = 1500;
let pg: PrivatePostgres;
let redis: PrivateRedis;
let dbUrl: string;
/** Cabin keys by id, shared by every node's TestHub (the accounts are made once, through node a). */
const keys: Record<string, string> = {};

interface Node {
  id: string;
  hub: Hub;
  bus: RedisBus;
  /** For the helpers' token functions: this node's URL, the shared keys, its own cache of doctor tokens. */
  t: TestHub;
}
const nodes = new Map<string, Node>();
/** The first test's consultation, ended: still whole after PostgreSQL restarts. */
let firstId = '';

async function startNode(id: string, o: { heartbeatMs?: number; presenceTtlS?: number } = {}): Promise<Node> {
  const bus = await RedisBus.connect(redis.url, id, { connectTimeoutMs: 5000, ...(o.presenceTtlS !== undefined && { presenceTtlS: o.presenceTtlS }) });
  const hub = await createHub({ dbPath: dbUrl, redisUrl: redis.url, bus, nodeId: id, jwtSecret: SECRET, heartbeatMs: o.heartbeatMs ?? HEARTBEAT_MS, waitingGraceMs: GRACE_MS });
  const n: Node = { id, hub, bus, t: { hub, dir: '', db: dbUrl, keys, tokens: new Map<string, string>(), close: () => hub.close() } as TestHub };
  nodes.set(id, n);
  return n;
}

const node = (id: string): Node => nodes.get(id)!;

/** A node dies: its link to Redis goes first (no presence news, its entries stay until they expire), then its sockets. */
async function kill(id: string): Promise<void> {
  const n = node(id);
  nodes.delete(id);
  await n.bus.close();
  await n.hub.close();
}

beforeAll(async () => {
  [pg, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
  dbUrl = await pg.createDatabase('cluster');
  const a = await startNode('a');
  for (const x of ['a', 'b', 'c', 'd']) await a.hub.store.addDoctor({ username: `dr.${x}`, name: `Dr ${x.toUpperCase()}`, password: PASSWORD });
  for (const id of ['cab-1', 'cab-2', 'cab-3', 'cab-4']) keys[id] = (await a.hub.store.addCabin({ id, name: `Cabin ${id}` })).key;
  await Promise.all([startNode('b'), startNode('c')]);
}, 60_000);

afterAll(async () => {
  for (const n of nodes.values()) await n.hub.close();
  await redis?.close();
  await pg?.stop();
}, 60_000);

const cand = (n: number) => ({ pc: 'pc-1', candidate: { candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${50000 + n} typ host`, sdpMid: '0', sdpMLineIndex: 0 } });

async function cabinOn(nodeId: string, cabinId: string): Promise<Client> {
  return Client.open(node(nodeId).hub.wsUrl, await cabinToken(node(nodeId).t, cabinId));
}

async function doctorOn(nodeId: string, username: string): Promise<Client> {
  return Client.open(node(nodeId).hub.wsUrl, await doctorToken(node(nodeId).t, username));
}

/** A cabin's request on one node claimed by a doctor on another: the consultation's id, both sides told it is active. */
async function active(cabin: Client, doc: Client, ref: string): Promise<string> {
  cabin.send({ type: 'request', ref, language: 'fr' });
  const id = (await cabin.next('consultation', (m) => m.ref === ref)).consultation.consultationId;
  await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince === undefined));
  doc.send({ type: 'claim', ref: `c-${ref}`, consultationId: id });
  expect((await doc.next('consultation', (m) => m.ref === `c-${ref}`)).consultation).toMatchObject({ state: 'active', peerPresent: true });
  expect((await cabin.next('consultation', (m) => m.consultation.state === 'active')).consultation).toMatchObject({ consultationId: id, peerPresent: true });
  return id;
}

/** `npm run hub -- serve` with `env`, on a free port; its exit code and output (the cases here all stop it at the start). */
function serveCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const root = resolve(import.meta.dirname, '../..');
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/hub/cli/main.ts', 'serve', '--port', '0', '--stop-with-stdin', 'yes'], {
      cwd: root,
      env: { ...process.env, ...env, HUB_JWT_SECRET: 'x'.repeat(40), HUB_NODE_ID: 'cli', LOG_LEVEL: 'error' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // A hub that started after all is stopped by closing its stdin (the test then fails on its exit code).
    const timer = setTimeout(() => child.stdin.end(), 20_000);
    child.on('close', (code) => (clearTimeout(timer), done({ code, stdout, stderr })));
  });
}

describe('three hub nodes on one PostgreSQL and one Redis', () => {
  it('a cabin on node a and a doctor on node b complete a consultation: queue, claim, signaling in order, report, end', async () => {
    const doc = await doctorOn('b', 'dr.a');
    await doc.next('queue');
    const cabin = await cabinOn('a', 'cab-1');
    // The cabin's network check, given to node a, is in node b's queue, and in node c's for a doctor connecting there.
    const check: NetCheck = { at: Date.now(), verdict: 'reduced', hubRttMs: 80, turn: { udp: true, tcp: true, tls: null }, pathRttMs: 240 };
    cabin.send({ type: 'request', ref: 'nc', language: 'fr', visit: 'nc', netcheck: check });
    const waitingId = (await cabin.next('consultation', (m) => m.ref === 'nc')).consultation.consultationId;
    const seen = await doc.next('queue', (m) => m.items.some((i) => i.consultationId === waitingId && i.netcheck !== undefined));
    expect(seen.items.find((i) => i.consultationId === waitingId)!.netcheck).toEqual(check);
    const late = await doctorOn('c', 'dr.b');
    expect((await late.next('queue')).items.find((i) => i.consultationId === waitingId)!.netcheck).toEqual(check);
    await late.close();
    cabin.send({ type: 'cancel', ref: 'x', consultationId: waitingId });
    await cabin.next('ended', (m) => m.ref === 'x');

    const started = Date.now();
    const id = await active(cabin, doc, 'r1');
    const setupMs = Date.now() - started;

    // Signaling both ways, each side's messages in the order it sent them.
    for (let i = 0; i < 20; i++) cabin.send({ type: 'signal', consultationId: id, data: cand(i) });
    for (let i = 0; i < 20; i++) doc.send({ type: 'signal', consultationId: id, data: cand(100 + i) });
    const atDoc: unknown[] = [];
    const atCabin: unknown[] = [];
    for (let i = 0; i < 20; i++) atDoc.push((await doc.next('signal')).data);
    for (let i = 0; i < 20; i++) atCabin.push((await cabin.next('signal')).data);
    expect(atDoc).toEqual(Array.from({ length: 20 }, (_, i) => cand(i)));
    expect(atCabin).toEqual(Array.from({ length: 20 }, (_, i) => cand(100 + i)));

    // The doctor's report in parts, then the end with its own readings.
    const part = Array.from({ length: 50 }, (_, i) => ({ id: `o${i}`, code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 95 + (i % 4), unit: '%', t: 1000 + i }));
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: part });
    expect(await doc.next('reported', (m) => m.ref === 'p1')).toMatchObject({ count: 50 });
    const last = [{ id: 'pulse', code: 'MDC_PULS_OXIM_PULS_RATE' as const, value: 72, unit: '/min', t: 5000 }];
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Vu à distance.', readings: last });
    expect(await doc.next('ended', (m) => m.ref === 'e')).toMatchObject({ consultationId: id, reason: 'ended' });
    expect(await cabin.next('ended')).toMatchObject({ consultationId: id, reason: 'ended' });
    // Node a relayed the cabin's signals from memory; the end written on node b reached it (news), so a signal now is
    // refused there rather than relayed into the ended call.
    cabin.send({ type: 'signal', consultationId: id, data: cand(999) });
    expect(await cabin.next('error')).toMatchObject({ code: 'not-active' });
    expect(doc.pending.filter((m) => m.type === 'signal')).toEqual([]);
    // Read through node c: the same database.
    const report = await node('c').hub.store.report(id);
    expect(report).toMatchObject({ state: 'ended', notes: 'Vu à distance.', cabin: { id: 'cab-1' }, doctor: { id: 'dr.a' } });
    firstId = id;
    expect(report!.readings).toHaveLength(51);
    expect(report!.incidents).toEqual([]);
    console.log(`cross-node request → claim → both told: ${setupMs} ms`);
    await Promise.all([cabin.close(), doc.close()]);
  });

  it('two doctors on two nodes claiming the same waiting consultation at once: exactly one wins, the other is told, 20 times', async () => {
    const cabin = await cabinOn('a', 'cab-2');
    const d1 = await doctorOn('b', 'dr.b');
    const d2 = await doctorOn('c', 'dr.c');
    const wins = { 'dr.b': 0, 'dr.c': 0 };
    for (let round = 0; round < 20; round++) {
      cabin.send({ type: 'request', ref: `r${round}`, language: 'fr', visit: `v${round}` });
      const id = (await cabin.next('consultation', (m) => m.ref === `r${round}`)).consultation.consultationId;
      await Promise.all([d1, d2].map((d) => d.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince === undefined))));
      d1.send({ type: 'claim', ref: `k${round}`, consultationId: id });
      d2.send({ type: 'claim', ref: `k${round}`, consultationId: id });
      const answers = await Promise.all(
        [d1, d2].map((d) => Promise.race([d.next('consultation', (m) => m.ref === `k${round}`), d.next('error', (m) => m.ref === `k${round}`)])),
      );
      const won = answers.filter((a) => a.type === 'consultation');
      const lost = answers.filter((a) => a.type === 'error');
      expect(won).toHaveLength(1);
      expect(lost).toMatchObject([{ code: 'already-claimed' }]);
      const winner = answers[0]!.type === 'consultation' ? d1 : d2;
      const stored = await node('a').hub.store.consultation(id);
      expect(stored).toMatchObject({ state: 'active', doctorId: winner === d1 ? 'dr.b' : 'dr.c' });
      wins[stored!.doctorId as 'dr.b' | 'dr.c']++;
      await cabin.next('consultation', (m) => m.consultation.consultationId === id && m.consultation.state === 'active');
      winner.send({ type: 'end', ref: `e${round}`, consultationId: id, notes: '', readings: [] });
      await winner.next('ended', (m) => m.ref === `e${round}`);
      await cabin.next('ended', (m) => m.consultationId === id);
      // Leftover frames of the round (the loser's late queue frames) are not the next round's.
      for (const d of [d1, d2]) d.pending.splice(0);
    }
    console.log(`claim race wins: ${JSON.stringify(wins)}`);
    expect(wins['dr.b'] + wins['dr.c']).toBe(20);
    await Promise.all([cabin.close(), d1.close(), d2.close()]);
  }, 60_000);

  it('logout on one node closes that session’s sockets on every node at once, and only them', async () => {
    const other = await cabinOn('c', 'cab-4');
    for (const where of ['b', 'c']) {
      const login = await post(`${node('a').hub.url}/api/login`, { username: 'dr.d', password: PASSWORD });
      const token = (login.json as unknown as { token: string }).token;
      const doc = await Client.open(node(where).hub.wsUrl, token);
      await doc.next('queue');
      const t0 = Date.now();
      const out = await post(`${node('a').hub.url}/api/logout`, {}, { Authorization: `Bearer ${token}` });
      expect(out.json).toMatchObject({ ended: true });
      expect((await doc.closed).code).toBe(4401);
      // Well before any heartbeat (20 s) could have found the session ended in the store.
      expect(Date.now() - t0).toBeLessThan(3000);
    }
    expect(other.ws.readyState).toBe(other.ws.OPEN);
    await other.close();
  });

  it('the same account connecting on another node replaces its older socket there (4409), its consultation carrying on', async () => {
    const doc = await doctorOn('a', 'dr.a');
    const cabin = await cabinOn('b', 'cab-3');
    const id = await active(cabin, doc, 'rep');
    const cabin2 = await cabinOn('c', 'cab-3');
    expect((await cabin.closed).code).toBe(4409);
    expect((await cabin2.next('consultation', (m) => m.consultation.consultationId === id)).consultation).toMatchObject({ state: 'active', peerPresent: true });
    cabin2.send({ type: 'signal', consultationId: id, data: cand(7) });
    expect((await doc.next('signal')).data).toEqual(cand(7));
    doc.send({ type: 'signal', consultationId: id, data: cand(8) });
    expect((await cabin2.next('signal')).data).toEqual(cand(8));
    // Not a departure: no « disconnected » incident, the cabin never shown away to the doctor.
    expect((await node('a').hub.store.report(id))!.incidents.filter((i) => /disconnected/.test(i.detail))).toEqual([]);
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await cabin2.next('ended');
    await Promise.all([cabin2.close(), doc.close()]);
  });

  it('a waiting cabin that drops on node a is offline on b and cannot be claimed; back on c it can; gone, it is cancelled once', async () => {
    const doc = await doctorOn('b', 'dr.a');
    await doc.next('queue');
    const cabin = await cabinOn('a', 'cab-1');
    cabin.send({ type: 'request', ref: 'w1', language: 'fr', visit: 'w1' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'w1')).consultation.consultationId;
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince === undefined));
    cabin.ws.terminate();
    const offline = await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince !== undefined));
    expect(offline.items.find((i) => i.consultationId === id)!.offlineSince).toBeLessThanOrEqual(Date.now());
    doc.send({ type: 'claim', ref: 'k1', consultationId: id });
    expect(await doc.next('error', (m) => m.ref === 'k1')).toMatchObject({ code: 'cabin-offline' });

    // Back through another node within the grace: online in node b's queue, and node a's grace does not cancel it.
    const back = await cabinOn('c', 'cab-1');
    await back.next('consultation', (m) => m.consultation.consultationId === id && m.consultation.state === 'waiting');
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince === undefined));
    await sleep(GRACE_MS + 1000);
    expect((await node('b').hub.store.consultation(id))!.state).toBe('waiting');
    doc.pending.splice(0);
    doc.send({ type: 'claim', ref: 'k2', consultationId: id });
    expect((await doc.next('consultation', (m) => m.ref === 'k2')).consultation).toMatchObject({ state: 'active', peerPresent: true });
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await back.next('ended');

    // Another request, and the cabin goes for good: node c, which held it, cancels it after the grace; once.
    back.send({ type: 'request', ref: 'w2', language: 'fr', visit: 'w2' });
    const id2 = (await back.next('consultation', (m) => m.ref === 'w2')).consultation.consultationId;
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id2 && i.offlineSince === undefined));
    doc.pending.splice(0);
    back.ws.terminate();
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id2 && i.offlineSince !== undefined));
    await doc.next('queue', (m) => !m.items.some((i) => i.consultationId === id2), GRACE_MS + 5000);
    const report = await node('a').hub.store.report(id2);
    expect(report).toMatchObject({ state: 'cancelled' });
    expect(report!.incidents.map((i) => i.detail)).toEqual(['cancelled: the cabin left the queue']);
    await doc.close();
  }, 20_000);

  it('a node dies holding cabins: another node finds their entries expired, tells its doctor the cabin is away, shows a waiting one offline and cancels it', async () => {
    // Two more nodes with a fast heartbeat; x's presence entries live 2 s without it (5 beats: a loaded machine's late
    // beat does not let them lapse while x lives).
    const x = await startNode('x', { heartbeatMs: 400, presenceTtlS: 2 });
    await startNode('y', { heartbeatMs: 400 });
    const doc = await doctorOn('y', 'dr.d');
    await doc.next('queue');
    // And an active consultation: its cabin on x, its doctor on y.
    const activeCabin = await Client.open(x.hub.wsUrl, await cabinToken(x.t, 'cab-2'));
    const activeDoc = await doctorOn('y', 'dr.c');
    await activeDoc.next('queue');
    const activeId = await active(activeCabin, activeDoc, 'x0');
    const cabin = await Client.open(x.hub.wsUrl, await cabinToken(x.t, 'cab-4'));
    cabin.send({ type: 'request', ref: 'x1', language: 'fr' });
    const id = (await cabin.next('consultation', (m) => m.ref === 'x1')).consultation.consultationId;
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince === undefined));
    doc.pending.splice(0);
    activeDoc.pending.splice(0);
    const t0 = Date.now();
    await kill('x');
    // The doctor on y is told the cabin is away, though x could not say it.
    expect((await activeDoc.next('consultation', (m) => m.consultation.consultationId === activeId, 10_000)).consultation).toMatchObject({ state: 'active', peerPresent: false });
    const back = await cabinOn('y', 'cab-2');
    expect((await activeDoc.next('consultation', (m) => m.consultation.consultationId === activeId)).consultation).toMatchObject({ state: 'active', peerPresent: true });
    activeDoc.send({ type: 'end', ref: 'e', consultationId: activeId, notes: '', readings: [] });
    await back.next('ended');
    await Promise.all([back.close(), activeDoc.close()]);
    // No news from x: node y's heartbeat finds the entry gone (2 s), shows the cabin offline, then its grace runs.
    await doc.next('queue', (m) => m.items.some((i) => i.consultationId === id && i.offlineSince !== undefined), 10_000);
    const offlineMs = Date.now() - t0;
    await doc.next('queue', (m) => !m.items.some((i) => i.consultationId === id), GRACE_MS + 5000);
    const report = await node('a').hub.store.report(id);
    expect(report).toMatchObject({ state: 'cancelled' });
    expect(report!.incidents.map((i) => i.detail)).toEqual(['cancelled: the cabin left the queue']);
    console.log(`node died: its waiting cabin offline on another node after ${offlineMs} ms, cancelled after ${Date.now() - t0} ms`);
    await doc.close();
    await kill('y');
  }, 45_000);

  it('serve with HUB_REDIS_URL: a URL that is not Redis, Redis without PostgreSQL, and an unreachable Redis are refused clearly, without the password', async () => {
    const port = await freePort();
    const cases: [Record<string, string>, RegExp][] = [
      [{ HUB_REDIS_URL: 'http://user:hunter22@127.0.0.1:6379', HUB_DATABASE_URL: dbUrl }, /HUB_REDIS_URL must start with redis:\/\/ or rediss:\/\//],
      [{ HUB_REDIS_URL: 'not a url hunter22', HUB_DATABASE_URL: dbUrl }, /HUB_REDIS_URL is not a URL/],
      [{ HUB_REDIS_URL: `redis://:hunter22@127.0.0.1:${port}`, HUB_DATABASE_URL: resolve(pg.dir, 'not-pg.db') }, /sharing a PostgreSQL database/],
      [{ HUB_REDIS_URL: `redis://:hunter22@127.0.0.1:${port}`, HUB_DATABASE_URL: dbUrl }, new RegExp(`Cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`)],
    ];
    for (const [env, expected] of cases) {
      const out = await serveCli(env);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(expected);
      expect(out.stderr + out.stdout).not.toContain('hunter22');
    }
  }, 60_000);

  it('Redis restarted (empty): presence and routing recover, a signal is relayed across nodes after it', async () => {
    const cabin = await cabinOn('a', 'cab-1');
    const doc = await doctorOn('b', 'dr.a');
    await doc.next('queue');
    const id = await active(cabin, doc, 'redis');
    const t0 = Date.now();
    await redis.restart();
    // The protocol resends until acknowledged: the doctor's side tries until the cabin has one.
    let n = 0;
    let got: unknown;
    while (got === undefined) {
      expect(Date.now() - t0).toBeLessThan(15_000);
      doc.send({ type: 'signal', consultationId: id, data: cand(n++) });
      got = await cabin.next('signal', () => true, 500).then((m) => m.data, () => undefined);
    }
    const recoveredMs = Date.now() - t0;
    // Routing works again, both ways and at once.
    cabin.send({ type: 'signal', consultationId: id, data: cand(900) });
    expect((await doc.next('signal', (m) => JSON.stringify(m.data) === JSON.stringify(cand(900)))).data).toEqual(cand(900));
    doc.send({ type: 'signal', consultationId: id, data: cand(901) });
    expect((await cabin.next('signal', (m) => JSON.stringify(m.data) === JSON.stringify(cand(901)))).data).toEqual(cand(901));
    // Presence claimed again: a cabin's request on node c is claimable from node b (its cabin is online).
    expect(await node('c').bus.where({ role: 'cabin', id: 'cab-1' })).toBe('a');
    expect(await node('c').bus.where({ role: 'doctor', id: 'dr.a' })).toBe('b');
    console.log(`Redis restart: a signal relayed again after ${recoveredMs} ms (${n} tries)`);
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: '', readings: [] });
    await cabin.next('ended');
    await Promise.all([cabin.close(), doc.close()]);
  }, 30_000);

  it('PostgreSQL restarted: a request meanwhile fails clearly, then works again; nothing committed is lost', async () => {
    const cabin = await cabinOn('c', 'cab-2');
    const doc = await doctorOn('a', 'dr.b');
    await doc.next('queue');
    const id = await active(cabin, doc, 'pg');
    const part = [{ id: 'before', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 1 }];
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: part });
    await doc.next('reported', (m) => m.ref === 'p1');

    await pg.halt();
    const t0 = Date.now();
    doc.send({ type: 'report', ref: 'p2', consultationId: id, readings: [{ id: 'during', code: 'MDC_PULS_OXIM_SAT_O2', value: 96, unit: '%', t: 2 }] });
    expect(await doc.next('error', (m) => m.ref === 'p2', 15_000)).toMatchObject({ code: 'internal', message: 'The hub failed to handle this message: try again.' });
    const failedMs = Date.now() - t0;
    // The sockets stay open meanwhile (the hub does not drop its clients for a database restart).
    expect(doc.ws.readyState).toBe(doc.ws.OPEN);
    await pg.resume();

    // The client tries again (its outbox): the same part is taken now.
    doc.send({ type: 'report', ref: 'p3', consultationId: id, readings: [{ id: 'during', code: 'MDC_PULS_OXIM_SAT_O2', value: 96, unit: '%', t: 2 }] });
    expect(await doc.next('reported', (m) => m.ref === 'p3', 10_000)).toMatchObject({ count: 1 });
    cabin.send({ type: 'signal', consultationId: id, data: cand(1) });
    expect((await doc.next('signal')).data).toEqual(cand(1));
    doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Après le redémarrage.', readings: [] });
    await doc.next('ended', (m) => m.ref === 'e');
    const report = await node('b').hub.store.report(id);
    expect(report).toMatchObject({ state: 'ended', notes: 'Après le redémarrage.' });
    expect(report!.readings.map((r) => r.id)).toEqual(['before', 'during']);
    // The first test's consultation, committed long before, is all there.
    const first = await node('b').hub.store.report(firstId);
    expect(first).toMatchObject({ state: 'ended', notes: 'Vu à distance.' });
    expect(first!.readings).toHaveLength(51);
    console.log(`PostgreSQL down: the request failed after ${failedMs} ms`);
    await Promise.all([cabin.close(), doc.close()]);
  }, 40_000);

  it('a node killed mid-consultation: both sides reconnect to other nodes and resume, nothing of the report lost', async () => {
    const cabin = await cabinOn('a', 'cab-3');
    const doc = await doctorOn('a', 'dr.c');
    await doc.next('queue');
    const id = await active(cabin, doc, 'kill');
    const first = Array.from({ length: 30 }, (_, i) => ({ id: `k${i}`, code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 96, unit: '%', t: 100 + i }));
    doc.send({ type: 'report', ref: 'p1', consultationId: id, readings: first });
    await doc.next('reported', (m) => m.ref === 'p1');

    const t0 = Date.now();
    await kill('a');
    await Promise.all([cabin.closed, doc.closed]);
    // Through the load balancer: the cabin lands on b, the doctor on c.
    const cabin2 = await cabinOn('b', 'cab-3');
    const doc2 = await doctorOn('c', 'dr.c');
    expect((await cabin2.next('consultation', (m) => m.consultation.consultationId === id)).consultation).toMatchObject({ state: 'active' });
    await doc2.next('consultation', (m) => m.consultation.consultationId === id && m.consultation.peerPresent);
    // Signaling resumes (the sides say hello again) across the two surviving nodes.
    cabin2.send({ type: 'signal', consultationId: id, data: { pc: 'pc-2', hello: true } });
    expect((await doc2.next('signal')).data).toEqual({ pc: 'pc-2', hello: true });
    doc2.send({ type: 'signal', consultationId: id, data: cand(3) });
    expect((await cabin2.next('signal')).data).toEqual(cand(3));
    const resumedMs = Date.now() - t0;
    // The console sends again what it was not sure of (its outbox) and the rest; the end.
    const second = Array.from({ length: 30 }, (_, i) => ({ id: `k${30 + i}`, code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 200 + i }));
    doc2.send({ type: 'report', ref: 'p2', consultationId: id, readings: [...first.slice(20), ...second] });
    expect(await doc2.next('reported', (m) => m.ref === 'p2')).toMatchObject({ count: 30 });
    doc2.send({ type: 'end', ref: 'e', consultationId: id, notes: 'Repris sur un autre nœud.', readings: [{ id: 'final', code: 'MDC_PULS_OXIM_PULS_RATE', value: 70, unit: '/min', t: 300 }] });
    await doc2.next('ended', (m) => m.ref === 'e');
    await cabin2.next('ended');
    const report = await node('b').hub.store.report(id);
    expect(report).toMatchObject({ state: 'ended', notes: 'Repris sur un autre nœud.' });
    expect((await node('b').hub.store.consultation(id))!.cabinLeftAt).toBeNull();
    expect(report!.readings.map((r) => r.id).sort()).toEqual([...first, ...second].map((r) => r.id).concat('final').sort());
    console.log(`node killed: both sides resumed on b and c after ${resumedMs} ms`);
    await Promise.all([cabin2.close(), doc2.close()]);
    await startNode('a');
  }, 30_000);
});
