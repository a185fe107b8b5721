import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApps } from '../helpers/apps.ts';
import { doctorAccepts, doctorLogin, patientStarts, shotsDir, startChain, type Chain } from '../helpers/chain.ts';
import { prepare } from '../helpers/instrument.ts';

/**
 * The visit as the patient and the doctor live its end, on the demo's whole chain: a patient who listens to the doctor
 * without touching the screen keeps the visit past the idle time; « Terminer l’examen » during the call asks first;
 * the patient's call for the assistant reaches the doctor; on « Oui » the doctor is told at once why, and the console
 * shows the end, not a link that fails and retries.
 */
describe('a visit that survives talking, and ends on purpose (hub, kiosk, doctor console in Chromium)', () => {
  const WARN_S = 10;
  let chain: Chain;

  beforeAll(async () => {
// The call's pages and what they show are checked, not the video (the consultation e2e's): the fake cameras at 2
    // frames a second leave the CPU to the pages (kiosk-layout's call walk: 100 s at 5 frames a second, 48 s at 2).
    chain = await startChain({ apps: await testApps(), idle: { warnAfterS: WARN_S, endAfterS: 60 }, cameraFps: 2 });
    await prepare(chain);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
  });

  it('no idle prompt while the doctor talks; ending asks first, and the doctor is told at once, without "retrying"', async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    await patientStarts(chain);
    await doctorLogin(chain);
    await doctorAccepts(chain);
    await cabin.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 20_000 });
    // The patient listens, touching nothing, past the idle time (the prompt came at warnAfterS before).
    await cabin.waitForTimeout((WARN_S + 3) * 1000);
    expect(await cabin.getByTestId('idle-prompt').count()).toBe(0);
    await cabin.getByTestId('screen-exam').waitFor();

    // The patient calls the assistant: told on the kiosk, and the doctor sees it.
    await cabin.getByTestId('help-call').click();
    await cabin.getByTestId('help-called').waitFor();
    await doctor.getByTestId('patient-help').waitFor({ timeout: 5000 });
    // Nothing on the patient's screen cancels the call: the assistant answers it with the PIN.
    expect(await cabin.locator('[data-testid="help-notice"] button').count()).toBe(0);
    await cabin.getByTestId('assistant-open').click();
    for (const d of '1234') await cabin.getByTestId(`pin-${d}`).click();
    await cabin.getByTestId('pin-submit').click();
    await cabin.getByTestId('assistant-panel').waitFor();
    await cabin.getByTestId('assistant-lock').click();
    await cabin.getByTestId('help-call').waitFor();

    while ((await cabin.getByTestId('end-exam').count()) === 0) await cabin.getByTestId('next').click();
    await cabin.getByTestId('end-exam').click();
    await cabin.getByTestId('confirm-end').waitFor();
    await cabin.screenshot({ path: join(shotsDir(), 'consultation-confirm-end.png') });
    await cabin.getByTestId('confirm-end-no').click();
    expect(await cabin.getByTestId('screen-exam').count(), 'No keeps the visit and the call').toBe(1);
    await cabin.getByTestId('end-exam').click();
    const endedAt = Date.now();
    await cabin.getByTestId('confirm-end-yes').click();
    await doctor.locator('[data-testid="cabin-left"][data-reason="patient"]').waitFor({ timeout: 5000 });
    expect(Date.now() - endedAt).toBeLessThan(5000);
    expect(await doctor.getByTestId('connection-state').count(), 'no "cabin absent / video link failed, retrying"').toBe(0);
    await doctor.screenshot({ path: join(shotsDir(), 'consultation-doctor-patient-left.png') });
    // The summary says the doctor did receive the measurements (a visit no doctor took never says it).
    await cabin.getByTestId('screen-end').waitFor();
    await cabin.locator('[data-testid="end-sent"][data-sent="end.sent"]').waitFor({ timeout: 5000 });
    expect(chain.pageErrors).toEqual([]);
  }, 60_000);
});
