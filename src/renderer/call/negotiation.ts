import type { SignalData, TrackKind } from '../../shared/hub-protocol.ts';
import { setOpusParams, setOpusPtime } from '../../shared/sdp.ts';
import { IceRestartPolicy as SharedIceRestartPolicy } from '../../browser/ice-restart.ts';
import { Negotiator as PerfectNegotiator, type NegotiationPeer } from '../../browser/negotiation.ts';

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
  /**
   * Opus frame length (ms) for every audio stream, both ways, set in the descriptions of a negotiation; undefined
   * keeps the browser's 20 ms. The link level decides it (bandwidth.ts AUDIO_PTIME_MS).
   */
  audioPtimeMs?(): number | undefined;
  onError(detail: string): void;
}

/**
 * The kiosk's side of perfect negotiation (src/browser/negotiation.ts): every signal carries this pc's id,
 * descriptions carry the tracks map, and the stethoscope's Opus parameters are set in every description.
 */
export class Negotiator extends PerfectNegotiator {
  constructor(
    peer: NegotiationPeer,
    private readonly opts: NegotiatorOptions,
  ) {
    super(peer, {
      polite: opts.polite,
      remote: 'doctor',
      sendDescription: (description) => opts.send({ pc: opts.pcId, description, tracks: opts.tracks() }),
      munge: (sdp) => {
        const steth = setOpusParams(sdp, opts.stethoscopeMids());
        const ptime = opts.audioPtimeMs?.();
        return ptime === undefined ? steth : setOpusPtime(steth, ptime);
      },
      log: opts.onError,
    });
  }

  hello(): void {
    this.opts.send({ pc: this.opts.pcId, hello: true });
  }

  onNegotiationNeeded(): Promise<void> {
    return this.negotiate();
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
  onRemote(data: SignalData): Promise<void> {
    return this.receive({ description: data.description, candidate: data.candidate });
  }
}

export interface IceRestartDeps {
  restart(): void;
  incident(detail: string): void;
  disconnectedMs?: number;
}

/**
 * The kiosk's ICE restarts (src/browser/ice-restart.ts): at once on 'failed' (no retries), on 'disconnected'
 * after it lasted 4 s; any other state calls off a countdown.
 */
export class IceRestartPolicy {
  private state = 'new';
  private readonly policy: SharedIceRestartPolicy;

  constructor(deps: IceRestartDeps) {
    this.policy = new SharedIceRestartPolicy({
      pc: () => ({ connectionState: this.state as RTCPeerConnectionState, restartIce: deps.restart }),
      incident: deps.incident,
      log: (m) => console.error(m),
      retryWhileFailed: false,
      ...(deps.disconnectedMs === undefined ? {} : { disconnectedMs: deps.disconnectedMs }),
    });
  }

  onState(state: string): void {
    this.state = state;
    if (state !== 'disconnected') this.policy.clear();
    if (state === 'disconnected' || state === 'failed') this.policy.changed(state);
  }

  clear(): void {
    this.policy.clear();
  }
}
