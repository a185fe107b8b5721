import { backoffDelay } from '../../shared/backoff.ts';
import type { Clock, TimerHandle } from '../../shared/clock.ts';
import type { DeviceInfo, HostMessage, HostRequest } from '../../shared/device-host.ts';
import type { BleDriver, CharacteristicValue } from '../../shared/driver.ts';
import type { Advertisement, BleCentral, BleConnection } from './central.ts';
import { matchAdvertisement } from './match.ts';
import { NearbyList } from './nearby.ts';
import { BleSession, RECENT_IDS, type RecordMark } from './session.ts';

export type BleRequest = Extract<HostRequest, { type: 'ble-scan' | 'ble-pair' | 'ble-forget' | 'ble-assigned' | 'ble-memory' }>;

export interface BleManagerOptions {
  drivers: readonly BleDriver[];
  central: BleCentral;
  clock: Clock;
  emit(m: HostMessage): void;
  /** Every device the central reports is the cabin's (the demo's simulated devices); otherwise only assigned ones. */
  assignAll?: boolean;
  /** Only this driver (the CLI's `watch --driver`). */
  driver?: string;
  /** The cabin's offset from UTC in minutes now (devices give local times). */
  utcOffsetMin?: () => number;
  connectTimeoutMs?: number;
  /** Transport kind reported in DeviceInfo (`simulated` for the simulated central). */
  transport?: 'ble' | 'simulated';
  /** How long a failed start of the central waits before trying again. */
  restartMs?: number;
  /** Every characteristic value as it came (the CLI's `capture`), with the device and the time it arrived. */
  onValue?(deviceId: string, value: CharacteristicValue, t: number): void;
}

interface Slot {
  address: string;
  driver: BleDriver;
  info: DeviceInfo;
  state: 'waiting' | 'connecting' | 'connected';
  conn?: BleConnection;
  session?: BleSession;
  failures: number;
  retryAt: number;
}

/** The key under which the last delivered record of a device is kept (main's SQLite uses the same). */
export const recordKey = (driverId: string, address: string): string => `${driverId}|${address}`;
export const bleDeviceId = (driverId: string, address: string): string => `${driverId}@ble:${address}`;

const localOffset = (): number => -new Date().getTimezoneOffset();

/**
 * Bluetooth LE devices for the device host: finds the cabin's devices when they advertise, connects them by themselves
 * (no picking by the patient), carries out each driver's link, and reports everything as the same HostMessages as
 * serial and HID devices. A device that connects only to send a measurement is `waiting` between connections, which is
 * normal. The assistant's panel scans, pairs and forgets through `request`.
 */
export class BleManager {
  private readonly slots = new Map<string, Slot>();
  private readonly nearby: NearbyList;
  private assigned = new Map<string, string>();
  private readonly memory = new Map<string, RecordMark>();
  private available = false;
  private stopped = false;
  private restartTimer: TimerHandle | undefined;
  private warned = false;
  /** The device whose exam step the kiosk has open (attend). */
  private attending: string | null = null;

  constructor(private readonly opts: BleManagerOptions) {
    this.nearby = new NearbyList({ drivers: opts.drivers, clock: opts.clock, emit: opts.emit, assigned: () => this.assigned, ...(opts.assignAll ? { assignAll: true } : {}) });
    opts.central.onAdvertisement((a) => this.guard(() => this.onAdvertisement(a)));
    opts.central.onGone((address) => this.guard(() => this.onGone(address)));
  }

  devices(): DeviceInfo[] {
    return [...this.slots.values()].map((s) => s.info);
  }

  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.opts.central.start();
      this.available = true;
      this.warned = false;
      await this.updateScan();
    } catch (err) {
      this.available = false;
      if (!this.warned) this.log('warn', `Bluetooth LE devices cannot be used: ${(err as Error).message}`);
      this.warned = true;
      if (!this.stopped) this.restartTimer = this.opts.clock.setTimeout(() => void this.start(), this.opts.restartMs ?? 30_000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.clock.clearTimeout(this.restartTimer);
    this.nearby.stop();
    await Promise.all([...this.slots.values()].map((s) => this.release(s)));
    if (this.available) await this.opts.central.stop().catch(() => undefined);
    this.available = false;
  }

  /** Once per device-manager tick: disconnects a device that stays connected, silent, after its measurement. */
  tick(now: number): void {
    for (const slot of this.slots.values()) {
      const idle = slot.driver.link.idleDisconnectMs;
      const s = slot.session;
      if (s && slot.state === 'connected') this.guard(() => s.tick(now));
      if (idle !== undefined && s && slot.state === 'connected' && s.measured && now - s.lastValueAt > idle) void this.release(slot);
    }
  }

  handles(deviceId: string): boolean {
    return [...this.slots.values()].some((s) => s.info.id === deviceId);
  }

  async command(deviceId: string, name: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const slot = [...this.slots.values()].find((s) => s.info.id === deviceId);
    if (!slot) return { ok: false, error: `No device '${deviceId}' is attached.` };
    if (!Object.hasOwn(slot.driver.link.commands, name)) {
      const known = Object.keys(slot.driver.link.commands);
      return { ok: false, error: `${slot.info.name} has no command '${name}' (known: ${known.join(', ') || 'none'}).` };
    }
    if (!slot.session) return { ok: false, error: `${slot.info.name} is not connected right now; try again when it is.` };
    try {
      await slot.session.command(name);
      return { ok: true };
    } catch (err) {
      return { ok: false, error: `${slot.info.name} failed to run '${name}': ${(err as Error).message}` };
    }
  }

  /**
   * The kiosk's step of a device is open: a simulated patient uses it once (real centrals have nothing to do). Told
   * again while the step stays open (main says it again each time the device connects), it is not a new opening: an
   * episodic device connects after each measurement, and acting again would make it measure over and over.
   */
  attend(deviceId: string | null): void {
    const opened = deviceId !== null && deviceId !== this.attending;
    this.attending = deviceId;
    const central = this.opts.central as BleCentral & { patientActs?(address: string): void };
    if (!central.patientActs || !opened) return;
    const slot = [...this.slots.values()].find((s) => s.info.id === deviceId);
    if (slot && slot.driver.manifest.ble.connection === 'episodic') central.patientActs(slot.address);
  }

  request(req: BleRequest): void {
    this.guard(() => {
      switch (req.type) {
        case 'ble-scan':
          this.nearby.setOpen(req.on);
          void this.updateScan();
          break;
        case 'ble-pair':
          void this.pair(req.requestId, req.address, req.driver, req.passkey);
          break;
        case 'ble-forget':
          void this.forget(req.requestId, req.address);
          break;
        case 'ble-assigned':
          this.assign(new Map(req.devices.map((d) => [d.address, d.driver])));
          break;
        case 'ble-memory':
          for (const e of req.entries) {
            const mine = this.memory.get(e.key) ?? {};
            // Main's mark only moves a mark forward (this host may already have delivered newer ones).
            if (e.seq !== undefined) mine.seq = Math.max(e.seq, mine.seq ?? -1);
            if (e.t !== undefined) mine.t = Math.max(e.t, mine.t ?? -Infinity);
            if (e.recent) mine.recent = [...new Set([...e.recent, ...(mine.recent ?? [])])].slice(-RECENT_IDS);
            this.memory.set(e.key, mine);
          }
          break;
      }
    });
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.opts.emit({ type: 'log', level, message });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error', `Bluetooth LE handling failed: ${(err as Error).message}`);
    }
  }

  private async updateScan(): Promise<void> {
    if (!this.available) return;
    // Discovery runs while the panel is open, and while the cabin has devices to hear (they advertise to be fetched).
    const on = this.nearby.scanning || this.assigned.size > 0 || this.opts.assignAll === true;
    await this.opts.central.scan(on).catch((err: Error) => this.log('warn', `Bluetooth scanning failed: ${err.message}`));
  }

  private onAdvertisement(a: Advertisement): void {
    const now = this.opts.clock.now();
    this.nearby.heardNow(a, now);
    // Only the cabin's devices are matched (every advertisement of every phone in range comes here).
    const assignedDriver = this.assigned.get(a.address);
    let driver: BleDriver | undefined;
    let reason = '';
    if (assignedDriver !== undefined) {
      driver = this.opts.drivers.find((d) => d.manifest.id === assignedDriver);
      reason = `assigned to this cabin as ${assignedDriver}`;
    } else if (this.opts.assignAll) {
      ({ driver, reason } = matchAdvertisement(a, this.opts.drivers));
    }
    if (!driver || (this.opts.driver !== undefined && driver.manifest.id !== this.opts.driver)) return;
    let slot = this.slots.get(a.address);
    if (slot && slot.driver !== driver) {
      void this.drop(slot, 'replaced');
      slot = undefined;
    }
    if (!slot) slot = this.attach(a, driver, reason);
    // Heard now (a cached device replayed at start has no signal strength), or already connected by BlueZ.
    const present = a.rssi !== undefined || a.connected;
    if (present && slot.state === 'waiting' && now >= slot.retryAt) void this.connect(slot);
  }

  private attach(a: Advertisement, driver: BleDriver, reason: string): Slot {
    const transport = this.opts.transport ?? 'ble';
    const info: DeviceInfo = {
      id: bleDeviceId(driver.manifest.id, a.address),
      driver: driver.manifest.id,
      name: driver.manifest.name,
      category: driver.manifest.category,
      transport,
      path: `${transport === 'simulated' ? 'sim-ble' : 'ble'}:${a.address}`,
      address: a.address,
      reason,
      commands: Object.keys(driver.link.commands),
    };
    const slot: Slot = { address: a.address, driver, info, state: 'waiting', failures: 0, retryAt: 0 };
    this.slots.set(a.address, slot);
    this.opts.emit({ type: 'attached', device: info });
    this.opts.emit({ type: 'link', deviceId: info.id, state: 'waiting' });
    return slot;
  }

  private markOf(slot: Slot): RecordMark {
    const key = recordKey(slot.driver.manifest.id, slot.address);
    let mark = this.memory.get(key);
    if (!mark) this.memory.set(key, (mark = {}));
    return mark;
  }

  private async connect(slot: Slot): Promise<void> {
    const deviceId = slot.info.id;
    slot.state = 'connecting';
    this.opts.emit({ type: 'link', deviceId, state: 'connecting' });
    let conn: BleConnection;
    try {
      conn = await this.opts.central.connect(slot.address, this.opts.connectTimeoutMs ?? 15_000);
    } catch (err) {
      this.failed(slot, `Connecting failed: ${(err as Error).message}`);
      return;
    }
    if (this.stopped || this.slots.get(slot.address) !== slot) {
      await conn.disconnect().catch(() => undefined);
      return;
    }
    const session = new BleSession(
      slot.driver,
      conn,
      {
        emit: (events) => {
          for (const event of events) this.opts.emit({ type: 'event', deviceId, event });
        },
        delivered: () => undefined,
        duplicate: () => this.opts.emit({ type: 'log', level: 'debug', message: `Dropped a record ${deviceId} had already delivered.` }),
        log: (level, message) => this.log(level, message),
        ...(this.opts.onValue ? { value: (v: CharacteristicValue, t: number) => this.opts.onValue?.(deviceId, v, t) } : {}),
      },
      this.markOf(slot),
      () => this.opts.clock.now(),
      (this.opts.utcOffsetMin ?? localOffset)(),
    );
    slot.conn = conn;
    slot.session = session;
    slot.state = 'connected';
    conn.onDisconnect(() => this.guard(() => this.ended(slot, conn)));
    this.opts.emit({ type: 'link', deviceId, state: 'connected' });
    try {
      await session.start();
      slot.failures = 0;
    } catch (err) {
      if (slot.conn !== conn) return;
      await this.release(slot);
      this.failed(slot, (err as Error).message);
    }
  }

  private failed(slot: Slot, detail: string): void {
    slot.state = 'waiting';
    slot.failures++;
    slot.retryAt = this.opts.clock.now() + backoffDelay(slot.failures - 1, { firstMs: 1000, maxMs: 30_000 });
    this.opts.emit({ type: 'link', deviceId: slot.info.id, state: 'error', detail });
  }

  private ended(slot: Slot, conn: BleConnection): void {
    if (slot.conn !== conn) return;
    const measured = slot.session?.measured ?? false;
    slot.session?.end();
    slot.conn = undefined;
    slot.session = undefined;
    slot.state = 'waiting';
    this.opts.emit({ type: 'link', deviceId: slot.info.id, state: 'waiting', ...(measured ? { detail: 'done' } : {}) });
  }

  /** We end the connection (idle after a measurement, stopping, forgetting). */
  private async release(slot: Slot): Promise<void> {
    const conn = slot.conn;
    if (!conn) return;
    this.ended(slot, conn);
    await conn.disconnect().catch(() => undefined);
  }

  private async drop(slot: Slot, reason: string): Promise<void> {
    this.slots.delete(slot.address);
    await this.release(slot);
    this.opts.emit({ type: 'detached', deviceId: slot.info.id, reason });
  }

  private onGone(address: string): void {
    this.nearby.gone(address);
    // A device BlueZ forgot may come back (out of range a while): it stays attached, waiting, unless it was forgotten.
  }

  private assign(next: Map<string, string>): void {
    this.assigned = next;
    for (const slot of [...this.slots.values()]) {
      if (!this.opts.assignAll && next.get(slot.address) !== slot.driver.manifest.id) void this.drop(slot, 'unassigned');
    }
    void this.updateScan();
    this.nearby.changed();
  }

  private async pair(requestId: string, address: string, driverId: string, passkey?: string): Promise<void> {
    const say = (state: 'pairing' | 'passkey-needed' | 'paired' | 'failed', detail?: string): void =>
      this.opts.emit({ type: 'ble-pairing', requestId, address, state, driver: driverId, ...(detail ? { detail } : {}) });
    const driver = this.opts.drivers.find((d) => d.manifest.id === driverId);
    if (!driver) return say('failed', `No Bluetooth driver '${driverId}'.`);
    if (!this.available) return say('failed', 'Bluetooth is not available on this cabin.');
    // Only a device heard nearby, and only with a driver its advertisement matches (a wrong pick would fail forever).
    const heard = this.nearby.get(address);
    if (!heard) return say('failed', `No Bluetooth device ${address} is nearby: put it in pairing mode, then try again.`);
    if (matchAdvertisement(heard, [driver]).driver !== driver) return say('failed', `${driver.manifest.name} does not match the device ${heard.name ?? address}.`);
    say('pairing');
    const result =
      driver.manifest.ble.pairing === 'none'
        ? ({ ok: true } as const)
        : await this.opts.central.pair(address, passkey).catch((err: Error) => ({ ok: false as const, reason: 'failed' as const, detail: err.message }));
    if (!result.ok) return say(result.reason === 'passkey-needed' ? 'passkey-needed' : 'failed', result.detail);
    // Assigned here at once (main keeps the list and sends it back): the device connects at its next advertisement.
    this.assigned.set(address, driverId);
    void this.updateScan();
    say('paired');
    this.nearby.changed(true);
  }

  private async forget(requestId: string, address: string): Promise<void> {
    this.assigned.delete(address);
    const slot = this.slots.get(address);
    if (slot) await this.drop(slot, 'forgotten');
    try {
      if (this.available) await this.opts.central.forget(address);
      this.opts.emit({ type: 'ble-pairing', requestId, address, state: 'forgotten' });
    } catch (err) {
      this.opts.emit({ type: 'ble-pairing', requestId, address, state: 'failed', detail: (err as Error).message });
    }
    this.nearby.changed(true);
  }
}
