import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { newStats } from '../../../src/renderer/call/stats.ts';
import { COPY_MAX_BUFFERED, FRAME_MS, OBSERVATION_COPY_DELAY_MS, OBSERVATION_SECOND_COPY_MS, SLOW_FRAME_MS, TelemetrySender, type StreamDeclaration } from '../../../src/renderer/call/telemetry.ts';
import type { MdcCode } from '../../../src/shared/catalogue.ts';
import { decodeTelemetryMessage } from '../../../src/shared/observation-frame.ts';
import { CabinEventSchema, decodeFrame, TELEMETRY_MAX_BUFFERED } from '../../../src/shared/telemetry.ts';
import { FakeChannel } from './fakes.ts';

const PLETH = 'MDC_PULS_OXIM_PLETH';
const wave = (samples: number[], t: number, rate = 60, deviceId = 'oxi@sim', code: MdcCode = PLETH) => ({ deviceId, code, rate, samples, t });
const frames = (ch: FakeChannel) => ch.sent.filter((d): d is ArrayBuffer => d instanceof ArrayBuffer).map((b) => decodeFrame(b)!);

describe('telemetry sender', () => {
  let ch: FakeChannel;
  let decls: StreamDeclaration[];
  let stats: ReturnType<typeof newStats>;
  let sender: TelemetrySender;

  beforeEach(() => {
    vi.useFakeTimers();
    ch = new FakeChannel();
    ch.open();
    decls = [];
    stats = newStats();
    sender = new TelemetrySender({ declare: (d) => decls.push(d), stats });
    sender.attach(ch);
  });
  afterEach(() => {
    sender.close();
    vi.useRealTimers();
  });

  it('declares a stream once (valid `stream` message, t0 = first event time) and batches samples into one frame per 40 ms', () => {
    sender.onWaveform(wave([1, 2, 3], 1000));
    sender.onWaveform(wave([4, 5], 1050));
    expect(decls).toEqual([{ type: 'stream', stream: 0, deviceId: 'oxi@sim', code: PLETH, rate: 60, t0: 1000 }]);
    expect(CabinEventSchema.safeParse(decls[0]).success).toBe(true);
    expect(ch.sent).toHaveLength(0);
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch)).toEqual([{ stream: 0, index: 0, samples: [1, 2, 3, 4, 5] }]);
    sender.onWaveform(wave([6, 7], 1084));
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch)[1]).toEqual({ stream: 0, index: 5, samples: [6, 7] });
    expect(stats).toMatchObject({ framesSent: 2, samplesSent: 7, framesDropped: 0 });
    expect(stats.telemetryBytes).toBe((ch.sent as ArrayBuffer[]).reduce((n, b) => n + b.byteLength, 0));
    vi.advanceTimersByTime(FRAME_MS * 5);
    expect(ch.sent).toHaveLength(2);
  });

  it('keeps one stream per device and code, and a new stream id when the rate changes', () => {
    sender.onWaveform(wave([1], 0));
    sender.onWaveform(wave([1], 0, 60, 'other@sim'));
    sender.onWaveform(wave([9, 9], 10, 75));
    expect(decls.map((d) => [d.stream, d.deviceId, d.rate, d.t0])).toEqual([
      [0, 'oxi@sim', 60, 0],
      [1, 'other@sim', 60, 0],
      [2, 'oxi@sim', 75, 10],
    ]);
    vi.advanceTimersByTime(FRAME_MS);
    const got = frames(ch);
    // the 60 Hz samples went out in their own frame before the stream was replaced
    expect(got).toContainEqual({ stream: 0, index: 0, samples: [1] });
    expect(got).toContainEqual({ stream: 2, index: 0, samples: [9, 9] });
  });

  it('drops a frame when the channel is backed up, and the index still advances (a gap for the doctor)', () => {
    sender.onWaveform(wave([1, 2, 3], 0));
    ch.bufferedAmount = TELEMETRY_MAX_BUFFERED + 1;
    vi.advanceTimersByTime(FRAME_MS);
    expect(ch.sent).toHaveLength(0);
    expect(stats.framesDropped).toBe(1);
    ch.bufferedAmount = 0;
    sender.onWaveform(wave([4, 5], 50));
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch)).toEqual([{ stream: 0, index: 3, samples: [4, 5] }]);
  });

  it('skips the indexes of a long silence of the device', () => {
    sender.onWaveform(wave([1, 2], 0));
    vi.advanceTimersByTime(FRAME_MS);
    sender.onWaveform(wave([3], 10_000)); // 10 s later at 60 Hz: 600 sample periods, 1 of them this sample
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch).map((f) => f.index)).toEqual([0, 601]);
  });

  it('a device slower than its nominal rate is not taken for a gap', () => {
    // 3 samples every 51 ms is 58.8 Hz for a declared 60 Hz: two minutes of it
    for (let k = 0; k < 2400; k++) sender.onWaveform(wave([k, k, k], k * 51));
    vi.advanceTimersByTime(FRAME_MS);
    const got = frames(ch);
    expect(got.reduce((n, f) => n + f.samples.length, 0)).toBe(7200);
    expect(got.at(-1)!.index + got.at(-1)!.samples.length).toBe(7200);
  });

  it('sends nothing while the channel is not open, and ignores nonsense waveforms', () => {
    const closed = new FakeChannel();
    sender.attach(closed);
    sender.onWaveform(wave([1, 2], 0));
    sender.onWaveform(wave([1], 0, 0));
    sender.onWaveform(wave([1], 0, -5));
    sender.onWaveform(wave([], 0));
    vi.advanceTimersByTime(FRAME_MS);
    expect(closed.sent).toHaveLength(0);
    expect(decls).toHaveLength(1);
  });

  it('splits a huge batch into frames well under the message size limit', () => {
    sender.onWaveform(wave(Array.from({ length: 5000 }, (_, i) => i * 1000), 0, 500));
    vi.advanceTimersByTime(FRAME_MS);
    const got = frames(ch);
    expect(got.map((f) => [f.index, f.samples.length])).toEqual([
      [0, 2000],
      [2000, 2000],
      [4000, 1000],
    ]);
    for (const b of ch.sent as ArrayBuffer[]) expect(b.byteLength).toBeLessThan(16 * 1024);
  });

  it('sends a copy of each reading as an observation frame shortly after (not in the packet of the events copy), none when the channel is closed or behind', () => {
    const reading = { id: 'r1', deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 5 };
    expect(sender.observation(reading)).toBe(true);
    expect(ch.sent).toHaveLength(0);
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    expect(ch.sent).toHaveLength(1);
    expect(decodeTelemetryMessage(ch.sent[0] as ArrayBuffer)).toEqual({ kind: 'observation', observation: { type: 'observation', ...reading } });
    expect(stats.telemetryBytes).toBe((ch.sent[0] as ArrayBuffer).byteLength);
    // Not a waveform frame: the pleth decoder drops it.
    expect(decodeFrame(ch.sent[0] as ArrayBuffer)).toBeUndefined();
    ch.bufferedAmount = COPY_MAX_BUFFERED + 1;
    sender.observation({ ...reading, id: 'r2' });
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    ch.bufferedAmount = 0;
    expect(sender.observation({ ...reading, id: '' })).toBe(false);
    sender.observation({ ...reading, id: 'r3' });
    ch.close();
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    expect(ch.sent).toHaveLength(1);
    // Closing the sender drops the copies still waiting.
    const other = new FakeChannel();
    other.open();
    sender.attach(other);
    sender.observation({ ...reading, id: 'r4' });
    sender.close();
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    expect(other.sent).toHaveLength(0);
  });

  it('a copy still queues where a waveform frame would be dropped, up to COPY_MAX_BUFFERED', () => {
    const reading = { id: 'q1', deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 5 };
    ch.bufferedAmount = TELEMETRY_MAX_BUFFERED + 1;
    sender.onWaveform(wave([1, 2], 0));
    sender.flush();
    expect(ch.sent).toHaveLength(0);
    sender.observation(reading);
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    expect(ch.sent.map((b) => decodeTelemetryMessage(b as ArrayBuffer)?.kind)).toEqual(['observation']);
  });

  it('at the poorest level each reading gets a second copy, OBSERVATION_SECOND_COPY_MS later; back to one above it', () => {
    const reading = { id: 'd1', deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2' as const, value: 97, unit: '%', t: 5 };
    sender.setSecondCopy(true);
    sender.observation(reading);
    vi.advanceTimersByTime(OBSERVATION_COPY_DELAY_MS);
    expect(ch.sent).toHaveLength(1);
    vi.advanceTimersByTime(OBSERVATION_SECOND_COPY_MS - OBSERVATION_COPY_DELAY_MS);
    expect(ch.sent).toHaveLength(2);
    expect(ch.sent.map((b) => decodeTelemetryMessage(b as ArrayBuffer))).toEqual([
      { kind: 'observation', observation: { type: 'observation', ...reading } },
      { kind: 'observation', observation: { type: 'observation', ...reading } },
    ]);
    sender.setSecondCopy(false);
    sender.observation({ ...reading, id: 'd2' });
    vi.advanceTimersByTime(OBSERVATION_SECOND_COPY_MS * 2);
    expect(ch.sent).toHaveLength(3);
  });

  it('on a very poor link, frames go every 200 ms instead of 40 (what waits goes at the change)', () => {
    sender.onWaveform(wave([1, 2], 0));
    sender.setFrameMs(SLOW_FRAME_MS);
    expect(frames(ch)).toEqual([{ stream: 0, index: 0, samples: [1, 2] }]);
    sender.onWaveform(wave([3], 20));
    vi.advanceTimersByTime(SLOW_FRAME_MS - 1);
    expect(ch.sent).toHaveLength(1);
    sender.onWaveform(wave([4], 100));
    vi.advanceTimersByTime(1);
    expect(frames(ch)[1]).toEqual({ stream: 0, index: 2, samples: [3, 4] });
    sender.setFrameMs(FRAME_MS);
    sender.onWaveform(wave([5], 300));
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch)[2]).toEqual({ stream: 0, index: 4, samples: [5] });
    // Garbage intervals are refused.
    sender.setFrameMs(0);
    sender.setFrameMs(Number.NaN);
    sender.onWaveform(wave([6], 340));
    vi.advanceTimersByTime(FRAME_MS);
    expect(frames(ch)).toHaveLength(4);
  });
});
