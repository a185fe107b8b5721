import 'webrtc-adapter';
import type { IceServer, SignalData, TrackKind } from '../../shared/hub-protocol.ts';
import { EVENTS_CHANNEL, TELEMETRY_CHANNEL } from '../../shared/telemetry.ts';
import { AUDIO_PTIME_MS, initialEncoding, type LinkLevel } from './bandwidth.ts';
import { EVENTS_LOW_WATER } from './channel.ts';
import { IceRestartPolicy, Negotiator } from './negotiation.ts';

/** The cabin's own tracks, by what they carry. */
export interface LocalMedia {
  camera?: { track: MediaStreamTrack; stream: MediaStream };
  voice?: { track: MediaStreamTrack; stream: MediaStream };
  stethoscope?: { track: MediaStreamTrack; stream: MediaStream };
  otoscope?: { track: MediaStreamTrack; stream: MediaStream };
}
export type LocalKind = keyof LocalMedia;
const KINDS: readonly LocalKind[] = ['camera', 'voice', 'stethoscope', 'otoscope'];

/** Widest live otoscope picture sent (pixels). */
export const OTOSCOPE_LIVE_WIDTH = 1280;

const HINTS: Record<LocalKind, string> = { camera: 'motion', voice: 'speech', stethoscope: 'music', otoscope: 'detail' };

export interface CallPeerOptions {
  iceServers: IceServer[];
  polite: boolean;
  iceTransportPolicy?: RTCIceTransportPolicy;
  send(data: SignalData): void;
  incident(detail: string): void;
  /** Connection state or remote media changed. */
  onChange(): void;
  /** The bandwidth level now: a new sender starts at it (default full). */
  level?(): LinkLevel;
  /** The camera and otoscope are held paused for the readings (cut.ts ReadingsFirst): a new sender starts paused. */
  held?(): boolean;
  /** A sender was created for one of the cabin's tracks (before its first frame). */
  onSender?(kind: LocalKind, sender: RTCRtpSender): void;
}

export const randomId = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(12));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
};

/**
 * One RTCPeerConnection of the cabin (the impolite peer): the four local tracks on their own sendonly
 * transceivers, the two pre-negotiated data channels, the doctor's camera and voice received.
 */
export class CallPeer {
  readonly id = randomId();
  readonly pc: RTCPeerConnection;
  readonly telemetry: RTCDataChannel;
  readonly events: RTCDataChannel;
  readonly remote = new MediaStream();
  private readonly negotiator: Negotiator;
  private readonly ice: IceRestartPolicy;
  private readonly transceivers = new Map<LocalKind, RTCRtpTransceiver>();
  private closed = false;
  private turnErrorReported = false;

  constructor(private readonly opts: CallPeerOptions) {
    this.pc = new RTCPeerConnection({ iceServers: opts.iceServers as RTCIceServer[], iceTransportPolicy: opts.iceTransportPolicy ?? 'all' });
    this.telemetry = this.pc.createDataChannel(TELEMETRY_CHANNEL.label, { ...TELEMETRY_CHANNEL.init });
    this.events = this.pc.createDataChannel(EVENTS_CHANNEL.label, { ...EVENTS_CHANNEL.init });
    this.telemetry.binaryType = 'arraybuffer';
    this.events.binaryType = 'arraybuffer';
    this.events.bufferedAmountLowThreshold = EVENTS_LOW_WATER;
    this.negotiator = new Negotiator(this.pc, {
      pcId: this.id,
      polite: opts.polite,
      send: opts.send,
      tracks: () => this.tracks(),
      stethoscopeMids: () => {
        const mid = this.transceivers.get('stethoscope')?.mid;
        return mid ? [mid] : [];
      },
      audioPtimeMs: () => AUDIO_PTIME_MS[opts.level?.() ?? 'full'],
      onError: (detail) => opts.incident(detail),
    });
    this.ice = new IceRestartPolicy({ restart: () => this.pc.restartIce(), incident: opts.incident });
    this.pc.onnegotiationneeded = () => void this.negotiator.onNegotiationNeeded();
    this.pc.onicecandidate = (ev) => this.negotiator.onLocalCandidate(ev.candidate?.toJSON() ?? null);
    this.pc.onconnectionstatechange = () => {
      this.ice.onState(this.pc.connectionState);
      opts.onChange();
    };
    this.pc.addEventListener('icecandidateerror', (ev) => {
      const e = ev as RTCPeerConnectionIceErrorEvent;
      // 401 from the TURN server: the credentials are wrong or expired; worth one line in the report.
      if (e.errorCode === 401 && !this.turnErrorReported) {
        this.turnErrorReported = true;
        opts.incident(`TURN refused the credentials (${e.url ?? 'unknown server'}): ${e.errorText}`.slice(0, 500));
      }
    });
    this.pc.ontrack = (ev) => {
      const track = ev.track;
      if (!this.remote.getTracks().includes(track)) this.remote.addTrack(track);
      track.addEventListener('ended', () => {
        this.remote.removeTrack(track);
        opts.onChange();
      });
      opts.onChange();
    };
    this.negotiator.hello();
  }

  get connectionState(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  /** The doctor's live tracks on the m-sections that receive now (not those a renegotiation made inactive). */
  receiving(): MediaStreamTrack[] {
    return this.pc
      .getTransceivers()
      .filter((t) => (t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv') && t.receiver.track.readyState === 'live')
      .map((t) => t.receiver.track);
  }

  /** The sender of one of the cabin's tracks, once its transceiver exists. */
  sender(kind: LocalKind): RTCRtpSender | undefined {
    return this.transceivers.get(kind)?.sender;
  }

  /**
   * New STUN/TURN servers (fresh TURN credentials from the hub): kept by the connection for its next ICE
   * restart, never by rebuilding it; the transport policy stays as created.
   */
  setIceServers(iceServers: IceServer[]): void {
    if (this.closed) return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: iceServers as RTCIceServer[] });
    } catch (err) {
      this.opts.incident(`The new TURN servers were refused: ${String(err)}`.slice(0, 500));
    }
  }

  /** mid → kind of the cabin's transceivers that have a mid yet. */
  tracks(): Record<string, TrackKind> {
    const out: Record<string, TrackKind> = {};
    for (const [kind, t] of this.transceivers) if (t.mid) out[t.mid] = kind;
    return out;
  }

  /** Adds a transceiver per new local track; a replaced or removed track swaps in place (no renegotiation). */
  setMedia(media: LocalMedia): void {
    if (this.closed) return;
    for (const kind of KINDS) {
      const m = media[kind];
      const existing = this.transceivers.get(kind);
      if (m) {
        try {
          m.track.contentHint = HINTS[kind];
        } catch {
          // a browser without content hints
        }
      }
      if (existing) {
        const next = m?.track ?? null;
        if (existing.sender.track !== next) void existing.sender.replaceTrack(next).catch(() => {});
        continue;
      }
      if (!m) continue;
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [kind === 'voice' && media.camera ? media.camera.stream : m.stream] };
      // The first packets already fit the link: each sender starts at the current level (the pre-call check's).
      const level = this.opts.level?.() ?? 'full';
      const held = this.opts.held?.() ?? false;
      if (kind === 'camera' || kind === 'voice' || kind === 'stethoscope') init.sendEncodings = [initialEncoding(kind, level, held)];
      // The live otoscope picture at most 1280 wide (rural links, and the encoder's share of the kiosk's CPU);
      // the doctor's snapshot is taken from the local track at its full resolution.
      if (kind === 'otoscope') init.sendEncodings = [{ ...initialEncoding('otoscope', level, held), scaleResolutionDownBy: Math.max(1, (m.track.getSettings().width ?? 0) / OTOSCOPE_LIVE_WIDTH) }];
      const t = this.pc.addTransceiver(m.track, init);
      this.transceivers.set(kind, t);
      this.opts.onSender?.(kind, t.sender);
      if (kind === 'stethoscope') preferRed(t);
      if (kind === 'otoscope') void this.preferResolution(t.sender);
    }
  }

  /** Renegotiates with an ICE restart (the perfect-negotiation offer follows): the doctor's video stalled. */
  renegotiate(): void {
    if (this.closed) return;
    this.pc.restartIce();
  }

  /** The doctor's side is another pc from now on (see RemotePeer). */
  rebind(): void {
    this.negotiator.forgetRemote();
  }

  /** One signal of the doctor's (current) peer connection. */
  onRemote(data: SignalData): Promise<void> {
    if (data.hello) {
      // The doctor (re)joined: our offer may have been lost while it was away.
      if (this.pc.signalingState === 'have-local-offer') this.negotiator.sendLocalDescription();
      else if (this.pc.remoteDescription && this.pc.connectionState !== 'connected') this.pc.restartIce();
    }
    return this.negotiator.onRemote(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ice.clear();
    this.negotiator.close();
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.onconnectionstatechange = null;
    this.pc.ontrack = null;
    this.pc.close();
    for (const t of this.remote.getTracks()) t.stop();
  }

  private async preferResolution(sender: RTCRtpSender): Promise<void> {
    try {
      const p = sender.getParameters();
      p.degradationPreference = 'maintain-resolution';
      await sender.setParameters(p);
    } catch {
      // before negotiation some browsers refuse parameters; the content hint 'detail' still applies
    }
  }
}

/**
 * RED (RFC 2198) first, then Opus, on the stethoscope's transceiver (webrtc.md §1.4, §3): each packet also carries
 * the previous frame, so a lost packet is recovered from the next one. Negotiated from the start because switching
 * codecs later needs a renegotiation. The Opus fmtp munging still applies to the Opus payload (RED's fmtp only
 * names it). Without RED in the browser's capabilities, the default order stays.
 */
export function preferRed(t: Pick<RTCRtpTransceiver, 'setCodecPreferences'>): boolean {
  try {
    const send = RTCRtpSender.getCapabilities?.('audio')?.codecs ?? [];
    if (!send.some((c) => c.mimeType.toLowerCase() === 'audio/red')) return false;
    // setCodecPreferences checks the codecs against the receiver's capabilities in some browsers: take them there.
    const codecs = RTCRtpReceiver.getCapabilities?.('audio')?.codecs ?? send;
    const red = codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/red');
    const opus = codecs.filter((c) => c.mimeType.toLowerCase() === 'audio/opus');
    if (red.length === 0 || opus.length === 0) return false;
    const rest = codecs.filter((c) => !red.includes(c) && !opus.includes(c));
    t.setCodecPreferences([...red, ...opus, ...rest]);
    return true;
  } catch {
    return false; // the default codecs still carry the stethoscope
  }
}
