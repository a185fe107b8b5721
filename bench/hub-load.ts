import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { systemClock } from '../src/shared/clock.ts';
import { BEARER_PREFIX, HUB_SUBPROTOCOL, type Role } from '../src/shared/hub-protocol.ts';
import { HubStore } from '../src/hub/store.ts';
import { Tokens } from '../src/hub/tokens.ts';
import { machineLoad } from './call.ts';
import { printTable, writeResult } from './report.ts';

/**
 * `npm run bench -- hub-load [--cabins C] [--doctors D] [--consultations K] [--rate M] [--seconds S] [--burst B]`
 * (issue 14): one hub node on SQLite, in its own process, and a load generator in this one. C cabins and D doctors
 * connect over WebSocket and speak the real protocol (no browser); K cabins ask for a doctor, spread over the ramp,
 * a doctor claims each one; the K pairs exchange signaling (M messages/s in all) and the doctors send report parts
 * every 5 s for S seconds; then a burst of B more requests (the queue's worst moment), and every consultation ends.
 *
 * Measured: connected sockets held, relayed signaling latency (sent by one side → received by the other, both here),
 * claim latency (claim → the doctor's `consultation` answer), queue update latency (a cabin's request → a `queue`
 * frame holding it at each observing doctor: a sample of 200 doctors spread over the connection order, the last
 * connected included, since parsing every doctor's frames would make this process the bottleneck), the hub's CPU and
 * memory, errors. The hub's 15 s heartbeat runs during the run (it is one of the costs being measured).
 *
 * Accounts are written into the hub's database before it starts and tokens are signed here with the hub's secret
 * (HUB_JWT_SECRET): 12 000 logins would measure scrypt, not the hub.
 */

export interface HubLoadOptions {
  cabins: number;
  doctors: number;
  consultations: number;
  /** Signaling messages per second, all consultations together. */
  rate: number;
  seconds: number;
  burst: number;
}

interface Peer {
  role: Role;
  id: string;
  ws: WebSocket;
  /** Whether this doctor parses its queue frames for the queue latency. */
  observes: boolean;
}

const SAMPLE_OBSERVERS = 200;
const CONNECT_PARALLEL = 200;
const REPORT_EVERY_MS = 5_000;

/** A free TCP port on the loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The hub's database with C cabins and D doctors, each with an open login session (the tokens' `sid`). The first of
 * each is made by the store (its hashing, its checks); the others copy its hash in one transaction: they never log
 * in with a password or key here, and 10 000 one-by-one logins would take minutes.
 */
async function prepare(dbPath: string, cabins: number, doctors: number): Promise<{ cabinSids: string[]; doctorSids: string[] }> {
  const store = await HubStore.open(dbPath);
  await store.addDoctor({ username: 'dr-0', name: 'Dr 0', password: 'bench password 0' });
  await store.addCabin({ id: 'cab-0', name: 'Cabin 0' });
  store.close();
  const db = new Database(dbPath);
  const cabinSids = Array.from({ length: cabins }, () => randomBytes(16).toString('base64url'));
  const doctorSids = Array.from({ length: doctors }, () => randomBytes(16).toString('base64url'));
  db.transaction(() => {
    const doctor = db.prepare("INSERT INTO doctors (id, name, password_hash, created_at) SELECT ?, ?, password_hash, created_at FROM doctors WHERE id = 'dr-0'");
    for (let i = 1; i < doctors; i++) doctor.run(`dr-${i}`, `Dr ${i}`);
    const cabin = db.prepare("INSERT INTO cabins (id, name, key_hash, created_at) SELECT ?, ?, key_hash, created_at FROM cabins WHERE id = 'cab-0'");
    for (let i = 1; i < cabins; i++) cabin.run(`cab-${i}`, `Cabin ${i}`);
    const session = db.prepare('INSERT INTO sessions (id, role, subject, refresh_hash, created_at) VALUES (?, ?, ?, NULL, ?)');
    const now = Date.now();
    cabinSids.forEach((sid, i) => session.run(sid, 'cabin', `cab-${i}`, now));
    doctorSids.forEach((sid, i) => session.run(sid, 'doctor', `dr-${i}`, now));
  })();
  db.close();
  return { cabinSids, doctorSids };
}

/** CPU seconds (user + system) and resident memory (MiB) of a process, from /proc. */
function procUsage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS: ticks / 100, rssMiB: rss ? Number(rss[1]) / 1024 : NaN };
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, d = 1): number => Math.round(n * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The hub's own event-loop delay since the last scrape, from its Prometheus metrics (prom-client's default ones). */
async function hubEventLoop(url: string): Promise<{ p99: number; max: number }> {
  try {
    const text = await (await fetch(url)).text();
    const read = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
    return { p99: round(read('cabin_hub_nodejs_eventloop_lag_p99_seconds')), max: round(read('cabin_hub_nodejs_eventloop_lag_max_seconds')) };
  } catch {
    return { p99: NaN, max: NaN };
  }
}

/** Starts the hub (the real `npm run hub -- serve`) and waits until it accepts connections. */
async function startHub(dbPath: string, port: number, secret: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', 'bin/run-ts.mjs', 'src/hub/cli/main.ts', 'serve', '--db', dbPath, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, HUB_JWT_SECRET: secret, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the hub exited (${child.exitCode}): ${stderr}`);
    const up = await fetch(`http://127.0.0.1:${port}/api/consultations`).then(
      () => true,
      () => false,
    );
    if (up) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the hub did not start within 30 s: ${stderr}`);
}

export async function benchHubLoad(o: HubLoadOptions): Promise<boolean> {
  if (o.consultations > Math.min(o.cabins, o.doctors)) {
    console.error(`--consultations (${o.consultations}) needs as many cabins and doctors.`);
    return false;
  }
  if (o.consultations + o.burst > o.cabins) {
    console.error(`--consultations + --burst (${o.consultations + o.burst}) needs as many cabins (${o.cabins}).`);
    return false;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-load-'));
  const dbPath = join(dir, 'hub.db');
  const secret = randomBytes(32).toString('base64url');
  const errors: string[] = [];
  const error = (what: string): void => void (errors.length < 1000 && errors.push(what));
  let hub: ChildProcess | undefined;
  const peers: Peer[] = [];
  let closing = false;
  try {
    const t0 = performance.now();
    const { cabinSids, doctorSids } = await prepare(dbPath, o.cabins, o.doctors);
    console.log(`accounts: ${o.cabins} cabins, ${o.doctors} doctors in ${round((performance.now() - t0) / 1000)} s`);
    const port = await freePort();
    hub = await startHub(dbPath, port, secret);
    const wsUrl = `ws://127.0.0.1:${port}/ws`;
    const tokens = new Tokens(new TextEncoder().encode(secret), 4 * 3600, systemClock);

    // Handlers, per role, of the frames that matter here; a doctor that does not observe skips its queue frames unparsed.
    const relaySent = new Map<string, number>();
    const relay: number[] = [];
    const claimLat: number[] = [];
    const queueLat: number[] = [];
    const queueBurstLat: number[] = [];
    /** When each consultation was asked for, and which observers have seen it in a queue frame. */
    const asked = new Map<string, { t: number; burst: boolean; seen: Set<string> }>();
    /** The consultation each cabin's request opened, by the request's ref. */
    const opened = new Map<string, (id: string) => void>();
    const claimed = new Map<string, (ok: boolean) => void>();
    const ended = new Map<string, () => void>();
    let connected = 0;

    const onFrame = (p: Peer, raw: string): void => {
      if (raw.startsWith('{"type":"queue"')) {
        if (!p.observes) return;
        const now = performance.now();
        const m = JSON.parse(raw) as { items: { consultationId?: string; consultation?: { consultationId: string } }[] };
        for (const item of m.items) {
          const id = item.consultationId ?? item.consultation?.consultationId;
          const a = id === undefined ? undefined : asked.get(id);
          if (!a || a.seen.has(p.id)) continue;
          a.seen.add(p.id);
          (a.burst ? queueBurstLat : queueLat).push(now - a.t);
        }
        return;
      }
      if (raw.startsWith('{"type":"signal"')) {
        const m = JSON.parse(raw) as { consultationId: string; data: { candidate?: { candidate: string } } };
        const k = `${m.consultationId}:${m.data.candidate?.candidate ?? ''}`;
        const t = relaySent.get(k);
        if (t === undefined) return error(`signal not sent here: ${k.slice(0, 80)}`);
        relaySent.delete(k);
        relay.push(performance.now() - t);
        return;
      }
      const m = JSON.parse(raw) as { type: string; ref?: string; code?: string; message?: string; consultation?: { consultationId: string; state: string } };
      if (m.type === 'error') return error(`${p.role} ${p.id}: ${m.code} ${m.message ?? ''}`.slice(0, 200));
      if (m.type === 'consultation' && m.ref !== undefined) {
        if (p.role === 'cabin') opened.get(m.ref)?.(m.consultation!.consultationId);
        else claimed.get(m.ref)?.(m.consultation!.state === 'active');
      }
      if (m.type === 'ended' || (m.type === 'consultation' && m.consultation?.state === 'ended')) {
        if (p.role === 'doctor') ended.get(p.id)?.();
      }
    };

    const open = async (role: Role, i: number, sid: string, observes: boolean): Promise<Peer | undefined> => {
      const id = role === 'cabin' ? `cab-${i}` : `dr-${i}`;
      const { token } = await tokens.issue({ sub: id, role, name: id, sid });
      return new Promise((resolve) => {
        // Spread over 127.0.0.0/8 sources: one address would run out of ephemeral ports at this many sockets.
        const ws = new WebSocket(wsUrl, [HUB_SUBPROTOCOL, BEARER_PREFIX + token], { localAddress: `127.0.${(i >> 8) & 255}.${(i & 255) || 1}`, perMessageDeflate: false, skipUTF8Validation: true });
        const p: Peer = { role, id, ws, observes };
        ws.on('message', (data: Buffer) => {
          // A doctor that does not observe drops its queue frames unread (most of the frames of a big run).
          if (!observes && role === 'doctor' && data.length > 16 && data.toString('latin1', 0, 15) === '{"type":"queue"') return;
          onFrame(p, data.toString('utf8'));
        });
        ws.once('open', () => {
          connected++;
          resolve(p);
        });
        ws.on('close', (code) => {
          if (ws.readyState !== WebSocket.CLOSED) return;
          if (p.ws === ws && !closing) error(`${role} ${id} closed (${code})`);
          connected = Math.max(0, connected - 1);
        });
        ws.once('error', (err) => {
          error(`${role} ${id}: ${err.message}`);
          resolve(undefined);
        });
      });
    };

    // Connect: doctors first (they are at work before the cabins open), then cabins, CONNECT_PARALLEL at a time.
    const tc = performance.now();
    const observerEvery = Math.max(1, Math.floor(o.doctors / SAMPLE_OBSERVERS));
    const plan: [Role, number, string, boolean][] = [
      ...doctorSids.map((sid, i): [Role, number, string, boolean] => ['doctor', i, sid, i % observerEvery === 0 || i === o.doctors - 1]),
      ...cabinSids.map((sid, i): [Role, number, string, boolean] => ['cabin', i, sid, false]),
    ];
    for (let i = 0; i < plan.length; i += CONNECT_PARALLEL) {
      const got = await Promise.all(plan.slice(i, i + CONNECT_PARALLEL).map(([r, n, sid, obs]) => open(r, n, sid, obs)));
      for (const p of got) if (p) peers.push(p);
    }
    const connectS = (performance.now() - tc) / 1000;
    const doctorsById = peers.filter((p) => p.role === 'doctor');
    const cabinsById = peers.filter((p) => p.role === 'cabin');
    console.log(`connected: ${connected} of ${o.cabins + o.doctors} sockets in ${round(connectS)} s`);

    // A first scrape resets the hub's event-loop histogram (prom-client does at each): the one at the end is the run's.
    await hubEventLoop(`http://127.0.0.1:${port}/metrics`);
    const usage0 = procUsage(hub.pid!);
    const self0 = procUsage(process.pid);
    const tRun = performance.now();
    // This process's own delays: when it lags, every latency measured here is too high by as much.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();

    // Requests spread over a ramp (a consultation a few ms apart), each claimed by its own doctor after a short delay.
    const request = (cabin: Peer, burst: boolean): Promise<string> =>
      new Promise((resolve) => {
        const ref = `r-${cabin.id}`;
        const t = performance.now();
        cabin.ws.send(JSON.stringify({ type: 'request', ref, language: 'fr' }));
        // The id is known only from the answer: its `asked` entry is back-dated to the send.
        opened.set(ref, (id) => {
          opened.delete(ref);
          asked.set(id, { t, burst, seen: new Set() });
          resolve(id);
        });
      });
    const claim = (doctor: Peer, consultationId: string): Promise<boolean> =>
      new Promise((resolve) => {
        const ref = `c-${consultationId}`;
        const t = performance.now();
        claimed.set(ref, (ok) => {
          claimed.delete(ref);
          claimLat.push(performance.now() - t);
          resolve(ok);
        });
        doctor.ws.send(JSON.stringify({ type: 'claim', ref, consultationId }));
      });

    const pairs: { id: string; cabin: Peer; doctor: Peer }[] = [];
    const rampMs = Math.min(60_000, o.consultations * 50);
    await Promise.all(
      Array.from({ length: o.consultations }, async (_, i) => {
        await sleep((rampMs * i) / o.consultations);
        const cabin = cabinsById[i]!;
        const doctor = doctorsById[i]!;
        const id = await request(cabin, false);
        await sleep(500 + (i % 10) * 100);
        if (await claim(doctor, id)) pairs.push({ id, cabin, doctor });
        else error(`claim of ${id} by ${doctor.id} lost`);
      }),
    );
    console.log(`consultations active: ${pairs.length}`);

    // Signaling at `rate` messages/s in all, each pair alternating sides; report parts every 5 s per pair.
    let seq = 0;
    const tickMs = 20;
    const perTick = (o.rate * tickMs) / 1000;
    let owed = 0;
    const signalTimer = setInterval(() => {
      owed += perTick;
      for (; owed >= 1; owed--) {
        const pair = pairs[seq % pairs.length]!;
        const from = (seq >> 1) % 2 === 0 ? pair.cabin : pair.doctor;
        const candidate = `candidate:${seq} 1 udp 2122260223 192.0.2.${seq % 250} ${10000 + (seq % 50000)} typ host`;
        relaySent.set(`${pair.id}:${candidate}`, performance.now());
        from.ws.send(JSON.stringify({ type: 'signal', consultationId: pair.id, data: { pc: 'bench', candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } } }));
        seq++;
      }
    }, tickMs);
    let part = 0;
    const reportTimer = setInterval(() => {
      const t = Date.now();
      for (const pair of pairs) {
        part++;
        const readings = [
          { id: `${pair.id}-spo2-${part}`, deviceId: 'nonin-df7@bench', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t },
          { id: `${pair.id}-pr-${part}`, deviceId: 'nonin-df7@bench', code: 'MDC_PULS_OXIM_PULS_RATE', value: 72, unit: '/min', t },
        ];
        pair.doctor.ws.send(JSON.stringify({ type: 'report', consultationId: pair.id, readings }));
      }
    }, REPORT_EVERY_MS);
    await sleep(o.seconds * 1000);

    // The burst: B more cabins ask at once while the signaling goes on; nobody claims them (they wait, then cancel).
    const burstIds = await Promise.all(cabinsById.slice(o.consultations, o.consultations + o.burst).map((c) => request(c, true)));
    await sleep(3000);
    clearInterval(signalTimer);
    clearInterval(reportTimer);
    await sleep(1000);
    const usage1 = procUsage(hub.pid!);
    const hubLag = await hubEventLoop(`http://127.0.0.1:${port}/metrics`);
    const self1 = procUsage(process.pid);
    lag.disable();
    const runS = (performance.now() - tRun) / 1000;

    // The end: each doctor ends its consultation; the burst's cabins cancel.
    await Promise.all(
      pairs.map(
        (pair) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => (error(`end of ${pair.id} not confirmed`), resolve()), 30_000);
            ended.set(pair.doctor.id, () => (clearTimeout(timer), resolve()));
            pair.doctor.ws.send(JSON.stringify({ type: 'end', ref: `e-${pair.id}`, consultationId: pair.id, notes: 'Bench.', readings: [] }));
          }),
      ),
    );
    for (const [i, id] of burstIds.entries()) cabinsById[o.consultations + i]!.ws.send(JSON.stringify({ type: 'cancel', consultationId: id }));
    const lost = relaySent.size;
    if (lost > 0) error(`${lost} signaling messages never arrived`);

    relay.sort((a, b) => a - b);
    claimLat.sort((a, b) => a - b);
    queueLat.sort((a, b) => a - b);
    queueBurstLat.sort((a, b) => a - b);
    const queueAll = [...queueLat, ...queueBurstLat].sort((a, b) => a - b);
    const result = {
      engine: 'sqlite',
      nodes: 1,
      cabins: o.cabins,
      doctors: o.doctors,
      consultations: pairs.length,
      connected,
      connectSeconds: round(connectS),
      signalingPerSecond: o.rate,
      relayed: relay.length,
      relayP50Ms: round(pct(relay, 50)),
      relayP99Ms: round(pct(relay, 99)),
      relayMaxMs: round(relay.at(-1) ?? NaN),
      claimP50Ms: round(pct(claimLat, 50)),
      claimP99Ms: round(pct(claimLat, 99)),
      queueP50Ms: round(pct(queueAll, 50)),
      queueP99Ms: round(pct(queueAll, 99)),
      queueRampP99Ms: round(pct(queueLat, 99)),
      queueBurstP99Ms: round(pct(queueBurstLat, 99)),
      queueBurstMaxMs: round(queueBurstLat.at(-1) ?? NaN),
      hubCpuPercent: round(((usage1.cpuS - usage0.cpuS) / runS) * 100),
      hubRssMiB: round(usage1.rssMiB),
      hubLagP99Ms: hubLag.p99,
      hubLagMaxMs: hubLag.max,
      generatorCpuPercent: round(((self1.cpuS - self0.cpuS) / runS) * 100),
      generatorLagP99Ms: round(lag.percentile(99) / 1e6),
      generatorLagMaxMs: round(lag.max / 1e6),
      errors: errors.length,
      firstErrors: errors.slice(0, 5),
      ...machineLoad(),
    };
    printTable(`hub-load: 1 node, SQLite, ${o.cabins} cabins + ${o.doctors} doctors, ${pairs.length} consultations at ${o.rate} signaling messages/s`, [
      { measure: 'sockets connected', value: `${connected} of ${o.cabins + o.doctors} (${round(connectS)} s)` },
      { measure: 'relayed signaling p50 / p99 / max', value: `${result.relayP50Ms} / ${result.relayP99Ms} / ${result.relayMaxMs} ms (${relay.length} messages)` },
      { measure: 'claim p50 / p99', value: `${result.claimP50Ms} / ${result.claimP99Ms} ms` },
      { measure: 'queue update p50 / p99 (ramp)', value: `${round(pct(queueLat, 50))} / ${result.queueRampP99Ms} ms` },
      { measure: `queue update p99 / max (burst of ${o.burst})`, value: `${result.queueBurstP99Ms} / ${result.queueBurstMaxMs} ms` },
      { measure: 'hub CPU / RSS', value: `${result.hubCpuPercent} % / ${result.hubRssMiB} MiB` },
      { measure: 'hub event-loop delay p99 / max (its /metrics)', value: `${result.hubLagP99Ms} / ${result.hubLagMaxMs} ms` },
      { measure: 'load generator CPU, event-loop delay p99 / max', value: `${result.generatorCpuPercent} %, ${result.generatorLagP99Ms} / ${result.generatorLagMaxMs} ms (latencies above include it)` },
      { measure: 'errors', value: errors.length },
    ]);
    for (const e of result.firstErrors) console.log(`  error: ${e}`);
    console.log(`→ ${writeResult('hub-load', result)}`);
    return errors.length === 0;
  } finally {
    closing = true;
    for (const p of peers) p.ws.terminate();
    if (hub && hub.exitCode === null) {
      hub.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      if (hub.exitCode === null) hub.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
