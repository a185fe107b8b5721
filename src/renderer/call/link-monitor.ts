import { applyLevel, IncidentThrottle, initialPolicy, levelIncident, nextPolicy, SAMPLE_EVERY_MS, sampleOf, type AdaptedKind, type LinkLevel, type PolicyState, type SenderLike } from './bandwidth.ts';

export interface LinkMonitorDeps {
  /** The current peer connection's stats (it may be rebuilt between two samples). */
  getStats(): Promise<unknown>;
  /** The current senders of the adapted kinds. */
  senders(): Partial<Record<AdaptedKind, SenderLike>>;
  /** The level changed (shown by the UI). */
  onLevel(level: LinkLevel): void;
  /** An incident line for the doctor's report (already rate-limited). */
  incident(detail: string): void;
  everyMs?: number;
  incidentGapMs?: number;
  /** The level a connection starts at (from the pre-call network check: bandwidth.ts startLevel). */
  start?: LinkLevel;
}

/** After a connection's first bandwidth estimate, how long the estimate is not acted on (loss and RTT still are). */
export const RAMP_UP_MS = 8000;
/**
 * GCC starts a connection near 300 kbit/s and ramps up from there: an estimate under this during the ramp-up means
 * it has already backed off (the link is poorer than its start), and is acted on at once.
 */
export const RAMP_BACKED_OFF_BPS = 250_000;

/**
 * Reads the stats every 2 s, runs the bandwidth policy and applies its level to the video senders. Stats that
 * fail or look wrong change nothing; applying is serialized so two setParameters never race on one sender.
 */
export class LinkMonitor {
  private state: PolicyState;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly throttle: IncidentThrottle;
  private applying: Promise<unknown> = Promise.resolve();
  private busy = false;
  private closed = false;
  /** When this connection's first bandwidth estimate came (the ramp-up grace counts from there). */
  private firstEstimateAt: number | undefined;
  /** The connection is down (a cut): its stats say nothing about the link's bandwidth, so the level stays. */
  private down = false;
  /** Camera and otoscope paused for the readings (bandwidth.ts HELD, cut.ts ReadingsFirst). */
  private held = false;

  constructor(private readonly deps: LinkMonitorDeps) {
    this.state = initialPolicy(deps.start);
    this.throttle = new IncidentThrottle(deps.incident, deps.incidentGapMs);
    this.timer = setInterval(() => void this.tick(), deps.everyMs ?? SAMPLE_EVERY_MS);
  }

  get level(): LinkLevel {
    return this.state.level;
  }

  /** Whether the camera and otoscope are held paused for the readings. */
  get holding(): boolean {
    return this.held;
  }

  /** Holds the camera and otoscope paused (readings first) or gives them back the current level. */
  setHold(held: boolean): Promise<unknown> {
    if (held === this.held) return this.applying;
    this.held = held;
    return this.reapply();
  }

  /** Sets the current level again (new senders, a rebuilt connection). */
  reapply(): Promise<unknown> {
    return this.apply(this.state.level);
  }

  /** A new connection starts again from the start level: its bandwidth estimate is new. */
  reset(): void {
    const was = this.state.level;
    this.state = initialPolicy(this.deps.start);
    this.firstEstimateAt = undefined;
    if (was !== this.state.level) this.deps.onLevel(this.state.level);
  }

  /**
   * A cut (the connection is not connected, cut.ts): no level change from the stats until it is up again; the level
   * kept is the one the link had before (a total cut is not a narrow link: stepping the camera down to 'minimal' for
   * it left the video paused long after the link came back).
   */
  setDown(down: boolean): void {
    this.down = down;
  }

  /** A new connection on the same link (after a long cut): the level stays, the ramp-up grace starts again. */
  newConnection(): Promise<unknown> {
    this.firstEstimateAt = undefined;
    return this.reapply();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.throttle.close();
  }

  private async tick(): Promise<void> {
    if (this.closed || this.busy || this.down) return;
    this.busy = true;
    try {
      let report: unknown;
      try {
        report = await this.deps.getStats();
      } catch {
        return; // lost stats: no change
      }
      if (this.closed || this.down) return;
      const sample = sampleOf(report);
      const now = Date.now();
      if (sample.availableOutgoingBitrate !== undefined) {
        this.firstEstimateAt ??= now;
        // GCC starts a connection at ~300 kbit/s and ramps up: its first seconds say nothing about the link.
        if (now - this.firstEstimateAt < RAMP_UP_MS && sample.availableOutgoingBitrate >= RAMP_BACKED_OFF_BPS) delete sample.availableOutgoingBitrate;
      }
      const from = this.state.level;
      this.state = nextPolicy(this.state, sample, now);
      const to = this.state.level;
      if (to === from) return;
      this.deps.onLevel(to);
      this.throttle.report(to, levelIncident(from, to, sample));
      await this.apply(to);
    } finally {
      this.busy = false;
    }
  }

  private apply(level: LinkLevel): Promise<unknown> {
    this.applying = this.applying.then(async () => {
      if (this.closed) return;
      const errors = await applyLevel(this.deps.senders(), level, this.held);
      if (errors.length > 0) console.warn(`Link level ${level} not applied: ${errors.join('; ')}`);
    });
    return this.applying;
  }
}
