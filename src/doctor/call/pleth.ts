import { REPORT_PART_BYTES } from '../../shared/hub-protocol.ts';
import { decodeFrame, unwrapIndex, type CabinEvent } from '../../shared/telemetry.ts';
import { MAX_EXCERPT_SAMPLES, type PlethExcerpt } from '../../shared/visit-devices.ts';

export type StreamInfo = Omit<Extract<CabinEvent, { type: 'stream' }>, 'type'>;
export interface StreamSamples {
  info: StreamInfo;
  /**
   * The frame's samples, preceded by NaN when the index jumped (a gap: one per missing sample, at most MAX_GAP_S of
   * them, so the real samples are the ones after the last NaN).
   */
  samples: number[];
  /** The stream's sample index (unwrapped) just after the last of `samples`: sample i's time is t0 + i / rate s. */
  end: number;
}

/** Gaps longer than this are drawn as this many seconds (the screen shows less anyway). */
const MAX_GAP_S = 10;

/**
 * The waveform streams of the `telemetry` channel: declared by `stream` messages on `events`, then fed with
 * binary frames. Frames arrive unordered and may be lost: a jump forward in the sample index becomes a gap
 * (NaN samples), a frame from the past (late or duplicated) is dropped where it overlaps what was shown.
 */
export class WaveformStreams {
  private readonly streams = new Map<number, { info: StreamInfo; next: number | undefined }>();

  declare(info: StreamInfo): void {
    const known = this.streams.get(info.stream);
    const same = known && known.info.deviceId === info.deviceId && known.info.code === info.code && known.info.rate === info.rate && known.info.t0 === info.t0;
    if (!same) this.streams.set(info.stream, { info: { ...info }, next: undefined });
  }

  info(stream: number): StreamInfo | undefined {
    return this.streams.get(stream)?.info;
  }

  /** Decodes one binary frame; undefined for a malformed frame or one of an undeclared stream. */
  frame(bytes: ArrayBuffer | Uint8Array): StreamSamples | undefined {
    const f = decodeFrame(bytes);
    if (!f) return undefined;
    const s = this.streams.get(f.stream);
    if (!s) return undefined;
    const n = f.samples.length;
    if (s.next === undefined) {
      s.next = f.index + n;
      return { info: s.info, samples: f.samples, end: s.next };
    }
    const full = unwrapIndex(f.index, s.next);
    if (full < s.next) {
      const overlap = s.next - full;
      if (overlap >= n) return { info: s.info, samples: [], end: s.next };
      s.next = full + n;
      return { info: s.info, samples: f.samples.slice(overlap), end: s.next };
    }
    const gap = full - s.next;
    const shown = Math.min(gap, Math.ceil(s.info.rate * MAX_GAP_S));
    const out = new Array<number>(shown).fill(Number.NaN);
    for (const v of f.samples) out.push(v);
    s.next = full + n;
    return { info: s.info, samples: out, end: s.next };
  }

  clear(): void {
    this.streams.clear();
  }
}

/** « Garder ce passage » keeps at most the last this many seconds of the curve. */
export const KEEP_S = 10;
/** Less than this is nothing worth keeping (the curve has only just started, or came back a moment ago). */
export const MIN_KEEP_S = 1;

interface Run {
  info: StreamInfo;
  /** The stream's index of samples[0]. */
  start: number;
  samples: number[];
}

/**
 * The last seconds of each pleth stream, for « Garder ce passage »: one contiguous run per stream at one rate, started
 * again at a gap (lost frames, the oximeter reconnected: a new stream, or the same one declared anew), so a passage
 * never mixes samples from before a gap with samples after it. Fed with what WaveformStreams hands out.
 */
export class PlethTail {
  private readonly runs = new Map<number, Run>();
  /** The stream that got samples last: the one on screen. */
  private latest: number | undefined;

  push(s: StreamSamples): void {
    if (s.samples.length === 0) return;
    let gapAt = -1;
    for (let i = s.samples.length - 1; i >= 0; i--) {
      if (Number.isNaN(s.samples[i])) {
        gapAt = i;
        break;
      }
    }
    const real = gapAt >= 0 ? s.samples.slice(gapAt + 1) : s.samples;
    const start = s.end - real.length;
    const run = this.runs.get(s.info.stream);
    // A declaration that changed (a new t0, rate or device) is a new object: what came before is another curve.
    if (!run || run.info !== s.info || gapAt >= 0 || run.start + run.samples.length !== start) {
      this.runs.set(s.info.stream, { info: s.info, start, samples: [...real] });
    } else {
      for (const v of real) run.samples.push(v);
    }
    this.latest = s.info.stream;
    const r = this.runs.get(s.info.stream)!;
    const max = Math.min(MAX_EXCERPT_SAMPLES, Math.ceil(KEEP_S * r.info.rate));
    if (r.samples.length > 2 * max) this.trim(r, max);
  }

  /**
   * The passage to keep: the last KEEP_S seconds of the stream on screen, or from its last gap if that is shorter, as
   * a marked excerpt of at most MAX_EXCERPT_SAMPLES whose message fits a report part; null when there is less than
   * MIN_KEEP_S of curve since the last gap.
   */
  take(): PlethExcerpt | null {
    const r = this.latest === undefined ? undefined : this.runs.get(this.latest);
    if (!r || r.samples.length < Math.max(1, Math.ceil(MIN_KEEP_S * r.info.rate))) return null;
    this.trim(r, Math.min(MAX_EXCERPT_SAMPLES, Math.ceil(KEEP_S * r.info.rate)));
    let samples = r.samples.slice();
    let start = r.start;
    // Samples of many digits (a device's own floating scale) could make a frame too big: the oldest go first.
    while (samples.length > 1 && JSON.stringify(samples).length > REPORT_PART_BYTES - 1024) {
      const cut = Math.ceil(samples.length / 10);
      samples = samples.slice(cut);
      start += cut;
    }
    return { deviceId: r.info.deviceId, code: 'MDC_PULS_OXIM_PLETH', t: r.info.t0 + (start * 1000) / r.info.rate, rate: r.info.rate, samples, marked: true };
  }

  clear(): void {
    this.runs.clear();
    this.latest = undefined;
  }

  private trim(r: Run, max: number): void {
    const over = r.samples.length - max;
    if (over <= 0) return;
    r.samples.splice(0, over);
    r.start += over;
  }
}
