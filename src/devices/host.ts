import { systemClock, type Clock } from '../shared/clock.ts';
import type { Driver } from '../shared/driver.ts';
import type { DevicesConfig } from './config.ts';
import { simulatedPath } from './discovery/match.ts';
import { systemLister, type PortInfo, type PortLister } from './discovery/ports.ts';
import type { TransportFactory } from './discovery/probe.ts';
import { DeviceManager } from './manager.ts';
import { HidTransport } from './transports/hid.ts';
import { SerialTransport } from './transports/serial.ts';
import { SimulatedTransport } from './transports/simulated.ts';
import { DeviceError, type Transport } from './transports/transport.ts';

/** The configured simulated devices, as ports. */
export function simulatedPorts(config: DevicesConfig): PortInfo[] {
  const count = new Map<string, number>();
  return config.simulate.map((s) => {
    const n = count.get(s.driver) ?? 0;
    count.set(s.driver, n + 1);
    return { path: simulatedPath(s.driver, n), kind: 'simulated' as const };
  });
}

/** Opens a port with a driver's settings: the real serialport / node-hid bindings, or a simulator. */
export function transportFactory(config: DevicesConfig, clock: Clock = systemClock): TransportFactory {
  const scenarios = new Map(simulatedPorts(config).map((p, i) => [p.path, config.simulate[i]?.scenario]));
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
  const system = opts.lister ?? machineLister(drivers, config, opts.onWarning);
  const simulated = simulatedPorts(config);
  const lister: PortLister = async () => [...(await system()), ...simulated];
  return new DeviceManager({ drivers, config, lister, open: transportFactory(config, opts.clock), filter: opts.filter, clock: opts.clock });
}
