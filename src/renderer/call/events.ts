import type { BridgeClient, DeviceView, Phase, Reading, Language } from '../../shared/bridge.ts';
import { DoctorEventSchema, MAX_EVENT_BYTES, parseEvent, type CabinEvent, type CallDevice, type DoctorEvent, type DoctorVideoState, type LinkLevel } from '../../shared/telemetry.ts';
import { utf8Length, type ChannelLike } from './channel.ts';
import { ObservationOutbox } from './observations.ts';
import { answerSnapshot, type Snapshot } from './snapshot.ts';
import type { CallStats } from './stats.ts';
import type { StreamDeclaration } from './telemetry.ts';

/** audio-readings.ts takes it from here. */

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

/**
 * The reliable `events` channel, cabin side: devices, session, link and stream declarations on every opening; the
 * readings through their outbox (observations.ts: resent until the doctor's side acknowledges them); doctor commands
 * and snapshot requests answered.
 */
export class EventsLink {
  private channel: ChannelLike | undefined;
  private readonly readings: ObservationOutbox;
  private readonly streams = new Map<number, StreamDeclaration>();
  private devices: CallDevice[] | undefined;
  private devicesJson = '';
  private readonly statuses = new Map<string, string>();
  private session: SessionInfo | undefined;
  private link: LinkLevel = 'full';
  private diskFull = false;
  private doctorVideo: { state: DoctorVideoState; tries: number } = { state: 'none', tries: 0 };
  private readonly detachers: (() => void)[] = [];

  constructor(private readonly deps: EventsDeps) {
    this.readings = new ObservationOutbox({
      call: deps.call,
      stats: deps.stats,
      current: () => this.channel,
      send: (m) => this.send(m),
      resendMs: deps.resendMs,
    });
  }

  /** Uses this channel from now on (a new peer connection brings a new one). */
  attach(channel: ChannelLike | undefined): void {
    for (const off of this.detachers.splice(0)) off();
    this.channel = channel;
    this.readings.attached(channel);
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
    return this.readings.pendingIds;
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
   * A new reading (already stored by main): sent now, and again until acknowledged (observations.ts). True when it
   * went now with nothing older waiting (a copy on another channel may go too).
   */
  observation(r: Reading): boolean {
    return this.readings.observation(r);
  }

  /** The peer connection's state: while it is not connected, observations are kept (in order) rather than sent. */
  setConnected(up: boolean): void {
    this.readings.setConnected(up);
  }

  /** What the readings-first rule needs (cut.ts ReadingsFirst). */
  get waiting(): { ready: boolean; held: number; bufferedAmount: number; unacked: Iterable<string> } {
    return this.readings.waiting;
  }

  close(): void {
    this.readings.close();
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

  private async onOpen(channel: ChannelLike): Promise<void> {
    if (this.devices) this.send({ type: 'devices', devices: this.devices });
    if (this.session) this.send({ type: 'session', ...this.session });
    if (this.diskFull) this.send({ type: 'storage', diskFull: true });
    if (this.link !== 'full') this.send({ type: 'link', level: this.link });
    if (this.doctorVideo.state !== 'none') this.send({ type: 'doctor-video', ...this.doctorVideo });
    for (const decl of this.streams.values()) this.send(decl);
    return this.readings.opened(channel);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const msg = parseEvent<DoctorEvent>(DoctorEventSchema, raw);
    if (!msg) return;
    switch (msg.type) {
      case 'ack':
        return this.readings.acked(msg.ids);
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
