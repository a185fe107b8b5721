import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { BEARER_PREFIX, HUB_SUBPROTOCOL, SESSION_COOKIE, ToHubSchema, type FromHub, type ToHub } from '../../src/shared/hub-protocol.ts';

type ReportReading = Extract<ToHub, { type: 'report' }>['readings'][number];
import { launchChromium } from '../helpers/chromium.ts';
import { accessibilityProblems, layoutProblems } from '../helpers/layout.ts';

/**
 * The doctor console in Chromium against a stand-in hub (this file) and a scripted cabin page
 * (fixtures/fake-cabin.js): login errors, queue, a lost claim race, accept, the live call (video, stethoscope,
 * vitals, pleth, commands, snapshot), the cabin reloading mid-call, the doctor reloading mid-call (the session
 * comes back from the cookie, no login form), and the end with the report.
 * The real hub and kiosk are tested end to end in test/e2e.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'";
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

describe('doctor console in Chromium (stand-in hub, scripted cabin)', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'doctor-e2e-'));
  let server: Server;
  let wss: WebSocketServer;
  let base: string;
  let browser: Browser;
  let doctorCtx: BrowserContext;
  let cabinCtx: BrowserContext;
  let doctor: Page;
  let cabin: Page;
  let doctorWs: WebSocket | undefined;
  const fromDoctor: ToHub[] = [];
  const pageErrors: string[] = [];
  let claimed = false;
  /** The session cookie the stand-in hub gave at login ('' once logged out). */
  let session = '';
  /** What the stand-in hub stored of `report` parts and `end`, by id. */
  const stored = new Map<string, ReportReading>();

  const view = () => ({
    consultationId: 'c1',
    state: 'active' as const,
    cabinId: 'k1',
    cabinName: 'Cabine Test',
    doctorId: 'd1',
    doctorName: 'Dr Test',
    language: 'fr' as const,
    createdAt: Date.now() - 60_000,
    claimedAt: Date.now(),
    peerPresent: true,
    polite: true,
    iceServers: [],
  });
  const tell = (m: FromHub) => doctorWs?.send(JSON.stringify(m));
  const toCabin = (data: unknown) => void cabin.evaluate((d) => (window as unknown as { cabinSignal?: (x: unknown) => void }).cabinSignal?.(d), data).catch(() => undefined);

  beforeAll(async () => {
    await build({ configFile: path.join(ROOT, 'src/doctor/vite.config.ts'), logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/api/login') {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          const { password } = JSON.parse(body) as { password: string };
          const [status, answer] =
            password === 'pw' ? [200, { token: 'T1', expiresIn: 900, role: 'doctor', id: 'd1', name: 'Dr Test' }] : password === 'many' ? [429, { error: { code: 'rate', message: 'slow down' } }] : [401, { error: { code: 'bad-credentials', message: 'no' } }];
          if (status === 200) session = `S${Date.now()}`;
          res
            .writeHead(status, { 'content-type': 'application/json', ...(status === 200 ? { 'set-cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/api` } : {}) })
            .end(JSON.stringify(answer));
        });
        return;
      }
      const json = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST' && url.pathname === '/api/refresh') {
        // Only the cookie is accepted here (after a reload the console has no token).
        const ok = session !== '' && (req.headers.cookie ?? '').split(/;\s*/).includes(`${SESSION_COOKIE}=${session}`);
        return ok ? json(200, { token: 'T1', expiresIn: 900, role: 'doctor', id: 'd1', name: 'Dr Test' }) : json(401, { error: { code: 'no-session', message: 'Sign in.' } });
      }
      if (req.method === 'POST' && url.pathname === '/api/logout') {
        session = '';
        return void res.writeHead(204, { 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/api; Max-Age=0` }).end();
      }
      // The queue lists the doctor's past consultations (issue 13): none here.
      if (req.method === 'GET' && url.pathname === '/api/consultations') return json(200, { consultations: [] });
      // The patient card asks who the patient is (issue 13): not identified here.
      if (req.method === 'GET' && url.pathname === '/api/consultations/c1/patient') return json(200, { patient: null, updatedAt: null });
      if (req.method === 'GET' && url.pathname === '/api/consultations/c1/report') {
        if (req.headers.authorization !== 'Bearer T1') return json(401, { error: { code: 'bad-token', message: '' } });
        const v = view();
        return json(200, { consultationId: 'c1', cabin: { id: v.cabinId, name: v.cabinName }, doctor: { id: 'd1', name: 'Dr Test' }, createdAt: v.createdAt, claimedAt: v.claimedAt, endedAt: null, state: 'active', notes: '', readings: [...stored.values()], incidents: [] });
      }
      if (url.pathname === '/cabin.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cabin</title>');
      const file = path.join(out, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
      if (!file.startsWith(out) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP }).end(readFileSync(file));
    });
    wss = new WebSocketServer({
      server,
      path: '/ws',
      handleProtocols: (protocols) => (protocols.has(HUB_SUBPROTOCOL) && protocols.has(`${BEARER_PREFIX}T1`) ? HUB_SUBPROTOCOL : false),
    });
    wss.on('connection', (ws) => {
      doctorWs = ws;
      ws.on('message', (raw) => {
        const m = ToHubSchema.parse(JSON.parse(String(raw)));
        fromDoctor.push(m);
        if (m.type === 'ping') return tell({ type: 'pong' });
        if (m.type === 'claim' && m.consultationId === 'c0') return tell({ type: 'error', ref: m.ref, code: 'already-claimed', message: 'Another doctor took this consultation.' });
        if (m.type === 'claim') {
          claimed = true;
          tell({ type: 'consultation', ref: m.ref, consultation: view() });
          return tell({ type: 'queue', items: [] });
        }
        if (m.type === 'signal') return toCabin(m.data);
        if (m.type === 'report' || m.type === 'end') for (const r of m.readings) if (!stored.has(r.id)) stored.set(r.id, r);
        if (m.type === 'report' && m.ref) return tell({ type: 'reported', ref: m.ref, consultationId: m.consultationId, count: m.readings.length });
        if (m.type === 'auth') return tell({ type: 'authenticated', expiresIn: 900 });
        if (m.type === 'end') return tell({ type: 'ended', ref: m.ref, consultationId: m.consultationId, reason: 'ended' });
      });
      tell({ type: 'hello', role: 'doctor', id: 'd1', name: 'Dr Test' });
      if (claimed) tell({ type: 'consultation', consultation: view() });
      else {
        tell({ type: 'queue', items: [
          { consultationId: 'c0', cabinId: 'k0', cabinName: 'Cabine Prise', language: 'en', since: Date.now() - 120_000 },
          { consultationId: 'c1', cabinId: 'k1', cabinName: 'Cabine Test', language: 'fr', since: Date.now() - 60_000 },
        ] });
        // A frame that breaks the protocol must be ignored.
        ws.send(JSON.stringify({ type: 'queue', items: 'nope' }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium(['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns', '--autoplay-policy=no-user-gesture-required']);
    // The size of a doctor's laptop screen: the consultation must fit it without scrolling.
    doctorCtx = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1440, height: 900 } });
    cabinCtx = await browser.newContext({ permissions: ['camera', 'microphone'] });
    doctor = await doctorCtx.newPage();
    cabin = await cabinCtx.newPage();
    doctor.setDefaultTimeout(10_000);
    doctor.on('pageerror', (e) => pageErrors.push(e.message));
    doctor.on('console', (m) => {
      // Expected: the invalid frame the stand-in hub sends, and the browser's own log of the 401 and 429 answers.
      if (m.type() === 'error' && !/Dropped a frame from the hub|status of (401|429)/.test(m.text())) pageErrors.push(m.text());
    });
    await cabin.exposeFunction('hubSend', (data: unknown) => tell({ type: 'signal', consultationId: 'c1', data } as FromHub));
    await cabin.goto(`${base}/cabin.html`);
    await cabin.addScriptTag({ path: path.join(import.meta.dirname, 'fixtures/fake-cabin.js') });
    await doctor.addInitScript(() => {
      const w = window as unknown as { permissionAsks: number };
      w.permissionAsks = 0;
      const ask = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = (...a: Parameters<typeof ask>) => {
        w.permissionAsks++;
        return ask(...a);
      };
    });
    await doctor.goto(`${base}/?probe`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    wss?.close();
    server?.close();
    rmSync(out, { recursive: true, force: true });
  });

  const attr = (testId: string, name: string) => doctor.getByTestId(testId).first().getAttribute(name);
  const focused = () => doctor.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');
  const axe = async (screen: string) => expect(await accessibilityProblems(doctor), screen).toEqual([]);
  /** The console's columns scroll by themselves (their content is theirs to show): the rest must be on screen and whole. */
  const layout = () => layoutProblems(doctor, { minTarget: 0, minFontPx: 0, scrollable: '.col-media, .col-side, .notes', ignore: '.col-media > *, .col-side > *' });
  /** The notes and End fully inside the window, and the page itself not scrollable. */
  const endInView = () =>
    doctor.evaluate(() => {
      const inside = (el: Element | null) => {
        const r = el?.getBoundingClientRect();
        return !!r && r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
      };
      const page = document.scrollingElement!;
      return {
        notes: inside(document.querySelector('[data-testid="notes"]')),
        end: inside(document.querySelector('[data-testid="end-consultation"]')),
        pageScrolls: page.scrollHeight > innerHeight + 1,
      };
    });

  it('login: a wrong password and too many attempts are told clearly; the right one opens the queue', async () => {
    await doctor.getByTestId('login-username').waitFor();
    await axe('login');
    await doctor.getByTestId('lang-en').click();
    await doctor.getByTestId('login-username').fill('doc');
    await doctor.getByTestId('login-password').fill('wrong');
    await doctor.getByTestId('login-submit').click();
    await expect.poll(() => doctor.getByTestId('login-error').textContent()).toMatch(/Wrong username or password/);
    await doctor.getByTestId('login-password').fill('many');
    await doctor.getByTestId('login-submit').click();
    await expect.poll(() => doctor.getByTestId('login-error').textContent()).toMatch(/Too many attempts/);
    await doctor.getByTestId('lang-fr').click();
    await doctor.getByTestId('login-password').fill('pw');
    await doctor.getByTestId('login-submit').click();
    await expect.poll(() => doctor.getByTestId('queue-item').count()).toBe(2);
    expect(await doctor.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).not.toContain('T1');
    // Focus on the new view's heading; the tab says how many wait; each patient how long (the hub's `since`).
    await expect.poll(focused).toBe('queue-title');
    await expect.poll(() => doctor.title()).toBe('(2) Cabin — 2 patients en attente');
    // (The stand-in hub's clock is this process's; the browser's may differ by a minute here: the words, not the number.)
    expect(await doctor.getByTestId('queue-waiting').allTextContents()).toEqual([expect.stringMatching(/^En attente depuis (\d+\u00a0min|moins d’une minute) \(demande reçue à /), expect.stringMatching(/^En attente depuis /)]);
    expect(await attr('queue-badge', 'data-count')).toBe('2');
    // Notifications are asked for on a click only (a button when the browser has not decided), never on load.
    expect(await doctor.evaluate(() => (window as unknown as { permissionAsks: number }).permissionAsks)).toBe(0);
    await doctor.locator('[data-testid="notify-ask"], [data-testid="notify-state"]').first().waitFor();
    await axe('queue with patients');
  });

  it('a patient entering the queue changes the title and rings once; the same list again does not', async () => {
    const chimes = () => doctor.evaluate(() => (window as unknown as { chimes?: number }).chimes ?? 0);
    await doctor.evaluate(() => window.addEventListener('cabin:chime', () => ((window as unknown as { chimes: number }).chimes = ((window as unknown as { chimes?: number }).chimes ?? 0) + 1)));
    const items = [
      { consultationId: 'c0', cabinId: 'k0', cabinName: 'Cabine Prise', language: 'en' as const, since: Date.now() - 120_000 },
      { consultationId: 'c1', cabinId: 'k1', cabinName: 'Cabine Test', language: 'fr' as const, since: Date.now() - 60_000 },
      { consultationId: 'c9', cabinId: 'k9', cabinName: 'Cabine Neuve', language: 'fr' as const, since: Date.now() },
    ];
    tell({ type: 'queue', items });
    await expect.poll(() => doctor.title()).toBe('(3) Cabin — 3 patients en attente');
    await expect.poll(chimes).toBe(1);
    expect(await doctor.getByTestId('queue-waiting').nth(2).textContent()).toMatch(/^En attente depuis moins d’une minute/);
    tell({ type: 'queue', items });
    tell({ type: 'queue', items: items.slice(0, 2) });
    await expect.poll(() => doctor.title()).toBe('(2) Cabin — 2 patients en attente');
    await doctor.waitForTimeout(300);
    expect(await chimes()).toBe(1);
  });

  it('a patient another doctor took is refused politely; accepting the other opens the consultation', async () => {
    await doctor.locator('[data-testid="queue-item"][data-consultation-id="c0"] [data-testid="queue-accept"]').click();
    await expect.poll(() => attr('claim-error', 'data-code')).toBe('already-claimed');
    expect(await doctor.getByTestId('claim-error').textContent()).toMatch(/Un autre médecin/);
    await doctor.locator('[data-testid="queue-item"][data-consultation-id="c1"] [data-testid="queue-accept"]').click();
    await doctor.getByTestId('consultation').waitFor();
    expect(await attr('connection-state', 'data-hub')).toBe('connected');
    await expect.poll(focused).toBe('consultation-title');
  });

  it('the call comes up when the cabin joins: video, stethoscope, vitals, pleth, exactly-once observations', async () => {
    await cabin.evaluate(() => (window as unknown as { startCabin: (o: unknown) => Promise<string> }).startCabin({ observations: ['o1', 'o2', 'o3'] }));
    await expect.poll(() => attr('connection-state', 'data-rtc'), { timeout: 15_000 }).toBe('connected');
    // The picture is live (its size ramps up with the bandwidth estimate, so only > 0 is certain).
    await expect.poll(() => doctor.getByTestId('video-camera').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => doctor.getByTestId('video-otoscope').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await doctor.getByTestId('audio-stethoscope').evaluate((a: HTMLAudioElement) => (a.srcObject as MediaStream | null)?.getAudioTracks().length)).toBe(1);
    await expect.poll(() => attr('vital-spo2', 'data-value')).toBe('97');
    await expect.poll(() => attr('vital-pulse', 'data-value')).toBe('72');
    await expect.poll(() => attr('observations-count', 'data-count')).toBe('4');
    await expect.poll(() => cabin.evaluate(() => [...(window as unknown as { cabin: { acked: Set<string> } }).cabin.acked].sort().join(','))).toBe('o1,o1-p,o2,o3');
    const drawn1 = Number(await attr('pleth', 'data-samples-drawn'));
    await doctor.waitForTimeout(600);
    const drawn2 = Number(await attr('pleth', 'data-samples-drawn'));
    expect(drawn2).toBeGreaterThan(drawn1);
    await expect.poll(async () => Number(await attr('steth-level', 'data-db')), { timeout: 10_000 }).toBeGreaterThan(-90);
    expect(await attr('patient-session', 'data-phase')).toBe('exam');
    // The doctor's own camera and microphone went to the cabin, on their own m-sections.
    await expect.poll(() => cabin.evaluate(() => Object.values((window as unknown as { cabin: { doctorTracks?: Record<string, string> } }).cabin.doctorTracks ?? {}).sort().join(','))).toBe('doctor-camera,doctor-voice');
    // The doctor's answer asks for the stethoscope's Opus settings on the stethoscope's m-section.
    const answer = await cabin.evaluate(() => (window as unknown as { cabin: { lastAnswer?: string; pc: RTCPeerConnection } }).cabin.pc.remoteDescription?.sdp ?? '');
    expect(answer).toMatch(/stereo=1/);
  }, 60_000);

  it('during the call: notes and End in view without scrolling at 1440×900 (and 1280×800, 1920×1080), self-view, meter value, words, axe', async () => {
    for (const size of [{ width: 1440, height: 900 }, { width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
      await doctor.setViewportSize(size);
      await expect.poll(endInView, { message: `${size.width}×${size.height}` }).toEqual({ notes: true, end: true, pageScrolls: false });
      expect(await layout(), `${size.width}×${size.height}`).toEqual([]);
    }
    await doctor.setViewportSize({ width: 1440, height: 900 });
    // The doctor's own camera, small and mirrored.
    await expect.poll(() => doctor.getByTestId('self-view').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    const self = await doctor.getByTestId('self-view').evaluate((v) => ({ transform: getComputedStyle(v).transform, width: v.getBoundingClientRect().width }));
    expect(self.transform).toBe('matrix(-1, 0, 0, 1, 0, 0)');
    expect(self.width).toBeLessThanOrEqual(200);
    // The stethoscope's number with a true minus sign and a plain word beside it.
    await expect.poll(() => doctor.getByTestId('steth-db').textContent()).toMatch(/^(\u2212\d+|0)\u00a0dBFS$/);
    expect(await attr('steth-clipping', 'data-class')).toMatch(/^(silent|quiet|good|loud|clipping)$/);
    expect(await doctor.getByTestId('steth-level').getAttribute('aria-valuenow')).toMatch(/^-?\d+$/);
    // Devices by what they measure, in French.
    expect(await doctor.locator('[data-testid="device"] .device-name').allTextContents()).toEqual([expect.stringMatching(/^Oxymètre de pouls\b/), expect.stringMatching(/^Tensiomètre\b/)]);
    // One polite, concise summary of the readings for a screen reader (not every tick).
    const live = doctor.getByTestId('vitals-live');
    expect(await live.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => live.textContent()).toMatch(/SpO2\u00a0: 97\u00a0%/);
    expect(await doctor.locator('[aria-live]').count()).toBeLessThanOrEqual(3);
    await axe('consultation');
  }, 60_000);

  it('a new observation fires cabin:observation once, with the time it was received', async () => {
    const got = doctor.evaluate(
      () =>
        new Promise<{ id: string; receivedAt: number; n: number }>((resolve) => {
          let n = 0;
          let first: { id: string; receivedAt: number } | undefined;
          window.addEventListener('cabin:observation', (e) => {
            n++;
            first ??= (e as CustomEvent).detail;
          });
          setTimeout(() => resolve({ ...first!, n }), 800);
        }),
    );
    await doctor.waitForTimeout(100);
    await cabin.evaluate(() => {
      const c = (window as unknown as { cabin: { obs: (...a: unknown[]) => void } }).cabin;
      c.obs('o9', 'MDC_PULS_OXIM_SAT_O2', 95, '%');
      c.obs('o9', 'MDC_PULS_OXIM_SAT_O2', 95, '%');
      c.obs('o1', 'MDC_PULS_OXIM_SAT_O2', 10, '%');
    });
    const r = await got;
    expect(r.id).toBe('o9');
    expect(r.n).toBe(1);
    expect(r.receivedAt).toBeGreaterThan(Date.now() - 10_000);
    await expect.poll(() => attr('vital-spo2', 'data-value')).toBe('95');
  });

  it('a device command runs and its result shows; the BP reading groups into one tile', async () => {
    await doctor.locator('[data-testid="device-command"][data-device-id="bp-1"][data-command="measure"]').click();
    await expect.poll(() => attr('command-result', 'data-state')).toBe('ok');
    await expect.poll(() => attr('vital-bp', 'data-value')).toBe('120/80');
    expect(await cabin.evaluate(() => (window as unknown as { cabin: { commands: { name: string; deviceId: string }[] } }).cabin.commands.map((c) => `${c.deviceId}:${c.name}`))).toEqual(['bp-1:measure']);
  });

  it('an otoscope snapshot arrives in pieces and shows full size', async () => {
    await doctor.getByTestId('snapshot-request').click();
    await doctor.getByTestId('snapshot-image').waitFor();
    expect(await attr('snapshot-image', 'data-width')).toBe('320');
    expect(await attr('snapshot-image', 'data-height')).toBe('240');
    await doctor.setViewportSize({ width: 1600, height: 1300 });
    await doctor.screenshot({ path: path.join(ROOT, 'test/output/screenshots/doctor-consultation.png'), fullPage: true });
    await expect.poll(() => doctor.getByTestId('snapshot-image').evaluate((i: HTMLImageElement) => i.naturalWidth)).toBe(320);
  });

  it('the cabin reloads mid-call: a new connection, and resent observations are not counted twice', async () => {
    const before = Number(await attr('observations-count', 'data-count'));
    await cabin.reload();
    await cabin.addScriptTag({ path: path.join(import.meta.dirname, 'fixtures/fake-cabin.js') });
    await cabin.evaluate(() => (window as unknown as { startCabin: (o: unknown) => Promise<string> }).startCabin({ observations: ['o1', 'o2', 'o3', 'o10'] }));
    await expect.poll(() => cabin.evaluate(() => (window as unknown as { cabin: { pc: RTCPeerConnection } }).cabin.pc.connectionState), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => attr('connection-state', 'data-rtc'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => cabin.evaluate(() => [...(window as unknown as { cabin: { acked: Set<string> } }).cabin.acked].sort().join(','))).toBe('o1,o1-p,o10,o2,o3');
    await expect.poll(() => attr('observations-count', 'data-count')).toBe(String(before + 1));
    await expect.poll(() => doctor.getByTestId('video-camera').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
  }, 60_000);

  it('the doctor reloads mid-call: no login form, straight back into the consultation with the readings stored so far', async () => {
    // Stored on the hub while the call ran, so the cabin was told (acked) only for those.
    await expect.poll(() => stored.size).toBeGreaterThanOrEqual(9);
    await doctor.addInitScript(() => {
      const w = window as unknown as { sawLogin: boolean };
      w.sawLogin = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="login-username"]')) w.sawLogin = true;
      }).observe(document, { childList: true, subtree: true });
    });
    await doctor.reload();
    await doctor.getByTestId('consultation').waitFor();
    expect(await doctor.evaluate(() => (window as unknown as { sawLogin: boolean }).sawLogin)).toBe(false);
    expect(await doctor.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).not.toContain('T1');
    // No live reading yet: the tiles show what the hub stored (the latest SpO2, o10, was 97; pulse 72; BP 120/80).
    expect(await attr('observations-count', 'data-count')).toBe('0');
    await expect.poll(() => attr('vital-spo2', 'data-value')).toBe('97');
    expect(await attr('vital-pulse', 'data-value')).toBe('72');
    expect(await attr('vital-bp', 'data-value')).toBe('120/80');
    expect(await attr('observations-count', 'data-count')).toBe('0');
    // The cabin starts over too (the fixture has no pc-change logic): the call comes back, readings the hub has
    // already are acknowledged at once and not reported again.
    const reportsBefore = fromDoctor.filter((m) => m.type === 'report').length;
    await cabin.reload();
    await cabin.addScriptTag({ path: path.join(import.meta.dirname, 'fixtures/fake-cabin.js') });
    await cabin.evaluate(() => (window as unknown as { startCabin: (o: unknown) => Promise<string> }).startCabin({ observations: ['o1', 'o2', 'o11'] }));
    await expect.poll(() => attr('connection-state', 'data-rtc'), { timeout: 15_000 }).toBe('connected');
    await expect.poll(() => cabin.evaluate(() => [...(window as unknown as { cabin: { acked: Set<string> } }).cabin.acked].sort().join(','))).toBe('o1,o1-p,o11,o2');
    const reportedAgain = fromDoctor.filter((m) => m.type === 'report').slice(reportsBefore).flatMap((m) => (m.type === 'report' ? m.readings.map((r) => r.id) : []));
    expect(reportedAgain.sort()).toEqual(['o11']);
  }, 60_000);

  it('the cabin leaves: nothing of its patient stays on the screen (vitals, count, snapshot); a mere blip keeps them', async () => {
    await expect.poll(() => attr('vital-spo2', 'data-value')).not.toBeNull();
    // The cabin's socket drops for a moment (a Wi-Fi blip): the readings already taken stay.
    tell({ type: 'consultation', consultation: { ...view(), peerPresent: false } });
    await expect.poll(() => attr('connection-state', 'data-peer')).toBe('absent');
    // Meanwhile its devices are not « connecté » and its last picture is marked frozen, not shown as live.
    await expect.poll(() => doctor.locator('[data-testid="device"][data-link="connected"]').count()).toBe(0);
    expect(await doctor.locator('[data-testid="device"][data-link="unknown"]').count()).toBeGreaterThan(0);
    expect(await doctor.getByTestId('device').first().textContent()).toContain('État inconnu');
    expect(await doctor.getByTestId('video-camera-stale').textContent()).toBe('Image figée\u00a0: la cabine ne répond plus.');
    expect(await attr('video-camera', 'data-live')).toBe('false');
    tell({ type: 'consultation', consultation: view() });
    await expect.poll(() => attr('connection-state', 'data-peer')).toBe('present');
    await expect.poll(() => doctor.getByTestId('video-camera-stale').count()).toBe(0);
    expect(await attr('video-camera', 'data-live')).toBe('true');
    expect(await doctor.locator('[data-testid="device"][data-link="unknown"]').count()).toBe(0);
    expect(await attr('vital-spo2', 'data-value')).not.toBeNull();
    tell({ type: 'consultation', consultation: { ...view(), peerPresent: false, cabinLeft: { at: Date.now(), reason: 'patient' } } });
    await expect.poll(() => attr('vital-spo2', 'data-value')).toBeNull();
    expect(await attr('vital-bp', 'data-value')).toBeNull();
    expect(await attr('vital-pulse', 'data-value')).toBeNull();
    expect(await attr('observations-count', 'data-count')).toBe('0');
    expect(await doctor.getByTestId('snapshot-image').count()).toBe(0);
    // Nor the cabin's devices, its stethoscope meter, or « your camera is sent to the patient ».
    expect(await doctor.locator('[data-testid="device"], [data-testid="steth-level"]').count()).toBe(0);
    tell({ type: 'consultation', consultation: view() });
    await expect.poll(() => attr('connection-state', 'data-peer')).toBe('present');
  });

  it('ending: confirm, the report goes to the hub with notes and every reading, and the queue says it is saved', async () => {
    await doctor.getByTestId('notes').fill('Tympan normal.');
    await doctor.getByTestId('end-consultation').click();
    await doctor.getByTestId('end-confirm').click();
    await doctor.getByTestId('report-saved').waitFor();
    const end = fromDoctor.find((m) => m.type === 'end');
    expect(end?.type === 'end' && end.notes).toBe('Tympan normal.');
    // The readings go in `report` parts before `end` (endMessages).
    // Parts go as readings arrive (each with a ref the hub answers), the rest with `end`; the hub keeps each id once.
    const ids = [...new Set(fromDoctor.flatMap((m) => (m.type === 'report' || m.type === 'end' ? m.readings.map((r) => r.id) : [])))].sort();
    expect(ids).toEqual(['bp-d', 'bp-m', 'bp-s', 'o1', 'o1-p', 'o10', 'o11', 'o2', 'o3', 'o9']);
    // Back on the queue (empty now), focus on its heading; the ended screen and the empty queue pass axe.
    await expect.poll(focused).toBe('queue-title');
    await doctor.getByTestId('queue-empty').waitFor();
    expect(await doctor.title()).toMatch(/^Cabin — (console du médecin|doctor console)$/);
    await axe('ended, queue empty');
    expect(pageErrors).toEqual([]);
  });
});
