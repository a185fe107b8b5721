import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { curvePoints } from '../../src/doctor/components/PlethExcerpts.tsx';
import type { DownloadResult } from '../../src/doctor/hub/download.ts';
import type { ReportResult } from '../../src/doctor/hub/history.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { PastReportView } from '../../src/doctor/screens/PastReport.tsx';
import type { PastConsultation } from '../../src/shared/past-consultations.ts';
import type { PlethExcerpt } from '../../src/shared/visit-devices.ts';
import { reportOf } from './fixtures/report.ts';

/** The past report lists the pleth excerpts, the doctor's marked passages labelled, each with a small curve. */

const T = Date.UTC(2026, 11, 6, 13, 5, 0);
const OXI = 'ble-pulse-oximeter@ble:00:A0:50:11:22:33';
const wave = (n: number) => Array.from({ length: n }, (_, i) => Math.round(60 + 40 * Math.sin(i / 8)));
const FIRST: PlethExcerpt = { deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t: T, rate: 50, samples: wave(500) };
const KEPT: PlethExcerpt = { deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t: T + 125_000, rate: 50, samples: wave(380), marked: true };
const PAST: PastConsultation = { consultationId: 'c1', cabin: { id: 'k1', name: 'Cabine' }, createdAt: 1, claimedAt: 2, endedAt: T + 600_000, patient: null, fhirPush: null };

const render = (pleth: PlethExcerpt[] | undefined, lang: 'fr' | 'en' | 'ar' = 'fr') =>
  renderToStaticMarkup(
    createElement(
      I18nextProvider,
      { i18n: createI18n(lang) },
      createElement(PastReportView, {
        past: PAST,
        waiting: 0,
        result: { ok: true, report: reportOf({ state: 'ended', endedAt: T + 600_000, ...(pleth ? { pleth } : {}) }) },
        load: () => Promise.resolve<ReportResult>({ ok: false, error: 'server' }),
        download: () => Promise.resolve<DownloadResult>({ ok: false, error: 'server' }),
        onBack: () => undefined,
      }),
    ),
  );
const items = (html: string) => [...html.matchAll(/<li data-testid="past-report-pleth" data-marked="(true|false)">([\s\S]*?)<\/li>/g)].map((m) => ({ marked: m[1], html: m[2]! }));
const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/[ \t\n]+/g, ' ').trim();

describe('the past report’s pleth excerpts', () => {
  it('lists each by time with its duration and curve; the marked one says so', () => {
    const html = render([KEPT, FIRST]);
    expect(html).toContain('Courbes du pléthysmogramme');
    const li = items(html);
    expect(li.map((x) => x.marked)).toEqual(['false', 'true']);
    expect(text(li[0]!.html)).toMatch(/\d\d:\d\d:\d\d — 10\u00a0s — Premières secondes de la connexion$/);
    expect(text(li[1]!.html)).toMatch(/ — 8\u00a0s — Passage marqué par le médecin$/);
    expect(li[1]!.html).toContain(new Date(T + 125_000).toISOString());
    expect(li[1]!.html).toMatch(/<svg[^>]*role="img"[^>]*aria-label="Courbe de [^"]+"/);
    const points = /<polyline points="([^"]+)"/.exec(li[1]!.html)![1]!.split(' ');
    expect(points).toHaveLength(380);
  });

  it('in English and Arabic too; none at all: no section', () => {
    expect(text(items(render([KEPT], 'en'))[0]!.html)).toMatch(/8 s — Passage marked by the doctor$/);
    expect(text(items(render([KEPT], 'ar'))[0]!.html)).toContain('مقطع حدده الطبيب');
    expect(render(undefined)).not.toContain('past-report-pleths');
  });

  it('a curve: the highest sample at the top, at most 400 points, a flat one across the middle', () => {
    const p = curvePoints([0, 10, 5]).split(' ').map((xy) => xy.split(',').map(Number));
    expect(p).toEqual([[0, 58], [200, 2], [400, 30]]);
    expect(curvePoints(wave(4000)).split(' ')).toHaveLength(400);
    expect(curvePoints(wave(3999)).split(' ')).toHaveLength(400);
    expect(curvePoints([7, 7])).toBe('0.0,30.0 400.0,30.0');
    expect(curvePoints([])).toBe('');
  });
});
