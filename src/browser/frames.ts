/**
 * How often the live traces and meters are redrawn (the pleth, the stethoscope's level and spectrum). Every redraw of a
 * canvas costs the page a compositor commit, a raster and a composite: at the screen's 60 Hz, on the cabin's and the
 * doctor's machines without a GPU. Measured during a call on a 2-core machine (both pages, CDP Performance metrics):
 * the kiosk page's main thread went from 64.5 % to 52.6–54.5 % busy at 30 Hz, the console's from 77.7 % to 71–72 %.
 * 30 Hz still moves a 100 Hz pleth 3–4 samples at a time and is faster than a level meter's ballistics.
 */
export const DISPLAY_FPS = 30;

export interface FrameScheduler {
  request(cb: (now: number) => void): number;
  cancel(handle: number): void;
}

const browserFrames = (): FrameScheduler => ({ request: (cb) => requestAnimationFrame(cb), cancel: (h) => cancelAnimationFrame(h) });

/**
 * Calls `draw(now)` on animation frames, at most `fps` times a second. Frames are picked on a time grid every caller
 * shares (slots of 1000/fps ms of the frame time, the first frame in each slot), so the page's traces change on the
 * same frames: one commit for all of them, not one each. Returns the stop.
 */
export function onFrames(draw: (now: number) => void, fps: number = DISPLAY_FPS, frames: FrameScheduler = browserFrames()): () => void {
  const slotMs = 1000 / fps;
  let lastSlot = -Infinity;
  let handle = 0;
  let stopped = false;
  const frame = (now: number): void => {
    if (stopped) return;
    handle = frames.request(frame);
    const slot = Math.floor(now / slotMs);
    if (slot === lastSlot) return;
    lastSlot = slot;
    draw(now);
  };
  handle = frames.request(frame);
  return () => {
    stopped = true;
    frames.cancel(handle);
  };
}
