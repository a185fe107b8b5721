import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
}

export interface Chain {
  dir: string;
  hub: Hub;
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
    const hub = await createHub({
      port: 0,
      dbPath: join(dir, 'hub.db'),
      consoleDir: doctorDir,
      ...(opts.fhirPush ? { fhirPush: opts.fhirPush, fhirPushEveryMs: opts.fhirPushEveryMs ?? 1000 } : {}),
      iceServers: turn ? { turn: { urls: [impair?.url ?? (opts.turnTransport === 'tls' ? turn.tlsUrl! : opts.turnTransport === 'tcp' ? turn.tcpUrl : turn.url)], secret: turn.secret }, relayOnly: true } : {},
    });
    cleanup.push(() => hub.close());
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
      '--use-fake-device-for-media-stream=device-count=3',
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
