import type { CabinEvent } from '../../shared/telemetry.ts';

export type Observation = Extract<CabinEvent, { type: 'observation' }>;
/** A reading read back from the hub's report: `fromCabinAt` (hub time, ms) when the cabin delivered it itself. */
export interface StoredObservation extends Observation {
  fromCabinAt?: number;
}
export interface ReceivedObservation extends Observation {
  /** When this console received it (ms, `performance.timeOrigin + performance.now()`). */
  receivedAt: number;
}

/**
 * Every observation of the consultation, the first copy of each id only: the cabin resends from its outbox
 * until acknowledged, so duplicates are expected and dropped here.
 */
export class ObservationLog {
  private readonly byId = new Map<string, ReceivedObservation>();
  /** Ids received before the last `forget()`: still known (a resent copy is dropped), no longer shown. */
  private forgotten = new Set<string>();

  /** Stores `obs` unless its id is known; true when it is new. */
  add(obs: Observation, receivedAt: number): boolean {
    if (this.byId.has(obs.id)) return false;
    this.byId.set(obs.id, { ...obs, receivedAt });
    return true;
  }

  get count(): number {
    return this.byId.size;
  }

  /** In the order received. */
  all(): ReceivedObservation[] {
    return [...this.byId.values()];
  }

  /** Since the last `forget()`: what the screen shows of the patient in the cabin now. */
  shown(): ReceivedObservation[] {
    return this.forgotten.size === 0 ? this.all() : this.all().filter((o) => !this.forgotten.has(o.id));
  }

  /** The patient left: their readings leave the screen (the report already has them) but stay known as duplicates. */
  forget(): void {
    this.forgotten = new Set(this.byId.keys());
  }

  clear(): void {
    this.byId.clear();
    this.forgotten.clear();
  }
}

/** Collects ids to acknowledge and sends them in batches (at most one message per `everyMs`, ≤ 500 ids each). */
export class AckBatcher {
  private pending: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (ids: string[]) => boolean,
    private readonly everyMs = 100,
  ) {}

  add(id: string): void {
    this.pending.push(id);
    this.timer ??= setTimeout(() => this.flush(), this.everyMs);
  }

  /** Sends what is pending now; ids that could not be sent stay pending (the cabin resends them anyway). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const ids = [...new Set(this.pending)];
    this.pending = [];
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      if (!this.send(batch)) {
        // The channel is closed: the cabin will resend these, and they will be acknowledged then.
        return;
      }
    }
  }

  get size(): number {
    return this.pending.length;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
