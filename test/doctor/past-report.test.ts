import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider } from 'react-i18next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import type { DownloadResult } from '../../src/doctor/hub/download.ts';
import { fetchConsultationReport, type ReportResult } from '../../src/doctor/hub/history.ts';
import { httpFailure } from '../../src/doctor/hub/http-failure.ts';
import { createI18n } from '../../src/doctor/i18n/index.ts';
import { PastReportView } from '../../src/doctor/screens/PastReport.tsx';
import { pastReportLines, vitalKeyOf } from '../../src/doctor/state/past-report.ts';
import type { ConsultationReport, StoredReportReading } from '../../src/shared/hub-protocol.ts';
import type { PastConsultation } from '../../src/shared/past-consultations.ts';
import { CHLOE } from '../helpers/patients.ts';
import { activeConsultation, doctorToken, startHub, type TestHub } from '../hub/helpers.ts';
import { reportOf } from './fixtures/report.ts';

const T = Date.UTC(2026, 11, 6, 13, 5, 0);
const CUFF = 'omron-hem7080it@usb-1';
const OXI = 'contec-cms50-v7@/dev/ttyUSB0';

/** A cuff measurement (SYS/DIA/MEAN, one id), a thermometer reading, and 90 s of oximetry (no measurement id). */
const READINGS: StoredReportReading[] = [
  { id: 'b1', deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_SYS', value: 142, unit: 'mm[Hg]', t: T + 30_000, measurementId: 'm1', flags: ['irregular-pulse'] },
  { id: 'b2', deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_DIA', value: 88, unit: 'mm[Hg]', t: T + 30_000, measurementId: 'm1' },
  { id: 'b3', deviceId: CUFF, code: 'MDC_PRESS_BLD_NONINV_MEAN', value: 106, unit: 'mm[Hg]', t: T + 30_000, measurementId: 'm1' },
  { id: 't1', deviceId: 'thermo@1', code: 'MDC_TEMP_BODY', value: 37.6, decimals: 2, unit: 'Cel', t: T + 60_000, measurementId: 'm2', deviceClock: { state: 'unset' } },
  { id: 'h1', deviceId: 'scale@1', code: 'MDC_LEN_BODY_ACTUAL', value: 172, unit: 'cm', t: T + 70_000, measurementId: 'm3' },
  ...Array.from({ length: 90 }, (_, i): StoredReportReading => ({ id: `s${i}`, deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 95 + (i % 4), unit: '%', t: T + i * 1000 })),
];

const REPORT: ConsultationReport = reportOf({
  consultationId: 'c9',
  cabin: { id: 'cab-1', name: 'Névache' },
  doctor: { id: 'dr.a', name: 'Dr Alice Aubert' },
  createdAt: T - 120_000,
  claimedAt: T - 60_000,
  endedAt: T + 17 * 60_000,
  state: 'ended',
  notes: 'Auscultation normale.\nContrôle tensionnel dans 15 jours.',
  readings: READINGS,
  incidents: [{ t: T + 5000, side: 'cabin', detail: 'kiosk reload: new connection' }],
  patient: CHLOE,
});

const PAST: PastConsultation = { consultationId: 'c9', cabin: REPORT.cabin, createdAt: REPORT.createdAt, claimedAt: REPORT.claimedAt, endedAt: REPORT.endedAt, patient: { birthName: 'Martin', firstNames: ['Chloé', 'Marie'], status: 'qualified' }, fhirPush: 'done' };

const render = (result: ReportResult | undefined, lang: 'fr' | 'en' | 'ar' = 'fr', waiting = 0) =>
  renderToStaticMarkup(
    createElement(
      I18nextProvider,
      { i18n: createI18n(lang) },
      createElement(PastReportView, { past: PAST, waiting, result, load: () => Promise.resolve<ReportResult>({ ok: false, error: 'server' }), download: () => Promise.resolve<DownloadResult>({ ok: false, error: 'server' }), onBack: () => undefined }),
    ),
  );
/** The words shown: inline tags (a value's <strong>) join their text, the others part it. */
const text = (html: string) => html.replace(/<\/?(strong|span|time)\b[^>]*>/g, '').replace(/<[^>]+>/g, ' ').replace(/[ \t\n]+/g, ' ');

describe('the hub’s statuses, one mapping for every fetch helper', () => {
  it('names the failures a helper tells apart, renames what it reads as another, and calls the rest a server problem', () => {
    expect(httpFailure(401, ['expired', 'forbidden', 'not-found'])).toBe('expired');
    expect(httpFailure(403, ['expired', 'forbidden', 'not-found'])).toBe('forbidden');
    expect(httpFailure(404, ['expired', 'forbidden', 'not-found'])).toBe('not-found');
    expect(httpFailure(400, ['expired', 'forbidden', 'not-found'])).toBe('server');
    expect(httpFailure(400, ['invalid'])).toBe('invalid');
    expect(httpFailure(429, ['too-many'])).toBe('too-many');
    expect(httpFailure(403, ['expired'], { forbidden: 'expired' })).toBe('expired');
    for (const s of [418, 500, 502, 503]) expect(httpFailure(s, ['expired', 'forbidden', 'not-found', 'invalid', 'too-many'])).toBe('server');
  });
});

describe('a past report’s readings, grouped as the report PDF groups them', () => {
  it('one line per spot measurement (the cuff’s three on one, read as its tile), the oximeter per minute', () => {
    const lines = pastReportLines(READINGS);
    expect(lines.spots.map((s) => [s.code, s.vital?.key, s.vital?.value ?? s.reading.value])).toEqual([
      ['bp', 'bp', '142/88'],
      ['MDC_TEMP_BODY', 'temp', '37.6'],
      ['MDC_LEN_BODY_ACTUAL', undefined, 172],
    ]);
    expect(lines.spots[0]!.vital).toMatchObject({ numbers: [142, 88, 106], flags: ['irregular-pulse'] });
    expect(lines.streams.map((s) => [s.key, s.count, s.min, s.max])).toEqual([
      ['spo2', 60, 95, 98],
      ['spo2', 30, 95, 98],
    ]);
    expect(vitalKeyOf('MDC_PULS_RATE_NON_INV', '/min')).toBe('pulse');
    expect(vitalKeyOf('MDC_BODY_FAT', '%')).toBeUndefined();
    expect(pastReportLines([])).toEqual({ spots: [], streams: [] });
  });
});

describe('a past report, read-only in the console', () => {
  it('shows the consultation, the patient and their status, every reading with its time and device, notes, incidents, the FHIR push and the downloads', () => {
    const html = render({ ok: true, report: REPORT });
    const words = text(html);
    expect(words).toContain('Compte rendu du dimanche 6 décembre 2026');
    expect(words).toContain('lecture seule');
    expect(words).toContain('Névache');
    expect(words).toContain('Dr Alice Aubert');
    expect(words).toMatch(/demande \d\d:\d\d · début \d\d:\d\d · fin \d\d:\d\d/);
    expect(words).toContain('18\u00a0min');
    expect(words).toContain('Dossier FHIR envoyé au serveur');
    expect(html).toContain('data-testid="patient-filed"');
    expect(words).toContain('Identité qualifiée');
    expect(words).toContain('Martin');
    expect(words).toContain('12 mars 1992');
    // Readings as the tiles write them, each with its time and device.
    expect(words).toContain('Mesures (95)');
    expect(words).toContain('142/88\u00a0mmHg · moyenne 106');
    expect(words).toContain('⚠ Pouls irrégulier');
    expect(words).toContain('37,60\u00a0°C');
    expect(words).toContain('Horloge de l’appareil non réglée');
    expect(words).toContain('Taille');
    expect(words).toContain('172\u00a0cm');
    expect(words).toContain('95 – 98\u00a0% (médiane 97) · 60 mesures');
    expect(html.match(/data-testid="past-report-reading"/g)).toHaveLength(3);
    expect(html.match(/data-testid="past-report-stream"/g)).toHaveLength(2);
    for (const d of [CUFF, 'thermo@1', OXI]) expect(html).toContain(d);
    expect(html).toMatch(/<time dateTime="2026-12-06T13:05:30.000Z">\d\d:\d\d:\d\d<\/time>/);
    // Notes kept as written (lines), incidents with their time and side.
    expect(html).toContain('Auscultation normale.\nContrôle tensionnel dans 15 jours.');
    expect(words).toContain('Cabine kiosk reload: new connection');
    expect(html).toContain('data-testid="download-pdf"');
    expect(html).toContain('data-testid="download-fhir"');
    expect(html).toContain('data-testid="past-report-back"');
    // Nothing to type in, nothing to save.
    expect(html).not.toMatch(/<(input|textarea|select)\b/);
    expect(html).not.toContain('patient-edit');
    expect(html).not.toContain('end-consultation');
  });

  it('says who waits beside the way back, and reads in English and Arabic', () => {
    expect(text(render({ ok: true, report: REPORT }, 'fr', 2))).toContain('2 patients en attente');
    expect(render({ ok: true, report: REPORT }, 'fr', 0)).not.toContain('past-report-waiting');
    const en = text(render({ ok: true, report: { ...REPORT, patient: null, notes: '', incidents: [] } }, 'en'));
    expect(en).toContain('Back to the queue');
    expect(en).toContain('Patient not identified');
    expect(en).toContain('No notes.');
    expect(en).toContain('No incident.');
    const ar = text(render({ ok: true, report: REPORT }, 'ar', 1));
    expect(ar).toContain('العودة إلى قائمة الانتظار');
    expect(ar).toContain('مريض واحد في الانتظار');
  });

  it('says why it could not be read, and shows nothing of a report then', () => {
    expect(text(render(undefined))).toContain('Lecture du compte rendu…');
    const html = render({ ok: false, error: 'forbidden' });
    expect(text(html)).toContain('Cette consultation ne vous est pas attribuée\u00a0: seul le médecin qui l’a menée peut lire son compte rendu.');
    expect(html).not.toContain('past-report-readings');
    expect(html).not.toContain('download-pdf');
    expect(text(render({ ok: false, error: 'network' }, 'en'))).toContain('The hub does not answer: the report could not be read.');
  });
});

describe('a past report from the real hub', () => {
  let t: TestHub;
  let id: string;
  let sockets: { close(): void }[] = [];
  beforeAll(async () => {
    t = await startHub();
    const c = await activeConsultation(t, 'cab-1', 'dr.a');
    id = c.id;
    sockets = [c.cabin, c.doc];
    c.doc.send({ type: 'end', ref: 'e', consultationId: id, notes: 'RAS', readings: [{ id: 'r1', deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: Date.now(), measurementId: 'x' }] });
    await c.doc.next('ended', (m) => m.ref === 'e');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t.close();
  });

  const onHub: FetchLike = (url, init) => fetch(`${t.hub.url}${url}`, init);

  it('gives its doctor the report; another doctor is refused and the console says so', async () => {
    const mine = await fetchConsultationReport(id, await doctorToken(t, 'dr.a'), onHub);
    expect(mine.ok && mine.report).toMatchObject({ consultationId: id, state: 'ended', notes: 'RAS', readings: [{ id: 'r1', value: 97 }] });
    const theirs = await fetchConsultationReport(id, await doctorToken(t, 'dr.b'), onHub);
    expect(theirs).toEqual({ ok: false, error: 'forbidden' });
    const html = render(theirs);
    expect(html).toContain('data-error="forbidden"');
    expect(text(html)).toContain('Cette consultation ne vous est pas attribuée');
    expect(html).not.toContain('RAS');
  });

  it('never throws: no token, an unknown consultation, a bad token, a strange answer, no hub', async () => {
    expect(await fetchConsultationReport(id, undefined, onHub)).toEqual({ ok: false, error: 'expired' });
    expect(await fetchConsultationReport(id, 'not-a-token', onHub)).toEqual({ ok: false, error: 'expired' });
    expect(await fetchConsultationReport('nope', await doctorToken(t, 'dr.a'), onHub)).toEqual({ ok: false, error: 'not-found' });
    const strange: FetchLike = () => Promise.resolve({ status: 200, ok: true, headers: { get: () => null }, json: () => Promise.resolve({ consultationId: 3 }) });
    expect(await fetchConsultationReport(id, 'x', strange)).toEqual({ ok: false, error: 'server' });
    expect(await fetchConsultationReport(id, 'x', () => Promise.reject(new TypeError('fetch failed')))).toEqual({ ok: false, error: 'network' });
  });
});
