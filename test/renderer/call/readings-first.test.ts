import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyLevel, initialEncoding, patchParameters, type SenderLike } from '../../../src/renderer/call/bandwidth.ts';
import { READINGS_FIRST_MAX_MS, ReadingsFirst, type BacklogView } from '../../../src/renderer/call/cut.ts';
import { LinkMonitor } from '../../../src/renderer/call/link-monitor.ts';

const view = (v: Partial<BacklogView> = {}): BacklogView => ({ ready: true, held: 0, bufferedAmount: 0, unacked: [], ...v });

describe('ReadingsFirst: camera and otoscope paused until the readings waiting are through (issue 11)', () => {
  it('holds nothing until asked', () => {
    const r = new ReadingsFirst();
    expect(r.holding).toBe(false);
    expect(r.check(view(), 0)).toBe(false);
  });

  it('waits for the link to be ready, then for every reading waiting then to be acknowledged, none held, the buffer empty', () => {
    const r = new ReadingsFirst();
    r.hold(0);
    // The cut: the link is not ready, readings pile up.
    expect(r.check(view({ ready: false, held: 3, unacked: ['a', 'b', 'c'] }), 1000)).toBe(false);
    // Back: what is waiting now must go first.
    expect(r.check(view({ held: 0, bufferedAmount: 900, unacked: ['a', 'b', 'c'] }), 2000)).toBe(false);
    // Sent, 'a' acknowledged, a new reading 'd' came meanwhile (it does not extend the hold).
    expect(r.check(view({ unacked: ['b', 'c', 'd'] }), 3000)).toBe(false);
    // Held readings still to send keep the hold.
    expect(r.check(view({ held: 1, unacked: ['d'] }), 3500)).toBe(false);
    // Buffered bytes keep it too.
    expect(r.check(view({ bufferedAmount: 10, unacked: ['d'] }), 3700)).toBe(false);
    // 'b' and 'c' acknowledged, nothing held or buffered: released, though 'd' is not acknowledged yet.
    expect(r.check(view({ unacked: ['d'] }), 4000)).toBe(true);
    expect(r.holding).toBe(false);
    expect(r.check(view(), 5000)).toBe(false);
  });

  it('a reading acknowledged then sent again (a resend) does not bring it back into the wait', () => {
    const r = new ReadingsFirst();
    r.hold(0);
    expect(r.check(view({ unacked: ['a'] }), 1)).toBe(false);
    expect(r.check(view({ unacked: [] , bufferedAmount: 5 }), 2)).toBe(false);
    expect(r.check(view({ unacked: [] }), 3)).toBe(true);
  });

  it('a new hold (another cut) starts the wait again', () => {
    const r = new ReadingsFirst();
    r.hold(0);
    expect(r.check(view({ unacked: ['a'] }), 1)).toBe(false);
    r.hold(10);
    expect(r.check(view({ ready: false }), 11)).toBe(false);
    expect(r.check(view({ unacked: ['x'] }), 12)).toBe(false);
    expect(r.check(view({ unacked: [] }), 13)).toBe(true);
  });

  it('never lasts longer than its maximum (acknowledgements that never come)', () => {
    const r = new ReadingsFirst(5000);
    r.hold(100);
    expect(r.check(view({ unacked: ['a'] }), 5099)).toBe(false);
    expect(r.check(view({ ready: false, unacked: ['a'] }), 5100)).toBe(true);
    expect(READINGS_FIRST_MAX_MS).toBeGreaterThan(0);
  });
});

describe('the hold on the senders (bandwidth.ts HELD)', () => {
  const params = (): RTCRtpSendParameters => ({ transactionId: 't', encodings: [{ active: true, maxBitrate: 1 }] }) as RTCRtpSendParameters;

  it('pauses the camera and the otoscope whatever the level; the voice keeps its level', () => {
    for (const level of ['full', 'reduced', 'low', 'minimal'] as const) {
      expect(patchParameters(params(), 'camera', level, true).encodings[0]!.active).toBe(false);
      expect(patchParameters(params(), 'otoscope', level, true).encodings[0]!.active).toBe(false);
      expect(patchParameters(params(), 'voice', level, true)).toEqual(patchParameters(params(), 'voice', level));
      expect(initialEncoding('camera', level, true).active).toBe(false);
      expect(initialEncoding('otoscope', level, true).active).toBe(false);
    }
    // Released: the level's own settings (the otoscope sends at 'low').
    expect(patchParameters(params(), 'otoscope', 'low').encodings[0]).toEqual({ active: true, maxBitrate: 250_000 });
  });

  it('applyLevel with the hold, then without: paused, then the level again', async () => {
    const set: Record<string, RTCRtpEncodingParameters[]> = { camera: [], otoscope: [], voice: [] };
    const sender = (kind: string): SenderLike => ({ getParameters: params, setParameters: async (p) => void set[kind]!.push(p.encodings[0]!) });
    const senders = { camera: sender('camera'), otoscope: sender('otoscope'), voice: sender('voice') };
    expect(await applyLevel(senders, 'low', true)).toEqual([]);
    expect(set.camera!.at(-1)!.active).toBe(false);
    expect(set.otoscope!.at(-1)!.active).toBe(false);
    expect(set.voice!.at(-1)!.active).toBe(true);
    await applyLevel(senders, 'low');
    expect(set.camera!.at(-1)!).toMatchObject({ active: true, maxBitrate: 100_000 });
    expect(set.otoscope!.at(-1)!).toMatchObject({ active: true, maxBitrate: 250_000 });
  });
});

describe('LinkMonitor.setHold', () => {
  afterEach(() => vi.useRealTimers());

  it('applies the hold at once and gives back the current level on release', async () => {
    vi.useFakeTimers();
    const camera: RTCRtpEncodingParameters[] = [];
    const sender: SenderLike = { getParameters: () => ({ transactionId: 't', encodings: [{ active: true }] }) as RTCRtpSendParameters, setParameters: async (p) => void camera.push(p.encodings[0]!) };
    const m = new LinkMonitor({ getStats: async () => new Map(), senders: () => ({ camera: sender }), onLevel: () => undefined, incident: () => undefined, start: 'low' });
    await m.setHold(true);
    expect(m.holding).toBe(true);
    expect(camera.at(-1)!.active).toBe(false);
    // A level set again while held (new senders) stays paused.
    await m.reapply();
    expect(camera.at(-1)!.active).toBe(false);
    await m.setHold(false);
    expect(m.holding).toBe(false);
    expect(camera.at(-1)!).toMatchObject({ active: true, maxBitrate: 100_000, maxFramerate: 8 });
    m.close();
  });
});
