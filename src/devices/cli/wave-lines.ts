import type { DeviceEvent, WaveformEvent } from '../../shared/device-event.ts';

/** A serial capture is replayed in slices of this much device time (decode.ts); also the resolution of its `t`. */
export const SLICE_MS = 20;

/**
 * Waveform events of one code are joined while each starts where the samples so far end, give or take this
 * much: the slice's resolution, and two sample periods for the frames of a slice (a decoder stamps all the
 * samples of one push with the push's time). A later start is a gap (finger out, lost lock): a new line.
 */
export function gapToleranceMs(rate: number): number {
  return SLICE_MS + 2000 / rate;
}

/**
 * Gathers waveform events into one line per second of signal (per code, and per `key`: one device of several), each
 * stamped with the time of its first samples. A pause in the samples longer than `toleranceMs(rate)` (a finger-out
 * gap) ends the line, and the next starts at its own time. Other events pass straight through, in order.
 */
export class WaveLines {
  private readonly waves = new Map<string, WaveformEvent>();

  constructor(
    private readonly out: (line: string) => void,
    private readonly toleranceMs: (rate: number) => number = gapToleranceMs,
  ) {}

  take(e: DeviceEvent, key = ''): void {
    if (e.kind !== 'waveform') {
      this.out(JSON.stringify(e) + '\n');
      return;
    }
    const id = `${key}|${e.code}`;
    const held = this.waves.get(id);
    if (held && (held.rate !== e.rate || this.isGap(held, e))) this.emit(id, held);
    const line = this.waves.get(id);
    if (!line) this.waves.set(id, { ...e, samples: [...e.samples] });
    else for (const s of e.samples) line.samples.push(s);
    const now = this.waves.get(id)!;
    if (now.samples.length >= now.rate) this.emit(id, now);
  }

  /** The lines in progress (the end of the capture). */
  flush(): void {
    for (const [id, w] of [...this.waves]) this.emit(id, w);
  }

  private emit(id: string, w: WaveformEvent): void {
    this.out(JSON.stringify(w) + '\n');
    this.waves.delete(id);
  }

  /** `next` starts later than the samples of `held` end: the signal paused in between. */
  private isGap(held: WaveformEvent, next: WaveformEvent): boolean {
    if (held.t === undefined || next.t === undefined) return false;
    const end = held.t + (held.samples.length * 1000) / held.rate;
    return next.t - end > this.toleranceMs(held.rate);
  }
}

