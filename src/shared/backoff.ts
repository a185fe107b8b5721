/** How a retry waits: doubling from `firstMs`, capped at `maxMs`, optionally spread by a random factor. */
export interface BackoffOptions {
  firstMs: number;
  maxMs: number;
  /** The delay is multiplied by a factor drawn in [low, high] (e.g. [0.8, 1.2] for ±20 %); none when absent. */
  jitter?: readonly [low: number, high: number];
  /** In [0, 1); injectable so tests know the delay. */
  random?: () => number;
}

/**
 * The wait before retry number `attempt` (0-based): `firstMs · 2^attempt`, at most `maxMs` even after the jitter,
 * in whole milliseconds. The one reconnection formula of the cabin, the kiosk, the console and the device host.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  // The exponent is bounded so a long outage never reaches Infinity or NaN.
  const base = Math.min(o.maxMs, o.firstMs * 2 ** Math.min(Math.max(0, attempt), 30));
  if (!o.jitter) return Math.round(base);
  const [low, high] = o.jitter;
  return Math.round(Math.min(o.maxMs, base * (low + (high - low) * (o.random ?? Math.random)())));
}
