import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_LOST_GRACE_MS } from '../../src/renderer/bridge/link.ts';
import { buildApps, doctorAccepts, doctorLogin, patientStarts, shotsDir, startChain, type Chain } from '../helpers/chain.ts';
import { prepare, type Instrumented } from '../helpers/instrument.ts';

/** Every capture the page opens (camera, microphones, stethoscope), kept to see whether the page released them. */
function keepCaptures(): void {
  const w = window as unknown as { __captures: MediaStream[] };
  w.__captures = [];
  const md = navigator.mediaDevices;
  const native = md.getUserMedia.bind(md);
  md.getUserMedia = async (c?: MediaStreamConstraints) => {
    const s = await native(c);
    w.__captures.push(s);
    return s;
  };
}

/**
 * Cabin main gone while the kiosk page lives on (a crash: the page's bridge socket closes and nothing answers again):
 * the page says « Reconnexion… » across the top and greys what it shows, and after a short grace it hangs up the call
 * and releases the camera and microphones, so an orphaned page cannot keep streaming the patient to the doctor.
 */
describe('the kiosk page when cabin main is gone (hub, kiosk, doctor console in Chromium)', () => {
  let buildDir: string;
  let chain: Chain;

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'cabin-bridge-lost-apps-'));
    chain = await startChain({ apps: await buildApps(buildDir) });
    await prepare(chain);
    await chain.cabinPage.addInitScript(keepCaptures);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('says "reconnecting" at once, then hangs up and releases the devices after the grace period', async () => {
    const { cabinPage: cabin } = chain;
    await patientStarts(chain);
    await doctorLogin(chain);
    await doctorAccepts(chain);
    await cabin.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 20_000 });
    const live = () =>
      cabin.evaluate(() => {
        const w = window as unknown as Instrumented & { __captures: MediaStream[] };
        return {
          pcs: w.__pcs.filter((p) => p.connectionState !== 'closed').length,
          tracks: w.__captures.flatMap((s) => s.getTracks()).filter((t) => t.readyState === 'live').length,
        };
      });
    const before = await live();
    expect(before.pcs).toBeGreaterThan(0);
    expect(before.tracks).toBeGreaterThan(0);
    expect(await cabin.getByTestId('bridge-lost').count()).toBe(0);

    // Cabin main's web host goes away: the page's bridge closes and no new one opens.
    const cutAt = Date.now();
    await chain.kiosk.close();
    const notice = cabin.getByTestId('bridge-lost');
    await notice.waitFor({ timeout: 3000 });
    expect(await notice.innerText()).toContain('Reconnexion');
    expect(await cabin.locator('.kiosk[data-bridge="lost"]').count()).toBe(1);
    // Full width, across the top.
    const box = (await notice.boundingBox())!;
    expect(box.width).toBeGreaterThanOrEqual(1280 - 1);
    expect(box.y).toBe(0);

    // After the grace: no open peer connection, no live capture; the notice says the call was cut.
    await cabin.getByTestId('bridge-lost-call').waitFor({ timeout: BRIDGE_LOST_GRACE_MS + 5000 });
    await expect.poll(live, { timeout: 5000 }).toEqual({ pcs: 0, tracks: 0 });
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(BRIDGE_LOST_GRACE_MS - 500);
    await cabin.screenshot({ path: join(shotsDir(), 'kiosk-bridge-lost.png') });
  }, 90_000);
});
