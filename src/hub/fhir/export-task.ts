import type { FhirExportOptions } from './codes.ts';
import { fhirOf, pdfOf, type ExportSource, type FhirExport, type PdfExport, type PdfExportOptions } from './export.ts';
import { loadFhirDefinitions } from './validate.ts';

/** One export for the worker thread (exporter.ts): plain data in, plain data out. */
export type ExportTask = { kind: 'fhir'; source: ExportSource; opts: FhirExportOptions } | { kind: 'pdf'; source: ExportSource; opts: PdfExportOptions } | { kind: 'warm' };

/** Runs in the export worker: the definitions load once per worker (about 1.5 s), then each task runs to its end. */
export default async function runExportTask(task: ExportTask): Promise<FhirExport | PdfExport | null> {
  loadFhirDefinitions();
  if (task.kind === 'warm') return null;
  return task.kind === 'fhir' ? fhirOf(task.source, task.opts) : pdfOf(task.source, task.opts);
}
