/** One connected device over BlueZ: its GATT characteristics by (service, characteristic) UUID. */
import { normaliseUuid } from '../../../../drivers/_ble/uuid.ts';
import { DeviceError } from '../../transports/transport.ts';
import type { BleConnection, GattCharacteristicInfo } from '../central.ts';
import { BLUEZ, IFACE, Variant, bytes, safely, str, strings, type Bus, type Objects, type Warn } from './bus.ts';
import { bluezError } from './errors.ts';

/** How long after a read its value's echo may still arrive. */
const ECHO_MS = 250;

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

interface Characteristic extends GattCharacteristicInfo {
  readonly path: string;
}

/** The device's characteristics from BlueZ's object tree (services resolved), UUIDs normalised. */
export function gattOf(devicePath: string, tree: Objects): Characteristic[] {
  const services = new Map<string, string>();
  for (const [path, ifaces] of Object.entries(tree)) {
    if (!path.startsWith(`${devicePath}/`)) continue;
    const uuid = normaliseUuid(str(ifaces[IFACE.service], 'UUID') ?? '');
    if (uuid) services.set(path, uuid);
  }
  const out: Characteristic[] = [];
  const seen = new Set<string>();
  for (const [path, ifaces] of Object.entries(tree).sort(([a], [b]) => a.localeCompare(b))) {
    const props = ifaces[IFACE.characteristic];
    if (!props || !path.startsWith(`${devicePath}/`)) continue;
    const service = services.get(str(props, 'Service') ?? '');
    const characteristic = normaliseUuid(str(props, 'UUID') ?? '');
    if (!service || !characteristic || seen.has(`${service}/${characteristic}`)) continue;
    seen.add(`${service}/${characteristic}`);
    out.push({ path, service, characteristic, flags: strings(props, 'Flags') ?? [] });
  }
  return out;
}

export class BluezConnection implements BleConnection {
  private readonly byRef = new Map<string, Characteristic>();
  private readonly byPath = new Map<string, Characteristic>();
  private readonly subscribed = new Set<string>();
  /** bluetoothd signals a read's value as a Value change too: that echo is not a notification. */
  private readonly reads = new Map<string, { bytes?: Uint8Array; until: number }>();
  private readonly valueCbs: ((service: string, characteristic: string, bytes: Uint8Array) => void)[] = [];
  private readonly disconnectCbs: ((reason: string) => void)[] = [];
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(
    readonly address: string,
    readonly devicePath: string,
    chars: readonly Characteristic[],
    private readonly bus: Bus,
    private readonly forget: () => void,
    private readonly warn: Warn,
  ) {
    for (const c of chars) {
      this.byRef.set(`${c.service}/${c.characteristic}`, c);
      this.byPath.set(c.path, c);
    }
  }

  get open(): boolean {
    return this.state === 'open';
  }

  characteristics(): readonly GattCharacteristicInfo[] {
    return [...this.byRef.values()].map(({ service, characteristic, flags }) => ({ service, characteristic, flags }));
  }

  private find(service: string, characteristic: string, what: string): Characteristic {
    if (this.state !== 'open') throw new DeviceError(`Bluetooth device ${this.address} is disconnected (${what}): wait for it to connect again.`, 'lost');
    const c = this.byRef.get(`${normaliseUuid(service) ?? service}/${normaliseUuid(characteristic) ?? characteristic}`);
    if (!c) throw new DeviceError(`Bluetooth device ${this.address} has no characteristic ${characteristic} in service ${service} (${what}): check that the driver matches this model.`, 'unsupported');
    return c;
  }

  private async gatt(c: Characteristic, member: string, what: string, signature = '', body: unknown[] = []): Promise<unknown[]> {
    try {
      return await this.bus.call(BLUEZ, c.path, IFACE.characteristic, member, signature, body);
    } catch (e) {
      throw bluezError(this.address, what, e);
    }
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    const what = `reading ${characteristic}`;
    const c = this.find(service, characteristic, what);
    this.reads.set(c.path, { until: Infinity });
    let value: unknown;
    try {
      [value] = await this.gatt(c, 'ReadValue', what, 'a{sv}', [{}]);
    } finally {
      const out = bytes(value);
      if (out && this.reads.has(c.path)) this.reads.set(c.path, { bytes: out, until: Date.now() + ECHO_MS });
      else this.reads.delete(c.path);
    }
    const out = bytes(value);
    if (!out) throw new DeviceError(`Bluetooth device ${this.address} answered ${what} with something that is not bytes: BlueZ may be too old.`, 'io');
    return out;
  }

  async write(service: string, characteristic: string, data: Uint8Array, withResponse: boolean): Promise<void> {
    const what = `writing ${characteristic}`;
    const c = this.find(service, characteristic, what);
    await this.gatt(c, 'WriteValue', what, 'aya{sv}', [Buffer.from(data), { type: new Variant('s', withResponse ? 'request' : 'command') }]);
  }

  async subscribe(service: string, characteristic: string): Promise<void> {
    const what = `subscribing to ${characteristic}`;
    const c = this.find(service, characteristic, what);
    this.subscribed.add(c.path);
    try {
      await this.gatt(c, 'StartNotify', what);
    } catch (e) {
      this.subscribed.delete(c.path);
      throw e;
    }
  }

  onValue(cb: (service: string, characteristic: string, bytes: Uint8Array) => void): void {
    this.valueCbs.push(cb);
  }

  onDisconnect(cb: (reason: string) => void): void {
    this.disconnectCbs.push(cb);
  }

  async disconnect(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.forget();
    try {
      await this.bus.call(BLUEZ, this.devicePath, IFACE.device, 'Disconnect', '', [], 10_000);
    } catch {
      // Already gone (NotConnected, the object removed, or bluetoothd stopped): disconnected all the same.
    } finally {
      this.state = 'closed';
    }
  }

  /** A characteristic's PropertiesChanged (from the central's one signal handler). */
  valueChanged(path: string, changed: Record<string, unknown>): void {
    if (this.state !== 'open' || !this.subscribed.has(path) || !('Value' in changed)) return;
    const c = this.byPath.get(path);
    const value = bytes(changed.Value);
    if (!c || !value) return;
    const read = this.reads.get(path);
    if (read && Date.now() <= read.until && (!read.bytes || equal(read.bytes, value))) {
      // The echo of our own read (before or just after its reply), not something the device sent.
      if (read.bytes) this.reads.delete(path);
      return;
    }
    for (const cb of this.valueCbs) safely(() => cb(c.service, c.characteristic, new Uint8Array(value)), this.warn);
  }

  /** The device went away (Connected false, removed, or bluetoothd gone): ends the connection once. */
  lost(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'closed';
    this.forget();
    for (const cb of this.disconnectCbs) safely(() => cb(reason), this.warn);
  }
}
