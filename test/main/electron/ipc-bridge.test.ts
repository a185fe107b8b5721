import type { IpcMain } from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { CALLS } from '../../../src/shared/bridge.ts';
import { EVENT_CHANNEL, IpcBridge, callChannel, kioskEventSink, senderProblem } from '../../../src/main/electron/ipc-bridge.ts';
import { FakeWebContents, ipcMain, resetFakeElectron } from './fake-electron.ts';
import { SESSION_VIEW, fakeCabin } from './helpers.ts';

const APP = 'cabin://app/index.html';

function setup() {
  const kiosk = new FakeWebContents();
  kiosk.url = APP;
  const { cabin } = fakeCabin();
  const bridge = new IpcBridge(ipcMain as unknown as IpcMain, cabin.handlers, () => kiosk);
  bridge.register();
  return { kiosk, cabin, bridge };
}

beforeEach(() => resetFakeElectron());

describe('IPC bridge', () => {
  it('registers one handler per call of the contract, on bridge:<call>', () => {
    setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(Object.keys(CALLS).map((n) => `bridge:${n}`).sort());
    expect(callChannel('session:get')).toBe('bridge:session:get');
  });

  it('runs a call from the kiosk page through dispatch', async () => {
    const { kiosk, cabin } = setup();
    const result = await ipcMain.invoke('bridge:session:start', kiosk.ipcEvent(), { language: 'en' });
    expect(result).toEqual({ ok: true, value: { handled: 'session:start', input: { language: 'en' } } });
    expect(cabin.handlers['session:start']).toHaveBeenCalledTimes(1);
  });

  it('returns dispatch errors as results (invalid input)', async () => {
    const { kiosk, cabin } = setup();
    const result = await ipcMain.invoke('bridge:session:start', kiosk.ipcEvent(), { language: 'de' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(cabin.handlers['session:start']).not.toHaveBeenCalled();
  });

  it.each([
    ['a subframe of the kiosk page', (k: FakeWebContents) => k.ipcEvent({ url: APP, parent: { url: APP, parent: null } }), /subframe/],
    ['another origin', (k: FakeWebContents) => k.ipcEvent({ url: 'https://evil.example/', parent: null }), /evil\.example.*not from the kiosk app/],
    ['the error page', (k: FakeWebContents) => k.ipcEvent({ url: 'data:text/html,x', parent: null }), /not from the kiosk app/],
    ['a frame that is gone', (k: FakeWebContents) => k.ipcEvent(null), /navigated away or closed/],
    ['another window on the app origin', () => new FakeWebContents().ipcEvent({ url: APP, parent: null }), /other than the kiosk/],
  ])('refuses a call from %s with a clear error result', async (_what, event, why) => {
    const { kiosk, cabin } = setup();
    const result = (await ipcMain.invoke('bridge:session:get', event(kiosk), {})) as { ok: boolean; error: { code: string; message: string } };
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe('forbidden');
    expect(result.error.message).toMatch(/^The call session:get was refused: /);
    expect(result.error.message).toMatch(why);
    expect(cabin.handlers['session:get']).not.toHaveBeenCalled();
  });

  it('senderProblem accepts the kiosk main frame on the app origin', () => {
    const kiosk = new FakeWebContents();
    expect(senderProblem(kiosk.ipcEvent({ url: APP, parent: null }) as never, kiosk)).toBeUndefined();
  });

  it('removes its handlers on dispose', () => {
    const { bridge } = setup();
    bridge.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('sends events to the kiosk window only while it shows the app', () => {
    const kiosk = new FakeWebContents();
    kiosk.url = APP;
    const sink = kioskEventSink(() => kiosk);
    sink('session', SESSION_VIEW as never);
    expect(kiosk.sent).toEqual([[EVENT_CHANNEL, 'session', SESSION_VIEW]]);
    kiosk.url = 'data:text/html,error';
    sink('session', SESSION_VIEW as never);
    kiosk.url = APP;
    kiosk.destroyed = true;
    sink('session', SESSION_VIEW as never);
    expect(kiosk.sent).toHaveLength(1);
    expect(() => kioskEventSink(() => undefined)('session', SESSION_VIEW as never)).not.toThrow();
  });
});
