/** The quietest level the meter shows (dBFS). */
export const FLOOR_DB = -100;
/** A sample this close to full scale counts as clipping. */
export const CLIP_AT = 0.99;

/** RMS level in dBFS (floored), peak and clipping of a block of samples in −1…1. */
export function levelOf(samples: ArrayLike<number>): { db: number; peak: number; clipped: boolean } {
  let sum = 0;
  let peak = 0;
  let n = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) continue;
    sum += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    n++;
  }
  const rms = n > 0 ? Math.sqrt(sum / n) : 0;
  const db = rms > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB;
  return { db, peak, clipped: peak >= CLIP_AT };
}

/** The meter's fill (0…1): the bar shows −60…0 dBFS. */
export function meterFill(db: number, lowDb = -60): number {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - lowDb) / -lowDb));
}
