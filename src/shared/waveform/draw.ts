import type { RingBuffer } from './ring-buffer.ts';

/** The vertical range the trace is scaled to, eased from frame to frame so it does not jump. */
export interface Scale {
  lo: number;
  hi: number;
}

/** The range of the values in `buf` (NaN gaps ignored), padded; undefined when there is none. */
export function rangeOf(buf: RingBuffer): Scale | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < buf.length; i++) {
    const v = buf.at(i)!;
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return undefined;
  const pad = Math.max((hi - lo) * 0.1, 1);
  return { lo: lo - pad, hi: hi + pad };
}

export function ease(from: Scale | undefined, to: Scale, k = 0.15): Scale {
  if (!from) return to;
  return { lo: from.lo + (to.lo - from.lo) * k, hi: from.hi + (to.hi - from.hi) * k };
}

/**
 * Draws `buf` (the last `buf.capacity` samples, newest at the right edge) as one line; NaN samples are gaps.
 */
export function drawTrace(ctx: CanvasRenderingContext2D, buf: RingBuffer, scale: Scale, style: { line: string; width: number }): void {
  const { width: w, height: h } = ctx.canvas;
  ctx.clearRect(0, 0, w, h);
  const step = w / Math.max(1, buf.capacity - 1);
  const x0 = w - (buf.length - 1) * step;
  const span = scale.hi - scale.lo || 1;
  const margin = style.width;
  ctx.lineWidth = style.width;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.strokeStyle = style.line;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < buf.length; i++) {
    const v = buf.at(i)!;
    if (Number.isNaN(v)) {
      pen = false;
      continue;
    }
    const x = x0 + i * step;
    const y = margin + (1 - (v - scale.lo) / span) * (h - 2 * margin);
    if (pen) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    pen = true;
  }
  ctx.stroke();
}
