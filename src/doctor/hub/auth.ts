import { TokenAnswerSchema, type TokenAnswer } from '../../shared/hub-protocol.ts';

/** Why a login or a renewal failed, in words the screen translates (`login.error.<code>`). */
export type AuthErrorCode = 'bad-credentials' | 'too-many' | 'network' | 'server' | 'expired';

export type AuthResult = { ok: true; value: TokenAnswer } | { ok: false; error: AuthErrorCode; retryAfterS?: number; message?: string };

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
}>;

async function post(fetcher: FetchLike, url: string, headers: Record<string, string>, body?: unknown): Promise<AuthResult> {
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetcher(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    return { ok: false, error: 'network' };
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (res.status === 429) {
    const retry = Number(res.headers.get('retry-after'));
    return { ok: false, error: 'too-many', ...(Number.isFinite(retry) && retry > 0 ? { retryAfterS: retry } : {}) };
  }
  if (res.status === 401 || res.status === 403) return { ok: false, error: headers.authorization ? 'expired' : 'bad-credentials' };
  if (!res.ok) return { ok: false, error: 'server' };
  const parsed = TokenAnswerSchema.safeParse(json);
  if (!parsed.success || parsed.data.role !== 'doctor') {
    console.error('The hub answered the login with an unexpected body.');
    return { ok: false, error: 'server' };
  }
  return { ok: true, value: parsed.data };
}

/** `POST /api/login`: username + password → a short-lived doctor token (kept in memory only). */
export function login(username: string, password: string, fetcher: FetchLike = fetch as unknown as FetchLike): Promise<AuthResult> {
  return post(fetcher, '/api/login', {}, { username, password });
}

/** `POST /api/refresh` with the current token → a new token. */
export function refresh(token: string, fetcher: FetchLike = fetch as unknown as FetchLike): Promise<AuthResult> {
  return post(fetcher, '/api/refresh', { authorization: `Bearer ${token}` });
}

/** When to renew a token that expires in `expiresInS` seconds: at two thirds of its life. */
export function renewDelayMs(expiresInS: number): number {
  return Math.max(5_000, Math.round((expiresInS * 1000 * 2) / 3));
}
