import { randomUUID } from 'node:crypto';
import { backoffDelay } from '../../shared/backoff.ts';
import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import type { DeviceView } from '../../shared/bridge.ts';
import type { DeviceEvent } from '../../shared/device-event.ts';
import { silentLogger, type Logger } from '../../server/log.ts';
import { HostMessageSchema, type HostMessage, type HostRequest } from '../../shared/device-host.ts';
import { HostLogSink, type HostLogCap } from './host-log.ts';

/** A running device host process (child_process.fork in browser mode, utilityProcess in Electron). */
export interface HostProcess {
  send(message: HostRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type HostLauncher = () => HostProcess;

export interface SupervisorEvents {
  /** A device appeared or its state changed. */
  device(view: DeviceView): void;
  /** A decoded event from a device. */
  event(deviceId: string, event: DeviceEvent): void;
  /** Something worth the audit log (host crash, restart). */
  incident(detail: string): void;
  /** Bluetooth LE: devices seen while the assistant scans, and the progress of a pairing. */
  ble?(message: Extract<HostMessage, { type: 'ble-nearby' | 'ble-pairing' }>): void;
  /** A device host (re)started: what it must know from main is sent to it now. */
  spawned?(): void;
  /** The device host stopped (it will be restarted): requests it had not answered never will be. */
  exited?(): void;
}

const COMMAND_TIMEOUT_MS = 5000;
/** A host that stayed up this long is healthy again: its next crash restarts it at once. */
const HEALTHY_AFTER_MS = 30_000;

/**
 * Runs the device host in a child process and keeps it running: when it dies it is restarted with backoff,
 * and meanwhile every device is shown as reconnecting. No session data lives in the host.
 */
export class DeviceSupervisor {
  private host: HostProcess | undefined;
  private readonly views = new Map<string, DeviceView>();
  private readonly waiting = new Map<string, (r: { ok: boolean; error?: string }) => void>();
  private restarts = 0;
  private startedAt = 0;
  private restartTimer: TimerHandle | undefined;
  private stopping = false;
  /** The device whose exam step the kiosk has open (attend), told again to a restarted host once it is connected. */
  private attending: string | null = null;
  private readonly hostLog: HostLogSink;
  /** Old measurements already counted this visit. */
  private readonly oldSeen = new Set<string>();
  private readonly clock: Clock;

  constructor(
    private readonly launch: HostLauncher,
    private readonly on: SupervisorEvents,
    private readonly backoffMs = (n: number): number => backoffDelay(n, { firstMs: 250, maxMs: 10_000 }),
    /** Main's logger (the device host's lines go to a `device-host` child of it), the cap on those lines, time and timers. */
    opts: { log?: Logger; logCap?: HostLogCap; clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    // A host's warnings and errors are also incidents for the audit log (under their own cap).
    this.hostLog = new HostLogSink((opts.log ?? silentLogger()).child({ component: 'device-host' }), (m) => {
      if (m.level === 'warn' || m.level === 'error') this.on.incident(m.message);
    }, opts.logCap, this.clock);
  }

  start(): void {
    if (this.host) return;
    this.stopping = false;
    this.spawn();
  }

  devices(): DeviceView[] {
    return [...this.views.values()];
  }

  /** Runs a link command on a device; resolves with the host's answer (or a timeout). */
  command(deviceId: string, name: string): Promise<{ ok: boolean; error?: string }> {
    const host = this.host;
    if (!host) return Promise.resolve({ ok: false, error: 'The device service is restarting; try again in a moment.' });
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiting.delete(requestId);
        resolve({ ok: false, error: 'The device did not answer in time.' });
      }, COMMAND_TIMEOUT_MS);
      this.waiting.set(requestId, (r) => {
        this.clock.clearTimeout(timer);
        resolve(r);
      });
      host.send({ type: 'command', requestId, deviceId, name });
    });
  }

  /** A reading from this device's memory was older than the visit: counted on its card for the assistant. */
  noteOld(deviceId: string, measurementId?: string): void {
    const view = this.views.get(deviceId);
    if (!view) return;
    // One measurement is one old reading, however many values it has (a cuff's SYS, DIA, MAP and pulse).
    if (measurementId !== undefined) {
      const key = `${deviceId}\u0000${measurementId}`;
      if (this.oldSeen.has(key)) return;
      this.oldSeen.add(key);
    }
    this.update(deviceId, { oldIgnored: (view.oldIgnored ?? 0) + 1 });
  }

  /** A new visit: the counts of old readings start again. */
  resetOld(): void {
    this.oldSeen.clear();
    for (const v of this.views.values()) if (v.oldIgnored !== undefined) this.update(v.id, { oldIgnored: undefined });
  }

  /** Sends a request to the running host; false while it is restarting. */
  request(req: HostRequest): boolean {
    if (!this.host) return false;
    this.host.send(req);
    return true;
  }

  /** The kiosk's exam step of this device is open (null: none is): a simulated patient uses the device (demo). */
  attend(deviceId: string | null): void {
    this.attending = deviceId;
    this.host?.send({ type: 'attend', deviceId });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.clock.clearTimeout(this.restartTimer);
    const host = this.host;
    this.host = undefined;
    for (const [, done] of this.waiting) done({ ok: false, error: 'The device service is stopping.' });
    this.waiting.clear();
    if (!host) return;
    await new Promise<void>((resolve) => {
      const force = this.clock.setTimeout(() => {
        host.kill();
        resolve();
      }, 3000);
      host.onExit(() => {
        this.clock.clearTimeout(force);
        resolve();
      });
      try {
        host.send({ type: 'shutdown' });
      } catch {
        host.kill();
      }
    });
  }

  private spawn(): void {
    const host = this.launch();
    this.host = host;
    this.startedAt = this.clock.now();
    try {
      this.on.spawned?.();
    } catch (err) {
      this.on.incident(`Telling the device host what it needs failed: ${(err as Error).message}`);
    }
    host.onMessage((raw) => {
      if (this.host !== host) return;
      const parsed = HostMessageSchema.safeParse(raw);
      if (parsed.success) this.handle(parsed.data);
      else this.on.incident(`Ignored a malformed message from the device host: ${parsed.error.issues[0]?.message ?? ''}`);
    });
    host.onExit((code) => {
      if (this.host !== host) return;
      this.host = undefined;
      for (const [, done] of this.waiting) done({ ok: false, error: 'The device service stopped; try again in a moment.' });
      this.waiting.clear();
      try {
        this.on.exited?.();
      } catch {
        // The restart below must happen whatever the listener did.
      }
      // Lines the cap dropped are counted before the exit's incident.
      this.hostLog.flush();
      if (this.stopping) return;
      if (this.clock.now() - this.startedAt > HEALTHY_AFTER_MS) this.restarts = 0;
      const delay = this.backoffMs(this.restarts++);
      this.on.incident(`Device host exited (code ${code}); restarting in ${delay} ms.`);
      for (const v of this.views.values()) this.update(v.id, { link: 'reconnecting', linkDetail: 'device service restarting' });
      this.restartTimer = this.clock.setTimeout(() => this.spawn(), delay);
    });
  }

  private update(id: string, patch: Partial<DeviceView>): void {
    const view = this.views.get(id);
    if (!view) return;
    const next = { ...view, ...patch };
    this.views.set(id, next);
    this.on.device(next);
  }

  private handle(m: HostMessage): void {
    switch (m.type) {
      case 'attached':
        this.views.set(m.device.id, { ...m.device, link: 'connecting' });
        this.on.device(this.views.get(m.device.id)!);
        break;
      case 'detached':
        this.update(m.deviceId, { link: 'detached', linkDetail: m.reason, status: undefined, detail: undefined });
        break;
      case 'link':
        this.update(m.deviceId, { link: m.state, linkDetail: m.detail });
        // A restarted host (or a device that reconnected) knows nothing of the open step: the kiosk will not say it
        // again until it opens another step, so the simulated patient would never use the device.
        if (m.state === 'connected' && m.deviceId === this.attending) this.host?.send({ type: 'attend', deviceId: m.deviceId });
        break;
      case 'event':
        if (m.event.kind === 'status') this.update(m.deviceId, { status: m.event.status, detail: m.event.detail });
        if (m.event.kind === 'identity') {
          const { kind: _k, device: _d, t: _t, ...identity } = m.event;
          this.update(m.deviceId, { identity });
        }
        this.on.event(m.deviceId, m.event);
        break;
      case 'command-result':
        this.waiting.get(m.requestId)?.({ ok: m.ok, error: m.error });
        this.waiting.delete(m.requestId);
        break;
      case 'log':
        this.hostLog.write(m);
        break;
      case 'ble-nearby':
      case 'ble-pairing':
        this.on.ble?.(m);
        break;
    }
  }
}
