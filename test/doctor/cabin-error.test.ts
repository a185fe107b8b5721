import { describe, expect, it } from 'vitest';
import { cabinErrorText } from '../../src/doctor/call/cabin-error.ts';
import { createI18n, TRANSLATIONS } from '../../src/doctor/i18n/index.ts';
import { flattenKeys } from '../../src/browser/i18n.ts';
import { BridgeErrorCodeSchema } from '../../src/shared/bridge.ts';
import { LANGUAGES } from '../../src/shared/language.ts';

describe('why the cabin refused, in the doctor’s words', () => {
  it('has words for every code the cabin sends, in every language', () => {
    for (const l of LANGUAGES) {
      const keys = flattenKeys(TRANSLATIONS[l]);
      for (const code of [...BridgeErrorCodeSchema.options, 'no-otoscope', 'not-sent']) expect(keys.has(`cabinError.${code}`), `${l}: ${code}`).toBe(true);
    }
  });

  it('says a code in French, and an older cabin’s sentence as it came', () => {
    const { t } = createI18n('fr');
    expect(cabinErrorText(t, 'device-command-failed')).toBe('l’appareil n’a pas exécuté la commande (allumé et branché\u202f?)');
    expect(cabinErrorText(t, 'no-otoscope')).toMatch(/^pas d’image de l’otoscope/);
    expect(cabinErrorText(t, 'the snapshot could not be sent')).toBe('the snapshot could not be sent');
    expect(cabinErrorText(t, undefined)).toBe('la cabine ne répond pas');
  });
});
