import type { Reading } from '../../shared/bridge.ts';
import type { MdcCode } from '../../shared/catalogue.ts';
import { numberLocale } from '../../shared/language.ts';

/** The device categories the exam has a step for, in the order the patient does them. */
export const CATEGORIES = ['oximeter', 'blood-pressure', 'thermometer', 'scale'] as const;
export type Category = (typeof CATEGORIES)[number];

export function isCategory(c: string): c is Category {
  return (CATEGORIES as readonly string[]).includes(c);
}

/** One value shown to the patient: one code, or two shown as "a/b" (blood pressure). */
export interface Measure {
  /** i18n key under `measure.` and test id `value-<id>`. */
  readonly id: string;
  readonly codes: readonly MdcCode[];
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
  thermometer: [{ id: 'temperature', codes: ['MDC_TEMP_BODY'], decimals: 1, unit: 'Cel' }],
  scale: [
    { id: 'weight', codes: ['MDC_MASS_BODY_ACTUAL'], decimals: 1, unit: 'kg' },
    { id: 'height', codes: ['MDC_LEN_BODY_ACTUAL'], decimals: 0, unit: 'cm', fromSettings: true },
    { id: 'bmi', codes: ['MDC_RATIO_MASS_BODY_LEN_SQ'], decimals: 1, unit: 'kg/m2', fromSettings: true },
  ],
};

/** Measures that only appear when the device sent them (a scale without a height setting sends no BMI). */
export const OPTIONAL_MEASURES: ReadonlySet<string> = new Set(['height', 'bmi']);

export function formatNumber(value: number, decimals: number, language: string): string {
  return new Intl.NumberFormat(numberLocale(language), { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
}

/** The value of `m` as the patient reads it ("128/82", "36,8"), or undefined while a part is missing. */
export function formatMeasure(m: Measure, readings: ReadonlyMap<string, Reading>, language: string): string | undefined {
  const parts: string[] = [];
  for (const code of m.codes) {
    const r = readings.get(code);
    if (!r) return undefined;
    parts.push(formatNumber(r.value, m.decimals, language));
  }
  return parts.join('/');
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
