import { describe, expect, it } from 'vitest';
import { directionOf, isLanguage, LANGUAGES, LanguageSchema, numberLocale, toLanguage } from '../../src/shared/language.ts';

describe('languages', () => {
  it('French first, then English and Arabic, each accepted on the wire', () => {
    expect(LANGUAGES[0]).toBe('fr');
    for (const l of ['fr', 'en', 'ar']) expect(LanguageSchema.parse(l)).toBe(l);
    expect(isLanguage('es')).toBe(false);
  });

  it('reads a browser or i18next tag as one of ours, French otherwise', () => {
    expect(toLanguage('en-GB')).toBe('en');
    expect(toLanguage('AR-MA')).toBe('ar');
    expect(toLanguage('de')).toBe('fr');
    expect(toLanguage(undefined)).toBe('fr');
  });

  it('Arabic is written right to left, the others left to right', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('ar-TN')).toBe('rtl');
    expect(directionOf('fr')).toBe('ltr');
    expect(directionOf('en')).toBe('ltr');
  });

  it('medical values in Arabic keep Western digits (no ٣٦٫٨ for 36.8)', () => {
    const temp = new Intl.NumberFormat(numberLocale('ar'), { minimumFractionDigits: 1 }).format(36.8);
    expect(temp).toBe('36.8');
    expect(new Intl.NumberFormat(numberLocale('fr'), { minimumFractionDigits: 1 }).format(36.8)).toBe('36,8');
    expect(new Date(Date.UTC(2026, 0, 1, 9, 5)).toLocaleTimeString(numberLocale('ar'), { timeZone: 'UTC', hour: '2-digit', minute: '2-digit' })).toMatch(/09:05/);
  });
});
