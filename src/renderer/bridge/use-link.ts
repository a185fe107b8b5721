import { useEffect, useState, useSyncExternalStore } from 'react';
import type { BridgeClient } from '../../shared/bridge.ts';
import { useBridge, useOptionalBridge } from './context.tsx';
import { ALWAYS_OPEN, BRIDGE_LOST_GRACE_MS, bridgeGone, type BridgeLink, type BridgeLinkView, type BridgeRefusal } from './link.ts';

const linkOf = (bridge: BridgeClient): BridgeLink => (bridge as BridgeClient & { link?: BridgeLink }).link ?? ALWAYS_OPEN;

export interface BridgeLinkStatus extends BridgeLinkView {
  /** Lost past the grace period: the call is hung up and the devices released until cabin main is back. */
  gone: boolean;
}

/** The bridge's link to cabin main, and whether it has been lost past the grace period. */
export function useBridgeLink(graceMs = BRIDGE_LOST_GRACE_MS): BridgeLinkStatus {
  const bridge = useBridge();
  const link = linkOf(bridge);
  const [view, setView] = useState<BridgeLinkView>(() => link.get());
  const [gone, setGone] = useState(() => bridgeGone(link.get(), Date.now(), graceMs));
  useEffect(() => {
    setView(link.get());
    return link.subscribe(setView);
  }, [link]);
  useEffect(() => {
    const now = Date.now();
    if (bridgeGone(view, now, graceMs)) return setGone(true);
    setGone(false);
    if (view.state !== 'lost' || view.since === null) return;
    const left = view.since + graceMs - now;
    const timer = setTimeout(() => setGone(true), left);
    return () => clearTimeout(timer);
  }, [view, graceMs]);
  return { ...view, gone };
}

/** Why cabin main refuses this page, if it does (browser mode); none outside a BridgeProvider. */
export function useBridgeRefusal(): BridgeRefusal | undefined {
  const bridge = useOptionalBridge();
  const link = bridge ? linkOf(bridge) : ALWAYS_OPEN;
  const view = useSyncExternalStore(
    (changed) => link.subscribe(changed),
    () => link.get(),
    () => link.get(),
  );
  return view.state === 'refused' ? view.refusal : undefined;
}
