/** What `npm start` knows about the machine when it decides whether to open Chromium. */
export interface BrowserEnv {
  /** An X or Wayland display to show a window on. */
  display: boolean;
  /** Running as root (uid 0). */
  root: boolean;
  /** Debian's Chromium, if installed. */
  chromium: string | undefined;
  /** `npm start -- --no-browser`. */
  noBrowser: boolean;
}

/** Open Chromium on the display, or let the person open the kiosk address; `say` is the one line that tells them. */
export type BrowserPlan = { open: false; say?: string } | { open: true; exe: string; noSandbox: boolean; say?: string };

/** An X11 or Wayland session to show windows on. */
export const hasDisplay = (env: NodeJS.ProcessEnv): boolean => Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);

/**
 * The launcher's decision. Without a display no browser is started: a headless one nobody sees would spend the
 * kiosk's one-time address. As root Chromium refuses to run with its sandbox, so it runs without it, with a warning:
 * browser mode is for development and demos (a cabin runs the Electron kiosk under its own account), and the only
 * page it loads is the kiosk's own, but the doctor's video and sound are then decoded outside any sandbox.
 */
export function browserPlan(e: BrowserEnv): BrowserPlan {
  if (e.noBrowser) return { open: false };
  if (!e.display) return { open: false, say: 'no display: open the kiosk address below in a browser on this machine' };
  if (!e.chromium) return { open: false, say: 'no Chromium found (apt-get install chromium): open the kiosk address below in a browser on this machine' };
  if (!e.root) return { open: true, exe: e.chromium, noSandbox: false };
  return {
    open: true,
    exe: e.chromium,
    noSandbox: true,
    say: 'running as root: Chromium starts without its sandbox (--no-sandbox); for anything but a try-out, start the cabin as an ordinary user',
  };
}
