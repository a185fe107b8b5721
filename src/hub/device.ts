import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../shared/clock.ts';

/** The cookie that marks a browser a doctor has logged in from (OWASP's "device cookie"). */
export const DEVICE_COOKIE = 'cabin_device';
/** How long a browser stays known after its last login: 90 days. */
export const DEVICE_MAX_AGE_S = 90 * 24 * 60 * 60;
/** Not the access tokens' issuer: a device cookie is never a token, nor a token a device cookie. */
const ISSUER = 'cabin-hub-device';

/**
 * Device cookies: a JWS (HS256, the hub's secret) naming a doctor's username and a random device id, set on each
 * successful login. A login carrying a valid one for its username is exempt from the name-wide delay and the address
 * locks that strangers can trigger (src/hub/limits.ts): it has its own small budget, per device.
 */
export class DeviceCookies {
  constructor(
    private readonly secret: Uint8Array,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** A cookie value for `username`: the device id it already had (`device`), or a new one. */
  async issue(username: string, device: string = randomBytes(16).toString('base64url')): Promise<string> {
    const iat = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ did: device })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(username)
      .setIssuedAt(iat)
      .setExpirationTime(iat + DEVICE_MAX_AGE_S)
      .sign(this.secret);
  }

  /** The device id of a valid, unexpired cookie of this hub for `username`; null otherwise (never throws). */
  async device(cookie: string | undefined, username: string): Promise<string | null> {
    if (cookie === undefined) return null;
    try {
      const { payload } = await jwtVerify(cookie, this.secret, { algorithms: ['HS256'], issuer: ISSUER, subject: username, currentDate: new Date(this.clock.now()), requiredClaims: ['exp', 'sub'] });
      return typeof payload.did === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(payload.did) ? payload.did : null;
    } catch {
      return null;
    }
  }
}
