import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApps } from '../helpers/apps.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { accessibilityProblems } from '../helpers/layout.ts';
import { cabinToken, Client, PASSWORD, startHub, type TestHub } from '../hub/helpers.ts';
import { CHLOE } from '../helpers/patients.ts';

/**
 * The patient card in Chromium, on the real hub: the doctor accepts a cabin's request (a `ws` cabin), sees « Patient
 * non identifié », types an identity with a wrong INS key (refused beside the field, nothing filed), corrects it, and
 * finds it filed on the hub and shown read-only, after a reload too.
 */

/** Key 78 computed by the rule (97 − 2920375116042 mod 97). */

describe('the patient card in Chromium, on the real hub', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;
  let cabin: Client;
  let id: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startHub({ consoleDir: (await testApps()).doctorDir });
    cabin = await Client.open(t.hub.wsUrl, await cabinToken(t, 'cab-1'));
    cabin.send({ type: 'request', ref: 'r', language: 'fr' });
    id = (await cabin.next('consultation', (m) => m.ref === 'r')).consultation.consultationId;
    browser = await launchChromium();
    const ctx = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1440, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cabin?.close();
    await t?.close();
  });

  it('files the identity the doctor types, refusing a wrong INS key beside its field', async () => {
    await page.goto(t.hub.url);
    await page.getByTestId('login-username').fill('dr.a');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('queue-accept').first().click();
    await page.getByTestId('consultation').waitFor();

    const card = page.getByTestId('patient-card');
    await expect.poll(() => card.getAttribute('data-status')).toBe('none');
    expect(await page.getByTestId('patient-none').textContent()).toBe('Patient non identifié');

    await page.getByTestId('patient-edit').click();
    await page.getByTestId('patient-birthName').fill('Martin');
    await page.getByTestId('patient-firstNames').fill('Chloé Marie');
    await page.getByTestId('patient-birthDate').fill('1992-03-12');
    await page.getByTestId('patient-sex').selectOption('female');
    await page.getByTestId('patient-birthplace').fill('75056');
    await page.getByTestId('patient-insKind').selectOption('nir');
    await page.getByTestId('patient-insValue').fill('2 92 03 75 116 042 79');
    await page.getByTestId('patient-status').selectOption({ label: 'Identité qualifiée' });
    expect(await accessibilityProblems(page, { exclude: ['.col-media', '.notes', '.consult-top'] })).toEqual([]);
    await page.getByTestId('patient-save').click();

    expect(await page.getByTestId('patient-error-insValue').textContent()).toBe('La clé ne correspond pas au numéro\u00a0: vérifiez chaque chiffre.');
    expect(await page.getByTestId('patient-insValue').getAttribute('aria-invalid')).toBe('true');
    expect(await t.hub.store.patientIdentity(id)).toBeNull();

    // Changing the field takes its error away; the right key files it.
    await page.getByTestId('patient-insValue').fill('2 92 03 75 116 042 78');
    expect(await page.getByTestId('patient-error-insValue').count()).toBe(0);
    await page.getByTestId('patient-save').click();
    await page.getByTestId('patient-saved').waitFor();
    expect(await card.getAttribute('data-status')).toBe('qualified');
    expect(await t.hub.store.patientIdentity(id)).toEqual(CHLOE);
    const shown = (await page.getByTestId('patient-filed').innerText()).replace(/\s+/g, ' ');
    expect(shown).toContain('12 mars 1992');
    expect(shown).toContain('NIR (numéro de sécurité sociale) 2 92 03 75 116 042 78');
    expect(await page.getByTestId('patient-status').innerText()).toMatch(/^Identité qualifiée/);
    expect((await t.hub.store.report(id))!.incidents.map((i) => i.detail)).toContain('patient identity filed by the doctor: qualified, INS NIR');

    // After a reload the card reads it back from the hub.
    await page.reload();
    await page.getByTestId('consultation').waitFor();
    await expect.poll(() => card.getAttribute('data-status')).toBe('qualified');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
