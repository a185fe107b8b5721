import { PatientAnswerSchema, type PatientAnswer, type PatientIdentity } from '../../shared/patient-identity.ts';
import type { FetchLike } from './auth.ts';
import { httpFailure } from './http-failure.ts';

/** Why reading or filing the identity failed, in words the card translates (`patient.failure.<code>`). */
export type PatientFailure = 'network' | 'expired' | 'forbidden' | 'not-found' | 'invalid' | 'server';
export type PatientResult = { ok: true; value: PatientAnswer } | { ok: false; error: PatientFailure; message?: string };

const browserFetch: FetchLike = (url, init) => fetch(url, init);

async function call(fetcher: FetchLike, consultationId: string, token: string | undefined, method: 'GET' | 'PUT', body?: PatientIdentity): Promise<PatientResult> {
  if (!token) return { ok: false, error: 'expired' };
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetcher(`/api/consultations/${encodeURIComponent(consultationId)}/patient`, {
      method,
      credentials: 'same-origin',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    return { ok: false, error: 'network' };
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
    const error: PatientFailure = httpFailure(res.status, ['expired', 'forbidden', 'not-found', 'invalid']);
    return { ok: false, error, ...(typeof message === 'string' ? { message } : {}) };
  }
  const parsed = PatientAnswerSchema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: 'server' };
}

/** `GET /api/consultations/:id/patient`: the filed identity (null: not identified); never throws. */
export function fetchPatient(consultationId: string, token: string | undefined, fetcher: FetchLike = browserFetch): Promise<PatientResult> {
  return call(fetcher, consultationId, token, 'GET');
}

/** `PUT /api/consultations/:id/patient`: files the identity (any state of the consultation); never throws. */
export function savePatient(consultationId: string, identity: PatientIdentity, token: string | undefined, fetcher: FetchLike = browserFetch): Promise<PatientResult> {
  return call(fetcher, consultationId, token, 'PUT', identity);
}
