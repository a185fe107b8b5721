/**
 * What an HTTP status from the hub means to the console, in one table for every fetch helper: each helper names the
 * failures its screen tells apart (`known`), may read one as another (`as`), and everything else is `server`.
 */
export type HttpFailure = 'invalid' | 'expired' | 'forbidden' | 'not-found' | 'too-many' | 'server';

const BY_STATUS: Readonly<Record<number, HttpFailure>> = { 400: 'invalid', 401: 'expired', 403: 'forbidden', 404: 'not-found', 429: 'too-many' };

/** The failure of a non-2xx `status`, among `known` (with `as` renaming some first), else `server`. */
export function httpFailure<K extends HttpFailure>(status: number, known: readonly K[], as: Partial<Record<HttpFailure, K>> = {}): K | 'server' {
  const raw = BY_STATUS[status] ?? 'server';
  const f = as[raw] ?? raw;
  return (known as readonly HttpFailure[]).includes(f) ? (f as K) : 'server';
}
