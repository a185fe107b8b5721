import { describe, expect, it } from 'vitest';
import { createI18n, flattenKeys } from '../../src/browser/i18n.ts';

const RESOURCES = { fr: { hello: 'Bonjour {{name}}', only: { fr: 'seulement' } }, en: { hello: 'Hello {{name}}' }, ar: { hello: 'مرحبا {{name}}' } };

describe('createI18n (kiosk and console alike)', () => {
  it('starts in French unless told, with both languages ready at once', () => {
    expect(createI18n(RESOURCES).t('hello', { name: 'Ana' })).toBe('Bonjour Ana');
    const en = createI18n(RESOURCES, 'en');
    expect(en.language).toBe('en');
    expect(en.t('hello', { name: '<b>' })).toBe('Hello <b>');
  });

  it('falls back to French for a key English lacks, and instances are independent', () => {
    const a = createI18n(RESOURCES, 'en');
    const b = createI18n(RESOURCES, 'fr');
    expect(a.t('only.fr')).toBe('seulement');
    void a.changeLanguage('fr');
    void b.changeLanguage('en');
    expect(a.t('hello', { name: 'x' })).toBe('Bonjour x');
    expect(b.t('hello', { name: 'x' })).toBe('Hello x');
  });
});

describe('flattenKeys', () => {
  it('lists the dotted path of every leaf with its value', () => {
    expect([...flattenKeys({ a: { b: 'x', c: { d: 1 } }, e: ['y'] })]).toEqual([
      ['a.b', 'x'],
      ['a.c.d', 1],
      ['e', ['y']],
    ]);
  });
});
