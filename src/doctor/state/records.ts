import type { FetchLike } from '../hub/auth.ts';
import { fetchExport, type DownloadResult, type ExportKind } from '../hub/download.ts';
import { fetchConsultationReport, fetchPastConsultations, type HistoryResult, type ReportResult } from '../hub/history.ts';
import { fetchPatient, savePatient, type PatientResult } from '../hub/patient.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';

/**
 * The consultations' records on the hub, read and written over HTTP with the session's current token: the patient's
 * identity, the doctor's past consultations and their reports, the exports. Apart from the live consultation's state
 * (console.ts): nothing here changes the screen.
 */
export class ConsultationRecords {
  constructor(
    private readonly token: () => string | undefined,
    private readonly fetcher?: FetchLike,
  ) {}

  /** The consultation's patient identity (the patient card). */
  loadPatient(consultationId: string): Promise<PatientResult> {
    return fetchPatient(consultationId, this.token(), this.fetcher);
  }
  savePatient(consultationId: string, identity: PatientIdentity): Promise<PatientResult> {
    return savePatient(consultationId, identity, this.token(), this.fetcher);
  }
  /** The doctor's ended consultations, newest first. */
  pastConsultations(): Promise<HistoryResult> {
    return fetchPastConsultations(this.token(), this.fetcher);
  }
  /** A consultation's report as the hub stored it (the assigned doctor's only). */
  loadReport(consultationId: string): Promise<ReportResult> {
    return fetchConsultationReport(consultationId, this.token(), this.fetcher);
  }
  /** The consultation's FHIR Bundle or report PDF, as the hub makes it now. */
  downloadExport(consultationId: string, kind: ExportKind): Promise<DownloadResult> {
    return fetchExport(consultationId, kind, this.token());
  }
}
