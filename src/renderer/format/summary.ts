import type { Reading } from '../../shared/bridge.ts';
import { CATEGORIES, formatMeasure, MEASURES, type Category, type Measure } from './measures.ts';

/** One line of the visit's summary; `from`: the device category a pulse came from (said to the patient). */
export interface SummaryRow {
  measure: Measure;
  text: string;
  from?: Category;
}

/** The pulse measures, best source first: the oximeter counts beats over many seconds, the cuff over one inflation. */
const PULSES: readonly { id: string; from: Category }[] = [
  { id: 'pulse', from: 'oximeter' },
  { id: 'bp-pulse', from: 'blood-pressure' },
];

/**
 * Every measure of the visit that has a value, in exam order, with one pulse only: the oximeter's when it gave
 * one, else the cuff's, placed where its device's values are and saying which device it came from.
 */
export function visitSummary(readings: ReadonlyMap<string, Reading>, language: string): SummaryRow[] {
  const pulse = PULSES.find((p) => MEASURES[p.from].some((m) => m.id === p.id && formatMeasure(m, readings, language) !== undefined));
  const out: SummaryRow[] = [];
  for (const c of CATEGORIES) {
    for (const m of MEASURES[c]) {
      const isPulse = PULSES.some((p) => p.id === m.id);
      if (isPulse && m.id !== pulse?.id) continue;
      const text = formatMeasure(m, readings, language);
      if (text !== undefined) out.push(isPulse ? { measure: m, text, from: c } : { measure: m, text });
    }
  }
  return out;
}
