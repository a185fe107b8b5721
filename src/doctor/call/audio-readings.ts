import { sharedCarrier, type CarrierPort } from '../../browser/carrier.ts';
import { decodeObservationBatch } from '../../shared/observation-batch.ts';
import type { ObservationEvent } from '../../shared/observation-frame.ts';

/** Items being inflated at most; more are dropped (each reading also comes on `events`). */
export const MAX_INFLATING = 2;

export interface AudioReadingsInDeps {
  /** The page's carrier worker (src/browser/carrier.ts); throws where the browser has none. */
  carrier(): CarrierPort;
  /** Puts a receiver's encoded frames through the worker (`receiver.transform = new RTCRtpScriptTransform(worker, …)`). */
  transform(receiver: RTCRtpReceiver, port: CarrierPort): void;
  /** The readings of one item, as the `events` copy would bring them (kept once per id there). */
  onObservations(list: ObservationEvent[]): void;
  log(message: string): void;
}

/**
 * The doctor's side of the readings carried in the cabin's voice packets (shared/audio-readings.ts): the voice
 * receiver of each connection goes through the page's carrier worker when it first appears (`ontrack`, before its
 * first frame: Chromium applies a transform set later to nothing, and the cabin would then send trailers to the decoder),
 * if the worker runs. The worker takes trailers off before the decoder and posts their items here. `watch` says whether
 * the voice receivers are through it, so the console may tell the cabin (`caps`).
 */
export class AudioReadingsIn {
  private port: CarrierPort | undefined;
  /** Receivers seen: through the transform or not, never again (too late once frames flow). */
  private readonly seen = new WeakMap<RTCRtpReceiver, boolean>();
  private inflating = 0;
  private closed = false;

  constructor(private readonly deps: AudioReadingsInDeps) {
    try {
      this.port = deps.carrier();
      this.port.listen((items) => {
        for (const item of items) void this.item(item);
      });
    } catch (err) {
      this.deps.log(`Readings in the cabin's voice packets are off: ${String(err)}`.slice(0, 300));
    }
  }

  /**
   * The cabin's voice receivers (the transceivers whose mid `isVoice` names) seen for the first time go through the
   * transform if the worker runs; true when there is at least one and every one is through it.
   */
  watch(pc: Pick<RTCPeerConnection, 'getTransceivers'>, isVoice: (mid: string) => boolean): boolean {
    const voice = pc.getTransceivers().filter((t) => t.mid !== null && isVoice(t.mid) && t.receiver.track?.kind === 'audio');
    if (voice.length === 0 || this.closed) return false;
    let all = true;
    for (const t of voice) {
      let through = this.seen.get(t.receiver);
      if (through === undefined) {
        through = false;
        if (this.port?.alive) {
          try {
            this.deps.transform(t.receiver, this.port);
            through = true;
          } catch {
            // No encoded transforms here.
          }
        }
        this.seen.set(t.receiver, through);
      }
      all &&= through;
    }
    return all;
  }

  close(): void {
    this.closed = true;
    this.port?.listen(undefined);
  }

  private async item(bytes: unknown): Promise<void> {
    if (!(bytes instanceof ArrayBuffer) || this.inflating >= MAX_INFLATING || this.closed) return;
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
  carrier: sharedCarrier,
  transform: (receiver: RTCRtpReceiver, port: CarrierPort): void => {
    if (!port.worker) throw new Error('no carrier worker');
    receiver.transform = new RTCRtpScriptTransform(port.worker, { side: 'recv' });
  },
};
