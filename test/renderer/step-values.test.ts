import { describe, expect, it } from 'vitest';
import type { DeviceView, Reading } from '../../src/shared/bridge.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import { MAIN_MEASURE, measureState, readingIds, stepSignal, stepValues } from '../../src/renderer/exam/step-values.ts';
import { STEP_ORDER, withOtoscope } from '../../src/renderer/exam/steps.ts';
import { keepStep } from '../../src/renderer/exam/flow.ts';
import { visitSummary } from '../../src/renderer/format/summary.ts';
import { CATEGORIES } from '../../src/renderer/format/measures.ts';

let n = 0;
const r = (code: MdcCode, value: number, deviceId: string, measurementId?: string): Reading => ({
  id: `r${++n}`,
  deviceId,
  code,
  value,
  unit: 'x',
  t: 1_700_000_000_000 + n,
  ...(measurementId ? { measurementId } : {}),
});
const map = (...rs: Reading[]) => new Map(rs.map((x) => [x.code, x]));
const device = (id: string, category: string, status?: DeviceView['status']): DeviceView => ({
  id, driver: id, name: id, category, transport: 'simulated', path: id, reason: 'simulated', commands: [], link: 'connected', ...(status ? { status } : {}),
});

describe('one value per step', () => {
  it('every step has one main value, and it is one of its measures', () => {
    for (const c of CATEGORIES) expect(stepValues(c, new Map(), 'd', 'fr').main.measure.id).toBe(MAIN_MEASURE[c]);
  });

  it('the oximeter shows SpO₂ as its value and the pulse small, only once it came', () => {
    const before = stepValues('oximeter', map(r('MDC_PULS_OXIM_SAT_O2', 97, 'ox')), 'ox', 'fr');
    expect(before.main).toMatchObject({ measure: { id: 'spo2' }, text: '97' });
    expect(before.minor).toEqual([]);
    const after = stepValues('oximeter', map(r('MDC_PULS_OXIM_SAT_O2', 97, 'ox'), r('MDC_PULS_OXIM_PULS_RATE', 72, 'ox')), 'ox', 'fr');
    expect(after.minor.map((v) => [v.measure.id, v.text])).toEqual([['pulse', '72']]);
  });

  it("another device's value is not this step's (a dash, not someone else's number)", () => {
    const v = stepValues('oximeter', map(r('MDC_PULS_OXIM_SAT_O2', 97, 'other')), 'ox', 'fr');
    expect(v.main.text).toBeUndefined();
  });

  it('the scale shows the weight, and height and BMI only when it sent them', () => {
    const v = stepValues('scale', map(r('MDC_MASS_BODY_ACTUAL', 71.5, 'sc', 'm1')), 'sc', 'fr');
    expect([v.main.measure.id, v.main.text, v.minor.length]).toEqual(['weight', '71,5', 0]);
    // The height set on the scale and the BMI it computes wait for the summary: one number on the scale's step.
    const all = stepValues('scale', map(r('MDC_MASS_BODY_ACTUAL', 71.5, 'sc', 'm1'), r('MDC_LEN_BODY_ACTUAL', 175, 'sc', 'm1'), r('MDC_RATIO_MASS_BODY_LEN_SQ', 23.3, 'sc', 'm1')), 'sc', 'fr');
    expect([all.main.text, all.minor]).toEqual(['71,5', []]);
  });
});

describe('"Mesure réussie" only for a measurement taken here', () => {
  it('a cuff measurement that arrived while the step was open is taken', () => {
    const open = map();
    const before = readingIds(open);
    const now = map(r('MDC_PRESS_BLD_NONINV_SYS', 128, 'bp', 'm1'), r('MDC_PRESS_BLD_NONINV_DIA', 82, 'bp', 'm1'));
    expect(measureState('blood-pressure', now, 'bp', before)).toBe('taken');
    expect(stepSignal(device('bp', 'blood-pressure', 'ok'), 'taken').signal).toBe('done');
  });

  it('a value left from before the step opened is not', () => {
    const old = map(r('MDC_TEMP_BODY', 36.8, 'th', 'm1'));
    expect(measureState('thermometer', old, 'th', readingIds(old))).toBe('none');
    expect(stepSignal(device('th', 'thermometer', 'ok'), 'none').signal).toBe('ready');
  });

  it('half a measurement (systolic only) is not', () => {
    expect(measureState('blood-pressure', map(r('MDC_PRESS_BLD_NONINV_SYS', 128, 'bp', 'm1')), 'bp', new Set())).toBe('none');
  });

  it('an oximeter that only streams is measuring, never "done"', () => {
    const live = map(r('MDC_PULS_OXIM_SAT_O2', 97, 'ox'));
    expect(measureState('oximeter', live, 'ox', new Set())).toBe('live');
    expect(stepSignal(device('ox', 'oximeter', 'ok'), 'live')).toEqual({ signal: 'measuring', tone: 'ok' });
    // A finger out of the clip still says so.
    expect(stepSignal(device('ox', 'oximeter', 'probe-off'), 'live').signal).toBe('finger-out');
  });

  it("another device's measurement is not this step's", () => {
    expect(measureState('thermometer', map(r('MDC_TEMP_BODY', 36.8, 'other', 'm1')), 'th', new Set())).toBe('none');
  });
});

describe('the summary: one pulse, saying which device', () => {
  const both = map(
    r('MDC_PULS_OXIM_SAT_O2', 97, 'ox'),
    r('MDC_PULS_OXIM_PULS_RATE', 72, 'ox'),
    r('MDC_PRESS_BLD_NONINV_SYS', 128, 'bp', 'm1'),
    r('MDC_PRESS_BLD_NONINV_DIA', 82, 'bp', 'm1'),
    r('MDC_PULS_RATE_NON_INV', 75, 'bp', 'm1'),
  );

  it('both the oximeter and the cuff gave a pulse: the oximeter’s only, marked as from the oximeter', () => {
    const rows = visitSummary(both, 'fr');
    expect(rows.map((x) => x.measure.id)).toEqual(['spo2', 'pulse', 'bp']);
    expect(rows.filter((x) => x.from)).toEqual([expect.objectContaining({ text: '72', from: 'oximeter' })]);
  });

  it('only the cuff gave one: the cuff’s, marked as from the cuff', () => {
    const rows = visitSummary(map(r('MDC_PRESS_BLD_NONINV_SYS', 128, 'bp', 'm1'), r('MDC_PRESS_BLD_NONINV_DIA', 82, 'bp', 'm1'), r('MDC_PULS_RATE_NON_INV', 75, 'bp', 'm1')), 'fr');
    expect(rows.map((x) => [x.measure.id, x.text, x.from])).toEqual([
      ['bp', '128/82', undefined],
      ['bp-pulse', '75', 'blood-pressure'],
    ]);
  });

  it('no pulse at all: no pulse row', () => {
    expect(visitSummary(map(r('MDC_TEMP_BODY', 36.8, 'th', 'm1')), 'fr').map((x) => x.measure.id)).toEqual(['temperature']);
  });
});

describe('the otoscope step', () => {
  it('comes last, and only when the cabin has an otoscope', () => {
    expect(withOtoscope([], false)).toEqual([]);
    expect(withOtoscope([], true)).toEqual([{ category: 'otoscope' }]);
    expect(STEP_ORDER.at(-1)).toBe('otoscope');
  });

  it('unplugging the otoscope while on its step moves to the last step before it', () => {
    expect(keepStep('otoscope', ['oximeter', 'scale'])).toBe('scale');
  });
});

describe('a device’s special value on the kiosk (issue 13)', () => {
  const absent = (code: MdcCode, deviceId: string, measurementId?: string): Reading => {
    const { value: _, ...x } = r(code, 0, deviceId, measurementId);
    return { ...x, absent: 'nres' };
  };

  it('the thermometer answered NRes: « Pas de valeur », never a number, never « Mesure réussie », nothing in the summary', async () => {
    const readings = map(absent('MDC_TEMP_BODY', 'th', 'm1'));
    const v = stepValues('thermometer', readings, 'th', 'fr');
    expect(v.main).toMatchObject({ measure: { id: 'temperature' }, absent: true });
    expect(v.main.text).toBeUndefined();
    expect(measureState('thermometer', readings, 'th', new Set())).toBe('none');
    expect(visitSummary(readings, 'fr')).toEqual([]);
    // A value taken again afterwards is the step's value, and taken.
    const again = map(r('MDC_TEMP_BODY', 37.2, 'th', 'm2'));
    expect(stepValues('thermometer', again, 'th', 'fr').main).toMatchObject({ text: '37,2' });
    expect(stepValues('thermometer', again, 'th', 'fr').main.absent).toBeUndefined();
    expect(measureState('thermometer', again, 'th', new Set())).toBe('taken');
    // The card says it in words in the patient's language.
    const { createElement } = await import('react');
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { I18nextProvider } = await import('react-i18next');
    const { createI18n } = await import('../../src/renderer/i18n/index.ts');
    const { ValueCard } = await import('../../src/renderer/components/ValueCard.tsx');
    for (const [lang, words] of [['fr', 'Pas de valeur'], ['en', 'No value'], ['ar', 'لا قيمة']] as const) {
      const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(lang) }, createElement(ValueCard, { measure: v.main.measure, text: v.main.text, absent: true })));
      expect(html).toContain(words);
      expect(html).toContain('data-absent="true"');
    }
  });

  it('a cuff without a systolic number shows no pressure (not half of one)', () => {
    const readings = map(absent('MDC_PRESS_BLD_NONINV_SYS', 'bp', 'm'), r('MDC_PRESS_BLD_NONINV_DIA', 80, 'bp', 'm'));
    const v = stepValues('blood-pressure', readings, 'bp', 'fr');
    expect(v.main.text).toBeUndefined();
    expect(v.main.absent).toBe(true);
    expect(measureState('blood-pressure', readings, 'bp', new Set())).toBe('none');
  });
});
