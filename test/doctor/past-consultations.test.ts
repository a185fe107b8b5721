import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import { PastConsultationsView } from '../../src/doctor/components/PastConsultations.tsx';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import { fetchPastConsultations, type HistoryResult } from '../../src/doctor/hub/history.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import type { PastConsultation } from '../../src/shared/past-consultations.ts';

const render = (result: HistoryResult | undefined, lang: 'fr' | 'en' = 'fr') =>
  renderToStaticMarkup(createElement(I18nextProvider, { i18n: createI18n(lang) }, createElement(PastConsultationsView, { result, download: () => Promise.resolve({ ok: false as const, error: 'server' as const }) })));

const T = Date.UTC(2026, 11, 6, 13, 5);

describe('« Mes consultations » in the console', () => {
  it('lists each ended consultation with its date, cabin, patient (or not identified), FHIR push and downloads', () => {
    const html = render({
      ok: true,
      consultations: [
        { consultationId: 'c2', cabin: { id: 'cab-1', name: 'Névache' }, createdAt: T - 600_000, claimedAt: T - 500_000, endedAt: T, patient: { birthName: 'Dupont', firstNames: ['Marie', 'Louise'], status: 'qualified' }, fhirPush: 'failed' },
        { consultationId: 'c1', cabin: { id: 'cab-2', name: 'Plampinet' }, createdAt: T - 86_400_000, claimedAt: null, endedAt: T - 86_000_000, patient: null, fhirPush: null },
      ],
    });
    expect(html).toContain('Mes consultations');
    expect(html.match(/data-testid="past-item"/g)).toHaveLength(2);
    expect(html).toContain('DUPONT Marie Louise');
    expect(html).toContain('(Identité qualifiée)');
    expect(html).toContain('Patient non identifié');
    expect(html).toContain('Dossier FHIR\u00a0: refusé par le serveur');
    expect(html).toContain('Névache');
    expect(html).toContain('6 décembre 2026');
    expect(html.match(/data-testid="download-pdf"/g)).toHaveLength(2);
    // Without a way to open it (a list shown elsewhere), no « Ouvrir » button.
    expect(html).not.toContain('past-open');
  });

  it('offers to open each report read-only, in the doctor’s language', () => {
    const c: PastConsultation = { consultationId: 'c2', cabin: { id: 'cab-1', name: 'Névache' }, createdAt: T, claimedAt: T, endedAt: T, patient: null, fhirPush: null };
    for (const [lang, word] of [['fr', 'Ouvrir le compte rendu'], ['en', 'Open the report'], ['ar', 'فتح التقرير']] as const) {
      const html = renderToStaticMarkup(
        createElement(I18nextProvider, { i18n: createI18n(lang) }, createElement(PastConsultationsView, { result: { ok: true, consultations: [c] }, download: () => Promise.resolve({ ok: false as const, error: 'server' as const }), open: () => undefined })),
      );
      expect(html).toContain('data-testid="past-open"');
      expect(html).toContain(word);
    }
  });

  it('says when there is none, while loading, and why the list failed', () => {
    expect(render({ ok: true, consultations: [] })).toContain('Aucune consultation terminée pour l’instant.');
    expect(render(undefined)).toContain('Chargement…');
    expect(render({ ok: false, error: 'network' }, 'en')).toContain('The hub does not answer: the list could not be loaded.');
  });

  it('reads the hub’s answer, refusing a malformed one without throwing', async () => {
    const answer = (status: number, body: unknown): FetchLike => () => Promise.resolve({ status, ok: status < 300, headers: { get: () => null }, json: () => Promise.resolve(body) });
    expect(await fetchPastConsultations('tok', answer(200, { consultations: [] }))).toEqual({ ok: true, consultations: [] });
    expect(await fetchPastConsultations('tok', answer(200, { consultations: [{ consultationId: 3 }] }))).toEqual({ ok: false, error: 'server' });
    expect(await fetchPastConsultations('tok', answer(401, {}))).toEqual({ ok: false, error: 'expired' });
    expect(await fetchPastConsultations(undefined, answer(200, {}))).toEqual({ ok: false, error: 'expired' });
    expect(await fetchPastConsultations('tok', () => Promise.reject(new TypeError('fetch failed')))).toEqual({ ok: false, error: 'network' });
  });
});
