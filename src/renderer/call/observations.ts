import type { BridgeClient, Reading } from '../../shared/bridge.ts';
import type { WireReading } from '../../shared/observation.ts';
import type { ObservationEvent } from '../../shared/observation-frame.ts';
import { CabinEventSchema, type CabinEvent } from '../../shared/telemetry.ts';
import type { ChannelLike } from './channel.ts';
import { sendBatches } from './batches.ts';
import type { CallStats } from './stats.ts';

export const RESEND_MS = 3000;
export const ACK_BATCH = 500;
/** `outbox:pending` answers at most this many; a full page means there is more to fetch after the acks. */
export const OUTBOX_PAGE = 500;
/** Resends stop while this much is queued on `events` (a snapshot in flight): readings wait, nothing is lost. */
export const RESEND_MAX_BUFFERED = 256 * 1024;
/**
 * The periodic resend waits for a quiet channel (at most this much queued): what is queued is not lost (SCTP
 * delivers it while the channel lives), and on a slow link, resending what is still on its way only lengthened the
 * queue in front of the new readings (issue 11: at 256 kbit/s the resends fed on their own delay).
 */
export const RESEND_IDLE_BUFFERED = 4 * 1024;
/**
 * From this many readings to send at once (the backlog after a cut, or a new channel's outbox), they go deflated
 * together in batch frames (shared/observation-batch.ts) rather than one by one: a fifth of the bytes on a link
 * that is the bottleneck, and a new association's small congestion window fills fewer times.
 */
export const BATCH_FROM = 4;
/** Periods without its ack after which a reading is resent even while acks for others keep coming. */
export const STALE_RESENDS = 3;

export function observationOf(r: WireReading): ObservationEvent {
  return { type: 'observation', ...r };
}

/** What the observations ask of the `events` link (events.ts) they go on. */
export interface ObservationLink {
  call: BridgeClient['call'];
  stats: CallStats;
  /** The link's channel now (a new peer connection brings a new one). */
  current(): ChannelLike | undefined;
  /** Sends one `events` message; false when it did not go. */
  send(msg: CabinEvent): boolean;
  resendMs?: number;
}

/**
 * The readings on `events`, cabin side: every observation resent (every 3 s and on every opening) until the doctor's
 * side acknowledges it, the acknowledgements passed to main's outbox, whose pending readings are read again on every
 * opening; kept in order during a cut or behind a backlog, and sent deflated together when many (batches.ts).
 */
export class ObservationOutbox {
  private readonly unacked = new Map<string, ObservationEvent>();
  /**
   * When each unacknowledged observation last went out: the periodic resend takes only those older than its period.
   * The doctor's side acknowledges once the hub stored a reading (about a second later), so resending everything
   * unacknowledged every tick sent a third of the observations twice.
   */
  private readonly lastSent = new Map<string, number>();
  private readonly resendMs: number;
  private readonly timer: ReturnType<typeof setInterval>;
  private closed = false;
  /** The last `outbox:pending` was a full page: there is more waiting. */
  private backlog = false;
  private fetching = false;
  /**
   * The peer connection is down (a cut): new observations wait here in order instead of piling up in SCTP, whose
   * retransmission timer backs off the longer they wait there; nothing is resent until it is up again.
   */
  private down = false;
  /** A new channel opened and the outbox is being read: new observations queue behind the backlog (device order). */
  private catchingUp = false;
  /**
   * When the doctor's side last acknowledged something: while acknowledgements keep coming it is working through
   * what was sent (a backlog after a cut takes the report several seconds), and the periodic resend waits; resending
   * then only doubled the backlog on a link that was already the bottleneck.
   */
  private lastAckAt = -Infinity;
  /**
   * A batch is being compressed: new observations wait behind it (they are held: never sent on this channel) and
   * nothing else is sent or resent, so the doctor gets them in device order.
   */
  private batching = false;

  constructor(private readonly link: ObservationLink) {
    this.resendMs = link.resendMs ?? RESEND_MS;
    this.timer = setInterval(() => this.resend(true), this.resendMs);
  }

  private get channel(): ChannelLike | undefined {
    return this.link.current();
  }

  /** The link took a new channel (or none): until it opens and the outbox is read, new observations queue. */
  attached(channel: ChannelLike | undefined): void {
    this.catchingUp = channel !== undefined;
  }

  get pendingIds(): string[] {
    return [...this.unacked.keys()];
  }

  /**
   * A new reading (already stored by main): sent now, and again until acknowledged. While the link is down, or a
   * backlog is being sent after a new channel opened, it waits behind the older ones (the doctor gets them in
   * device order). True when it went now with nothing older waiting (a copy on another channel may go too).
   */
  observation(r: Reading): boolean {
    const o = observationOf(r);
    if (!CabinEventSchema.safeParse(o).success) {
      console.warn(`Observation ${r.id.slice(0, 100)} does not fit the events contract; not sent.`);
      return false;
    }
    const wait = this.down || this.catchingUp || this.held() > 0;
    this.unacked.set(o.id, o);
    return !wait && this.sendObservation(o);
  }

  /**
   * The peer connection's state: while it is not connected, observations are kept (in order) rather than sent, and
   * nothing is resent; when it is connected again, what waited goes at once, oldest first, and what was already in
   * flight gets a whole resend period for its acknowledgement (SCTP still holds it).
   */
  setConnected(up: boolean): void {
    if (up === !this.down) return;
    this.down = !up;
    if (!up) return;
    const now = performance.now();
    for (const id of this.lastSent.keys()) this.lastSent.set(id, now);
    this.sendHeld();
  }

  /** What the readings-first rule needs (cut.ts ReadingsFirst). */
  get waiting(): { ready: boolean; held: number; bufferedAmount: number; unacked: Iterable<string> } {
    const open = this.channel?.readyState === 'open';
    return { ready: open && !this.down && !this.catchingUp, held: this.held(), bufferedAmount: this.channel?.bufferedAmount ?? 0, unacked: this.unacked.keys() };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /**
   * The channel opened (its declarations sent): the outbox's pending readings, oldest first, then those it did not
   * list, all go on it (now, or when the connection is up).
   */
  async opened(channel: ChannelLike): Promise<void> {
    const r = await this.link.call('outbox:pending', {});
    if (this.closed || this.channel !== channel) return;
    const pending = r.ok ? r.value : [];
    this.backlog = pending.length >= OUTBOX_PAGE;
    const fresh = new Map<string, ObservationEvent>();
    for (const reading of pending) {
      const o = observationOf(reading);
      if (CabinEventSchema.safeParse(o).success) fresh.set(o.id, o);
    }
    // Oldest first from the outbox, then what this page sent that the outbox did not list.
    for (const [id, o] of this.unacked) if (!fresh.has(id)) fresh.set(id, o);
    this.unacked.clear();
    for (const [id, o] of fresh) this.unacked.set(id, o);
    // Nothing is on this channel yet: everything goes (now, or when the connection is up), in batches when many.
    this.lastSent.clear();
    this.catchingUp = false;
    this.sendHeld();
  }

  /** The doctor's side acknowledged these: passed to main's outbox, and the next page fetched if one waits. */
  async acked(ids: string[]): Promise<void> {
    this.lastAckAt = performance.now();
    for (const id of ids) {
      this.unacked.delete(id);
      this.lastSent.delete(id);
    }
    for (let i = 0; i < ids.length; i += ACK_BATCH) {
      const r = await this.link.call('outbox:ack', { ids: ids.slice(i, i + ACK_BATCH) });
      if (!r.ok) console.warn(`The outbox did not take the acknowledgements: ${r.error.message}`);
    }
    await this.fetchMore();
  }

  /** Observations not sent on this channel yet (held during a cut or behind a backlog). */
  private held(): number {
    let n = 0;
    for (const id of this.unacked.keys()) if (!this.lastSent.has(id)) n++;
    return n;
  }

  private sendHeld(): void {
    if (this.down || this.catchingUp || this.batching || this.channel?.readyState !== 'open') return;
    this.sendMany([...this.unacked.values()].filter((o) => !this.lastSent.has(o.id)));
  }

  /**
   * These observations, in this order: from BATCH_FROM on, deflated together in batch frames (asynchronous: what
   * arrives meanwhile waits behind them); fewer, or where a batch cannot be made, one by one.
   */
  private sendMany(list: ObservationEvent[]): void {
    if (list.length < BATCH_FROM) {
      for (const o of list) {
        if ((this.channel?.bufferedAmount ?? 0) > RESEND_MAX_BUFFERED) return;
        if (!this.sendObservation(o)) return;
      }
      return;
    }
    this.batching = true;
    void sendBatches(list, this.channel, {
      current: () => this.channel,
      closed: () => this.closed,
      mustWait: (ch) => this.down || ch.bufferedAmount > RESEND_MAX_BUFFERED,
      pending: (o) => this.unacked.has(o.id) && !this.lastSent.has(o.id),
      sendOne: (o) => this.sendObservation(o),
      sent: (part, bytes) => {
        this.link.stats.eventsBytes += bytes;
        const now = performance.now();
        // An ack that came while the batch was made has removed its reading: it is not marked sent again.
        for (const o of part) if (this.unacked.has(o.id)) this.lastSent.set(o.id, now);
      },
    }).then((next) => {
      this.batching = false;
      // What arrived while the batches were made, or what is held for a channel that replaced this one.
      if (next && !this.closed) this.sendHeld();
    });
  }

  private sendObservation(o: ObservationEvent): boolean {
    const sent = this.link.send(o);
    if (sent) this.lastSent.set(o.id, performance.now());
    return sent;
  }

  /** Every unacknowledged observation again (a new channel), or with `due` only those not sent for a period. */
  private resend(due = false): void {
    if (this.down || this.catchingUp || this.batching) return;
    // Readings never sent on this channel (held behind a cut) are not resends: they go whatever the gates below.
    if (due) this.sendHeld();
    // A batch of them is being made: the loop below would send them one by one as well.
    if (this.batching) return;
    if (due && (this.channel?.bufferedAmount ?? 0) > RESEND_IDLE_BUFFERED) return;
    // A monotonic clock: a kiosk clock stepped back by NTP must not hold resends.
    const now = performance.now();
    // While acks keep coming the doctor is working through what was sent: only what waited STALE_RESENDS periods
    // goes again (its message was lost: a batch dropped with a replaced channel, say), so steady acks for newer
    // readings cannot keep an older one from ever being resent.
    const before = now - (due && this.lastAckAt > now - this.resendMs ? STALE_RESENDS * this.resendMs : this.resendMs);
    for (const o of this.unacked.values()) {
      if (due && (this.lastSent.get(o.id) ?? -Infinity) > before) continue;
      if ((this.channel?.bufferedAmount ?? 0) > RESEND_MAX_BUFFERED) return;
      if (!this.sendObservation(o)) return;
    }
  }

  /** More of the outbox than one page was waiting: once most of what was sent is acknowledged, fetch the next. */
  private async fetchMore(): Promise<void> {
    if (!this.backlog || this.fetching || this.unacked.size > OUTBOX_PAGE / 5) return;
    const channel = this.channel;
    this.fetching = true;
    try {
      const r = await this.link.call('outbox:pending', {});
      if (this.closed || this.channel !== channel || !r.ok) return;
      this.backlog = r.value.length >= OUTBOX_PAGE;
      for (const reading of r.value) {
        const o = observationOf(reading);
        if (this.unacked.has(o.id) || !CabinEventSchema.safeParse(o).success) continue;
        this.unacked.set(o.id, o);
      }
      this.sendHeld();
    } finally {
      this.fetching = false;
    }
  }
}
