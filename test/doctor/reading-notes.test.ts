import { describe, expect, it } from 'vitest';
import { detailText } from '../../src/browser/device-detail.ts';
import { clockNote, flagNotes, gramsPerLitre, mergeFlags, unitText, WARNING_FLAGS } from '../../src/doctor/call/reading-notes.ts';
import { createI18n, TRANSLATIONS } from '../../src/doctor/i18n/index.ts';
import { flattenKeys } from '../../src/browser/i18n.ts';
import { CATALOGUE, GLUCOSE_CODES, TEMPERATURE_CODES } from '../../src/shared/catalogue.ts';
import { OBSERVATION_FLAGS } from '../../src/shared/observation.ts';
import { LANGUAGES } from '../../src/shared/language.ts';

describe('flags on a reading', () => {
  it('warnings first, each once, unknown ones dropped; the clinically relevant ones are warnings', () => {
    expect(flagNotes(['from-storage', 'irregular-pulse', 'low-battery', 'movement', 'irregular-pulse', 'flag-of-2030'])).toEqual([
      { flag: 'movement', warn: true },
      { flag: 'irregular-pulse', warn: true },
      { flag: 'from-storage', warn: false },
      { flag: 'low-battery', warn: false },
    ]);
    expect(flagNotes(undefined)).toEqual([]);
    for (const f of ['irregular-pulse', 'movement', 'cuff-loose', 'improper-position', 'questionable', 'invalid', 'result-too-high', 'result-too-low'] as const) expect(WARNING_FLAGS.has(f), f).toBe(true);
    for (const f of ['early-estimate', 'from-storage', 'low-battery', 'calibrating'] as const) expect(WARNING_FLAGS.has(f), f).toBe(false);
  });

  it('merges the flags of one measurement', () => {
    expect(mergeFlags(['movement'], undefined, ['movement', 'cuff-loose'])).toEqual(['movement', 'cuff-loose']);
    expect(mergeFlags(undefined, [])).toBeUndefined();
  });

  it('every flag has short words in every language, the French ones as a doctor says them', () => {
    for (const l of LANGUAGES) {
      const keys = flattenKeys(TRANSLATIONS[l]);
      for (const f of OBSERVATION_FLAGS) expect(keys.has(`flag.${f}`), `${l}: flag.${f}`).toBe(true);
    }
    const t = createI18n('fr').t;
    expect(t('flag.irregular-pulse')).toBe('Pouls irrégulier');
    expect(t('flag.movement')).toBe('Mouvement pendant la mesure');
    expect(t('flag.cuff-loose')).toBe('Brassard mal ajusté');
    expect(t('flag.questionable')).toBe('Mesure douteuse');
    expect(t('flag.early-estimate')).toBe('Estimation précoce');
  });
});

describe('the device clock', () => {
  it("'set' and 'unknown' say nothing; 'unset' says the time is the time of receipt", () => {
    expect(clockNote(undefined)).toBeUndefined();
    expect(clockNote({ state: 'set', offsetMs: 30_000 })).toBeUndefined();
    expect(clockNote({ state: 'unknown' })).toBeUndefined();
    expect(clockNote({ state: 'skewed' })).toBeUndefined();
    const t = createI18n('fr').t;
    expect(clockNote({ state: 'unset' })).toEqual({ key: 'clock.unset' });
    expect(t('clock.unset')).toBe('Horloge de l’appareil non réglée\u00a0: heure de réception');
  });

  it('a skew in the unit a person says it in, either way, rounded', () => {
    const words = (offsetMs: number, lang: 'fr' | 'en' | 'ar' = 'fr') => {
      const n = clockNote({ state: 'skewed', offsetMs });
      if (!n || n.key === 'clock.unset') throw new Error('no skew');
      return createI18n(lang).t(n.key, { count: n.count });
    };
    expect(words(12 * 60_000 + 20_000)).toBe('Horloge de l’appareil décalée de 12\u00a0min');
    expect(words(-12 * 60_000 - 40_000)).toBe('Horloge de l’appareil décalée de 13\u00a0min');
    expect(words(75_000)).toBe('Horloge de l’appareil décalée de 75\u00a0s');
    expect(words(90_000)).toBe('Horloge de l’appareil décalée de 2\u00a0min');
    expect(words(-3 * 3600_000 - 10 * 60_000)).toBe('Horloge de l’appareil décalée de 3\u00a0h');
    expect(words(400 * 86_400_000)).toBe('Horloge de l’appareil décalée de 400\u00a0jours');
    expect(words(36 * 3600_000)).toBe('Horloge de l’appareil décalée de 2\u00a0jours');
    expect(words(12 * 60_000, 'en')).toBe('Device clock off by 12 min');
    expect(words(2 * 60_000, 'ar')).toBe('ساعة الجهاز منحرفة بمقدار دقيقتين');
  });
});

describe('units and names', () => {
  it('shows the device units as people write them', () => {
    expect(unitText('kPa')).toBe('kPa');
    expect(unitText('[degF]')).toBe('°F');
    expect(unitText('[lb_av]')).toBe('lb');
    expect(unitText('mmol/L')).toBe('mmol/L');
    expect(unitText('mm[Hg]')).toBe('mmHg');
    expect(unitText('Cel')).toBe('°C');
    expect(unitText('x[odd]')).toBe('x[odd]');
    expect(gramsPerLitre(105)).toBeCloseTo(1.05);
  });

  it('names each temperature site (and glucose sample) in every language, French and English as the catalogue does', () => {
    for (const code of TEMPERATURE_CODES.filter((c) => c !== 'MDC_TEMP_BODY')) {
      const names = CATALOGUE.get(code)!.names;
      const site = (s: string) => /\(([^)]+)\)$/.exec(s)![1];
      expect(createI18n('fr').t(`tempSite.${code}`), code).toBe(site(names.fr));
      expect(createI18n('en').t(`tempSite.${code}`), code).toBe(site(names.en));
      expect(flattenKeys(TRANSLATIONS.ar).has(`tempSite.${code}`), code).toBe(true);
    }
    for (const code of GLUCOSE_CODES.filter((c) => c !== 'MDC_CONC_GLU_GEN')) for (const l of LANGUAGES) expect(flattenKeys(TRANSLATIONS[l]).has(`glucoseSample.${code}`), `${l} ${code}`).toBe(true);
  });
});

describe('device status details', () => {
  const t = createI18n('fr').t;
  it('in the doctor’s words, as the kiosk says them, in every language', () => {
    expect(detailText(t, 'alarm-pulse-low')).toEqual({ text: 'alarme du moniteur\u00a0: pouls sous sa limite' });
    expect(detailText(t, 'alarm-silenced').text).toBe('alarme du moniteur mise en silence');
    expect(detailText(t, 'irregular-heartbeat').text).toBe('battements cardiaques irréguliers pendant la mesure');
    expect(detailText(t, 'body-movement').text).toBe('mouvement pendant la mesure');
    expect(detailText(t, 'set-ascii-1').text).toBe('Réglez la sortie série du moniteur sur ASCII 1');
    expect(detailText(t, 'control-solution').text).toBe('solution de contrôle\u00a0: pas une mesure du patient');
    expect(detailText(t, 'demo-data').text).toBe('données de démonstration\u00a0: ignorées');
    expect(detailText(createI18n('en').t, 'alarm-pulse-low').text).toBe('monitor alarm: pulse rate below its limit');
    expect(detailText(createI18n('ar').t, 'body-movement').text).toBe('حركة أثناء القياس');
  });

  it('a numbered detail carries its code; anything unknown is a « détail technique », never raw kebab-case', () => {
    expect(detailText(t, 'device-error-3').text).toBe('erreur de l’appareil (code 3)');
    expect(detailText(t, 'unknown-sample-type-12').text).toBe('type d’échantillon inconnu (code 12)');
    expect(detailText(t, 'some-new-detail')).toEqual({ text: 'Détail technique', raw: 'some-new-detail' });
    expect(detailText(t, 'EIO: read failed')).toEqual({ text: 'Détail technique', raw: 'EIO: read failed' });
  });
});
