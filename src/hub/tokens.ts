import { jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../shared/clock.ts';
import { TokenClaimsSchema, type Role, type TokenAnswer } from '../shared/hub-protocol.ts';

const ISSUER = 'cabin-hub';

export interface Claims {
  sub: string;
  role: Role;
  name: string;
  /** The login session the token belongs to. */
  sid: string;
}

/** The claims of a verified token and its expiry (unix seconds). */
export interface VerifiedClaims extends Claims {
  exp: number;
}

/** Short-lived HS256 tokens on the hub's clock (issued and checked at its `now`), so tests can age them. */
export class Tokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly ttlS: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** A token for `ttlS`, or less when `notAfterS` (unix seconds, e.g. the end of its session) comes first. */
  async issue(c: Claims, notAfterS = Infinity): Promise<TokenAnswer> {
    const iat = Math.floor(this.clock.now() / 1000);
    const exp = Math.max(iat + 1, Math.min(iat + this.ttlS, Math.floor(notAfterS)));
    const token = await new SignJWT({ role: c.role, name: c.name, sid: c.sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(c.sub)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.secret);
    return { token, expiresIn: exp - iat, role: c.role, id: c.sub, name: c.name };
  }

  /** The claims of a valid, unexpired token of this hub, with its `exp`; null otherwise (never throws). */
  async verify(token: string): Promise<VerifiedClaims | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(this.clock.now()), requiredClaims: ['exp', 'sub'] });
      const claims = TokenClaimsSchema.safeParse(payload);
      if (!claims.success || typeof payload.exp !== 'number') return null;
      return { sub: claims.data.sub, role: claims.data.role, name: claims.data.name, sid: claims.data.sid, exp: payload.exp };
    } catch {
      return null;
    }
  }
}
