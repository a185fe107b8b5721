import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useBridge } from '../bridge/context.tsx';
import { drawTrace, ease, rangeOf, type Scale } from '../../shared/waveform/draw.ts';
import { Playout } from '../../shared/waveform/playout.ts';
import { RingBuffer } from '../../shared/waveform/ring-buffer.ts';

const PLETH = 'MDC_PULS_OXIM_PLETH';
/** Seconds of waveform on screen. */
const WINDOW_S = 5;

/**
 * The oximeter's pleth waveform, drawn every animation frame at the device's rate from `waveform` events
 * (a jitter buffer between the two). When the samples stop, the trace goes on with a gap. The number of
 * samples drawn so far is kept in `data-samples-drawn`, so a test can see the trace move.
 */
export function Pleth({ deviceId }: { deviceId: string }) {
  const { t } = useTranslation();
  const bridge = useBridge();
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const playout = new Playout();
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

    const off = bridge.on('waveform', (w) => {
      if (w.deviceId === deviceId && w.code === PLETH) playout.push(w.samples, w.rate);
    });

    const frame = (now: number): void => {
      raf = requestAnimationFrame(frame);
      const fresh = playout.take(now);
      if (fresh.length === 0) return;
      const capacity = Math.max(2, Math.round(playout.rate * WINDOW_S));
      if (shown?.capacity !== capacity) shown = new RingBuffer(capacity);
      for (const s of fresh) {
        shown.push(s);
        if (!Number.isNaN(s)) drawn++;
      }
      const target = rangeOf(shown);
      if (target) scale = ease(scale, target);
      if (scale) drawTrace(ctx, shown, scale, { line: '#0b3d91', width: 4 * (window.devicePixelRatio || 1) });
      canvas.dataset.samplesDrawn = String(drawn);
    };
    raf = requestAnimationFrame(frame);

    return () => {
      cancelAnimationFrame(raf);
      resize.disconnect();
      off();
    };
  }, [bridge, deviceId]);

  return <canvas ref={canvasRef} className="pleth" data-testid="pleth" data-samples-drawn="0" role="img" aria-label={t('exam.waveform')} />;
}
