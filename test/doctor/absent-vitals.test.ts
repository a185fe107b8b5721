import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { initialCallSnapshot } from '../../src/doctor/call/call-state.ts';
import type { ReceivedObservation } from '../../src/doctor/call/observations.ts';
import { latestVitals } from '../../src/doctor/call/vitals.ts';
import { Vitals } from '../../src/doctor/components/Vitals.tsx';
import { ReportReadings } from '../../src/doctor/components/ReportReadings.tsx';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { pastReportLines } from '../../src/doctor/state/past-report.ts';
import { observationsOf } from '../../src/doctor/state/report-queue.ts';
import type { MdcCode } from '../../src/shared/catalogue.ts';
import type { StoredReportReading } from '../../src/shared/hub-protocol.ts';
import type { Language } from '../../src/shared/language.ts';
import type { AbsentReason } from '../../src/shared/observation.ts';
import { organise } from '../../src/shared/report-readings.ts';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/[ \t\n\u00a0]+/g, ' ').trim();
const T0 = 1_700_000_000_000;
let n = 0;
const reading = (code: MdcCode, v: number | AbsentReason, unit: string, extra: Partial<ReceivedObservation> = {}): ReceivedObservation => ({
  type: 'observation', id: `r${++n}`, deviceId: 'dev', code, ...(typeof v === 'number' ? { value: v } : { absent: v }), unit, t: T0, receivedAt: T0 + 50, ...extra,
});
const render = (observations: ReceivedObservation[], language: Language = 'fr') =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(language) }, createElement(Vitals, { snap: { ...initialCallSnapshot(), observations } })));
const tile = (html: string, key: string) => text(`<x ${html.split(`data-testid="vital-${key}"`)[1]?.split('class="tile card')[0] ?? ''}`);

describe('a device’s special value on the doctor’s console (issue 13)', () => {
  it('the latest word of the thermometer was NRes: the tile says so in words, never a number', () => {
    const obs = [reading('MDC_TEMP_BODY', 37.2, 'Cel', { t: T0 - 60_000 }), reading('MDC_TEMP_BODY', 'nres', 'Cel', { measurementId: 'th-2' })];
    const v = latestVitals(obs).temp!;
    expect(v).toMatchObject({ absent: 'nres', numbers: [], value: '' });
    const html = render(obs);
    expect(html).toMatch(/data-testid="vital-temp-absent" data-absent="nres"/);
    expect(tile(html, 'temp')).toContain('mesure impossible (l’appareil a répondu « NRes »)');
    expect(tile(html, 'temp')).not.toMatch(/37,2|\b0\b/);
    expect(tile(render(obs, 'en'), 'temp')).toContain('no measurement (the device answered “NRes”)');
    expect(tile(render(obs, 'ar'), 'temp')).toContain('تعذّر القياس');
    // A value that came back afterwards is shown again.
    expect(latestVitals([...obs, reading('MDC_TEMP_BODY', 37.4, 'Cel', { t: T0 + 1000 })]).temp).toMatchObject({ value: '37.4', numbers: [37.4] });
    expect(latestVitals([...obs, reading('MDC_TEMP_BODY', 37.4, 'Cel', { t: T0 + 1000 })]).temp?.absent).toBeUndefined();
  });

  it('an oximeter stream’s NaN (the finger left, or the device still searching) does not hide the last SpO2: the tile keeps it with its time', () => {
    const ox = { deviceId: 'ox' };
    const obs = [reading('MDC_PULS_OXIM_SAT_O2', 97, '%', { ...ox, t: T0 }), reading('MDC_PULS_OXIM_SAT_O2', 'nan', '%', { ...ox, t: T0 + 1000 })];
    expect(latestVitals(obs).spo2).toMatchObject({ value: '97', numbers: [97], t: T0 });
    expect(latestVitals(obs).spo2?.absent).toBeUndefined();
    expect(tile(render(obs), 'spo2')).not.toContain('mesure impossible');
    // Searching before any number: no value yet, not « mesure impossible ».
    expect(latestVitals([obs[1]!]).spo2).toBeUndefined();
    // A spot-check that failed (its measurementId) is the latest word.
    expect(latestVitals([...obs, reading('MDC_PULS_OXIM_SAT_O2', 'nres', '%', { ...ox, t: T0 + 2000, measurementId: 'spot-1' })]).spo2).toMatchObject({ absent: 'nres' });
  });

  it('a cuff without a MAP: 128/82 stands, « moyenne non fournie par l’appareil » below; without a systolic: no pressure at all', () => {
    const m = { measurementId: 'm1', deviceId: 'cuff' };
    const noMean = [reading('MDC_PRESS_BLD_NONINV_SYS', 128, 'mm[Hg]', m), reading('MDC_PRESS_BLD_NONINV_DIA', 82, 'mm[Hg]', m), reading('MDC_PRESS_BLD_NONINV_MEAN', 'nan', 'mm[Hg]', m)];
    expect(latestVitals(noMean).bp).toMatchObject({ value: '128/82', numbers: [128, 82], meanAbsent: 'nan' });
    const words = tile(render(noMean), 'bp');
    expect(words).toContain('128/82 mmHg');
    expect(words).toContain('moyenne non fournie par l’appareil');
    const noSys = [reading('MDC_PRESS_BLD_NONINV_SYS', 'positive-infinity', 'mm[Hg]', m), reading('MDC_PRESS_BLD_NONINV_DIA', 82, 'mm[Hg]', m)];
    expect(latestVitals(noSys).bp).toMatchObject({ absent: 'positive-infinity', numbers: [] });
    expect(tile(render(noSys), 'bp')).toContain('mesure impossible (l’appareil a répondu « +INF »)');
    expect(tile(render(noSys), 'bp')).not.toContain('82');
  });

  it('the past report: the row is shown in words, the trends and the minute summaries skip it, a reload keeps the reason', () => {
    const stored: StoredReportReading[] = [
      { id: 's1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: T0, deviceId: 'ox' },
      { id: 's2', code: 'MDC_PULS_OXIM_SAT_O2', absent: 'nan', unit: '%', t: T0 + 1000, deviceId: 'ox' },
      { id: 's3', code: 'MDC_PULS_OXIM_SAT_O2', value: 95, unit: '%', t: T0 + 2000, deviceId: 'ox' },
      { id: 'b1', code: 'MDC_PRESS_BLD_NONINV_SYS', absent: 'nres', unit: 'mm[Hg]', t: T0, deviceId: 'cuff', measurementId: 'm' },
      { id: 'b2', code: 'MDC_PRESS_BLD_NONINV_DIA', value: 80, unit: 'mm[Hg]', t: T0, deviceId: 'cuff', measurementId: 'm' },
    ];
    const o = organise(stored);
    expect(o.spo2.map((p) => p.values)).toEqual([[97], [95]]);
    expect(o.bp).toEqual([]);
    expect(o.continuous[0]!.minutes.map((m) => [m.count, m.min, m.max])).toEqual([[2, 95, 97]]);
    expect(o.spots.map((s) => s.code)).toEqual(['bp', 'MDC_PULS_OXIM_SAT_O2']);
    expect(observationsOf(stored).find((x) => x.id === 's2')).toMatchObject({ absent: 'nan' });
    expect(observationsOf(stored).find((x) => x.id === 's2')).not.toHaveProperty('value');
    const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n('fr') }, createElement(ReportReadings, { lines: pastReportLines(stored) })));
    const rows = html.split('data-testid="past-report-reading"').slice(1).map(text);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('mesure impossible (l’appareil a répondu « NRes »)');
    expect(rows[1]).toContain('mesure impossible (l’appareil a répondu « NaN »)');
    expect(html).toMatch(/data-absent="nan"/);
  });
});
