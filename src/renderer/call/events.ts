import type { BridgeClient, DeviceView, Phase, Reading, Language } from '../../shared/bridge.ts';
import type { WireReading } from '../../shared/observation.ts';
import { CabinEventSchema, DoctorEventSchema, MAX_EVENT_BYTES, parseEvent, type CabinEvent, type CallDevice, type DoctorEvent, type DoctorVideoState, type LinkLevel } from '../../shared/telemetry.ts';
import { utf8Length, type ChannelLike } from './channel.ts';
import { sendBatches } from './batches.ts';
import { answerSnapshot, type Snapshot } from './snapshot.ts';
import type { CallStats } from './stats.ts';
import type { StreamDeclaration } from './telemetry.ts';

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

type Observation = Extract<CabinEvent, { type: 'observation' }>;
export interface SessionInfo {
  sessionId: string | null;
  phase: Phase;
  language: Language;
  /** The cabin's disk is full: its readings are not being kept (told to the doctor as a `storage` message). */
  diskFull?: boolean;
}

export interface EventsDeps {
  call: BridgeClient['call'];
  /** A full-resolution JPEG of the otoscope, or undefined when there is none. */
  grabSnapshot(): Promise<Snapshot | undefined>;
  stats: CallStats;
  /** A technical incident for the consultation report. */
  incident?(detail: string): void;
  now?(): number;
  resendMs?: number;
  /** What the doctor's console of this channel can take (`caps`); told false for every new channel until it says. */
  onCaps?(caps: { audioReadings: boolean }): void;
}

const toCallDevice = (d: DeviceView): CallDevice => ({
  id: d.id,
  name: d.name.slice(0, 200),
  category: d.category.slice(0, 50),
  link: d.link,
  ...(d.status ? { status: d.status } : {}),
  commands: d.commands.slice(0, 20),
});

export function observationOf(r: WireReading): Observation {
  return { type: 'observation', ...r };
}

/**
 * The reliable `events` channel, cabin side: devices, session and stream declarations on every opening;
 * every observation resent (every 3 s and on every opening) until the doctor's side acknowledges it, the
 * acknowledgements passed to main's outbox; doctor commands and snapshot requests answered.
 */
export class EventsLink {
  private channel: ChannelLike | undefined;
  private readonly unacked = new Map<string, Observation>();
  /**
   * When each unacknowledged observation last went out: the periodic resend takes only those older than its period.
   * The doctor's side acknowledges once the hub stored a reading (about a second later), so resending everything
   * unacknowledged every tick sent a third of the observations twice.
   */
  private readonly lastSent = new Map<string, number>();
  private readonly resendMs: number;
  private readonly streams = new Map<number, StreamDeclaration>();
  private devices: CallDevice[] | undefined;
  private devicesJson = '';
  private readonly statuses = new Map<string, string>();
  private session: SessionInfo | undefined;
  private link: LinkLevel = 'full';
  private diskFull = false;
  private doctorVideo: { state: DoctorVideoState; tries: number } = { state: 'none', tries: 0 };
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly detachers: (() => void)[] = [];
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

  constructor(private readonly deps: EventsDeps) {
    this.resendMs = deps.resendMs ?? RESEND_MS;
    this.timer = setInterval(() => this.resend(true), this.resendMs);
  }

  /** Uses this channel from now on (a new peer connection brings a new one). */
  attach(channel: ChannelLike | undefined): void {
    for (const off of this.detachers.splice(0)) off();
    this.channel = channel;
    this.catchingUp = channel !== undefined;
    this.deps.onCaps?.({ audioReadings: false });
    if (!channel) return;
    const open = (): void => void this.onOpen(channel);
    const message = (ev: MessageEvent): void => void this.onMessage(ev.data);
    channel.addEventListener('open', open);
    channel.addEventListener('message', message);
    this.detachers.push(
      () => channel.removeEventListener('open', open),
      () => channel.removeEventListener('message', message),
    );
    if (channel.readyState === 'open') open();
  }

  get pendingIds(): string[] {
    return [...this.unacked.keys()];
  }

  setDevices(list: readonly DeviceView[]): void {
    const devices = list.slice(0, 50).map(toCallDevice);
    // The list must fit one message: the devices beyond are left out rather than the whole list.
    while (devices.length > 0 && utf8Length(JSON.stringify({ type: 'devices', devices })) > MAX_EVENT_BYTES) devices.pop();
    const now = this.deps.now?.() ?? Date.now();
    for (const d of list) {
      const before = this.statuses.get(d.id);
      if (d.status && d.status !== before) {
        if (before !== undefined || this.devices !== undefined) {
          this.send({ type: 'status', deviceId: d.id, status: d.status, ...(d.detail ? { detail: d.detail.slice(0, 500) } : {}), t: now });
        }
        this.statuses.set(d.id, d.status);
      }
    }
    const json = JSON.stringify(devices);
    if (json === this.devicesJson) return;
    this.devicesJson = json;
    this.devices = devices;
    this.send({ type: 'devices', devices });
  }

  setSession(full: SessionInfo): void {
    const { diskFull = false, ...s } = full;
    if (diskFull !== this.diskFull) {
      this.diskFull = diskFull;
      this.send({ type: 'storage', diskFull });
    }
    if (this.session && this.session.sessionId === s.sessionId && this.session.phase === s.phase && this.session.language === s.language) return;
    this.session = s;
    this.send({ type: 'session', sessionId: s.sessionId, phase: s.phase, language: s.language });
  }

  /** The uplink level (bandwidth adaptation): the doctor is told why the camera is smaller or paused. */
  setLink(level: LinkLevel): void {
    if (level === this.link) return;
    this.link = level;
    this.send({ type: 'link', level });
  }

  /** How the doctor's video reaches the cabin: the doctor is told when the patient does not see it. */
  setDoctorVideo(state: DoctorVideoState, tries: number): void {
    if (state === this.doctorVideo.state && tries === this.doctorVideo.tries) return;
    this.doctorVideo = { state, tries };
    this.send({ type: 'doctor-video', state, tries });
  }

  declareStream(decl: StreamDeclaration): void {
    this.streams.set(decl.stream, decl);
    this.send(decl);
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
  private sendMany(list: Observation[]): void {
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
        this.deps.stats.eventsBytes += bytes;
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

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.attach(undefined);
  }

  /** Sends one message if the channel is open and the message is valid and small enough; true if sent. */
  send(msg: CabinEvent): boolean {
    const ch = this.channel;
    if (!ch || ch.readyState !== 'open') return false;
    const text = JSON.stringify(msg);
    const bytes = utf8Length(text);
    if (bytes > MAX_EVENT_BYTES) {
      console.warn(`An events message of type ${msg.type} is ${bytes} bytes, over the ${MAX_EVENT_BYTES} limit; not sent.`);
      return false;
    }
    try {
      ch.send(text);
    } catch {
      return false;
    }
    this.deps.stats.eventsBytes += bytes;
    return true;
  }

  private sendObservation(o: Observation): boolean {
    const sent = this.send(o);
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
      const r = await this.deps.call('outbox:pending', {});
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

  private async onOpen(channel: ChannelLike): Promise<void> {
    if (this.devices) this.send({ type: 'devices', devices: this.devices });
    if (this.session) this.send({ type: 'session', ...this.session });
    if (this.diskFull) this.send({ type: 'storage', diskFull: true });
    if (this.link !== 'full') this.send({ type: 'link', level: this.link });
    if (this.doctorVideo.state !== 'none') this.send({ type: 'doctor-video', ...this.doctorVideo });
    for (const decl of this.streams.values()) this.send(decl);
    const r = await this.deps.call('outbox:pending', {});
    if (this.closed || this.channel !== channel) return;
    const pending = r.ok ? r.value : [];
    this.backlog = pending.length >= OUTBOX_PAGE;
    const fresh = new Map<string, Observation>();
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

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseEvent<DoctorEvent>(DoctorEventSchema, raw);
    if (!msg) return;
    switch (msg.type) {
      case 'ack':
        return this.onAck(msg.ids);
      case 'command': {
        const r = await this.deps.call('devices:command', { deviceId: msg.deviceId, name: msg.name });
        // The doctor reads the reason in the console's language: the code goes, the cabin's English stays in the incidents.
        if (!r.ok) this.deps.incident?.(`Command ${msg.name} failed on the cabin: ${r.error.message}`.slice(0, 500));
        this.send(r.ok ? { type: 'command-result', id: msg.id, ok: true } : { type: 'command-result', id: msg.id, ok: false, error: r.error.code });
        return;
      }
      case 'snapshot-request':
        return this.onSnapshot(msg.id);
      case 'caps':
        return this.deps.onCaps?.({ audioReadings: msg.audioReadings });
    }
  }

  private async onAck(ids: string[]): Promise<void> {
    this.lastAckAt = performance.now();
    for (const id of ids) {
      this.unacked.delete(id);
      this.lastSent.delete(id);
    }
    for (let i = 0; i < ids.length; i += ACK_BATCH) {
      const r = await this.deps.call('outbox:ack', { ids: ids.slice(i, i + ACK_BATCH) });
      if (!r.ok) console.warn(`The outbox did not take the acknowledgements: ${r.error.message}`);
    }
    await this.fetchMore();
  }

  private onSnapshot(id: string): Promise<void> {
    return answerSnapshot(id, {
      call: this.deps.call,
      grab: this.deps.grabSnapshot,
      current: () => this.channel,
      send: (m) => this.send(m),
      ...(this.deps.incident ? { incident: this.deps.incident } : {}),
    });
  }

}
