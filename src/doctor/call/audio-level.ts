/** The quietest level the meter shows (dBFS). */
export const FLOOR_DB = -100;
/** A sample at least this close to full scale (−0.01 dBFS) is at the converter's limit. */
export const CLIP_AT = 0.999;
/**
 * Clipping is a flat top: this many samples in a row at full scale. A lone peak near 0 dBFS (an automatic gain's
 * limiter, Opus overshoot on a loud heartbeat at −14…−20 dBFS RMS) lost nothing and must not light the warning.
 */
export const CLIP_RUN = 3;

/** RMS level in dBFS (floored), peak and clipping (a run of full-scale samples) of a block of samples in −1…1. */
export function levelOf(samples: ArrayLike<number>): { db: number; peak: number; clipped: boolean } {
  let sum = 0;
  let peak = 0;
  let n = 0;
  let run = 0;
  let clipped = false;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) continue;
    sum += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    run = a >= CLIP_AT ? run + 1 : 0;
    if (run >= CLIP_RUN) clipped = true;
    n++;
  }
  const rms = n > 0 ? Math.sqrt(sum / n) : 0;
  const db = rms > 0 ? Math.max(FLOOR_DB, 20 * Math.log10(rms)) : FLOOR_DB;
  return { db, peak, clipped };
}

/** What the level means for listening, in the words the meter shows beside its number. */
export type LevelClass = 'silent' | 'quiet' | 'good' | 'loud' | 'clipping';
/** Below this RMS (dBFS) nothing is coming (no stethoscope on the skin, or muted). */
export const SILENT_BELOW_DB = -70;
/** Below this, heard only with the volume up. */
export const QUIET_BELOW_DB = -45;
/** From this RMS, a loud signal close to its limit (headroom under 6 dB), though not clipped yet. */
export const LOUD_FROM_DB = -6;

/** The meter's plain label: clipping only when samples were really cut, the rest from the RMS level. */
export function levelClass(db: number, clipped: boolean): LevelClass {
  if (clipped) return 'clipping';
  if (!Number.isFinite(db) || db < SILENT_BELOW_DB) return 'silent';
  if (db < QUIET_BELOW_DB) return 'quiet';
  if (db < LOUD_FROM_DB) return 'good';
  return 'loud';
}

/** The level as read aloud and shown: whole dBFS with a true minus sign (−18 dBFS, not -18). */
export function formatDb(db: number): string {
  const n = Math.round(Number.isFinite(db) ? db : FLOOR_DB);
  return n < 0 ? `\u2212${-n}` : String(n);
}

/** The meter's fill (0…1): the bar shows −60…0 dBFS. */
export function meterFill(db: number, lowDb = -60): number {
  if (!Number.isFinite(db)) return 0;
  return Math.min(1, Math.max(0, (db - lowDb) / -lowDb));
}
