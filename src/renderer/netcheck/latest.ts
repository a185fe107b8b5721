import type { NetCheck } from '../../shared/netcheck.ts';

/**
 * The latest pre-call network check of this kiosk page, for whoever needs it: the assistant panel shows it, the call
 * starts at settings that fit it (src/renderer/call reads `latestNetCheck()` when it builds its connection and may
 * `subscribeNetCheck` for a check that ends later). One value per page; a reload checks again.
 */
export type NetCheckState = { running: boolean; check: NetCheck | undefined; error?: string };

let state: NetCheckState = { running: false, check: undefined };
const listeners = new Set<(s: NetCheckState) => void>();

/** The last finished check (undefined: none yet in this page). */
export function latestNetCheck(): NetCheck | undefined {
  return state.check;
}

export function netCheckState(): NetCheckState {
  return state;
}

/** Called with the state at every change (a check starts, ends, or fails); returns the unsubscribe. */
export function subscribeNetCheck(listener: (s: NetCheckState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The check module's only writer. */
export function publishNetCheck(next: NetCheckState): void {
  state = next;
  for (const l of [...listeners]) l(state);
}
