import type { FromCarrier } from '../../browser/audio-readings-worker.ts';
import { decodeObservationBatch } from '../../shared/observation-batch.ts';
import type { ObservationEvent } from '../../shared/observation-frame.ts';

/** Items being inflated at most; more are dropped (each reading also comes on `events`). */
export const MAX_INFLATING = 8;

/** The part of a Worker the receiver uses (a fake in tests). */
export interface CarrierWorkerIn {
  onmessage: ((e: MessageEvent<FromCarrier>) => void) | null;
  terminate(): void;
}

export interface AudioReadingsInDeps {
  /** The transform's worker (src/browser/audio-readings-worker.ts); throws where the browser has none. */
  worker(): CarrierWorkerIn;
  /** Puts a receiver's encoded frames through the worker (`receiver.transform = new RTCRtpScriptTransform(worker, …)`). */
  transform(receiver: RTCRtpReceiver, worker: CarrierWorkerIn): void;
  /** The readings of one item, as the `events` copy would bring them (kept once per id there). */
  onObservations(list: ObservationEvent[]): void;
  log(message: string): void;
}

/**
 * The doctor's side of the readings carried in the cabin's voice packets (shared/audio-readings.ts): the voice
 * receiver's frames go through the worker, which takes trailers off before the decoder and posts their items here.
 * `watch` says whether it does, so the console may tell the cabin (`caps`).
 */
export class AudioReadingsIn {
  private worker: CarrierWorkerIn | undefined;
  private failed = false;
  private readonly done = new WeakSet<RTCRtpReceiver>();
  private inflating = 0;
  private closed = false;

  constructor(private readonly deps: AudioReadingsInDeps) {}

  /**
   * Puts the receiver of the cabin's voice (the transceivers whose mid `isVoice` names) through the transform, once;
   * true when there is one and it is (the console may then tell the cabin). The stethoscope's and the other receivers
   * are left alone: only the voice carries readings.
   */
  watch(pc: Pick<RTCPeerConnection, 'getTransceivers'>, isVoice: (mid: string) => boolean): boolean {
    const voice = pc.getTransceivers().filter((t) => t.mid !== null && isVoice(t.mid) && t.receiver.track?.kind === 'audio');
    if (voice.length === 0) return false;
    const worker = this.ensureWorker();
    if (!worker) return false;
    for (const t of voice) {
      if (this.done.has(t.receiver)) continue;
      try {
        this.deps.transform(t.receiver, worker);
        this.done.add(t.receiver);
      } catch {
        return false;
      }
    }
    return true;
  }

  close(): void {
    this.closed = true;
    this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): CarrierWorkerIn | undefined {
    if (this.closed || this.failed) return undefined;
    if (this.worker) return this.worker;
    try {
      const w = this.deps.worker();
      w.onmessage = (e) => {
        if (e.data?.type !== 'items' || !Array.isArray(e.data.items)) return;
        for (const item of e.data.items) void this.item(item);
      };
      this.worker = w;
    } catch (err) {
      this.failed = true;
      this.deps.log(`Readings in the cabin's voice packets are off: ${String(err)}`.slice(0, 300));
    }
    return this.worker;
  }

  private async item(bytes: unknown): Promise<void> {
    if (!(bytes instanceof ArrayBuffer) || this.inflating >= MAX_INFLATING) return;
    this.inflating++;
    try {
      const batch = await decodeObservationBatch(bytes);
      if (!batch || this.closed) return;
      if (batch.observations.length > 0) this.deps.onObservations(batch.observations);
    } catch (err) {
      this.deps.log(`Readings from the cabin's voice packets could not be handled: ${String(err)}`.slice(0, 300));
    } finally {
      this.inflating--;
    }
  }
}

/** The console's worker and transform (Chromium's RTCRtpScriptTransform); the tests give their own. */
export const browserCarrierIn = {
  worker: (): CarrierWorkerIn => new Worker(new URL('../../browser/audio-readings-worker.ts', import.meta.url), { type: 'module', name: 'audio-readings' }),
  transform: (receiver: RTCRtpReceiver, worker: CarrierWorkerIn): void => {
    receiver.transform = new RTCRtpScriptTransform(worker as Worker, { side: 'recv' });
  },
};
