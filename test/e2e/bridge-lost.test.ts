import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SERIAL_DEVICES, demoConfig } from '../../src/main/config.ts';
import { startKiosk } from '../../src/main/web/host.ts';
import { BRIDGE_LOST_GRACE_MS } from '../../src/renderer/bridge/link.ts';
import { BRIDGE_BEAT_MS, BRIDGE_SILENCE_MS } from '../../src/shared/bridge.ts';
import { testApps, type BuiltApps } from '../helpers/apps.ts';
import { doctorAccepts, doctorLogin, patientStarts, shotsDir, startChain, type Chain } from '../helpers/chain.ts';
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

let apps: BuiltApps;

beforeAll(async () => {
  apps = await testApps();
}, 90_000);

/**
 * Cabin main runs in the test's process, so SIGSTOP would stop the test too. While `__frozen`, the page's sockets pass
 * nothing either way and a new one never opens, as with a stopped process (whose kernel still accepts connections).
 */
function freezable(): void {
  const w = window as unknown as { __frozen: boolean; WebSocket: typeof WebSocket };
  w.__frozen = false;
  const pass = <E>(fn: ((ev: E) => void) | null) => fn && ((ev: E) => void (w.__frozen || fn(ev)));
  w.WebSocket = class extends WebSocket {
    override set onopen(fn: ((ev: Event) => void) | null) {
      super.onopen = pass(fn);
    }
    override set onmessage(fn: ((ev: MessageEvent) => void) | null) {
      super.onmessage = pass(fn);
    }
    override send(data: string): void {
      if (!w.__frozen) super.send(data);
    }
  };
}
const freeze = (chain: Chain, frozen: boolean) => chain.cabinPage.evaluate((f) => void ((window as unknown as { __frozen: boolean }).__frozen = f), frozen);

/** A call under way between the kiosk page and the doctor, holding a peer connection and captures; gives what the page still holds open. */
async function callUnderway(chain: Chain): Promise<() => Promise<{ pcs: number; tracks: number }>> {
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
  return live;
}

/**
 * Cabin main frozen while the kiosk page lives on (SIGSTOP, or an event loop that hangs): the page's bridge socket
 * stays open but main beats no more. The page takes that silence for a lost bridge, as it does a closed socket.
 */
describe('the kiosk page when cabin main freezes (hub, kiosk, doctor console in Chromium)', () => {
  let chain: Chain;

  beforeAll(async () => {
    // The bridge's loss is checked, not the video: the fake cameras at 2 frames a second leave the pages the CPU.
    chain = await startChain({ apps, cameraFps: 2 });
    await prepare(chain);
    await chain.cabinPage.addInitScript(keepCaptures);
    await chain.cabinPage.addInitScript(freezable);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
  });

  it('says "reconnecting" within 4 s, hangs up and releases the devices after the grace, and comes back with main', async () => {
    const { cabinPage: cabin } = chain;
    const live = await callUnderway(chain);

    await freeze(chain, true);
    const frozenAt = Date.now();
    const notice = cabin.getByTestId('bridge-lost');
    await notice.waitFor({ timeout: BRIDGE_SILENCE_MS + 3000 });
    // Not before main has been silent a while: its last beat came at most a beat before it froze.
    expect(Date.now() - frozenAt).toBeGreaterThanOrEqual(BRIDGE_SILENCE_MS - BRIDGE_BEAT_MS - 500);
    expect(await notice.innerText()).toContain('Reconnexion');
    await cabin.getByTestId('bridge-lost-call').waitFor({ timeout: BRIDGE_LOST_GRACE_MS + 5000 });
    await expect.poll(live, { timeout: 5000 }).toEqual({ pcs: 0, tracks: 0 });

    // SIGCONT: main answers again on the page's next socket.
    await freeze(chain, false);
    await cabin.locator('.kiosk[data-bridge="open"]').waitFor({ timeout: BRIDGE_SILENCE_MS + 10_000 });
    expect(await notice.count()).toBe(0);
  }, 90_000);
});

/**
 * Cabin main gone while the kiosk page lives on (a crash: the page's bridge socket closes and nothing answers again):
 * the page says « Reconnexion… » across the top and greys what it shows, and after a short grace it hangs up the call
 * and releases the camera and microphones, so an orphaned page cannot keep streaming the patient to the doctor.
 */
describe('the kiosk page when cabin main is gone (hub, kiosk, doctor console in Chromium)', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({ apps, cameraFps: 2 });
    await prepare(chain);
    await chain.cabinPage.addInitScript(keepCaptures);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
  });

  it('says "reconnecting" at once, then hangs up and releases the devices after the grace period', async () => {
    const { cabinPage: cabin } = chain;
    const live = await callUnderway(chain);
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

  it('after a restart of cabin main (npm start again), the page left behind says the cabin restarted, not « Reconnexion… » forever', async () => {
    // The previous test closed cabin main; a new run takes the same port, with a new bridge token.
    const dir = mkdtempSync(join(tmpdir(), 'cabin-bridge-restart-'));
    const again = await startKiosk({
      config: demoConfig({
        dataDir: join(dir, 'data'),
        web: { host: '127.0.0.1', port: Number(new URL(chain.kiosk.url).port) },
        devices: { simulate: [...DEMO_SERIAL_DEVICES] },
      }),
      rendererDir: apps.rendererDir,
    });
    try {
      const restarted = chain.cabinPage.getByTestId('cabin-restarted');
      await restarted.waitFor({ timeout: 15_000 });
      expect(await restarted.innerText()).toBe('La cabine a redémarré. Ouvrez la nouvelle adresse affichée dans le terminal.');
      expect(await chain.cabinPage.getByTestId('bridge-lost').count()).toBe(0);
    } finally {
      await again.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
