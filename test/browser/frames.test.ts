import { describe, expect, it } from 'vitest';
import { DISPLAY_FPS, onFrames, type FrameScheduler } from '../../src/browser/frames.ts';

/** A display's animation frames at `hz`, played by hand: every callback asked for before a frame gets that frame's time. */
function display(hz: number, startMs = 1_000_000) {
  let waiting = new Map<number, (now: number) => void>();
  let next = 1;
  let now = startMs;
  const scheduler: FrameScheduler = {
    request: (cb) => {
      waiting.set(next, cb);
      return next++;
    },
    cancel: (h) => void waiting.delete(h),
  };
  return {
    scheduler,
    pending: () => waiting.size,
    run(frames: number): void {
      for (let i = 0; i < frames; i++) {
        now += 1000 / hz;
        const due = waiting;
        waiting = new Map();
        for (const cb of due.values()) cb(now);
      }
    },
  };
}

describe('onFrames: live traces redrawn at most DISPLAY_FPS a second, on frames shared by the page', () => {
  it('draws on half the frames of a 60 Hz screen at 30 fps, with the frame time', () => {
    const d = display(60);
    const times: number[] = [];
    onFrames((t) => times.push(t), 30, d.scheduler);
    d.run(600); // 10 s
    expect(times.length).toBeGreaterThanOrEqual(299);
    expect(times.length).toBeLessThanOrEqual(301);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(1000 / 60);
  });

  it('draws on every frame of a screen slower than the cap', () => {
    const d = display(24);
    let n = 0;
    onFrames(() => n++, 30, d.scheduler);
    d.run(240);
    expect(n).toBe(240);
  });

  it('two traces started at different times draw on the same frames (one commit for both) after the newcomer\'s first', () => {
    const d = display(60);
    const a: number[] = [];
    const b: number[] = [];
    onFrames((t) => a.push(t), DISPLAY_FPS, d.scheduler);
    d.run(7);
    onFrames((t) => b.push(t), DISPLAY_FPS, d.scheduler);
    d.run(120);
    // The newcomer draws at once (it may be the second frame of a slot the other used), then on the shared grid.
    const fromB = a.filter((t) => t > b[0]!);
    expect(b.length).toBeGreaterThan(50);
    expect(b.slice(1)).toEqual(fromB);
  });

  it('stops: no draw after the stop, no frame left asked for', () => {
    const d = display(60);
    let n = 0;
    const stop = onFrames(() => n++, 30, d.scheduler);
    d.run(10);
    const seen = n;
    expect(seen).toBeGreaterThan(0);
    stop();
    expect(d.pending()).toBe(0);
    d.run(60);
    expect(n).toBe(seen);
  });
});
