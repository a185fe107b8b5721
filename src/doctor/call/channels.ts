import { CabinEventSchema, EVENTS_CHANNEL, TELEMETRY_CHANNEL, parseEvent, type CabinEvent, type DoctorEvent } from '../../shared/telemetry.ts';
import { decodeObservationBatch, isObservationBatch } from '../../shared/observation-batch.ts';
import { encodeDoctorEvent } from './cabin-events.ts';
import { routeTelemetry } from './telemetry-in.ts';

/** Batches of observations waiting to be inflated (one at a time) beyond which a new one is dropped. */
export const MAX_QUEUED_BATCHES = 8;

export interface CallChannelsDeps {
  /** A cabin event, validated: from `events`, or the lossy copy of an observation on `telemetry`. */
  onEvent(e: CabinEvent): void;
  /** A binary waveform frame from `telemetry`. */
  onWave(frame: ArrayBuffer): void;
  /** `events` opened or closed. */
  onOpenChange(open: boolean): void;
  log(message: string): void;
}

/**
 * The doctor's two pre-negotiated data channels of one peer connection: created once the cabin's first offer (which
 * carries the data m-section) is applied and before our answer, never in an offer of ours; what arrives on them,
 * validated; what we send on `events`.
 */
export class CallChannels {
  private events: RTCDataChannel | undefined;
  private telemetry: RTCDataChannel | undefined;
  /**
   * `events` messages are handled in the order they came: a batch of observations (inflated asynchronously) goes
   * before whatever followed it on the channel.
   */
  private inOrder: Promise<void> = Promise.resolve();
  /** Batches being inflated: while there are none, a text message is handled at once. */
  private inflating = 0;

  constructor(private readonly deps: CallChannelsDeps) {}

  get opened(): boolean {
    return this.events !== undefined;
  }

  open(pc: RTCPeerConnection): void {
    const events = pc.createDataChannel(EVENTS_CHANNEL.label, { ...EVENTS_CHANNEL.init });
    const telemetry = pc.createDataChannel(TELEMETRY_CHANNEL.label, { ...TELEMETRY_CHANNEL.init });
    this.events = events;
    this.telemetry = telemetry;
    events.binaryType = 'arraybuffer';
    telemetry.binaryType = 'arraybuffer';
    events.onopen = () => this.deps.onOpenChange(true);
    events.onclose = () => {
      if (this.events === events) this.deps.onOpenChange(false);
    };
    events.onmessage = (ev: MessageEvent) => this.onEvent(events, ev.data);
    telemetry.onmessage = (ev: MessageEvent) =>
      // The lossy copy of an observation goes the way of the `events` copy (kept once per id there).
      routeTelemetry(ev.data, { wave: (bytes) => this.deps.onWave(bytes), observation: (o) => this.deps.onEvent(o) });
  }

  close(): void {
    for (const ch of [this.events, this.telemetry]) {
      if (!ch) continue;
      ch.onmessage = null;
      ch.onopen = null;
      ch.onclose = null;
      ch.close();
    }
    this.events = undefined;
    this.telemetry = undefined;
  }

  /** Sends on `events`; false when it is not open or the message does not fit the contract. */
  send(e: DoctorEvent): boolean {
    const ch = this.events;
    const text = encodeDoctorEvent(e);
    if (!ch || ch.readyState !== 'open' || text === undefined) return false;
    try {
      ch.send(text);
      return true;
    } catch {
      return false;
    }
  }

  private onEvent(channel: RTCDataChannel, raw: unknown): void {
    if (isObservationBatch(raw)) {
      // One batch inflated at a time, and a bounded queue of them: a cabin cannot make us inflate without end.
      if (this.inflating >= MAX_QUEUED_BATCHES) {
        this.deps.log('Dropped a batch of observations from the cabin: too many waiting (the cabin sends them again).');
        return;
      }
      this.inflating++;
      this.queue(
        channel,
        async () => {
          const batch = await decodeObservationBatch(raw);
          if (this.events !== channel) return;
          if (!batch) return this.deps.log('Dropped a batch of observations from the cabin that does not match the contract.');
          if (batch.dropped > 0) this.deps.log(`Dropped ${batch.dropped} observations of a batch from the cabin that do not match the contract.`);
          for (const o of batch.observations) {
            try {
              this.deps.onEvent(o);
            } catch (err) {
              this.deps.log(`An observation from the cabin could not be handled: ${String(err)}`.slice(0, 500));
            }
          }
        },
        () => this.inflating--,
      );
      return;
    }
    if (this.inflating > 0) {
      this.queue(channel, () => this.handle(raw));
      return;
    }
    this.handle(raw);
  }

  /**
   * Runs `step` after what is queued, for this channel only (skipped once it was replaced or closed), then `after`
   * in any case; a step that throws does not stop the ones after it.
   */
  private queue(channel: RTCDataChannel, step: () => unknown, after?: () => void): void {
    this.inOrder = this.inOrder.then(async () => {
      try {
        if (this.events === channel) await step();
      } catch (err) {
        this.deps.log(`A message from the cabin could not be handled: ${String(err)}`.slice(0, 500));
      } finally {
        after?.();
      }
    });
  }

  private handle(raw: unknown): void {
    const e = parseEvent(CabinEventSchema, raw);
    if (!e) {
      this.deps.log('Dropped an events message from the cabin that does not match the contract.');
      return;
    }
    this.deps.onEvent(e);
  }
}
