/** Cookies the hub and the cabin's web host set and read: one parser, one writer. */
export interface CookieAttributes {
  httpOnly?: boolean;
  /** Sent back over https only (browsers also keep it from http://localhost and http://127.0.0.1). */
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax';
  path?: string;
  /** 0 clears the cookie; absent, it lasts for the browser session. */
  maxAgeS?: number;
}

/** A cookie value we issue: base64url characters only, so it needs no quoting or decoding. */
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** A value we set may also be a JWS: base64url parts joined by dots (a cookie octet too). */
const VALUE = /^[A-Za-z0-9_.-]+$/;

/**
 * The value of cookie `name` in a Cookie header: the first one that is well-formed (`valid`, base64url by default).
 * Another value of the same name (a cookie set by another path or subdomain) does not hide a good one.
 */
export function readCookie(header: string | undefined, name: string, valid: RegExp = TOKEN): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (valid.test(value)) return value;
  }
  return undefined;
}

/** A Set-Cookie header value. */
export function setCookie(name: string, value: string, a: CookieAttributes = {}): string {
  if (!TOKEN.test(name) || !(value === '' || VALUE.test(value))) throw new Error(`The cookie ${name} must have a base64url name and value (or dot-joined base64url parts).`);
  return [
    `${name}=${value}`,
    a.httpOnly ? 'HttpOnly' : undefined,
    a.secure ? 'Secure' : undefined,
    a.sameSite ? `SameSite=${a.sameSite}` : undefined,
    a.path ? `Path=${a.path}` : undefined,
    a.maxAgeS === undefined ? undefined : `Max-Age=${a.maxAgeS}`,
  ]
    .filter((p) => p !== undefined)
    .join('; ');
}
