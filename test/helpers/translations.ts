import { expect, it } from 'vitest';
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from '../../src/shared/language.ts';

export type Flat = Map<string, unknown>;

/** i18next's plural forms: `key_one`, `key_other`… (CLDR categories; Arabic has all six). */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseOf = (key: string): string => key.replace(PLURAL, '');

/** The plural categories a count of days, minutes… (0 to 1000, and 0.5) can reach in `language`. */
function reachableCategories(language: string): Set<string> {
  const rules = new Intl.PluralRules(language);
  const out = new Set<string>(['other']);
  for (let n = 0; n <= 1000; n++) out.add(rules.select(n));
  out.add(rules.select(0.5));
  return out;
}

const vars = (s: unknown): string[] => [...new Set([...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!))].sort();

/** Letters outside `{{placeholders}}`: a value without any (a unit, a dash) has nothing to translate. */
const words = (s: string): string[] => s.replace(/\{\{\w+\}\}/g, ' ').match(/\p{L}[\p{L}\p{N}]*/gu) ?? [];

/**
 * Values that are the same in French and English on purpose: language names (each in its own language), units,
 * and words both languages write alike. Anything else equal to the English is an English leftover.
 */
const SAME_WORDS = new Set(['Otoscope', 'Assistant', 'Patient', 'OK', 'SpO2', 'Notes', 'Consultation', 'pixels', 'dBFS', 'Hz', 'kHz']);
const isLanguageName = (key: string): boolean => /^(language|lang)\.[a-z]{2}$/.test(key);
const sameOnPurpose = (key: string, value: string): boolean => isLanguageName(key) || key.startsWith('unit.') || words(value).every((w) => SAME_WORDS.has(w));

/**
 * Checks what every app's translations share, in every language: the same keys (plural forms per language), no
 * empty value, the same interpolations, no English left in French or Arabic, Arabic written in Arabic, French
 * typography (U+00A0 before « : » and inside « », U+202F before ; ? !, the apostrophe ’, the ellipsis …).
 */
export function itChecksTranslations(all: Readonly<Record<Language, Flat>>): void {
  const fr = all[DEFAULT_LANGUAGE];
  const others = LANGUAGES.filter((l) => l !== DEFAULT_LANGUAGE);

  it('every language has the keys of French (plural forms as its grammar needs them)', () => {
    const bases = (m: Flat) => [...new Set([...m.keys()].map(baseOf))].sort();
    for (const l of others) expect(bases(all[l]), `${l}: the same keys as French`).toEqual(bases(fr));
    for (const l of LANGUAGES) {
      const needed = reachableCategories(l);
      const plurals = new Set([...all[l].keys()].filter((k) => PLURAL.test(k)).map(baseOf));
      for (const base of plurals) {
        for (const c of needed) expect(all[l].has(`${base}_${c}`), `${l}: ${base}_${c}`).toBe(true);
        expect(all[l].has(base), `${l}: ${base} is plural, no bare key`).toBe(false);
      }
    }
  });

  it('a counted word agrees with its number: a value with a count before a word is a plural form', () => {
    // "1 secondes", "1 mesures reçues": a number of things goes through i18next's plural forms (`count`).
    const counted = /\{\{(count|seconds|minutes|hours|days)\}\}[ \u00a0]+(\p{L}+)/u;
    const abbreviations = new Set(['min', 'h', 's', 'ms', 'px', 'د', 'س']);
    for (const l of LANGUAGES) {
      for (const [key, value] of all[l]) {
        const m = counted.exec(String(value));
        if (m && !abbreviations.has(m[2]!)) expect(PLURAL.test(key), `${l}: ${key} counts "${m[2]}" without plural forms`).toBe(true);
        if (m && !abbreviations.has(m[2]!)) expect(m[1], `${l}: ${key} counts with {{count}}`).toBe('count');
      }
    }
  });

  it('no value is empty, and every value is a string', () => {
    for (const l of LANGUAGES) {
      for (const [key, value] of all[l]) {
        expect(typeof value, `${l}: ${key}`).toBe('string');
        expect((value as string).trim(), `${l}: ${key}`).not.toBe('');
      }
    }
  });

  it('interpolations are the same in every language (a plural form may say its number in words)', () => {
    const frVars = new Map<string, string[]>();
    for (const [key, value] of fr) frVars.set(baseOf(key), [...new Set([...(frVars.get(baseOf(key)) ?? []), ...vars(value)])].sort());
    for (const l of LANGUAGES) {
      for (const [key, value] of all[l]) {
        const expected = frVars.get(baseOf(key)) ?? [];
        if (PLURAL.test(key)) expect(vars(value).filter((v) => !expected.includes(v)), `${l}: ${key}`).toEqual([]);
        else expect(vars(value), `${l}: ${key}`).toEqual(expected);
      }
    }
  });

  it('no English left in French or Arabic (same value as English only for names, units and shared words)', () => {
    const en = all.en;
    for (const l of LANGUAGES.filter((x) => x !== 'en')) {
      for (const [key, value] of all[l]) {
        const s = String(value);
        if (en.get(key) === s) expect(sameOnPurpose(key, s), `${l}: ${key} = English "${s}"`).toBe(true);
      }
    }
  });

  it('Arabic is written in Arabic (except language names and symbols)', () => {
    for (const [key, value] of all.ar) {
      const s = String(value);
      if (isLanguageName(key) || sameOnPurpose(key, s)) continue;
      expect(s, `ar: ${key}`).toMatch(/[\u0600-\u06ff]/);
    }
  });

  it('French typography: U+00A0 before « : » and inside « », U+202F before ; ? !, the apostrophe ’, the ellipsis …', () => {
    for (const [key, value] of fr) {
      const s = String(value);
      // A colon, semicolon, question or exclamation mark after a word (not "/min", "10:30" or a URL).
      expect(s, key).not.toMatch(/[^\u00a0\s\d/]:(\s|$)/);
      expect(s, key).not.toMatch(/[^\u202f\s][;?!](\s|$)/);
      expect(s, key).not.toMatch(/[ \t\n][:;?!]/);
      expect(s, key).not.toMatch(/«(?!\u00a0)|[^\u00a0]»/);
      expect(s, key).not.toMatch(/['"]/);
      expect(s, key).not.toContain('...');
      expect(s, key).not.toMatch(/ [.,]/);
    }
  });

  it('Arabic asks with its own question mark ؟ and English and Arabic use no French spacing before punctuation', () => {
    for (const [key, value] of all.ar) expect(String(value), `ar: ${key}`).not.toContain('?');
    for (const l of others) {
      for (const [key, value] of all[l]) expect(String(value), `${l}: ${key}`).not.toMatch(/[\u00a0\u202f ][:;?!؟]/);
    }
  });
}
