import { describe, expect, it } from 'vitest';
import { BridgeErrorCodeSchema } from '../../src/shared/bridge.ts';
import { DEVICE_STATUSES } from '../../src/shared/device-event.ts';
import { LinkStateSchema } from '../../src/shared/device-host.ts';
import { createI18n, TRANSLATIONS } from '../../src/renderer/i18n/index.ts';
import { flattenKeys } from '../../src/browser/i18n.ts';
import { itChecksTranslations } from '../helpers/translations.ts';
import { CATEGORIES, MEASURES } from '../../src/renderer/format/measures.ts';

const fr = flattenKeys(TRANSLATIONS.fr);
const en = flattenKeys(TRANSLATIONS.en);
const ar = flattenKeys(TRANSLATIONS.ar);

describe('translations', () => {
  itChecksTranslations({ fr, en, ar });

  it('has a word for every device status, link state, category, measure and unit the UI can show', () => {
    const needed = [
      ...DEVICE_STATUSES.map((s) => `status.${s}`),
      'status.none',
      ...LinkStateSchema.options.map((l) => `link.${l}`),
      'link.detached',
      ...CATEGORIES.flatMap((c) => [`category.${c}`, `step.${c}.title`, `step.${c}.instruction`]),
      ...Object.values(MEASURES).flatMap((ms) => ms.flatMap((m) => [`measure.${m.id}`, `unit.${m.unit}`])),
    ];
    for (const key of needed) expect(fr.has(key), key).toBe(true);
  });

  it('has a sentence for every bridge error code, in both languages', () => {
    for (const code of BridgeErrorCodeSchema.options) {
      expect(fr.has(`bridgeError.${code}`), code).toBe(true);
      expect(en.has(`bridgeError.${code}`), code).toBe(true);
    }
    expect([...fr.keys()].filter((k) => k.startsWith('bridgeError.')).sort()).toEqual(BridgeErrorCodeSchema.options.map((c) => `bridgeError.${c}`).sort());
    const i18n = createI18n('fr');
    expect(i18n.t('error.incident', { incident: 'K7QX4M' })).toBe("Numéro d\u2019incident\u00a0: K7QX4M");
  });

  it('i18next resolves keys whose last part has dots or brackets (units)', () => {
    const i18n = createI18n('fr');
    expect(i18n.t('unit.mm[Hg]')).toBe('mmHg');
    expect(i18n.t('unit./min')).toBe('/min');
    expect(i18n.t('exam.progress', { current: 1, total: 3 })).toBe('Étape 1 sur 3');
    // The idle countdown agrees with its number (it read « 1 secondes »).
    expect(i18n.t('idle.text', { count: 1 })).toMatch(/dans 1\u00a0seconde\.$/);
    expect(i18n.t('idle.text', { count: 30 })).toMatch(/dans 30\u00a0secondes\.$/);
    void i18n.changeLanguage('en');
    expect(i18n.t('welcome.start')).toBe('Start');
  });
});
