import type { TrendPoint } from './readings.ts';
import { clockTime } from './format.ts';

/** A trend as a small vector chart: axes, a few ticks, one line per series; many points are drawn per bucket (min–max bar and mean). */

export interface Series {
  /** Index of the value in each point's `values`. */
  index: number;
  color: string;
  label: string;
}

/** At most this many buckets across the chart: a 30-minute oximetry (1 800 points) stays a few kilobytes. */
const MAX_BUCKETS = 240;
const STEPS = [1, 2, 5, 10, 20, 25, 50, 100];

function ticks(min: number, max: number): { lo: number; hi: number; step: number } {
  const span = Math.max(max - min, 1);
  const step = STEPS.find((s) => span / s <= 5) ?? 100;
  const lo = Math.floor(min / step) * step;
  const hi = Math.max(Math.ceil(max / step) * step, lo + step);
  return { lo, hi, step };
}

interface Bucket {
  t: number;
  min: number;
  max: number;
  sum: number;
  n: number;
}

function buckets(points: readonly TrendPoint[], index: number, t0: number, t1: number): Bucket[] {
  const usable = points.filter((p) => Number.isFinite(p.values[index]));
  if (usable.length <= MAX_BUCKETS) return usable.map((p) => ({ t: p.t, min: p.values[index]!, max: p.values[index]!, sum: p.values[index]!, n: 1 }));
  const width = Math.max((t1 - t0) / MAX_BUCKETS, 1);
  const out = new Map<number, Bucket>();
  for (const p of usable) {
    const v = p.values[index]!;
    const k = Math.min(Math.floor((p.t - t0) / width), MAX_BUCKETS - 1);
    const b = out.get(k);
    if (b) {
      b.min = Math.min(b.min, v);
      b.max = Math.max(b.max, v);
      b.sum += v;
      b.n += 1;
    } else out.set(k, { t: t0 + (k + 0.5) * width, min: v, max: v, sum: v, n: 1 });
  }
  return [...out.values()].sort((a, b) => a.t - b.t);
}

/** Draws the chart in the box (x, y, w, h); the caller has made room for it. */
export function drawTrend(doc: PDFKit.PDFDocument, box: { x: number; y: number; w: number; h: number }, points: readonly TrendPoint[], series: readonly Series[]): void {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const t0 = sorted[0]!.t;
  const t1 = Math.max(sorted[sorted.length - 1]!.t, t0 + 1);
  const all = sorted.flatMap((p) => series.map((s) => p.values[s.index]).filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const { lo, hi, step } = ticks(Math.min(...all), Math.max(...all));
  const left = box.x + 34;
  const bottom = box.y + box.h - 14;
  const top = box.y + 14;
  const width = box.w - 34;
  const X = (t: number): number => left + ((t - t0) / (t1 - t0)) * width;
  const Y = (v: number): number => bottom - ((v - lo) / (hi - lo)) * (bottom - top);

  doc.save();
  doc.lineWidth(0.4).strokeColor('#bbbbbb');
  doc.font('regular').fontSize(7).fillColor('#444444');
  for (let v = lo; v <= hi + step / 1000; v += step) {
    doc.moveTo(left, Y(v)).lineTo(left + width, Y(v)).stroke();
    doc.text(String(v), box.x, Y(v) - 3.5, { width: 30, align: 'right', lineBreak: false });
  }
  doc.strokeColor('#444444').moveTo(left, top).lineTo(left, bottom).lineTo(left + width, bottom).stroke();
  doc.text(clockTime(t0, 'fr'), left, bottom + 3, { width: 60, lineBreak: false });
  doc.text(clockTime(t1, 'fr'), left + width - 60, bottom + 3, { width: 60, align: 'right', lineBreak: false });

  for (const s of series) {
    const bs = buckets(sorted, s.index, t0, t1);
    doc.strokeColor(s.color).fillColor(s.color).lineWidth(0.8);
    bs.forEach((b, i) => {
      const x = X(b.t);
      const y = Y(b.sum / b.n);
      if (i === 0) doc.moveTo(x, y);
      else doc.lineTo(x, y);
    });
    doc.stroke();
    for (const b of bs) {
      if (b.max > b.min) doc.lineWidth(0.5).moveTo(X(b.t), Y(b.min)).lineTo(X(b.t), Y(b.max)).stroke();
      if (bs.length <= 60) doc.circle(X(b.t), Y(b.sum / b.n), 1.4).fill();
    }
  }
  let lx = left + 4;
  for (const s of series) {
    doc.fillColor(s.color).rect(lx, box.y + 3, 8, 3).fill();
    doc.fillColor('#222222').text(s.label, lx + 11, box.y + 1, { lineBreak: false });
    lx += 11 + doc.widthOfString(s.label) + 10;
  }
  doc.restore();
  doc.fillColor('black').strokeColor('black');
}
