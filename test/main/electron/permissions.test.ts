import { EventEmitter } from 'node:events';
import type { Session } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { allowPermissionCheck, allowPermissionRequest, applyPermissionPolicy } from '../../../src/main/electron/permissions.ts';

const APP = 'cabin://app/index.html';
const media = (over: Record<string, unknown> = {}) => ({
  isMainFrame: true,
  requestingUrl: APP,
  securityOrigin: 'cabin://app/',
  mediaTypes: ['video', 'audio'] as ('video' | 'audio')[],
  ...over,
});

describe('permission requests', () => {
  it('allows the camera and microphones for the app page', () => {
    expect(allowPermissionRequest('media', media())).toBe(true);
    expect(allowPermissionRequest('media', media({ mediaTypes: ['audio'] }))).toBe(true);
    expect(allowPermissionRequest('media', media({ mediaTypes: ['video'] }))).toBe(true);
  });

  it.each([
    ['another origin', media({ requestingUrl: 'https://evil.example/', securityOrigin: 'https://evil.example/' })],
    ['a foreign security origin', media({ securityOrigin: 'https://evil.example/' })],
    ['a subframe', media({ isMainFrame: false })],
    ['the error page (data:)', media({ requestingUrl: 'data:text/html,x', securityOrigin: undefined })],
    ['no media type', media({ mediaTypes: [] })],
    ['an unknown media type', media({ mediaTypes: ['video', 'screen'] })],
  ])('denies media for %s', (_what, details) => expect(allowPermissionRequest('media', details as never)).toBe(false));

  it.each(['geolocation', 'notifications', 'display-capture', 'fullscreen', 'openExternal', 'clipboard-read', 'midi', 'pointerLock', 'unknown'])(
    'denies %s even for the app page',
    (permission) => expect(allowPermissionRequest(permission, media())).toBe(false),
  );
});

describe('permission checks', () => {
  const details = (over: Record<string, unknown> = {}) => ({ isMainFrame: true, securityOrigin: 'cabin://app/', mediaType: 'video' as const, ...over });

  it('allows camera and microphone checks for the app origin', () => {
    expect(allowPermissionCheck('media', 'cabin://app', details())).toBe(true);
    expect(allowPermissionCheck('media', 'cabin://app', details({ mediaType: 'audio' }))).toBe(true);
  });

  it.each([
    ['another origin', 'https://evil.example', details({ securityOrigin: 'https://evil.example/' })],
    ['a cross-origin subframe', 'cabin://app', details({ embeddingOrigin: 'https://evil.example' })],
    ['a subframe', 'cabin://app', details({ isMainFrame: false })],
    ['an unknown media type', 'cabin://app', details({ mediaType: 'unknown' })],
  ])('denies media checks from %s', (_what, origin, d) => expect(allowPermissionCheck('media', origin, d as never)).toBe(false));

  it.each(['hid', 'serial', 'usb', 'geolocation', 'notifications', 'fullscreen', 'openExternal', 'clipboard-read', 'fileSystem'])(
    'denies %s checks even for the app origin',
    (permission) => expect(allowPermissionCheck(permission, 'cabin://app', details())).toBe(false),
  );
});

describe('applyPermissionPolicy', () => {
  function fakeSession() {
    const emitter = new EventEmitter();
    const s = Object.assign(emitter, {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    });
    applyPermissionPolicy(s as unknown as Session);
    return s;
  }

  it('installs the request, check and device handlers', () => {
    const s = fakeSession();
    const request = s.setPermissionRequestHandler.mock.calls[0]?.[0] as (...a: unknown[]) => void;
    const check = s.setPermissionCheckHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    const device = s.setDevicePermissionHandler.mock.calls[0]?.[0] as (...a: unknown[]) => boolean;
    const callback = vi.fn();
    request({}, 'media', callback, media());
    request({}, 'geolocation', callback, media());
    request({}, 'media', callback, media({ requestingUrl: 'https://evil.example/' }));
    expect(callback.mock.calls).toEqual([[true], [false], [false]]);
    expect(check(null, 'media', 'cabin://app', { isMainFrame: true, mediaType: 'audio' })).toBe(true);
    expect(check(null, 'serial', 'cabin://app', { isMainFrame: true })).toBe(false);
    expect(check(null, 'hid', 'cabin://app', { isMainFrame: true })).toBe(false);
    expect(device({ deviceType: 'hid', origin: 'cabin://app', device: {} })).toBe(false);
    expect(device({ deviceType: 'serial', origin: 'cabin://app', device: {} })).toBe(false);
    expect(device({ deviceType: 'usb', origin: 'cabin://app', device: {} })).toBe(false);
  });

  it('answers the HID, serial and USB pickers with no device', () => {
    const s = fakeSession();
    const hid = { preventDefault: vi.fn() };
    const hidCallback = vi.fn();
    s.emit('select-hid-device', hid, { deviceList: [{ deviceId: '1' }] }, hidCallback);
    expect(hid.preventDefault).toHaveBeenCalled();
    expect(hidCallback).toHaveBeenCalledWith();
    const serialCallback = vi.fn();
    s.emit('select-serial-port', { preventDefault: vi.fn() }, [{ portId: 'p1' }], {}, serialCallback);
    expect(serialCallback).toHaveBeenCalledWith('');
    const usbCallback = vi.fn();
    s.emit('select-usb-device', { preventDefault: vi.fn() }, { deviceList: [{ deviceId: 'u1' }] }, usbCallback);
    expect(usbCallback).toHaveBeenCalledWith();
  });
});
