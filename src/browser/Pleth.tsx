import { useEffect, useRef } from 'react';
import { onFrames } from './frames.ts';
import { drawTrace, ease, rangeOf, type Scale } from '../shared/waveform/draw.ts';
import { Playout, type PlayoutOptions } from '../shared/waveform/playout.ts';
import { RingBuffer } from '../shared/waveform/ring-buffer.ts';

/** Hands each batch of pleth samples, at the device's rate (Hz), to the component. */
export type PushSamples = (samples: readonly number[], rate: number) => void;

export interface PlethProps {
  /** Starts delivering this oximeter's pleth samples; returns the unsubscribe. Keep it stable (useCallback). */
  subscribe: (push: PushSamples) => () => void;
  /** What a screen reader says of the trace. */
  label: string;
  /** Seconds of waveform on screen. */
  windowS: number;
  /** Trace colour, and its width in CSS pixels. */
  line: string;
  lineWidth: number;
  /** The jitter buffer between arrival and drawing (Playout's defaults when left out). */
  playout?: PlayoutOptions;
}

/**
 * A pleth waveform played out at the device's rate (a jitter buffer) and drawn on animation frames (DISPLAY_FPS a second, frames.ts); when the
 * samples stop, the trace goes on with a gap. `data-samples-drawn` counts the samples drawn, so a test can see
 * the trace move. The kiosk and the doctor console each wrap it with their source of samples and their look.
 */
export function Pleth({ subscribe, label, windowS, line, lineWidth, playout: buffering }: PlethProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const prebufferMs = buffering?.prebufferMs;
  const maxLatencyMs = buffering?.maxLatencyMs;

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const opts: PlayoutOptions = {};
    if (prebufferMs !== undefined) opts.prebufferMs = prebufferMs;
    if (maxLatencyMs !== undefined) opts.maxLatencyMs = maxLatencyMs;
    const playout = new Playout(opts);
    let shown: RingBuffer | undefined;
    let scale: Scale | undefined;
    let drawn = 0;

    const fit = (): void => {
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    };
    const resize = new ResizeObserver(fit);
    resize.observe(canvas);
    fit();

    const off = subscribe((samples, rate) => playout.push(samples, rate));

    const stop = onFrames((now) => {
      const fresh = playout.take(now);
      if (fresh.length === 0) return;
      const capacity = Math.max(2, Math.round(playout.rate * windowS));
      if (shown?.capacity !== capacity) shown = new RingBuffer(capacity);
      for (const v of fresh) {
        shown.push(v);
        if (!Number.isNaN(v)) drawn++;
      }
      const target = rangeOf(shown);
      if (target) scale = ease(scale, target);
      if (scale) drawTrace(ctx, shown, scale, { line, width: lineWidth * (window.devicePixelRatio || 1) });
      canvas.dataset.samplesDrawn = String(drawn);
    });

    return () => {
      stop();
      resize.disconnect();
      off();
    };
  }, [subscribe, windowS, line, lineWidth, prebufferMs, maxLatencyMs]);

  return <canvas ref={canvasRef} className="pleth" data-testid="pleth" data-samples-drawn="0" role="img" aria-label={label} />;
}
