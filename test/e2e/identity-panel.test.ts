import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/main/config.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';
import { testApps } from '../helpers/apps.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { layoutProblems } from '../helpers/layout.ts';
import { startHub, type TestHub } from '../hub/helpers.ts';

/**
 * Issue 13 in Chromium: the assistant files the patient's identity at the kiosk at the start of the visit (the consent
 * screen), against the web host and a real hub. The form fits the three cabin screens, empty and with its reasons; a
 * wrong INS key is refused beside its field; the corrected identity waits for the consultation, then reaches the hub.
 * Screenshots go to $IDENTITY_SHOTS (default: a temporary folder), never into the repository.
 */

const SIZES = [
  { name: '1920x1080', width: 1920, height: 1080 },
  { name: '1280x800', width: 1280, height: 800 },
  { name: '1080x1920', width: 1080, height: 1920 },
] as const;

describe('the patient identity on the kiosk (Chromium, real hub)', () => {
  let dir: string;
  let shots: string;
  let hub: TestHub;
  let kiosk: KioskHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`) });
  async function enterPin(pin: string): Promise<void> {
    for (const d of pin) await page.getByTestId(`pin-${d}`).click();
    await page.getByTestId('pin-submit').click();
  }
  async function everySize(name: string, ignore?: string): Promise<void> {
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await shot(`${name}-${size.name}`);
      const problems = await layoutProblems(page, { minFontPx: 20, scrollable: '.panel-scroll', targetsMayScroll: true, ...(ignore && { ignore }) });
      expect.soft(problems, `${name} ${size.name}`).toEqual([]);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cabin-identity-e2e-'));
    shots = process.env.IDENTITY_SHOTS ?? join(dir, 'shots');
    mkdirSync(shots, { recursive: true });
    hub = await startHub();
    const { rendererDir } = await testApps();
    kiosk = await startKiosk({
      config: demoConfig({
        dataDir: join(dir, 'data'),
        web: { host: '127.0.0.1', port: 0 },
        media: { camera: 'fake', stethoscope: 'Fake Audio Input 1' },
        cabinId: 'cab-1',
        hub: { url: hub.hub.url, cabinKey: hub.keys['cab-1']! },
      }),
      rendererDir,
    });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    await context.grantPermissions(['camera', 'microphone'], { origin: new URL(kiosk.url).origin });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(kiosk.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
    await hub?.close();
    if (dir && !process.env.IDENTITY_SHOTS) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('the assistant files the identity at the consent: it fits every cabin screen, says what is wrong in words, and reaches the hub', async () => {
    await page.getByTestId('start').click();
    await page.getByTestId('accept').waitFor();
    await page.getByTestId('assistant-open').click();
    await enterPin('1234');
    await page.getByTestId('identity-section').waitFor();
    expect(await page.getByTestId('identity-section').textContent()).toContain('Aucune identité saisie pour cette visite.');
    await page.getByTestId('identity-open').click();
    await page.getByTestId('identity-panel').waitFor();
    await everySize('identity-empty');

    // Saved empty: each required field says so, and the top counts them.
    await page.getByTestId('identity-save').click();
    expect(await page.getByTestId('identity-fix').textContent()).toBe('4 champs à corriger, signalés ci-dessous.');
    expect(await page.getByTestId('identity-error-birthName').textContent()).toBe('À remplir.');

    await page.getByTestId('identity-birthName').fill('Martin');
    await page.getByTestId('identity-firstNames').fill('Chloé Marie');
    await page.getByTestId('identity-day').fill('12');
    await page.getByTestId('identity-month').fill('03');
    await page.getByTestId('identity-year').fill('1992');
    await page.getByTestId('identity-sex-female').click();
    await page.getByTestId('identity-birthplace').fill('75056');
    await page.getByTestId('identity-ins-kind-nir').click();
    // The card's number with its last digit mistyped.
    await page.getByTestId('identity-insValue').fill('2 92 03 75 116 042 79');
    await page.getByTestId('identity-status-validated').click();
    await page.getByTestId('identity-save').click();
    expect(await page.getByTestId('identity-error-insValue').textContent()).toBe('La clé ne correspond pas au numéro\u00a0: vérifiez chaque chiffre.');
    expect(await page.getByTestId('identity-fix').textContent()).toBe('1 champ à corriger, signalé ci-dessous.');
    await everySize('identity-refused');

    await page.getByTestId('identity-insValue').fill('2 92 03 75 116 042 78');
    await page.getByTestId('identity-save').click();
    await page.getByTestId('identity-panel').waitFor({ state: 'detached' });
    expect(await page.getByTestId('identity-summary').textContent()).toBe('MARTIN Chloé Marie, né(e) le 12 mars 1992Vérifiée sur une pièce d’identité');
    // No consultation before the exam: it waits for one.
    expect(await page.getByTestId('identity-delivery').getAttribute('data-delivery')).toBe('waiting');
    // With the device cards beside it: their link words wrap inside their column.
    await everySize('identity-filed');

    // The patient accepts; the exam asks for a doctor: the identity goes to that consultation on the hub.
    await page.getByTestId('assistant-lock').click();
    await page.getByTestId('accept').click();
    await page.getByTestId('assistant-open').click();
    await enterPin('1234');
    await expect.poll(() => page.getByTestId('identity-delivery').getAttribute('data-delivery'), { timeout: 15_000 }).toBe('filed');
    expect(await page.getByTestId('identity-delivery').textContent()).toBe('Transmise au médecin.');
    const consultationId = (await hub.hub.store.openFor('cabin', 'cab-1'))[0]!.id;
    expect(await hub.hub.store.patientIdentity(consultationId)).toEqual({
      birthName: 'Martin',
      firstNames: ['Chloé', 'Marie'],
      birthDate: '1992-03-12',
      sex: 'female',
      birthplace: '75056',
      ins: { kind: 'nir', value: '292037511604278' },
      status: 'validated',
    });
    expect(pageErrors).toEqual([]);
  });
});
