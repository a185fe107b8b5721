import type { BridgeClient } from '../../shared/bridge.ts';
import { createPreloadClient, type PreloadApi } from './preload-client.ts';
import { bridgeUrl, createWsClient } from './ws-client.ts';

/** The Electron preload's bridge when the page runs in the kiosk app, else the web host's WebSocket. */
export function createBridge(win: Window & { cabin?: PreloadApi } = window): BridgeClient {
  return win.cabin ? createPreloadClient(win.cabin) : createWsClient({ url: bridgeUrl(win.location) });
}
