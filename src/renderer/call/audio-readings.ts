import type { Reading } from '../../shared/bridge.ts';
import { MAX_ITEM_BYTES } from '../../shared/audio-readings.ts';
import { encodeObservationBatch } from '../../shared/observation-batch.ts';
import type { ToCarrier } from '../../browser/audio-readings-worker.ts';
import { observationOf } from './events.ts';
import type { CallStats } from './stats.ts';

/** Readings that come this close together go deflated as one item (the oximeter's SpO2, pulse and perfusion). */
export const COALESCE_MS = 15;

/** The part of a Worker the carrier uses (a fake in tests). */
export interface CarrierWorker {
  postMessage(m: ToCarrier, transfer?: Transferable[]): void;
  terminate(): void;
}

export interface AudioReadingsDeps {
  /** The transform's worker (src/browser/audio-readings-worker.ts); throws or is absent where the browser has none. */
  worker(): CarrierWorker;
  /** Puts a sender's encoded frames through the worker (`sender.transform = new RTCRtpScriptTransform(worker, …)`). */
  transform(sender: RTCRtpSender, worker: CarrierWorker): void;
  stats: CallStats;
}

/**
 * The cabin's side of the readings carried in the voice's packets (shared/audio-readings.ts): the microphone's sender
 * of each connection goes through the worker's transform, which leaves its frames untouched until the doctor's
 * console says it takes trailers off (`caps`, on every opening of `events`). From then, each new reading (coalesced
 * with those of the same instant, deflated) is posted to the worker, which sends it in four frames (COPY_OFFSETS_MS).
 */
export class AudioReadings {
  private worker: CarrierWorker | undefined;
  private failed = false;
  private ready = false;
  private pending: Reading[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly carried = new WeakSet<RTCRtpSender>();
  private closed = false;

  constructor(private readonly deps: AudioReadingsDeps) {}

  /** The microphone's sender of a connection: its frames go through the transform from now on. */
  carryOn(sender: RTCRtpSender): void {
    if (this.closed || this.carried.has(sender)) return;
    const worker = this.ensureWorker();
    if (!worker) return;
    try {
      this.deps.transform(sender, worker);
      this.carried.add(sender);
    } catch {
      // No encoded transforms here: readings go on the data channels only.
    }
  }

  /** Whether the doctor's console of the current connection strips trailers (false on every new `events` channel until it says so). */
  setReady(on: boolean): void {
    if (on === this.ready || this.closed) return;
    this.ready = on;
    this.worker?.postMessage({ type: 'carry', on });
    if (!on) this.pending = [];
  }

  /** A new reading that went on `events` now: a copy goes in the voice too, when the doctor's console takes it. */
  observation(r: Reading): void {
    if (!this.ready || !this.worker || this.closed) return;
    this.pending.push(r);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const list = this.pending.splice(0);
      void this.post(list);
    }, COALESCE_MS);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending = [];
    this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): CarrierWorker | undefined {
    if (this.worker || this.failed) return this.worker;
    try {
      this.worker = this.deps.worker();
    } catch {
      this.failed = true;
    }
    return this.worker;
  }

  /** Deflated together; a list too big for one item is halved until each part fits (a single one that does not is left to `events`). */
  private async post(list: Reading[]): Promise<void> {
    if (list.length === 0) return;
    const bytes = await encodeObservationBatch(list.map(observationOf));
    if (this.closed || !this.ready || !this.worker) return;
    if (bytes && bytes.length <= MAX_ITEM_BYTES) {
      const buffer = bytes.slice().buffer as ArrayBuffer;
      this.worker.postMessage({ type: 'reading', bytes: buffer }, [buffer]);
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
  worker: (): CarrierWorker => new Worker(new URL('../../browser/audio-readings-worker.ts', import.meta.url), { type: 'module', name: 'audio-readings' }),
  transform: (sender: RTCRtpSender, worker: CarrierWorker): void => {
    sender.transform = new RTCRtpScriptTransform(worker as Worker, { side: 'send' });
  },
};
