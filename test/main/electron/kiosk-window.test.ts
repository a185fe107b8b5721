import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CrashLimiter } from '../../../src/main/electron/crash-limiter.ts';
import { DisplayAwake } from '../../../src/main/electron/display-awake.ts';
import { KioskWindow } from '../../../src/main/electron/kiosk-window.ts';
import { BrowserWindow, FakeEvent, powerSaveBlocker, resetFakeElectron } from './fake-electron.ts';

const APP = 'cabin://app/index.html';

function open(opts: { devTools?: boolean; now?: () => number } = {}) {
  const onIncident = vi.fn();
  const limiter = new CrashLimiter(3, 60_000, opts.now ?? (() => 0));
  const kiosk = new KioskWindow(BrowserWindow as never, { preload: '/app/dist/electron/preload.cjs', devTools: opts.devTools ?? false, onIncident, limiter });
  const win = kiosk.window as unknown as BrowserWindow;
  return { kiosk, win, onIncident };
}

beforeEach(() => resetFakeElectron());

describe('kiosk window', () => {
  it('is a fullscreen kiosk with no menu and a locked-down renderer', () => {
    const { win } = open();
    expect(win.options).toMatchObject({ kiosk: true, fullscreen: true, autoHideMenuBar: true, show: false });
    expect(win.options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
      zoomFactor: 1,
      disableDialogs: true,
      autoplayPolicy: 'no-user-gesture-required',
    });
    expect(win.menuRemoved).toBe(true);
  });

  it('allows devtools only when asked (development)', () => {
    expect((open({ devTools: true }).win.options.webPreferences as { devTools: boolean }).devTools).toBe(true);
  });

  it('loads the app entry and shows itself when ready', async () => {
    const { kiosk, win } = open();
    await kiosk.load();
    expect(win.loads).toEqual([APP]);
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
    expect(win.focusCount).toBe(1);
  });

  it('locks the zoom: pinch limits, Ctrl+wheel and Ctrl+± shortcuts', () => {
    const { win } = open();
    const wc = win.webContents;
    expect(wc.visualZoomLimits).toEqual([1, 1]);
    wc.zoomFactor = 2;
    wc.emit('zoom-changed', new FakeEvent(), 'in');
    expect(wc.zoomFactor).toBe(1);
    wc.visualZoomLimits = undefined;
    wc.emit('did-finish-load');
    expect(wc.visualZoomLimits).toEqual([1, 1]);
    const key = (input: Record<string, unknown>) => {
      const event = new FakeEvent();
      wc.emit('before-input-event', event, { type: 'keyDown', control: false, meta: false, ...input });
      return event.defaultPrevented;
    };
    expect(key({ key: '+', code: 'Equal', control: true })).toBe(true);
    expect(key({ key: '=', code: 'Equal', control: true })).toBe(true);
    expect(key({ key: '-', code: 'Minus', control: true })).toBe(true);
    expect(key({ key: '0', code: 'Digit0', control: true })).toBe(true);
    expect(key({ key: '+', code: 'NumpadAdd', control: true })).toBe(true);
    expect(key({ key: '=', code: 'Equal', meta: true })).toBe(true);
    // Typing stays possible (the assistant PIN).
    expect(key({ key: '0', code: 'Digit0' })).toBe(false);
    expect(key({ key: 'a', code: 'KeyA', control: true })).toBe(false);
  });

  it('reloads the app after a renderer crash and records an incident', () => {
    const { win, onIncident } = open();
    win.webContents.emit('render-process-gone', new FakeEvent(), { reason: 'crashed', exitCode: 139 });
    expect(win.loads).toEqual([APP]);
    expect(onIncident).toHaveBeenCalledWith(expect.stringMatching(/crashed, exit code 139.*reloading/));
  });

  it('shows the error page after 3 crashes within a minute, and reloads again once a minute passed', () => {
    let t = 0;
    const { kiosk, win, onIncident } = open({ now: () => t });
    const crash = () => win.webContents.emit('render-process-gone', new FakeEvent(), { reason: 'oom', exitCode: 0 });
    crash();
    t = 10_000;
    crash();
    t = 20_000;
    crash();
    expect(win.loads).toEqual([APP, APP, APP]);
    t = 30_000;
    crash();
    expect(win.loads).toHaveLength(4);
    expect(win.loads[3]).toMatch(/^data:text\/html/);
    expect(decodeURIComponent(win.loads[3] ?? '')).toContain('Please call the assistant');
    expect(kiosk.showingError).toBe(true);
    expect(onIncident).toHaveBeenLastCalledWith(expect.stringMatching(/keeps crashing/));
    // The error page stays: further crash reports do not reload the app behind it.
    crash();
    expect(win.loads).toHaveLength(4);

    const limiter = new CrashLimiter(3, 60_000, () => t);
    for (const at of [0, 1, 2]) {
      t = at;
      expect(limiter.allowReload()).toBe(true);
    }
    t = 59_999;
    expect(limiter.allowReload()).toBe(false);
    t = 60_001;
    expect(limiter.allowReload()).toBe(true);
  });

  it('ignores a clean exit (the window is closing)', () => {
    const { win, onIncident } = open();
    win.webContents.emit('render-process-gone', new FakeEvent(), { reason: 'clean-exit', exitCode: 0 });
    expect(win.loads).toEqual([]);
    expect(onIncident).not.toHaveBeenCalled();
  });

  it('restarts a hung renderer (not while debugging)', () => {
    const { win, onIncident } = open();
    win.webContents.emit('unresponsive');
    expect(win.webContents.forcefullyCrashRenderer).toHaveBeenCalled();
    expect(onIncident).toHaveBeenCalledWith(expect.stringMatching(/stopped responding/));
    const dev = open({ devTools: true });
    dev.win.webContents.emit('unresponsive');
    expect(dev.win.webContents.forcefullyCrashRenderer).not.toHaveBeenCalled();
  });

  it('escapes the reason on the error page', () => {
    const { kiosk, win } = open();
    kiosk.showError('<script>alert(1)</script>');
    expect(decodeURIComponent(win.loads[0] ?? '')).not.toContain('<script>');
    expect(decodeURIComponent(win.loads[0] ?? '')).toContain('&lt;script&gt;');
    expect(win.visible).toBe(true);
  });

  it('focus() brings a minimised kiosk back', () => {
    const { kiosk, win } = open();
    win.minimized = true;
    kiosk.focus();
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
  });
});

describe('display kept awake', () => {
  it('holds one prevent-display-sleep blocker until stopped', () => {
    const awake = new DisplayAwake(powerSaveBlocker);
    awake.start();
    awake.start();
    expect(powerSaveBlocker.start).toHaveBeenCalledTimes(1);
    expect(powerSaveBlocker.start).toHaveBeenCalledWith('prevent-display-sleep');
    expect(awake.active).toBe(true);
    awake.stop();
    expect(awake.active).toBe(false);
    expect(powerSaveBlocker.blockers.size).toBe(0);
  });
});
