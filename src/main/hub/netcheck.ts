import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { FromHub, IceServer, ToHub } from '../../shared/hub-protocol.ts';

/** Cabin main's half of the pre-call check: what the kiosk page cannot measure (it has no socket to the hub). */
export interface HubSideCheck {
  /** Round trip (median) and loss of numbered pings over the hub WebSocket; null: not one answered. */
  hub: { rttMs: number; lossPct: number } | null;
  /** TURN alone with short-lived probe credentials (empty: the hub gave none, or refused: see `error`). */
  iceServers: IceServer[];
  error: string | null;
}

export interface HubProbeOptions {
  pings?: number;
  everyMs?: number;
  /** How long an answer is waited for, after its question. */
  timeoutMs?: number;
}

const REF = 'netcheck:';

/**
 * Numbered pings and a `probe` request over the cabin's hub socket. `send` is the link's (false: not connected);
 * `onMessage` takes the answers (true when it was one of ours). One check at a time: a second waits for the first.
 */
export class HubProbe {
  private readonly pongs = new Map<number, (at: number) => void>();
  private readonly probes = new Map<string, (m: FromHub) => void>();
  private seq = 0;
  private running: Promise<HubSideCheck> | undefined;

  constructor(
    private readonly send: (m: ToHub) => boolean,
    private readonly clock: Clock,
  ) {}

  onMessage(m: FromHub): boolean {
    if (m.type === 'pong' && m.n !== undefined) {
      this.pongs.get(m.n)?.(this.clock.now());
      return this.pongs.delete(m.n);
    }
    if ((m.type === 'probe' || m.type === 'error') && m.ref?.startsWith(REF)) {
      this.probes.get(m.ref)?.(m);
      return this.probes.delete(m.ref);
    }
    return false;
  }

  check(o: HubProbeOptions = {}): Promise<HubSideCheck> {
    this.running ??= this.measure(o).finally(() => (this.running = undefined));
    return this.running;
  }

  private wait<T>(register: (resolve: (v: T) => void) => () => void, timeoutMs: number, fallback: T): Promise<T> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined = undefined;
      const unregister = register((v) => {
        this.clock.clearTimeout(timer);
        resolve(v);
      });
      timer = this.clock.setTimeout(() => {
        unregister();
        resolve(fallback);
      }, timeoutMs);
    });
  }

  private async measure(o: HubProbeOptions): Promise<HubSideCheck> {
    const pings = o.pings ?? 5;
    const timeoutMs = o.timeoutMs ?? 3000;
    const ref = `${REF}${++this.seq}`;
    const answer = this.wait<FromHub | null>(
      (resolve) => {
        this.probes.set(ref, resolve);
        return () => this.probes.delete(ref);
      },
      timeoutMs,
      null,
    );
    const asked = this.send({ type: 'probe', ref });
    const rtts: Promise<number | null>[] = [];
    for (let i = 0; i < pings; i++) {
      if (i > 0) await new Promise<void>((r) => this.clock.setTimeout(() => r(), o.everyMs ?? 100));
      const n = (this.seq = (this.seq + 1) % 1_000_000);
      const sentAt = this.clock.now();
      rtts.push(
        this.wait<number | null>(
          (resolve) => {
            this.pongs.set(n, (at) => resolve(at - sentAt));
            return () => this.pongs.delete(n);
          },
          timeoutMs,
          null,
        ),
      );
      if (!this.send({ type: 'ping', n })) {
        this.pongs.get(n)?.(NaN);
        this.pongs.delete(n);
      }
    }
    const got = (await Promise.all(rtts)).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
    const m = asked ? await answer : null;
    const hub = got.length > 0 ? { rttMs: got[got.length >> 1]!, lossPct: (100 * (pings - got.length)) / pings } : null;
    if (m?.type === 'probe') return { hub, iceServers: m.iceServers, error: m.iceServers.length ? null : 'The hub has no TURN server.', ...(m.iceServers.length ? {} : { noTurn: true }) };
    return { hub, iceServers: [], error: m?.type === 'error' ? m.message : hub ? 'The hub did not answer the probe.' : 'The hub cannot be reached.' };
  }
}
