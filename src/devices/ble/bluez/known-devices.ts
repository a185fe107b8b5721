/**
 * The devices BlueZ knows on the adapter in use, kept from its ObjectManager and Device1 property changes: by object
 * path and by address, turned into Advertisements for the scanner, and waited on (a connection waits for
 * ServicesResolved here).
 */
import { normaliseUuid } from '../../../../drivers/_ble/uuid.ts';
import { DeviceError } from '../../transports/transport.ts';
import type { Advertisement } from '../central.ts';
import { CallError, TIMEOUT, bool, num, safely, str, strings, type Props, type Warn } from './bus.ts';

const ADDRESS = /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/;
/** Device1 properties whose change is news for the scanner. */
const ADVERTISED = ['RSSI', 'UUIDs', 'Name', 'Alias', 'Paired', 'Connected', 'ManufacturerData', 'ServiceData'];
/** Changes that mean an advertisement was just received (with DuplicateData, each one re-sends its data). */
const HEARD = ['RSSI', 'ManufacturerData', 'ServiceData'];

interface KnownDevice {
  readonly address: string;
  props: Props;
}

type Waiter = (path: string, props: Props | undefined) => void;

/**
 * What BlueZ's Device1 properties say to the scanner; undefined when they carry no valid address. `heard`: an
 * advertisement was just received (BlueZ keeps the last RSSI of a cached device, which says nothing about now).
 */
export function advertisementOf(props: Props, heard = true): Advertisement | undefined {
  const address = str(props, 'Address')?.toUpperCase();
  if (!address || !ADDRESS.test(address)) return undefined;
  const alias = str(props, 'Alias');
  // BlueZ's Alias falls back to the address (with dashes) for a device without a name: not a name.
  const name = str(props, 'Name') ?? (alias && alias.replace(/-/g, ':').toUpperCase() !== address ? alias : undefined);
  const services = [...new Set((strings(props, 'UUIDs') ?? []).map((u) => normaliseUuid(u)).filter((u): u is string => !!u))];
  return { address, name, rssi: heard ? num(props, 'RSSI') : undefined, services, paired: bool(props, 'Paired') ?? false, connected: bool(props, 'Connected') ?? false };
}

export class KnownDevices {
  private readonly devices = new Map<string, KnownDevice>();
  private readonly byAddress = new Map<string, string>();
  private readonly waiters = new Set<Waiter>();
  private readonly advertisementCbs: ((a: Advertisement) => void)[] = [];
  private readonly goneCbs: ((address: string) => void)[] = [];

  /** `lost`: the device's link ended (Connected false, or BlueZ removed it); the central ends its connection. */
  constructor(
    private readonly lost: (address: string, reason: string) => void,
    private readonly warn: Warn,
  ) {}

  onAdvertisement(cb: (a: Advertisement) => void): void {
    this.advertisementCbs.push(cb);
  }

  onGone(cb: (address: string) => void): void {
    this.goneCbs.push(cb);
  }

  /** The device's object path; undefined when BlueZ does not know it. */
  path(address: string): string | undefined {
    return this.byAddress.get(address);
  }

  /** The device's object path, or a DeviceError saying how to make it known (`what`: the operation). */
  pathOf(address: string, what: string): string {
    const path = this.byAddress.get(address);
    if (!path) throw new DeviceError(`Bluetooth device ${address} is not known to BlueZ (${what}): wake it (take a measurement) so that it advertises, and scan again.`, 'not-found');
    return path;
  }

  props(path: string): Props | undefined {
    return this.devices.get(path)?.props;
  }

  /** A Device1 from GetManagedObjects or InterfacesAdded; `announce`: tell the scanner (a new object). */
  upsert(path: string, props: Props, announce = false): void {
    const address = str(props, 'Address')?.toUpperCase();
    if (!address || !ADDRESS.test(address)) return;
    this.devices.set(path, { address, props: { ...props } });
    this.byAddress.set(address, path);
    if (announce) this.announce(path, props.RSSI !== undefined);
  }

  /** A Device1 PropertiesChanged. */
  changed(path: string, changed: Record<string, unknown>): void {
    const device = this.devices.get(path);
    if (!device) return;
    device.props = { ...device.props, ...changed };
    if (bool(changed, 'Connected') === false) this.lost(device.address, 'the device ended the connection');
    for (const w of this.waiters) w(path, device.props);
    if (ADVERTISED.some((k) => k in changed)) this.announce(path, HEARD.some((k) => k in changed));
  }

  /** BlueZ removed the device (or the adapter, or bluetoothd, went): its connection ends, the scanner hears it is gone. */
  removed(path: string): void {
    const device = this.devices.get(path);
    if (!device) return;
    this.devices.delete(path);
    if (this.byAddress.get(device.address) === path) this.byAddress.delete(device.address);
    this.lost(device.address, 'BlueZ removed the device');
    for (const w of this.waiters) w(path, undefined);
    for (const cb of this.goneCbs) safely(() => cb(device.address), this.warn);
  }

  removeAll(): void {
    for (const path of [...this.devices.keys()]) this.removed(path);
  }

  /** Forgets every device without reporting it gone (the central stopped); pending waits fail. */
  clear(): void {
    this.devices.clear();
    this.byAddress.clear();
    for (const w of this.waiters) w('', undefined);
  }

  /** Tells the scanner every known device again (without RSSI: nothing was just heard). */
  replay(): void {
    for (const path of this.devices.keys()) this.announce(path, false);
  }

  private announce(path: string, heard: boolean): void {
    const device = this.devices.get(path);
    const ad = device && advertisementOf(device.props, heard);
    if (!ad) return;
    for (const cb of this.advertisementCbs) safely(() => cb(ad), this.warn);
  }

  /** Resolves when the device's properties satisfy `ok`; rejects when `fail` holds, the device goes, or on time. */
  until(path: string, ok: (p: Props) => boolean, fail: (p: Props) => boolean, timeoutMs: number): Promise<void> {
    const address = this.devices.get(path)?.address ?? path;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const waiter: Waiter = (p, props) => {
        if (p !== path && p !== '') return;
        if (!props) done(new DeviceError(`Bluetooth device ${address} went away while connecting: bring it closer and try again.`, 'lost'));
        else if (ok(props)) done();
        else if (fail(props)) done(new DeviceError(`Bluetooth device ${address} disconnected before its services were read: try again, and pair it if it keeps happening.`, 'lost'));
      };
      const timer = setTimeout(() => done(new CallError(TIMEOUT, 'services not resolved in time')), Math.max(0, timeoutMs));
      this.waiters.add(waiter);
      const props = this.devices.get(path)?.props;
      if (props && ok(props)) done();
    });
  }
}
