import { describe, expect, it } from 'vitest';
import type { ToCarrier } from '../../src/browser/audio-readings-worker.ts';
import type { CarrierPort } from '../../src/browser/carrier.ts';
import { AudioReadingsIn } from '../../src/doctor/call/audio-readings.ts';
import { encodeObservationBatch } from '../../src/shared/observation-batch.ts';
import type { ObservationEvent } from '../../src/shared/observation-frame.ts';

const obs = (id: string): ObservationEvent => ({ type: 'observation', id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 96, unit: '%', t: 5 });

class FakeWorker implements CarrierPort {
  alive = false;
  listener: ((items: ArrayBuffer[]) => void) | undefined;
  post(_m: ToCarrier): void {}
  listen(fn: ((items: ArrayBuffer[]) => void) | undefined): void {
    this.listener = fn;
  }
  hello(): void {
    this.alive = true;
  }
  items(items: ArrayBuffer[]): void {
    this.listener?.(items);
  }
}

const transceiver = (mid: string | null, kind = 'audio') => ({ mid, receiver: { track: { kind } } as unknown as RTCRtpReceiver });
const pcWith = (...ts: ReturnType<typeof transceiver>[]) => ({ getTransceivers: () => ts as unknown as RTCRtpTransceiver[] });
const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("readings in the cabin's voice: the doctor's side", () => {
  it('puts only the voice receiver through the transform, when first seen and only if the worker runs; never later', () => {
    const worker = new FakeWorker();
    const done: RTCRtpReceiver[] = [];
    const a = new AudioReadingsIn({ carrier: () => worker, transform: (r) => void done.push(r), onObservations: () => {}, log: () => {} });
    const kinds: Record<string, string> = { '0': 'camera', '1': 'voice', '2': 'stethoscope' };
    const isVoice = (mid: string) => kinds[mid] === 'voice';
    const steth = transceiver('2');
    const video = transceiver('0', 'video');
    expect(a.watch(pcWith(video, steth), isVoice)).toBe(false);
    // The worker has not said it runs: this voice is left alone, and stays so (a transform set once frames flow
    // does nothing in Chromium, and the cabin would then send trailers to the decoder): no caps for this connection.
    const early = transceiver('1');
    expect(a.watch(pcWith(video, early, steth), isVoice)).toBe(false);
    worker.hello();
    expect(a.watch(pcWith(video, early, steth), isVoice)).toBe(false);
    expect(done).toEqual([]);
    // The next connection's voice, seen while the worker runs.
    const voice = transceiver('1');
    expect(a.watch(pcWith(video, voice, steth), isVoice)).toBe(true);
    expect(a.watch(pcWith(video, voice, steth), isVoice)).toBe(true);
    expect(done).toEqual([voice.receiver]);
    a.close();
    expect(worker.listener).toBeUndefined();
  });

  it('hands over the readings of each item, and drops what is not a batch of readings', async () => {
    const worker = new FakeWorker();
    const got: string[] = [];
    const logs: string[] = [];
    const a = new AudioReadingsIn({ carrier: () => worker, transform: () => {}, onObservations: (l) => got.push(...l.map((o) => o.id)), log: (m) => logs.push(m) });
    worker.hello();
    expect(a.watch(pcWith(transceiver('1')), () => true)).toBe(true);
    const item = (await encodeObservationBatch([obs('x'), obs('y')]))!;
    worker.items([item.slice().buffer as ArrayBuffer, Uint8Array.of(0x81, 1, 2, 3).buffer as ArrayBuffer, Uint8Array.of(0x80, 0x7b).buffer as ArrayBuffer]);
    await until(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['x', 'y']);
    a.close();
  });

  it('a browser without encoded transforms: no caps, the call goes on', () => {
    const logs: string[] = [];
    const a = new AudioReadingsIn({
      carrier: () => {
        throw new Error('Worker is not defined');
      },
      transform: () => {},
      onObservations: () => {},
      log: (m) => logs.push(m),
    });
    expect(a.watch(pcWith(transceiver('1')), () => true)).toBe(false);
    const started = new FakeWorker();
    started.hello();
    const refusing = new AudioReadingsIn({
      carrier: () => started,
      transform: () => {
        throw new Error('RTCRtpScriptTransform is not defined');
      },
      onObservations: () => {},
      log: () => {},
    });
    expect(refusing.watch(pcWith(transceiver('1')), () => true)).toBe(false);
    expect(logs[0]).toMatch(/off/);
  });
});
