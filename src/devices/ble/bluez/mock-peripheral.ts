/**
 * A driver's BLE simulator played on a fake bluetoothd: python3-dbusmock with the project's template
 * (test/helpers/fake-bluez/bluez_gatt.py, its `org.bluez.Mock` interface: AddDevice, AddGattService,
 * AddGattCharacteristic, Notify, Written, …) on a private D-Bus. The device appears there with the simulator's GATT
 * table; a central on the same bus (BluezCentral: the cabin, `cabin-devices watch`) hears it advertise, connects and
 * gets its notifications and indications on the clock, while the simulator answers its writes and subscriptions.
 * Never the real system bus: a bus without the mock's interface is refused.
 *
 * Limits of the fake: a read returns the characteristic's Value, refreshed from the simulator every second while
 * the characteristic is not notifying (so a device clock read may be up to a second old); writes are seen by polling
 * the mock's write log every step.
 */
import { fullUuid, normaliseUuid } from '../../../../drivers/_ble/uuid.ts';
import type { BleDriver, BleEmission, BleSimulator, GattRef } from '../../../shared/driver.ts';
import { BLUEZ, Bus, CLOSED, CallError, IFACE, Variant, bool, bytes, isRecord, objects, type Signal } from './bus.ts';

const MOCK = 'org.bluez.Mock';
const DBUS_MOCK = 'org.freedesktop.DBus.Mock';
/** How often an advertising device is heard (its RSSI updated, which BlueZ signals for each advertisement). */
const ADVERTISE_EVERY_MS = 500;
const REFRESH_READS_MS = 1000;
/** An episodic device (cuff, thermometer, scale) measures at the start and then this often: the simulated patient. */
export const MEASURE_EVERY_MS = 30_000;

export interface MockPeripheralOptions {
  /** The fake's bus; default DBUS_SYSTEM_BUS_ADDRESS. */
  readonly busAddress?: string;
  readonly stepMs?: number;
  /** Episodic devices measure at the start and every `measureEveryMs` (0: only when told through `simulator.set`). */
  readonly measureEveryMs?: number;
  readonly onWarning?: (message: string) => void;
}

interface Char {
  readonly path: string;
  readonly ref: GattRef;
  readonly flags: readonly string[];
  notifying: boolean;
  written: number;
  lastRead?: string;
}

const refKey = (r: GattRef): string => `${normaliseUuid(r.service)}/${normaliseUuid(r.characteristic)}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function noBus(detail: string): Error {
  return new Error(
    `no test Bluetooth bus: ${detail}. simulate plays a Bluetooth LE device only on a fake BlueZ: run dbus-daemon and ` +
      `'python3 -m dbusmock --system -t test/helpers/fake-bluez/bluez_gatt.py' on it, and point DBUS_SYSTEM_BUS_ADDRESS at that bus.`,
  );
}

export class MockPeripheral {
  readonly sim: BleSimulator;
  private readonly chars = new Map<string, Char>();
  private connected = false;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastAdvert = -Infinity;
  private lastRefresh = -Infinity;
  private lastMeasure = -Infinity;
  private wasAdvertising: boolean | undefined;
  private lostCbs: (() => void)[] = [];
  lostReason: string | undefined;
  private stopped = false;

  private constructor(
    private readonly bus: Bus,
    readonly driver: BleDriver,
    scenario: string | undefined,
    private readonly adapterPath: string,
    private readonly opts: MockPeripheralOptions,
  ) {
    this.sim = driver.createSimulator(scenario);
  }

  get address(): string {
    return this.sim.address;
  }

  get devicePath(): string {
    return `${this.adapterPath}/dev_${this.address.replace(/:/g, '_')}`;
  }

  /** Adds the device to the fake BlueZ and starts playing it; rejects with a sentence ('no test Bluetooth bus: …'). */
  static async start(driver: BleDriver, scenario: string | undefined, opts: MockPeripheralOptions = {}): Promise<MockPeripheral> {
    const where = opts.busAddress ?? process.env.DBUS_SYSTEM_BUS_ADDRESS;
    if (!where) throw noBus('DBUS_SYSTEM_BUS_ADDRESS is not set');
    const warn = opts.onWarning ?? (() => {});
    let bus: Bus;
    try {
      bus = await Bus.open(where, 5000, warn);
    } catch (e) {
      throw noBus((e as Error).message);
    }
    try {
      if (!(await bus.nameOwner(BLUEZ))) throw noBus(`nothing owns ${BLUEZ} on ${where}`);
      const xml = String((await bus.call(BLUEZ, '/', 'org.freedesktop.DBus.Introspectable', 'Introspect', '', [], 5000).catch(() => ['']))[0] ?? '');
      if (!xml.includes(`"${MOCK}"`)) throw noBus(`the ${BLUEZ} on ${where} is not a python3-dbusmock fake (it has no ${MOCK} interface)`);
      if (!xml.includes('AddGattCharacteristic')) throw noBus(`the fake BlueZ on ${where} has no GATT: start dbusmock with test/helpers/fake-bluez/bluez_gatt.py`);
      const tree = objects((await bus.call(BLUEZ, '/', IFACE.objectManager, 'GetManagedObjects'))[0]);
      let adapter = Object.keys(tree).filter((p) => tree[p]?.[IFACE.adapter]).sort()[0];
      adapter ??= String((await bus.call(BLUEZ, '/', MOCK, 'AddAdapter', 'ss', ['hci0', 'cabin']))[0]);
      const p = new MockPeripheral(bus, driver, scenario, adapter, opts);
      if (tree[p.devicePath]) throw new Error(`${p.address} is already on the test Bluetooth bus (another simulate of ${driver.manifest.id}?).`);
      await p.setUp();
      return p;
    } catch (e) {
      await bus.removeMatches();
      bus.disconnect();
      throw e;
    }
  }

  onLost(cb: () => void): void {
    this.lostCbs.push(cb);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    // Removed from the fake (with its GATT objects), so the bus is left as it was found.
    await this.bus.call(BLUEZ, this.adapterPath, IFACE.adapter, 'RemoveDevice', 'o', [this.devicePath], 2000).catch(() => undefined);
    await this.bus.removeMatches();
    this.bus.disconnect();
  }

  private mock(member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    return this.bus.call(BLUEZ, '/', MOCK, member, signature, body, 5000);
  }

  private async setUp(): Promise<void> {
    const sim = this.sim;
    const now = Date.now();
    this.bus.onSignal((s) => this.signal(s));
    this.bus.onClose((reason) => this.lose(`the test Bluetooth bus closed (${reason})`));
    await this.bus.addMatch(`type='signal',sender='${BLUEZ}',interface='${IFACE.properties}',member='PropertiesChanged',path_namespace='${this.devicePath}'`);
    await this.bus.addMatch(`type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='${BLUEZ}'`);
    const adapterName = this.adapterPath.split('/').pop() ?? 'hci0';
    const device = String((await this.mock('AddDevice', 'sss', [adapterName, sim.address, sim.name]))[0]);
    await this.bus.call(BLUEZ, device, DBUS_MOCK, 'UpdateProperties', 'sa{sv}', [
      IFACE.device,
      { UUIDs: new Variant('as', sim.advertisedServices.map((u) => fullUuid(u))) },
    ]);
    for (const service of sim.gatt) {
      const servicePath = String((await this.mock('AddGattService', 'ss', [device, fullUuid(service.uuid)]))[0]);
      for (const c of service.characteristics) {
        const ref = { service: service.uuid, characteristic: c.uuid };
        const readable = c.properties.includes('read');
        const value = readable ? (sim.read(ref, now) ?? new Uint8Array()) : new Uint8Array();
        const path = String((await this.mock('AddGattCharacteristic', 'ssasay', [servicePath, fullUuid(c.uuid), [...c.properties], Buffer.from(value)]))[0]);
        this.chars.set(refKey(ref), { path, ref, flags: [...c.properties], notifying: false, written: 0, ...(readable ? { lastRead: hex(value) } : {}) });
      }
    }
    this.timer = setInterval(() => void this.pump(), this.opts.stepMs ?? 20);
  }

  private byPath(path: string): Char | undefined {
    for (const c of this.chars.values()) if (c.path === path) return c;
    return undefined;
  }

  private signal(s: Signal): void {
    if (s.interface === 'org.freedesktop.DBus' && s.member === 'NameOwnerChanged') {
      if (s.body[0] === BLUEZ && s.body[2] === '') this.lose('the fake BlueZ stopped');
      return;
    }
    const [iface, changed] = s.body;
    if (!isRecord(changed)) return;
    const now = Date.now();
    if (iface === IFACE.device && s.path === this.devicePath) {
      const c = bool(changed, 'Connected');
      if (c === true && !this.connected) {
        this.connected = true;
        this.sim.connected(now);
      } else if (c === false && this.connected) {
        this.connected = false;
        for (const ch of this.chars.values()) ch.notifying = false;
        this.sim.disconnected(now);
      }
    } else if (iface === IFACE.characteristic) {
      const ch = this.byPath(s.path);
      const on = bool(changed, 'Notifying');
      if (!ch || on === undefined || on === ch.notifying) return;
      ch.notifying = on;
      if (this.connected) void this.send(this.sim.subscribed(ch.ref, on, now));
    }
  }

  private lose(reason: string): void {
    if (this.lostReason !== undefined || this.stopped) return;
    this.lostReason = reason;
    clearInterval(this.timer);
    for (const cb of this.lostCbs) cb();
  }

  /** The device's values, in order, as notifications or indications (dropped by the fake when nobody listens). */
  private async send(emissions: readonly BleEmission[]): Promise<void> {
    for (const e of emissions) {
      const ch = this.chars.get(refKey(e));
      if (!ch) {
        this.opts.onWarning?.(`${this.sim.name} sent a value on ${e.characteristic}, which its GATT table does not have.`);
        continue;
      }
      await this.mock('Notify', 'say', [ch.path, Buffer.from(e.bytes)]);
    }
  }

  private async pump(): Promise<void> {
    if (this.busy || this.stopped || this.lostReason !== undefined) return;
    this.busy = true;
    try {
      await this.step(Date.now());
    } catch (e) {
      if (e instanceof CallError && e.errorName === CLOSED) this.lose(`the test Bluetooth bus closed (${e.message})`);
      else this.opts.onWarning?.(`simulated ${this.sim.name}: ${(e as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  private async step(now: number): Promise<void> {
    const every = this.opts.measureEveryMs ?? MEASURE_EVERY_MS;
    if (this.driver.manifest.ble.connection === 'episodic' && every > 0 && now - this.lastMeasure >= every) {
      this.lastMeasure = now;
      this.sim.set({ completeMeasurement: true });
    }
    if (this.connected) {
      for (const ch of this.chars.values()) {
        if (!ch.flags.includes('write') && !ch.flags.includes('write-without-response')) continue;
        const log = (await this.mock('Written', 's', [ch.path]))[0];
        if (!Array.isArray(log) || log.length <= ch.written) continue;
        for (const entry of log.slice(ch.written)) {
          const b = Array.isArray(entry) ? bytes(entry[0]) : undefined;
          if (b) await this.send(this.sim.write(ch.ref, b, now));
        }
        ch.written = log.length;
      }
      await this.send(this.sim.advance(now));
      if (this.sim.wantsDisconnect(now)) await this.mock('DropConnection', 's', [this.address]).catch(() => undefined);
    } else {
      const advertising = this.sim.advertising(now);
      if (advertising !== this.wasAdvertising) {
        // Not advertising: not connectable (a central that tries anyway fails, as with a real device out of reach).
        await this.mock('SetConnectError', 'ss', [this.address, advertising ? '' : 'Failed']);
        this.wasAdvertising = advertising;
      }
      if (advertising && now - this.lastAdvert >= ADVERTISE_EVERY_MS) {
        this.lastAdvert = now;
        // Each advertisement heard updates RSSI: a central connects a device it hears.
        const rssi = -50 - Math.floor(Math.random() * 15);
        await this.bus.call(BLUEZ, this.devicePath, DBUS_MOCK, 'UpdateProperties', 'sa{sv}', [IFACE.device, { RSSI: new Variant('n', rssi) }]);
      }
    }
    if (now - this.lastRefresh >= REFRESH_READS_MS) {
      this.lastRefresh = now;
      for (const ch of this.chars.values()) {
        if (ch.lastRead === undefined || ch.notifying) continue;
        const v = this.sim.read(ch.ref, now);
        if (!v || hex(v) === ch.lastRead) continue;
        ch.lastRead = hex(v);
        await this.bus.call(BLUEZ, ch.path, DBUS_MOCK, 'UpdateProperties', 'sa{sv}', [IFACE.characteristic, { Value: new Variant('ay', Buffer.from(v)) }]);
      }
    }
  }
}
