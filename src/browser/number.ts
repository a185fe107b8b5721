import { numberLocale } from '../shared/language.ts';

/**
 * A number in the reader's language with exactly `decimals` decimals ("36,8" in French; Arabic keeps Western digits,
 * numberLocale): the kiosk's measures and the doctor console's tiles alike.
 */
export function formatNumber(value: number, decimals: number, language: string | undefined): string {
  return new Intl.NumberFormat(numberLocale(language), { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
}
