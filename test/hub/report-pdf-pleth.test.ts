import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReportPdf, type ReportPdfInput } from '../../src/hub/report-pdf/index.ts';
import { curve } from '../../src/hub/report-pdf/pleth.ts';
import type { ConsultationReport } from '../../src/shared/hub-protocol.ts';
import type { PlethExcerpt } from '../../src/shared/visit-devices.ts';

/** The passages of the pleth the doctor kept, in the report document: after the readings, time, duration, a curve. */

const dir = mkdtempSync(join(tmpdir(), 'report-pdf-pleth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function pdftotext(pdf: Uint8Array): string {
  const file = join(dir, `r${files++}.pdf`);
  writeFileSync(file, pdf);
  const r = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' });
  if (r.error) throw new Error('pdftotext is missing: install poppler-utils (scripts/setup.sh does)');
  return r.stdout.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');
}

// 6 December 2026, 14:05 in Paris.
const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const OXI = 'ble-pulse-oximeter@ble:00:A0:50:11:22:33';
const wave = (n: number, phase = 0) => Array.from({ length: n }, (_, i) => Math.round(60 + 40 * Math.sin((i + phase) / 8)));
const first: PlethExcerpt = { deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t: T0, rate: 50, samples: wave(500) };
const kept = (t: number, n: number, phase = 0): PlethExcerpt => ({ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t, rate: 50, samples: wave(n, phase), marked: true });

function report(pleth: PlethExcerpt[]): ConsultationReport {
  return {
    consultationId: 'c-pleth-1',
    cabin: { id: 'cab-1', name: 'Pharmacie du Centre' },
    doctor: { id: 'dr.a', name: 'Dr Anne Martin' },
    createdAt: T0 - 60_000,
    claimedAt: T0,
    endedAt: T0 + 600_000,
    state: 'ended',
    notes: 'Pouls irrégulier vu sur la courbe.',
    readings: [{ id: 'o1', deviceId: OXI, code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: T0 + 60_000, measurementId: 'm1' }],
    incidents: [],
    devices: [{ deviceId: OXI, driver: 'ble-pulse-oximeter', manufacturer: 'Berry', model: 'BM1000C' }],
    pleth,
  };
}
const input = (pleth: PlethExcerpt[], language: 'fr' | 'en' = 'fr'): ReportPdfInput => ({ report: report(pleth), patient: null, language, generatedAt: T0 + 700_000 });

describe('the report PDF’s marked passages', () => {
  it('after the readings, before the notes: each with its time, duration and device; the cabin’s first seconds are not drawn', async () => {
    const text = pdftotext(await renderReportPdf(input([first, kept(T0 + 187_000, 400), kept(T0 + 125_000, 380)])));
    const heading = text.indexOf('Passages du pléthysmogramme marqués par le médecin');
    expect(heading).toBeGreaterThan(text.indexOf('Mesures'));
    expect(heading).toBeLessThan(text.indexOf('Notes et conclusion du médecin'));
    expect(text).toContain('Courbes gardées par le médecin pendant la téléconsultation');
    const a = text.indexOf('14:07:05 — 7,6 s — Berry BM1000C');
    const b = text.indexOf('14:08:07 — 8,0 s — Berry BM1000C');
    expect(a).toBeGreaterThan(heading);
    expect(b).toBeGreaterThan(a);
    expect(text).not.toContain('14:05:00 — 10,0 s');
  });

  it('in French then English for an English-speaking patient; none marked: no section', async () => {
    expect(pdftotext(await renderReportPdf(input([kept(T0 + 60_000, 100)], 'en')))).toContain('Passages du pléthysmogramme marqués par le médecin / Pleth passages marked by the doctor');
    expect(pdftotext(await renderReportPdf(input([first])))).not.toContain('Passages du pléthysmogramme');
  });

  it('draws the curve itself: other samples, other drawing; the same, the same bytes', async () => {
    const a = await renderReportPdf(input([kept(T0 + 60_000, 400)]));
    const same = await renderReportPdf(input([kept(T0 + 60_000, 400)]));
    const other = await renderReportPdf(input([kept(T0 + 60_000, 400, 5)]));
    expect(Buffer.from(same).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(a))).toBe(false);
    expect(pdftotext(other)).toBe(pdftotext(a));
  });

  it('a curve: the highest sample at the top, at most 600 points, a flat one across the middle', () => {
    expect(curve([0, 10, 5], 100, 50)).toEqual([[0, 50], [50, 0], [100, 25]]);
    expect(curve(wave(4000), 100, 50)).toHaveLength(600);
    expect(curve(wave(3999), 100, 50)).toHaveLength(600);
    expect(curve([3, 3, 3], 10, 20).map(([, y]) => y)).toEqual([10, 10, 10]);
    expect(curve([], 10, 10)).toEqual([]);
  });
});
