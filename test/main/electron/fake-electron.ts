import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/**
 * A fake `electron` module for `vi.mock('electron', () => import('./fake-electron.ts'))`: it records the
 * options, handlers and calls the shell makes, and lets a test play Electron's side (ready, IPC from a
 * frame, a renderer crash). Objects are singletons; `resetFakeElectron()` clears them between tests.
 */

export class FakeEvent {
  defaultPrevented = false;
  constructor(extra: Record<string, unknown> = {}) {
    Object.assign(this, extra);
  }
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextId = 1;

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  destroyed = false;
  zoomFactor = 1;
  visualZoomLimits: [number, number] | undefined;
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  readonly sent: unknown[][] = [];
  readonly mainFrame: FakeFrame = { url: '', parent: null };
  forcefullyCrashRenderer = vi.fn();

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  setZoomFactor(factor: number): void {
    this.zoomFactor = factor;
  }
  setVisualZoomLevelLimits(min: number, max: number): Promise<void> {
    this.visualZoomLimits = [min, max];
    return Promise.resolve();
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** An IPC event as Electron builds it for a frame of this page. */
  ipcEvent(frame: FakeFrame | null = { url: this.url, parent: null }): { sender: FakeWebContents; senderFrame: FakeFrame | null } {
    return { sender: this, senderFrame: frame };
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly instances: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loads: string[] = [];
  visible = false;
  minimized = false;
  focusCount = 0;
  menuRemoved = false;
  destroyed = false;

  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.instances.push(this);
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }
  loadURL(url: string): Promise<void> {
    this.loads.push(url);
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  removeMenu(): void {
    this.menuRemoved = true;
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focusCount++;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

let ready = false;
let resolveReady: () => void = () => undefined;
let readyPromise = new Promise<void>((r) => (resolveReady = r));

class FakeApp extends EventEmitter {
  isPackaged = false;
  lock = true;
  requestSingleInstanceLock = vi.fn(() => this.lock);
  quit = vi.fn();
  enableSandbox = vi.fn(() => {
    if (ready) throw new Error('enableSandbox after ready');
  });
  getAppPath = vi.fn(() => '/opt/Cabin/resources/app.asar');
  whenReady = vi.fn(() => readyPromise);
  isReady(): boolean {
    return ready;
  }
}
export const app = new FakeApp();

class FakeSession extends EventEmitter {
  permissionRequestHandler: ((...args: never[]) => void) | null | undefined;
  permissionCheckHandler: ((...args: never[]) => boolean) | null | undefined;
  devicePermissionHandler: ((...args: never[]) => boolean) | null | undefined;
  setPermissionRequestHandler(h: ((...args: never[]) => void) | null): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: ((...args: never[]) => boolean) | null): void {
    this.permissionCheckHandler = h;
  }
  setDevicePermissionHandler(h: ((...args: never[]) => boolean) | null): void {
    this.devicePermissionHandler = h;
  }
}

class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle = vi.fn((channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  });
  removeHandler = vi.fn((channel: string) => void this.handlers.delete(channel));
  /** What `ipcRenderer.invoke(channel, ...args)` from `event`'s frame gets back. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}
export const ipcMain = new FakeIpcMain();

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  registerSchemesAsPrivileged: vi.fn((schemes: unknown[]) => {
    if (ready) throw new Error('registerSchemesAsPrivileged must be called before the app is ready');
    protocol.privileged.push(...schemes);
  }),
  handle: vi.fn((scheme: string, handler: (request: Request) => Response | Promise<Response>) => void protocol.handlers.set(scheme, handler)),
  unhandle: vi.fn((scheme: string) => void protocol.handlers.delete(scheme)),
};

export const Menu = { setApplicationMenu: vi.fn() };

let nextBlocker = 1;
const blockers = new Map<number, string>();
export const powerSaveBlocker = {
  blockers,
  start: vi.fn((type: string) => {
    const id = nextBlocker++;
    blockers.set(id, type);
    return id;
  }),
  stop: vi.fn((id: number) => blockers.delete(id)),
  isStarted: vi.fn((id: number) => blockers.has(id)),
};

export class FakeUtilityProcess extends EventEmitter {
  postMessage = vi.fn();
  kill = vi.fn(() => true);
}
export const utilityProcess = {
  children: [] as { modulePath: string; args: string[] | undefined; options: Record<string, unknown> | undefined; child: FakeUtilityProcess }[],
  fork: vi.fn((modulePath: string, args?: string[], options?: Record<string, unknown>) => {
    const child = new FakeUtilityProcess();
    utilityProcess.children.push({ modulePath, args, options, child });
    return child;
  }),
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, api: unknown) => void contextBridge.exposed.set(key, api)),
};

class FakeIpcRenderer extends EventEmitter {
  invoke = vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null }));
}
export const ipcRenderer = new FakeIpcRenderer();

export const session = { defaultSession: new FakeSession() };

export const fake = {
  get session(): FakeSession {
    return session.defaultSession;
  },
  /** Electron's `ready`: resolves `app.whenReady()`. */
  ready(): void {
    ready = true;
    resolveReady();
  },
  windows: (): BrowserWindow[] => BrowserWindow.instances,
};

export function resetFakeElectron(): void {
  ready = false;
  readyPromise = new Promise<void>((r) => (resolveReady = r));
  vi.clearAllMocks();
  app.removeAllListeners();
  app.isPackaged = false;
  app.lock = true;
  ipcMain.handlers.clear();
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  blockers.clear();
  utilityProcess.children.length = 0;
  contextBridge.exposed.clear();
  ipcRenderer.removeAllListeners();
  BrowserWindow.instances.length = 0;
  session.defaultSession = new FakeSession();
}
