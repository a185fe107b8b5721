import type { BridgeClient, DeviceView } from '../../shared/bridge.ts';
import type { IceServer, SignalData } from '../../shared/hub-protocol.ts';
import type { NetCheck } from '../../shared/netcheck.ts';
import { AudioReadings, browserCarrier, type AudioReadingsDeps } from './audio-readings.ts';
import { EventsLink, type SessionInfo } from './events.ts';
import { RemotePeer } from './negotiation.ts';
import { latestNetCheck } from '../netcheck/latest.ts';
import { startLevel, type LinkLevel } from './bandwidth.ts';
import { CutTracker, ReadingsFirst } from './cut.ts';
import { LinkMonitor } from './link-monitor.ts';
import { CallPeer, type LocalMedia } from './peer.ts';
import type { Snapshot } from './snapshot.ts';
import { callStats } from './stats.ts';
import { FRAME_MS, SLOW_FRAME_MS, TelemetrySender } from './telemetry.ts';
import type { DoctorVideoState, StallOptions } from './video-stall.ts';
import { VideoWatch } from './video-watch.ts';

/** What the exam screen shows of the call's connection. */
export interface RtcView {
  rtc: RTCPeerConnectionState | 'none';
  /** The doctor's camera and voice (null until something arrives). */
  remote: MediaStream | null;
  remoteVideo: boolean;
  /** The bandwidth level the cabin's video is sent at ('full' when all is well). */
  link: LinkLevel;
  /** Whether the doctor's video really plays (frames decoded), stalled or given up. */
  doctorVideo: DoctorVideoState;
}
/** Waveform frames less often on the poorest link (their headers cost more than their samples). */
const frameMsAt = (level: LinkLevel): number => (level === 'minimal' ? SLOW_FRAME_MS : FRAME_MS);

/** How often the readings-first hold looks whether the readings are through. */
const READINGS_FIRST_POLL_MS = 250;

export const NO_RTC: RtcView = { rtc: 'none', remote: null, remoteVideo: false, link: 'full', doctorVideo: 'none' };

export interface CallSessionOptions {
  bridge: BridgeClient;
  iceServers: IceServer[];
  polite: boolean;
  /** 'relay': every packet through TURN (the hub's choice). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  grabSnapshot(): Promise<Snapshot | undefined>;
  onChange(view: RtcView): void;
  /** How often the link's stats are read for bandwidth adaptation (ms; default 2000). */
  linkEveryMs?: number;
  /** When the doctor's video counts as stalled and how often it is renegotiated (video-stall.ts defaults). */
  stall?: StallOptions;
  /** The pre-call network check the call starts from (default: the page's latest, netcheck/latest.ts). */
  netCheck?: NetCheck;
  /** The worker and transform that carry readings in the voice's packets (default: the browser's; audio-readings.ts). */
  carrier?: Pick<AudioReadingsDeps, 'carrier' | 'transform'>;
}

/**
 * The cabin's side of one active consultation: the peer connection (rebuilt when the doctor's page starts
 * over), and the `events` and `telemetry` senders that outlive it, fed from main's bridge events.
 */
export class CallSession {
  private peer: CallPeer;
  private readonly remotePeer = new RemotePeer();
  private readonly events: EventsLink;
  private readonly telemetry: TelemetrySender;
  /** Copies of new readings in the voice's packets, once the doctor's console takes them (issue 11). */
  private readonly audio: AudioReadings;
  private readonly monitor: LinkMonitor;
  private readonly watch: VideoWatch;
  private readonly cut = new CutTracker();
  /** Camera and otoscope paused until the readings waiting after a cut (or a poor start) are through (issue 11). */
  private readonly readingsFirst = new ReadingsFirst();
  private readingsTimer: ReturnType<typeof setInterval> | undefined;
  /** The doctor's media as shown (a new stream when its tracks change, so the elements load it afresh). */
  private shown: MediaStream | null = null;
  private shownIds = '';
  private lastKey = '';
  private iceServers: IceServer[];
  private readonly offs: (() => void)[] = [];
  private media: LocalMedia = {};
  private closed = false;
  /** Signals are handled one at a time, in order (each may await the peer connection). */
  private queue: Promise<void> = Promise.resolve();
  /** The level the call starts at: what the pre-call network check allows (issue 11), not GCC's ramp. */
  private readonly start: LinkLevel;

  constructor(private readonly opts: CallSessionOptions) {
    const { bridge } = opts;
    this.start = startLevel(opts.netCheck ?? latestNetCheck());
    this.audio = new AudioReadings({ ...(opts.carrier ?? browserCarrier), stats: callStats });
    this.events = new EventsLink({
      call: (n, i) => bridge.call(n, i),
      grabSnapshot: opts.grabSnapshot,
      stats: callStats,
      incident: (d) => this.incident(d),
      onCaps: (caps) => this.audio.setReady(caps.audioReadings),
    });
    // The doctor is told at once (on the channel's opening) when the camera starts small or paused.
    this.events.setLink(this.start);
    this.telemetry = new TelemetrySender({ declare: (d) => this.events.declareStream(d), stats: callStats, frameMs: frameMsAt(this.start) });
    this.telemetry.setSecondCopy(this.start === 'minimal');
    this.iceServers = opts.iceServers;
    this.peer = this.newPeer();
    this.monitor = new LinkMonitor({
      getStats: () => this.peer.pc.getStats(),
      senders: () => {
        const camera = this.peer.sender('camera');
        const otoscope = this.peer.sender('otoscope');
        const voice = this.peer.sender('voice');
        const stethoscope = this.peer.sender('stethoscope');
        return { ...(camera ? { camera } : {}), ...(otoscope ? { otoscope } : {}), ...(voice ? { voice } : {}), ...(stethoscope ? { stethoscope } : {}) };
      },
      start: this.start,
      onLevel: (level) => {
        this.events.setLink(level);
        this.telemetry.setFrameMs(frameMsAt(level));
        this.telemetry.setSecondCopy(level === 'minimal');
        this.changed();
      },
      incident: (d) => this.incident(d),
      ...(opts.linkEveryMs !== undefined ? { everyMs: opts.linkEveryMs } : {}),
    });
    // A poor link from the start: the outbox's readings go before the camera and otoscope take their share.
    if (this.start !== 'full') this.holdForReadings();
    this.watch = new VideoWatch({
      pc: () => this.peer.pc,
      // At the lowest level the doctor's console pauses its camera for this link (doctor/call/sender-caps.ts): no
      // frames then is no fault, and a renegotiation would only cost the link more.
      recover: () => {
        if (this.monitor.level !== 'minimal') this.peer.renegotiate();
      },
      paused: () => this.monitor.level === 'minimal',
      onState: (video, tries) => {
        this.events.setDoctorVideo(video, tries);
        this.changed();
      },
      incident: (d) => this.incident(d),
      // Each sample also looks for tracks the last negotiation started or stopped receiving.
      onSample: () => this.changed(),
      ...(opts.stall ? { options: opts.stall } : {}),
    });
    this.offs.push(
      bridge.on('signal', ({ data }) => {
        this.queue = this.queue.then(() => this.onSignal(data)).catch(() => {});
      }),
      bridge.on('reading', (r) => {
        // Reliable on `events` (resent until acknowledged), and a copy on the lossy `telemetry` (issue 11).
        // The copy goes only when the reading went now (none older waiting after a cut: device order kept).
        // And in the voice's packets, which no congestion window holds (audio-readings.ts).
        if (this.events.observation(r)) {
          this.telemetry.observation(r);
          this.audio.observation(r);
        }
      }),
      bridge.on('waveform', (w) => this.telemetry.onWaveform(w)),
    );
  }

  /** The current peer connection (diagnostics and tests). */
  get connection(): RTCPeerConnection {
    return this.peer.pc;
  }

  /** mid → kind of the cabin's transceivers (diagnostics and tests). */
  get tracks(): Record<string, string> {
    return this.peer.tracks();
  }

  /** The bandwidth level now (diagnostics and tests). */
  get link(): LinkLevel {
    return this.monitor.level;
  }

  setMedia(media: LocalMedia): void {
    this.media = media;
    this.peer.setMedia(media);
    // A track that just got its sender is sent at the current level too.
    if (this.monitor.level !== 'full') void this.monitor.reapply();
  }

  /** Fresh STUN/TURN servers from the hub: applied to the live connection (and any rebuilt later). */
  setIceServers(iceServers: IceServer[]): void {
    if (JSON.stringify(iceServers) === JSON.stringify(this.iceServers)) return;
    this.iceServers = iceServers;
    this.peer.setIceServers(iceServers);
  }

  setDevices(devices: readonly DeviceView[]): void {
    this.events.setDevices(devices);
  }

  setSession(s: SessionInfo): void {
    this.events.setSession(s);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    this.monitor.close();
    clearInterval(this.readingsTimer);
    this.watch.close();
    this.telemetry.close();
    this.audio.close();
    this.events.close();
    this.peer.close();
  }

  private newPeer(): CallPeer {
    const peer = new CallPeer({
      iceServers: this.iceServers,
      polite: this.opts.polite,
      ...(this.opts.iceTransportPolicy ? { iceTransportPolicy: this.opts.iceTransportPolicy } : {}),
      send: (data) => void this.signal(data),
      incident: (d) => this.incident(d),
      level: () => this.monitor?.level ?? this.start,
      held: () => this.monitor?.holding ?? false,
      // The microphone's frames carry readings once the doctor's console takes them (audio-readings.ts).
      onSender: (kind, sender) => {
        if (kind === 'voice') this.audio.carryOn(sender);
      },
      onChange: () => {
        if (peer !== this.peer) return;
        this.onCut();
        this.changed();
      },
    });
    this.events.attach(peer.events);
    this.telemetry.attach(peer.telemetry);
    peer.setMedia(this.media);
    return peer;
  }

  private async onSignal(data: SignalData): Promise<void> {
    if (this.closed) return;
    const action = this.remotePeer.onSignal(data, this.peer.pc.remoteDescription !== null);
    if (action === 'drop') return;
    if (action === 'bind') this.peer.rebind();
    if (action === 'rebuild') {
      // The doctor's page started over after we had negotiated: so do we, with a new id.
      this.incident('The doctor started a new connection (reload).');
      this.peer.close();
      this.peer = this.newPeer();
      this.monitor.reset();
      this.watch.reset();
      this.changed();
    }
    await this.peer.onRemote(data);
  }

  /** A cut of the link (cut.ts): readings held while it lasts; after a long one, a new connection (fresh SCTP timers). */
  private onCut(): void {
    const change = this.cut.onState(this.peer.connectionState, Date.now());
    this.events.setConnected(this.peer.connectionState === 'connected');
    this.monitor?.setDown(this.cut.down);
    if (change === 'lost') this.holdForReadings();
    // The level again on a connection back up (a new one's senders may have refused it before negotiation).
    if (change === 'back') void this.monitor.reapply();
    if (change !== 'back-after-long-cut') return;
    this.queue = this.queue
      .then(() => {
        if (this.closed) return;
        this.incident('The link came back after a long cut: new connection, the readings kept during the cut follow.');
        this.peer.close();
        this.peer = this.newPeer();
        void this.monitor.newConnection();
        this.watch.reset();
        this.onCut();
        this.changed();
      })
      .catch(() => {});
  }

  /** Pauses the camera and otoscope until the readings waiting now are sent and acknowledged (cut.ts ReadingsFirst). */
  private holdForReadings(): void {
    if (this.closed) return;
    this.readingsFirst.hold(Date.now());
    void this.monitor.setHold(true);
    this.readingsTimer ??= setInterval(() => {
      const connected = this.peer.connectionState === 'connected';
      const b = this.events.waiting;
      if (!this.readingsFirst.check({ ...b, ready: b.ready && connected }, Date.now())) return;
      clearInterval(this.readingsTimer);
      this.readingsTimer = undefined;
      this.incident('The readings kept are through: the patient camera and the otoscope are sent again at the link level.');
      void this.monitor.setHold(false);
    }, READINGS_FIRST_POLL_MS);
  }

  private async signal(data: SignalData): Promise<void> {
    if (this.closed) return;
    const r = await this.opts.bridge.call('call:signal', { data });
    if (!r.ok) console.warn(`A call signal was not relayed: ${r.error.message}`);
  }

  private incident(detail: string): void {
    if (this.closed) return;
    void this.opts.bridge.call('call:incident', { detail: detail.slice(0, 500) });
  }

  private changed(): void {
    if (this.closed) return;
    // The doctor's tracks as the transceivers receive them now: a doctor who re-adds a camera gets new m-sections,
    // and the old tracks stay live but muted (a <video> kept on them stayed black for the whole call).
    const tracks = this.peer.receiving();
    const ids = tracks.map((t) => t.id).join(' ');
    if (ids !== this.shownIds) {
      this.shownIds = ids;
      this.shown = tracks.length > 0 ? new MediaStream(tracks) : null;
    }
    const view: RtcView = {
      rtc: this.peer.connectionState,
      remote: this.shown,
      remoteVideo: tracks.some((t) => t.kind === 'video'),
      link: this.monitor?.level ?? 'full',
      doctorVideo: this.watch?.video ?? 'none',
    };
    const key = `${view.rtc} ${ids} ${view.link} ${view.doctorVideo}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.opts.onChange(view);
  }

}
