import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALLS } from '../../../src/shared/bridge.ts';
import { startElectronKiosk, type ElectronKioskOptions } from '../../../src/main/electron/main.ts';
import { BrowserWindow, FakeEvent, Menu, app, fake, ipcMain, powerSaveBlocker, protocol, resetFakeElectron, utilityProcess } from './fake-electron.ts';
import { SESSION_VIEW, fakeCabin } from './helpers.ts';
import { createLogger } from '../../../src/server/log.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

const APP = 'cabin://app/index.html';
let rendererDir: string;
beforeAll(() => {
  rendererDir = join(mkdtempSync(join(tmpdir(), 'cabin-main-')), 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Cabin</title>');
});
afterAll(() => rmSync(join(rendererDir, '..'), { recursive: true, force: true }));

async function start(options: Partial<ElectronKioskOptions> = {}) {
  const { cabin, emit } = fakeCabin();
  const onIncident = vi.fn();
  const startCabin = vi.fn(async () => cabin);
  const kiosk = startElectronKiosk({ startCabin, onIncident, rendererDir, ...options });
  fake.ready();
  await kiosk?.ready;
  const win = BrowserWindow.instances[0];
  return { kiosk, cabin, emit, onIncident, startCabin, win };
}

beforeEach(() => resetFakeElectron());

describe('Electron main', () => {
  it('quits at once when another kiosk holds the single-instance lock', () => {
    app.lock = false;
    const startCabin = vi.fn();
    expect(startElectronKiosk({ startCabin })).toBeUndefined();
    expect(app.quit).toHaveBeenCalled();
    expect(protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
    expect(startCabin).not.toHaveBeenCalled();
  });

  it('makes the scheme privileged and enables the sandbox before ready', () => {
    startElectronKiosk({ startCabin: vi.fn() });
    expect(app.isReady()).toBe(false);
    expect(protocol.privileged).toEqual([
      expect.objectContaining({ scheme: 'cabin', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) }),
    ]);
    expect(app.enableSandbox).toHaveBeenCalled();
    expect(BrowserWindow.instances).toHaveLength(0);
  });

  it('focuses the running kiosk when a second instance starts', async () => {
    const { win } = await start();
    win!.minimized = true;
    app.emit('second-instance', new FakeEvent(), [], '/');
    expect(win!.minimized).toBe(false);
    expect(win!.focusCount).toBeGreaterThan(0);
  });

  it('on ready: no menu, permissions, the app protocol with its CSP, the kiosk window, the display kept awake', async () => {
    const { win, startCabin } = await start({ connectSrc: ['wss://hub.example.org'] });
    expect(Menu.setApplicationMenu).toHaveBeenCalledWith(null);
    expect(fake.session.permissionRequestHandler).toBeTypeOf('function');
    expect(fake.session.permissionCheckHandler).toBeTypeOf('function');
    expect(fake.session.devicePermissionHandler?.()).toBe(false);
    const handler = protocol.handlers.get('cabin');
    const res = await handler!(new Request('cabin://app/index.html'));
    expect(await res.text()).toContain('<title>Cabin</title>');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' wss://hub.example.org");
    expect(startCabin).toHaveBeenCalledTimes(1);
    expect(BrowserWindow.instances).toHaveLength(1);
    expect(win!.options).toMatchObject({ kiosk: true, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, devTools: false } });
    expect((win!.options.webPreferences as { preload: string }).preload).toBe('/opt/Cabin/resources/app.asar/dist/electron/preload.cjs');
    expect(win!.loads).toEqual([APP]);
    expect(powerSaveBlocker.start).toHaveBeenCalledWith('prevent-display-sleep');
  });

  it('guards every web contents that Electron creates', async () => {
    // The shell's warnings go to cabin main's log (a capture here), as warn lines.
    const lines: string[] = [];
    const log = createLogger({ name: 'cabin', level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const warn = vi.fn((line: string) => line);
    const { win } = await start({ log });
    const nav = new FakeEvent({ url: 'https://evil.example/' });
    win!.webContents.emit('will-navigate', nav);
    expect(nav.defaultPrevented).toBe(true);
    expect(win!.webContents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    for (const l of lines.map((x) => JSON.parse(x) as { level: number; msg: string })) if (l.level === 40) warn(l.msg);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Blocked navigation to https://evil.example/'));
  });

  it('serves every call of the contract over IPC, from the kiosk page only', async () => {
    const { win, cabin } = await start();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.keys(CALLS).map((n) => `bridge:${n}`).sort());
    const wc = win!.webContents;
    expect(await ipcMain.invoke('bridge:session:get', wc.ipcEvent(), {})).toEqual({ ok: true, value: { handled: 'session:get', input: {} } });
    const refused = await ipcMain.invoke('bridge:session:get', wc.ipcEvent({ url: APP, parent: { url: APP, parent: null } }), {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(cabin.handlers['session:get']).toHaveBeenCalledTimes(1);
  });

  it('forwards cabin events to the kiosk window', async () => {
    const { win, emit } = await start();
    emit('session', SESSION_VIEW as never);
    expect(win!.webContents.sent).toEqual([['bridge:event', 'session', SESSION_VIEW]]);
  });

  it('gives the composition root a utilityProcess device host', async () => {
    let launched: unknown;
    await start({
      hostEntry: '/app/host.js',
      startCabin: async (shell) => {
        launched = shell.hostLauncher({ simulate: [] })();
        return fakeCabin().cabin;
      },
    });
    expect(launched).toBeDefined();
    expect(utilityProcess.fork).toHaveBeenCalledWith('/app/host.js', [], expect.objectContaining({ env: expect.objectContaining({ CABIN_DEVICES_CONFIG: '{"simulate":[]}' }) }));
  });

  it('shows the error page and records an incident when the cabin services fail to start', async () => {
    const { win, onIncident } = await start({ startCabin: () => Promise.reject(new Error('Config file cabin.json is not valid JSON')) });
    expect(onIncident).toHaveBeenCalledWith(expect.stringContaining('did not start: Config file cabin.json'));
    expect(win!.loads).toHaveLength(1);
    expect(decodeURIComponent(win!.loads[0] ?? '')).toContain('Config file cabin.json is not valid JSON');
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('shows the error page when the renderer was not built', async () => {
    const { win, onIncident } = await start({ rendererDir: join(rendererDir, 'missing') });
    expect(onIncident).toHaveBeenCalledWith(expect.stringContaining('kiosk screens are missing'));
    expect(win!.loads).toHaveLength(1);
    expect(decodeURIComponent(win!.loads[0] ?? '')).toContain('build the renderer');
  });

  it('refuses calls once the kiosk window is gone', async () => {
    const { win } = await start();
    const event = win!.webContents.ipcEvent();
    win!.destroyed = true;
    expect(await ipcMain.invoke('bridge:session:get', event, {})).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('closed') } });
  });

  it('records an incident and quits when the shell itself fails', async () => {
    const onIncident = vi.fn();
    fake.session.setPermissionRequestHandler = () => {
      throw new Error('boom');
    };
    const kiosk = startElectronKiosk({ startCabin: vi.fn(), onIncident, rendererDir });
    fake.ready();
    await kiosk?.ready;
    expect(onIncident).toHaveBeenCalledWith('The kiosk shell failed to start: boom');
    expect(app.quit).toHaveBeenCalled();
  });

  it('never enables devtools in a packaged app', async () => {
    app.isPackaged = true;
    const { win } = await start({ dev: true });
    expect((win!.options.webPreferences as { devTools: boolean }).devTools).toBe(false);
  });

  it('enables devtools for an unpackaged dev run', async () => {
    const { win } = await start({ dev: true });
    expect((win!.options.webPreferences as { devTools: boolean }).devTools).toBe(true);
  });

  it('stops the cabin services before quitting', async () => {
    const { cabin } = await start();
    const first = new FakeEvent();
    app.emit('will-quit', first);
    expect(first.defaultPrevented).toBe(true);
    expect(cabin.stop).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    const second = new FakeEvent();
    app.emit('will-quit', second);
    expect(second.defaultPrevented).toBe(false);
    expect(cabin.stop).toHaveBeenCalledTimes(1);
    expect(ipcMain.handlers.size).toBe(0);
    expect(powerSaveBlocker.blockers.size).toBe(0);
  });

  it("closes cabin main's log last, after the cabin services stopped, then quits", async () => {
    const written: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        written.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ name: 'cabin', level: 'info', destination: stream });
    const { cabin } = await start({ log });
    app.emit('will-quit', new FakeEvent());
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));
    expect(cabin.stop).toHaveBeenCalledTimes(1);
    expect(stream.writableFinished).toBe(false);
    log.info('last line');
    const second = new FakeEvent();
    app.emit('will-quit', second);
    expect(second.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(2));
    expect(stream.writableFinished).toBe(true);
    expect(written.join('')).toContain('"msg":"last line"');
    const third = new FakeEvent();
    app.emit('will-quit', third);
    expect(third.defaultPrevented).toBe(false);
  });

  it('quits when the kiosk window is closed', async () => {
    await start();
    app.emit('window-all-closed');
    expect(app.quit).toHaveBeenCalled();
  });
});
