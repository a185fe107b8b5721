import { describe, expect, it } from 'vitest';
import type { FromCarrier } from '../../src/browser/audio-readings-worker.ts';
import { AudioReadingsIn, type CarrierWorkerIn } from '../../src/doctor/call/audio-readings.ts';
import { encodeObservationBatch } from '../../src/shared/observation-batch.ts';
import type { ObservationEvent } from '../../src/shared/observation-frame.ts';

const obs = (id: string): ObservationEvent => ({ type: 'observation', id, deviceId: 'oxi@sim', code: 'MDC_PULS_OXIM_SAT_O2', value: 96, unit: '%', t: 5 });

class FakeWorker implements CarrierWorkerIn {
  onmessage: ((e: MessageEvent<FromCarrier>) => void) | null = null;
  terminated = false;
  terminate(): void {
    this.terminated = true;
  }
  items(items: ArrayBuffer[]): void {
    this.onmessage?.({ data: { type: 'items', items } } as MessageEvent<FromCarrier>);
  }
}

const transceiver = (mid: string | null, kind = 'audio') => ({ mid, receiver: { track: { kind } } as unknown as RTCRtpReceiver });
const pcWith = (...ts: ReturnType<typeof transceiver>[]) => ({ getTransceivers: () => ts as unknown as RTCRtpTransceiver[] });
const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("readings in the cabin's voice: the doctor's side", () => {
  it('puts only the voice receiver through the transform, once, and says so', () => {
    const worker = new FakeWorker();
    const done: RTCRtpReceiver[] = [];
    const a = new AudioReadingsIn({ worker: () => worker, transform: (r) => void done.push(r), onObservations: () => {}, log: () => {} });
    const voice = transceiver('1');
    const steth = transceiver('2');
    const video = transceiver('0', 'video');
    const kinds: Record<string, string> = { '0': 'camera', '1': 'voice', '2': 'stethoscope' };
    expect(a.watch(pcWith(video, steth), (mid) => kinds[mid] === 'voice')).toBe(false);
    expect(a.watch(pcWith(video, voice, steth), (mid) => kinds[mid] === 'voice')).toBe(true);
    expect(a.watch(pcWith(video, voice, steth), (mid) => kinds[mid] === 'voice')).toBe(true);
    expect(done).toEqual([voice.receiver]);
    a.close();
    expect(worker.terminated).toBe(true);
  });

  it('hands over the readings of each item, and drops what is not a batch of readings', async () => {
    const worker = new FakeWorker();
    const got: string[] = [];
    const logs: string[] = [];
    const a = new AudioReadingsIn({ worker: () => worker, transform: () => {}, onObservations: (l) => got.push(...l.map((o) => o.id)), log: (m) => logs.push(m) });
    a.watch(pcWith(transceiver('1')), () => true);
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
      worker: () => {
        throw new Error('Worker is not defined');
      },
      transform: () => {},
      onObservations: () => {},
      log: (m) => logs.push(m),
    });
    expect(a.watch(pcWith(transceiver('1')), () => true)).toBe(false);
    const refusing = new AudioReadingsIn({
      worker: () => new FakeWorker(),
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
