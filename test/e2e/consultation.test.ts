import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/shared/bridge.ts';
import { ConsultationReportSchema } from '../../src/shared/hub-protocol.ts';
import { testApps, type BuiltApps } from '../helpers/apps.ts';
import { doctorAccepts, doctorLogin, patientStarts, shotsDir, startChain, type Chain } from '../helpers/chain.ts';
import { cspViolations, prepare, selectedLocal, selectedLocalType, type Instrumented } from '../helpers/instrument.ts';

/**
 * The live consultation end to end, as the demo runs it on one machine: the real hub with its demo doctor and
 * cabin, cabin main's web host with the simulated devices, the kiosk page and the doctor console in two
 * Chromium contexts (fake cameras, a WAV of tones as the stethoscope). The patient asks for a doctor, the
 * doctor accepts and gets everything live, the kiosk page reloads mid-call without losing or repeating an
 * observation, the doctor ends and the report is on the hub. Then once more, every packet through coturn.
 */

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
const PULSE = 'MDC_PULS_OXIM_PULS_RATE';
const BP_SYS = 'MDC_PRESS_BLD_NONINV_SYS';
const BP_DIA = 'MDC_PRESS_BLD_NONINV_DIA';
/** A value the simulator changes must be on the doctor's screen this soon (ms) after cabin main emitted it. */
const SHOWN_WITHIN_MS = 1000;

const doctorRtc = (chain: Chain) => chain.doctorPage.getByTestId('connection-state').getAttribute('data-rtc');
const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);
const num = async (page: Page, testId: string, name: string) => Number(await attr(page, testId, name));
/** The share of the viewport an element's box covers (clipped to the viewport). */
const viewportShare = (page: Page, testId: string) =>
  page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const w = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0));
    const h = Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
    return (w * h) / (innerWidth * innerHeight);
  });

describe('live consultation end to end (hub, kiosk, doctor console in Chromium)', () => {
  let apps: BuiltApps;

  beforeAll(async () => {
    apps = await testApps();
  }, 60_000);

  describe('direct (loopback host candidates)', () => {
    let chain: Chain;

    beforeAll(async () => {
      chain = await startChain({ apps });
      await prepare(chain);
    }, 30_000);

    afterAll(async () => {
      await chain?.close();
    });

    it('carries everything live, survives a kiosk reload with every observation exactly once, and saves the report', async () => {
      const { cabinPage: cabin, doctorPage: doctor } = chain;
      const shots = shotsDir();

      // The patient asks, the doctor logs in and accepts.
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

      // SpO2 and pulse tiles hold the values main emitted.
      await doctor.locator('[data-testid="vital-spo2"][data-value]').waitFor();
      await doctor.locator('[data-testid="vital-pulse"][data-value]').waitFor();
      const latestOf = (code: string): Reading | undefined => chain.readings.filter((r) => r.code === code).at(-1);
      await expect.poll(async () => Number(await attr(doctor, 'vital-spo2', 'data-value')) === latestOf(SPO2)?.value, { timeout: 3000 }).toBe(true);

      // The patient camera and the otoscope play on the doctor's screen (frames decoded, not just a track).
      for (const id of ['video-camera', 'video-otoscope']) {
        await expect.poll(() => doctor.getByTestId(id).evaluate((v: HTMLVideoElement) => v.videoWidth > 0 && v.currentTime > 0), { timeout: 10_000, message: id }).toBe(true);
      }
      expect(await doctor.getByTestId('audio-stethoscope').getAttribute('data-live')).toBe('true');

      // On the kiosk the doctor is the main thing on screen (it was a 240×180 thumbnail, 2 % of 1080p): a large
      // video that really decodes frames, and no otoscope preview off the otoscope step.
      await cabin.setViewportSize({ width: 1920, height: 1080 });
      const doctorVideo = cabin.getByTestId('doctor-video');
      // The doctor's camera may start a few seconds after the call connects (a loaded machine): up to 20 s.
      await expect
        .poll(() => doctorVideo.evaluate((v: HTMLVideoElement) => v.videoWidth > 0).catch(() => false), { timeout: 20_000, message: 'the doctor video decodes on the kiosk' })
        .toBe(true);
      const playedAt = await doctorVideo.evaluate((v: HTMLVideoElement) => v.currentTime);
      await expect.poll(() => doctorVideo.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 5000 }).toBeGreaterThan(playedAt);
      await expect.poll(() => viewportShare(cabin, 'doctor-video')).toBeGreaterThanOrEqual(0.35);
      expect(await cabin.getByTestId('step-oximeter').count()).toBe(1);
      expect(await cabin.getByTestId('otoscope-preview').count()).toBe(0);
      await cabin.screenshot({ path: join(shotsDir(), 'consultation-kiosk-1920.png') });
      await cabin.setViewportSize({ width: 1280, height: 800 });

      // The pleth waveform moves.
      const drawn0 = await num(doctor, 'pleth', 'data-samples-drawn');
      await expect.poll(() => num(doctor, 'pleth', 'data-samples-drawn'), { timeout: 5000 }).toBeGreaterThan(drawn0 + 60);

      // The stethoscope is heard: a live remote audio track and a level well above silence.
      await expect.poll(() => num(doctor, 'steth-level', 'data-db'), { timeout: 10_000 }).toBeGreaterThan(-50);
      const liveAudio = await doctor.evaluate(() =>
        (window as unknown as Instrumented).__pcs
          .at(-1)!
          .getReceivers()
          .filter((r) => r.track.kind === 'audio' && r.track.readyState === 'live' && !r.track.muted).length,
      );
      expect(liveAudio).toBeGreaterThanOrEqual(2); // the patient's voice and the stethoscope

      // The doctor asks the cabin to start the blood pressure cuff: the command reaches the meter (the HEM-7080IT
      // cannot start over USB: the kiosk asks the patient to press START, which the demo's simulated patient does),
      // and the measurement it produced — a new one, made after the click — is on the doctor's tile.
      const measure = doctor.locator('[data-testid="device-command"][data-command="measure"]').first();
      await measure.waitFor();
      await expect.poll(() => measure.isEnabled(), { timeout: 5000 }).toBe(true);
      const bpDevice = (await measure.getAttribute('data-device-id'))!;
      const clickedAt = Date.now();
      await measure.click();
      await doctor.locator(`[data-testid="command-result"][data-device-id="${bpDevice}"][data-state="ok"]`).waitFor({ timeout: 10_000 });
      // By when main emitted it (a cuff's own clock has minutes only).
      const newBp = () => chain.readings.filter((r, i) => r.code === BP_SYS && chain.readingsAt[i]! >= clickedAt).at(-1);
      await expect.poll(() => newBp() !== undefined, { timeout: 15_000, message: 'a BP measurement after the click' }).toBe(true);
      const dia = () => chain.readings.find((r) => r.code === BP_DIA && r.measurementId === newBp()!.measurementId);
      await expect.poll(() => dia() !== undefined, { timeout: 5000 }).toBe(true);
      const bpText = `${newBp()!.value}/${dia()!.value}`;
      await expect.poll(async () => attr(doctor, 'vital-bp', 'data-value'), { timeout: 3000 }).toBe(bpText);

      // An otoscope snapshot at the otoscope's full resolution, as the kiosk's track reports it.
      const oto = await cabin.evaluate(() => {
        const pc = (window as unknown as Instrumented).__pcs.at(-1)!;
        const track = pc.getSenders().find((s) => s.track?.contentHint === 'detail')?.track;
        const s = track?.getSettings();
        return s ? { width: s.width, height: s.height } : null;
      });
      expect(oto, 'the kiosk sends an otoscope track').not.toBeNull();
      await doctor.getByTestId('snapshot-request').click();
      const image = doctor.getByTestId('snapshot-image');
      await image.waitFor({ timeout: 20_000 });
      expect({ width: Number(await image.getAttribute('data-width')), height: Number(await image.getAttribute('data-height')) }).toEqual(oto);
      await expect.poll(() => image.evaluate((img: HTMLImageElement) => (img.complete ? `${img.naturalWidth}x${img.naturalHeight}` : '')), { timeout: 5000 }).toBe(`${oto!.width}x${oto!.height}`);

      await doctor.screenshot({ path: join(shots, 'consultation-doctor.png'), fullPage: true });
      await cabin.screenshot({ path: join(shots, 'consultation-kiosk.png') });

      // SpO2 and pulse change as the simulated patient goes on (a slow sine): each new value main emitted is on
      // the doctor's screen within a second. Watched until both changed at least once while the call was up.
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
        .poll(
          () => {
            const c = changesSince(watchFrom, Date.now() - SHOWN_WITHIN_MS);
            return ['vital-spo2', 'vital-pulse'].every((k) => c.some((x) => x.key === k));
          },
          { timeout: 30_000, interval: 250 },
        )
        .toBe(true);
      const watchTo = Date.now() - SHOWN_WITHIN_MS;
      const { vitals, received } = await doctor.evaluate(() => ({
        vitals: (window as unknown as Instrumented).__vitals,
        received: (window as unknown as Instrumented).__obs,
      }));
      const changes = changesSince(watchFrom, watchTo);
      const late = changes
        .filter((c) => !vitals.some((v) => v.key === c.key && Number(v.value) === c.value && v.at >= c.at - 50 && v.at <= c.at + SHOWN_WITHIN_MS))
        .map((c) => ({
          ...c,
          receivedAfterMs: (received.find((o) => o.id === c.id)?.receivedAt ?? NaN) - c.at,
          shownAfterMs: (vitals.find((v) => v.key === c.key && Number(v.value) === c.value && v.at >= c.at - 50)?.at ?? NaN) - c.at,
          shownAround: vitals.filter((v) => v.key === c.key && Math.abs(v.at - c.at) < 3000).map((v) => `${v.value}@${v.at - c.at}`),
          emittedAround: chain.readings.flatMap((r, i) => (r.code === (c.key === 'vital-spo2' ? SPO2 : PULSE) && Math.abs(chain.readingsAt[i]! - c.at) < 3000 ? [`${r.value}@${chain.readingsAt[i]! - c.at}`] : [])),
        }));
      expect(late, `changes not shown within ${SHOWN_WITHIN_MS} ms (of ${changes.length})`).toEqual([]);

      // The otoscope's picture is on its own step (the last one), and plays there.
      while ((await cabin.getByTestId('step-otoscope').count()) === 0) await cabin.getByTestId('next').click();
      await expect.poll(() => cabin.getByTestId('otoscope-preview').evaluate((v: HTMLVideoElement) => v.videoWidth > 0), { timeout: 10_000 }).toBe(true);
      expect(await viewportShare(cabin, 'doctor-video'), 'the doctor stays the main thing on the otoscope step').toBeGreaterThanOrEqual(0.25);

      // The kiosk page reloads mid-call: it comes back into the same call and the outbox is resent.
      const beforeReload = chain.readings.length;
      await cabin.reload();
      await cabin.getByTestId('screen-exam').waitFor();
      await cabin.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 20_000 });
      await expect.poll(() => doctorRtc(chain), { timeout: 15_000 }).toBe('connected');
      await expect.poll(() => chain.readings.length, { timeout: 5000 }).toBeGreaterThan(beforeReload + 2);
      await expect.poll(async () => Number(await attr(doctor, 'vital-spo2', 'data-value')) === latestOf(SPO2)?.value, { timeout: 3000 }).toBe(true);

      // Everything main recorded for the session reached the doctor once, and the doctor's acks reached main.
      const pending = chain.kiosk.cabin.handlers['outbox:pending'] as (i: object) => Promise<Reading[]> | Reading[];
      // Readings keep coming, and each is acknowledged once the hub stored it (report parts, every second): some
      // are always in flight, but none emitted more than 3 s ago may still wait.
      const emittedAt = new Map(chain.readings.map((r, i) => [r.id, chain.readingsAt[i]!]));
      const overdue = async (): Promise<string[]> => (await pending({})).filter((r) => (emittedAt.get(r.id) ?? 0) < Date.now() - 3000).map((r) => r.id);
      await expect.poll(overdue, { timeout: 10_000 }).toEqual([]);
      const sentIds = chain.readings.slice(fromIndex).map((r) => r.id);
      const seen = () =>
        doctor.evaluate(() => ({
          got: (window as unknown as Instrumented).__obs.map((o) => o.id),
          shown: Number(document.querySelector('[data-testid="observations-count"]')?.getAttribute('data-count')),
        }));
      // The last ones emitted may still be on their way (they are in flight for a few hundred ms): each must arrive.
      let view = await seen();
      for (let i = 0; i < 40 && sentIds.some((id) => !view.got.includes(id)); i++) {
        await new Promise((r) => setTimeout(r, 250));
        view = await seen();
      }
      const { got, shown } = view;
      const missing = sentIds.filter((id) => !got.includes(id));
      expect(missing, 'observations main emitted that the doctor never got (within 10 s)').toEqual([]);
      const counts = new Map<string, number>();
      for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
      expect([...counts].filter(([, n]) => n > 1), 'observations the doctor got twice').toEqual([]);
      const allIds = new Set(chain.readings.map((r) => r.id));
      expect(got.filter((id) => !allIds.has(id)), 'observations main never emitted').toEqual([]);
      expect(shown, 'the observation count on the doctor screen').toBe(counts.size);

      // The doctor writes notes and ends: the report is saved on the hub; the kiosk shows the call ended.
      const notes = `Auscultation normale, SpO2 ${latestOf(SPO2)!.value} %. ${Date.now()}`;
      await doctor.getByTestId('notes').fill(notes);
      await doctor.getByTestId('end-consultation').click();
      await doctor.getByTestId('end-confirm').click();
      await doctor.getByTestId('report-saved').waitFor({ timeout: 10_000 });
      await cabin.locator('[data-testid="call-status"][data-state="ended"]').waitFor({ timeout: 10_000 });

      // The report as a doctor reads it from the hub's API (the assigned doctor's bearer token).
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
      expect(report.incidents.some((i) => /reload|new connection/i.test(i.detail)), 'the reload is in the report').toBe(true);
      expect(report.state).toBe('ended');
      expect(report.notes).toBe(notes);
      expect(report.doctor?.name).toBeTruthy();
      expect(report.cabin.id).toBeTruthy();
      expect(report.claimedAt).toBeGreaterThanOrEqual(report.createdAt);
      expect(report.endedAt).toBeGreaterThanOrEqual(report.claimedAt!);
      const reported = new Set(report.readings.map((r) => r.id));
      expect(sentIds.filter((id) => !reported.has(id)), 'readings missing from the report').toEqual([]);
      expect(report.readings.length).toBe(reported.size);

      expect(chain.pageErrors).toEqual([]);
      expect(await cspViolations(chain)).toEqual({ cabin: [], doctor: [] });
    }, 75_000);
  });

  describe('relayed (coturn on loopback, iceTransportPolicy relay)', () => {
    let chain: Chain;

    beforeAll(async () => {
      chain = await startChain({ apps, relay: true });
      await prepare(chain);
    }, 30_000);

    afterAll(async () => {
      await chain?.close();
    });

    it('connects through the relay on both sides', async () => {
      await patientStarts(chain);
      await doctorLogin(chain);
      await doctorAccepts(chain);
      await expect.poll(() => doctorRtc(chain), { timeout: 20_000 }).toBe('connected');
      await chain.cabinPage.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 20_000 });
      const policies = await Promise.all(
        [chain.cabinPage, chain.doctorPage].map((p) => p.evaluate(() => (window as unknown as Instrumented).__pcs.at(-1)!.getConfiguration().iceTransportPolicy)),
      );
      expect(policies).toEqual(['relay', 'relay']);
      await expect.poll(() => selectedLocalType(chain.cabinPage), { timeout: 10_000 }).toBe('relay');
      await expect.poll(() => selectedLocalType(chain.doctorPage), { timeout: 10_000 }).toBe('relay');
      await chain.doctorPage.locator('[data-testid="vital-spo2"][data-value]').waitFor();
      expect(chain.pageErrors).toEqual([]);
      expect(await cspViolations(chain)).toEqual({ cabin: [], doctor: [] });
    }, 45_000);
  });

  // Issue 11: a network that blocks UDP leaves TURN over TCP, or over TLS (on 443 in production; a self-signed
  // certificate on another port here). The hub gives only that URL: the call must still carry everything.
  for (const transport of ['tcp', 'tls'] as const) {
    describe(`relayed over TURN/${transport.toUpperCase()} only (no UDP to the TURN server)`, () => {
      let chain: Chain;

      beforeAll(async () => {
        chain = await startChain({ apps, relay: true, turnTransport: transport });
        await prepare(chain);
      }, 30_000);

      afterAll(async () => {
        await chain?.close();
      });

      it(`the call connects through TURN over ${transport.toUpperCase()} and the readings, sound and pictures arrive`, async () => {
        await patientStarts(chain);
        await doctorLogin(chain);
        await doctorAccepts(chain);
        await expect.poll(() => doctorRtc(chain), { timeout: 30_000 }).toBe('connected');
        for (const page of [chain.cabinPage, chain.doctorPage]) {
          await expect.poll(() => selectedLocal(page), { timeout: 10_000 }).toEqual({ candidateType: 'relay', relayProtocol: transport });
        }
        await chain.doctorPage.locator('[data-testid="vital-spo2"][data-value]').waitFor({ timeout: 20_000 });
        // The stethoscope and the patient camera play at the doctor's.
        await expect
          .poll(() => chain.doctorPage.evaluate(() => (document.querySelector('[data-testid="audio-stethoscope"]') as HTMLAudioElement | null)?.srcObject !== null), { timeout: 20_000 })
          .toBe(true);
        await expect
          .poll(() => chain.doctorPage.evaluate(() => (document.querySelector('[data-testid="video-camera"]') as HTMLVideoElement | null)?.videoWidth ?? 0), { timeout: 20_000 })
          .toBeGreaterThan(0);
        expect(chain.pageErrors).toEqual([]);
      }, 60_000);
    });
  }
});
