import { describe, expect, it } from 'vitest';
import { WaveformStreams } from '../../src/doctor/call/pleth.ts';
import { encodeFrame } from '../../src/shared/telemetry.ts';

const info = { stream: 3, deviceId: 'oxi', code: 'MDC_PULS_OXIM_PLETH' as const, rate: 60, t0: 1_700_000_000_000 };
const frame = (index: number, samples: number[], stream = 3) => encodeFrame({ stream, index, samples });
const nans = (a: number[]) => a.filter((v) => Number.isNaN(v)).length;

describe('pleth stream buffer', () => {
  it('drops frames of undeclared streams and malformed frames', () => {
    const w = new WaveformStreams();
    expect(w.frame(frame(0, [1, 2, 3]))).toBeUndefined();
    w.declare(info);
    expect(w.frame(new Uint8Array([3, 0]))).toBeUndefined();
    expect(w.frame(new Uint8Array([200, 0, 0, 1]))).toBeUndefined();
    expect(w.frame(frame(0, [1, 2, 3]))?.samples).toEqual([1, 2, 3]);
  });

  it('contiguous frames come out as they are', () => {
    const w = new WaveformStreams();
    w.declare(info);
    const out = [frame(100, [1, 2, 3]), frame(103, [4, 5]), frame(105, [6])].flatMap((f) => w.frame(f)!.samples);
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('an index jump is a gap of NaN, as long as the missing samples', () => {
    const w = new WaveformStreams();
    w.declare(info);
    w.frame(frame(0, [1, 2, 3]));
    const s = w.frame(frame(6, [7, 8]))!.samples;
    expect(s).toHaveLength(5);
    expect(nans(s)).toBe(3);
    expect(s.slice(3)).toEqual([7, 8]);
  });

  it('wraps at 65 536 without a gap, and measures a gap across the wrap', () => {
    const w = new WaveformStreams();
    w.declare(info);
    w.frame(frame(65533, [1, 2, 3]));
    expect(w.frame(frame(0, [4, 5]))!.samples).toEqual([4, 5]);
    const s = w.frame(frame(4, [9]))!.samples;
    expect(nans(s)).toBe(2);
    expect(s.at(-1)).toBe(9);
  });

  it('a late or duplicated frame is dropped where it overlaps what came already', () => {
    const w = new WaveformStreams();
    w.declare(info);
    w.frame(frame(10, [1, 2, 3]));
    w.frame(frame(16, [7, 8, 9]));
    expect(w.frame(frame(13, [4, 5, 6]))!.samples).toEqual([]);
    expect(w.frame(frame(16, [7, 8, 9]))!.samples).toEqual([]);
    expect(w.frame(frame(17, [8, 9, 10]))!.samples).toEqual([10]);
  });

  it('a long loss is drawn as at most 10 s of gap', () => {
    const w = new WaveformStreams();
    w.declare(info);
    w.frame(frame(0, [1]));
    const s = w.frame(frame(30_000, [2]))!.samples;
    expect(nans(s)).toBe(600);
  });

  it('re-declaring a stream the same way keeps its position; a changed declaration starts it over', () => {
    const w = new WaveformStreams();
    w.declare(info);
    w.frame(frame(0, [1, 2]));
    w.declare({ ...info });
    expect(w.frame(frame(2, [3]))!.samples).toEqual([3]);
    w.declare({ ...info, t0: info.t0 + 5000 });
    expect(w.frame(frame(500, [4]))!.samples).toEqual([4]);
  });
});
