import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReportPdf, type ReportPdfInput } from '../../src/hub/report-pdf/index.ts';
import type { ConsultationReport, StoredReportReading } from '../../src/shared/hub-protocol.ts';

/** The report document with a device's special values (issue 13), read back with poppler's pdftotext. */

const dir = mkdtempSync(join(tmpdir(), 'report-pdf-absent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
/** The text in reading order, all whitespace (the non-breaking spaces too) one space. */
function textOf(pdf: Uint8Array): string {
  const file = join(dir, `r${files++}.pdf`);
  writeFileSync(file, pdf);
  const r = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error('pdftotext is missing: install poppler-utils (scripts/setup.sh does)');
  expect(r.status).toBe(0);
  return r.stdout.replace(/[\s\u00a0\u202f]+/g, ' ');
}

const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const CUFF = 'ble-blood-pressure:AA:BB:CC:00:11:22';
const THERMO = 'ble-thermometer:AA:BB:CC:DD:EE:FF';
const OXI = 'ble-pulse-oximeter:11:22:33:44:55:66';
const readings: StoredReportReading[] = [
  { id: 'sys', code: 'MDC_PRESS_BLD_NONINV_SYS', value: 128, unit: 'mm[Hg]', t: T0 + 60_000, deviceId: CUFF, measurementId: 'bp1' },
  { id: 'dia', code: 'MDC_PRESS_BLD_NONINV_DIA', value: 82, unit: 'mm[Hg]', t: T0 + 60_000, deviceId: CUFF, measurementId: 'bp1' },
  { id: 'map', code: 'MDC_PRESS_BLD_NONINV_MEAN', absent: 'nan', unit: 'mm[Hg]', t: T0 + 60_000, deviceId: CUFF, measurementId: 'bp1' },
  { id: 'temp', code: 'MDC_TEMP_BODY', absent: 'nres', unit: 'Cel', t: T0 + 120_000, deviceId: THERMO, measurementId: 'th1' },
  { id: 'ox1', code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%', t: T0 + 180_000, deviceId: OXI },
  { id: 'ox2', code: 'MDC_PULS_OXIM_SAT_O2', absent: 'positive-infinity', unit: '%', t: T0 + 181_000, deviceId: OXI },
];
const report: ConsultationReport = {
  consultationId: 'c-absent',
  cabin: { id: 'cab-1', name: 'Pharmacie du Centre' },
  doctor: { id: 'dr.a', name: 'Dr Anne Martin' },
  createdAt: T0 - 60_000,
  claimedAt: T0,
  endedAt: T0 + 10 * 60_000,
  state: 'ended',
  notes: '',
  readings,
  incidents: [],
};
const input = (language: ReportPdfInput['language']): ReportPdfInput => ({ report, patient: null, language, bundleHash: 'a'.repeat(64), generatedAt: T0 + 11 * 60_000 });

describe('the report PDF with readings the device gave without a number', () => {
  it('French: the mean and the temperature in words, never a number', async () => {
    const text = textOf(await renderReportPdf(input('fr')));
    expect(text).toContain('128/82 mmHg (moyenne : non fournie par l’appareil)');
    expect(text).toContain('mesure impossible (l’appareil a répondu « NRes »)');
    expect(text).toContain('mesure impossible (l’appareil a répondu « +INF »)');
    expect(text).not.toMatch(/NaN mmHg|0 °C|NRes °C/);
  });

  it('a kPa cuff without a MAP: its own values still said beside the converted ones', async () => {
    const kpa = (id: string, code: StoredReportReading['code'], value: number, shown: number): StoredReportReading => ({
      id, code, value, unit: 'mm[Hg]', t: T0 + 60_000, deviceId: CUFF, measurementId: 'bp2', reported: { value: shown, unit: 'kPa', decimals: 1 },
    });
    const cuff: StoredReportReading[] = [
      kpa('s2', 'MDC_PRESS_BLD_NONINV_SYS', 128, 17.1),
      kpa('d2', 'MDC_PRESS_BLD_NONINV_DIA', 82, 10.9),
      { id: 'm2', code: 'MDC_PRESS_BLD_NONINV_MEAN', absent: 'nan', unit: 'mm[Hg]', t: T0 + 60_000, deviceId: CUFF, measurementId: 'bp2' },
    ];
    const text = textOf(await renderReportPdf({ ...input('fr'), report: { ...report, readings: cuff } }));
    expect(text).toContain('128/82 mmHg (moyenne : non fournie par l’appareil)');
    expect(text).toContain('17,1/10,9 kPa sur l’appareil');
  });

  it('French then English for a patient who reads English', async () => {
    const text = textOf(await renderReportPdf(input('en')));
    expect(text).toContain('mesure impossible (l’appareil a répondu « NRes ») / no measurement (the device answered “NRes”)');
    expect(text).toContain('moyenne : non fournie par l’appareil / mean: not given by the device');
  });
});
