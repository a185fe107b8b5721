import { systemClock, type Clock } from '../shared/clock.ts';
import type { BleDriver, Driver } from '../shared/driver.ts';
import type { BleCentral } from './ble/central.ts';
import type { BleManagerOptions } from './ble/manager.ts';
import { SimulatedCentral } from './ble/simulated.ts';
import type { DevicesConfig } from './config.ts';
import { simulatedPath } from './discovery/match.ts';
import { systemLister, type PortInfo, type PortLister } from './discovery/ports.ts';
import type { TransportFactory } from './discovery/probe.ts';
import { DeviceManager, type DeviceManagerOptions } from './manager.ts';
import { HidTransport } from './transports/hid.ts';
import { SerialTransport } from './transports/serial.ts';
import { SimulatedTransport } from './transports/simulated.ts';
import { DeviceError, type Transport } from './transports/transport.ts';

/** The configured simulated devices, as ports. */
export function simulatedPorts(config: DevicesConfig, bleIds: ReadonlySet<string> = new Set()): PortInfo[] {
  const count = new Map<string, number>();
  return config.simulate.filter((s) => !bleIds.has(s.driver)).map((s) => {
    const n = count.get(s.driver) ?? 0;
    count.set(s.driver, n + 1);
    return { path: simulatedPath(s.driver, n), kind: 'simulated' as const };
  });
}

/** Opens a port with a driver's settings: the real serialport / node-hid bindings, or a simulator. */
export function transportFactory(config: DevicesConfig, clock: Clock = systemClock, bleIds: ReadonlySet<string> = new Set()): TransportFactory {
  const serialSims = config.simulate.filter((s) => !bleIds.has(s.driver));
  const scenarios = new Map(simulatedPorts(config, bleIds).map((p, i) => [p.path, serialSims[i]?.scenario]));
  return (port: PortInfo, driver: Driver): Transport => {
    const m = driver.manifest;
    if (port.kind === 'simulated') return new SimulatedTransport(port.path, driver, scenarios.get(port.path), undefined, clock);
    if (m.transport === 'hid' && m.hid) return new HidTransport(port.path, m.hid);
    if (m.transport === 'serial' && m.serial) return new SerialTransport(port.path, m.serial, m.lineDelimiter);
    throw new DeviceError(`Driver ${m.id} has no settings for a ${m.transport} transport.`, 'unsupported');
  };
}

export interface HostOptions {
  /** Only this port / driver. */
  filter?: { port?: string; driver?: string };
  /** Replace the system's ports (tests). */
  lister?: PortLister;
  onWarning?: (message: string) => void;
  /** Time and timers of the manager and the simulated devices (tests pass a manual clock). */
  clock?: Clock;
  /** Bluetooth LE drivers (none: no BLE). */
  bleDrivers?: readonly BleDriver[];
  /** The BLE central to use instead of the configured one (tests). */
  bleCentral?: BleCentral;
  /** The machine's BLE central (BlueZ), made only when the config enables Bluetooth and simulates no BLE device. */
  systemBleCentral?: () => BleCentral;
  /** Every BLE device the central reports is connected, assigned or not (the CLI's watch and capture). */
  bleAssignAll?: boolean;
  /** Every BLE characteristic value as it came (the CLI's capture). */
  onBleValue?: BleManagerOptions['onValue'];
}

/** `vid:pid` of every HID driver's devices: the only HID devices listed or opened. */
export function hidIds(drivers: readonly Driver[]): Set<string> {
  return new Set(
    drivers.filter((d) => d.manifest.transport === 'hid').flatMap((d) => d.manifest.usb.map((u) => `${u.vendorId}:${u.productId}`)),
  );
}

/** This machine's ports for the given drivers and config (USB serial, known HID devices, configured paths). */
export function machineLister(drivers: readonly Driver[], config: DevicesConfig, onWarning?: (m: string) => void): PortLister {
  return systemLister({ hidIds: hidIds(drivers), configured: config.ports.map((p) => p.path), ignore: config.ignore, onWarning });
}

/** A DeviceManager on this machine's ports plus the configured simulated devices. */
export function createDeviceManager(drivers: readonly Driver[], config: DevicesConfig, opts: HostOptions = {}): DeviceManager {
  const bleDrivers = opts.bleDrivers ?? [];
  const bleIds = new Set(bleDrivers.map((d) => d.manifest.id));
  const system = opts.lister ?? machineLister(drivers, config, opts.onWarning);
  const simulated = simulatedPorts(config, bleIds);
  const lister: PortLister = async () => [...(await system()), ...simulated];
  return new DeviceManager({
    drivers,
    config,
    lister,
    open: transportFactory(config, opts.clock, bleIds),
    filter: opts.filter,
    clock: opts.clock,
    ble: bleOptions(bleDrivers, config, opts),
  });
}

/**
 * The BLE side: the demo's (and tests') simulated devices on a simulated central, all of them the cabin's; otherwise
 * the machine's BlueZ, where only the devices the assistant assigned are connected.
 */
function bleOptions(bleDrivers: readonly BleDriver[], config: DevicesConfig, opts: HostOptions): DeviceManagerOptions['ble'] {
  if (bleDrivers.length === 0) return undefined;
  const sims = config.simulate.flatMap((s) => {
    const driver = bleDrivers.find((d) => d.manifest.id === s.driver);
    return driver ? [{ driver, ...(s.scenario !== undefined ? { scenario: s.scenario } : {}) }] : [];
  });
  const tap = opts.onBleValue ? { onValue: opts.onBleValue } : {};
  const all = opts.bleAssignAll === true;
  if (opts.bleCentral) return { drivers: bleDrivers, central: opts.bleCentral, assignAll: all || sims.length > 0, transport: sims.length > 0 ? 'simulated' : 'ble', ...tap };
  if (sims.length > 0) return { drivers: bleDrivers, central: new SimulatedCentral(sims, opts.clock), assignAll: true, transport: 'simulated', ...tap };
  if (!config.bluetooth.enabled || !opts.systemBleCentral) return undefined;
  return { drivers: bleDrivers, central: opts.systemBleCentral(), transport: 'ble', assignAll: all, ...tap };
}
