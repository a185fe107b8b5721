import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/shared/bridge.ts';
import { ConsultationReportSchema } from '../../src/shared/hub-protocol.ts';
import { testApps } from '../helpers/apps.ts';
import { doctorAccepts, doctorLogin, patientStarts, socketsOn, startChain, type Chain } from '../helpers/chain.ts';
import { cspViolations, prepare, type Instrumented } from '../helpers/instrument.ts';

/**
 * Issue 14, end to end: the live consultation of test/e2e/consultation.test.ts (its main path) through a region's
 * hub — two hub nodes on one PostgreSQL and one Redis, behind HAProxy with the sample configuration — the kiosk's
 * cabin main on node a, the doctor's console on node b. Both reach the hub only through HAProxy's front; which node
 * each lands on is set through HAProxy's runtime API (startChain's `cluster`: node a alone in service while cabin
 * main connects, then drained while node b is made ready), so every message between them crosses Redis.
 */

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const PULSE = 'MDC_PULS_OXIM_PULS_RATE';
const BP_SYS = 'MDC_PRESS_BLD_NONINV_SYS';
const BP_DIA = 'MDC_PRESS_BLD_NONINV_DIA';
/** A value the simulator changes must be on the doctor's screen this soon (ms) after cabin main emitted it. */
const SHOWN_WITHIN_MS = 1000;

const doctorRtc = (chain: Chain) => chain.doctorPage.getByTestId('connection-state').getAttribute('data-rtc');
const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);

describe('live consultation end to end through two hub nodes behind HAProxy', () => {
  let chain: Chain;

  beforeAll(async () => {
    chain = await startChain({ apps: await testApps(), cluster: { nodes: 2 } });
    await prepare(chain);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
  }, 30_000);

  it('cabin on node a, doctor on node b: claim, video, sound and readings live, a command, notes, end, the report stored', async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    const [a, b] = chain.cluster!.nodes.map((n) => n.hub);

    // The patient asks, the doctor logs in and accepts: the request was made on node a, the claim on node b.
    await patientStarts(chain);
    await cabin.getByTestId('screen-exam').waitFor();
    await cabin.locator('[data-testid="call-status"][data-state="waiting"]').waitFor();
    await doctorLogin(chain);
    await doctorAccepts(chain);
    const consultationId = (await doctor.getByTestId('consultation').getAttribute('data-consultation-id'))!;
    await expect.poll(() => doctorRtc(chain), { timeout: 15_000 }).toBe('connected');
    await cabin.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 15_000 });
    const connectedAt = Date.now();
    const fromIndex = chain.readings.length;

    // Each side on its node: cabin main's socket on a, the doctor console's on b, none elsewhere.
    expect(await socketsOn(a!)).toEqual({ cabin: 1, doctor: 0 });
    expect(await socketsOn(b!)).toEqual({ cabin: 0, doctor: 1 });
    // Both came through HAProxy's front: cabin main's login to node a, the doctor's to node b.
    expect(chain.cluster!.lbLog()).toMatch(/hub_nodes\/a .*"POST \/api\/cabin\/token /);
    expect(chain.cluster!.lbLog()).toMatch(/hub_nodes\/b .*"POST \/api\/login /);

    // SpO2 and pulse tiles hold the values main emitted.
    await doctor.locator('[data-testid="vital-spo2"][data-value]').waitFor();
    await doctor.locator('[data-testid="vital-pulse"][data-value]').waitFor();
    const latestOf = (code: string): Reading | undefined => chain.readings.filter((r) => r.code === code).at(-1);
    await expect.poll(async () => Number(await attr(doctor, 'vital-spo2', 'data-value')) === latestOf(SPO2)?.value, { timeout: 3000 }).toBe(true);

    // The patient camera and the otoscope play on the doctor's screen (frames decoded), the stethoscope is live, and
    // the doctor's camera plays on the kiosk.
    for (const id of ['video-camera', 'video-otoscope']) {
      await expect.poll(() => doctor.getByTestId(id).evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && v.currentTime > 0), { timeout: 10_000, message: id }).toBe(true);
    }
    expect(await doctor.getByTestId('audio-stethoscope').getAttribute('data-live')).toBe('true');
    await expect
      .poll(() => cabin.getByTestId('doctor-video').evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && v.currentTime > 0).catch(() => false), { timeout: 20_000, message: 'the doctor video decodes on the kiosk' })
      .toBe(true);

    // A command from node b's doctor to node a's cabin: the cuff starts, and its new measurement is on the doctor's tile.
    const measure = doctor.locator('[data-testid="device-command"][data-command="measure"]').first();
    await measure.waitFor();
    await expect.poll(() => measure.isEnabled(), { timeout: 5000 }).toBe(true);
    const bpDevice = (await measure.getAttribute('data-device-id'))!;
    const clickedAt = Date.now();
    await measure.click();
    await doctor.locator(`[data-testid="command-result"][data-device-id="${bpDevice}"][data-state="ok"]`).waitFor({ timeout: 10_000 });
    const newBp = () => chain.readings.filter((r, i) => r.code === BP_SYS && chain.readingsAt[i]! >= clickedAt).at(-1);
    await expect.poll(() => newBp() !== undefined, { timeout: 15_000, message: 'a BP measurement after the click' }).toBe(true);
    const dia = () => chain.readings.find((r) => r.code === BP_DIA && r.measurementId === newBp()!.measurementId);
    await expect.poll(() => dia() !== undefined, { timeout: 5000 }).toBe(true);
    await expect.poll(async () => attr(doctor, 'vital-bp', 'data-value'), { timeout: 3000 }).toBe(`${newBp()!.value}/${dia()!.value}`);

    // SpO2 and pulse change as the simulated patient goes on: each new value main emitted is on the doctor's screen
    // within a second, across the two nodes. Watched until both changed at least once while the call was up.
    const changesSince = (from: number, to: number): { key: string; id: string; value: number; at: number }[] => {
      const out: { key: string; id: string; value: number; at: number }[] = [];
      for (const [code, key] of [
        [SPO2, 'vital-spo2'],
        [PULSE, 'vital-pulse'],
      ] as const) {
        let prev: number | undefined;
        chain.readings.forEach((r, i) => {
          if (r.code !== code) return;
          const at = chain.readingsAt[i]!;
          if (prev !== undefined && r.value !== prev && at > from && at <= to) out.push({ key, id: r.id, value: r.value!, at });
          prev = r.value;
        });
      }
      return out;
    };
    const watchFrom = connectedAt + 1000;
    await expect
      .poll(() => ['vital-spo2', 'vital-pulse'].every((k) => changesSince(watchFrom, Date.now() - SHOWN_WITHIN_MS).some((x) => x.key === k)), { timeout: 30_000, interval: 250 })
      .toBe(true);
    const watchTo = Date.now() - SHOWN_WITHIN_MS;
    const vitals = await doctor.evaluate(() => (window as unknown as Instrumented).__vitals);
    const changes = changesSince(watchFrom, watchTo);
    const late = changes.filter((c) => !vitals.some((v) => v.key === c.key && Number(v.value) === c.value && v.at >= c.at - 50 && v.at <= c.at + SHOWN_WITHIN_MS));
    expect(late, `changes not shown within ${SHOWN_WITHIN_MS} ms (of ${changes.length})`).toEqual([]);

    // Everything main recorded since the call connected reached the doctor once, and nothing else did.
    const sentIds = chain.readings.slice(fromIndex).map((r) => r.id);
    const seen = () =>
      doctor.evaluate(() => ({
        got: (window as unknown as Instrumented).__obs.map((o) => o.id),
        shown: Number(document.querySelector('[data-testid="observations-count"]')?.getAttribute('data-count')),
      }));
    let view = await seen();
    for (let i = 0; i < 40 && sentIds.some((id) => !view.got.includes(id)); i++) {
      await new Promise((r) => setTimeout(r, 250));
      view = await seen();
    }
    expect(
      sentIds.filter((id) => !view.got.includes(id)),
      'observations main emitted that the doctor never got (within 10 s)',
    ).toEqual([]);
    const counts = new Map<string, number>();
    for (const id of view.got) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1), 'observations the doctor got twice').toEqual([]);
    const allIds = new Set(chain.readings.map((r) => r.id));
    expect(view.got.filter((id) => !allIds.has(id)), 'observations main never emitted').toEqual([]);
    expect(view.shown, 'the observation count on the doctor screen').toBe(counts.size);

    // The doctor writes notes and ends: the report is saved; the kiosk (on the other node) shows the call ended.
    const notes = `Auscultation normale, SpO2 ${latestOf(SPO2)!.value} %. ${Date.now()}`;
    await doctor.getByTestId('notes').fill(notes);
    await doctor.getByTestId('end-consultation').click();
    await doctor.getByTestId('end-confirm').click();
    await doctor.getByTestId('report-saved').waitFor({ timeout: 10_000 });
    await cabin.locator('[data-testid="call-status"][data-state="ended"]').waitFor({ timeout: 10_000 });

    // The report as a doctor reads it through HAProxy's front, the same as in the shared database.
    const login = await fetch(`${chain.hub.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: chain.doctor.username, password: chain.doctor.password }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const answer = await fetch(`${chain.hub.url}/api/consultations/${encodeURIComponent(consultationId)}/report`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    const report = ConsultationReportSchema.parse(await answer.json());
    expect(report).toEqual(await chain.hub.store.report(consultationId));
    expect(report.state).toBe('ended');
    expect(report.notes).toBe(notes);
    expect(report.doctor?.name).toBeTruthy();
    expect(report.claimedAt).toBeGreaterThanOrEqual(report.createdAt);
    expect(report.endedAt).toBeGreaterThanOrEqual(report.claimedAt!);
    const reported = new Set(report.readings.map((r) => r.id));
    expect(
      sentIds.filter((id) => !reported.has(id)),
      'readings missing from the report',
    ).toEqual([]);
    expect(report.readings.some((r) => r.code === BP_SYS && r.id === newBp()!.id)).toBe(true);

    // Cabin main never left node a (its socket was not cut and moved to b midway).
    expect((await socketsOn(a!)).cabin).toBe(1);
    expect((await socketsOn(b!)).cabin).toBe(0);
    expect(chain.pageErrors).toEqual([]);
    expect(await cspViolations(chain)).toEqual({ cabin: [], doctor: [] });
  }, 110_000);
});
