import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVELS, type LinkLevel } from '../../src/renderer/call/bandwidth.ts';
import type { Reading } from '../../src/shared/bridge.ts';
import { buildApps, doctorAccepts, doctorLogin, patientStarts, startChain, type Chain } from '../helpers/chain.ts';
import { cspViolations, prepare, selectedLocalType, type Instrumented } from '../helpers/instrument.ts';

/**
 * A rural link: every packet of the call goes through coturn behind a user-space relay that adds 40 ± 10 ms and
 * drops 3 % on each browser's leg (so about 6 % and 80 ms between the two pages), as webrtc.md §0 measured
 * such paths. The call must still connect, every observation must reach the doctor exactly once (the reliable
 * `events` channel and the outbox's resends), the values must stay current, and the stethoscope must be heard.
 */

const SPO2 = 'MDC_PULS_OXIM_SAT_O2';
/**
 * Observations on a lossy path: retransmissions cost round trips (webrtc.md: p99 283 ms at 3 % per leg), and a
 * retransmission lost again waits for SCTP's timer, which doubles: on such a link a value may now and then take
 * longer. The tile must follow within SHOWN_WITHIN_MS at nearly every check, and never lag NEVER_LATER_MS.
 */
const SHOWN_WITHIN_MS = 2000;
const NEVER_LATER_MS = 5000;

const attr = (page: Page, testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);
const num = async (page: Page, testId: string, name: string) => Number(await attr(page, testId, name));

/** The doctor's stethoscope receiver: how much of its audio had to be concealed (lost and not recovered). */
function stethoscopeConcealment(page: Page): Promise<{ concealed: number; total: number } | null> {
  return page.evaluate(async () => {
    const el = document.querySelector('[data-testid="audio-stethoscope"]') as HTMLMediaElement | null;
    const track = (el?.srcObject as MediaStream | null)?.getAudioTracks()[0];
    const pc = (window as unknown as Instrumented).__pcs.at(-1);
    if (!track || !pc) return null;
    const stats = await pc.getStats(track);
    let out: { concealed: number; total: number } | null = null;
    stats.forEach((s: { type: string; kind?: string; concealedSamples?: number; totalSamplesReceived?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') out = { concealed: s.concealedSamples ?? 0, total: s.totalSamplesReceived ?? 0 };
    });
    return out;
  });
}

describe('live consultation over a poor network (coturn behind 40 ± 10 ms and 3 % loss per leg)', () => {
  let buildDir: string;
  let chain: Chain;

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'cabin-poor-apps-'));
    const apps = await buildApps(buildDir);
    chain = await startChain({ apps, impair: { delayMs: 40, jitterMs: 10, lossPct: 3 } });
    await prepare(chain);
  }, 90_000);

  afterAll(async () => {
    await chain?.close();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('connects, keeps the values current, delivers every observation once, and carries the stethoscope', async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    await patientStarts(chain);
    await doctorLogin(chain);
    await doctorAccepts(chain);
    await expect.poll(() => doctor.getByTestId('connection-state').getAttribute('data-rtc'), { timeout: 30_000 }).toBe('connected');
    await cabin.locator('[data-testid="call-status"][data-state="active"][data-rtc="connected"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => selectedLocalType(cabin), { timeout: 10_000 }).toBe('relay');
    const fromIndex = chain.readings.length;
    const lostBefore = chain.impair!.stats.lost;

    // The stethoscope is heard through the loss.
    await expect.poll(() => num(doctor, 'steth-level', 'data-db'), { timeout: 15_000 }).toBeGreaterThan(-50);

    // 20 s of the call on the poor link: the SpO2 tile follows main's latest value.
    const latest = (): Reading | undefined => chain.readings.filter((r) => r.code === SPO2).at(-1);
    const until = Date.now() + 20_000;
    let stale = 0;
    let veryStale = 0;
    let checks = 0;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = Date.now();
      const shown = Number(await attr(doctor, 'vital-spo2', 'data-value'));
      // A value main emitted more than `ms` ago must be on the tile (or a newer one).
      const lagging = (ms: number): boolean => {
        const i = chain.readings.findLastIndex((r, k) => r.code === SPO2 && chain.readingsAt[k]! <= now - ms);
        return i >= 0 && !chain.readings.slice(i).some((r) => r.code === SPO2 && r.value === shown);
      };
      checks++;
      if (lagging(SHOWN_WITHIN_MS)) stale++;
      if (lagging(NEVER_LATER_MS)) veryStale++;
    }
    expect(checks).toBeGreaterThan(10);
    expect(stale, `checks where the SpO2 tile lagged more than ${SHOWN_WITHIN_MS} ms behind main (of ${checks})`).toBeLessThanOrEqual(1);
    expect(veryStale, `checks where it lagged more than ${NEVER_LATER_MS} ms`).toBe(0);
    expect(chain.impair!.stats.lost - lostBefore, 'the relay really dropped packets').toBeGreaterThan(20);

    // Every observation main emitted since the call connected reached the doctor exactly once, and was acknowledged.
    const pending = chain.kiosk.cabin.handlers['outbox:pending'] as (i: object) => Promise<Reading[]> | Reading[];
    // Readings keep coming (1–4 a second) and each is acknowledged once the hub stored it: some are always in
    // flight on this link, but none emitted more than 5 s ago may still wait.
    const emittedAt = new Map(chain.readings.map((r, i) => [r.id, chain.readingsAt[i]!]));
    const overdue = async (): Promise<string[]> => (await pending({})).filter((r) => (emittedAt.get(r.id) ?? 0) < Date.now() - 5000).map((r) => r.id);
    await expect.poll(overdue, { timeout: 20_000 }).toEqual([]);
    const got = await doctor.evaluate(() => (window as unknown as Instrumented).__obs.map((o) => o.id));
    const sent = chain.readings.slice(fromIndex).filter((_, i) => chain.readingsAt[fromIndex + i]! < Date.now() - 5000).map((r) => r.id);
    expect(sent.filter((id) => !got.includes(id)), 'observations the doctor never got').toEqual([]);
    expect(got.length - new Set(got).size, 'observations the doctor got twice').toBe(0);
    expect(latest()).toBeDefined();

    // The stethoscope's audio was mostly received, not concealed (Opus FEC, and RED where negotiated).
    const c = await stethoscopeConcealment(doctor);
    expect(c).not.toBeNull();
    expect(c!.total).toBeGreaterThan(48_000 * 10);
    const concealedPct = (100 * c!.concealed) / c!.total;
    console.log(`poor network: stethoscope concealed ${concealedPct.toFixed(1)} % of ${c!.total} samples; relay lost ${chain.impair!.stats.lost} of ${chain.impair!.stats.forwarded + chain.impair!.stats.lost} datagrams`);
    expect(concealedPct).toBeLessThan(15);

    expect(chain.pageErrors).toEqual([]);
    expect(await cspViolations(chain)).toEqual({ cabin: [], doctor: [] });
  }, 120_000);

  it('gives way with the patient camera when the uplink narrows, keeping the stethoscope and the readings', async () => {
    const { cabinPage: cabin, doctorPage: doctor } = chain;
    const link = async () => (await cabin.getByTestId('call-status').getAttribute('data-link')) as LinkLevel;
    const rank = async () => LEVELS.indexOf(await link());
    // 80 ms and ~6 % loss end to end leave the camera at full or one step down, depending on the estimate (a
    // step back up takes 10 s of good samples).
    await expect.poll(rank, { timeout: 30_000, interval: 1000 }).toBeLessThanOrEqual(LEVELS.indexOf('reduced'));
    const before = await link();
    // A 300 kbit/s bottleneck on each leg: three video tracks no longer fit.
    chain.impair!.set({ delayMs: 40, jitterMs: 10, lossPct: 3, kbps: 300 });
    const narrowedAt = Date.now();
    await expect.poll(rank, { timeout: 40_000, interval: 1000 }).toBeGreaterThan(LEVELS.indexOf(before));
    const level = await link();
    console.log(`poor network: link level '${level}' ${Date.now() - narrowedAt} ms after the bottleneck`);
    // The doctor is told why the camera is smaller or paused.
    const doctorSees = () => doctor.getByTestId('connection-state').getAttribute('data-cabin-link');
    await expect.poll(doctorSees, { timeout: 10_000 }).not.toBe('full');
    await doctor.getByTestId('cabin-link').waitFor();
    // The camera's encoding is the one limited; the stethoscope's is left as it was.
    const senders = await cabin.evaluate(() =>
      (window as unknown as Instrumented).__pcs.at(-1)!.getSenders().flatMap((s) => {
        const e = s.getParameters().encodings[0];
        return s.track ? [{ kind: s.track.kind, hint: s.track.contentHint, active: e?.active, maxBitrate: e?.maxBitrate, scale: e?.scaleResolutionDownBy }] : [];
      }),
    );
    const camera = senders.find((s) => s.kind === 'video' && s.hint === 'motion');
    expect(camera && (camera.active === false || (camera.scale ?? 1) > 1 || camera.maxBitrate !== undefined), JSON.stringify(senders)).toBe(true);
    // The doctor still hears the stethoscope and still gets the SpO2 of the moment.
    await expect.poll(() => num(doctor, 'steth-level', 'data-db'), { timeout: 10_000 }).toBeGreaterThan(-50);
    const since = chain.readings.length;
    await expect.poll(() => chain.readings.slice(since).some((r) => r.code === SPO2), { timeout: 10_000 }).toBe(true);
    const target = chain.readings.slice(since).find((r) => r.code === SPO2)!;
    await expect.poll(() => doctor.evaluate((id) => (window as unknown as Instrumented).__obs.some((o) => o.id === id), target.id), { timeout: 5000 }).toBe(true);

    // The bottleneck goes: the camera comes back (stepping up one level per 10 s of good samples).
    chain.impair!.set({ delayMs: 40, jitterMs: 10, lossPct: 3 });
    const widenedAt = Date.now();
    await expect.poll(rank, { timeout: 80_000, interval: 1000 }).toBeLessThanOrEqual(LEVELS.indexOf(before));
    console.log(`poor network: back to '${await link()}' ${Date.now() - widenedAt} ms after the bottleneck went`);
    await expect.poll(doctorSees, { timeout: 10_000 }).toBe(await link());
    expect(chain.pageErrors).toEqual([]);
  }, 150_000);
});
