import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/shared/bridge.ts';
import { testApps } from '../helpers/apps.ts';
import { doctorAccepts, doctorLogin, patientStarts, shotsDir, startChain, type Chain } from '../helpers/chain.ts';
import { join } from 'node:path';

/**
 * Issue 12 end to end, as the demo runs: the demo's Bluetooth LE devices (a BerryMed BCI oximeter streaming its pleth,
 * a standard Blood Pressure cuff that connects only to send its measurement), played by their drivers' simulators on
 * the device host's simulated central, through cabin main to the kiosk screen and, live over WebRTC, to the doctor's
 * console through the real hub.
 */

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const SYS = 'MDC_PRESS_BLD_NONINV_SYS';
const DIA = 'MDC_PRESS_BLD_NONINV_DIA';

const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);

describe("the demo's Bluetooth LE devices reach the kiosk and the doctor (Chromium, hub, WebRTC)", () => {
  let chain: Chain;

  beforeAll(async () => {
// The call's pages and what they show are checked, not the video (the consultation e2e's): the fake cameras at 2
    // frames a second leave the CPU to the pages (kiosk-layout's call walk: 100 s at 5 frames a second, 48 s at 2).
    chain = await startChain({ apps: await testApps(), devices: 'ble', cameraFps: 2 });
  }, 120_000);

  afterAll(async () => {
    await chain?.close();
  });

  it('the BCI oximeter and the BLE cuff: on the kiosk step, then on the doctor tiles, with the devices seen as Bluetooth', { timeout: 120_000 }, async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    const latest = (code: string): Reading | undefined => chain.readings.filter((r) => r.code === code).at(-1);

    await patientStarts(chain);
    await cabin.getByTestId('step-oximeter').waitFor({ timeout: 15_000 });
    // Readings from the BerryMed over BLE: SpO2 on the step and a moving pleth.
    await expect.poll(() => latest(SPO2)?.deviceId ?? '', { timeout: 10_000 }).toMatch(/^berrymed-bci@ble:[0-9A-F:]{17}$/);
    await expect.poll(async () => (await cabin.getByTestId('value-spo2').textContent())?.trim() ?? '—', { timeout: 10_000 }).not.toBe('—');
    const pleth = cabin.getByTestId('pleth');
    const drawn = async () => Number(await pleth.getAttribute('data-samples-drawn'));
    await expect.poll(drawn, { timeout: 5000 }).toBeGreaterThan(0);
    const before = await drawn();
    await cabin.waitForTimeout(1000);
    expect((await drawn()) - before).toBeGreaterThan(30);

    // The doctor takes the call: the SpO2 tile holds the BCI's latest value.
    await doctorLogin(chain);
    await doctorAccepts(chain);
    await doctor.locator('[data-testid="vital-spo2"][data-value]').waitFor({ timeout: 20_000 });
    await expect.poll(async () => Number(await attr(doctor, 'vital-spo2', 'data-value')) === latest(SPO2)?.value, { timeout: 5000 }).toBe(true);

    // The blood-pressure step: the cuff waits (no remote start in the BLE profile); the demo's patient measures, the
    // cuff connects, indicates its measurement and hangs up.
    const bpBefore = chain.readings.filter((r) => r.code === SYS).length;
    await cabin.getByTestId('next').click();
    await cabin.getByTestId('step-blood-pressure').waitFor();
    await expect.poll(() => chain.readings.filter((r) => r.code === SYS).length, { timeout: 20_000 }).toBeGreaterThan(bpBefore);
    const sys = latest(SYS)!;
    expect(sys.deviceId).toMatch(/^ble-blood-pressure@ble:/);
    // The measurement's values come one after the other: its diastolic a moment after its systolic.
    const diaOf = () => chain.readings.find((r) => r.code === DIA && r.measurementId === sys.measurementId);
    await expect.poll(() => diaOf() !== undefined, { timeout: 5000 }).toBe(true);
    const dia = diaOf()!;
    await expect.poll(async () => (await cabin.getByTestId('value-bp').textContent())?.trim(), { timeout: 10_000 }).toBe(`${sys.value}/${dia.value}`);
    // The same measurement on the doctor's tile.
    await expect.poll(() => attr(doctor, 'vital-bp', 'data-value'), { timeout: 10_000 }).toBe(`${sys.value}/${dia.value}`);
    await cabin.screenshot({ path: join(shotsDir(), 'ble-01-kiosk-bp.png') });
    await doctor.screenshot({ path: join(shotsDir(), 'ble-02-doctor.png') });
  });
});
