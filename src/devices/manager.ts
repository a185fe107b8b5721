import type { DeviceInfo, HostMessage } from '../shared/device-host.ts';
import type { Driver } from '../shared/driver.ts';
import type { DevicesConfig } from './config.ts';
import { matchPort } from './discovery/match.ts';
import type { PortInfo, PortLister } from './discovery/ports.ts';
import { probe, type TransportFactory } from './discovery/probe.ts';
import { LinkSession } from './link-session.ts';
import type { Transport } from './transports/transport.ts';

export interface DeviceManagerOptions {
  drivers: readonly Driver[];
  config: DevicesConfig;
  lister: PortLister;
  open: TransportFactory;
  /** How often links are ticked (keep-alive, polling, restart after silence), in ms. */
  tickMs?: number;
  /** Only these ports / this driver (the CLI's `watch --port P --driver D`). */
  filter?: { port?: string; driver?: string };
}

interface Slot {
  port: PortInfo;
  state: 'connecting' | 'connected' | 'retry' | 'unknown';
  driver?: Driver;
  info?: DeviceInfo;
  transport?: Transport;
  session?: LinkSession;
  failures: number;
  retryAt: number;
}

const backoffMs = (failures: number): number => Math.min(30_000, 500 * 2 ** Math.min(failures, 6));

/**
 * Finds devices (USB ids, configuration, probing), connects them, carries out their links and reports
 * everything as plain HostMessages. Hotplug: every `pollMs` the ports are listed again; a device that
 * disappears is reported detached, and connected again when it returns. Each port is handled on its own,
 * so one failing device never stops another.
 */
export class DeviceManager {
  private readonly slots = new Map<string, Slot>();
  /** The driver a port had, so a device that comes back is not probed again. */
  private readonly remembered = new Map<string, { driver: Driver; reason: string }>();
  private readonly listeners = new Set<(m: HostMessage) => void>();
  private scanTimer: ReturnType<typeof setInterval> | undefined;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: DeviceManagerOptions) {}

  onMessage(listener: (m: HostMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connected and connecting devices. */
  devices(): DeviceInfo[] {
    return [...this.slots.values()].flatMap((s) => (s.info ? [s.info] : []));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.scan();
    this.scanTimer = setInterval(() => void this.scan(), this.opts.config.pollMs);
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs ?? 50);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.scanTimer);
    clearInterval(this.tickTimer);
    await this.scanning;
    await Promise.all([...this.slots.values()].map((s) => this.teardown(s, true)));
    this.slots.clear();
  }

  /** One hotplug pass: list the ports, report what went away, connect what is new or due for retry. */
  scan(): Promise<void> {
    this.scanning ??= this.doScan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  async command(deviceId: string, name: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const slot = [...this.slots.values()].find((s) => s.info?.id === deviceId);
    if (!slot || !slot.info) return { ok: false, error: `No device '${deviceId}' is attached.` };
    if (slot.state !== 'connected' || !slot.session) {
      return { ok: false, error: `${slot.info.name} is not connected right now; try again when it is.` };
    }
    if (!slot.session.command(name, Date.now())) {
      const known = Object.keys(slot.session.driver.link.commands);
      return { ok: false, error: `${slot.info.name} has no command '${name}' (known: ${known.join(', ') || 'none'}).` };
    }
    return { ok: true };
  }

  private emit(m: HostMessage): void {
    for (const l of this.listeners) {
      try {
        l(m);
      } catch {
        // A listener's failure must not stop the devices.
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.emit({ type: 'log', level, message });
  }

  private async doScan(): Promise<void> {
    let ports: PortInfo[];
    try {
      ports = await this.opts.lister();
    } catch (err) {
      this.log('warn', `Listing ports failed: ${(err as Error).message}`);
      return;
    }
    if (this.stopped) return;
    const wanted = this.opts.filter?.port;
    if (wanted !== undefined) ports = ports.filter((p) => p.path === wanted);
    const present = new Set(ports.map((p) => p.path));
    for (const [path, slot] of this.slots) {
      if (present.has(path)) continue;
      this.slots.delete(path);
      await this.teardown(slot, false);
      if (slot.info) this.emit({ type: 'detached', deviceId: slot.info.id, reason: 'unplugged' });
    }
    const now = Date.now();
    for (const port of ports) {
      const slot = this.slots.get(port.path);
      if (!slot) {
        const fresh: Slot = { port, state: 'connecting', failures: 0, retryAt: 0 };
        this.slots.set(port.path, fresh);
        void this.connect(fresh);
      } else if (slot.state === 'retry' && now >= slot.retryAt) {
        slot.state = 'connecting';
        void this.connect(slot);
      }
    }
  }

  private async choose(slot: Slot): Promise<{ driver: Driver; reason: string } | undefined> {
    const match = matchPort(slot.port, this.opts.drivers, this.opts.config);
    const only = this.opts.filter?.driver;
    const candidates = only === undefined ? match.candidates : match.candidates.filter((d) => d.manifest.id === only);
    if (candidates.length === 0) return undefined;
    const known = this.remembered.get(slot.port.path);
    if (known && candidates.includes(known.driver)) return known;
    if (candidates.length === 1) return { driver: candidates[0]!, reason: match.reason };
    const result = await probe(slot.port, candidates, this.opts.open);
    if (!result.driver) {
      this.log('warn', `No driver recognised the device on ${slot.port.path} (${result.tried.join('; ')}).`);
      return undefined;
    }
    return { driver: result.driver, reason: `${match.reason} → probing recognised ${result.driver.manifest.id}` };
  }

  private async connect(slot: Slot): Promise<void> {
    try {
      const chosen = slot.driver ? { driver: slot.driver, reason: slot.info?.reason ?? '' } : await this.choose(slot);
      if (this.stopped || this.slots.get(slot.port.path) !== slot) return;
      if (!chosen) {
        // Unknown device: leave it until it is plugged again. Probing found nothing: the device may still
        // be starting, so try again later.
        const probed = matchPort(slot.port, this.opts.drivers, this.opts.config).candidates.length > 1;
        slot.state = probed ? 'retry' : 'unknown';
        slot.retryAt = Date.now() + backoffMs(slot.failures++);
        return;
      }
      const { driver, reason } = chosen;
      this.remembered.set(slot.port.path, chosen);
      if (!slot.info) {
        slot.driver = driver;
        slot.info = {
          id: `${driver.manifest.id}@${slot.port.path}`,
          driver: driver.manifest.id,
          name: driver.manifest.name,
          category: driver.manifest.category,
          transport: slot.port.kind,
          path: slot.port.path,
          reason,
        };
        this.emit({ type: 'attached', device: slot.info });
      }
      await this.open(slot, driver, slot.info);
    } catch (err) {
      this.log('error', `Unexpected failure on ${slot.port.path}: ${(err as Error).message}`);
      slot.state = 'retry';
      slot.retryAt = Date.now() + backoffMs(++slot.failures);
    }
  }

  private async open(slot: Slot, driver: Driver, info: DeviceInfo): Promise<void> {
    const deviceId = info.id;
    this.emit({ type: 'link', deviceId, state: 'connecting' });
    const transport = this.opts.open(slot.port, driver);
    const session = new LinkSession(driver, {
      send: (frame) => void transport.send(frame).catch((err: Error) => this.lost(slot, err)),
      emit: (events) => {
        for (const event of events) this.emit({ type: 'event', deviceId, event });
      },
    });
    transport.onData((bytes) => session.onData(bytes, Date.now()));
    transport.onLost((err) => this.lost(slot, err));
    try {
      await transport.open();
    } catch (err) {
      slot.state = 'retry';
      slot.retryAt = Date.now() + backoffMs(slot.failures++);
      this.emit({ type: 'link', deviceId, state: 'error', detail: (err as Error).message });
      return;
    }
    if (this.stopped || this.slots.get(slot.port.path) !== slot) {
      await transport.close();
      return;
    }
    slot.transport = transport;
    slot.session = session;
    slot.state = 'connected';
    slot.failures = 0;
    session.start(Date.now());
    this.emit({ type: 'link', deviceId, state: 'connected' });
  }

  private lost(slot: Slot, err: Error): void {
    if (slot.state !== 'connected' || !slot.info) return;
    void this.teardown(slot, false);
    slot.state = 'retry';
    slot.retryAt = Date.now() + backoffMs(slot.failures++);
    this.emit({ type: 'link', deviceId: slot.info.id, state: 'reconnecting', detail: err.message });
  }

  private async teardown(slot: Slot, graceful: boolean): Promise<void> {
    const { session, transport } = slot;
    slot.session = undefined;
    slot.transport = undefined;
    if (graceful) session?.stop(Date.now());
    await transport?.close().catch(() => undefined);
  }

  private tick(): void {
    const now = Date.now();
    for (const slot of this.slots.values()) {
      if (slot.state === 'connected') slot.session?.tick(now);
    }
  }
}
