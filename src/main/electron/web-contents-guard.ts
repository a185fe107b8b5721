import type { Input, WebContents } from 'electron';
import { isAppUrl } from './app-origin.ts';

type Guarded = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/**
 * For every web contents: no navigation away from the app, no new windows, no <webview>, no Bluetooth
 * picker. A kiosk has no browser to hand links to, so nothing is opened externally either.
 */
export function guardWebContents(contents: Guarded, log: (message: string) => void = () => undefined): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    log(`Blocked navigation to ${event.url.slice(0, 200)}`);
  });
  contents.on('will-redirect', (event) => {
    if (isAppUrl(event.url)) return;
    event.preventDefault();
    log(`Blocked redirect to ${event.url.slice(0, 200)}`);
  });
  contents.setWindowOpenHandler(({ url }) => {
    log(`Blocked a new window for ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('Blocked a <webview>');
  });
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}

const ZOOM_KEYS = new Set(['+', '-', '=', '_', '0', 'Add', 'Subtract']);
const ZOOM_CODES = new Set(['Equal', 'Minus', 'Digit0', 'NumpadAdd', 'NumpadSubtract', 'Numpad0']);

/** Ctrl/Cmd with + - = 0 (main row or keypad): the browser zoom shortcuts. */
export function isZoomShortcut(input: Pick<Input, 'type' | 'key' | 'code' | 'control' | 'meta'>): boolean {
  if (input.type !== 'keyDown' && input.type !== 'rawKeyDown') return false;
  return (input.control || input.meta) && (ZOOM_KEYS.has(input.key) || ZOOM_CODES.has(input.code));
}

type Zoomable = Pick<WebContents, 'on' | 'setZoomFactor' | 'setVisualZoomLevelLimits'>;

/** The layout is made for one size: pinch, Ctrl+wheel and Ctrl+± never zoom it. */
export function lockZoom(contents: Zoomable): void {
  const reset = (): void => {
    contents.setZoomFactor(1);
    void contents.setVisualZoomLevelLimits(1, 1).catch(() => undefined);
  };
  reset();
  // Chromium resets the pinch limits on each page load.
  contents.on('did-finish-load', reset);
  contents.on('zoom-changed', (event) => {
    event.preventDefault();
    contents.setZoomFactor(1);
  });
  contents.on('before-input-event', (event, input) => {
    if (isZoomShortcut(input)) event.preventDefault();
  });
}
