import { midsOf, RESEND_ANSWER_AFTER_MS } from '../../shared/negotiation.ts';

/** The part of RTCPeerConnection perfect negotiation needs (a fake one in tests). */
export interface NegotiablePc {
  readonly signalingState: string;
  readonly localDescription: { type: string; sdp: string } | null;
  readonly remoteDescription: unknown;
  readonly connectionState?: string;
  setLocalDescription(description?: { type: 'rollback' }): Promise<void>;
  setRemoteDescription(description: { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp?: string }): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit | null): Promise<void>;
}

export type Description = { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp?: string };

export interface NegotiatorOptions {
  polite: boolean;
  /** Sends our new local description to the peer. */
  sendDescription: (description: { type: 'offer' | 'answer' | 'pranswer' | 'rollback'; sdp: string }) => void;
  log?: (message: string) => void;
  /** A remote offer could not be applied: this connection is stuck, start over with a new one. */
  onStuck?: (detail: string) => void;
  /** A remote offer was applied (before our answer is made): the doctor opens its data channels on the first. */
  onRemoteOffer?: () => void;
}

/**
 * Perfect negotiation (W3C webrtc-pc §10, webrtc.md §6): either side may offer at any time; on a collision
 * the polite peer (the doctor) gives way and the impolite one ignores the other's offer. Remote messages are
 * applied one at a time, in arrival order, so a candidate never overtakes the description it belongs to.
 */
export class Negotiator {
  makingOffer = false;
  ignoreOffer = false;
  isSettingRemoteAnswerPending = false;
  private chain: Promise<void> = Promise.resolve();
  /** Candidates that came before any remote description: applied right after it. */
  private early: RTCIceCandidateInit[] = [];
  private closed = false;
  /** The last remote offer applied, our answer to it and when it was sent. */
  private lastOffer: string | undefined;
  private lastAnswer: string | undefined;
  private answeredAt = 0;
  private readonly log: (m: string) => void;

  constructor(
    private readonly pc: NegotiablePc,
    private readonly o: NegotiatorOptions,
  ) {
    this.log = o.log ?? ((m) => console.error(m));
  }

  /** The `negotiationneeded` handler: make an offer and send it. */
  async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const d = this.pc.localDescription;
      if (d && !this.closed) this.o.sendDescription({ type: d.type as Description['type'], sdp: d.sdp });
    } catch (err) {
      this.log(`Could not make an offer: ${String(err)}`);
    } finally {
      this.makingOffer = false;
    }
  }

  /** Applies one message from the peer (queued behind the ones before it). */
  receive(msg: { description?: Description; candidate?: RTCIceCandidateInit | null | undefined }): Promise<void> {
    this.chain = this.chain.then(() => this.apply(msg));
    return this.chain;
  }

  close(): void {
    this.closed = true;
  }

  /**
   * The cabin sent the offer we applied once more (it resends it when we say hello, and the first copy may have
   * been answered already): applying it twice would cross an offer of ours. Our answer goes again only when it
   * is still our last word and nothing came of it for a while (it may have been lost).
   */
  private resentOffer(): void {
    const local = this.pc.localDescription;
    if (this.pc.signalingState !== 'stable' || local?.type !== 'answer' || local.sdp !== this.lastAnswer) return;
    if (this.pc.connectionState === 'connected' || Date.now() - this.answeredAt < RESEND_ANSWER_AFTER_MS) return;
    this.answeredAt = Date.now();
    this.o.sendDescription({ type: 'answer', sdp: local.sdp });
  }

  private async apply({ description, candidate }: { description?: Description | undefined; candidate?: RTCIceCandidateInit | null | undefined }): Promise<void> {
    if (this.closed) return;
    try {
      if (description) {
        if (description.type === 'offer' && description.sdp !== undefined && description.sdp === this.lastOffer) {
          this.resentOffer();
          return;
        }
        // An answer made for another offer of ours (a copy of an older one): Chromium would refuse it.
        if (description.type === 'answer' && midsOf(description.sdp) !== midsOf(this.pc.localDescription?.sdp)) return;
        const readyForOffer = !this.makingOffer && (this.pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
        const offerCollision = description.type === 'offer' && !readyForOffer;
        this.ignoreOffer = !this.o.polite && offerCollision;
        if (this.ignoreOffer) return;
        // An answer to an offer we no longer have (rolled back on a collision) is stale.
        if (description.type === 'answer' && this.pc.signalingState === 'stable') return;
        this.isSettingRemoteAnswerPending = description.type === 'answer';
        try {
          await this.pc.setRemoteDescription(description);
        } catch (err) {
          // E.g. Chromium refuses an offer whose mids were used by our rolled-back offer for another kind.
          if (description.type === 'offer' && this.o.onStuck) {
            this.log(`The cabin's offer could not be applied (${String(err)}): starting a new connection.`);
            this.o.onStuck(String(err));
            return;
          }
          throw err;
        } finally {
          this.isSettingRemoteAnswerPending = false;
        }
        if (description.type === 'offer') this.o.onRemoteOffer?.();
        const early = this.early;
        this.early = [];
        for (const c of early) await this.pc.addIceCandidate(c).catch((err: unknown) => this.log(`An early candidate could not be applied: ${String(err)}`));
        if (description.type === 'offer' && !this.closed) {
          this.lastOffer = description.sdp;
          await this.pc.setLocalDescription();
          const d = this.pc.localDescription;
          if (d) {
            this.lastAnswer = d.sdp;
            this.answeredAt = Date.now();
            this.o.sendDescription({ type: d.type as Description['type'], sdp: d.sdp });
          }
        }
      } else if (candidate) {
        if (!this.pc.remoteDescription) {
          if (this.early.length < 100) this.early.push(candidate);
          return;
        }
        try {
          await this.pc.addIceCandidate(candidate);
        } catch (err) {
          if (!this.ignoreOffer) throw err;
        }
      }
    } catch (err) {
      this.log(`A signaling message could not be applied: ${String(err)}`);
    }
  }
}
