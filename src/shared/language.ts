import { z } from 'zod';

/** The languages the kiosk, the doctor console and the hub speak; French first (the default). */
export const LANGUAGES = ['fr', 'en', 'ar'] as const;
export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;
export const DEFAULT_LANGUAGE: Language = 'fr';

export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

/** A language tag from i18next or the browser ("en-GB", "ar") as one of ours, French otherwise. */
export function toLanguage(tag: string | undefined): Language {
  const base = tag?.toLowerCase().split('-')[0];
  return isLanguage(base) ? base : DEFAULT_LANGUAGE;
}

/** Languages written right to left: the document gets dir="rtl" and the layout mirrors (CSS logical properties). */
const RIGHT_TO_LEFT: ReadonlySet<string> = new Set<Language>(['ar']);

export function directionOf(tag: string | undefined): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(toLanguage(tag)) ? 'rtl' : 'ltr';
}

/**
 * The locale numbers and times are formatted with. Arabic keeps Western digits (ar-u-nu-latn): the devices and the
 * paper records show 128/82 in them, the Maghreb reads them daily, and a medical value must never be misread.
 */
const NUMBER_LOCALES: Readonly<Record<Language, string>> = { fr: 'fr', en: 'en', ar: 'ar-u-nu-latn' };

export function numberLocale(tag: string | undefined): string {
  return NUMBER_LOCALES[toLanguage(tag)];
}
