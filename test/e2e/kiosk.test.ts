import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SERIAL_DEVICES, demoConfig } from '../../src/main/config.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';
import type { Reading } from '../../src/shared/bridge.ts';
import { testApps } from '../helpers/apps.ts';
import { launchChromium } from '../helpers/chromium.ts';

/**
 * The kiosk end to end, in Chromium, against the web host with the demo's simulated devices: a whole visit
 * (welcome → consent → exam → end → cleaning lock → welcome), the live values and waveform, the assistant
 * PIN and cleaning checklist, the language switch, and that nothing of the patient is left on the page.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test/output/screenshots');
const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const PULSE = 'MDC_PULS_OXIM_PULS_RATE';
const IDLE_WARN_S = 12;
const DECIMALS: Record<string, number> = { MDC_TEMP_BODY: 1, MDC_MASS_BODY_ACTUAL: 1, MDC_RATIO_MASS_BODY_LEN_SQ: 1 };

describe('kiosk in Chromium (browser mode, demo devices)', () => {
  let dir: string;
  let kiosk: KioskHost;
  let browser: Browser;
  let page: Page;
  const latest = new Map<string, Reading>();
  const seen: Reading[] = [];
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const phase = (p: string) => page.locator(`.kiosk[data-phase="${p}"]`).waitFor();
  const visible = (testId: string) => page.getByTestId(testId).waitFor();
  const gone = (testId: string) => page.getByTestId(testId).waitFor({ state: 'detached' });
  const text = (testId: string) => page.getByTestId(testId).textContent();
  const hasText = async (testId: string, want: string | RegExp) => {
    const poll = expect.poll(() => text(testId), { timeout: 5000 });
    await (typeof want === 'string' ? poll.toBe(want) : poll.toMatch(want));
  };
  const fmt = (r: Reading, lang: string) =>
    new Intl.NumberFormat(lang, { minimumFractionDigits: DECIMALS[r.code] ?? 0, maximumFractionDigits: DECIMALS[r.code] ?? 0 }).format(r.value!);

  /** No reading of the visit anywhere in the page's text, and no value element left. */
  async function expectNoPatientData(): Promise<void> {
    const body = await page.locator('body').innerText();
    for (const r of seen) {
      for (const v of new Set([fmt(r, 'fr'), fmt(r, 'en'), String(r.value)])) {
        const pattern = new RegExp(`(^|[^\\d.,])${v.replace(/[.]/g, '\\.')}($|[^\\d.,])`);
        expect(pattern.test(body), `reading ${r.code}=${v} still on screen: ${body}`).toBe(false);
      }
    }
    expect(await page.locator('[data-testid^="value-"], [data-testid^="summary-"], [data-testid="pleth"], video').count()).toBe(0);
  }

  /** Every visible button and checkbox row is a touch target of at least 64 × 64 CSS pixels. */
  async function expectTouchTargets(): Promise<void> {
    const small = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('button, label.check')]
        .filter((el) => el.offsetParent !== null)
        .map((el) => ({ el: el.textContent || el.getAttribute('aria-label'), r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width < 64 || r.height < 64)
        .map(({ el, r }) => `${el} ${Math.round(r.width)}×${Math.round(r.height)}`),
    );
    expect(small).toEqual([]);
  }

  async function enterPin(pin: string): Promise<void> {
    for (const d of pin) await page.getByTestId(`pin-${d}`).click();
    await page.getByTestId('pin-submit').click();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    // With its voice pack: the welcome and each step are spoken.
    const { rendererDir } = await testApps();
    kiosk = await startKiosk({
      // Chromium's fake capture devices stand in for the patient camera and the stethoscope.
      config: demoConfig({
        dataDir: join(dir, 'data'),
        web: { host: '127.0.0.1', port: 0 },
        media: { camera: 'fake', stethoscope: 'Fake Audio Input 1' },
        // Short enough for the last test to see the prompt, long enough never to interrupt the others.
        idle: { warnAfterS: IDLE_WARN_S, endAfterS: 60 },
        // The serial and USB devices: this test covers the Omron's « press START » and the Contec's pleth.
        devices: { simulate: [...DEMO_SERIAL_DEVICES] },
      }),
      rendererDir,
    });
    kiosk.cabin.subscribe((event, payload) => {
      if (event !== 'reading') return;
      const r = payload as Reading;
      latest.set(r.code, r);
      seen.push(r);
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    await context.grantPermissions(['camera', 'microphone'], { origin: new URL(kiosk.url).origin });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    await page.goto(kiosk.url);
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('welcome: one big start button; switching FR ↔ EN changes the texts and the session language', async () => {
    await phase('welcome').catch((err) => {
      throw new Error(`${(err as Error).message}\npage errors: ${pageErrors.join('\n')}`);
    });
    await hasText('start', 'Commencer');
    await shot('01-welcome-fr');
    await expectTouchTargets();
    await page.getByTestId('language-en').click();
    await hasText('start', 'Start');
    expect(await page.locator('h1').textContent()).toBe('Hello!');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect((await kiosk.cabin.handlers['session:get']({})).language).toBe('en');
    await shot('02-welcome-en');
    await page.getByTestId('language-fr').click();
    await hasText('start', 'Commencer');
    expect((await kiosk.cabin.handlers['session:get']({})).language).toBe('fr');
  });

  it('declining the consent goes back to welcome', async () => {
    await page.getByTestId('start').click();
    await phase('consent');
    await page.getByTestId('decline').click();
    await phase('welcome');
  });

  it('start → consent → the oximeter step shows the latest SpO2 and pulse and a moving waveform', async () => {
    await page.getByTestId('start').click();
    await phase('consent');
    await shot('03-consent');
    await expectTouchTargets();
    await page.getByTestId('accept').click();
    await phase('exam');
    await visible('step-oximeter');

    for (const [testId, code] of [['value-spo2', SPO2], ['value-pulse', PULSE]] as const) {
      await expect
        .poll(async () => {
          const r = latest.get(code);
          return r !== undefined && (await text(testId)) === fmt(r, 'fr');
        }, { timeout: 10_000, interval: 100 })
        .toBe(true);
    }
    const pleth = page.getByTestId('pleth');
    const drawn = async () => Number(await pleth.getAttribute('data-samples-drawn'));
    await expect.poll(drawn, { timeout: 5000 }).toBeGreaterThan(0);
    const before = await drawn();
    await page.waitForTimeout(1000);
    // About 60 samples a second at the simulator's rate.
    expect((await drawn()) - before).toBeGreaterThan(30);
    expect(await page.getByTestId('signal').getAttribute('data-signal')).toMatch(/done|searching|measuring/);
    await visible('camera-preview');
    // On the oximeter's step the other devices have measured nothing: nobody has used them yet.
    expect(seen.filter((r) => /NONINV|TEMP|MASS|BODY/.test(r.code)).map((r) => r.code)).toEqual([]);
    await shot('04-exam-oximeter');
    await expectTouchTargets();
    const px = (sel: string) => page.locator(sel).first().evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(await px('.instruction')).toBeGreaterThanOrEqual(24);
    expect(await px('[data-testid="value-spo2"]')).toBeGreaterThanOrEqual(64);
  });

  it('a reload resumes the visit where it was', async () => {
    await page.reload();
    await phase('exam');
    await visible('step-oximeter');
    await expect.poll(async () => (await text('value-spo2')) !== '—', { timeout: 5000 }).toBe(true);
  });

  it('the blood pressure step asks the patient to press START after "start measurement"', async () => {
    await page.getByTestId('next').click();
    await visible('step-blood-pressure');
    await page.getByTestId('measure').click();
    await visible('press-start');
    await shot('05-exam-blood-pressure');
    // The assistant can look in during the exam: every device at a glance.
    await page.getByTestId('assistant-open').click();
    await enterPin('1234');
    await visible('assistant-panel');
    await expect.poll(() => page.locator('[data-testid^="device-"][data-link="connected"]').count()).toBe(4);
    expect(await page.getByTestId('checklist').count()).toBe(0);
    await shot('05b-assistant-during-exam');
    await expectTouchTargets();
    await page.getByTestId('assistant-lock').click();
    await gone('assistant-panel');
    for (const [step, value] of [['thermometer', 'value-temperature'], ['scale', 'value-weight']] as const) {
      await page.getByTestId('next').click();
      await visible(`step-${step}`);
      // The demo's simulated patient uses the device once its step asks: the value comes a few seconds later.
      await expect.poll(() => text(value), { timeout: 15_000 }).not.toBe('—');
      await shot(`06-exam-${step}`);
    }
    await page.getByTestId('back').click();
    await visible('step-thermometer');
  });

  it('end: a summary of the readings, then the cabin is locked for cleaning with no patient data on screen', async () => {
    await page.getByTestId('next').click();
    await page.getByTestId('end-exam').click();
    await phase('end');
    const spo2 = latest.get(SPO2);
    expect(spo2).toBeDefined();
    await hasText('summary-spo2', fmt(spo2!, 'fr'));
    await shot('07-end');
    await expectTouchTargets();
    await page.getByTestId('finish').click();
    await phase('cleaning');
    await gone('start');
    await expectNoPatientData();
    await shot('08-cleaning');
  });

  it('assistant: a wrong PIN shows the error; PIN 1234 opens the panel; the checklist unlocks the cabin', async () => {
    await page.getByTestId('assistant-open').click();
    await enterPin('0000');
    // The PIN pad speaks the screen's language (French here), not main's English message.
    await hasText('pin-error', 'Code erroné.');
    await shot('09-pin-wrong');
    await expectTouchTargets();
    await enterPin('1234');
    await visible('assistant-panel');
    await hasText('stethoscope-status', /✓/);
    const complete = page.getByTestId('cleaning-complete');
    const items = demoConfig().checklist;
    for (const item of items.slice(0, -1)) await page.getByTestId(`check-${item.id}`).check();
    expect(await complete.isDisabled()).toBe(true);
    await page.getByTestId(`check-${items[items.length - 1]!.id}`).check();
    expect(await complete.isEnabled()).toBe(true);
    await shot('10-assistant-panel');
    await expectTouchTargets();
    await complete.click();
    await phase('welcome');
    await gone('assistant-panel');
    await visible('start');
    await expectNoPatientData();
    await shot('11-welcome-after');
  });

  it('"are you still there?" after a while without a touch; "yes" keeps the visit going', async () => {
    await page.getByTestId('start').click();
    await page.getByTestId('accept').click();
    await phase('exam');
    await page.getByTestId('idle-prompt').waitFor({ timeout: (IDLE_WARN_S + 5) * 1000 });
    await shot('12-idle-prompt');
    await page.getByRole('alertdialog').getByRole('button').click();
    await gone('idle-prompt');
    expect((await kiosk.cabin.handlers['session:get']({})).phase).toBe('exam');
  }, (IDLE_WARN_S + 15) * 1000);

  it('nothing of the visit is kept in the page storage, no inline style (Electron CSP), no page error', async () => {
    const storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      idb: (await indexedDB.databases()).map((d) => d.name),
      cookies: document.cookie,
    }));
    expect(storage).toEqual({ local: 0, session: 0, idb: [], cookies: '' });
    // The Electron shell's CSP has no 'unsafe-inline' for styles.
    expect(await page.locator('style, [style]').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
