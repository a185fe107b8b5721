import type { BridgeClient, CallInput, CallName, CallOutput, EventName, EventPayload, Result } from '../../shared/bridge.ts';
import { checkEvent, checkResult, failure } from './validate.ts';

/** What the Electron preload exposes as `window.cabin` (src/main/electron/preload.ts). */
export interface PreloadApi {
  call(name: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** The bridge through the Electron preload: the same contract checks as the WebSocket client. */
export function createPreloadClient(api: PreloadApi): BridgeClient {
  return {
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<Result<CallOutput<K>>> {
      try {
        return checkResult(name, await api.call(name, input));
      } catch (err) {
        return failure('unavailable', `The cabin service did not answer ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void {
      return api.on(event, (payload) => {
        const checked = checkEvent(event, payload);
        if (checked === undefined) console.warn(`Dropped a '${event}' event that does not match the bridge contract.`);
        else listener(checked);
      });
    },
  };
}
