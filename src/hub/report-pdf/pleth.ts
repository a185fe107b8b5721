import type { PlethExcerpt } from '../../shared/visit-devices.ts';

/** Points drawn per curve at most: a 10 s passage at 400 Hz is drawn from a tenth of its samples (a few KiB each). */
const MAX_POINTS = 600;

/**
 * The y of each drawn point of a passage, 0 at the top of the box and `h` at the bottom (the highest sample at the
 * top), with its x from 0 to `w`: every sample, or an even pick of MAX_POINTS; a flat passage is a line across the
 * middle.
 */
export function curve(samples: readonly number[], w: number, h: number): [number, number][] {
  if (samples.length === 0) return [];
  const count = Math.min(samples.length, MAX_POINTS);
  const picked = Array.from({ length: count }, (_, i) => samples[Math.floor((i * samples.length) / count)]!);
  let min = Infinity;
  let max = -Infinity;
  for (const v of picked) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const span = max - min;
  const last = Math.max(1, picked.length - 1);
  return picked.map((v, i) => [(i / last) * w, span === 0 ? h / 2 : (1 - (v - min) / span) * h]);
}

/** Draws one passage's curve as a polyline in the box (x, y, w, h), framed; the caller has made room for it. */
export function drawPassage(doc: PDFKit.PDFDocument, box: { x: number; y: number; w: number; h: number }, p: PlethExcerpt): void {
  const pad = 3;
  const points = curve(p.samples, box.w - 2 * pad, box.h - 2 * pad);
  doc.save();
  doc.lineWidth(0.4).strokeColor('#888888').rect(box.x, box.y, box.w, box.h).stroke();
  if (points.length > 0) {
    doc.lineWidth(0.8).strokeColor('#0b3d91');
    const [x0, y0] = points[0]!;
    doc.moveTo(box.x + pad + x0, box.y + pad + y0);
    for (const [x, y] of points.slice(1)) doc.lineTo(box.x + pad + x, box.y + pad + y);
    doc.stroke();
  }
  doc.restore();
}
