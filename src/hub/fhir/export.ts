import type { ConsultationReport } from '../../shared/hub-protocol.ts';
import type { Language } from '../../shared/language.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';
import { renderReportPdf } from '../report-pdf/index.ts';
import type { HubStore } from '../store.ts';
import { consultationBundle } from './bundle.ts';
import type { FhirExportOptions } from './codes.ts';
import { fhirHash, fhirJson } from './json.ts';
import type { MediaSource } from './media.ts';
import { validateBundle, type FhirIssue } from './validate.ts';

/**
 * What a consultation's exports are made from, read from the hub's store once: its report, the patient's identity and
 * the patient's language. Plain data, so a worker thread can make the exports (exporter.ts).
 */
export interface ExportSource {
  report: ConsultationReport;
  patient: PatientIdentity | null;
  language: Language;
  /** The otoscope's pictures the cabin sent (issue 13): Media in the Bundle, pictures in the document. */
  snapshots?: MediaSource[];
}

/** Why an export was not made: no such consultation, our own Bundle is not valid R4, or (exporter.ts) no room or it failed. */
export type ExportRefusal =
  | { ok: false; error: 'not-found' }
  | { ok: false; error: 'invalid'; issues: FhirIssue[] }
  | { ok: false; error: 'busy'; message: string }
  | { ok: false; error: 'failed'; message: string };

/** A consultation's FHIR export, checked before it leaves: never an invalid Bundle. `resources`: its entries. */
export type FhirExport = { ok: true; json: string; hash: string; resources: number } | ExportRefusal;
/** The report document, with the SHA-256 of the Bundle it names. */
export type PdfExport = { ok: true; pdf: Uint8Array; bundleHash: string } | ExportRefusal;

export type PdfExportOptions = FhirExportOptions & { now?: number };

/** The consultation's source, read once (null: no such consultation). */
export async function exportSource(store: HubStore, consultationId: string): Promise<ExportSource | null> {
  const report = await store.report(consultationId);
  const consultation = report ? await store.consultation(consultationId) : null;
  if (!report || !consultation) return null;
  return { report, patient: await store.patientIdentity(consultationId), language: consultation.language, snapshots: await store.consultationMedia(consultationId) };
}

/** Builds, validates and writes the Bundle (the CPU-heavy part: seconds for a long consultation). */
export function fhirOf(src: ExportSource, opts: FhirExportOptions = {}): FhirExport {
  const bundle = consultationBundle(src.report, src.patient, opts, src.snapshots);
  const issues = validateBundle(bundle);
  if (issues.length > 0) return { ok: false, error: 'invalid', issues };
  // The hash is of these very bytes: `sha256sum` of the downloaded file gives the one the report document names.
  return { ok: true, json: fhirJson(bundle), hash: fhirHash(bundle), resources: bundle.entry?.length ?? 0 };
}

/**
 * The consultation's report document (PDF/A-2b, French and the patient's language), naming the SHA-256 of the FHIR
 * Bundle it matches. `generatedAt` is the consultation's end (or now while it is open), so the same ended consultation
 * gives the same bytes every time.
 */
export async function pdfOf(src: ExportSource, opts: PdfExportOptions = {}): Promise<PdfExport> {
  const fhir = fhirOf(src, opts);
  if (!fhir.ok) return fhir;
  const pdf = await renderReportPdf({
    report: src.report,
    patient: src.patient,
    language: src.language,
    bundleHash: fhir.hash,
    generatedAt: src.report.endedAt ?? opts.now ?? Date.now(),
    snapshots: (src.snapshots ?? []).map((m) => ({ mime: m.mime, bytes: m.bytes, t: m.t })),
  });
  return { ok: true, pdf, bundleHash: fhir.hash };
}

/** The FHIR export made on this thread (the operator's CLI, tests); the hub itself uses exporter.ts's worker. */
export async function exportFhir(store: HubStore, consultationId: string, opts: FhirExportOptions = {}): Promise<FhirExport> {
  const src = await exportSource(store, consultationId);
  return src ? fhirOf(src, opts) : { ok: false, error: 'not-found' };
}

/** The report document made on this thread (the operator's CLI, tests). */
export async function exportPdf(store: HubStore, consultationId: string, opts: PdfExportOptions = {}): Promise<PdfExport> {
  const src = await exportSource(store, consultationId);
  return src ? pdfOf(src, opts) : { ok: false, error: 'not-found' };
}
