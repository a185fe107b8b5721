import { unitText } from '../../shared/unit-text.ts';
import { OBSERVATION_FLAGS, type DeviceClock, type ObservationFlag } from '../../shared/observation.ts';

/**
 * What the device said beside a reading, as the doctor reads it: its flags (warnings first), its clock when it cannot
 * be trusted, the unit it showed the patient. Pure: the components put these keys into words.
 */

/** Flags that change how the value reads (a cuff's irregular pulse, movement…): shown in the warning tone. */
export const WARNING_FLAGS: ReadonlySet<ObservationFlag> = new Set<ObservationFlag>([
  'irregular-pulse',
  'movement',
  'cuff-loose',
  'improper-position',
  'questionable',
  'invalid',
  'result-too-high',
  'result-too-low',
  'pulse-above-range',
  'pulse-below-range',
]);

export interface FlagNote {
  flag: ObservationFlag;
  warn: boolean;
}

const KNOWN = new Set<string>(OBSERVATION_FLAGS);
const isFlag = (f: unknown): f is ObservationFlag => typeof f === 'string' && KNOWN.has(f);

/** The flags to show, each once: warnings first, then the others, each group in the contract's order; unknown ones dropped. */
export function flagNotes(flags: readonly unknown[] | undefined): FlagNote[] {
  if (!flags || flags.length === 0) return [];
  const set = new Set(flags.filter(isFlag));
  const ordered = OBSERVATION_FLAGS.filter((f) => set.has(f));
  return [...ordered.filter((f) => WARNING_FLAGS.has(f)), ...ordered.filter((f) => !WARNING_FLAGS.has(f))].map((flag) => ({ flag, warn: WARNING_FLAGS.has(flag) }));
}

/** The flags of several observations of one measurement (a cuff's SYS, DIA, MEAN), each once. */
export function mergeFlags(...lists: (readonly ObservationFlag[] | undefined)[]): ObservationFlag[] | undefined {
  const all = [...new Set(lists.flatMap((l) => l ?? []))];
  return all.length > 0 ? all : undefined;
}

/** The words of a device clock the doctor must know about: a translation key, and its count when it has one. */
export type ClockNote =
  | { key: 'clock.unset' }
  | { key: 'clock.skewedSec' | 'clock.skewedMin' | 'clock.skewedHour' | 'clock.skewedDay'; count: number; offsetMs: number };

/**
 * 'unset': the time shown is when the cabin received the reading; 'skewed': the device's time was corrected by an offset
 * measured at connection, so it may be off. The offset in the unit a person says it in (90 s → 2 min, 3 h, 2 days).
 * 'set', 'unknown' and a skew without its offset say nothing (no noise: there is nothing the doctor can act on).
 */
export function clockNote(clock: DeviceClock | undefined): ClockNote | undefined {
  if (clock?.state === 'unset') return { key: 'clock.unset' };
  if (clock?.state !== 'skewed' || clock.offsetMs === undefined || !Number.isFinite(clock.offsetMs)) return undefined;
  const offsetMs = clock.offsetMs;
  const s = Math.abs(offsetMs) / 1000;
  if (s < 90) return { key: 'clock.skewedSec', count: Math.max(1, Math.round(s)), offsetMs };
  if (s < 90 * 60) return { key: 'clock.skewedMin', count: Math.round(s / 60), offsetMs };
  if (s < 36 * 3600) return { key: 'clock.skewedHour', count: Math.round(s / 3600), offsetMs };
  return { key: 'clock.skewedDay', count: Math.round(s / 86_400), offsetMs };
}

export { unitText };

/** French doctors read glycaemia in g/L: mg/dL ÷ 100. */
export const gramsPerLitre = (mgdl: number): number => mgdl / 100;
