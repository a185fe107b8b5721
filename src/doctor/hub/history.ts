import { ConsultationReportSchema, type ConsultationReport } from '../../shared/hub-protocol.ts';
import { PastConsultationsAnswerSchema, type PastConsultation } from '../../shared/past-consultations.ts';
import type { FetchLike } from './auth.ts';
import { httpFailure } from './http-failure.ts';

export type HistoryResult = { ok: true; consultations: PastConsultation[] } | { ok: false; error: 'network' | 'expired' | 'server' };

/** Why a past report could not be read, in words the screen translates (`pastReport.failure.<code>`). */
export type ReportFailure = 'network' | 'expired' | 'forbidden' | 'not-found' | 'server';
export type ReportResult = { ok: true; report: ConsultationReport } | { ok: false; error: ReportFailure };

const browserFetch: FetchLike = (url, init) => fetch(url, init);

/** `GET /api/consultations`: the doctor's ended consultations, newest first; never throws. */
export async function fetchPastConsultations(token: string | undefined, fetcher: FetchLike = browserFetch): Promise<HistoryResult> {
  if (!token) return { ok: false, error: 'expired' };
  try {
    const res = await fetcher('/api/consultations', { method: 'GET', credentials: 'same-origin', headers: { authorization: `Bearer ${token}` } });
    // A 403 here is a token that is not a doctor's: the session is not one this console can use.
    if (!res.ok) return { ok: false, error: httpFailure(res.status, ['expired'], { forbidden: 'expired' }) };
    const parsed = PastConsultationsAnswerSchema.safeParse(await res.json());
    return parsed.success ? { ok: true, consultations: parsed.data.consultations } : { ok: false, error: 'server' };
  } catch {
    return { ok: false, error: 'network' };
  }
}

/** `GET /api/consultations/:id/report`: the stored report (the assigned doctor's only: `forbidden` else); never throws. */
export async function fetchConsultationReport(consultationId: string, token: string | undefined, fetcher: FetchLike = browserFetch): Promise<ReportResult> {
  if (!token) return { ok: false, error: 'expired' };
  try {
    const res = await fetcher(`/api/consultations/${encodeURIComponent(consultationId)}/report`, { method: 'GET', credentials: 'same-origin', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return { ok: false, error: httpFailure(res.status, ['expired', 'forbidden', 'not-found']) };
    const parsed = ConsultationReportSchema.safeParse(await res.json());
    return parsed.success ? { ok: true, report: parsed.data } : { ok: false, error: 'server' };
  } catch {
    return { ok: false, error: 'network' };
  }
}
