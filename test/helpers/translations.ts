import { expect, it } from 'vitest';

/** Checks every app's translations share: the same keys, no empty value, the same interpolations, French typography. */
export function itChecksTranslations(fr: Map<string, unknown>, en: Map<string, unknown>): void {
  it('French and English have exactly the same keys', () => {
    expect([...en.keys()].sort()).toEqual([...fr.keys()].sort());
  });

  it('no value is empty, and every value is a string', () => {
    for (const [lang, map] of [['fr', fr], ['en', en]] as const) {
      for (const [key, value] of map) {
        expect(typeof value, `${lang}: ${key}`).toBe('string');
        expect((value as string).trim(), `${lang}: ${key}`).not.toBe('');
      }
    }
  });

  it('interpolations are the same in both languages', () => {
    const vars = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of fr) expect(vars(en.get(key)), key).toEqual(vars(value));
  });

  it('French follows French typography: a non-breaking space before : ; ? ! and inside « », a typographic apostrophe', () => {
    for (const [key, value] of fr) {
      const s = String(value);
      // A colon, semicolon, question or exclamation mark ending a word (not "/min" or a URL) has its non-breaking space.
      expect(s, key).not.toMatch(/[^\u00a0\u202f][:;?!](\s|$)/);
      expect(s, key).not.toMatch(/ [:;?!]/);
      expect(s, key).not.toMatch(/«(?!\u00a0)|[^\u00a0]»/);
      expect(s, key).not.toContain("'");
    }
  });
}
