import type { IceServer, SignalData, TrackKind } from '../../shared/hub-protocol.ts';
import { setOpusParams } from '../../shared/sdp.ts';
import type { CabinEvent } from '../../shared/telemetry.ts';
import { applyCabinEvent, patientGone } from './cabin-events.ts';
import { AudioReadingsIn, browserCarrierIn } from './audio-readings.ts';
import { CallChannels } from './channels.ts';
import { applyIceConfig, IceRestartPolicy } from '../../browser/ice-restart.ts';
import { doctorTracks, MediaMap, sameMedia } from './media-map.ts';
import { Negotiator } from './negotiation.ts';
import { AckBatcher, ObservationLog, type StoredObservation } from './observations.ts';
import { newPcId, newRequestId, peerChange } from './peer-id.ts';
import { WaveformStreams, type StreamSamples } from './pleth.ts';
import { SnapshotAssembler } from './snapshot.ts';
import { initialCallSnapshot, type CallOptions, type CallSnapshot, type CommandView } from './call-state.ts';
import { DoctorCameraCap } from './sender-caps.ts';

export type { CallOptions, CallSnapshot, CommandView, RtcState, SnapshotView } from './call-state.ts';

/**
 * The doctor's side of the call: one RTCPeerConnection at a time (a new one when the cabin's `pc` changes),
 * the polite peer of perfect negotiation, the two pre-negotiated data channels, the cabin's tracks by mid, and
 * everything received on `events`: observations (first copy kept, every copy to `onObservation`), device states,
 * waveform streams, command results, snapshots and the patient's session.
 */
export class Call {
  private pc!: RTCPeerConnection;
  private pcId = '';
  private remotePcId: string | undefined;
  /** The cabin's earlier pcs: a late message from one of them must not start everything over again. */
  private readonly retired = new Set<string>();
  private negotiator!: Negotiator;
  private readonly channels: CallChannels;
  /** Readings the cabin carries in its voice packets (issue 11). */
  private readonly audioIn: AudioReadingsIn;
  /** `caps` went on the current `events` channel. */
  private capsSent = false;
  private remoteKinds: Record<string, TrackKind> = {};
  private readonly mediaMap = new MediaMap();
  private localStream: MediaStream | undefined;
  private iceConfig: { iceServers: IceServer[]; iceTransportPolicy?: 'all' | 'relay' };
  private readonly restarts: IceRestartPolicy;
  private closed = false;
  private snapshotRequest: string | undefined;
  private lastRebuild = 0;
  /** The cabin sends no media of its own: ours may go without waiting for it. */
  private mediaWaitOver = false;
  private mediaWaitTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly log: (m: string) => void;
  private readonly listeners = new Set<() => void>();
  private readonly waveListeners = new Set<(s: StreamSamples) => void>();
  private readonly obs = new ObservationLog();
  private readonly acks: AckBatcher;
  private readonly waves = new WaveformStreams();
  private readonly assembler = new SnapshotAssembler();
  private state: CallSnapshot = initialCallSnapshot();
  /** Our camera's cap, following the cabin's link level (sender-caps.ts). */
  private readonly cameraCap: DoctorCameraCap;

  constructor(private readonly o: CallOptions) {
    this.log = o.log ?? ((m) => console.error(m));
    this.channels = new CallChannels({
      onEvent: (e) => this.handleEvent(e),
      onWave: (frame) => {
        const s = this.waves.frame(frame);
        if (!s || s.samples.length === 0) return;
        for (const fn of this.waveListeners) fn(s);
      },
      onOpenChange: (open) => {
        this.capsSent = false;
        if (open) this.tellCaps();
        this.set({ channelOpen: open });
      },
      log: this.log,
    });
    this.audioIn = new AudioReadingsIn({
      ...(o.carrier ?? browserCarrierIn),
      onObservations: (list) => {
        for (const e of list) this.handleEvent(e);
      },
      log: this.log,
    });
    this.acks = new AckBatcher((ids) => this.channels.send({ type: 'ack', ids }));
    this.iceConfig = { iceServers: o.iceServers, ...(o.iceTransportPolicy ? { iceTransportPolicy: o.iceTransportPolicy } : {}) };
    this.restarts = new IceRestartPolicy({ pc: () => this.pc, incident: (d) => this.o.incident(d), log: this.log });
    this.cameraCap = new DoctorCameraCap(o.netCheck, { incident: (d) => this.o.incident(d), log: this.log });
    this.createPc();
  }

  get snapshot(): CallSnapshot {
    return this.state;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Waveform samples as they arrive (gaps as NaN), for the pleth canvas. */
  onWaveform(fn: (s: StreamSamples) => void): () => void {
    this.waveListeners.add(fn);
    return () => this.waveListeners.delete(fn);
  }

  /** "I am here with this pc": on (re)joining the consultation and when the cabin comes back. */
  hello(): void {
    this.o.sendSignal({ pc: this.pcId, hello: true, ...this.tracksField() });
  }

  /** The doctor's camera and microphone (when getUserMedia worked): sent on their own m-sections. */
  setLocalStream(stream: MediaStream): void {
    this.localStream = stream;
    this.set({ sending: stream.getTracks().length > 0, local: stream });
    this.addLocalTracks();
  }

  /** One message relayed by the hub from the cabin. */
  handleSignal(data: SignalData): void {
    if (this.closed || this.retired.has(data.pc)) return;
    const change = peerChange(this.remotePcId, data.pc);
    if (change === 'restart') {
      if (this.retired.size > 50) this.retired.clear();
      this.retired.add(this.remotePcId!);
      this.o.incident('The cabin started a new connection (a reload, or after a long cut of the link).');
      this.teardownPc();
      this.createPc();
    }
    this.remotePcId = data.pc;
    if (data.tracks) {
      this.remoteKinds = { ...data.tracks };
      this.updateMedia();
    }
    if (change === 'restart') this.hello();
    if (data.description) {
      void this.negotiator.receive({ description: data.description }).then(() => this.updateMedia());
    } else if (data.candidate) {
      void this.negotiator.receive({ candidate: data.candidate });
    }
    if (data.hello) this.nudge();
  }

  /** Asks the cabin to run a device command; the result arrives as `command-result`. */
  command(deviceId: string, name: string): string {
    const id = newRequestId('cmd');
    const sent = this.channels.send({ type: 'command', id, deviceId, name });
    const view: CommandView = sent ? { id, deviceId, name, state: 'pending' } : { id, deviceId, name, state: 'error', error: 'not-connected' };
    this.set({ commands: [...this.state.commands.filter((c) => c.deviceId !== deviceId), view] });
    return id;
  }

  requestSnapshot(): boolean {
    const id = newRequestId('snap');
    const sent = this.channels.send({ type: 'snapshot-request', id });
    this.snapshotRequest = sent ? id : undefined;
    this.set({ snapshotPending: sent, snapshotError: sent ? undefined : 'not-connected', snapshotDetail: undefined });
    return sent;
  }

  /** The patient left (or the cabin did): nothing of theirs stays on screen; the report has it all already. */
  forgetPatient(): void {
    if (!this.closed) this.set({ ...patientGone(this.state, this.obs), session: undefined });
  }

  /** Acknowledges observations to the cabin (batched): its outbox forgets them. */
  ack(ids: readonly string[]): void {
    if (this.closed) return;
    for (const id of ids) this.acks.add(id);
  }

  /** Readings stored on the hub before this call object existed (a reload): shown until live ones arrive. */
  setEarlier(readings: readonly StoredObservation[]): void {
    if (!this.closed) this.set({ earlier: readings });
  }

  /**
   * New STUN/TURN servers from the hub (fresh TURN credentials): applied to the live connection for its next ICE
   * restart, never by rebuilding it. True when they differed.
   */
  updateIceServers(iceServers: IceServer[], iceTransportPolicy?: 'all' | 'relay'): boolean {
    const next = { iceServers, ...(iceTransportPolicy ? { iceTransportPolicy } : {}) };
    if (this.closed || !applyIceConfig(this.pc, this.iceConfig, next, this.log)) return false;
    this.iceConfig = next;
    return true;
  }


  close(): void {
    if (this.closed) return;
    this.acks.flush();
    this.closed = true;
    this.teardownPc();
    this.audioIn.close();
    this.acks.dispose();
    for (const s of this.state.snapshots) URL.revokeObjectURL(s.url);
    this.set({ rtc: 'closed', channelOpen: false });
    this.listeners.clear();
    this.waveListeners.clear();
  }

  // ——— peer connection ———

  private createPc(): void {
    this.pcId = newPcId();
    this.remotePcId = undefined;
    const pc = new RTCPeerConnection({ iceServers: this.iceConfig.iceServers as RTCIceServer[], iceTransportPolicy: this.iceConfig.iceTransportPolicy ?? 'all' });
    this.pc = pc;
    this.negotiator = new Negotiator(pc as unknown as ConstructorParameters<typeof Negotiator>[0], {
      polite: true,
      sendDescription: (d) => this.sendDescription(d),
      log: this.log,
      onStuck: (detail) => queueMicrotask(() => this.rebuild(pc, detail)),
      onRemoteOffer: () => {
        if (this.pc === pc && !this.channels.opened) this.channels.open(pc);
      },
    });
    const negotiator = this.negotiator;
    // The cabin (impolite) always offers first: an offer of ours before we applied its first one would be
    // rolled back on the collision, and Chromium then answers the cabin's data m-section with port 0.
    pc.onnegotiationneeded = () => {
      if (pc.remoteDescription) void negotiator.negotiate();
    };
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate || this.pc !== pc) return;
      const c = candidate.toJSON();
      this.o.sendSignal({
        pc: this.pcId,
        candidate: { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null },
      });
    };
    this.capsSent = false;
    pc.ontrack = () => {
      // The cabin's voice from a renegotiation (a microphone that came late): through the transform first.
      if (this.pc === pc) this.tellCaps();
      this.updateMedia();
    };
    pc.onsignalingstatechange = () => {
      if (this.pc === pc && pc.signalingState === 'stable') this.addLocalTracks();
    };
    pc.onconnectionstatechange = () => {
      if (this.pc === pc) this.connectionChanged();
    };
    this.waves.clear();
    this.set({ rtc: 'connecting', channelOpen: false, media: {} });
  }

  private teardownPc(): void {
    this.negotiator.close();
    if (this.mediaWaitTimer) clearTimeout(this.mediaWaitTimer);
    this.mediaWaitTimer = undefined;
    this.mediaWaitOver = false;
    this.restarts.clear();
    this.channels.close();
    const pc = this.pc;
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onsignalingstatechange = null;
    pc.onconnectionstatechange = null;
    pc.close();
    this.mediaMap.clear();
  }

  /** A stuck connection is replaced (at most every 5 s): the cabin sees our new pc and starts over too. */
  private rebuild(stuck: RTCPeerConnection, detail: string): void {
    if (this.closed || this.pc !== stuck) return;
    const wait = this.lastRebuild + 5000 - Date.now();
    if (wait > 0) {
      setTimeout(() => this.rebuild(stuck, detail), wait);
      return;
    }
    this.lastRebuild = Date.now();
    this.o.incident(`Negotiation failed (${detail.slice(0, 300)}): new connection.`);
    // The cabin starts over when it sees our new pc: its old pc is retired, its new one adopted.
    if (this.remotePcId) this.retired.add(this.remotePcId);
    this.teardownPc();
    this.createPc();
    this.hello();
  }

  /**
   * Our camera and microphone get their own m-sections, added only once the cabin's media is negotiated (or
   * 3 s after connecting when the cabin sends none): two offers adding m-sections at once pick the same mids,
   * and after the rollback Chromium refuses the cabin's offer (RTP extension ids of a reused mid).
   */
  private addLocalTracks(): void {
    const stream = this.localStream;
    if (!stream || this.closed) return;
    if (!this.pc.remoteDescription || this.pc.signalingState !== 'stable') return;
    const cabinMedia = this.pc.getTransceivers().some((t) => t.mid && this.remoteKinds[t.mid] && (t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv'));
    if (!cabinMedia && !this.mediaWaitOver) return;
    const sent = new Set(this.pc.getSenders().map((s) => s.track?.id));
    for (const track of stream.getTracks()) {
      if (sent.has(track.id)) continue;
      try {
        // The camera starts at the cabin's level: its first frames must already fit the cabin's link.
        const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [stream] };
        if (track.kind === 'video') init.sendEncodings = [this.cameraCap.initialEncoding()];
        this.pc.addTransceiver(track, init);
      } catch (err) {
        this.log(`Could not send the doctor's ${track.kind}: ${String(err)}`);
      }
    }
  }

  /** What our mids carry, sent with every description. */
  private tracksField(): { tracks?: Record<string, TrackKind> } {
    const tracks = doctorTracks(this.pc.getTransceivers());
    return tracks ? { tracks } : {};
  }

  private sendDescription(d: { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp: string }): void {
    // Opus fmtp configures the encoder of the side that receives it: ask for the stethoscope's settings too.
    const steth = Object.entries(this.remoteKinds).filter(([, k]) => k === 'stethoscope').map(([mid]) => mid);
    let sdp = d.sdp;
    try {
      sdp = setOpusParams(d.sdp, steth);
    } catch (err) {
      this.log(`Could not set the stethoscope's Opus parameters: ${String(err)}`);
    }
    this.o.sendSignal({ pc: this.pcId, description: { type: d.type, sdp }, ...this.tracksField() });
  }

  /** The cabin said hello: make sure negotiation is not stuck on a message it never got. */
  private nudge(): void {
    const pc = this.pc;
    if (pc.connectionState === 'connected') return;
    if (pc.signalingState === 'have-local-offer' && pc.localDescription) {
      this.sendDescription({ type: pc.localDescription.type, sdp: pc.localDescription.sdp });
    } else if (pc.signalingState === 'stable' && !pc.remoteDescription) {
      // Nothing negotiated yet: the cabin offers first (it answers our hello by sending its offer again).
      return;
    } else if (pc.signalingState === 'stable') {
      pc.restartIce();
    }
  }

  private connectionChanged(): void {
    const s = this.pc.connectionState;
    this.restarts.changed(s);
    if (s === 'connected') {
      this.set({ rtc: 'connected' });
      const pc = this.pc;
      this.mediaWaitTimer ??= setTimeout(() => {
        if (this.pc !== pc) return;
        this.mediaWaitOver = true;
        this.addLocalTracks();
      }, 3000);
    } else if (s === 'disconnected') {
      this.set({ rtc: 'reconnecting' });
    } else if (s === 'failed') {
      this.set({ rtc: 'failed' });
    } else if (s === 'closed') {
      this.set({ rtc: 'closed' });
    } else {
      this.set({ rtc: this.state.rtc === 'connected' || this.state.rtc === 'reconnecting' ? 'reconnecting' : 'connecting' });
    }
  }

  private updateMedia(): void {
    if (this.closed) return;
    const media = this.mediaMap.map(this.pc.getTransceivers(), this.remoteKinds);
    if (!sameMedia(media, this.state.media)) this.set({ media });
  }

  // ——— what the cabin sends ———

  /**
   * Once the cabin's voice receiver takes readings off its frames, the cabin is told (once per `events` opening): only
   * then may it put them there.
   */
  private tellCaps(): void {
    if (this.capsSent) return;
    if (!this.audioIn.watch(this.pc, (mid) => this.remoteKinds[mid] === 'voice')) return;
    this.capsSent = this.channels.send({ type: 'caps', audioReadings: true });
  }

  private handleEvent(e: CabinEvent): void {
    const patch = applyCabinEvent(this.state, e, {
      observations: this.obs,
      onObservation: (o, fresh) => (this.o.onObservation ? this.o.onObservation(o, fresh) : this.acks.add(o.id)),
      waves: this.waves,
      assembler: this.assembler,
      snapshotRequest: this.snapshotRequest,
      log: this.log,
    });
    if (patch) this.set(patch);
    if (e.type === 'link') {
      const videoIds = new Set(this.localStream?.getVideoTracks().map((t) => t.id));
      this.cameraCap.onCabinLink(this.state.cabinLink, this.pc.getSenders().filter((x) => x.track && videoIds.has(x.track.id)));
    }
  }

  private set(patch: Partial<CallSnapshot>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }
}
