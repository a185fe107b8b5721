/**
 * Allows a renderer reload at most `max` times within `windowMs`: a renderer that keeps crashing gets an
 * error page instead of a reload loop.
 */
export class CrashLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly max = 3,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash; true when a reload is still allowed. */
  allowReload(): boolean {
    const t = this.now();
    while (this.times.length > 0 && t - (this.times[0] ?? t) >= this.windowMs) this.times.shift();
    if (this.times.length >= this.max) return false;
    this.times.push(t);
    return true;
  }
}
