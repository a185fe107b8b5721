import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  applyLevel,
  BAD_LOSS,
  CAMERA,
  DOWN_AFTER_SAMPLES,
  IncidentThrottle,
  initialPolicy,
  LEVELS,
  levelIncident,
  nextPolicy,
  patchParameters,
  sampleOf,
  targetOf,
  UP_AFTER_MS,
  initialEncoding,
  levelForBps,
  OTOSCOPE,
  startLevel,
  VOICE,
  STETHOSCOPE,
  type LinkLevel,
  type LinkSample,
  type PolicyState,
  type SenderLike,
} from '../../../src/renderer/call/bandwidth.ts';
import { LinkMonitor, RAMP_BACKED_OFF_BPS, RAMP_UP_MS } from '../../../src/renderer/call/link-monitor.ts';
import type { NetCheck } from '../../../src/shared/netcheck.ts';

/** A getStats report: a Map of stats objects by id. */
const report = (...stats: Record<string, unknown>[]): Map<string, unknown> => new Map(stats.map((s, i) => [String(s.id ?? `s${i}`), s]));
const pair = (bps: unknown, rtt: unknown = 0.05) => ({ id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', availableOutgoingBitrate: bps, currentRoundTripTime: rtt });
const rir = (kind: string, fractionLost: unknown) => ({ type: 'remote-inbound-rtp', kind, fractionLost });

/** Runs samples 2 s apart from t0 and returns the level after each. */
function run(samples: LinkSample[], from: PolicyState = initialPolicy(), t0 = 0): LinkLevel[] {
  let s = from;
  return samples.map((x, i) => (s = nextPolicy(s, x, t0 + i * 2000)).level);
}
const bps = (b: number): LinkSample => ({ availableOutgoingBitrate: b });
const at = (level: LinkLevel): PolicyState => ({ level, worse: 0, betterSince: null });

describe('bandwidth policy: what a sample asks for', () => {
  it('maps the estimated bitrate to a level at the thresholds (800 / 450 / 300 kbps: the audio takes ~190)', () => {
    const cases: [number, LinkLevel][] = [
      [5_000_000, 'full'],
      [800_000, 'full'],
      [799_999, 'reduced'],
      [450_000, 'reduced'],
      [449_999, 'low'],
      [300_000, 'low'],
      [299_999, 'minimal'],
      [256_000, 'minimal'],
      [0, 'minimal'],
    ];
    for (const [b, level] of cases) expect([b, targetOf(bps(b), 'full')]).toEqual([b, level]);
  });

  it('counts a lossy or slow link one level worse than its bitrate, capped at the lowest', () => {
    expect(targetOf({ availableOutgoingBitrate: 1e6, videoLoss: BAD_LOSS }, 'full')).toBe('reduced');
    expect(targetOf({ availableOutgoingBitrate: 1e6, audioLoss: 0.2 }, 'full')).toBe('reduced');
    expect(targetOf({ availableOutgoingBitrate: 1e6, videoLoss: 0.09 }, 'full')).toBe('full');
    expect(targetOf({ availableOutgoingBitrate: 1e6, roundTripTime: 1.2 }, 'full')).toBe('reduced');
    expect(targetOf({ availableOutgoingBitrate: 500_000, roundTripTime: 1.2 }, 'full')).toBe('low');
    expect(targetOf({ availableOutgoingBitrate: 50_000, videoLoss: 0.5 }, 'full')).toBe('minimal');
  });

  it('without an estimate: loss moves one step from the current level; nothing known asks for nothing', () => {
    expect(targetOf({ videoLoss: 0.3 }, 'reduced')).toBe('low');
    expect(targetOf({ videoLoss: 0.01 }, 'reduced')).toBeUndefined();
    expect(targetOf({}, 'low')).toBeUndefined();
  });
});

describe('bandwidth policy: hysteresis', () => {
  it('one level down only after two bad samples in a row; two levels or more down at the first, straight to what the link allows', () => {
    expect(DOWN_AFTER_SAMPLES).toBe(2);
    expect(run([bps(500_000)])).toEqual(['full']);
    expect(run([bps(500_000), bps(500_000)])).toEqual(['full', 'reduced']);
    // A single one-level dip between good samples changes nothing.
    expect(run([bps(500_000), bps(900_000), bps(500_000), bps(900_000)])).toEqual(['full', 'full', 'full', 'full']);
    // A link that fell far: at once (a video queue in the bottleneck holds the readings behind it).
    expect(run([bps(100_000)])).toEqual(['minimal']);
    expect(run([bps(400_000)])).toEqual(['low']);
    expect(run([bps(100_000)], at('reduced'))).toEqual(['minimal']);
    expect(run([bps(250_000)], at('low'))).toEqual(['low']);
  });

  it('steps down at the first sample when the link is congested (mean loss or round trip), even by one level', () => {
    expect(run([{ ...bps(1e6), videoLoss: 0.6 }])).toEqual(['reduced']);
    expect(run([{ ...bps(1e6), roundTripTime: 1.5 }])).toEqual(['reduced']);
    expect(run([{ videoLoss: 0.7 }], at('low'))).toEqual(['minimal']);
    // One lossy interval in an otherwise clean window is not congestion.
    expect(run([{ ...bps(1e6), videoLoss: 0 }, { ...bps(1e6), videoLoss: 0 }, { ...bps(1e6), videoLoss: 0.3 }])).toEqual(['full', 'full', 'full']);
  });

  it('steps up one level at a time, only after ~10 s of good samples', () => {
    expect(UP_AFTER_MS).toBe(10_000);
    const good = Array.from({ length: 12 }, () => bps(2_000_000));
    const levels = run(good, at('minimal'));
    // t = 0 … 22 s: the first good sample starts the clock, a level is regained every 10 s.
    expect(levels).toEqual(['minimal', 'minimal', 'minimal', 'minimal', 'minimal', 'low', 'low', 'low', 'low', 'low', 'reduced', 'reduced']);
  });

  it('a bad sample restarts the wait before stepping up', () => {
    const s = [bps(2e6), bps(2e6), bps(2e6), bps(2e6), bps(350_000), bps(2e6), bps(2e6), bps(2e6), bps(2e6), bps(2e6), bps(2e6)];
    const levels = run(s, at('low'));
    // 350 kbps asks for 'low' = where it is: the run of good samples starts again after it (t = 10 s → 20 s).
    expect(levels.slice(0, 5)).toEqual(['low', 'low', 'low', 'low', 'low']);
    expect(levels.indexOf('reduced')).toBe(10);
  });

  it('a flapping link stays down (it never gets 10 s of good samples)', () => {
    const flap = Array.from({ length: 30 }, (_, i) => bps(i % 4 < 2 ? 100_000 : 2e6));
    const levels = run(flap);
    expect(levels.every((l) => l === 'minimal')).toBe(true);
  });

  it('judges loss on the mean of the last three samples: a steady few percent of random loss is not congestion', () => {
    // A radio link: 6 % loss on average, one RTCP interval above 10 % now and then (as measured through the
    // poor-network relay), with plenty of bandwidth.
    const noisy = [0.04, 0.12, 0.17, 0.03, 0.05, 0.21, 0.25, 0.02, 0.06, 0.12, 0.1, 0.09].map((l) => ({ ...bps(1e6), videoLoss: l }));
    expect(run(noisy).every((l) => l === 'full')).toBe(true);
    // Loss that stays at BAD_LOSS or above: down at the first sample whose window says so.
    const heavy = [BAD_LOSS, BAD_LOSS + 0.02, BAD_LOSS + 0.05].map((l) => ({ ...bps(1e6), audioLoss: l }));
    expect(run(heavy)).toEqual(['reduced', 'reduced', 'reduced']);
    const creeping = [0.05, 0.05, BAD_LOSS * 3].map((l) => ({ ...bps(1e6), audioLoss: l }));
    expect(run(creeping)).toEqual(['full', 'full', 'reduced']);
    // The window keeps only the last LOSS_WINDOW samples: after the loss clears, it does not weigh for long.
    const cleared = [0.4, 0.4, 0, 0, 0, 0, 0, 0, 0, 0].map((l) => ({ ...bps(1e6), videoLoss: l }));
    const levels = run(cleared);
    expect(levels[0]).toBe('reduced');
    expect(levels.at(-1)).toBe('full');
  });

  it('an estimate of 0 (Chromium, right after a change of pair) is no estimate, not a dead link', () => {
    expect(sampleOf(report(pair(0))).availableOutgoingBitrate).toBeUndefined();
    expect(run([sampleOf(report(pair(0))), sampleOf(report(pair(0)))])).toEqual(['full', 'full']);
  });

  it('lost or empty stats change nothing, not even the counters', () => {
    const one = nextPolicy(initialPolicy(), bps(500_000), 0);
    expect(one.worse).toBe(1);
    expect(nextPolicy(one, {}, 2000)).toBe(one);
    expect(nextPolicy(nextPolicy(one, {}, 2000), bps(500_000), 4000).level).toBe('reduced');
    const waiting = nextPolicy(at('low'), bps(2e6), 0);
    expect(nextPolicy(waiting, sampleOf(undefined), 2000)).toBe(waiting);
    expect(nextPolicy(waiting, bps(2e6), Number.NaN)).toBe(waiting);
  });

  it('never throws on garbage and changes nothing for it', () => {
    const garbage: unknown[] = [null, undefined, 42, 'x', {}, [], { availableOutgoingBitrate: 'fast' }, { availableOutgoingBitrate: -5 }, { availableOutgoingBitrate: Number.NaN, videoLoss: Infinity }, { audioLoss: 7 }, { roundTripTime: -1 }];
    for (const g of garbage) {
      const s = nextPolicy(initialPolicy(), g as LinkSample, 0);
      expect(s).toEqual(initialPolicy());
    }
  });
});

describe('stats → sample', () => {
  it("reads the selected pair's estimate and RTT and the worst loss of each kind", () => {
    const s = sampleOf(
      report(
        { id: 'T1', type: 'transport', selectedCandidatePairId: 'CP2' },
        { id: 'CP1', type: 'candidate-pair', nominated: true, state: 'succeeded', availableOutgoingBitrate: 9e6, currentRoundTripTime: 0.01 },
        { id: 'CP2', type: 'candidate-pair', nominated: true, state: 'succeeded', availableOutgoingBitrate: 300_000, currentRoundTripTime: 0.2 },
        rir('audio', 0.01),
        rir('audio', 0.04),
        rir('video', 0.12),
        { type: 'outbound-rtp', kind: 'video', fractionLost: 0.9 },
      ),
    );
    expect(s).toEqual({ availableOutgoingBitrate: 300_000, roundTripTime: 0.2, audioLoss: 0.04, videoLoss: 0.12 });
  });

  it('without a transport, takes the nominated pair that succeeded; a pair in progress tells nothing', () => {
    expect(sampleOf(report({ ...pair(500_000), nominated: false }, pair(700_000)))).toEqual({ availableOutgoingBitrate: 700_000, roundTripTime: 0.05 });
    expect(sampleOf(report({ ...pair(700_000), state: 'in-progress' }))).toEqual({});
  });

  it('never throws and ignores garbage fields', () => {
    const inputs: unknown[] = [
      undefined,
      null,
      3,
      'stats',
      {},
      { values: 'no' },
      { values: () => { throw new Error('boom'); } },
      new Map<string, unknown>([['a', null], ['b', 5], ['c', 'x']]),
      report(pair('fast', -3), rir('video', 2), rir('audio', Number.NaN), rir('video', '0.5')),
    ];
    for (const i of inputs) expect(sampleOf(i)).toEqual({});
  });
});

describe('the encodings of each level', () => {
  const params = (enc: RTCRtpEncodingParameters): RTCRtpSendParameters => ({ transactionId: 't1', encodings: [enc, { rid: 'x' }], codecs: [], headerExtensions: [], rtcp: {} }) as RTCRtpSendParameters;

  it('the patient camera: full → half size at 15 fps → 100 kbps at 8 fps → off', () => {
    const start = params({ active: true, maxBitrate: 1e6 });
    expect(patchParameters(start, 'camera', 'full').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1 });
    expect(patchParameters(start, 'camera', 'reduced').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 2, maxFramerate: 15 });
    expect(patchParameters(start, 'camera', 'low').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 100_000 });
    expect(patchParameters(start, 'camera', 'minimal').encodings[0]?.active).toBe(false);
    // Back to full lifts every limit.
    expect(patchParameters(patchParameters(start, 'camera', 'low'), 'camera', 'full').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1 });
    // The rest of the parameters is kept.
    const p = patchParameters(start, 'camera', 'low');
    expect(p.transactionId).toBe('t1');
    expect(p.encodings[1]).toEqual({ rid: 'x' });
    expect(start.encodings[0]).toEqual({ active: true, maxBitrate: 1e6 }); // a copy
  });

  it('the otoscope keeps its resolution at every level and gives way after the camera', () => {
    const start = params({ active: true, scaleResolutionDownBy: 1.5 });
    for (const level of ['full', 'reduced'] as const) {
      const p = patchParameters(start, 'otoscope', level);
      expect(p.encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1.5 });
      expect(p.degradationPreference).toBe('maintain-resolution');
    }
    // After the camera: capped at `low`, its live picture paused at `minimal`, never below its resolution.
    expect(patchParameters(start, 'otoscope', 'low').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1.5, maxBitrate: 250_000 });
    const low = patchParameters(start, 'otoscope', 'minimal');
    expect(low.encodings[0]).toMatchObject({ active: false, scaleResolutionDownBy: 1.5 });
    // When it comes back, it starts slow and small in bitrate, then the level's own settings follow.
    expect(low.encodings[0]!.maxFramerate).toBeLessThan(15);
    expect(low.encodings[0]!.maxBitrate).toBeGreaterThan(0);
    expect(low.degradationPreference).toBe('maintain-resolution');
    expect(patchParameters(low, 'otoscope', 'low').encodings[0]).toEqual({ active: true, scaleResolutionDownBy: 1.5, maxBitrate: 250_000 });
  });

  it('parameters without an encoding are left alone', () => {
    const p = { transactionId: 't', encodings: [] } as unknown as RTCRtpSendParameters;
    expect(patchParameters(p, 'camera', 'low')).toBe(p);
  });

  it('applyLevel sets camera and otoscope and reports a refusing sender without stopping', async () => {
    const fake = (enc: RTCRtpEncodingParameters[], refuse = false) => {
      const set: RTCRtpSendParameters[] = [];
      const s: SenderLike & { set: RTCRtpSendParameters[] } = {
        set,
        getParameters: () => ({ transactionId: 'a', encodings: enc }) as RTCRtpSendParameters,
        setParameters: async (p) => {
          if (refuse) throw new Error('InvalidModificationError');
          set.push(p);
        },
      };
      return s;
    };
    const camera = fake([{ active: true }], true);
    const otoscope = fake([{ active: true }]);
    const errors = await applyLevel({ camera, otoscope }, 'minimal');
    expect(errors).toEqual(['camera: Error: InvalidModificationError']);
    expect(otoscope.set[0]!.encodings[0]).toMatchObject({ maxFramerate: OTOSCOPE.minimal.maxFramerate });
    const notYet = fake([]);
    expect(await applyLevel({ camera: notYet }, 'low')).toEqual([]);
    expect(notYet.set).toEqual([]);
    expect(CAMERA.minimal.active).toBe(false);
  });
});

describe('incident lines for level changes', () => {
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once and at most one line per gap, the latest, unless it came back', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const t = new IncidentThrottle((d) => sent.push(d), 30_000, () => Date.now());
    t.report('reduced', 'to reduced');
    expect(sent).toEqual(['to reduced']);
    for (let i = 0; i < 50; i++) t.report(i % 2 ? 'minimal' : 'low', `flap ${i}`);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    expect(sent).toEqual(['to reduced', 'flap 49']);
    // Within the next gap it went back to what was last sent: nothing more to say.
    t.report('low', 'to low');
    t.report('minimal', 'back to minimal');
    vi.advanceTimersByTime(30_000);
    expect(sent).toHaveLength(2);
    t.report('full', 'to full');
    expect(sent).toEqual(['to reduced', 'flap 49', 'to full']);
    t.close();
  });

  it('the line says the levels and the numbers, and that the stethoscope is untouched', () => {
    expect(levelIncident('full', 'low', { availableOutgoingBitrate: 180_400, videoLoss: 0.12, roundTripTime: 0.31 })).toBe('Link quality full → low (180 kbps, loss 12 %, rtt 310 ms); stethoscope and telemetry unchanged.');
    expect(levelIncident('low', 'minimal', { availableOutgoingBitrate: 120_000 })).toBe(
      'Link quality low → minimal (120 kbps); telemetry unchanged, patient camera and otoscope paused (snapshots still sent), voice at 16 kbit/s, stethoscope at 32 kbit/s (stereo, RED).',
    );
    expect(levelIncident('low', 'reduced', {})).toContain('no estimate');
  });
});

describe('LinkMonitor (stats every 2 s → level → senders)', () => {
  afterEach(() => vi.useRealTimers());

  it('a new connection gets the ramp-up grace again; loss counts during it', async () => {
    vi.useFakeTimers();
    // 280 kbit/s: under the `low` threshold, above what GCC backs off to (its start is ~300).
    const ramp = RAMP_BACKED_OFF_BPS + 30_000;
    let next: () => Promise<unknown> = async () => report(pair(ramp));
    const m = new LinkMonitor({ getStats: () => next(), senders: () => ({}), onLevel: () => undefined, incident: () => undefined });
    await vi.advanceTimersByTimeAsync(RAMP_UP_MS + 4000);
    expect(m.level).toBe('minimal');
    m.reset();
    expect(m.level).toBe('full');
    // Its first estimate (the grace starts) and two more within RAMP_UP_MS: the estimate is not acted on…
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.level).toBe('full');
    // …but heavy loss is: one step down from where it is, at each sample that says so.
    next = async () => report(pair(ramp), rir('audio', 0.5));
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.level).toBe('reduced');
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.level).toBe('low');
    // Once the grace is over, the estimate counts again.
    await vi.advanceTimersByTimeAsync(4000);
    expect(m.level).toBe('minimal');
    m.close();
  });

  it('applies a level change to the senders, tells the UI and the report once, and survives failing stats', async () => {
    vi.useFakeTimers();
    let next: () => Promise<unknown> = async () => report(pair(RAMP_BACKED_OFF_BPS + 10_000));
    const levels: LinkLevel[] = [];
    const incidents: string[] = [];
    const applied: RTCRtpSendParameters[] = [];
    const camera: SenderLike = { getParameters: () => ({ transactionId: 'x', encodings: [{ active: true }] }) as RTCRtpSendParameters, setParameters: async (p) => void applied.push(p) };
    const m = new LinkMonitor({ getStats: () => next(), senders: () => ({ camera }), onLevel: (l) => levels.push(l), incident: (d) => incidents.push(d) });
    // The connection's first estimates are GCC ramping up: not acted on for RAMP_UP_MS.
    await vi.advanceTimersByTimeAsync(RAMP_UP_MS);
    expect(m.level).toBe('full');
    // The grace is over (8 s after the first estimate, at 2 s): far below `low`, down at once.
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.level).toBe('minimal');
    expect(levels).toEqual(['minimal']);
    expect(incidents).toHaveLength(1);
    expect(applied.at(-1)!.encodings[0]!.active).toBe(false);
    next = () => Promise.reject(new Error('closed'));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(m.level).toBe('minimal');
    next = async () => 'garbage';
    await vi.advanceTimersByTimeAsync(20_000);
    expect(m.level).toBe('minimal');
    next = async () => report(pair(3e6));
    await vi.advanceTimersByTimeAsync(12_000);
    expect(m.level).toBe('low');
    expect(applied.at(-1)!.encodings[0]).toMatchObject({ active: true, maxBitrate: 100_000 });
    m.close();
    const n = applied.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(applied).toHaveLength(n);
    expect(LEVELS).toContain(m.level);
  });
});

describe('issue 11: the start level and what gives way', () => {
  afterEach(() => vi.useRealTimers());
  const check = (c: Partial<NetCheck>): NetCheck => ({ at: 1, verdict: 'good', turn: { udp: true, tcp: null, tls: null }, ...c });

  it('starts from the pre-call check: reduced → camera small and slow, audio-only → camera paused; the uplink may say worse', () => {
    expect(startLevel(undefined)).toBe('full');
    expect(startLevel(check({ verdict: 'good' }))).toBe('full');
    expect(startLevel(check({ verdict: 'reduced' }))).toBe('low');
    expect(startLevel(check({ verdict: 'audio-only' }))).toBe('minimal');
    expect(startLevel(check({ verdict: 'offline' }))).toBe('minimal');
    expect(startLevel(check({ verdict: 'good', uplinkKbps: 500 }))).toBe('reduced');
    expect(startLevel(check({ verdict: 'reduced', uplinkKbps: 256 }))).toBe('minimal');
    // A better uplink never lifts a worse verdict; a missing or zero figure says nothing.
    expect(startLevel(check({ verdict: 'audio-only', uplinkKbps: 5000 }))).toBe('minimal');
    expect(startLevel(check({ verdict: 'reduced', uplinkKbps: 0 }))).toBe('low');
    for (const g of [null, 5, 'x', {}, { verdict: 'great' }, { verdict: 'good', uplinkKbps: Number.NaN }]) expect(startLevel(g as unknown as NetCheck)).toBe('full');
    expect(levelForBps(299_999)).toBe('minimal');
  });

  it('the first encodings of each sender fit the start level; the camera at the lowest priority', () => {
    expect(initialEncoding('camera', 'minimal')).toMatchObject({ active: false, priority: 'very-low', networkPriority: 'very-low' });
    expect(initialEncoding('camera', 'low')).toEqual({ active: true, scaleResolutionDownBy: 2, maxFramerate: 8, maxBitrate: 100_000, priority: 'very-low', networkPriority: 'very-low' });
    expect(initialEncoding('camera', 'full')).toEqual({ active: true, scaleResolutionDownBy: 1, priority: 'very-low', networkPriority: 'very-low' });
    expect(initialEncoding('otoscope', 'minimal')).toEqual({ active: false, maxFramerate: OTOSCOPE.minimal.maxFramerate, maxBitrate: OTOSCOPE.minimal.maxBitrate });
    expect(initialEncoding('voice', 'full')).toEqual({ priority: 'high', networkPriority: 'high' });
    expect(initialEncoding('voice', 'minimal')).toEqual({ maxBitrate: 16_000, priority: 'high', networkPriority: 'high' });
  });

  it("the voice's Opus bitrate gives way last (at minimal only), and comes back with the level", () => {
    const p = { transactionId: 'v', encodings: [{ active: true, priority: 'high' }] } as unknown as RTCRtpSendParameters;
    for (const level of ['full', 'reduced', 'low'] as const) expect(patchParameters(p, 'voice', level).encodings[0]).toEqual({ active: true, priority: 'high' });
    const low = patchParameters(p, 'voice', 'minimal');
    expect(low.encodings[0]).toEqual({ active: true, priority: 'high', maxBitrate: VOICE.minimal.maxBitrate });
    expect(patchParameters(low, 'voice', 'full').encodings[0]).toEqual({ active: true, priority: 'high' });
    expect(low.degradationPreference).toBeUndefined();
  });

  it('applyLevel sets the voice, and last the stethoscope: only its bitrate, only at minimal, and back with the level', async () => {
    const got: Record<string, RTCRtpSendParameters[]> = { voice: [], stethoscope: [] };
    const params: Record<string, RTCRtpSendParameters> = {};
    const fake = (k: string): SenderLike => ({
      getParameters: () => params[k] ?? ({ transactionId: k, encodings: [{ priority: 'high' }] } as unknown as RTCRtpSendParameters),
      setParameters: async (p) => void (got[k]!.push(p), (params[k] = p)),
    });
    const senders = { voice: fake('voice'), stethoscope: fake('stethoscope') };
    for (const level of ['full', 'reduced', 'low'] as const) {
      await applyLevel(senders, level);
      expect(got.stethoscope!.at(-1)!.encodings[0]).toEqual({ priority: 'high' });
    }
    await applyLevel(senders, 'minimal');
    expect(got.voice!.at(-1)!.encodings[0]).toEqual({ priority: 'high', maxBitrate: 16_000 });
    // 32 kbit/s: twelve tones from 25 Hz to 1 kHz stayed within ±3 dB in the bench (24 kbit/s put 400 Hz out).
    expect(got.stethoscope!.at(-1)!.encodings[0]).toEqual({ priority: 'high', maxBitrate: STETHOSCOPE.minimal.maxBitrate });
    expect(STETHOSCOPE.minimal.maxBitrate).toBe(32_000);
    // The hold for readings pauses the camera and otoscope, never the stethoscope.
    await applyLevel(senders, 'minimal', true);
    expect(got.stethoscope!.at(-1)!.encodings[0]!.active).not.toBe(false);
    await applyLevel(senders, 'low');
    expect(got.stethoscope!.at(-1)!.encodings[0]).toEqual({ priority: 'high' });
    expect(initialEncoding('stethoscope', 'minimal')).toEqual({ maxBitrate: 32_000, priority: 'high', networkPriority: 'high' });
    expect(initialEncoding('stethoscope', 'full')).toEqual({ priority: 'high', networkPriority: 'high' });
  });

  it('a monitor started from the check is at that level at once, and a new connection starts there again', () => {
    vi.useFakeTimers();
    const m = new LinkMonitor({ getStats: async () => report(pair(2e6)), senders: () => ({}), onLevel: () => undefined, incident: () => undefined, start: 'minimal' });
    expect(m.level).toBe('minimal');
    m.reset();
    expect(m.level).toBe('minimal');
    m.close();
  });

  it('during the ramp-up grace, an estimate GCC already backed off to (under its start) is acted on at once', async () => {
    vi.useFakeTimers();
    const m = new LinkMonitor({ getStats: async () => report(pair(150_000)), senders: () => ({}), onLevel: () => undefined, incident: () => undefined });
    await vi.advanceTimersByTimeAsync(2000);
    expect(m.level).toBe('minimal');
    m.close();
  });
});
