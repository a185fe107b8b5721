import { describe, expect, it } from 'vitest';
import { initialStall, nextStall, type StallAction, type StallOptions, type StallState, type VideoSample } from '../../../src/renderer/call/video-stall.ts';
import { framesDecodedOf, videoExpected, VideoWatch, type WatchedPc } from '../../../src/renderer/call/video-watch.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

const O: StallOptions = { stallMs: 4000, firstFrameMs: 8000, retryMs: 8000, maxTries: 3 };

/** Runs one sample a second from t = 0: `frames(t)` gives the counter (undefined: no stats yet). */
function run(seconds: number, sample: (t: number) => Partial<VideoSample>, from: StallState = initialStall()) {
  let s = from;
  const actions: (StallAction & { t: number })[] = [];
  const states: string[] = [];
  for (let t = 0; t <= seconds * 1000; t += 1000) {
    const r = nextStall(s, { t, expected: true, connected: true, framesDecoded: undefined, ...sample(t) }, O);
    s = r.state;
    if (r.action) actions.push({ ...r.action, t });
    states.push(s.video);
  }
  return { state: s, actions, states };
}

describe('the doctor video stall decision (pure, injected time)', () => {
  it('frames flowing: ok, never a recovery', () => {
    const r = run(60, (t) => ({ framesDecoded: t / 40 }));
    expect(r.state.video).toBe('ok');
    expect(r.actions).toEqual([]);
  });

  it('no video sent at all: none, whatever the counters say', () => {
    const r = run(60, () => ({ expected: false }));
    expect(r.states.every((v) => v === 'none')).toBe(true);
    expect(r.actions).toEqual([]);
  });

  it('frames stop for 4 s: stalled and one renegotiation; then one more every 8 s, up to 3, then failed', () => {
    // 25 fps until t = 10 s, then frozen.
    const r = run(60, (t) => ({ framesDecoded: Math.min(t, 10_000) / 40 }));
    expect(r.actions).toEqual([
      { type: 'recover', attempt: 1, t: 14_000 },
      { type: 'recover', attempt: 2, t: 22_000 },
      { type: 'recover', attempt: 3, t: 30_000 },
      { type: 'gave-up', tries: 3, t: 38_000 },
    ]);
    expect(r.states[13]).toBe('ok');
    expect(r.states[14]).toBe('stalled');
    expect(r.state.video).toBe('failed');
  });

  it('recovery: frames coming back after a stall make it ok, and say after how many tries', () => {
    // Frozen from 10 s to 25 s (two tries), then flowing.
    const r = run(40, (t) => ({ framesDecoded: t < 10_000 ? t / 40 : t < 25_000 ? 250 : 250 + (t - 25_000) / 40 }));
    expect(r.actions.map((a) => a.type)).toEqual(['recover', 'recover', 'recovered']);
    expect(r.actions.at(-1)).toEqual({ type: 'recovered', tries: 2, t: 26_000 });
    expect(r.state.video).toBe('ok');
    expect(r.state.tries).toBe(0);
  });

  it('recovers even after giving up, when frames come back', () => {
    const frozen = run(60, (t) => ({ framesDecoded: Math.min(t, 10_000) / 40 }));
    expect(frozen.state.video).toBe('failed');
    const r = nextStall(frozen.state, { t: 61_000, expected: true, connected: true, framesDecoded: 300 }, O);
    expect(r.state.video).toBe('ok');
    expect(r.action).toEqual({ type: 'recovered', tries: 3 });
  });

  it('a black video from the start (a muted track that never got a packet: no stats) stalls after the first-frame wait', () => {
    const r = run(20, () => ({ framesDecoded: undefined }));
    expect(r.states[0]).toBe('waiting');
    expect(r.actions[0]).toEqual({ type: 'recover', attempt: 1, t: 8000 });
  });

  it('a slow first frame within the wait is not a stall', () => {
    const r = run(30, (t) => ({ framesDecoded: t < 6000 ? 0 : (t - 6000) / 40 }));
    expect(r.actions).toEqual([]);
    expect(r.state.video).toBe('ok');
  });

  it('the doctor track ended (or its m-section stopped sending): none, and the clocks start over', () => {
    const frozen = run(15, (t) => ({ framesDecoded: Math.min(t, 5000) / 40 }));
    expect(frozen.state.video).toBe('stalled');
    const ended = nextStall(frozen.state, { t: 16_000, expected: false, connected: true, framesDecoded: 125 }, O);
    expect(ended.state).toEqual(initialStall());
    expect(ended.action).toBeUndefined();
  });

  it('a connection that is down pauses the verdict: no renegotiation on top of the ICE restart policy', () => {
    const r = run(30, (t) => ({ framesDecoded: Math.min(t, 5000) / 40, connected: t < 6000 || t > 20_000 }));
    // Frozen at 5 s; down from 6 s to 20 s (last seen down at 20 s): 4 s more from there before the stall.
    expect(r.actions[0]).toEqual({ type: 'recover', attempt: 1, t: 24_000 });
  });

  it('a counter that starts over (a new receiver) is a new base, not a stall', () => {
    const a = run(10, (t) => ({ framesDecoded: t / 40 }));
    const r = run(10, (t) => ({ framesDecoded: 1 + t / 40 }), { ...a.state, frames: 10_000 });
    expect(r.actions).toEqual([]);
    expect(r.state.video).toBe('ok');
  });
});

describe('reading the peer connection', () => {
  const stats = (list: object[]) => new Map(list.map((s, i) => [String(i), s]));
  it('sums framesDecoded of inbound video only', () => {
    expect(framesDecodedOf(stats([{ type: 'inbound-rtp', kind: 'video', framesDecoded: 12 }, { type: 'inbound-rtp', kind: 'audio' }, { type: 'outbound-rtp', kind: 'video', framesEncoded: 99 }]))).toBe(12);
    expect(framesDecodedOf(stats([{ type: 'inbound-rtp', kind: 'audio' }]))).toBeUndefined();
  });

  const tr = (currentDirection: RTCRtpTransceiverDirection | null, kind: string, readyState = 'live') =>
    ({ currentDirection, receiver: { track: { kind, readyState } } }) as unknown as Pick<RTCRtpTransceiver, 'currentDirection' | 'receiver'>;
  it('expects video only from a receiving video m-section with a live track', () => {
    expect(videoExpected({ getTransceivers: () => [tr('sendonly', 'video'), tr('sendrecv', 'audio')] })).toBe(false);
    expect(videoExpected({ getTransceivers: () => [tr('recvonly', 'video', 'ended')] })).toBe(false);
    expect(videoExpected({ getTransceivers: () => [tr('sendonly', 'video'), tr('recvonly', 'video')] })).toBe(true);
  });
});

describe('VideoWatch (samples on an injected clock)', () => {
  function fakePc() {
    const pc = {
      connectionState: 'connected' as RTCPeerConnectionState,
      frames: 0,
      flowing: true,
      getTransceivers: () => [{ currentDirection: 'recvonly', receiver: { track: { kind: 'video', readyState: 'live' } } }],
      getStats: () => Promise.resolve(new Map([['v', { type: 'inbound-rtp', kind: 'video', framesDecoded: pc.frames }]])),
    };
    return pc;
  }
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('renegotiates on a stall, tells the screen and the doctor, and logs each turn for the report', async () => {
    const clock = new ManualClock(0);
    const pc = fakePc();
    const recovers: number[] = [];
    const states: string[] = [];
    const incidents: string[] = [];
    const w = new VideoWatch({ pc: () => pc as unknown as WatchedPc, recover: (n) => recovers.push(n), onState: (v, n) => states.push(`${v}:${n}`), incident: (d) => incidents.push(d), clock, options: O });
    for (let i = 0; i < 40; i++) {
      if (pc.flowing) pc.frames += 25;
      if (i === 5) pc.flowing = false;
      if (i === 20) pc.flowing = true;
      clock.advance(1000);
      await flush();
    }
    expect(recovers).toEqual([1, 2]);
    expect(states).toEqual(['ok:0', 'stalled:1', 'stalled:2', 'ok:0']);
    expect(incidents).toHaveLength(3);
    expect(incidents[0]).toMatch(/stalled.*try 1 of 3/);
    expect(incidents[2]).toMatch(/plays again.*2 tries/);
    w.close();
    expect(clock.pending).toBe(0);
  });
  it('a doctor camera paused on purpose for the link is no stall: no renegotiation, nothing said to have failed', async () => {
    const clock = new ManualClock(0);
    const pc = fakePc();
    let paused = false;
    const recovers: number[] = [];
    const states: string[] = [];
    const incidents: string[] = [];
    const w = new VideoWatch({ pc: () => pc as unknown as WatchedPc, recover: (n) => recovers.push(n), onState: (v, n) => states.push(`${v}:${n}`), incident: (d) => incidents.push(d), clock, options: O, paused: () => paused });
    for (let i = 0; i < 60; i++) {
      if (i === 5) paused = true; // the console pauses its camera at the lowest level: frames stop
      if (!paused) pc.frames += 25;
      if (i === 50) paused = false;
      clock.advance(1000);
      await flush();
    }
    expect(recovers).toEqual([]);
    expect(incidents).toEqual([]);
    expect(states).toEqual(['ok:0', 'none:0', 'ok:0']);
    w.close();
  });
});
