import type { FromCarrier, ToCarrier } from './audio-readings-worker.ts';

/**
 * The page's one worker for the readings carried in the voice's packets (shared/audio-readings.ts), started when the
 * app loads (`warmCarrier`): Chromium applies an encoded transform only when it is set before the first frame (set on
 * a live sender or receiver, it carried nothing), and a transform on a worker that has not started would stop the
 * voice. So a sender or receiver is put through it only if the worker already said hello; otherwise that connection
 * goes without (its readings on the data channels only).
 */
export interface CarrierPort {
  /** The worker runs (it said hello). */
  readonly alive: boolean;
  post(m: ToCarrier, transfer?: Transferable[]): void;
  /** The items taken off received frames go here (one listener: the current call's). */
  listen(fn: ((items: ArrayBuffer[]) => void) | undefined): void;
  /** The Worker, for RTCRtpScriptTransform (undefined in tests). */
  readonly worker?: Worker;
}

let shared: CarrierPort | undefined;

/** The page's carrier worker, started on the first call; throws where the browser has no workers. */
export function sharedCarrier(): CarrierPort {
  if (shared) return shared;
  const worker = new Worker(new URL('./audio-readings-worker.ts', import.meta.url), { type: 'module', name: 'audio-readings' });
  let alive = false;
  let listener: ((items: ArrayBuffer[]) => void) | undefined;
  worker.onmessage = (e: MessageEvent<FromCarrier>) => {
    if (e.data?.type === 'hello') alive = true;
    else if (e.data?.type === 'items' && Array.isArray(e.data.items)) listener?.(e.data.items);
  };
  worker.onerror = () => {
    alive = false;
  };
  shared = {
    get alive() {
      return alive;
    },
    post: (m, transfer = []) => worker.postMessage(m, transfer),
    listen: (fn) => {
      listener = fn;
    },
    worker,
  };
  return shared;
}

/** Starts the worker when the app loads, long before a call needs it; nothing when the browser has none. */
export function warmCarrier(): void {
  try {
    sharedCarrier();
  } catch {
    // No workers: the calls carry readings on the data channels only.
  }
}
