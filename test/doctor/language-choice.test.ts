import { describe, expect, it } from 'vitest';
import { chosenLanguage, createI18n, rememberLanguage } from '../../src/doctor/i18n/index.ts';
import type { StorageLike } from '../../src/doctor/state/session-hint.ts';
import { directionOf } from '../../src/shared/language.ts';

const memory = (kept: Record<string, string> = {}): StorageLike & { kept: Record<string, string> } => ({
  kept,
  getItem: (k) => kept[k] ?? null,
  setItem: (k, v) => void (kept[k] = v),
  removeItem: (k) => void delete kept[k],
});

describe("the doctor's language choice", () => {
  it('is French when nothing was chosen, whatever the browser speaks', () => {
    expect(chosenLanguage(memory())).toBe('fr');
    expect(chosenLanguage(undefined)).toBe('fr');
  });

  it('is kept in this browser when the doctor switches, and read back on the next visit (Arabic right to left)', () => {
    const storage = memory();
    const i18n = createI18n(chosenLanguage(storage));
    rememberLanguage(i18n, storage);
    void i18n.changeLanguage('ar');
    expect(chosenLanguage(storage)).toBe('ar');
    const next = createI18n(chosenLanguage(storage));
    expect(next.language).toBe('ar');
    expect(directionOf(next.language)).toBe('rtl');
    void i18n.changeLanguage('en');
    expect(chosenLanguage(storage)).toBe('en');
  });

  it('anything else kept there, or a storage that throws, gives French', () => {
    for (const garbage of ['', 'de', 'EN', '"ar"', 'fr-FR', '{}']) expect(chosenLanguage(memory({ 'cabin-doctor.language': garbage })), garbage).toBe('fr');
    const broken: StorageLike = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); }, removeItem: () => {} };
    expect(chosenLanguage(broken)).toBe('fr');
    const i18n = createI18n();
    rememberLanguage(i18n, broken);
    expect(() => void i18n.changeLanguage('en')).not.toThrow();
  });
});
