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
