import { decodeFrame, unwrapIndex, type CabinEvent } from '../../shared/telemetry.ts';

export type StreamInfo = Omit<Extract<CabinEvent, { type: 'stream' }>, 'type'>;
export interface StreamSamples {
  info: StreamInfo;
  /** The frame's samples, preceded by one NaN per missing sample when the index jumped (a gap). */
  samples: number[];
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
      return { info: s.info, samples: f.samples };
    }
    const full = unwrapIndex(f.index, s.next);
    if (full < s.next) {
      const overlap = s.next - full;
      if (overlap >= n) return { info: s.info, samples: [] };
      s.next = full + n;
      return { info: s.info, samples: f.samples.slice(overlap) };
    }
    const gap = full - s.next;
    const shown = Math.min(gap, Math.ceil(s.info.rate * MAX_GAP_S));
    const out = new Array<number>(shown).fill(Number.NaN);
    for (const v of f.samples) out.push(v);
    s.next = full + n;
    return { info: s.info, samples: out };
  }

  clear(): void {
    this.streams.clear();
  }
}
