import type { Bundle } from '@medplum/fhirtypes';
import { renderReportPdf } from '../report-pdf/index.ts';
import type { HubStore } from '../store.ts';
import { consultationBundle } from './bundle.ts';
import type { FhirExportOptions } from './codes.ts';
import { fhirHash, fhirJson } from './json.ts';
import { validateBundle, type FhirIssue } from './validate.ts';

/** A consultation's FHIR export, checked before it leaves: never an invalid Bundle. */
export type FhirExport = { ok: true; bundle: Bundle; json: string; hash: string } | { ok: false; error: 'not-found' } | { ok: false; error: 'invalid'; issues: FhirIssue[] };

export function exportFhir(store: HubStore, consultationId: string, opts: FhirExportOptions = {}): FhirExport {
  const report = store.report(consultationId);
  if (!report) return { ok: false, error: 'not-found' };
  const bundle = consultationBundle(report, store.patientIdentity(consultationId), opts);
  const issues = validateBundle(bundle);
  if (issues.length > 0) return { ok: false, error: 'invalid', issues };
  // The hash is of these very bytes: `sha256sum` of the downloaded file gives the one the report document names.
  return { ok: true, bundle, json: fhirJson(bundle), hash: fhirHash(bundle) };
}

/**
 * The consultation's report document (PDF/A-2b, French and the patient's language), naming the SHA-256 of the FHIR
 * Bundle it matches. `generatedAt` is the consultation's end (or now while it is open), so the same ended consultation
 * gives the same bytes every time.
 */
export async function exportPdf(
  store: HubStore,
  consultationId: string,
  opts: FhirExportOptions & { now?: number } = {},
): Promise<{ ok: true; pdf: Uint8Array; bundleHash: string } | { ok: false; error: 'not-found' } | { ok: false; error: 'invalid'; issues: FhirIssue[] }> {
  const fhir = exportFhir(store, consultationId, opts);
  if (!fhir.ok) return fhir;
  const report = store.report(consultationId);
  const consultation = store.consultation(consultationId);
  if (!report || !consultation) return { ok: false, error: 'not-found' };
  const pdf = await renderReportPdf({
    report,
    patient: store.patientIdentity(consultationId),
    language: consultation.language,
    bundleHash: fhir.hash,
    generatedAt: report.endedAt ?? opts.now ?? Date.now(),
  });
  return { ok: true, pdf, bundleHash: fhir.hash };
}
