import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Call } from '../call/call.ts';
import { drawTrace, ease, rangeOf, type Scale } from '../../shared/waveform/draw.ts';
import { Playout } from '../../shared/waveform/playout.ts';
import { RingBuffer } from '../../shared/waveform/ring-buffer.ts';

const PLETH = 'MDC_PULS_OXIM_PLETH';
/** Seconds of waveform on screen. */
const WINDOW_S = 6;

/**
 * The pleth waveform from the `telemetry` channel, played out at the device's rate (a jitter buffer) and drawn
 * every animation frame; lost frames and pauses are gaps. `data-samples-drawn` counts the samples drawn.
 */
export function Pleth({ call }: { call: Call }) {
  const { t } = useTranslation();
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const playout = new Playout({ prebufferMs: 200, maxLatencyMs: 1500 });
    let shown: RingBuffer | undefined;
    let scale: Scale | undefined;
    let drawn = 0;
    let raf = 0;
    const fit = (): void => {
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    };
    const resize = new ResizeObserver(fit);
    resize.observe(canvas);
    fit();
    const off = call.onWaveform((s) => {
      if (s.info.code === PLETH) playout.push(s.samples, s.info.rate);
    });
    const frame = (now: number): void => {
      raf = requestAnimationFrame(frame);
      const fresh = playout.take(now);
      if (fresh.length === 0) return;
      const capacity = Math.max(2, Math.round(playout.rate * WINDOW_S));
      if (shown?.capacity !== capacity) shown = new RingBuffer(capacity);
      for (const v of fresh) {
        shown.push(v);
        if (!Number.isNaN(v)) drawn++;
      }
      const target = rangeOf(shown);
      if (target) scale = ease(scale, target);
      if (scale) drawTrace(ctx, shown, scale, { line: '#7ee0ff', width: 3 * (window.devicePixelRatio || 1) });
      canvas.dataset.samplesDrawn = String(drawn);
    };
    raf = requestAnimationFrame(frame);
    return () => {
      cancelAnimationFrame(raf);
      resize.disconnect();
      off();
    };
  }, [call]);

  return (
    <section className="pleth-box card">
      <h2 className="box-title">{t('pleth.title')}</h2>
      <canvas ref={canvasRef} className="pleth" data-testid="pleth" data-samples-drawn="0" role="img" aria-label={t('pleth.label')} />
    </section>
  );
}
