import { formatNumber } from '../../browser/number.ts';
import type { Reading } from '../../shared/bridge.ts';
import { GLUCOSE_CODES, TEMPERATURE_CODES, type MdcCode } from '../../shared/catalogue.ts';

/** The device categories the exam has a step for, in the order the patient does them. */
export const CATEGORIES = ['oximeter', 'blood-pressure', 'thermometer', 'scale', 'glucometer'] as const;
export type Category = (typeof CATEGORIES)[number];

export function isCategory(c: string): c is Category {
  return (CATEGORIES as readonly string[]).includes(c);
}

/** One value shown to the patient: one code, or two shown as "a/b" (blood pressure). */
export interface Measure {
  /** i18n key under `measure.` and test id `value-<id>`. */
  readonly id: string;
  readonly codes: readonly MdcCode[];
  /**
   * A one-part measure any of these codes gives (a thermometer reports its site's code, MDC_TEMP_EAR…; a glucometer
   * its sample's): the latest of them is shown. `codes` then holds the first, the usual one.
   */
  readonly anyOf?: readonly MdcCode[];
  /** Shown in another unit than the reading's: value × factor (mg/dL × 0.01 = g/L, as French glucometers show it). */
  readonly factor?: number;
  /** At most this many decimals: fewer when the device gave fewer (a reading's `decimals`), never more. */
  readonly decimals: number;
  /** UCUM unit, translated under `unit.`. */
  readonly unit: string;
  /**
   * Not measured in the visit: a value the device's settings give (a Tanita's `Hm` is the height typed on the scale,
   * protocols.md §5.1) or one worked out from it (its BMI). The summary says so (`end.setOnScale.<id>`).
   */
  readonly fromSettings?: true;
}

export const MEASURES: Record<Category, readonly Measure[]> = {
  oximeter: [
    { id: 'spo2', codes: ['MDC_PULS_OXIM_SAT_O2'], decimals: 0, unit: '%' },
    { id: 'pulse', codes: ['MDC_PULS_OXIM_PULS_RATE'], decimals: 0, unit: '/min' },
  ],
  'blood-pressure': [
    { id: 'bp', codes: ['MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA'], decimals: 0, unit: 'mm[Hg]' },
    { id: 'bp-pulse', codes: ['MDC_PULS_RATE_NON_INV'], decimals: 0, unit: '/min' },
  ],
  thermometer: [{ id: 'temperature', codes: ['MDC_TEMP_BODY'], anyOf: TEMPERATURE_CODES, decimals: 1, unit: 'Cel' }],
  scale: [
    { id: 'weight', codes: ['MDC_MASS_BODY_ACTUAL'], decimals: 1, unit: 'kg' },
    { id: 'height', codes: ['MDC_LEN_BODY_ACTUAL'], decimals: 0, unit: 'cm', fromSettings: true },
    { id: 'bmi', codes: ['MDC_RATIO_MASS_BODY_LEN_SQ'], decimals: 1, unit: 'kg/m2', fromSettings: true },
  ],
  glucometer: [
    { id: 'glucose', codes: ['MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD'], anyOf: GLUCOSE_CODES, decimals: 0, unit: 'mg/dL' },
    // « 1,20 g/L »: always two decimals, as the meters sold in France write it.
    { id: 'glucose-gl', codes: ['MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD'], anyOf: GLUCOSE_CODES, factor: 0.01, decimals: 2, unit: 'g/L' },
  ],
};

/** Measures that only appear when the device sent them (a scale without a height setting sends no BMI). */
export const OPTIONAL_MEASURES: ReadonlySet<string> = new Set(['height', 'bmi']);

/** The reading of each part of `m` (undefined where none came yet); a part of several codes takes the latest. */
export function measureReadings(m: Measure, readings: ReadonlyMap<string, Reading>): (Reading | undefined)[] {
  if (!m.anyOf) return m.codes.map((code) => readings.get(code));
  let latest: Reading | undefined;
  for (const code of m.anyOf) {
    const r = readings.get(code);
    if (r && (!latest || r.t >= latest.t)) latest = r;
  }
  return [latest];
}

/**
 * Decimals shown for a reading: the measure's, or fewer when the device gave fewer (no precision it has not). At most
 * the measure's own (one for a temperature: the patient reads « 37,6 »). The doctor console shows what the device
 * sent instead, up to two (src/doctor/call/vitals.ts, shownDecimals): the two differ on purpose.
 */
function shownDecimals(m: Measure, r: Reading): number {
  if (m.factor !== undefined || r.decimals === undefined) return m.decimals;
  return Math.min(m.decimals, r.decimals);
}

/**
 * The value of `m` as the patient reads it ("128/82", "36,8", "1,20"), or undefined while a part is missing or the
 * device gave no number for it (`absent`: never shown as a number; see `measureAbsent`).
 */
export function formatMeasure(m: Measure, readings: ReadonlyMap<string, Reading>, language: string): string | undefined {
  const parts: string[] = [];
  for (const r of measureReadings(m, readings)) {
    if (!r || r.value === undefined) return undefined;
    parts.push(formatNumber(r.value * (m.factor ?? 1), shownDecimals(m, r), language));
  }
  return parts.join('/');
}

/** Whether the device's latest word on a part of `m` was "no number" (its special value: NaN, NRes…). */
export function measureAbsent(m: Measure, readings: ReadonlyMap<string, Reading>): boolean {
  return measureReadings(m, readings).some((r) => r?.absent !== undefined);
}

/** Every measure of the visit that has a value, in exam order (the end screen's summary). */
export function summary(readings: ReadonlyMap<string, Reading>, language: string): { measure: Measure; text: string }[] {
  const out: { measure: Measure; text: string }[] = [];
  for (const c of CATEGORIES) {
    for (const m of MEASURES[c]) {
      const text = formatMeasure(m, readings, language);
      if (text !== undefined) out.push({ measure: m, text });
    }
  }
  return out;
}
