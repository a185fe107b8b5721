import type { BridgeRefusal } from '../../shared/bridge.ts';
/**
 * Whether the page still reaches cabin main. In browser mode the bridge is a WebSocket to the web host: if it drops
 * (cabin main crashed or was killed, or restarts), what the page shows is no longer live, and a page left behind must
 * not keep sending the camera and microphone to the doctor. In Electron main and the page live and die together.
 */
export type BridgeLinkState =
  /** Not reached yet (the first connection). */
  | 'connecting'
  | 'open'
  /** It was open and dropped: reconnecting, since `since`. */
  | 'lost'
  /** Main refuses this page's token (see `refusal`): no retry will succeed. */
  | 'refused';

export type { BridgeRefusal };

export interface BridgeLinkView {
  state: BridgeLinkState;
  /** When it was lost (ms, the page's clock); null unless lost. */
  since: number | null;
  /** Only when refused. */
  refusal?: BridgeRefusal;
}

export interface BridgeLink {
  get(): BridgeLinkView;
  /** Called on every change; returns the unsubscribe. */
  subscribe(listener: (view: BridgeLinkView) => void): () => void;
}

/** How long the page waits for cabin main to come back before it hangs up the call and releases the camera. */
export const BRIDGE_LOST_GRACE_MS = 5000;

/** A link that changes with set(): the WebSocket client's. */
export class LinkState implements BridgeLink {
  private view: BridgeLinkView = { state: 'connecting', since: null };
  private readonly listeners = new Set<(view: BridgeLinkView) => void>();

  get(): BridgeLinkView {
    return this.view;
  }

  subscribe(listener: (view: BridgeLinkView) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  set(state: BridgeLinkState, now: number, refusal: BridgeRefusal = 'no-token'): void {
    if (state === this.view.state) return;
    if (this.view.state === 'refused') return;
    // Lost only once it was open: a page still connecting is not "reconnecting".
    if (state === 'lost' && this.view.state === 'connecting') return;
    this.view = state === 'refused' ? { state, since: null, refusal } : { state, since: state === 'lost' ? now : null };
    for (const l of this.listeners) l(this.view);
  }
}

/** Electron: the page cannot outlive main. */
/** One view, always the same object: `useSyncExternalStore` re-renders forever on a new snapshot each read (React #185). */
const OPEN_VIEW: BridgeLinkView = Object.freeze({ state: 'open', since: null });
export const ALWAYS_OPEN: BridgeLink = { get: () => OPEN_VIEW, subscribe: () => () => undefined };

/** Whether the page must stop the call and release the devices: refused, or lost for at least the grace period. */
export function bridgeGone(view: BridgeLinkView, now: number, graceMs = BRIDGE_LOST_GRACE_MS): boolean {
  if (view.state === 'refused') return true;
  return view.state === 'lost' && view.since !== null && now - view.since >= graceMs;
}
