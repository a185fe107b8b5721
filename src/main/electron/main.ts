import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, powerSaveBlocker, protocol, session, utilityProcess } from 'electron';
import { closeLogger, silentLogger, type Logger } from '../../server/log.ts';
import type { Cabin } from '../cabin.ts';
import type { HostLauncher } from '../devices/supervisor.ts';
import { AppProtocol } from './app-protocol.ts';
import { contentSecurityPolicy } from '../../server/csp.ts';
import type { Mount } from '../../server/static.ts';
import { DisplayAwake } from './display-awake.ts';
import { IpcBridge, kioskEventSink } from './ipc-bridge.ts';
import { KioskWindow } from './kiosk-window.ts';
import { applyPermissionPolicy } from './permissions.ts';
import { utilityHostLauncher } from './utility-host.ts';
import { guardWebContents } from './web-contents-guard.ts';

/** What the Electron shell offers the composition root. */
export interface ElectronShell {
  /** The device host as an Electron utilityProcess, for the device supervisor. */
  hostLauncher(devicesConfig: unknown): HostLauncher;
}

/** Starts cabin main's services (the lead's `startCabin(config, …)`), given the shell's services. */
export type CabinFactory = (shell: ElectronShell) => Promise<Cabin>;

export interface ElectronKioskOptions {
  startCabin: CabinFactory;
  /** The built renderer; default `<app>/dist/renderer`. */
  rendererDir?: string;
  /** Folders served in place of the renderer's own (the config's voiceDir at voice/). */
  mounts?: readonly Mount[];
  /** The bundled CommonJS preload; default `<app>/dist/electron/preload.cjs`. */
  preloadPath?: string;
  /** The bundled device host; default `<app>/dist/electron/device-host.js`. */
  hostEntry?: string;
  /** Devtools; ignored (always off) in a packaged app. Default: `--dev` or CABIN_DEV=1. */
  dev?: boolean;
  /** Extra connect-src origins of the CSP (the hub's wss:// origin). */
  connectSrc?: readonly string[];
  inlineStyles?: boolean;
  /** Cabin main's root logger (the shell logs to a `shell` child of it); closed when the app quits. Default: silent. */
  log?: Logger;
  /** Technical incidents for the audit log (renderer crashes, startup failure). Default: error lines of the log. */
  onIncident?: (detail: string) => void;
}

export interface ElectronKiosk {
  /** Settles once the kiosk page (or the error page) is loading. */
  readonly ready: Promise<void>;
}

/**
 * The Electron entry: must be called synchronously when the main script starts (the scheme is made
 * privileged before `ready`). Returns undefined when another kiosk already runs: that one is focused.
 */
export function startElectronKiosk(options: ElectronKioskOptions): ElectronKiosk | undefined {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  const log = (options.log ?? silentLogger()).child({ component: 'shell' });
  const incident = options.onIncident ?? ((detail: string) => log.error(detail));
  const devTools = !app.isPackaged && (options.dev ?? (process.argv.includes('--dev') || process.env.CABIN_DEV === '1'));
  const appPath = app.getAppPath();
  const appProtocol = new AppProtocol(protocol);
  appProtocol.registerPrivileged();
  app.enableSandbox();

  let kiosk: KioskWindow | undefined;
  let cabin: Cabin | undefined;
  let bridge: IpcBridge | undefined;
  let unsubscribe: (() => void) | undefined;
  const display = new DisplayAwake(powerSaveBlocker);
  const shell: ElectronShell = {
    hostLauncher: (config) => utilityHostLauncher(utilityProcess.fork, options.hostEntry ?? join(appPath, 'dist/electron/device-host.js'), config),
  };

  app.on('second-instance', () => kiosk?.focus());
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, (m) => log.warn(m)));
  // The device host (a utility process) is watched by its supervisor; this reports GPU and other crashes.
  app.on('child-process-gone', (_event, details) => {
    if (details.reason !== 'clean-exit' && details.type !== 'Utility') incident(`A ${details.type} process ended (${details.reason}, exit code ${details.exitCode}).`);
  });
  app.on('window-all-closed', () => app.quit());

  let stopped = false;
  let stopping = false;
  let logClosed = !options.log;
  app.on('will-quit', (event) => {
    display.stop();
    bridge?.dispose();
    unsubscribe?.();
    if (stopped || !cabin) {
      if (logClosed) return;
      // Last: the log's lines written out and its file closed, then the process goes.
      event.preventDefault();
      logClosed = true;
      void closeLogger(options.log!).finally(() => app.quit());
      return;
    }
    // The store is flushed and the device host ended before the process goes.
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    cabin
      .stop()
      .catch((err: unknown) => incident(`Stopping the cabin services failed: ${String(err)}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });

  const ready = app.whenReady().then(async () => {
    Menu.setApplicationMenu(null);
    applyPermissionPolicy(session.defaultSession);
    const csp = contentSecurityPolicy({ connect: options.connectSrc ?? [], inlineStyles: options.inlineStyles ?? false, denyFrames: true });
    const rendererDir = options.rendererDir ?? join(appPath, 'dist/renderer');
    appProtocol.serve(rendererDir, csp, options.mounts);
    const kioskWindow = new KioskWindow(BrowserWindow, {
      preload: options.preloadPath ?? join(appPath, 'dist/electron/preload.cjs'),
      devTools,
      onIncident: incident,
    });
    kiosk = kioskWindow;
    display.start();
    try {
      cabin = await options.startCabin(shell);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      incident(`The cabin services did not start: ${message}`);
      kioskWindow.showError(message);
      return;
    }
    const contents = () => (kioskWindow.window.isDestroyed() ? undefined : kioskWindow.window.webContents);
    bridge = new IpcBridge(ipcMain, cabin.handlers, contents, (options.log ?? silentLogger()).child({ component: 'bridge' }));
    bridge.register();
    unsubscribe = cabin.subscribe(kioskEventSink(contents));
    if (!existsSync(join(rendererDir, 'index.html'))) {
      incident(`The kiosk screens are missing: ${join(rendererDir, 'index.html')} does not exist.`);
      kioskWindow.showError('The kiosk screens are missing: build the renderer, or reinstall Cabin.');
      return;
    }
    await kioskWindow.load().catch((err: unknown) => {
      incident(`The kiosk screens did not load: ${String(err)}`);
      kioskWindow.showError('The kiosk screens did not load: reinstall Cabin.');
    });
  });
  const settled = ready.catch((err: unknown) => {
    // The shell itself failed (a bug, not a bad config): say so and leave; the kiosk's service restarts it.
    incident(`The kiosk shell failed to start: ${err instanceof Error ? err.message : String(err)}`);
    app.quit();
  });
  return { ready: settled };
}
