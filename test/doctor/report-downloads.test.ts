import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportDownloadsWith } from '../../src/doctor/components/ReportDownloads.tsx';
import { fetchExport, type BlobFetch, type DownloadResult } from '../../src/doctor/hub/download.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { activeConsultation, doctorToken, startHub, type TestHub } from '../hub/helpers.ts';

let t: TestHub;
let id: string;
let sockets: { close(): void }[] = [];
beforeAll(async () => {
  t = await startHub();
  const c = await activeConsultation(t, 'cab-1', 'dr.a');
  id = c.id;
  sockets = [c.cabin, c.doc];
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.close();
});

/** The browser's fetch on the test hub (the console's calls are same-origin paths). */
const onHub: BlobFetch = (url, init) => fetch(`${t.hub.url}${url}`, init);

describe('the console’s report downloads (PDF and FHIR)', () => {
  it('fetches the report PDF and the Bundle with the doctor’s token, named after the consultation', async () => {
    const token = await doctorToken(t, 'dr.a');
    const pdf = await fetchExport(id, 'pdf', token, onHub);
    expect(pdf.ok).toBe(true);
    if (!pdf.ok) return;
    expect(pdf.filename).toBe(`consultation-${id}.pdf`);
    expect(Buffer.from(await pdf.blob.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const fhir = await fetchExport(id, 'fhir', token, onHub);
    expect(fhir.ok && fhir.filename).toBe(`consultation-${id}.fhir.json`);
    if (fhir.ok) expect(JSON.parse(await fhir.blob.text())).toMatchObject({ resourceType: 'Bundle' });
  });

  it('says why it failed, never throws: another doctor, no token, an unknown consultation, no hub', async () => {
    expect(await fetchExport(id, 'pdf', await doctorToken(t, 'dr.b'), onHub)).toEqual({ ok: false, error: 'forbidden' });
    expect(await fetchExport(id, 'pdf', undefined, onHub)).toEqual({ ok: false, error: 'expired' });
    expect(await fetchExport(id, 'fhir', 'not-a-token', onHub)).toEqual({ ok: false, error: 'expired' });
    expect(await fetchExport('nope', 'fhir', await doctorToken(t, 'dr.a'), onHub)).toEqual({ ok: false, error: 'not-found' });
    const down: BlobFetch = () => Promise.reject(new TypeError('fetch failed'));
    expect(await fetchExport(id, 'fhir', 'x', down)).toEqual({ ok: false, error: 'network' });
  });

  it('shows two labelled buttons in the doctor’s language', async () => {
    for (const [lang, words] of [
      ['fr', ['Télécharger le compte rendu (PDF)', 'Télécharger le dossier FHIR']],
      ['en', ['Download the report (PDF)', 'Download the FHIR record']],
    ] as const) {
      const i18n = createI18n(lang);
      const html = renderToStaticMarkup(createElement(I18nextProvider, { i18n }, createElement(ReportDownloadsWith, { consultationId: id, download: () => Promise.resolve<DownloadResult>({ ok: false, error: 'server' }) })));
      for (const w of words) expect(html).toContain(w);
      expect(html).toContain('data-testid="download-pdf"');
      expect(html).not.toContain('download-error');
    }
  });
});
