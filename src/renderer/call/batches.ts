import type { ObservationEvent } from '../../shared/observation-frame.ts';
import { BATCH_MAX_ITEMS, encodeObservationBatch } from '../../shared/observation-batch.ts';
import type { ChannelLike } from './channel.ts';

/** What the batch sender asks of the `events` link (events.ts) while it works. */
export interface BatchOutlet {
  /** The link's channel now: a batch made for another one is not sent. */
  current(): ChannelLike | undefined;
  closed(): boolean;
  /** Nothing may go now (the peer connection is down) or the channel is too full. */
  mustWait(channel: ChannelLike): boolean;
  /** Still to send (not acknowledged meanwhile, not sent already). */
  pending(o: ObservationEvent): boolean;
  /** Sends one on its own (a batch that could not be made); false if it did not go. */
  sendOne(o: ObservationEvent): boolean;
  /** A batch frame of these went (its size in bytes). */
  sent(part: readonly ObservationEvent[], bytes: number): void;
}

/**
 * These observations on `channel`, in this order, deflated together in batch frames of at most BATCH_MAX_ITEMS
 * (shared/observation-batch.ts). Resolves true when what waits behind them may go now (every part went, or the link
 * has another channel, on which what is held goes), false when sending stopped (down, full, refused, closed).
 * Never rejects.
 */
export async function sendBatches(list: readonly ObservationEvent[], channel: ChannelLike | undefined, out: BatchOutlet): Promise<boolean> {
  let next = true;
  try {
    for (let i = 0; i < list.length; i += BATCH_MAX_ITEMS) {
      // What was acknowledged meanwhile (a copy on telemetry, an earlier send) does not go again.
      const part = list.slice(i, i + BATCH_MAX_ITEMS).filter((o) => out.pending(o));
      if (part.length === 0) continue;
      const frame = await encodeObservationBatch(part);
      // A new channel meanwhile: what is held goes on it; down, closed or full: it waits, as any reading.
      if (out.closed() || out.current() !== channel || !channel) return next;
      next = false;
      if (out.mustWait(channel)) return false;
      if (!frame) {
        for (const o of part) if (!out.sendOne(o)) return false;
        next = true;
        continue;
      }
      try {
        channel.send(frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) as ArrayBuffer);
      } catch {
        return false;
      }
      next = true;
      out.sent(part, frame.byteLength);
    }
    return true;
  } catch {
    return next;
  }
}
