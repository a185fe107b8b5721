import { useEffect, useSyncExternalStore } from 'react';
import type { Phase } from '../../shared/bridge.ts';
import { useBridge } from '../bridge/context.tsx';
import { netCheckState, subscribeNetCheck, type NetCheckState } from './latest.ts';
import { netCheckStale, runNetCheck } from './run.ts';

/** The check's state, for a component. */
export function useNetCheck(): NetCheckState {
  return useSyncExternalStore(subscribeNetCheck, netCheckState);
}

/**
 * While the patient is welcomed (welcome and consent, before the exam asks main for a doctor), the check runs when
 * the last is missing or older than NETCHECK_MAX_AGE_MS; a check that ends after the request is sent goes to the hub
 * all the same (main sends the waiting request again with it).
 */
export function useNetCheckBeforeCall(phase: Phase | undefined, enabled: boolean): void {
  const bridge = useBridge();
  useEffect(() => {
    if (!enabled || (phase !== 'welcome' && phase !== 'consent')) return;
    if (netCheckStale()) void runNetCheck(bridge);
  }, [phase, enabled, bridge]);
}
