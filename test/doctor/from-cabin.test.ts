import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import { latestVitals } from '../../src/doctor/call/vitals.ts';
import { Vitals } from '../../src/doctor/components/Vitals.tsx';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { storedObservations } from '../../src/doctor/state/report-queue.ts';
import type { Language } from '../../src/shared/language.ts';
import { reportOf } from './fixtures/report.ts';

const AT = new Date(2026, 11, 6, 10, 42).getTime();
const report = reportOf({
  readings: [
    { id: 'o1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: 5, deviceId: 'oxi' },
    { id: 'o2', code: 'MDC_TEMP_BODY', value: 37.2, unit: 'Cel', t: 6, deviceId: 'thermo', fromCabinAt: AT },
    { id: 'o3', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 128, unit: 'mm[Hg]', t: 7, deviceId: 'cuff', measurementId: 'm1', fromCabinAt: AT },
    { id: 'o4', code: 'MDC_PRESS_BLD_NONINV_DIA', value: 82, unit: 'mm[Hg]', t: 7, deviceId: 'cuff', measurementId: 'm1', fromCabinAt: AT },
  ],
});
const fetcher: FetchLike = async () => ({ status: 200, ok: true, headers: { get: () => null }, json: async () => report });
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();

describe('readings the cabin delivered itself after the call', () => {
  it('keep their mark when read back from the report, up to the tile', async () => {
    const earlier = (await storedObservations('c1', 'tok', fetcher))!;
    expect(earlier.map((o) => o.fromCabinAt)).toEqual([undefined, AT, AT, AT]);
    const v = latestVitals(earlier);
    expect([v.spo2?.fromCabinAt, v.temp?.fromCabinAt, v.bp?.fromCabinAt]).toEqual([undefined, AT, AT]);
  });

  it('are marked on their tile with the time the cabin sent them; the others are not', async () => {
    const earlier = (await storedObservations('c1', 'tok', fetcher))!;
    const render = (language: Language) =>
      renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(Vitals, { snap: { ...initialCallSnapshot(), earlier } })));
    const fr = render('fr');
    expect(fr).toContain('data-testid="vital-temp-from-cabin"');
    expect(fr).toContain('data-testid="vital-bp-from-cabin"');
    expect(fr).not.toContain('data-testid="vital-spo2-from-cabin"');
    expect(text(fr)).toContain('transmise par la cabine après l’appel, à 10:42');
    expect(text(render('en'))).toContain('sent by the cabin after the call, at 10:42');
  });
});
