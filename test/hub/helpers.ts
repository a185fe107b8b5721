import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect } from 'vitest';
import { BEARER_PREFIX, FromHubSchema, HUB_SUBPROTOCOL, TokenAnswerSchema, type FromHub, type ToHub } from '../../src/shared/hub-protocol.ts';
import { settle } from '../../src/hub/consultation/commit.ts';
import { transition, type Actor, type Input } from '../../src/hub/consultation/transition.ts';
import { createHub, type Hub, type HubOptions } from '../../src/hub/server.ts';
import { settle as settleIo, type ManualClock } from '../helpers/manual-clock.ts';
import { HubStore } from '../../src/hub/store.ts';
import { QueueView } from '../../src/shared/queue-view.ts';
import { testDatabase } from '../helpers/hub-db.ts';

export const PASSWORD = 'correct horse battery';

export interface TestHub {
  hub: Hub;
  dir: string;
  /** The hub's database (a SQLite file in `dir`, or a PostgreSQL database of this run): a restart opens it again. */
  db: string;
  /** Cabin keys by id. */
  keys: Record<string, string>;
  /** Tokens already issued, reused while the hub runs on the system clock (each login costs a scrypt). */
  tokens: Map<string, string> | undefined;
  close(): Promise<void>;
}

/** A hub on an ephemeral port in a temp folder, with doctors dr.a, dr.b, dr.c (password PASSWORD) and cabins cab-1…cab-3. */
export async function startHub(opts: Partial<HubOptions> = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
  const db = await testDatabase(dir);
  const hub = await createHub({ dbPath: db, ...opts });
  await Promise.all(['a', 'b', 'c'].map((x) => hub.store.addDoctor({ username: `dr.${x}`, name: `Dr ${x.toUpperCase()}`, password: PASSWORD })));
  const keys: Record<string, string> = {};
  for (const id of ['cab-1', 'cab-2', 'cab-3']) keys[id] = (await hub.store.addCabin({ id, name: `Cabin ${id}` })).key;
  return {
    hub,
    dir,
    db,
    keys,
    tokens: opts.clock === undefined ? new Map() : undefined,
    close: async () => {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An API answer: a value, or `{ error }` (typed loosely so a test can look at either). */
type ApiJson = Record<string, unknown> & { error: { code: string; message: string } };

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: ApiJson }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as ApiJson };
}

export interface ApiAnswer {
  status: number;
  json: ApiJson;
  /** Set-Cookie lines of the answer. */
  cookies: string[];
  headers: IncomingHttpHeaders;
}

/**
 * An HTTP call with what fetch cannot do: a Cookie and a Host header of the test's choice, and a local source address
 * (anything in 127.0.0.0/8 reaches the hub on 127.0.0.1 from another client address).
 */
export function api(
  url: string,
  opts: { method?: string; body?: unknown; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? '' : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    const req = request(
      url,
      {
        method: opts.method ?? 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)), ...opts.headers },
        ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as ApiJson, cookies: res.headers['set-cookie'] ?? [], headers: res.headers });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** The `name=value` of a Set-Cookie line, to send back in a Cookie header. */
export const cookiePair = (setCookie: string): string => setCookie.split(';')[0]!;

/** The claims of a token, unchecked (the test's view of what the hub signed). */
export function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export async function doctorToken(t: TestHub, username: string): Promise<string> {
  const cached = t.tokens?.get(username);
  if (cached) return cached;
  const r = await post(`${t.hub.url}/api/login`, { username, password: PASSWORD });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.json)}`);
  const token = TokenAnswerSchema.parse(r.json).token;
  t.tokens?.set(username, token);
  return token;
}

export async function cabinToken(t: TestHub, cabinId: string): Promise<string> {
  const r = await post(`${t.hub.url}/api/cabin/token`, { cabinId, key: t.keys[cabinId] });
  if (r.status !== 200) throw new Error(`cabin token ${cabinId}: ${r.status}`);
  return TokenAnswerSchema.parse(r.json).token;
}

type Msg<T extends FromHub['type']> = Extract<FromHub, { type: T }>;

/**
 * The hub's clock leaps by `ms` (its timers due on the way run once, the heartbeat included), then the sockets
 * answer that heartbeat's pings, so that the next leap does not find them silent.
 */
export async function leap(clock: ManualClock, ms: number): Promise<void> {
  clock.jump(ms);
  await settleIo(5);
}

/** A real `ws` client that checks every frame against FromHubSchema and lets a test await the next one of a type. */
export class Client {
  /** Frames not yet taken by next(). */
  readonly pending: FromHub[] = [];
  readonly invalid: string[] = [];
  /**
   * The doctor's queue, kept as the console keeps it (src/shared/queue-view.ts): every `queue` and `queue-delta` frame
   * reaches next('queue') as the whole queue it makes.
   */
  readonly queue = new QueueView();
  /** Queue deltas that did not build on the edition held (none from a hub that works right). */
  readonly gaps: FromHub[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { match: (m: FromHub) => boolean; resolve: (m: FromHub) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const parsed = FromHubSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) return void this.invalid.push(String(data));
      let m = parsed.data;
      if (m.type === 'queue' || m.type === 'queue-delta') {
        // What a doctor sees: the whole queue after each frame (a delta applied to the view, as the console does).
        const result = this.queue.apply(m);
        if (result === 'gap') {
          // As the console does: ask for the whole queue again (and keep the frame, for a test to see).
          this.gaps.push(m);
          this.send({ type: 'queue-resync' });
        }
        if (result !== 'changed') return;
        m = { type: 'queue', items: [...this.queue.items], rev: this.queue.rev };
      }
      const i = this.waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.pending.push(m);
    });
  }

  static open(url: string, token: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, [HUB_SUBPROTOCOL, BEARER_PREFIX + token]);
      const c = new Client(ws);
      ws.once('open', () => resolve(c));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /**
   * The next frame of `type` for which `pred` holds. A `queue` frame is the whole queue at a moment: once one is taken,
   * the older ones still pending are passed over (a burst of requests may reach a doctor as several editions, and a
   * later next('queue') must not take a queue older than the one already seen; a fresh-clone CI run did).
   */
  next<T extends FromHub['type']>(type: T, pred: (m: Msg<T>) => boolean = () => true, timeoutMs = 3000): Promise<Msg<T>> {
    const match = (m: FromHub) => m.type === type && pred(m as Msg<T>);
    const passOver = (before: number): void => {
      if (type !== 'queue') return;
      for (let j = before - 1; j >= 0; j--) if (this.pending[j]!.type === 'queue') this.pending.splice(j, 1);
    };
    const i = this.pending.findIndex(match);
    if (i >= 0) {
      const m = this.pending.splice(i, 1)[0] as Msg<T>;
      passOver(i);
      return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const w = { match, resolve: (m: FromHub) => (clearTimeout(timer), passOver(this.pending.length), resolve(m as Msg<T>)) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no "${type}" frame within ${timeoutMs} ms; pending: ${JSON.stringify(this.pending).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  send(m: ToHub | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(m));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** The HTTP status of a refused upgrade, or 'open' if the hub accepted it. */
export function tryUpgrade(url: string, protocols: string[]): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => (ws.close(), resolve('open')));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** A cabin that asked for a doctor and a doctor that claimed it: an active consultation. */
export async function activeConsultation(t: TestHub, cabinId: string, doctor: string): Promise<{ cabin: Client; doc: Client; id: string }> {
  const cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, cabinId));
  const doc = await Client.open(t.hub.wsUrl, await doctorToken(t, doctor));
  cabin.send({ type: 'request', ref: 'r1', language: 'fr' });
  const waiting = await cabin.next('consultation', (m) => m.ref === 'r1');
  const id = waiting.consultation.consultationId;
  doc.send({ type: 'claim', ref: 'c1', consultationId: id });
  await doc.next('consultation', (m) => m.ref === 'c1' && m.consultation.state === 'active');
  await cabin.next('consultation', (m) => m.consultation.state === 'active');
  return { cabin, doc, id };
}

/**
 * A cabin's request or a message naming a consultation, applied to the store as the relay applies it: read (the
 * cabin's open consultation for a request), transition, compare-and-set. `out.next` is what was written, if anything.
 * Every cabin counts as connected here (no relay: presence is the relay's, tested in presence.test.ts).
 */
export function apply(store: HubStore, actor: Actor, input: Extract<Input, { type: 'request' } | { consultationId: string }>): ReturnType<typeof settle> {
  const read = async () => ('consultationId' in input ? store.consultation(input.consultationId) : ((await store.openFor('cabin', actor.id))[0] ?? null));
  return settle(store, read, (c) => transition(c, actor, input, { now: Math.floor(store.now()), newId: randomUUID, cabinOnline: () => true }));
}

/** Cabin cab-1 and doctor dr.a as the store's transitions see them. */
export const CAB_1: Actor = { role: 'cabin', id: 'cab-1', name: 'Cabin 1' };
export const DR_A: Actor = { role: 'doctor', id: 'dr.a', name: 'Dr A' };

/** Makes fresh hub.db paths, each in its own temporary folder (named from `prefix`), removed after each test of the calling file. */
export function tempDbs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return join(dir, 'hub.db');
  };
}

/**
 * A store with doctor dr.a and cabin cab-1, and one consultation of cab-1 that dr.a claimed: active. On `file` (a SQLite
 * file, for what is about the file itself), else on this run's engine (test/helpers/hub-db.ts).
 */
export async function activeStore(file?: string): Promise<{ store: HubStore; id: string }> {
  const store = await HubStore.open(file ?? (await testDatabase(null)));
  await store.addDoctor({ username: 'dr.a', name: 'Dr A', password: PASSWORD });
  await store.addCabin({ id: 'cab-1', name: 'Cabin 1' });
  const id = (await apply(store, CAB_1, { type: 'request', language: 'fr' })).out.next!.id;
  expect((await apply(store, DR_A, { type: 'claim', consultationId: id })).out.next?.state).toBe('active');
  return { store, id };
}
