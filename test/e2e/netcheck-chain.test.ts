import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApps } from '../helpers/apps.ts';
import { doctorLogin, shotsDir, startChain, type Chain } from '../helpers/chain.ts';

/**
 * The pre-call check through the whole chain (hub with coturn, cabin main, kiosk page, doctor console): the kiosk
 * checks while the patient is welcomed, the assistant panel says it in words, and the doctor's queue shows it with
 * the waiting patient (the request carried it).
 */
describe('pre-call network check: kiosk, assistant panel and doctor queue', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({ apps: await testApps(), relay: true });
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
  });

  it('runs at the welcome, shows « Bonne connexion » to the assistant, and the doctor sees it before accepting', async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    await cabin.goto(chain.kioskUrl());
    await cabin.getByTestId('assistant-open').click();
    for (const d of '1234') await cabin.getByTestId(`pin-${d}`).click();
    await cabin.getByTestId('pin-submit').click();
    const card = cabin.getByTestId('netcheck-card');
    await cabin.locator('[data-testid="netcheck-card"][data-verdict="good"]').waitFor({ timeout: 20_000 });
    expect(await card.getByTestId('netcheck-verdict').innerText()).toBe('Bonne connexion');
    expect(await card.getByTestId('netcheck-figures').innerText()).toMatch(/UDP oui/);
    await cabin.screenshot({ path: join(shotsDir(), 'netcheck-assistant.png') });
    // « Vérifier à nouveau » runs it again: a newer check.
    const firstAt = Number(await card.getAttribute('data-at'));
    await card.getByTestId('netcheck-again').click();
    await cabin.waitForFunction((at) => Number(document.querySelector('[data-testid="netcheck-card"]')?.getAttribute('data-at')) > at, firstAt, { timeout: 20_000 });
    expect(await card.getAttribute('data-verdict')).toBe('good');
    await cabin.getByTestId('assistant-lock').click();

    await cabin.getByTestId('start').click();
    await cabin.getByTestId('accept').click();
    await doctorLogin(chain);
    const badge = doctor.locator('[data-testid="queue-item"] [data-testid="queue-netcheck"]');
    await badge.waitFor({ timeout: 10_000 });
    expect(await badge.getAttribute('data-verdict')).toBe('good');
    expect(await badge.innerText()).toMatch(/Réseau de la cabine\u00a0: bon|Cabin network: good/);
    await doctor.screenshot({ path: join(shotsDir(), 'netcheck-doctor-queue.png') });
    expect(chain.pageErrors).toEqual([]);
  }, 60_000);
});
