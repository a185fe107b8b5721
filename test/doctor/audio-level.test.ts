import { describe, expect, it } from 'vitest';
import { formatDb, levelClass, levelOf } from '../../src/doctor/call/audio-level.ts';

const RATE = 48_000;
/** A heartbeat-like block: a decaying 60 Hz burst scaled to `peak`, the rest near silence. */
function burst(peak: number, n = 8192): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = peak * Math.exp(-i / (0.04 * RATE)) * Math.sin((2 * Math.PI * 60 * i) / RATE);
  return out;
}

describe('stethoscope level', () => {
  it('a loud heartbeat around −16 dBFS whose peak touches 0.995 once is not clipping (the demo showed « saturation »)', () => {
    const block = burst(0.9);
    block[500] = 0.995;
    const level = levelOf(block);
    expect(level.db).toBeGreaterThan(-20);
    expect(level.db).toBeLessThan(-10);
    expect(level.clipped).toBe(false);
    expect(levelClass(level.db, level.clipped)).toBe('good');
  });

  it('a flat top at full scale is clipping', () => {
    const block = burst(0.9);
    for (let i = 100; i < 110; i++) block[i] = 1;
    expect(levelOf(block).clipped).toBe(true);
    expect(levelClass(levelOf(block).db, true)).toBe('clipping');
    const neg = burst(0.5);
    neg.fill(-1, 2000, 2003);
    expect(levelOf(neg).clipped).toBe(true);
  });

  it('classifies the RMS level in plain words', () => {
    expect(levelClass(-100, false)).toBe('silent');
    expect(levelClass(-71, false)).toBe('silent');
    expect(levelClass(-60, false)).toBe('quiet');
    expect(levelClass(-30, false)).toBe('good');
    expect(levelClass(-18, false)).toBe('good');
    expect(levelClass(-14, false)).toBe('good');
    expect(levelClass(-3, false)).toBe('loud');
    expect(levelClass(Number.NaN, false)).toBe('silent');
  });

  it('shows whole dBFS with a true minus sign', () => {
    expect(formatDb(-18.4)).toBe('\u221218');
    expect(formatDb(0)).toBe('0');
    expect(formatDb(-Infinity)).toBe('\u2212100');
  });

  it('silence is the floor, NaN samples are skipped', () => {
    expect(levelOf(new Float32Array(256)).db).toBe(-100);
    expect(levelOf([Number.NaN, 0.5, -0.5]).db).toBeCloseTo(20 * Math.log10(0.5), 5);
  });
});
