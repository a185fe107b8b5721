import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_BLE_DEVICES, demoConfig, DEMO_MEDIA, DEMO_SERIAL_DEVICES } from '../../src/main/config.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';
import { seedDemo } from '../../src/hub/demo.ts';
import type { FhirPushConfig } from '../../src/hub/fhir/push.ts';
import { createHub, type Hub } from '../../src/hub/server.ts';
import type { Reading } from '../../src/shared/bridge.ts';
import { launchChromium } from './chromium.ts';
import { startImpairRelay, type Impairment, type ImpairRelay } from './impair.ts';
import { PrivatePostgres } from './postgres.ts';
import { freePort, PrivateRedis } from './redis.ts';
import { startTurn, type Turn } from './turn.ts';
import { writeToneWav } from './wav.ts';

/**
 * The whole chain on one machine, as the demo runs it: a hub with a demo doctor and cabin (and coturn when the
 * call must be relayed), the cabin's web host with simulated devices, and one Chromium with two contexts — the
 * kiosk page (fake cameras, a WAV file as every fake microphone, so as the stethoscope) and the doctor console.
 */

const ROOT = resolve(import.meta.dirname, '../..');

export interface ChainOptions {
  /** Force every call through a coturn relay on loopback (`iceTransportPolicy: 'relay'`). */
  relay?: boolean;
  /** A poor network between each browser and coturn (implies `relay`): delay, jitter, loss, bottleneck. */
  impair?: Impairment;
  /**
   * With `relay`: the only TURN transport the hub gives (default UDP). `tcp` and `tls` are what a network that blocks
   * UDP leaves (coturn's TLS listener with a self-signed certificate, as on 443).
   */
  turnTransport?: 'udp' | 'tcp' | 'tls';
  /** The stethoscope's sound (default: tones at 50, 100, 200 and 400 Hz). */
  wav?: string;
  /**
   * Frames a second of Chromium's fake cameras (its default is 20; Chromium keeps it within 5–60). A file that checks
   * screens, not video, during a call may ask for fewer: each frame is drawn, JPEG-coded for the otoscope's MJPEG
   * device, encoded and decoded by both pages, which on 2 cores slows every step of the page (axe, screenshots).
   */
  cameraFps?: number;
  /** Extra query of the kiosk page (e.g. `debug=1` for `window.cabinCallStats`). */
  kioskQuery?: string;
  /** Shorter idle timing, etc. */
  idle?: { warnAfterS: number; endAfterS: number };
  /**
   * The simulated devices: the serial and USB ones (default: the tests written for them use the Omron's remote start
   * and the Contec's pleth) or the demo's Bluetooth LE ones.
   */
  devices?: 'serial' | 'ble';
  /** Apps already built by buildApps (a second chain in the same file need not build them again). */
  apps?: { rendererDir: string; doctorDir: string };
  /** A FHIR server the hub pushes each ended consultation to, and how often it looks (ms). */
  fhirPush?: FhirPushConfig;
  fhirPushEveryMs?: number;
  /**
   * Issue 14: the hub as a region runs it — `nodes` hub nodes (a, b…) on one PostgreSQL database and one Redis, behind
   * HAProxy with the sample configuration (resources/hub/haproxy.cfg): the kiosk and the doctor's browser reach the
   * hub through HAProxy's front only. Which node each side lands on is set, not left to `leastconn` and timing: the
   * kiosk's cabin main connects while node a alone is in service (the others in maintenance through HAProxy's
   * runtime API); then node a is drained (it keeps the sockets it holds and gets no new ones, as for a rolling
   * restart) and node b made ready, so the doctor's console — and every later request — goes to node b.
   * The FHIR push, if any, runs on node a only.
   */
  cluster?: { nodes: number };
}

/** The cluster of a chain started with `cluster`. */
export interface ChainCluster {
  /** Each node (a, b…), reached directly (its /metrics is only there: HAProxy answers 404 for it). */
  nodes: { id: string; hub: Hub }[];
  /** HAProxy's front (what `hub.url` is). */
  lbUrl: string;
  /** A command to HAProxy's runtime API (e.g. `set server hub_nodes/a state drain`); its answer. */
  lb(command: string): Promise<string>;
  /** HAProxy's output so far (its log: each request, each server going up or down). */
  lbLog(): string;
}

export interface Chain {
  dir: string;
  /** The hub the kiosk and the doctor reach: with `cluster`, HAProxy's front (`url`) and node a's store (the shared database). */
  hub: Hub;
  cluster?: ChainCluster;
  kiosk: KioskHost;
  turn?: Turn;
  /** The poor-network relay in front of coturn, when `impair` was given (its conditions can change mid-call). */
  impair?: ImpairRelay;
  browser: Browser;
  cabinContext: BrowserContext;
  doctorContext: BrowserContext;
  cabinPage: Page;
  doctorPage: Page;
  doctor: { username: string; password: string };
  /** Every reading cabin main emitted, in order (what the doctor must receive). */
  readings: Reading[];
  /** When (Date.now() in this process) cabin main emitted each of `readings`, same order. */
  readingsAt: number[];
  /** Errors of either page (uncaught exceptions and console errors). */
  pageErrors: string[];
  /** Opens the kiosk page (again, e.g. after a reload test closed it). */
  kioskUrl(): string;
  close(): Promise<void>;
}

/** Runs `build` as the lead's build command does: vitest's NODE_ENV=test would select React's development build. */
async function inProduction<T>(build: () => Promise<T>): Promise<T> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await build();
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** Builds the kiosk renderer for production into `dir`/renderer, with its voice pack; returns that folder. */
export async function buildKiosk(dir: string): Promise<string> {
  const rendererDir = join(dir, 'renderer');
  await inProduction(async () => {
    // Loaded here, not at the top: a process that gets its apps built elsewhere (the benchmarks) does not carry Vite.
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'src/renderer/vite.config.ts'), logLevel: 'warn', build: { outDir: rendererDir } });
    // With its voice pack, as npm run build makes it (cached by text: a fraction of a second once made).
    const { generateVoicePack } = await import('../../scripts/voice-pack.ts');
    await generateVoicePack({ outDir: join(rendererDir, 'voice') });
  });
  return rendererDir;
}

/** Builds the kiosk renderer and the doctor console for production into `dir`. */
export async function buildApps(dir: string): Promise<{ rendererDir: string; doctorDir: string }> {
  const rendererDir = await buildKiosk(dir);
  const doctorDir = join(dir, 'doctor');
  await inProduction(async () => {
    const { build } = await import('vite');
    await build({ configFile: join(ROOT, 'src/doctor/vite.config.ts'), logLevel: 'warn', build: { outDir: doctorDir } });
  });
  return { rendererDir, doctorDir };
}

export async function startChain(opts: ChainOptions = {}): Promise<Chain> {
  const dir = mkdtempSync(join(tmpdir(), 'cabin-chain-'));
  const cleanup: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  const close = async (): Promise<void> => {
    for (const c of cleanup.splice(0).reverse()) {
      try {
        await c();
      } catch {
        // keep closing the rest
      }
    }
  };
  try {
    const { rendererDir, doctorDir } = opts.apps ?? (await buildApps(dir));
    const turn = opts.relay || opts.impair ? await startTurn({ tls: opts.turnTransport === 'tls' }) : undefined;
    if (turn) cleanup.push(() => turn.stop());
    const impair = turn && opts.impair ? await startImpairRelay({ host: '127.0.0.1', port: turn.port }, opts.impair) : undefined;
    if (impair) cleanup.push(() => impair.close());
    const hubOptions = {
      port: 0,
      consoleDir: doctorDir,
      iceServers: turn ? { turn: { urls: [impair?.url ?? (opts.turnTransport === 'tls' ? turn.tlsUrl! : opts.turnTransport === 'tcp' ? turn.tcpUrl : turn.url)], secret: turn.secret }, relayOnly: true } : {},
    };
    const fhirPush = opts.fhirPush ? { fhirPush: opts.fhirPush, fhirPushEveryMs: opts.fhirPushEveryMs ?? 1000 } : {};
    let hub: Hub;
    let cluster: ChainCluster | undefined;
    if (opts.cluster) {
      cluster = await startCluster(opts.cluster.nodes, dir, { ...hubOptions, ...fhirPush }, hubOptions, cleanup);
      hub = frontOf(cluster);
    } else {
      const single = await createHub({ ...hubOptions, dbPath: join(dir, 'hub.db'), ...fhirPush });
      hub = single;
      cleanup.push(() => single.close());
    }
    const demo = await seedDemo(hub.store);
    const kiosk = await startKiosk({
      config: demoConfig({
        dataDir: join(dir, 'data'),
        cabinId: demo.cabin.id,
        web: { host: '127.0.0.1', port: 0 },
        hub: { url: hub.url, cabinKey: demo.cabin.key },
        // Chromium's fake_device_1 is a Y16 (depth) camera: it plays in a <video> but WebRTC never encodes a frame
        // of it (media-source frames stay 0), so the otoscope is fake_device_2 (MJPEG), which is sent.
        media: { ...DEMO_MEDIA, otoscope: 'fake_device_2' },
        ...(opts.idle ? { idle: opts.idle } : {}),
        devices: { simulate: [...(opts.devices === 'ble' ? DEMO_BLE_DEVICES : DEMO_SERIAL_DEVICES)] },
      }),
      rendererDir,
    });
    cleanup.push(() => kiosk.close());
    if (cluster) {
      // Cabin main connects at once: its socket is on node a (the only one in service). Then a is drained, b ready.
      const a = cluster.nodes[0]!.hub;
      await until(async () => (await socketsOn(a)).cabin === 1, 15_000, 'the kiosk connected to node a');
      await cluster.lb('set server hub_nodes/a state drain');
      await cluster.lb('set server hub_nodes/b state ready');
    }
    const readings: Reading[] = [];
    const readingsAt: number[] = [];
    kiosk.cabin.subscribe((event, payload) => {
      if (event !== 'reading') return;
      readings.push(payload as Reading);
      readingsAt.push(Date.now());
    });
    const wav = opts.wav ?? writeToneWav(join(dir, 'steth.wav'), { tones: [50, 100, 200, 400], seconds: 10, amplitude: 0.05 });
    readFileSync(wav); // a missing file would silently give Chromium's beeps
    const browser = await launchChromium([
      `--use-fake-device-for-media-stream=device-count=3${opts.cameraFps ? `,fps=${opts.cameraFps}` : ''}`,
      `--use-file-for-fake-audio-capture=${wav}`,
      '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      '--autoplay-policy=no-user-gesture-required',
      // The test coturn's self-signed TLS certificate is trusted by its key only, as a real one is by its CA.
      ...(turn?.tlsSpki ? [`--ignore-certificate-errors-spki-list=${turn.tlsSpki}`] : []),
    ]);
    cleanup.push(() => browser.close());
    const pageErrors: string[] = [];
    const context = async (origin: string, viewport: { width: number; height: number }): Promise<BrowserContext> => {
      const c = await browser.newContext({ viewport, hasTouch: true });
      await c.grantPermissions(['camera', 'microphone'], { origin });
      return c;
    };
    const cabinContext = await context(new URL(kiosk.url).origin, { width: 1280, height: 800 });
    const doctorContext = await context(hub.url, { width: 1440, height: 900 });
    const watch = (page: Page, who: string): Page => {
      page.setDefaultTimeout(15_000);
      page.on('pageerror', (err) => pageErrors.push(`${who}: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') pageErrors.push(`${who}: ${msg.text()}`);
      });
      return page;
    };
    const kioskUrl = (): string => {
      const u = new URL(kiosk.url);
      if (opts.kioskQuery) for (const [k, v] of new URLSearchParams(opts.kioskQuery)) u.searchParams.set(k, v);
      return u.toString();
    };
    const cabinPage = watch(await cabinContext.newPage(), 'cabin');
    const doctorPage = watch(await doctorContext.newPage(), 'doctor');
    return {
      dir,
      hub,
      ...(cluster ? { cluster } : {}),
      kiosk,
      ...(turn ? { turn } : {}),
      ...(impair ? { impair } : {}),
      browser,
      cabinContext,
      doctorContext,
      cabinPage,
      doctorPage,
      doctor: { username: demo.doctor.username, password: demo.doctor.password },
      readings,
      readingsAt,
      pageErrors,
      kioskUrl,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`Not within ${ms} ms: ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A node's WebSockets by role, from its /metrics (`cabin_hub_connected_sockets`), read on the node itself. */
export async function socketsOn(hub: Hub): Promise<{ cabin: number; doctor: number }> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const of = (role: string): number => {
    const m = new RegExp(`^cabin_hub_connected_sockets\\{[^}]*role="${role}"[^}]*\\} (\\S+)$`, 'm').exec(text);
    if (!m) throw new Error(`No cabin_hub_connected_sockets for ${role} in ${hub.url}/metrics.`);
    return Number(m[1]);
  };
  return { cabin: of('cabin'), doctor: of('doctor') };
}

/**
 * `count` hub nodes named a, b… on a throwaway PostgreSQL and Redis (one signing key, as a region's nodes share
 * HUB_JWT_SECRET), behind HAProxy run with resources/hub/haproxy.cfg as it is, plus a runtime API socket (a second
 * `-f`). Nodes past c are started but not behind the sample configuration (it lists a, b and c); with two, c's line
 * names an address where nothing listens. Every node but a starts in maintenance. `first` has node a's options only.
 */
async function startCluster(
  count: number,
  dir: string,
  first: Omit<Parameters<typeof createHub>[0], 'dbPath'>,
  rest: Omit<Parameters<typeof createHub>[0], 'dbPath'>,
  cleanup: (() => Promise<unknown> | unknown)[],
): Promise<ChainCluster> {
  if (count < 2) throw new Error('A cluster chain has two nodes at least.');
  const [pg, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
  cleanup.push(() => pg.stop(), () => redis.close());
  const dbPath = await pg.createDatabase('chain');
  const jwtSecret = randomBytes(32);
  const nodes: { id: string; hub: Hub }[] = [];
  for (let i = 0; i < count; i++) {
    const id = String.fromCharCode(97 + i);
    // One after the other: node a migrates the empty database, the others find it made.
    const hub = await createHub({ ...(i === 0 ? first : rest), dbPath, redisUrl: redis.url, nodeId: id, jwtSecret, trustedProxies: ['127.0.0.1'] });
    cleanup.push(() => hub.close());
    nodes.push({ id, hub });
  }
  const port = await freePort();
  const lbUrl = `http://127.0.0.1:${port}`;
  const sock = join(dir, 'haproxy.sock');
  writeFileSync(join(dir, 'haproxy-admin.cfg'), `global\n    stats socket ${sock} level admin\n`);
  const addr = (i: number): Promise<string> => (nodes[i] ? Promise.resolve(new URL(nodes[i].hub.url).host) : freePort().then((p) => `127.0.0.1:${p}`));
  const env = { ...process.env, CABIN_LB_BIND: `127.0.0.1:${port}`, CABIN_HUB_A: await addr(0), CABIN_HUB_B: await addr(1), CABIN_HUB_C: await addr(2) };
  const lb = spawn('haproxy', ['-db', '-f', join(ROOT, 'resources/hub/haproxy.cfg'), '-f', join(dir, 'haproxy-admin.cfg')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => void (log = (log + d.toString()).slice(-50_000));
  lb.stdout.on('data', keep);
  lb.stderr.on('data', keep);
  const exited = new Promise<void>((r) => lb.once('exit', () => r()));
  cleanup.push(async () => {
    lb.kill('SIGKILL');
    await exited;
  });
  const command = (line: string): Promise<string> =>
    new Promise((resolve, reject) => {
      let answer = '';
      const c = createConnection(sock, () => c.end(`${line}\n`));
      c.on('data', (d: Buffer) => (answer += d.toString()));
      c.once('error', reject);
      c.once('close', () => resolve(answer.trim()));
    });
  const lbCommand = async (line: string): Promise<string> => {
    const answer = await command(line);
    // `set server` answers nothing when it did it.
    if (line.startsWith('set ') && answer !== '') throw new Error(`HAProxy refused « ${line} »: ${answer}`);
    return answer;
  };
  await until(async () => (await command('show info')).includes('Name: HAProxy'), 10_000, `HAProxy's runtime API (log: ${log})`);
  for (const id of ['b', 'c']) await lbCommand(`set server hub_nodes/${id} state maint`);
  // Node a passes its first health check: the front answers through it.
  await until(async () => (await fetch(`${lbUrl}/healthz`)).status === 200, 15_000, 'HAProxy passing requests to node a');
  return { nodes, lbUrl, lb: lbCommand, lbLog: () => log };
}

/** What a chain's clients see as the hub: HAProxy's front, node a's store (the database all nodes share). */
function frontOf(cluster: ChainCluster): Hub {
  return { url: cluster.lbUrl, wsUrl: `${cluster.lbUrl.replace(/^http/, 'ws')}/ws`, store: cluster.nodes[0]!.hub.store, close: async () => undefined };
}

/** The doctor logs in on the console. */
export async function doctorLogin(chain: Chain): Promise<void> {
  const p = chain.doctorPage;
  // `?probe`: the console announces each observation as a window event, for the test's and benchmark's clocks.
  await p.goto(`${chain.hub.url}/?probe`);
  await p.getByTestId('login-username').fill(chain.doctor.username);
  await p.getByTestId('login-password').fill(chain.doctor.password);
  await p.getByTestId('login-submit').click();
}

/** The patient starts a visit and consents: the kiosk asks the hub for a doctor. */
export async function patientStarts(chain: Chain): Promise<void> {
  const p = chain.cabinPage;
  await p.goto(chain.kioskUrl());
  await p.getByTestId('start').click();
  await p.getByTestId('accept').click();
}

/** The doctor accepts the cabin's request from the live queue. */
export async function doctorAccepts(chain: Chain): Promise<void> {
  const p = chain.doctorPage;
  await p.getByTestId('queue-item').first().waitFor();
  await p.getByTestId('queue-accept').first().click();
  await p.getByTestId('consultation').waitFor();
}

export function shotsDir(): string {
  const d = join(ROOT, 'test/output/screenshots');
  mkdirSync(d, { recursive: true });
  return d;
}
