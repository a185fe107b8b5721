import type { Reading } from '../../shared/bridge.ts';
import { MAX_ITEM_BYTES } from '../../shared/audio-readings.ts';
import { encodeObservationBatch } from '../../shared/observation-batch.ts';
import { sharedCarrier, type CarrierPort } from '../../browser/carrier.ts';
import { observationOf } from './observations.ts';
import type { CallStats } from './stats.ts';

/** Readings that come this close together go deflated as one item (the oximeter's SpO2, pulse and perfusion). */
export const COALESCE_MS = 15;

export interface AudioReadingsDeps {
  /** The page's carrier worker (src/browser/carrier.ts); throws where the browser has none. */
  carrier(): CarrierPort;
  /** Puts a sender's encoded frames through the worker (`sender.transform = new RTCRtpScriptTransform(worker, …)`). */
  transform(sender: RTCRtpSender, port: CarrierPort): void;
  stats: CallStats;
}

/**
 * The cabin's side of the readings carried in the voice's packets (shared/audio-readings.ts). The microphone's sender of
 * each connection goes through the page's carrier worker when it is created, if the worker runs (browser/carrier.ts);
 * its frames stay untouched until the doctor's console of that connection says it takes trailers off (`caps`, on every
 * opening of `events`). From then, each new reading (coalesced with those of the same instant, deflated) is posted to
 * the worker, which sends it in four frames (COPY_OFFSETS_MS).
 */
export class AudioReadings {
  private port: CarrierPort | undefined;
  private ready = false;
  /** The current connection's microphone sender is through the transform. */
  private carrying = false;
  private pending: Reading[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly deps: AudioReadingsDeps) {
    try {
      this.port = deps.carrier();
    } catch {
      // No workers here: readings go on the data channels only.
    }
  }

  /** The microphone's sender of a new connection, before its first frame: through the transform if the worker runs. */
  carryOn(sender: RTCRtpSender): void {
    this.carrying = false;
    if (this.closed || !this.port?.alive) return;
    try {
      this.deps.transform(sender, this.port);
      this.carrying = true;
    } catch {
      // No encoded transforms here: readings go on the data channels only.
    }
  }

  /** Whether the doctor's console of the current connection strips trailers (false on every new `events` channel until it says so). */
  setReady(on: boolean): void {
    if (on === this.ready || this.closed) return;
    this.ready = on;
    this.port?.post({ type: 'carry', on });
    if (!on) this.pending = [];
  }

  /** A new reading that went on `events` now: a copy goes in the voice too, when the doctor's console takes it. */
  observation(r: Reading): void {
    if (!this.ready || !this.carrying || this.closed) return;
    this.pending.push(r);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const list = this.pending.splice(0);
      void this.post(list);
    }, COALESCE_MS);
  }

  close(): void {
    if (this.closed) return;
    this.setReady(false);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending = [];
  }

  /** Deflated together; a list too big for one item is halved until each part fits (a single one that does not is left to `events`). */
  private async post(list: Reading[]): Promise<void> {
    if (list.length === 0) return;
    const bytes = await encodeObservationBatch(list.map(observationOf));
    if (this.closed || !this.ready || !this.carrying || !this.port) return;
    if (bytes && bytes.length <= MAX_ITEM_BYTES) {
      const buffer = bytes.slice().buffer as ArrayBuffer;
      this.port.post({ type: 'reading', bytes: buffer }, [buffer]);
      this.deps.stats.audioReadings += list.length;
      return;
    }
    if (list.length === 1) return;
    const half = Math.ceil(list.length / 2);
    await this.post(list.slice(0, half));
    await this.post(list.slice(half));
  }
}

/** The app's worker and transform (Chromium's RTCRtpScriptTransform); the tests give their own. */
export const browserCarrier = {
  carrier: sharedCarrier,
  transform: (sender: RTCRtpSender, port: CarrierPort): void => {
    if (!port.worker) throw new Error('no carrier worker');
    sender.transform = new RTCRtpScriptTransform(port.worker, { side: 'send' });
  },
};
