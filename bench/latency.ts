import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CATCH_PEERS, clockOffset, evaluate, machineLoad, percentile, round, sleep, startCall } from './call.ts';
import { AUDIO_STATS, concealment, COUNT_COPIES, judge, LinkTimeline, SEND_STATS, tonesThroughCall, type AudioStats } from './poor-link.ts';
import { printTable, writeResult } from './report.ts';
import { CATCH_STETHOSCOPE, DEFAULT_TONES, SPECTRUM } from './stethoscope.ts';
import { findBleDriver } from '../drivers/index.ts';
import { SimulatedCentral } from '../src/devices/ble/simulated.ts';
import type { Impairment } from '../test/helpers/impair.ts';
import { writeToneWav } from '../test/helpers/wav.ts';

/**
 * Issue 4, "Reading latency": from the simulator writing a frame to the value arriving in the doctor's page, over a
 * live call on loopback (the demo's simulated oximeter, 1–4 observations per second per code).
 *
 * Start: the observation's `t`. The demo's Contec V7 decoder stamps what it decodes with the host's receive time,
 * and the simulated transport hands the simulator's bytes to the decoder in the same JavaScript turn as the
 * simulator writes them (SimulatedTransport.pump → DeviceManager onData `Date.now()` → LinkSession.onData →
 * decoder.push(bytes, now)): `t` is the write time (device host's Date.now(), 1 ms resolution).
 * End: `receivedAt` (performance.timeOrigin + performance.now()) of the doctor console's `cabin:observation` event,
 * dispatched when an observation first arrives. Both clocks are this machine's; their offset is measured by round
 * trips from Node and subtracted.
 */

const TARGET_P99_MS = 50;
const MIN_SAMPLES = 300;
/** The demo oximeter's codes: its decoder stamps `t` at the bytes' arrival (the other demo devices may not). */
const OXIMETER_CODES = new Set(['MDC_PULS_OXIM_SAT_O2', 'MDC_PULS_OXIM_PULS_RATE', 'MDC_PULS_OXIM_PERF_REL']);
/**
 * The BerryMed BCI oximeter's codes (its pleth is a waveform, not an observation). The demo's other BLE devices (cuff,
 * thermometer, scale) measure only when the patient does their exam step, which no one does here, and stamp `t` with
 * the device's own clock (when the measurement was made, before the device even advertises): they are left out.
 */
const BCI_CODES = new Set(['MDC_PULS_OXIM_SAT_O2', 'MDC_PULS_OXIM_PULS_RATE']);

/**
 * With `devices: 'ble'` (`npm run bench -- latency --ble`): the kiosk runs the demo's Bluetooth LE devices on the
 * simulated central (test/helpers/chain.ts `devices: 'ble'`) and the BerryMed BCI oximeter is measured. What `t` is
 * then: the BCI has no device clock, so its decoder stamps each frame with the host's receive time of the
 * notification that carried it (src/devices/ble/session.ts: decoder.value(v, Date.now())), less one sample period
 * (10 ms at 100 Hz) for each frame after it in the same notification (drivers/berrymed-bci/decoder.ts). The simulated
 * central (src/devices/ble/simulated.ts) pumps the simulator every 20 ms and hands its notifications to the session in
 * a microtask after the simulator produced them (same JS turn, same Date.now() millisecond): so `t` is the pump's
 * time for a notification's last frame and 10–30 ms before it for the earlier ones (2 frames per 20 ms pump, up to 4
 * in a 20-byte notification). The repeat rule (drivers/_lib/emitter.ts) emits whichever frame first reaches 1 s
 * after the last emitted one, so a sample's latency includes 0 ms (last frame) or 10+ ms (an earlier frame) of that
 * backdating: a conservative start. The frames' own sample times (simulator time) are earlier still, by up to the
 * pump period: not counted, as the serial bench does not count the simulator's pump either.
 */
const BLE_METHOD =
  "start = observation t of the BerryMed BCI oximeter on the simulated central: the BCI has no device clock, so t = the device host's Date.now() " +
  "when the session got the notification (a microtask after the simulator produced it in the central's 20 ms pump, same JS turn), less 10 ms " +
  "per later frame in the same notification (0 ms for the last frame; the emitted frame is the first ≥ 1 s after the last emission, so some " +
  "samples carry 10 ms or more of this backdating); end = receivedAt (performance.timeOrigin + performance.now()) of the doctor console's " +
  'cabin:observation event; page-vs-Node clock offset measured by round trips from Node (smallest RTT of 20, before and after) and subtracted; ' +
  'only the BCI\'s SpO2 and pulse rate, with t inside the window (no pre-call backlog), each reading emitted in the window waited for up to 10 s. ' +
  'The cuff, thermometer and scale run too but measure only on their exam step (none here). One Chromium, ';
/** Streaming before the window: connection set-up and the outbox's backlog of pre-call readings. */
const WARMUP_MS = 5000;
/** After the window, how long readings emitted in it may still take to arrive. */
const TAIL_WAIT_MS = 10_000;

/**
 * When the kiosk page first puts each observation on a data channel (`events`, or `telemetry` as an observation
 * frame, byte 0 = 0x80), in `window.__benchSent` (id → time).
 */
const STAMP_SENDS = `(() => {
  window.__benchSent = {};
  window.__benchSends = {};
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    let text = null;
    if (this.label === 'events' && typeof data === 'string' && data.includes('"observation"')) text = data;
    else if (this.label === 'telemetry' && data instanceof ArrayBuffer && data.byteLength > 1 && new Uint8Array(data)[0] === 0x80) text = new TextDecoder().decode(new Uint8Array(data, 1));
    if (text !== null) {
      const at = performance.timeOrigin + performance.now();
      try {
        const m = JSON.parse(text);
        if (m.type === 'observation' && !(m.id in window.__benchSent)) window.__benchSent[m.id] = at;
        // Every copy, for the tail's diagnosis: channel (0 events, 1 telemetry), when, and what was queued before it.
        if (m.type === 'observation') (window.__benchSends[m.id] || (window.__benchSends[m.id] = [])).push([this.label === 'events' ? 0 : 1, Math.round(at), this.bufferedAmount]);
      } catch {}
    }
    return send.call(this, data);
  };
})();`;

/**
 * What the BCI's `t` is, measured on this machine before the call: the demo's simulated central (its 20 ms pump, the
 * system clock) and a BCI decoder fed as the session feeds it (decoder.value(v, Date.now()) in onValue). For each SpO2
 * or pulse observation emitted: how far its `t` lies before the Date.now() of the notification that carried it (the
 * backdating of earlier frames in a notification), and, for every notification, the time from the simulator producing
 * it (sim.advance returning, in the pump) to the central handing it over (the microtask).
 */
async function bciStamps(ms: number): Promise<{ observations: number; tBeforeReceiptMs: Record<string, number>; notifications: number; framesPerNotification: Record<string, number>; producedToDeliveredMs: { p50: number; p99: number; max: number } }> {
  const driver = findBleDriver('berrymed-bci');
  if (!driver) throw new Error('no berrymed-bci driver');
  const central = new SimulatedCentral([{ driver }]);
  await central.start();
  const address = central.addresses()[0]!;
  const sim = central.simulator(address)!;
  const advance = sim.advance.bind(sim);
  let producedAt = NaN;
  sim.advance = (now: number) => {
    const out = advance(now);
    if (out.length > 0) producedAt = performance.now();
    return out;
  };
  const conn = await central.connect(address);
  const decoder = driver.createDecoder();
  decoder.connected({ nowMs: Date.now(), utcOffsetMin: 0, address, available: conn.characteristics().map((c) => ({ service: c.service, characteristic: c.characteristic })) });
  const backdated = new Map<number, number>();
  const frames = new Map<number, number>();
  const delivery: number[] = [];
  let observations = 0;
  conn.onValue((service, characteristic, bytes) => {
    delivery.push(performance.now() - producedAt);
    const now = Date.now();
    frames.set(bytes.length / 5, (frames.get(bytes.length / 5) ?? 0) + 1);
    for (const e of decoder.value({ service, characteristic, bytes, via: 'notify' }, now)) {
      if (e.kind !== 'observation' || !BCI_CODES.has(e.code) || e.t === undefined) continue;
      observations++;
      backdated.set(now - e.t, (backdated.get(now - e.t) ?? 0) + 1);
    }
  });
  for (const s of driver.link.subscribe) await conn.subscribe(s.service, s.characteristic);
  await sleep(ms);
  await central.stop();
  delivery.sort((a, b) => a - b);
  const byKey = (m: Map<number, number>): Record<string, number> => Object.fromEntries([...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(round(k, 1)), v]));
  return {
    observations,
    tBeforeReceiptMs: byKey(backdated),
    notifications: delivery.length,
    framesPerNotification: byKey(frames),
    producedToDeliveredMs: { p50: round(percentile(delivery, 50), 3), p99: round(percentile(delivery, 99), 3), max: round(delivery[delivery.length - 1] ?? NaN, 3) },
  };
}

interface Obs {
  id: string;
  code: string;
  t: number;
  receivedAt: number;
  wall: number;
}

/**
 * With `impair`, the call goes through coturn behind the user-space poor-network relay (test/helpers/impair.ts) and
 * the result is written to `latency-poor-network.json` (`latency-poor-network-128.json` for a 128 kbit/s
 * bottleneck). Issue 11's cases (poor-link.ts: 256 and 128 kbit/s) are judged against its targets: readings p99 and
 * exactly once, the stethoscope (received, concealment, tones 25 Hz–1 kHz), the voice, and the video (time to adapt,
 * paused and shown as paused to both sides). Another impairment is a measurement without target.
 */
export async function benchLatency(seconds = 150, impair?: Impairment, devices: 'serial' | 'ble' = 'serial'): Promise<boolean> {
  const link = impair ? `coturn behind ${impair.delayMs} ± ${impair.jitterMs ?? 0} ms, ${impair.lossPct ?? 0} % loss${impair.kbps ? `, ${impair.kbps} kbit/s` : ''} per leg` : 'loopback';
  const ble = devices === 'ble';
  const codesMeasured = ble ? BCI_CODES : OXIMETER_CODES;
  const oximeter = ble ? 'BerryMed BCI oximeter on the simulated BLE central' : 'simulated Contec oximeter (serial)';
  console.log(`\nlatency: live call (${link}), ${oximeter}, ${seconds} s (at least ${MIN_SAMPLES} samples)…`);
  const stamps = ble ? await bciStamps(20_000) : undefined;
  if (stamps) {
    console.log(
      `BCI t (20 s on the simulated central before the call): ${stamps.observations} observations, t before the notification's receipt (ms: count) ${JSON.stringify(stamps.tBeforeReceiptMs)}; ` +
        `${stamps.notifications} notifications (frames each: ${JSON.stringify(stamps.framesPerNotification)}), simulator → session (microtask) p50 ${stamps.producedToDeliveredMs.p50} / p99 ${stamps.producedToDeliveredMs.p99} / max ${stamps.producedToDeliveredMs.max} ms`,
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'cabin-latency-'));
  // On a poor link the stethoscope plays equal tones from 25 Hz to 1 kHz (the tone check of stethoscope.ts).
  const tones = [...DEFAULT_TONES];
  const media = impair
    ? {
        wav: writeToneWav(join(tmp, 'tones.wav'), { tones, seconds: 10, amplitude: Math.min(0.03, 0.9 / tones.length) }),
        cabinInit: [STAMP_SENDS, CATCH_PEERS, CATCH_STETHOSCOPE, SPECTRUM, SEND_STATS].join('\n'),
        doctorInit: [COUNT_COPIES, CATCH_PEERS, AUDIO_STATS, SPECTRUM].join('\n'),
      }
    : { cabinInit: STAMP_SENDS };
  let chain: Awaited<ReturnType<typeof startCall>>;
  try {
    chain = await startCall({ ...media, devices, ...(impair ? { impair } : {}) });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const callStart = Date.now();
  const timeline = impair ? new LinkTimeline(chain, callStart) : undefined;
  const audio = async (): Promise<AudioStats> => evaluate<AudioStats>(chain.doctorPage, 'window.__benchAudio()').catch(() => ({ stethoscope: null, voice: null }));
  try {
    // When cabin main (this process) emits each reading: splits the latency into device host → main → doctor.
    const atMain = new Map<string, number>();
    chain.kiosk.cabin.subscribe((event, payload) => {
      if (event === 'reading') atMain.set((payload as { id: string }).id, Date.now());
    });
    while (Date.now() - callStart < WARMUP_MS) {
      await sleep(timeline ? 1000 : WARMUP_MS);
      await timeline?.sample();
    }
    const audioBefore = impair ? await audio() : undefined;
    const loadBefore = machineLoad();
    // This process runs the hub and cabin main: its event-loop stalls are part of the path.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const before = await clockOffset(chain.doctorPage);
    const start = Date.now();
    const all: Obs[] = [];
    let taken = 0;
    const collect = async (): Promise<void> => {
      const batch = await evaluate<Obs[]>(chain.doctorPage, `window.__benchObs.slice(${taken})`);
      taken += batch.length;
      all.push(...batch);
    };
    const hardEnd = start + seconds * 3000;
    const counted = (): number => all.filter((o) => o.t >= start && codesMeasured.has(o.code)).length;
    while (Date.now() - start < seconds * 1000 || (counted() < MIN_SAMPLES && Date.now() < hardEnd)) {
      await sleep(2000);
      await collect();
      await timeline?.sample();
    }
    // The window closes now; what the cabin emitted in it is waited for (a slow tail must not fall off the end).
    const end = Date.now();
    const audioAfter = impair ? await audio() : undefined;
    const expected = chain.readings.filter((r) => codesMeasured.has(r.code) && r.t >= start && r.t <= end).map((r) => r.id);
    const arrived = (): Set<string> => new Set(all.map((o) => o.id));
    const waitUntil = Date.now() + TAIL_WAIT_MS;
    while (expected.some((id) => !arrived().has(id)) && Date.now() < waitUntil) {
      await sleep(250);
      await collect();
    }
    const got = arrived();
    const missing = expected.filter((id) => !got.has(id)).length;
    loop.disable();
    const poor = impair ? await poorLinkFigures(chain, expected, all, tones) : undefined;
    const after = await clockOffset(chain.doctorPage);
    const cabinOffset = await clockOffset(chain.cabinPage);
    const sentAt = await evaluate<Record<string, number>>(chain.cabinPage, 'window.__benchSent');
    // Observations decoded before the window began (backlog, resends) are not counted.
    const windowed = all.filter((o) => o.t >= start && o.t <= end);
    const obs = windowed.filter((o) => codesMeasured.has(o.code));
    const offset = (before.offsetMs + after.offsetMs) / 2;
    const lat = obs.map((o) => o.receivedAt - offset - o.t).sort((a, b) => a - b);
    const codes = new Map<string, number>();
    for (const o of obs) codes.set(o.code, (codes.get(o.code) ?? 0) + 1);
    const toMain = obs.flatMap((o) => (atMain.has(o.id) ? [atMain.get(o.id)! - o.t] : [])).sort((a, b) => a - b);
    const mainToKiosk = obs.flatMap((o) => (atMain.has(o.id) && sentAt[o.id] ? [sentAt[o.id]! - cabinOffset.offsetMs - atMain.get(o.id)!] : [])).sort((a, b) => a - b);
    const kioskToDoctor = obs.flatMap((o) => (sentAt[o.id] ? [o.receivedAt - offset - (sentAt[o.id]! - cabinOffset.offsetMs)] : [])).sort((a, b) => a - b);
    const stage = (v: number[]): { p50Ms: number; p99Ms: number; maxMs: number } => ({
      p50Ms: round(percentile(v, 50), 2),
      p99Ms: round(percentile(v, 99), 2),
      maxMs: round(v[v.length - 1] ?? NaN, 2),
    });
    const result = {
      p50Ms: round(percentile(lat, 50), 2),
      p95Ms: round(percentile(lat, 95), 2),
      p99Ms: round(percentile(lat, 99), 2),
      maxMs: round(lat[lat.length - 1] ?? NaN, 2),
      minMs: round(lat[0] ?? NaN, 2),
      meanMs: round(lat.reduce((s, v) => s + v, 0) / Math.max(1, lat.length), 2),
      samples: lat.length,
      windowS: round((end - start) / 1000, 0),
      byCode: Object.fromEntries(codes),
      otherDevicesLeftOut: windowed.length - obs.length,
      readingsEmittedInWindow: expected.length,
      notArrivedWithin10s: missing,
      worst: obs
        .map((o) => ({
          code: o.code.replace('MDC_PULS_OXIM_', ''),
          atS: round((o.t - start) / 1000, 1),
          ms: round(o.receivedAt - offset - o.t, 1),
          toMainMs: atMain.has(o.id) ? atMain.get(o.id)! - o.t : null,
          toKioskSendMs: sentAt[o.id] ? round(sentAt[o.id]! - cabinOffset.offsetMs - o.t, 1) : null,
        }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 8),
      stages: { deviceHostToCabinMain: stage(toMain), cabinMainToKioskSend: stage(mainToKiosk), kioskSendToDoctorPage: stage(kioskToDoctor) },
      clock: {
        pageMinusNodeMs: { before: round(before.offsetMs, 3), after: round(after.offsetMs, 3), uncertaintyMs: round(Math.max(before.uncertaintyMs, after.uncertaintyMs), 3) },
        pageDateNowMinusTimeOriginNowMs: round(before.pageWallMinusPerfMs, 3),
        subtracted: round(offset, 3),
        kioskPageMinusNodeMs: round(cabinOffset.offsetMs, 3),
      },
      machine: { before: loadBefore, after: machineLoad() },
      hubAndCabinMainEventLoopDelayMs: { p50: round(loop.percentile(50) / 1e6, 1), p99: round(loop.percentile(99) / 1e6, 1), max: round(loop.max / 1e6, 1) },
      targetP99Ms: TARGET_P99_MS,
      devices,
      measuredDevice: oximeter,
      ...(stamps ? { bciStamp: stamps } : {}),
      method: ble
        ? `${BLE_METHOD}${impair ? `every packet through coturn behind the poor-network relay: ${link}` : 'loopback, no TURN'}.`
        : 'start = observation t, stamped Date.now() by the device host in the same JS turn as the simulated transport delivers the ' +
        "simulator's bytes to the Contec V7 decoder (= write time, 1 ms resolution); end = receivedAt " +
        "(performance.timeOrigin + performance.now()) of the doctor console's cabin:observation event; page-vs-Node clock offset " +
        'measured by round trips from Node (smallest RTT of 20, before and after) and subtracted; only the oximeter\'s codes, with t inside the window ' +
        `(no pre-call backlog), each reading emitted in the window waited for up to 10 s. One Chromium, ${impair ? `every packet through coturn behind the poor-network relay: ${link}` : 'loopback, no TURN'}.`,
      ...(impair ? { impairment: impair } : {}),
    };
    const tail = impair ? await tailDiagnosis(chain, obs, offset, cabinOffset.offsetMs, impair.kbps === 128 ? 2000 : 1000) : undefined;
    let poorResult: Record<string, unknown> = tail ? { tail } : {};
    let verdict: ReturnType<typeof judge>;
    if (impair && poor && timeline && audioBefore && audioAfter) {
      const audioFig = concealment(audioBefore, audioAfter);
      const paused = timeline.paused();
      const adaptS = timeline.adaptS();
      verdict = judge(impair, { p99Ms: result.p99Ms, missing, duplicatedAfterDedup: poor.duplicates.afterDedupEvents, stethoscope: audioFig.stethoscope, voice: audioFig.voice, tonesMet: poor.tones.met, adaptS, paused });
      poorResult = {
        ...poorResult,
        missing,
        duplicated: poor.duplicates,
        concealment: { stethoscopePct: audioFig.stethoscope.concealedPct, voicePct: audioFig.voice.concealedPct },
        audio: audioFig,
        stethoscopeTones: poor.tones,
        video: { adaptS, ...paused },
        timeline: timeline.points,
        relay: impair && chain.impair ? { ...chain.impair.stats } : null,
        verdict: verdict ?? 'no target for this impairment (the issue has targets for 256 and 128 kbit/s)',
        met: verdict?.met ?? null,
      };
    }
    const met = lat.length >= MIN_SAMPLES && missing === 0 && (impair !== undefined ? (verdict?.met ?? true) : result.p99Ms < TARGET_P99_MS);
    printTable(`Reading latency: ${ble ? 'BLE notification (BCI oximeter, t = host receive time)' : 'simulator write'} → doctor page (${link})`, [
      {
        devices,
        samples: result.samples,
        'p50 ms': result.p50Ms,
        'p95 ms': result.p95Ms,
        'p99 ms': result.p99Ms,
        'max ms': result.maxMs,
        'clock offset ms': `${result.clock.subtracted} ± ${result.clock.pageMinusNodeMs.uncertaintyMs}`,
        'load (1 min)': `${result.machine.after.loadAvg1m} on ${result.machine.after.cpus} CPUs`,
        target: impair ? (verdict ? `issue 11: ${verdict.case}` : 'none (measurement of a poor link)') : `p99 < ${TARGET_P99_MS} ms`,
        met: met ? 'yes' : 'NO',
      },
    ]);
    console.log(
      `stages: device host → cabin main p50 ${result.stages.deviceHostToCabinMain.p50Ms} / p99 ${result.stages.deviceHostToCabinMain.p99Ms} ms; ` +
        `cabin main → kiosk page's events send p50 ${result.stages.cabinMainToKioskSend.p50Ms} / p99 ${result.stages.cabinMainToKioskSend.p99Ms} ms; ` +
        `kiosk send → doctor page p50 ${result.stages.kioskSendToDoctorPage.p50Ms} / p99 ${result.stages.kioskSendToDoctorPage.p99Ms} ms`,
    );
    console.log(
      `event-loop delay of this process (hub + cabin main): p99 ${result.hubAndCabinMainEventLoopDelayMs.p99} ms, max ${result.hubAndCabinMainEventLoopDelayMs.max} ms`,
    );
    console.log(
      ble
        ? "method: t = device host Date.now() when the session gets the BCI's notification (a microtask after the simulated central's pump produced it), less 10 ms per later frame in that notification; end = receivedAt in the doctor page, clock offset subtracted."
        : 'method: t = device host Date.now() when the simulator bytes are decoded (same JS turn as the write); end = receivedAt in the doctor page, clock offset subtracted.',
    );
    if (missing > 0) console.log(`${missing} of ${expected.length} readings emitted in the window never reached the doctor's page`);
    if (lat.length < MIN_SAMPLES) console.log(`only ${lat.length} samples (wanted ${MIN_SAMPLES})`);
    if (poor) {
      const d = poor.duplicates;
      console.log(
        `copies at the doctor's page before dedup: ${d.beforeDedup} of ${d.ids} ids arrived more than once (${d.onBothChannels} on both channels, ${d.eventsMoreThanOnce} on events more than once), ` +
          `${d.telemetryOnly} by telemetry only, ${d.eventsOnly} by events only; after dedup: ${d.afterDedupEvents} shown twice, ${d.reportPartsMoreThanOnce} sent to the hub's report more than once`,
      );
    }
    if (tail) {
      console.log(
        `tail: first copy by events ${tail.firstBy.events}, by telemetry ${tail.firstBy.telemetry}, in the voice ${tail.firstBy.voice}; ` +
          `telemetry copies: ${tail.telemetry.sent} sent for ${tail.telemetry.readings} readings, ${tail.telemetry.arrivedReadings} readings had one arrive; ` +
          `${tail.late.count} readings over ${tail.late.overMs} ms: ${tail.late.noTelemetrySent} with no telemetry copy sent, ${tail.late.telemetryLost} whose copies all were lost, ${tail.late.telemetryLate} whose copy was late too`,
      );
    }
    if (verdict) printTable(`Issue 11 targets: ${verdict.case}`, verdict.targets.map((x) => ({ what: x.what, target: x.target, measured: x.value, met: x.met ? 'yes' : 'NO' })));
    const name = (impair ? (impair.kbps === 128 ? 'latency-poor-network-128' : 'latency-poor-network') : 'latency') + (ble ? '-ble' : '');
    console.log(`→ ${writeResult(name, { ...result, ...poorResult })}`);
    return met;
  } finally {
    await chain.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

type Sends = Record<string, [number, number, number][]>;
type Firsts = Record<string, [number | null, number | null]>;

/**
 * Why the slowest readings were slow: which copy reached the doctor's page first, how many lossy copies were sent and
 * arrived, and, for each reading over the case's target, when each copy left the kiosk (ms after the device) with what
 * was queued on its channel, and when each channel's first copy arrived.
 */
async function tailDiagnosis(chain: Awaited<ReturnType<typeof startCall>>, obs: Obs[], doctorOffset: number, cabinOffset: number, overMs: number) {
  const sends = await evaluate<Sends>(chain.cabinPage, 'window.__benchSends').catch(() => ({}) as Sends);
  const first = await evaluate<Firsts>(chain.doctorPage, 'window.__benchFirst').catch(() => ({}) as Firsts);
  const firstBy = { events: 0, telemetry: 0, voice: 0 };
  const telemetry = { readings: 0, sent: 0, arrivedReadings: 0 };
  const late = { overMs, count: 0, noTelemetrySent: 0, telemetryLost: 0, telemetryLate: 0, worst: [] as unknown[] };
  for (const o of obs) {
    const f = first[o.id] ?? [null, null];
    const ev = f[0] === null ? null : Math.round(f[0] - doctorOffset - o.t);
    const tel = f[1] === null ? null : Math.round(f[1] - doctorOffset - o.t);
    const ms = o.receivedAt - doctorOffset - o.t;
    // Shown before either data channel's first copy (or with none): it came in the voice's packets.
    if (Math.min(ev ?? Infinity, tel ?? Infinity) > ms + 1) firstBy.voice++;
    else if (tel === null || (ev !== null && ev <= tel)) firstBy.events++;
    else firstBy.telemetry++;
    const s = sends[o.id] ?? [];
    const copies = s.filter((x) => x[0] === 1).length;
    if (copies > 0) {
      telemetry.readings++;
      telemetry.sent += copies;
      if (tel !== null) telemetry.arrivedReadings++;
    }
    if (ms <= overMs) continue;
    late.count++;
    if (copies === 0) late.noTelemetrySent++;
    else if (tel === null) late.telemetryLost++;
    else late.telemetryLate++;
    late.worst.push({
      ms: round(ms, 0),
      eventsMs: ev,
      telemetryMs: tel,
      sends: s.map(([ch, at, queued]) => `${ch === 0 ? 'ev' : 'tel'}@${Math.round(at - cabinOffset - o.t)}ms/q${queued}`).join(' '),
    });
  }
  late.worst = (late.worst as { ms: number }[]).sort((a, b) => b.ms - a.ms).slice(0, 15);
  return { firstBy, telemetry, late };
}

/** Copies before and after the console's dedup (of the readings emitted in the window), and the stethoscope's tones. */
async function poorLinkFigures(chain: Awaited<ReturnType<typeof startCall>>, expected: string[], all: Obs[], tones: number[]) {
  const copies = await evaluate<Record<string, [number, number]>>(chain.doctorPage, 'window.__benchCopies').catch(() => ({}) as Record<string, [number, number]>);
  const reportIds = await evaluate<Record<string, number>>(chain.doctorPage, 'window.__benchReportIds').catch(() => ({}) as Record<string, number>);
  const shown = new Map<string, number>();
  for (const o of all) shown.set(o.id, (shown.get(o.id) ?? 0) + 1);
  const ids = expected.filter((id) => copies[id]);
  const c = (id: string): [number, number] => copies[id] ?? [0, 0];
  const duplicates = {
    ids: expected.length,
    /** Ids that reached the page more than once (any channel): the dual send makes this most of them. */
    beforeDedup: ids.filter((id) => c(id)[0] + c(id)[1] > 1).length,
    onBothChannels: ids.filter((id) => c(id)[0] > 0 && c(id)[1] > 0).length,
    eventsMoreThanOnce: ids.filter((id) => c(id)[0] > 1).length,
    telemetryOnly: ids.filter((id) => c(id)[0] === 0 && c(id)[1] > 0).length,
    eventsOnly: ids.filter((id) => c(id)[0] > 0 && c(id)[1] === 0).length,
    /** Ids the console showed (cabin:observation) more than once: must be 0. */
    afterDedupEvents: expected.filter((id) => (shown.get(id) ?? 0) > 1).length,
    /** Ids the console put in more than one `report` part to the hub (a part resent after 10 s unanswered may). */
    reportPartsMoreThanOnce: expected.filter((id) => (reportIds[id] ?? 0) > 1).length,
    notInReportParts: expected.filter((id) => !reportIds[id]).length,
  };
  const t = await tonesThroughCall(chain, tones, 3);
  return { duplicates, tones: t };
}
