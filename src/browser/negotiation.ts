import type { SignalData } from '../shared/hub-protocol.ts';
import { midsOf, RESEND_ANSWER_AFTER_MS } from '../shared/negotiation.ts';

/** The part of an RTCPeerConnection perfect negotiation uses, so it is tested with fakes. */
export interface NegotiationPeer {
  readonly signalingState: string;
  readonly localDescription: { type: string; sdp: string } | null;
  readonly remoteDescription: unknown;
  readonly connectionState?: string;
  /** Called without arguments only (the implicit form makes the offer or the answer). */
  setLocalDescription(): Promise<void>;
  setRemoteDescription(description: Description): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
}

/** A description that takes part in negotiation (the wire also allows pranswer and rollback: ignored). */
export type Description = { type: 'offer' | 'answer'; sdp: string };

/** One signaling message from the other side, as it comes over the hub. */
export interface RemoteSignal {
  description?: SignalData['description'];
  candidate?: RTCIceCandidateInit | null | undefined;
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

/** Candidates held while no remote description is set, at the most (a flood must not grow without end). */
const MAX_EARLY_CANDIDATES = 200;

export interface NegotiatorOptions {
  /** The doctor console is polite, the kiosk impolite. */
  polite: boolean;
  /** Who the other side is, in the messages ("doctor", "cabin"). */
  remote?: string;
  /** Sends our local description (after `munge`) to the other side. */
  sendDescription(description: Description): void;
  /** Rewrites every description sent and received (the kiosk sets the stethoscope's Opus parameters). */
  munge?(sdp: string): string;
  /** What went wrong, for the console or the incident report. */
  log?(message: string): void;
  /** A remote offer could not be applied: this connection is stuck, start over with a new one. */
  onStuck?(detail: string): void;
  /** A remote offer was applied (before our answer is made): the doctor opens its data channels on the first. */
  onRemoteOffer?(): void;
}

/**
 * Perfect negotiation (W3C webrtc-pc §10, webrtc.md §6) for both apps: either side may offer at any time; on a
 * collision the polite peer gives way and the impolite one ignores the other's offer. Remote messages are
 * applied one at a time, in arrival order, so a candidate never overtakes the description it belongs to;
 * candidates that come before any remote description wait for it.
 */
export class Negotiator {
  makingOffer = false;
  ignoreOffer = false;
  settingRemoteAnswerPending = false;
  private chain: Promise<void> = Promise.resolve();
  private early: RTCIceCandidateInit[] = [];
  protected closed = false;
  /** The last remote offer applied (as received), our answer to it and when it was sent. */
  private lastOffer: string | undefined;
  private lastAnswer: string | undefined;
  private answeredAt = 0;
  private readonly remote: string;
  private readonly log: (message: string) => void;
  private readonly munge: (sdp: string) => string;

  constructor(
    private readonly pc: NegotiationPeer,
    private readonly o: NegotiatorOptions,
  ) {
    this.remote = o.remote ?? 'peer';
    this.log = o.log ?? ((m) => console.error(m));
    this.munge = o.munge ?? ((sdp) => sdp);
  }

  close(): void {
    this.closed = true;
  }

  /** Another remote pc took over: candidates held for the previous one must not reach the connection. */
  forgetRemote(): void {
    this.early = [];
  }

  /** The `negotiationneeded` handler: make an offer and send it. */
  async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendLocalDescription();
    } catch (err) {
      this.log(`Could not make an offer: ${String(err)}`);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Sends our current local description again (e.g. the other side came back while our offer was out). */
  sendLocalDescription(): void {
    const local = this.pc.localDescription;
    if (this.closed || !local || (local.type !== 'offer' && local.type !== 'answer')) return;
    this.o.sendDescription({ type: local.type, sdp: this.munge(local.sdp) });
  }

  /** Applies one message from the other side (queued behind the ones before it); never rejects. */
  receive(msg: RemoteSignal): Promise<void> {
    this.chain = this.chain.then(() => this.apply(msg));
    return this.chain;
  }

  private async apply({ description, candidate }: RemoteSignal): Promise<void> {
    if (this.closed) return;
    if (description) {
      if (description.type === 'offer' || description.type === 'answer') await this.applyDescription({ type: description.type, sdp: description.sdp ?? '' });
    } else if (candidate) {
      if (!this.pc.remoteDescription) {
        if (this.early.length < MAX_EARLY_CANDIDATES) this.early.push(candidate);
        return;
      }
      await this.addCandidate(candidate);
    }
  }

  private async applyDescription(d: Description): Promise<void> {
    if (d.type === 'offer' && d.sdp === this.lastOffer) return this.resentOffer();
    // An answer made for another offer of ours (a copy of an older one): Chromium would refuse it.
    if (d.type === 'answer' && midsOf(d.sdp) !== midsOf(this.pc.localDescription?.sdp)) return;
    const collision = isOfferCollision({
      type: d.type,
      makingOffer: this.makingOffer,
      signalingState: this.pc.signalingState,
      settingRemoteAnswerPending: this.settingRemoteAnswerPending,
    });
    this.ignoreOffer = shouldIgnoreOffer(collision, this.o.polite);
    if (this.ignoreOffer) return;
    // An answer when we have no offer out is stale (to an offer we rolled back, or of a connection we rebuilt).
    if (d.type === 'answer' && this.pc.signalingState !== 'have-local-offer') return;
    const sdp = this.munge(d.sdp);
    try {
      this.settingRemoteAnswerPending = d.type === 'answer';
      await this.pc.setRemoteDescription({ type: d.type, sdp });
    } catch (err) {
      // E.g. Chromium refuses an offer whose mids were used by our rolled-back offer for another kind.
      if (d.type === 'offer' && this.o.onStuck) {
        this.log(`The ${this.remote}'s offer could not be applied (${String(err)}): starting a new connection.`);
        this.o.onStuck(String(err));
      } else {
        this.log(`The ${this.remote}'s ${d.type} was refused: ${String(err)}`);
      }
      return;
    } finally {
      this.settingRemoteAnswerPending = false;
    }
    // Chromium answers `m=application 0` on a side that rolled back its own offer of the data channels: the
    // channels would then never open, so say it where it will be read.
    if (/^m=application 0 /m.test(sdp)) this.log(`The ${this.remote}'s ${d.type} rejected the data channels (m=application 0).`);
    if (d.type === 'offer') this.o.onRemoteOffer?.();
    for (const c of this.early.splice(0)) await this.addCandidate(c);
    if (d.type !== 'offer' || this.closed) return;
    this.lastOffer = d.sdp;
    try {
      await this.pc.setLocalDescription();
      this.lastAnswer = this.pc.localDescription?.sdp;
      this.answeredAt = Date.now();
      this.sendLocalDescription();
    } catch (err) {
      this.log(`Answering the ${this.remote} failed: ${String(err)}`);
    }
  }

  /**
   * The other side sent the offer we applied once more (the cabin resends it when the doctor says hello):
   * applying it twice would cross an offer of ours. Our answer goes again only when it is still our last word
   * and nothing came of it for a while (it may have been lost).
   */
  private resentOffer(): void {
    const local = this.pc.localDescription;
    if (this.pc.signalingState !== 'stable' || local?.type !== 'answer' || local.sdp !== this.lastAnswer) return;
    if (this.pc.connectionState === 'connected' || Date.now() - this.answeredAt < RESEND_ANSWER_AFTER_MS) return;
    this.answeredAt = Date.now();
    this.sendLocalDescription();
  }

  private async addCandidate(c: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(c);
    } catch (err) {
      // The candidates of an offer we ignored fail by design.
      if (!this.ignoreOffer) this.log(`A candidate of the ${this.remote} could not be applied: ${String(err)}`);
    }
  }
}
