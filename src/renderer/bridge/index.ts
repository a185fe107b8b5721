import type { BridgeClient } from '../../shared/bridge.ts';
import { ALWAYS_OPEN, type BridgeLink } from './link.ts';
import { createPreloadClient, type PreloadApi } from './preload-client.ts';
import { bridgeUrl, createWsClient } from './ws-client.ts';

/** The bridge and whether it reaches cabin main (always, in Electron). */
export type CabinBridge = BridgeClient & { link: BridgeLink };

/** The Electron preload's bridge when the page runs in the kiosk app, else the web host's WebSocket. */
export function createBridge(win: Window & { cabin?: PreloadApi } = window): CabinBridge {
  return win.cabin ? { ...createPreloadClient(win.cabin), link: ALWAYS_OPEN } : createWsClient({ url: bridgeUrl(win.location) });
}
