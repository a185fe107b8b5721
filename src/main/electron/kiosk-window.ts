import type { BrowserWindow, BrowserWindowConstructorOptions, RenderProcessGoneDetails } from 'electron';
import { APP_ENTRY_URL } from './app-origin.ts';
import { CrashLimiter } from './crash-limiter.ts';
import { errorPageUrl } from './error-page.ts';
import { lockZoom } from './web-contents-guard.ts';

export interface KioskWindowOptions {
  /** The bundled preload (CommonJS: sandboxed preloads cannot load ES modules). */
  preload: string;
  /** Only for development builds; the packaged kiosk never opens devtools. */
  devTools: boolean;
  /** Something worth the audit log: a renderer crash, a hang, the crash-loop limit. */
  onIncident: (detail: string) => void;
  entryUrl?: string;
  limiter?: CrashLimiter;
}

/** The window's options: fullscreen kiosk, no menu, and the renderer locked down. */
export function kioskWindowOptions(preload: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    show: false,
    backgroundColor: '#000000',
    webPreferences: {
      preload,
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
      devTools,
      zoomFactor: 1,
      disableDialogs: true,
      // The spoken guide greets the patient before any touch (src/renderer/speech).
      autoplayPolicy: 'no-user-gesture-required',
    },
  };
}

type WindowConstructor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

/**
 * The kiosk window. A renderer that crashes is reloaded (the session lives in main, so it resumes where
 * it was) unless it keeps crashing, in which case an error page asks for the assistant.
 */
export class KioskWindow {
  readonly window: BrowserWindow;
  private readonly entryUrl: string;
  private readonly limiter: CrashLimiter;
  private failed = false;

  constructor(
    BrowserWindowClass: WindowConstructor,
    private readonly options: KioskWindowOptions,
  ) {
    this.entryUrl = options.entryUrl ?? APP_ENTRY_URL;
    this.limiter = options.limiter ?? new CrashLimiter();
    this.window = new BrowserWindowClass(kioskWindowOptions(options.preload, options.devTools));
    this.window.removeMenu();
    const contents = this.window.webContents;
    lockZoom(contents);
    contents.on('render-process-gone', (_event, details) => this.rendererGone(details));
    contents.on('unresponsive', () => {
      if (options.devTools) return; // a paused debugger is not a hang
      options.onIncident('The kiosk screen stopped responding: restarting it.');
      contents.forcefullyCrashRenderer();
    });
    this.window.once('ready-to-show', () => {
      this.window.show();
      this.window.focus();
    });
  }

  load(): Promise<void> {
    this.failed = false;
    return this.window.loadURL(this.entryUrl);
  }

  /** Replaces the kiosk with the error page (nothing of the app runs behind it). */
  showError(reason: string): void {
    this.failed = true;
    if (this.window.isDestroyed()) return;
    this.window.loadURL(errorPageUrl(reason)).catch(() => undefined);
    if (!this.window.isVisible()) this.window.show();
  }

  /** A second launch brings the kiosk back to the front. */
  focus(): void {
    if (this.window.isDestroyed()) return;
    if (this.window.isMinimized()) this.window.restore();
    this.window.show();
    this.window.focus();
  }

  get showingError(): boolean {
    return this.failed;
  }

  private rendererGone(details: RenderProcessGoneDetails): void {
    if (details.reason === 'clean-exit' || this.window.isDestroyed() || this.failed) return;
    const what = `The kiosk screen's process ended (${details.reason}, exit code ${details.exitCode})`;
    if (!this.limiter.allowReload()) {
      this.options.onIncident(`${what}; it keeps crashing, so the error page is shown.`);
      this.showError(`${what}; repeated crashes.`);
      return;
    }
    this.options.onIncident(`${what}: reloading it.`);
    this.window.loadURL(this.entryUrl).catch((err: unknown) => this.options.onIncident(`Reloading the kiosk screen failed: ${String(err)}`));
  }
}
