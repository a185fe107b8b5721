import { TokenAnswerSchema, type ConsultationReport, type TokenAnswer } from '../../shared/hub-protocol.ts';
import { fetchConsultationReport } from './history.ts';
import { httpFailure } from './http-failure.ts';

/** Why a login or a renewal failed, in words the screen translates (`login.error.<code>`). */
export type AuthErrorCode = 'bad-credentials' | 'too-many' | 'network' | 'server' | 'expired';

export type AuthResult = { ok: true; value: TokenAnswer } | { ok: false; error: AuthErrorCode; retryAfterS?: number; message?: string };

interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials?: 'same-origin';
}
export type FetchLike = (url: string, init: FetchInit) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

const browserFetch: FetchLike = (url, init) => fetch(url, init);

/** `expired`: a 401/403 means the token or the session is no longer good (not a wrong password). */
async function post(fetcher: FetchLike, url: string, headers: Record<string, string>, body: unknown, refused: AuthErrorCode): Promise<AuthResult> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetcher(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
    const failure = httpFailure(res.status, ['too-many', 'expired'], { forbidden: 'expired' });
    if (failure === 'too-many') {
      const retry = Number(res.headers.get('retry-after'));
      return { ok: false, error: 'too-many', ...(Number.isFinite(retry) && retry > 0 ? { retryAfterS: retry } : {}) };
    }
    return { ok: false, error: failure === 'expired' ? refused : 'server' };
  }
  const parsed = TokenAnswerSchema.safeParse(json);
  if (!parsed.success || parsed.data.role !== 'doctor') {
    console.error('The hub answered with an unexpected token body.');
    return { ok: false, error: 'server' };
  }
  return { ok: true, value: parsed.data };
}

/** `POST /api/login`: username + password → a short-lived doctor token (kept in memory only); the hub sets the session cookie. */
export function login(username: string, password: string, fetcher: FetchLike = browserFetch): Promise<AuthResult> {
  return post(fetcher, '/api/login', {}, { username, password }, 'bad-credentials');
}

/**
 * `POST /api/refresh` → a new token for the same session: with the current token as bearer, or without one
 * (`undefined`) from the HttpOnly session cookie alone (after a reload, or when the token was refused).
 */
export function refresh(token: string | undefined, fetcher: FetchLike = browserFetch): Promise<AuthResult> {
  return post(fetcher, '/api/refresh', token ? { authorization: `Bearer ${token}` } : {}, undefined, 'expired');
}

/** `POST /api/logout`: ends the session (bearer and cookie) on the hub; never throws, false when it could not. */
export async function logout(token: string | undefined, fetcher: FetchLike = browserFetch): Promise<boolean> {
  try {
    const res = await fetcher('/api/logout', { method: 'POST', credentials: 'same-origin', headers: token ? { authorization: `Bearer ${token}` } : {} });
    return res.ok;
  } catch {
    return false;
  }
}

/** `GET /api/consultations/:id/report`: what the hub stored so far; undefined on any failure (never throws). */
export async function fetchReport(consultationId: string, token: string, fetcher: FetchLike = browserFetch): Promise<ConsultationReport | undefined> {
  const r = await fetchConsultationReport(consultationId, token, fetcher);
  return r.ok ? r.report : undefined;
}

/** When to renew a token that expires in `expiresInS` seconds: at two thirds of its life. */
export function renewDelayMs(expiresInS: number): number {
  return Math.max(5_000, Math.round((expiresInS * 1000 * 2) / 3));
}
