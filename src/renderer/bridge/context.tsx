import { createContext, useContext, type ReactNode } from 'react';
import type { BridgeClient } from '../../shared/bridge.ts';

const BridgeContext = createContext<BridgeClient | null>(null);

export function BridgeProvider({ bridge, children }: { bridge: BridgeClient; children: ReactNode }) {
  return <BridgeContext.Provider value={bridge}>{children}</BridgeContext.Provider>;
}

/** The bridge to cabin main; the screens never know which transport it is. */
export function useBridge(): BridgeClient {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge needs a BridgeProvider above it.');
  return bridge;
}

/** The bridge, or null outside a BridgeProvider (a screen drawn on its own, as in its tests). */
export function useOptionalBridge(): BridgeClient | null {
  return useContext(BridgeContext);
}
