import { RingBuffer } from './ring-buffer.ts';

export interface PlayoutOptions {
  /** Samples held back before playing, to absorb the jitter of the link (ms). */
  prebufferMs?: number;
  /** The most that may wait to be played; older samples are dropped to catch up (ms). */
  maxLatencyMs?: number;
}

/**
 * Releases waveform samples at the device's rate whatever the rhythm they arrived in (a jitter buffer): a
 * view asks every animation frame for the samples due since the last frame. When the samples stop, the
 * time that passes comes out as NaN (a gap), so the trace keeps moving and shows the gap.
 */
export class Playout {
  private readonly prebufferMs: number;
  private readonly maxLatencyMs: number;
  private queue: RingBuffer | undefined;
  private rateHz = 0;
  private playing = false;
  private lastTake: number | undefined;
  private due = 0;

  constructor(opts: PlayoutOptions = {}) {
    this.prebufferMs = opts.prebufferMs ?? 250;
    this.maxLatencyMs = opts.maxLatencyMs ?? 1000;
  }

  get rate(): number {
    return this.rateHz;
  }

  /** Samples waiting to be played. */
  get queued(): number {
    return this.queue?.length ?? 0;
  }

  push(samples: readonly number[], rate: number): void {
    if (!(rate > 0)) return;
    if (rate !== this.rateHz || !this.queue) {
      this.rateHz = rate;
      this.queue = new RingBuffer(Math.max(1, Math.ceil((rate * this.maxLatencyMs) / 1000)));
      this.playing = false;
    }
    for (const s of samples) this.queue.push(s);
  }

  /** The samples due at `nowMs` since the previous call, oldest first; NaN where none arrived in time. */
  take(nowMs: number): number[] {
    const last = this.lastTake;
    this.lastTake = nowMs;
    if (last === undefined || !this.queue) return [];
    // A long pause of the page (background tab) must not replay seconds of gap at once.
    const elapsed = Math.min(Math.max(0, nowMs - last), this.maxLatencyMs);
    const prebuffer = Math.ceil((this.rateHz * this.prebufferMs) / 1000);
    // A device clock slightly faster than ours fills the queue: play a little faster until it drains.
    const speed = this.queue.length > 2 * prebuffer ? 1.05 : 1;
    this.due += (elapsed * this.rateHz * speed) / 1000;
    const n = Math.floor(this.due);
    this.due -= n;
    if (!this.playing && this.queue.length >= prebuffer) this.playing = true;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = this.playing ? this.queue.shift() : undefined;
      if (s === undefined) {
        this.playing = false;
        out.push(Number.NaN);
      } else out.push(s);
    }
    return out;
  }
}
