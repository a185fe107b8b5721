/** A timer handle from a `Clock`: opaque to its callers. */
export type TimerHandle = unknown;

/**
 * Time and timers as a dependency: services take a `Clock` so tests move time by hand instead of sleeping.
 * `systemClock` is the real one; `test/helpers/manual-clock.ts` is the one tests drive.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

type Handle = ReturnType<typeof globalThis.setTimeout>;

/** Lets the process exit while this timer waits (Node's handles; other clocks' handles have nothing to unref). */
export function unrefTimer(handle: TimerHandle): void {
  (handle as { unref?: () => void } | null | undefined)?.unref?.();
}

/** The machine's clock. Looked up at each call, so a test's `vi.useFakeTimers()` still applies. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as Handle | undefined),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as Handle | undefined),
};
