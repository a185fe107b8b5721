import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallView, DeviceView, KioskConfigView, Reading, SessionView } from '../../src/shared/bridge.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { layoutProblems } from '../helpers/layout.ts';

/**
 * Every exam step with any combination of the notices that take room above or below it (the call's state, « La
 * consultation est terminée » with the green « what now » under the step, the spoken guide's notice, the patient's
 * call for the assistant), at the three cabin sizes: the step fits (kiosk-layout's rules: nothing cut or off screen),
 * and its buttons are whole and on top (nothing covers them). The built renderer (`npm run build`) with a fake main
 * in the page: no hub, no call, no devices, so each state is set in a moment.
 */

const ROOT = resolve(import.meta.dirname, '../..');
/** The built kiosk (`npm run build`), or another build of it (`KIOSK_DIST`). */
const DIST = process.env.KIOSK_DIST ?? join(ROOT, 'dist/renderer');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.ogg': 'audio/ogg' };
const SIZES = [
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1080x1920', width: 1080, height: 1920 },
] as const;

const device = (id: string, category: string, commands: string[] = []): DeviceView => ({
  id, driver: id, name: id, category, transport: 'simulated', path: 'sim', reason: 'demo', commands, link: 'connected', status: 'ok',
});
const DEVICES = [device('oxi', 'oximeter'), device('bp', 'blood-pressure', ['measure']), device('thermo', 'thermometer'), device('scale', 'scale')];

/** What the fake main starts with (the page's first `session:get`, `call:get`…). */
interface Start {
  session: SessionView;
  call: CallView;
  devices: DeviceView[];
  config: KioskConfigView;
}

/** Runs in the page before its scripts: `window.cabin` as the Electron preload gives it, and `window.fakeMain.emit`. */
function fakeMain(start: Start): void {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const state = { ...start };
  const emit = (name: string, payload: unknown): void => {
    if (name === 'call') state.call = payload as CallView;
    if (name === 'session') state.session = payload as SessionView;
    for (const l of listeners.get(name) ?? []) l(payload);
  };
  const answers: Record<string, () => unknown> = {
    'session:get': () => state.session,
    'session:activity': () => state.session,
    'config:get': () => state.config,
    'devices:list': () => state.devices,
    'call:get': () => state.call,
    'outbox:pending': () => [],
    'outbox:ack': () => ({ marked: 0 }),
  };
  Object.assign(window, {
    fakeMain: { emit },
    cabin: {
      call: async (name: string) => ({ ok: true, value: answers[name]?.() ?? {} }),
      on(name: string, listener: (p: unknown) => void) {
        let set = listeners.get(name);
        if (!set) listeners.set(name, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
    },
  });
}

const CALL_OFF: CallView = { state: 'off', consultationId: null, doctorName: null, peerPresent: false, polite: false, iceServers: [], error: null };
const CALL_WAITING: CallView = { ...CALL_OFF, state: 'waiting', consultationId: 'c1' };
const CALL_ENDED: CallView = { ...CALL_OFF, state: 'ended', consultationId: 'c1', endCause: 'doctor-ended' };

describe('each exam step fits with every combination of notices (built renderer, fake main)', () => {
  let server: Server;
  let browser: Browser;
  let origin: string;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/renderer is missing: run `npm run build` first.');
    server = createServer((req, res) => {
      const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
      try {
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(join(DIST, path)));
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium(['--use-fake-device-for-media-stream=device-count=3']);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  /** The page of one visit: `help` the patient has called the assistant, `mute` the spoken guide cannot speak. */
  async function open(opts: { help: boolean; mute: boolean }): Promise<Page> {
    const context = await browser.newContext({ viewport: SIZES[0] });
    await context.grantPermissions(['camera', 'microphone'], { origin });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => errors.push(e.message));
    // No voice pack: every prompt fails and the notice « the guide cannot speak » stays under the top bar.
    if (opts.mute) await page.route('**/voice/**', (r) => r.fulfill({ status: 404 }));
    const session: SessionView = {
      phase: 'exam', sessionId: 's1', language: 'fr', startedAt: Date.now(), assistant: false, idleWarning: null,
      help: opts.help ? { at: Date.now() } : null, readings: [],
    };
    const config: KioskConfigView = {
      languages: ['fr', 'en', 'ar'], checklist: [], idle: { warnAfterS: 600, endAfterS: 900 }, demo: true,
      media: { camera: 'fake_device_0', otoscope: 'fake_device_2' },
    };
    await page.addInitScript(fakeMain, { session, call: CALL_OFF, devices: DEVICES, config });
    await page.goto(`${origin}/index.html`);
    await page.getByTestId('screen-exam').waitFor();
    if (opts.help) await page.getByTestId('help-notice').waitFor();
    if (opts.mute) await page.getByTestId('voice-notice').waitFor();
    return page;
  }

  const emit = (page: Page, name: string, payload: unknown): Promise<void> =>
    page.evaluate(([n, p]) => (window as unknown as { fakeMain: { emit(n: string, p: unknown): void } }).fakeMain.emit(n, p), [name, payload] as const);

  /** The step's buttons (and the exam's) as the patient must find them: whole, and nothing drawn over them. */
  const coveredButtons = (page: Page): Promise<string[]> =>
    page.evaluate(() => {
      const out: string[] = [];
      for (const b of document.querySelectorAll<HTMLElement>('.screen-exam button')) {
        const r = b.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        // Inside the rounded corners (18 px): the four corners' neighbourhood and the middle.
        const inset = Math.min(10, r.width / 4, r.height / 4);
        const points = [
          [r.left + inset, r.top + inset],
          [r.right - inset, r.top + inset],
          [r.left + inset, r.bottom - inset],
          [r.right - inset, r.bottom - inset],
          [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
        ];
        for (const [x, y] of points) {
          const hit = document.elementFromPoint(x!, y!);
          if (!hit || !b.contains(hit)) {
            out.push(`covered: ${b.dataset.testid ?? b.textContent} at ${Math.round(x!)},${Math.round(y!)} by ${hit ? `${hit.tagName.toLowerCase()}.${hit.className}` : 'nothing (off screen)'}`);
            break;
          }
        }
      }
      return out;
    });

  /** Every fault of the screen as it is now, at the three sizes. */
  async function faults(page: Page, what: string): Promise<string[]> {
    const out: string[] = [];
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const found = [...(await layoutProblems(page, { minFontPx: 20, maxEmptyBand: 0.25 })), ...(await coveredButtons(page))];
      out.push(...found.map((f) => `${what} at ${size.name}: ${f}`));
    }
    return out;
  }

  const currentStep = async (page: Page): Promise<string | undefined> =>
    (await page.locator('[data-testid^="step-"]').first().getAttribute('data-testid'))?.slice('step-'.length);

  /** Walks every step; at each, the call waiting for a doctor, then ended (both notices), then none. */
  async function walk(page: Page, label: string): Promise<string[]> {
    const out: string[] = [];
    const seen: string[] = [];
    for (;;) {
      await expect.poll(() => currentStep(page)).not.toBe(seen.at(-1));
      const step = (await currentStep(page))!;
      seen.push(step);
      const at = `${label}, ${step}`;
      out.push(...(await faults(page, `${at}, no call`)));
      await emit(page, 'call', CALL_WAITING);
      await page.getByTestId('call-status').waitFor();
      out.push(...(await faults(page, `${at}, call waiting`)));
      await emit(page, 'call', CALL_ENDED);
      await page.getByTestId('call-next').waitFor();
      out.push(...(await faults(page, `${at}, call ended`)));
      if (step === 'blood-pressure') {
        // The cuff asks for its START button, then measures: « Mesure réussie », the pressure and the pulse.
        await emit(page, 'device', { ...DEVICES[1], status: 'measuring', detail: 'press-start' });
        await page.getByTestId('press-start').waitFor();
        out.push(...(await faults(page, `${at}, call ended, press START`)));
        await emit(page, 'device', DEVICES[1]);
        const t = Date.now();
        const reading = (id: string, code: Reading['code'], value: number, unit: string): Reading => ({ id, deviceId: 'bp', code, value, unit, t, measurementId: 'm1' });
        const measured = [
          reading('r1', 'MDC_PRESS_BLD_NONINV_SYS', 117, 'mm[Hg]'),
          reading('r2', 'MDC_PRESS_BLD_NONINV_DIA', 77, 'mm[Hg]'),
          reading('r3', 'MDC_PULS_RATE_NON_INV', 64, '/min'),
        ];
        for (const r of measured) await emit(page, 'reading', r);
        await page.locator('[data-testid="signal"][data-signal="done"]').waitFor();
        out.push(...(await faults(page, `${at}, call ended, measured`)));
      }
      await emit(page, 'call', CALL_OFF);
      if (!(await page.getByTestId('next').isVisible())) break;
      await page.getByTestId('next').click();
    }
    expect(seen).toEqual(['oximeter', 'blood-pressure', 'thermometer', 'scale', 'otoscope']);
    return out;
  }

  it('the assistant\'s button says « Assistant » in words, is named so for a screen reader, and is big enough to touch', async () => {
    const page = await open({ help: true, mute: false });
    try {
      for (const size of SIZES) {
        await page.setViewportSize({ width: size.width, height: size.height });
        const button = page.getByRole('button', { name: 'Assistant', exact: true });
        expect(await button.getAttribute('data-testid')).toBe('assistant-open');
        expect((await button.innerText()).trim()).toBe('Assistant');
        const box = (await button.boundingBox())!;
        expect(Math.min(box.width, box.height), size.name).toBeGreaterThanOrEqual(64);
      }
    } finally {
      await page.context().close();
    }
  }, 30_000);

  for (const help of [false, true]) {
    for (const mute of [false, true]) {
      const label = [help ? 'assistant called' : '', mute ? 'guide mute' : ''].filter(Boolean).join(' + ') || 'no other notice';
      it(`${label}: every step, with no call, a call waiting, a call ended`, async () => {
        const page = await open({ help, mute });
        try {
          expect(await walk(page, label)).toEqual([]);
        } finally {
          await page.context().close();
        }
        expect(errors).toEqual([]);
      }, 90_000);
    }
  }
});
