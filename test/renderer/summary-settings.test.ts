import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/shared/bridge.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import { visitSummary } from '../../src/renderer/format/summary.ts';
import { createI18n } from '../../src/renderer/i18n/index.ts';

const r = (code: MdcCode, value: number): [string, Reading] => [code, { id: code, deviceId: 'tanita-serial@sim', code, value, unit: '', t: 0, measurementId: 'm1' }];

/**
 * A Tanita sends the height typed on the scale (`Hm`, protocols.md §5.1) and the BMI it works out from it: the
 * visit's summary must not show them as measurements of this visit (the demo's scale sends 175 cm).
 */
describe("the summary: the scale's height and BMI come from its settings", () => {
  const rows = visitSummary(new Map([r('MDC_MASS_BODY_ACTUAL', 72.4), r('MDC_LEN_BODY_ACTUAL', 175), r('MDC_RATIO_MASS_BODY_LEN_SQ', 23.6)]), 'fr');

  it('marks the height and the BMI as from the settings, not the weight', () => {
    expect(rows.map((x) => [x.measure.id, x.measure.fromSettings === true])).toEqual([
      ['weight', false],
      ['height', true],
      ['bmi', true],
    ]);
  });

  it('says so in plain words in fr, en and ar', () => {
    const said = (lang: 'fr' | 'en' | 'ar', id: string) => createI18n(lang).t(`end.setOnScale.${id}`);
    expect(said('fr', 'height')).toBe('réglée sur la balance, pas mesurée');
    expect(said('fr', 'bmi')).toBe('calculé avec la taille réglée sur la balance');
    expect(said('en', 'height')).toBe('set on the scale, not measured');
    for (const lang of ['fr', 'en', 'ar'] as const) for (const row of rows.filter((x) => x.measure.fromSettings)) expect(said(lang, row.measure.id)).not.toContain('setOnScale');
  });
});
