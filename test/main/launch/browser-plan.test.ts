import { describe, expect, it } from 'vitest';
import { browserPlan, hasDisplay } from '../../../src/main/launch/browser-plan.ts';

/** `npm start`'s decision: open Chromium on the display, or tell the person to open the kiosk address. */
describe('browserPlan', () => {
  const env = { display: true, root: false, chromium: '/usr/bin/chromium', noBrowser: false };

  it('starts no browser without a display (a headless one would spend the one-time address) and says so in one line', () => {
    const plan = browserPlan({ ...env, display: false });
    expect(plan).toEqual({ open: false, say: 'no display: open the kiosk address below in a browser on this machine' });
    // Root or not, with Chromium or not: still no hidden browser.
    expect(browserPlan({ ...env, display: false, root: true }).open).toBe(false);
  });

  it('opens Chromium with its sandbox for an ordinary user on a display, without a word', () => {
    expect(browserPlan(env)).toEqual({ open: true, exe: '/usr/bin/chromium', noSandbox: false });
  });

  it('as root on a display, opens Chromium without its sandbox (it refuses otherwise) and warns', () => {
    const plan = browserPlan({ ...env, root: true });
    expect(plan).toMatchObject({ open: true, noSandbox: true });
    expect(plan.say).toMatch(/^running as root: Chromium starts without its sandbox \(--no-sandbox\)/);
  });

  it('says what to install when Chromium is missing, and nothing with --no-browser', () => {
    expect(browserPlan({ ...env, chromium: undefined })).toEqual({ open: false, say: expect.stringMatching(/no Chromium found \(apt-get install chromium\): open the kiosk address below/) });
    expect(browserPlan({ ...env, noBrowser: true })).toEqual({ open: false });
  });
});

describe('hasDisplay', () => {
  it('is an X11 or a Wayland display', () => {
    expect(hasDisplay({})).toBe(false);
    expect(hasDisplay({ DISPLAY: '' })).toBe(false);
    expect(hasDisplay({ DISPLAY: ':0' })).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
  });
});
