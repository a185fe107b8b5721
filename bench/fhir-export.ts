import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { consultationBundle } from '../src/hub/fhir/bundle.ts';
import { WorkerExporter } from '../src/hub/fhir/exporter.ts';
import type { HubStore } from '../src/hub/store.ts';
import { fhirJson } from '../src/hub/fhir/json.ts';
import { loadFhirDefinitions, validateBundle } from '../src/hub/fhir/validate.ts';
import type { ConsultationReport, StoredReportReading } from '../src/shared/hub-protocol.ts';
import type { MediaSource } from '../src/hub/fhir/media.ts';
import { MAX_PICTURE_BYTES } from '../src/shared/picture-limits.ts';
import { png } from '../test/helpers/png.ts';
import { machineLoad } from './call.ts';
import { printTable, writeResult } from './report.ts';

/**
 * Issue 13's benchmark: the FHIR export of a 30-minute consultation with continuous oximetry (SpO2, pulse and
 * perfusion index once a second, as the cabin's oximeters are repeated: 5,400 readings), plus a cuff, a thermometer
 * and a scale: building the Bundle, writing its JSON, and validating every resource (Medplum base R4).
 */
function consultation(minutes: number): ConsultationReport {
  const t0 = Date.UTC(2026, 11, 6, 13, 0, 0);
  const readings: StoredReportReading[] = [];
  const ox = 'contec-cms50-v7@/dev/ttyUSB0';
  for (let s = 0; s < minutes * 60; s++) {
    const t = t0 + s * 1000;
    readings.push({ id: `s${s}`, deviceId: ox, code: 'MDC_PULS_OXIM_SAT_O2', value: 95 + (s % 4), unit: '%', t });
    readings.push({ id: `p${s}`, deviceId: ox, code: 'MDC_PULS_OXIM_PULS_RATE', value: 60 + (s % 30), unit: '/min', t });
    readings.push({ id: `i${s}`, deviceId: ox, code: 'MDC_PULS_OXIM_PERF_REL', value: 1.5 + (s % 10) / 10, unit: '%', t, decimals: 1 });
  }
  const cuff = 'ble-blood-pressure@ble:00:E5:DE:AD:77:C3';
  for (let m = 0; m < 3; m++) {
    const t = t0 + m * 600_000 + 60_000;
    readings.push({ id: `bs${m}`, deviceId: cuff, code: 'MDC_PRESS_BLD_NONINV_SYS', value: 130 + m, unit: 'mm[Hg]', t, measurementId: `bp${m}` });
    readings.push({ id: `bd${m}`, deviceId: cuff, code: 'MDC_PRESS_BLD_NONINV_DIA', value: 80 + m, unit: 'mm[Hg]', t, measurementId: `bp${m}` });
    readings.push({ id: `bp${m}`, deviceId: cuff, code: 'MDC_PULS_RATE_NON_INV', value: 70 + m, unit: '/min', t, measurementId: `bp${m}` });
  }
  readings.push({ id: 'th', deviceId: 'ble-thermometer@ble:A4:C1:38:01:02:03', code: 'MDC_TEMP_EAR', value: 37.6, unit: 'Cel', t: t0 + 900_000, measurementId: 'th', decimals: 2 });
  readings.push({ id: 'kg', deviceId: 'tanita-serial@/dev/ttyUSB1', code: 'MDC_MASS_BODY_ACTUAL', value: 72.4, unit: 'kg', t: t0 + 1_000_000, measurementId: 'kg', decimals: 1 });
  return {
    consultationId: 'bench-1', cabin: { id: 'cab-1', name: 'Névache' }, doctor: { id: 'dr-a', name: 'Dr Martin' },
    createdAt: t0 - 60_000, claimedAt: t0, endedAt: t0 + minutes * 60_000, state: 'ended', notes: 'Bench.', readings, incidents: [],
  };
}

/**
 * `count` otoscope pictures of the largest size the hub keeps (MAX_PICTURE_BYTES, 20 at most: src/hub/store/media.ts)
 * with a camera's weight: PNGs of random pixels, which no compression shrinks.
 */
function pictures(count: number, t0: number): MediaSource[] {
  // Rows of 3 bytes a pixel plus a filter byte, and the PNG's chunks: a square that stays under the limit.
  const side = Math.floor(Math.sqrt((MAX_PICTURE_BYTES - 1024) / 3)) - 1;
  return Array.from({ length: count }, (_, i) => {
    const bytes = png(side, side, i, true);
    return { mediaId: `m${i}`, kind: 'otoscope', mime: 'image/png' as const, t: t0 + i * 30_000, bytes, sha1: createHash('sha1').update(bytes).digest('base64') };
  });
}

export async function benchFhirExport(minutes = 30, pictureCount = 0): Promise<boolean> {
  const report = consultation(minutes);
  const media = pictures(pictureCount, report.claimedAt! + 120_000);
  const load0 = performance.now();
  loadFhirDefinitions();
  const loadMs = performance.now() - load0;
  const runs: { buildMs: number; jsonMs: number; validateMs: number; bytes: number; resources: number; issues: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const a = performance.now();
    const bundle = consultationBundle(report, null, {}, media);
    const b = performance.now();
    const json = fhirJson(bundle);
    const c = performance.now();
    const issues = validateBundle(bundle);
    const d = performance.now();
    runs.push({ buildMs: b - a, jsonMs: c - b, validateMs: d - c, bytes: Buffer.byteLength(json), resources: bundle.entry?.length ?? 0, issues: issues.length });
  }
  const median = (k: 'buildMs' | 'jsonMs' | 'validateMs'): number => [...runs.map((r) => r[k])].sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
  const r = runs[0]!;
  const row = {
    minutes,
    readings: report.readings.length,
    pictures: media.length,
    'pictures MB': media.reduce((n, m) => n + m.bytes.length, 0) / 1e6,
    resources: r.resources,
    'bundle MB': r.bytes / 1e6,
    'build ms': median('buildMs'),
    'JSON ms': median('jsonMs'),
    'validate ms': median('validateMs'),
    'total ms': median('buildMs') + median('jsonMs') + median('validateMs'),
    'load defs ms (once)': loadMs,
    invalid: r.issues,
  };
  printTable(`FHIR export of a ${minutes}-minute consultation with continuous oximetry${media.length ? ` and ${media.length} pictures` : ''} (median of 5)`, [row]);
  const hub = await throughWorker(report, media);
  printTable('The same export as the hub makes it: in its worker thread (cold: the worker loads the definitions first), then warm', hub.rows);
  const load = machineLoad();
  console.log(`load ${load.loadAvg1m} on ${load.cpus} CPUs`);
  console.log(`→ ${writeResult('fhir-export', { ...row, runs, worker: hub.rows, load })}`);
  return r.issues === 0 && hub.ok;
}

/** The hub's exporter (src/hub/fhir/exporter.ts) on this report: its time, and the longest the calling thread's event loop waited meanwhile. */
async function throughWorker(report: ConsultationReport, media: readonly MediaSource[]): Promise<{ ok: boolean; rows: Record<string, number | string>[] }> {
  const store = { report: () => report, consultation: () => ({ language: 'fr' }), patientIdentity: () => null, consultationMedia: () => media, now: () => Date.now() } as unknown as HubStore;
  const exporter = new WorkerExporter(store);
  const rows: Record<string, number | string>[] = [];
  let ok = true;
  try {
    for (const kind of ['cold', 'warm', 'warm']) {
      let last = performance.now();
      let longest = 0;
      const beat = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 5);
      const a = performance.now();
      const out = await exporter.fhir(report.consultationId, { type: 'collection' });
      const took = performance.now() - a;
      const b = performance.now();
      const pdf = await exporter.pdf(report.consultationId);
      const pdfMs = performance.now() - b;
      clearInterval(beat);
      ok &&= out.ok && pdf.ok;
      rows.push({ worker: kind, 'FHIR ms': took, 'PDF ms': pdfMs, 'longest event-loop wait ms': longest, 'bundle MB': out.ok ? out.json.length / 1e6 : 0, 'PDF MB': pdf.ok ? pdf.pdf.length / 1e6 : 0 });
    }
  } finally {
    await exporter.close();
  }
  return { ok, rows };
}
