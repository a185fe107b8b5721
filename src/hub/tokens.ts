import { jwtVerify, SignJWT } from 'jose';
import { TokenClaimsSchema, type Role, type TokenAnswer } from '../shared/hub-protocol.ts';

const ISSUER = 'cabin-hub';

export interface Claims {
  sub: string;
  role: Role;
  name: string;
}

/** Short-lived HS256 tokens on the hub's clock (`now`, ms), so tests can age them. */
export class Tokens {
  constructor(
    private readonly secret: Uint8Array,
    private readonly ttlS: number,
    private readonly now: () => number,
  ) {}

  async issue(c: Claims): Promise<TokenAnswer> {
    const iat = Math.floor(this.now() / 1000);
    const token = await new SignJWT({ role: c.role, name: c.name })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(c.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlS)
      .sign(this.secret);
    return { token, expiresIn: this.ttlS, role: c.role, id: c.sub, name: c.name };
  }

  /** The claims of a valid, unexpired token of this hub; null otherwise (never throws). */
  async verify(token: string): Promise<Claims | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(this.now()), requiredClaims: ['exp', 'sub'] });
      const claims = TokenClaimsSchema.safeParse(payload);
      return claims.success ? claims.data : null;
    } catch {
      return null;
    }
  }
}
