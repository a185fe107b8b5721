import { describe, expect, it } from 'vitest';
import { FIT_STEPS, fitUnder, JPEG_QUALITY } from '../../src/renderer/call/snapshot.ts';
import { MAX_PICTURE_BYTES } from '../../src/shared/picture-limits.ts';

/** An encoder whose output shrinks with quality and with the square of the scale, like a JPEG of a given frame. */
function encoder(fullSizeAt092: number, tried: string[]) {
  return (quality: number, scale: number) => {
    tried.push(`${quality}@${scale}`);
    const bytes = new Uint8Array(Math.round(fullSizeAt092 * (quality / JPEG_QUALITY) ** 3 * scale * scale));
    return Promise.resolve({ bytes, quality, scale });
  };
}

describe('an otoscope snapshot fitted to what the record can carry', () => {
  it('keeps the full resolution at quality 0.92 when it fits', async () => {
    const tried: string[] = [];
    const out = await fitUnder(encoder(500_000, tried));
    expect(out).toMatchObject({ quality: JPEG_QUALITY, scale: 1 });
    expect(tried).toEqual(['0.92@1']);
  });

  it('lowers the quality first, then the size, and stops at the first that fits', async () => {
    const tried: string[] = [];
    const out = await fitUnder(encoder(1_100_000, tried));
    expect(out!.bytes.length).toBeLessThanOrEqual(MAX_PICTURE_BYTES);
    expect(out).toMatchObject({ quality: 0.75, scale: 1 });
    expect(tried).toEqual(['0.92@1', '0.85@1', '0.75@1']);
    const big: string[] = [];
    expect(await fitUnder(encoder(4_000_000, big))).toMatchObject({ scale: 0.5 });
    expect(big).toHaveLength(5);
  });

  it('gives up (no picture rather than one the record refuses) when nothing fits or the encoder fails', async () => {
    const tried: string[] = [];
    expect(await fitUnder(encoder(100_000_000, tried))).toBeUndefined();
    expect(tried).toHaveLength(FIT_STEPS.length);
    let calls = 0;
    expect(await fitUnder(() => (calls++, Promise.resolve(undefined)))).toBeUndefined();
    expect(calls).toBe(1);
  });
});
