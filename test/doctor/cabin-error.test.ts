import { describe, expect, it } from 'vitest';
import { cabinErrorText } from '../../src/doctor/call/cabin-error.ts';
import { hubErrorText } from '../../src/doctor/hub/hub-error.ts';
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

describe('why the hub refused, in the doctor’s words', () => {
  it('says each code the hub sends in French, and a newer hub’s unknown code by its message', () => {
    const { t } = createI18n('fr');
    expect(hubErrorText(t, 'not-active', 'This consultation is over.')).toBe('cette consultation n’est plus en cours');
    expect(hubErrorText(t, 'report-full', 'The report already holds 100000 readings')).toBe('le compte rendu est plein');
    expect(hubErrorText(t, 'brand-new', 'Something new.')).toBe('Something new.');
    for (const l of LANGUAGES) {
      const keys = flattenKeys(TRANSLATIONS[l]);
      for (const code of ['forbidden', 'not-found', 'already-claimed', 'not-waiting', 'not-active', 'report-full', 'internal', 'invalid-message', 'bad-request']) expect(keys.has(`hubError.${code}`), `${l}: ${code}`).toBe(true);
    }
  });
});
