import { backoffDelay } from '../shared/backoff.ts';
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.ts';
import type { DeviceInfo, HostMessage } from '../shared/device-host.ts';
import type { Driver } from '../shared/driver.ts';
import { BleManager, type BleManagerOptions, type BleRequest } from './ble/manager.ts';
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
  /** How often links are ticked (keep-alive, polling, restart after silence, watchdog), in ms. */
  tickMs?: number;
  /** Only these ports / this driver (the CLI's `watch --port P --driver D`). */
  filter?: { port?: string; driver?: string };
  /** Time and timers (tests pass a manual or fake clock). */
  clock?: Clock;
  /** Bluetooth LE devices: their drivers and central (BlueZ, or simulated). */
  ble?: Omit<BleManagerOptions, 'emit' | 'clock'>;
}

interface Slot {
  port: PortInfo;
  state: 'connecting' | 'connected' | 'closing' | 'retry' | 'unknown';
  driver?: Driver;
  info?: DeviceInfo;
  transport?: Transport;
  session?: LinkSession;
  failures: number;
  retryAt: number;
  lastDataAt: number;
  /** The watchdog reported the device silent. */
  silent: boolean;
}

const backoffMs = (failures: number): number => backoffDelay(failures, { firstMs: 500, maxMs: 30_000 });

/** What identifies the device behind a port: the same path may later hold another device. */
const identity = (p: PortInfo): string => `${p.path}|${p.vendorId ?? ''}:${p.productId ?? ''}:${p.serialNumber ?? ''}`;

/**
 * Finds devices (USB ids, configuration, probing), connects them, carries out their links and reports
 * everything as plain HostMessages. Hotplug: every `pollMs` the ports are listed again; a device that
 * disappears is reported detached, and connected again when it returns; a device that stops talking is
 * reported too. Each port is handled on its own and every call into driver code is guarded, so one
 * failing device never stops another.
 */
export class DeviceManager {
  private readonly slots = new Map<string, Slot>();
  /** The driver a device had, so a device that comes back is not probed again. */
  private readonly remembered = new Map<string, { driver: Driver; reason: string }>();
  private readonly listeners = new Set<(m: HostMessage) => void>();
  private readonly pending = new Set<Promise<void>>();
  private scanTimer: TimerHandle | undefined;
  private tickTimer: TimerHandle | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  private readonly clock: Clock;
  private readonly bleManager: BleManager | undefined;
  private bleStarting: Promise<void> | undefined;

  constructor(private readonly opts: DeviceManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    if (opts.ble) {
      this.bleManager = new BleManager({
        ...opts.ble,
        ...(opts.filter?.driver !== undefined ? { driver: opts.filter.driver } : {}),
        clock: this.clock,
        emit: (m) => this.emit(m),
      });
    }
  }

  onMessage(listener: (m: HostMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Attached devices. */
  devices(): DeviceInfo[] {
    return [...[...this.slots.values()].flatMap((s) => (s.info ? [s.info] : [])), ...(this.bleManager?.devices() ?? [])];
  }

  /** Resolves once every port seen so far has been decided (connected, failed, unknown or probed). */
  async settled(): Promise<void> {
    await this.scanning;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.scan();
    // Bluetooth starts beside: BlueZ may take seconds to answer (or not be there), the serial ports must not wait.
    this.bleStarting = this.bleManager?.start();
    this.scanTimer = this.clock.setInterval(() => void this.scan(), this.opts.config.pollMs);
    this.tickTimer = this.clock.setInterval(() => this.tick(), this.opts.tickMs ?? 50);
  }

  /** Resolves once Bluetooth's first start was tried (the CLI says at once when there is none). */
  async bluetoothTried(): Promise<void> {
    await this.bleStarting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearInterval(this.scanTimer);
    this.clock.clearInterval(this.tickTimer);
    await this.settled();
    await this.bleManager?.stop();
    await Promise.all([...this.slots.values()].map((s) => this.teardown(s, true)));
    this.slots.clear();
  }

  /** One hotplug pass: list the ports, report what went away, connect what is new or due for retry. */
  scan(): Promise<void> {
    this.scanning ??= this.doScan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  async command(deviceId: string, name: string): Promise<{ ok: true } | { ok: false; error: string }> {
    if (this.bleManager?.handles(deviceId)) return this.bleManager.command(deviceId, name);
    const slot = [...this.slots.values()].find((s) => s.info?.id === deviceId);
    if (!slot || !slot.info) return { ok: false, error: `No device '${deviceId}' is attached.` };
    if (slot.state !== 'connected' || !slot.session) {
      return { ok: false, error: `${slot.info.name} is not connected right now; try again when it is.` };
    }
    const session = slot.session;
    const ran = this.guard(slot, () => session.command(name, this.clock.now()));
    if (ran === true) this.guard(slot, () => slot.transport?.commanded?.(name));
    if (ran === false) {
      const known = Object.keys(session.driver.link.commands);
      return { ok: false, error: `${slot.info.name} has no command '${name}' (known: ${known.join(', ') || 'none'}).` };
    }
    return ran ? { ok: true } : { ok: false, error: `${slot.info.name} failed to run '${name}'.` };
  }

  /** A Bluetooth LE request from main (scan, pair, forget, assigned devices, record memory). */
  ble(req: BleRequest): void {
    if (this.bleManager) this.bleManager.request(req);
    else if (req.type === 'ble-pair' || req.type === 'ble-forget') {
      this.emit({ type: 'ble-pairing', requestId: req.requestId, address: req.address, state: 'failed', detail: 'Bluetooth LE is not enabled on this cabin.' });
    }
  }

  /** The kiosk's exam step of this device is open (null: none is); its transport is told (a simulated patient acts). */
  attend(deviceId: string | null): void {
    for (const slot of this.slots.values()) this.guard(slot, () => slot.transport?.attended?.(slot.info !== undefined && slot.info.id === deviceId));
    this.bleManager?.attend(deviceId);
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

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
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
    const present = new Map(ports.map((p) => [p.path, p]));
    for (const [path, slot] of this.slots) {
      const now = present.get(path);
      if (now && identity(now) === identity(slot.port)) continue;
      this.slots.delete(path);
      this.track(this.teardown(slot, false));
      if (slot.info) this.emit({ type: 'detached', deviceId: slot.info.id, reason: now ? 'replaced' : 'unplugged' });
    }
    const now = this.clock.now();
    for (const port of ports) {
      const slot = this.slots.get(port.path);
      if (!slot) {
        const fresh: Slot = { port, state: 'connecting', failures: 0, retryAt: 0, lastDataAt: now, silent: false };
        this.slots.set(port.path, fresh);
        this.track(this.connect(fresh));
      } else if (slot.state === 'retry' && now >= slot.retryAt) {
        slot.state = 'connecting';
        this.track(this.connect(slot));
      }
    }
  }

  private retryLater(slot: Slot, state: 'retry' | 'unknown' = 'retry'): void {
    slot.state = state;
    slot.failures++;
    slot.retryAt = this.clock.now() + backoffMs(slot.failures - 1);
  }

  private async choose(slot: Slot): Promise<{ driver: Driver; reason: string; probed: boolean } | undefined> {
    const match = matchPort(slot.port, this.opts.drivers, this.opts.config);
    const only = this.opts.filter?.driver;
    const candidates = only === undefined ? match.candidates : match.candidates.filter((d) => d.manifest.id === only);
    if (candidates.length === 0) return undefined;
    const known = this.remembered.get(identity(slot.port));
    if (known && candidates.includes(known.driver)) return { ...known, probed: false };
    if (candidates.length === 1) return { driver: candidates[0]!, reason: match.reason, probed: false };
    const result = await probe(slot.port, candidates, this.opts.open, this.clock);
    if (!result.driver) {
      this.log('warn', `No driver recognised the device on ${slot.port.path} (${result.tried.join('; ')}).`);
      return undefined;
    }
    return { driver: result.driver, reason: `${match.reason} → probing recognised ${result.driver.manifest.id}`, probed: true };
  }

  private async connect(slot: Slot): Promise<void> {
    try {
      const chosen = slot.driver ? { driver: slot.driver, reason: slot.info?.reason ?? '', probed: false } : await this.choose(slot);
      if (this.stopped || this.slots.get(slot.port.path) !== slot) return;
      if (!chosen) {
        // Unknown device: leave it until it is plugged again. Probing found nothing: the device may still
        // be starting, so try again later.
        const probed = matchPort(slot.port, this.opts.drivers, this.opts.config).candidates.length > 1;
        this.retryLater(slot, probed ? 'retry' : 'unknown');
        return;
      }
      const { driver, reason } = chosen;
      this.remembered.set(identity(slot.port), { driver, reason });
      if (!slot.info) {
        slot.driver = driver;
        slot.info = {
          id: `${driver.manifest.id}@${slot.port.path}`,
          driver: driver.manifest.id,
          name: driver.manifest.name,
          category: driver.manifest.category,
          transport: slot.port.kind,
          path: slot.port.path,
          ...(slot.port.vendorId && slot.port.productId ? { usb: { vendorId: slot.port.vendorId, productId: slot.port.productId } } : {}),
          reason,
          commands: Object.keys(driver.link.commands),
        };
        this.emit({ type: 'attached', device: slot.info });
      }
      await this.open(slot, driver, slot.info);
    } catch (err) {
      this.log('error', `Unexpected failure on ${slot.port.path}: ${(err as Error).message}`);
      this.retryLater(slot);
    }
  }

  private async open(slot: Slot, driver: Driver, info: DeviceInfo): Promise<void> {
    const deviceId = info.id;
    this.emit({ type: 'link', deviceId, state: 'connecting' });
    const transport = this.opts.open(slot.port, driver);
    const session = new LinkSession(driver, {
      send: (frame) => void transport.send(frame).catch((err: Error) => this.lost(slot, transport, err)),
      emit: (events) => {
        for (const event of events) this.emit({ type: 'event', deviceId, event });
      },
    });
    transport.onData((bytes) => {
      if (slot.transport !== transport) return;
      slot.lastDataAt = this.clock.now();
      if (slot.silent) {
        slot.silent = false;
        this.emit({ type: 'link', deviceId, state: 'connected' });
      }
      this.guard(slot, () => session.onData(bytes, slot.lastDataAt));
    });
    transport.onLost((err) => this.lost(slot, transport, err));
    try {
      await transport.open();
    } catch (err) {
      this.retryLater(slot);
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
    slot.lastDataAt = this.clock.now();
    slot.silent = false;
    this.emit({ type: 'link', deviceId, state: 'connected' });
    this.guard(slot, () => session.start(this.clock.now()));
  }

  /** Runs driver code for a slot; a throw is a driver bug: reported, and the device is reconnected. */
  private guard<T>(slot: Slot, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.log('error', `Driver ${slot.driver?.manifest.id ?? '?'} failed on ${slot.port.path}: ${(err as Error).message}`);
      if (slot.transport) this.lost(slot, slot.transport, err as Error);
      return undefined;
    }
  }

  private lost(slot: Slot, transport: Transport, err: Error): void {
    // A late error from a transport this slot no longer uses must not tear down the new one.
    if (slot.state !== 'connected' || slot.transport !== transport || !slot.info) return;
    slot.state = 'closing';
    this.emit({ type: 'link', deviceId: slot.info.id, state: 'reconnecting', detail: err.message });
    this.track(
      this.teardown(slot, false).then(() => {
        if (slot.state === 'closing') this.retryLater(slot);
      }),
    );
  }

  private async teardown(slot: Slot, graceful: boolean): Promise<void> {
    const { session, transport } = slot;
    slot.session = undefined;
    slot.transport = undefined;
    if (graceful && session) {
      try {
        session.stop(this.clock.now());
      } catch {
        // Closing anyway.
      }
    }
    await transport?.close().catch(() => undefined);
  }

  private tick(): void {
    const now = this.clock.now();
    this.bleManager?.tick(now);
    for (const slot of this.slots.values()) {
      if (slot.state !== 'connected' || !slot.session || !slot.info) continue;
      const session = slot.session;
      this.guard(slot, () => session.tick(now));
      const limit = slot.driver?.manifest.silenceMs;
      if (limit !== undefined && !slot.silent && now - slot.lastDataAt > limit) {
        slot.silent = true;
        this.emit({
          type: 'link',
          deviceId: slot.info.id,
          state: 'reconnecting',
          detail: `No data from ${slot.info.name} for ${Math.round(limit / 1000)} s: is it switched on and connected?`,
        });
      }
    }
  }
}
