import { PastConsultationsAnswerSchema, type PastConsultation } from '../../shared/past-consultations.ts';
import type { FetchLike } from './auth.ts';

export type HistoryResult = { ok: true; consultations: PastConsultation[] } | { ok: false; error: 'network' | 'expired' | 'server' };

const browserFetch: FetchLike = (url, init) => fetch(url, init);

/** `GET /api/consultations`: the doctor's ended consultations, newest first; never throws. */
export async function fetchPastConsultations(token: string | undefined, fetcher: FetchLike = browserFetch): Promise<HistoryResult> {
  if (!token) return { ok: false, error: 'expired' };
  try {
    const res = await fetcher('/api/consultations', { method: 'GET', credentials: 'same-origin', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return { ok: false, error: res.status === 401 || res.status === 403 ? 'expired' : 'server' };
    const parsed = PastConsultationsAnswerSchema.safeParse(await res.json());
    return parsed.success ? { ok: true, consultations: parsed.data.consultations } : { ok: false, error: 'server' };
  } catch {
    return { ok: false, error: 'network' };
  }
}
