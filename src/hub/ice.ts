import { TokenBucket } from '../server/rate-limit.ts';
import type { Clock } from '../shared/clock.ts';
import type { IceServer, Role } from '../shared/hub-protocol.ts';
import { turnCredential } from './secrets.ts';
import type { Consultation } from './store.ts';

export interface IceConfig {
  stunUrls?: string[];
  turn?: { urls: string[]; secret: string; ttlS?: number };
  /** Force every call through TURN (`iceTransportPolicy: 'relay'`): the peers never learn each other's addresses. */
  relayOnly?: boolean;
}

const TURN_TTL_S = 4 * 3600;
/** The pre-call check's credentials: long enough for one check (a few seconds), not for a call. */
export const PROBE_TTL_S = 120;
/** Checks per cabin: a few at once (the assistant's "check again"), then one a minute. */
export const PROBE_BURST = 3;
export const PROBE_PER_MIN = 1;

/** TURN credentials of one side of a consultation, kept until renewed so every push carries the same ones. */
interface TurnCredential {
  consultationId: string;
  role: Role;
  /** unix s */
  expiry: number;
  username: string;
  credential: string;
}

/**
 * The STUN/TURN servers each side of a consultation gets: TURN (coturn's REST scheme) only once a doctor has
 * claimed it, the same credentials on every push until less than a quarter of their lifetime is left.
 */
export class IceServers {
  private readonly turn = new Map<string, TurnCredential>();
  /** Per cabin (authenticated cabins only, so bounded by the cabins of this hub). */
  private readonly probes = new Map<string, TokenBucket>();

  constructor(
    private readonly config: IceConfig | undefined,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get relayOnly(): boolean {
    return this.config?.relayOnly === true;
  }

  /** STUN, plus TURN once a doctor has claimed the consultation (a waiting cabin has no use for a relay yet). */
  for(c: Consultation, role: Role): IceServer[] {
    const list: IceServer[] = [];
    if (this.config?.stunUrls?.length) list.push({ urls: this.config.stunUrls });
    const turn = this.config?.turn;
    if (turn && turn.urls.length > 0 && c.state === 'active' && c.doctorId !== null) {
      const cred = this.credential(c.id, role, turn.secret);
      list.push({ urls: turn.urls, username: cred.username, credential: cred.credential });
    }
    return list;
  }

  /**
   * TURN alone, with credentials of PROBE_TTL_S for the cabin's pre-call network check (a waiting cabin has no other
   * TURN credentials); null when this cabin asked too often; an empty list when the hub has no TURN.
   */
  probe(cabinId: string): { iceServers: IceServer[]; expiresIn: number } | null {
    let bucket = this.probes.get(cabinId);
    if (!bucket) this.probes.set(cabinId, (bucket = new TokenBucket(PROBE_BURST, PROBE_PER_MIN / 60, () => this.clock.now())));
    if (!bucket.take()) return null;
    const turn = this.config?.turn;
    if (!turn || turn.urls.length === 0) return { iceServers: [], expiresIn: 0 };
    const expiry = Math.floor(this.clock.now() / 1000) + PROBE_TTL_S;
    return { iceServers: [{ urls: turn.urls, ...turnCredential(turn.secret, expiry, `probe-${cabinId}`) }], expiresIn: PROBE_TTL_S };
  }

  /** The sides whose credentials are about to expire, forgotten so the next `for` issues fresh ones. */
  takeStale(): { consultationId: string; role: Role }[] {
    const out: { consultationId: string; role: Role }[] = [];
    for (const [k, cred] of this.turn) {
      if (!this.stale(cred)) continue;
      this.turn.delete(k);
      out.push({ consultationId: cred.consultationId, role: cred.role });
    }
    return out;
  }

  /** The consultation is over: its credentials are not renewed. */
  forget(consultationId: string): void {
    this.turn.delete(`${consultationId}:cabin`);
    this.turn.delete(`${consultationId}:doctor`);
  }

  private ttlS(): number {
    return this.config?.turn?.ttlS ?? TURN_TTL_S;
  }

  private stale(cred: TurnCredential): boolean {
    return cred.expiry * 1000 - this.clock.now() < (this.ttlS() * 1000) / 4;
  }

  private credential(consultationId: string, role: Role, secret: string): TurnCredential {
    const k = `${consultationId}:${role}`;
    const held = this.turn.get(k);
    if (held && !this.stale(held)) return held;
    const expiry = Math.floor(this.clock.now() / 1000) + this.ttlS();
    const cred = { consultationId, role, expiry, ...turnCredential(secret, expiry, `${consultationId}-${role}`) };
    this.turn.set(k, cred);
    return cred;
  }
}
