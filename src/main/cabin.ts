import type { BridgeHandlers, EventSink } from './bridge/dispatch.ts';

/**
 * What the composition root hands to a shell (the Electron adapter or the web host): the bridge handlers
 * for calls, a way to receive main → renderer events, and a clean stop.
 */
export interface Cabin {
  readonly handlers: BridgeHandlers;
  /** Adds a receiver of every main → renderer event; returns its removal. */
  subscribe(sink: EventSink): () => void;
  /** Ends the device host, flushes the store. */
  stop(): Promise<void>;
}
