import type { SignalData, TrackKind } from '../../shared/hub-protocol.ts';
import { setOpusParams } from '../../shared/sdp.ts';
import { midsOf, RESEND_ANSWER_AFTER_MS } from '../../shared/negotiation.ts';

/** The part of an RTCPeerConnection perfect negotiation uses, so it is tested with fakes. */
export interface NegotiationPeer {
  readonly signalingState: string;
  readonly localDescription: { type: string; sdp: string } | null;
  readonly remoteDescription: unknown;
  readonly connectionState?: string;
  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
}

export interface CollisionInput {
  type: string;
  makingOffer: boolean;
  signalingState: string;
  settingRemoteAnswerPending: boolean;
}

/** W3C perfect negotiation: an offer collides when we are making one or are not stable. */
export function isOfferCollision(s: CollisionInput): boolean {
  const readyForOffer = !s.makingOffer && (s.signalingState === 'stable' || s.settingRemoteAnswerPending);
  return s.type === 'offer' && !readyForOffer;
}

/** The impolite peer ignores a colliding offer; the polite one rolls back and takes it. */
export const shouldIgnoreOffer = (collision: boolean, polite: boolean): boolean => !polite && collision;

/**
 * What a signal from the doctor's peer connection `pc` means for ours:
 * - `process`: it comes from the doctor's pc ours is talking to;
 * - `bind`: talk to this pc from now on, with the same connection: the first doctor pc heard of (whatever it
 *   sent: its hello may have come before this page existed), or a new one that says hello while ours has
 *   not applied any remote description yet;
 * - `rebuild`: a new doctor pc said hello after ours negotiated: the doctor's page started over, so do we;
 * - `drop`: a leftover of a pc that is gone (retired, or not the bound one and not saying hello).
 * Rebinding a connection that is still fresh keeps two sides that both restart on a new peer id from
 * restarting each other forever.
 */
export type RemoteAction = 'process' | 'drop' | 'bind' | 'rebuild';

/** Tracks the doctor's peer-connection id: a new one means the doctor's page started over. */
export class RemotePeer {
  private current: string | undefined;
  private readonly retired = new Set<string>();

  get id(): string | undefined {
    return this.current;
  }

  /** `negotiated`: our connection has applied a remote description. */
  onSignal(data: Pick<SignalData, 'pc' | 'hello'>, negotiated: boolean): RemoteAction {
    if (data.pc === this.current) return 'process';
    if (this.retired.has(data.pc)) return 'drop';
    if (this.current === undefined) {
      this.current = data.pc;
      return negotiated ? 'rebuild' : 'bind';
    }
    if (!data.hello) return 'drop';
    if (this.retired.size >= 100) this.retired.clear();
    this.retired.add(this.current);
    this.current = data.pc;
    return negotiated ? 'rebuild' : 'bind';
  }
}

export interface NegotiatorOptions {
  /** This peer connection's random id, sent with every signal. */
  pcId: string;
  polite: boolean;
  send(data: SignalData): void;
  /** mid → kind of this side's transceivers, sent with every description. */
  tracks(): Record<string, TrackKind>;
  /** The mids whose Opus must be set for the stethoscope (webrtc.md §1.4), in what is sent and received. */
  stethoscopeMids(): string[];
  onError(detail: string): void;
}

/**
 * Perfect negotiation (webrtc.md §6) over a NegotiationPeer: implicit setLocalDescription, the copy sent
 * and every description received get the stethoscope's Opus parameters; candidates that come before any
 * remote description wait for it.
 */
export class Negotiator {
  makingOffer = false;
  ignoreOffer = false;
  settingRemoteAnswerPending = false;
  private early: RTCIceCandidateInit[] = [];
  private closed = false;
  /** The last remote offer applied (as received), our answer to it and when it was sent. */
  private lastOffer: string | undefined;
  private lastAnswer: string | undefined;
  private answeredAt = 0;

  constructor(
    private readonly peer: NegotiationPeer,
    private readonly opts: NegotiatorOptions,
  ) {}

  close(): void {
    this.closed = true;
  }

  /** Another doctor pc took over: candidates held for the previous one must not reach the connection. */
  forgetRemote(): void {
    this.early = [];
  }

  hello(): void {
    this.opts.send({ pc: this.opts.pcId, hello: true });
  }

  async onNegotiationNeeded(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.peer.setLocalDescription();
      this.sendLocalDescription();
    } catch (err) {
      this.opts.onError(`Making an offer failed: ${String(err)}`);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Sends our current local description again (e.g. the doctor came back while our offer was out). */
  sendLocalDescription(): void {
    const local = this.peer.localDescription;
    if (this.closed || !local || (local.type !== 'offer' && local.type !== 'answer')) return;
    const sdp = setOpusParams(local.sdp, this.opts.stethoscopeMids());
    this.opts.send({ pc: this.opts.pcId, description: { type: local.type, sdp }, tracks: this.opts.tracks() });
  }

  onLocalCandidate(candidate: RTCIceCandidateInit | null): void {
    if (this.closed || !candidate?.candidate) return;
    const c: NonNullable<SignalData['candidate']> = { candidate: candidate.candidate };
    if (candidate.sdpMid !== undefined) c.sdpMid = candidate.sdpMid;
    if (candidate.sdpMLineIndex !== undefined) c.sdpMLineIndex = candidate.sdpMLineIndex;
    if (candidate.usernameFragment !== undefined) c.usernameFragment = candidate.usernameFragment;
    this.opts.send({ pc: this.opts.pcId, candidate: c });
  }

  /** One signal of the doctor's current peer connection. */
  async onRemote(data: SignalData): Promise<void> {
    if (this.closed) return;
    const description = data.description;
    if (description) {
      if (description.type !== 'offer' && description.type !== 'answer') return;
      if (description.type === 'offer' && description.sdp === this.lastOffer) {
        this.resentOffer();
        return;
      }
      // An answer made for another offer of ours (a copy of an older one): Chromium would refuse it.
      if (description.type === 'answer' && midsOf(description.sdp) !== midsOf(this.peer.localDescription?.sdp)) return;
      const collision = isOfferCollision({
        type: description.type,
        makingOffer: this.makingOffer,
        signalingState: this.peer.signalingState,
        settingRemoteAnswerPending: this.settingRemoteAnswerPending,
      });
      this.ignoreOffer = shouldIgnoreOffer(collision, this.opts.polite);
      if (this.ignoreOffer) return;
      // An answer when we have no offer out is stale (e.g. to an offer of a connection we rebuilt).
      if (description.type === 'answer' && this.peer.signalingState !== 'have-local-offer') return;
      const sdp = setOpusParams(description.sdp ?? '', this.opts.stethoscopeMids());
      try {
        this.settingRemoteAnswerPending = description.type === 'answer';
        await this.peer.setRemoteDescription({ type: description.type, sdp });
      } catch (err) {
        this.opts.onError(`The doctor's ${description.type} was refused: ${String(err)}`);
        return;
      } finally {
        this.settingRemoteAnswerPending = false;
      }
      // Chromium answers `m=application 0` on a side that rolled back its own offer of the data channels:
      // the doctor's events and telemetry would then never open, so say it where it will be read.
      if (/^m=application 0 /m.test(sdp)) this.opts.onError(`The doctor's ${description.type} rejected the data channels (m=application 0).`);
      for (const c of this.early.splice(0)) await this.addCandidate(c);
      if (description.type === 'offer') {
        this.lastOffer = description.sdp;
        try {
          await this.peer.setLocalDescription();
          this.lastAnswer = this.peer.localDescription?.sdp;
          this.answeredAt = Date.now();
          this.sendLocalDescription();
        } catch (err) {
          this.opts.onError(`Answering the doctor failed: ${String(err)}`);
        }
      }
      return;
    }
    if (data.candidate) {
      const c: RTCIceCandidateInit = { candidate: data.candidate.candidate };
      if (data.candidate.sdpMid != null) c.sdpMid = data.candidate.sdpMid;
      if (data.candidate.sdpMLineIndex != null) c.sdpMLineIndex = data.candidate.sdpMLineIndex;
      if (data.candidate.usernameFragment != null) c.usernameFragment = data.candidate.usernameFragment;
      if (!this.peer.remoteDescription) {
        if (this.early.length < 200) this.early.push(c);
        return;
      }
      await this.addCandidate(c);
    }
  }

  /**
   * The doctor sent the offer we applied once more (it resends it when we say hello): applying it twice would
   * cross an offer of ours. Our answer goes again only when it is still our last word and nothing came of it
   * for a while (it may have been lost).
   */
  private resentOffer(): void {
    const local = this.peer.localDescription;
    if (this.peer.signalingState !== 'stable' || local?.type !== 'answer' || local.sdp !== this.lastAnswer) return;
    if (this.peer.connectionState === 'connected' || Date.now() - this.answeredAt < RESEND_ANSWER_AFTER_MS) return;
    this.answeredAt = Date.now();
    this.sendLocalDescription();
  }

  private async addCandidate(c: RTCIceCandidateInit): Promise<void> {
    try {
      await this.peer.addIceCandidate(c);
    } catch (err) {
      if (!this.ignoreOffer) this.opts.onError(`A candidate of the doctor was refused: ${String(err)}`);
    }
  }
}

export interface IceRestartDeps {
  restart(): void;
  incident(detail: string): void;
  disconnectedMs?: number;
}

/** ICE restart on 'failed' at once, on 'disconnected' after it lasted 4 s (webrtc.md §3). */
export class IceRestartPolicy {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly deps: IceRestartDeps) {}

  onState(state: string): void {
    if (state === 'failed') {
      this.clear();
      this.deps.incident('The connection to the doctor failed (ICE): restarting ICE.');
      this.deps.restart();
    } else if (state === 'disconnected') {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.deps.incident('The connection to the doctor was lost for 4 s: restarting ICE.');
        this.deps.restart();
      }, this.deps.disconnectedMs ?? 4000);
    } else {
      this.clear();
    }
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
