import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/main/config.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';
import { testRendererCopy } from '../helpers/apps.ts';
import { launchChromium } from '../helpers/chromium.ts';

/**
 * The kiosk in Arabic, right to left, in Chromium against the demo: the page says dir="rtl" and lang="ar", every word
 * on the patient's screens is Arabic (no French or English left), and the layout mirrors — the primary action on
 * the left, the secondary one on the right, text starting on the right — with nothing off screen.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test/output/screenshots');
/** Latin words an Arabic screen may show: the other languages' own names, the SpO2 symbol, the cuff's START key. */
const LATIN_ALLOWED = new Set(['Français', 'English', 'SpO2', 'START']);

describe('kiosk in Arabic (right to left)', () => {
  let dir: string;
  let kiosk: KioskHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const phase = (p: string) => page.locator(`.kiosk[data-phase="${p}"]`).waitFor();
  const box = async (testId: string) => (await page.getByTestId(testId).boundingBox())!;

  /** Latin words in the visible text (a French or English leftover, or a raw identifier). */
  const latinWords = async (): Promise<string[]> => {
    const text = await page.locator('body').innerText();
    return [...new Set(text.match(/[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9-]+/g) ?? [])].filter((w) => !LATIN_ALLOWED.has(w));
  };

  /** Every visible element inside the viewport horizontally, and no sideways scroll (a mirrored layout gone wrong). */
  const offScreen = (): Promise<string[]> =>
    page.evaluate(() => {
      const out: string[] = [];
      const vw = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > vw + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`);
      for (const el of document.querySelectorAll<HTMLElement>('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
        if (r.left < -1 || r.right > vw + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}…${Math.round(r.right)}`);
      }
      return out;
    });

  /** Where a heading's text starts: its right edge against its box's (text-align: start in a right-to-left page). */
  const textHugsRight = (selector: string): Promise<boolean> =>
    page.evaluate((sel) => {
      const el = document.querySelector<HTMLElement>(sel)!;
      const range = document.createRange();
      range.selectNodeContents(el);
      const text = range.getBoundingClientRect();
      const own = el.getBoundingClientRect();
      return own.right - text.right < 4 && text.left - own.left > 4;
    }, selector);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-rtl-'));
    mkdirSync(SHOTS, { recursive: true });
    // The renderer without its voice pack (the spoken guide is voice.test.ts's).
    const rendererDir = await testRendererCopy(join(dir, 'renderer'), { voice: false });
    kiosk = await startKiosk({ config: demoConfig({ dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }), rendererDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(kiosk.url);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('welcome: the Arabic tile is named العربية; choosing it turns the page right to left, in Arabic', async () => {
    await phase('welcome');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    expect(await page.getByTestId('language-ar').textContent()).toContain('العربية');
    const frFirst = await box('language-fr');
    await page.getByTestId('language-ar').click();
    await expect.poll(() => page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
    expect((await kiosk.cabin.handlers['session:get']({})).language).toBe('ar');
    await expect.poll(() => page.getByTestId('start').textContent()).toBe('ابدأ');
    // The language tiles read from the right: French, the first, moved from the left to the right of Arabic.
    const [fr, ar] = [await box('language-fr'), await box('language-ar')];
    expect(fr.x).toBeGreaterThan(ar.x);
    expect(fr.x).not.toBe(frFirst.x);
    expect(await latinWords()).toEqual([]);
    expect(await offScreen()).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'rtl-welcome-ar.png') });
  });

  it('consent: Arabic words, text from the right, « yes » (primary) on the left and « no » on the right', async () => {
    await page.getByTestId('start').click();
    await phase('consent');
    await page.screenshot({ path: join(SHOTS, 'rtl-consent-ar.png') });
    expect(await latinWords()).toEqual([]);
    expect(await page.locator('.consent-text').innerText()).toMatch(/الطبيب/);
    const [accept, decline] = [await box('accept'), await box('decline')];
    expect(accept.x + accept.width).toBeLessThanOrEqual(decline.x + 1);
    expect(await textHugsRight('.consent-text h2')).toBe(true);
    expect(await offScreen()).toEqual([]);
  });

  it('exam: the step in Arabic, values in Western digits, « next » on the left and « back » on the right', async () => {
    await page.getByTestId('accept').click();
    await phase('exam');
    await page.getByTestId('next').waitFor();
    await page.screenshot({ path: join(SHOTS, 'rtl-exam-ar.png') });
    expect(await latinWords()).toEqual([]);
    expect(await page.locator('.kiosk').innerText()).not.toMatch(/[\u0660-\u0669]/);
    const next = await box('next');
    // Its arrow points the way a right-to-left reader goes on.
    expect(await page.getByTestId('next').textContent()).toMatch(/←/);
    // On the first step there is no « back »: « next » sits on the left half, where a right-to-left reader ends.
    if ((await page.getByTestId('back').count()) > 0) expect(next.x + next.width).toBeLessThanOrEqual((await box('back')).x + 1);
    else expect(next.x + next.width / 2).toBeLessThan(640);
    expect(await offScreen()).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
