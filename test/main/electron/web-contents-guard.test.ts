import { beforeEach, describe, expect, it, vi } from 'vitest';
import { guardWebContents, isZoomShortcut } from '../../../src/main/electron/web-contents-guard.ts';
import { FakeEvent, FakeWebContents, resetFakeElectron } from './fake-electron.ts';

function guarded() {
  const wc = new FakeWebContents();
  const log = vi.fn();
  guardWebContents(wc as never, log);
  return { wc, log };
}

beforeEach(() => resetFakeElectron());

describe('web contents guard', () => {
  it.each(['https://evil.example/', 'file:///etc/passwd', 'cabin://evil/index.html', 'data:text/html,x', 'javascript:alert(1)'])(
    'blocks navigation to %s',
    (url) => {
      const { wc, log } = guarded();
      const event = new FakeEvent({ url });
      wc.emit('will-navigate', event, url);
      expect(event.defaultPrevented).toBe(true);
      expect(log).toHaveBeenCalled();
      const redirect = new FakeEvent({ url });
      wc.emit('will-redirect', redirect, url);
      expect(redirect.defaultPrevented).toBe(true);
    },
  );

  it('lets the app navigate within its own origin', () => {
    const { wc } = guarded();
    const event = new FakeEvent({ url: 'cabin://app/index.html#/exam' });
    wc.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(false);
  });

  it('denies every new window, even on the app origin', () => {
    const { wc } = guarded();
    expect(wc.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler?.({ url: 'cabin://app/index.html' })).toEqual({ action: 'deny' });
  });

  it('refuses <webview> and the Bluetooth picker', () => {
    const { wc } = guarded();
    const attach = new FakeEvent();
    wc.emit('will-attach-webview', attach, {}, { src: 'https://evil.example/' });
    expect(attach.defaultPrevented).toBe(true);
    const bt = new FakeEvent();
    const callback = vi.fn();
    wc.emit('select-bluetooth-device', bt, [{ deviceId: 'x', deviceName: 'cuff' }], callback);
    expect(bt.defaultPrevented).toBe(true);
    expect(callback).toHaveBeenCalledWith('');
  });

  it('recognises only key-down zoom shortcuts', () => {
    expect(isZoomShortcut({ type: 'keyUp', key: '+', code: 'Equal', control: true, meta: false })).toBe(false);
    expect(isZoomShortcut({ type: 'rawKeyDown', key: 'Subtract', code: 'NumpadSubtract', control: true, meta: false })).toBe(true);
  });
});
