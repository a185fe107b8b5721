import type { EventPayload, Reading } from '../../shared/bridge.ts';
import { encodeObservationFrame } from '../../shared/observation-frame.ts';
import { encodeFrame, MAX_STREAM_ID, TELEMETRY_MAX_BUFFERED, type CabinEvent } from '../../shared/telemetry.ts';
import type { ChannelLike } from './channel.ts';
import type { CallStats } from './stats.ts';

export type StreamDeclaration = Extract<CabinEvent, { type: 'stream' }>;
type Waveform = EventPayload<'waveform'>;

export const FRAME_MS = 40;
/**
 * At the lowest bandwidth level, a frame every 200 ms: each frame costs ~80 bytes of SCTP, DTLS, UDP, IP and TURN
 * headers for a few bytes of samples, 18 kbit/s at 40 ms, which a 128 kbit/s link needs for the readings and audio.
 */
export const SLOW_FRAME_MS = 200;
/**
 * The telemetry copy of a reading goes this long after the `events` copy: sent together they would share one SCTP
 * packet (and be lost together); apart, one lost packet costs one copy only.
 */
export const OBSERVATION_COPY_DELAY_MS = 30;
/**
 * On the poorest link (`minimal`: 10 % loss and 600 ms round trips in issue 11's second case) a second copy goes this
 * much later: a lost packet there costs the `events` copy an SCTP retransmission timeout of a second or more (doubled
 * when the retransmission is lost too), and two lost copies far enough apart to fall in different loss bursts are
 * rarer still. The doctor's side keeps the first copy of an id.
 */
export const OBSERVATION_SECOND_COPY_MS = 400;
/**
 * Copies of readings may queue on `telemetry` up to this much (waveform frames only up to TELEMETRY_MAX_BUFFERED): a
 * copy queued behind a small congestion window still arrives before the retransmission it stands in for.
 */
export const COPY_MAX_BUFFERED = 4 * TELEMETRY_MAX_BUFFERED;
/** Samples per frame at most, so a frame stays far under the data-channel message limit. */
export const MAX_FRAME_SAMPLES = 2000;
/** A waveform event this long after the one before is a gap (the doctor draws it as one). */
export const GAP_MS = 1000;

interface Stream {
  decl: StreamDeclaration;
  /** Index of the next sample this stream will receive. */
  next: number;
  /** Samples waiting for the next frame, and the index of the first of them. */
  pending: number[];
  pendingStart: number;
  /** Time of the latest waveform event. */
  lastT: number;
}

export interface TelemetryDeps {
  /** Sends (and remembers for every reopening) a stream declaration on `events`. */
  declare(decl: StreamDeclaration): void;
  stats: CallStats;
  frameMs?: number;
}

/**
 * Waveform events → binary frames on `telemetry`: one stream per (device, code, rate), declared on
 * `events`, a frame every 40 ms; a frame the channel cannot take now is dropped (its indexes still advance,
 * so the doctor sees a gap rather than a stretched wave).
 */
export class TelemetrySender {
  private readonly streams = new Map<string, Stream>();
  private nextId = 0;
  private channel: ChannelLike | undefined;
  private timer: ReturnType<typeof setInterval>;
  private frameMs: number;
  private readonly copies = new Set<ReturnType<typeof setTimeout>>();
  /** A second copy of each reading (the poorest link level). */
  private twice = false;

  constructor(private readonly deps: TelemetryDeps) {
    this.frameMs = deps.frameMs ?? FRAME_MS;
    this.timer = setInterval(() => this.flush(), this.frameMs);
  }

  /** How often frames go from now on (FRAME_MS, or SLOW_FRAME_MS on a very poor link); what waits goes now. */
  setFrameMs(ms: number): void {
    if (!(ms >= 10 && ms <= 1000) || ms === this.frameMs) return;
    this.frameMs = ms;
    clearInterval(this.timer);
    this.flush();
    this.timer = setInterval(() => this.flush(), ms);
  }

  /** Whether each reading gets a second copy, OBSERVATION_SECOND_COPY_MS later (set at the poorest level). */
  setSecondCopy(on: boolean): void {
    this.twice = on;
  }

  attach(channel: ChannelLike | undefined): void {
    this.channel = channel;
  }

  onWaveform(w: Waveform): void {
    if (!(w.rate > 0 && w.rate <= 10_000) || w.samples.length === 0 || !Number.isFinite(w.t)) return;
    const key = `${w.deviceId}\u0000${w.code}`;
    let s = this.streams.get(key);
    if (s && s.decl.rate !== w.rate) {
      this.send(s);
      s = undefined;
    }
    if (!s) {
      s = { decl: { type: 'stream', stream: this.allocate(), deviceId: w.deviceId, code: w.code, rate: w.rate, t0: w.t }, next: 0, pending: [], pendingStart: 0, lastT: w.t };
      this.streams.set(key, s);
      this.deps.declare(s.decl);
    }
    if (w.t - s.lastT > GAP_MS) {
      // The device stopped for a while: skip the indexes of the silence (measured between events, so a
      // device clock a little slower than its nominal rate never looks like a gap).
      this.send(s);
      s.next += Math.max(0, Math.round(((w.t - s.lastT) * s.decl.rate) / 1000) - w.samples.length);
    }
    s.lastT = Math.max(s.lastT, w.t);
    if (s.pending.length === 0) s.pendingStart = s.next;
    for (const v of w.samples) s.pending.push(Number.isFinite(v) ? v : 0);
    s.next += w.samples.length;
  }

  /**
   * A copy of a new reading on `telemetry`, OBSERVATION_COPY_DELAY_MS after the reliable copy on `events`: on a
   * lossy link one lost packet then costs nothing, where the `events` copy alone waits for an SCTP retransmission.
   * False when it breaks the contract (the `events` copy still goes).
   */
  observation(r: Reading): boolean {
    const bytes = encodeObservationFrame({ type: 'observation', ...r });
    if (!bytes) return false;
    for (const delay of this.twice ? [OBSERVATION_COPY_DELAY_MS, OBSERVATION_SECOND_COPY_MS] : [OBSERVATION_COPY_DELAY_MS]) {
      const timer = setTimeout(() => {
        this.copies.delete(timer);
        this.sendCopy(bytes);
      }, delay);
      this.copies.add(timer);
    }
    return true;
  }

  /** Not queued when the channel is closed or far behind (the `events` copy is the one that counts). */
  private sendCopy(bytes: Uint8Array): boolean {
    const ch = this.channel;
    if (!ch || ch.readyState !== 'open' || ch.bufferedAmount > COPY_MAX_BUFFERED) return false;
    try {
      ch.send(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    } catch {
      return false;
    }
    this.deps.stats.telemetryBytes += bytes.byteLength;
    return true;
  }

  /** Sends one frame per stream with samples waiting (the timer calls it every 40 ms). */
  flush(): void {
    for (const s of this.streams.values()) this.send(s);
  }

  close(): void {
    clearInterval(this.timer);
    for (const t of this.copies) clearTimeout(t);
    this.copies.clear();
    this.streams.clear();
    this.channel = undefined;
  }

  private send(s: Stream): void {
    while (s.pending.length > 0) {
      const samples = s.pending.splice(0, MAX_FRAME_SAMPLES);
      const index = s.pendingStart;
      s.pendingStart += samples.length;
      const ch = this.channel;
      if (!ch || ch.readyState !== 'open') continue;
      if (ch.bufferedAmount > TELEMETRY_MAX_BUFFERED) {
        this.deps.stats.framesDropped++;
        continue;
      }
      const bytes = encodeFrame({ stream: s.decl.stream, index, samples });
      try {
        ch.send(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      } catch {
        this.deps.stats.framesDropped++;
        continue;
      }
      this.deps.stats.framesSent++;
      this.deps.stats.samplesSent += samples.length;
      this.deps.stats.telemetryBytes += bytes.byteLength;
    }
  }

  /** The next stream id (0–127), skipping the ids of live streams when it wraps. */
  private allocate(): number {
    const used = new Set([...this.streams.values()].map((s) => s.decl.stream));
    for (let k = 0; k <= MAX_STREAM_ID; k++) {
      const id = (this.nextId + k) % (MAX_STREAM_ID + 1);
      if (!used.has(id)) {
        this.nextId = (id + 1) % (MAX_STREAM_ID + 1);
        return id;
      }
    }
    const id = this.nextId;
    this.nextId = (id + 1) % (MAX_STREAM_ID + 1);
    return id;
  }
}
