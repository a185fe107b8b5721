/** Reconnection delay for the attempt number `attempt` (0-based): 1, 2, 4 … 30 s, with ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random, firstMs = 1000, maxMs = 30_000): number {
  const base = Math.min(maxMs, firstMs * 2 ** Math.max(0, Math.min(attempt, 20)));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(maxMs, Math.max(firstMs / 2, jittered)));
}
