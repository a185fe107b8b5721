import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { build as esbuild } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRendererCopy } from '../../helpers/apps.ts';
import { launchChromium } from '../../helpers/chromium.ts';
import type { CallView } from '../../../src/shared/bridge.ts';
import type { Doctor } from './browser-harness.ts';

/**
 * The built kiosk page with a fake preload (main) and an in-page doctor: the call banner follows main's call
 * state, the page connects to the doctor once the call is active, shows the doctor's picture, and stops
 * everything when the consultation ends.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const SHOTS = join(ROOT, 'test/output/screenshots');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
declare global {
  interface Window {
    kioskTest: { calls: { name: string; input: unknown }[]; doctor: Doctor | undefined; pending: unknown[]; setCall(p: Partial<CallView>): void; cabinPcs(): RTCPeerConnection[]; freeze(on: boolean): void };
    cabinCallStats?: () => Record<string, number>;
  }
}

describe('the kiosk page in a live call (built renderer, fake main, in-page doctor)', () => {
  let dir: string;
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const errors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-call-ui-'));
    // The kiosk renderer as built for the run, without its voice pack (the spoken guide is voice.test.ts's).
    await testRendererCopy(dir, { voice: false });
    const fake = await esbuild({ entryPoints: [join(import.meta.dirname, 'kiosk-doctor.ts')], bundle: true, format: 'iife', write: false, platform: 'browser', target: 'chrome120' });
    server = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      try {
        const body = readFileSync(join(dir, path));
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required']);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['camera', 'microphone'], { origin });
    await context.addInitScript({ content: fake.outputFiles[0]!.text });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/index.html?debug=1`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const status = () => page.getByTestId('call-status');

  it('waiting: the banner says a doctor is being looked for, and no connection exists', async () => {
    await page.getByTestId('screen-exam').waitFor();
    await expect.poll(() => status().textContent()).toBe('Nous cherchons un médecin…');
    expect(await status().getAttribute('data-state')).toBe('waiting');
    expect(await status().getAttribute('data-rtc')).toBe('none');
    expect(await page.evaluate(() => window.kioskTest.calls.some((c) => c.name === 'call:signal'))).toBe(false);
  });

  it('active: the page connects to the doctor with all its tracks and says who is there', async () => {
    await page.evaluate(() => window.kioskTest.setCall({ state: 'active', doctorName: 'Dr Martin', peerPresent: true }));
    await expect.poll(() => status().getAttribute('data-rtc'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => status().textContent()).toBe('Votre médecin, Dr Martin, est avec vous');
    expect(await status().getAttribute('data-state')).toBe('active');
    await page.getByTestId('doctor-video').waitFor();
    // camera, the voice microphone (a different device from the stethoscope) and the stethoscope
    await expect.poll(() => page.evaluate(() => Object.values(window.kioskTest.doctor!.tracks).sort())).toEqual(['camera', 'stethoscope', 'voice']);
    await expect.poll(() => page.evaluate(() => window.kioskTest.pending.length)).toBe(0);
    const got = await page.evaluate(() => window.kioskTest.doctor!.received.map((m) => m.type));
    expect(got).toContain('session');
    expect(got).toContain('observation');
  });

  it('new TURN credentials from the hub reach the live connection without rebuilding the call', async () => {
    expect(await page.evaluate(() => window.kioskTest.cabinPcs().length)).toBe(1);
    const servers = [{ urls: 'turn:127.0.0.1:3478?transport=udp', username: '1900000000:c1', credential: 'renewed' }];
    await page.evaluate((s) => window.kioskTest.setCall({ iceServers: s }), servers);
    await expect.poll(() => page.evaluate(() => window.kioskTest.cabinPcs()[0]!.getConfiguration().iceServers)).toEqual([{ ...servers[0], urls: [servers[0]!.urls] }]);
    await page.evaluate(() => window.kioskTest.setCall({ iceServers: [{ urls: 'stun:127.0.0.1:3478' }] }));
    await expect.poll(() => page.evaluate(() => window.kioskTest.cabinPcs()[0]!.getConfiguration().iceServers?.map((x) => x.urls))).toEqual([['stun:127.0.0.1:3478']]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await page.evaluate(() => ({ n: window.kioskTest.cabinPcs().length, state: window.kioskTest.cabinPcs()[0]!.connectionState, policy: window.kioskTest.cabinPcs()[0]!.getConfiguration().iceTransportPolicy, doctorSaw: window.kioskTest.doctor!.cabinPcs.size }));
    expect(r).toEqual({ n: 1, state: 'connected', policy: 'all', doctorSaw: 1 });
    expect(await status().getAttribute('data-rtc')).toBe('connected');
    expect(await status().getAttribute('data-link')).toBe('full');
  });

  it('publishes window.cabinCallStats with ?debug=1', async () => {
    const s = await page.evaluate(() => window.cabinCallStats?.());
    expect(s).toBeDefined();
    expect(s!.eventsBytes).toBeGreaterThan(0);
  });

  /** The share of the viewport an element's box covers (clipped to the viewport). */
  const share = (testId: string) =>
    page.getByTestId(testId).evaluate((el) => {
      const r = el.getBoundingClientRect();
      const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
      const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
      return (w * h) / (innerWidth * innerHeight);
    });
  /** Every button of the screen inside the viewport and at least 64 px both ways. */
  const buttonsFit = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('button')].flatMap((b) => {
        const r = b.getBoundingClientRect();
        const ok = r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5 && r.width >= 64 && r.height >= 64;
        return ok ? [] : [`${b.dataset.testid ?? b.textContent}: ${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)}`];
      }),
    );

  it('with the doctor there, the doctor is the main thing on screen, the step beside it, at every cabin size', async () => {
    for (const [width, height, least] of [
      [1920, 1080, 0.35],
      [1280, 800, 0.3],
      [1080, 1920, 0.3],
    ] as const) {
      await page.setViewportSize({ width, height });
      mkdirSync(SHOTS, { recursive: true });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, `kiosk-call-${width}x${height}.png`) });
      await expect.poll(() => share('doctor-video'), { message: `${width}×${height}` }).toBeGreaterThanOrEqual(least);
      // Before: a 240×180 thumbnail, 2 % of a 1080p screen.
      expect(await page.getByTestId('doctor-video').evaluate((v: HTMLVideoElement) => v.videoWidth > 0)).toBe(true);
      await page.getByTestId('step-oximeter').waitFor();
      expect(await buttonsFit(), `${width}×${height}`).toEqual([]);
      expect(await share('camera-preview'), 'the self-view stays small').toBeLessThan(0.05);
      expect(await page.getByTestId('otoscope-preview').count()).toBe(0);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('a frozen doctor picture is seen, renegotiated, told to the patient and to the doctor, and comes back', async () => {
    const notice = page.getByTestId('doctor-video-notice');
    const offers = await page.evaluate(() => window.kioskTest.doctor!.offers.length);
    const told = () => page.evaluate(() => window.kioskTest.doctor!.received.filter((m) => m.type === 'doctor-video').map((m) => m.state));
    await page.evaluate(() => window.kioskTest.freeze(true));
    await expect.poll(() => notice.getAttribute('data-state').catch(() => null), { timeout: 10_000 }).toBe('stalled');
    expect(await notice.textContent()).toBe('L’image du médecin est figée, nous la rétablissons…');
    await expect.poll(told).toContain('stalled');
    // The recovery is a renegotiation: a new offer with an ICE restart (new credentials) reaches the doctor.
    await expect.poll(() => page.evaluate(() => window.kioskTest.doctor!.offers.length), { timeout: 5000 }).toBeGreaterThan(offers);
    const ufrags = await page.evaluate(() => window.kioskTest.doctor!.offers.map((o) => /a=ice-ufrag:(\S+)/.exec(o.sdp)?.[1]));
    expect(new Set(ufrags).size).toBeGreaterThan(1);
    // The camera stays frozen: after its tries the kiosk says so, and so does the doctor's side.
    await expect.poll(() => notice.getAttribute('data-state').catch(() => null), { timeout: 35_000 }).toBe('failed');
    await expect.poll(told).toContain('failed');
    await page.evaluate(() => window.kioskTest.freeze(false));
    await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(told).toEqual(expect.arrayContaining(['ok', 'stalled', 'failed']));
    expect((await told()).at(-1)).toBe('ok');
    expect(await status().getAttribute('data-rtc')).toBe('connected');
    const incidents = await page.evaluate(() => window.kioskTest.calls.filter((c) => c.name === 'call:incident').map((c) => (c.input as { detail: string }).detail));
    expect(incidents.some((d) => /video stalled/.test(d))).toBe(true);
    expect(incidents.some((d) => /could not be restored/.test(d))).toBe(true);
    expect(incidents.some((d) => /plays again/.test(d))).toBe(true);
  }, 60_000);

  it('the doctor stops sending the camera: a card says the doctor hears the patient, not a black box; the camera comes back', async () => {
    // The doctor's voice first (this in-page doctor sent only a camera so far).
    await page.evaluate(() => {
      const ac = new AudioContext();
      const osc = ac.createOscillator();
      const dest = ac.createMediaStreamDestination();
      osc.connect(dest);
      osc.start();
      window.kioskTest.doctor!.pc.addTransceiver(dest.stream.getAudioTracks()[0]!, { direction: 'sendonly' });
    });
    await expect
      .poll(() => page.evaluate(() => window.kioskTest.cabinPcs()[0]!.getTransceivers().some((t) => t.receiver.track.kind === 'audio' && t.currentDirection === 'recvonly')), { timeout: 10_000 })
      .toBe(true);
    await page.evaluate(() => {
      const pc = window.kioskTest.doctor!.pc;
      pc.removeTrack(pc.getSenders().find((s) => s.track?.kind === 'video')!);
    });
    await page.getByTestId('doctor-audio-only').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('doctor-audio-only').textContent()).toContain('Dr Martin vous entend');
    expect(await page.getByTestId('doctor-video').count()).toBe(0);
    expect(await page.getByTestId('doctor-video-notice').count(), 'no video sent is not a stall').toBe(0);
    expect(await share('doctor-audio-only')).toBeGreaterThanOrEqual(0.3);
    await page.evaluate(() => {
      const d = window.kioskTest.doctor!;
      const canvas = document.createElement('canvas');
      canvas.width = 160;
      canvas.height = 120;
      const ctx = canvas.getContext('2d')!;
      setInterval(() => {
        ctx.fillStyle = `hsl(${Date.now() % 360} 60% 50%)`;
        ctx.fillRect(0, 0, 160, 120);
      }, 50);
      // A new m-section, as the console does when its camera is opened again: the old one stays, inactive, its
      // track live but muted (the kiosk's <video> stayed on it, black, for the whole call).
      d.pc.addTransceiver(canvas.captureStream(20).getVideoTracks()[0]!, { direction: 'sendonly' });
    });
    await expect.poll(() => page.getByTestId('doctor-video').evaluate((v: HTMLVideoElement) => v.videoWidth).catch(() => 0), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('doctor-audio-only').count()).toBe(0);
  }, 40_000);

  it('ended: the banner says so, the connection and the doctor picture are gone', async () => {
    await page.evaluate(() => window.kioskTest.setCall({ state: 'ended' }));
    await expect.poll(() => status().textContent()).toBe('La consultation est terminée');
    expect(await status().getAttribute('data-rtc')).toBe('none');
    expect(await page.getByTestId('doctor-video').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => window.kioskTest.doctor!.pc.connectionState), { timeout: 15_000 }).not.toBe('connected');
    expect(errors).toEqual([]);
  });

  it('off: nothing is shown', async () => {
    await page.evaluate(() => window.kioskTest.setCall({ state: 'off' }));
    await expect.poll(() => status().count()).toBe(0);
  });
});
