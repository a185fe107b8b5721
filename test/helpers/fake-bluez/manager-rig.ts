/**
 * BleManager over BluezCentral over the fake bluetoothd, with the real BLE drivers: the device host's Bluetooth path
 * end to end, minus the radio. Devices are built from a driver's simulator (its GATT table and the values it reads)
 * or by hand from the documented vectors, and advertise when a test says so (an RSSI update, as bluetoothd signals
 * each advertisement heard during discovery).
 */
import { Variant } from 'dbus-next';
import { BLE_DRIVERS } from '../../../drivers/index.ts';
import { fullUuid } from '../../../drivers/_ble/uuid.ts';
import { BluezCentral } from '../../../src/devices/ble/bluez/central.ts';
import { BleManager, type BleRequest } from '../../../src/devices/ble/manager.ts';
import { systemClock } from '../../../src/shared/clock.ts';
import type { DeviceEvent } from '../../../src/shared/device-event.ts';
import { HostMessageSchema, type HostMessage } from '../../../src/shared/device-host.ts';
import type { BleEmission, BleSimulator, GattRef } from '../../../src/shared/driver.ts';
import { Events } from './events.ts';
import { startFakeBluez, type FakeBluez, type FakeCharacteristic, type FakeSend } from './index.ts';

export interface ManagerRig {
  readonly f: FakeBluez;
  readonly central: BluezCentral;
  readonly manager: BleManager;
  /** Every HostMessage, checked against the host protocol's schema as it is emitted. */
  readonly messages: Events<HostMessage>;
  /** BluezCentral's warnings (a callback that threw, an unreadable bluetoothd). */
  readonly warnings: string[];
  request(req: BleRequest): void;
  /** `state` or `state:detail` of each link message of the device, in order. */
  links(deviceId: string): string[];
  events(deviceId: string): DeviceEvent[];
  observations(deviceId: string): Extract<DeviceEvent, { kind: 'observation' }>[];
  waitFor(pred: (m: HostMessage) => boolean, what: string, timeoutMs?: number): Promise<HostMessage>;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** Devices in BlueZ before the manager starts (bonded ones it already knows). */
  before?(f: FakeBluez): Promise<void>;
  /** Requests main sends before `start()` (the assigned devices, the record memory from SQLite). */
  requests?: readonly BleRequest[];
  assignAll?: boolean;
  utcOffsetMin?: number;
}

export async function startRig(opts: RigOptions = {}): Promise<ManagerRig> {
  const f = await startFakeBluez();
  const warnings: string[] = [];
  let central: BluezCentral | undefined;
  let manager: BleManager | undefined;
  const stop = async (): Promise<void> => {
    await manager?.stop();
    await central?.stop();
    await f.stop();
  };
  try {
    await f.addAdapter();
    await opts.before?.(f);
    central = new BluezCentral({ busAddress: f.address, onWarning: (m) => warnings.push(m) });
    const messages = new Events<HostMessage>();
    manager = new BleManager({
      drivers: BLE_DRIVERS,
      central,
      clock: systemClock,
      emit: (m) => messages.push(HostMessageSchema.parse(m)),
      ...(opts.assignAll ? { assignAll: true } : {}),
      utcOffsetMin: () => opts.utcOffsetMin ?? 0,
      connectTimeoutMs: 10_000,
    });
    for (const r of opts.requests ?? []) manager.request(r);
    await manager.start();
    const m = manager;
    const c = central;
    const events = (id: string): DeviceEvent[] => messages.items.flatMap((x) => (x.type === 'event' && x.deviceId === id ? [x.event] : []));
    return {
      f,
      central: c,
      manager: m,
      messages,
      warnings,
      request: (req) => m.request(req),
      links: (id) => messages.items.flatMap((x) => (x.type === 'link' && x.deviceId === id ? [`${x.state}${x.detail ? `:${x.detail}` : ''}`] : [])),
      events,
      observations: (id) => events(id).flatMap((e) => (e.kind === 'observation' ? [e] : [])),
      waitFor: (pred, what, timeoutMs = 8000) => messages.waitFor(pred, timeoutMs, what),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export const devicePath = (address: string, adapter = 'hci0'): string => `/org/bluez/${adapter}/dev_${address.replace(/:/g, '_')}`;

/** The device advertises (bluetoothd updates RSSI for each advertisement it hears). */
export async function advertise(f: FakeBluez, address: string, rssi = -55): Promise<void> {
  await f.updateDevice(devicePath(address), { RSSI: new Variant('n', rssi) });
}

/** Resolves once a central has notifications or indications on at `charPath`. */
export async function subscribed(f: FakeBluez, charPath: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await f.property(charPath, 'org.bluez.GattCharacteristic1', 'Notifying')) !== true) {
    if (Date.now() > deadline) throw new Error(`Nobody subscribed to ${charPath} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The key of a characteristic in `addLeDevice`'s answer. */
export const charKey = (service: string, characteristic: string): string => `${fullUuid(service)}/${fullUuid(characteristic)}`;

export interface SimulatedDevice {
  readonly device: string;
  readonly chars: Record<string, string>;
  /** The fake's path of one of the device's characteristics. */
  path(ref: GattRef): string;
  /** A simulator's emissions as what the fake device sends. */
  sends(emissions: readonly BleEmission[]): FakeSend[];
}

/**
 * Adds the simulator's device to the fake BlueZ: its advertised services and name, its GATT table (BlueZ flags from
 * the simulator's properties) and every readable value as the simulator reads it at `nowMs`.
 */
export async function addSimulated(f: FakeBluez, sim: BleSimulator, nowMs: number, extra: { paired?: boolean; rssi?: number } = {}): Promise<SimulatedDevice> {
  const gatt = sim.gatt.map((s) => ({
    uuid: fullUuid(s.uuid),
    characteristics: s.characteristics.map(
      (c): FakeCharacteristic => ({ uuid: fullUuid(c.uuid), flags: [...c.properties], value: [...(sim.read({ service: s.uuid, characteristic: c.uuid }, nowMs) ?? [])] }),
    ),
  }));
  const { device, chars } = await f.addLeDevice(sim.address, { name: sim.name, uuids: sim.advertisedServices.map(fullUuid), gatt, ...extra });
  const path = (ref: GattRef): string => {
    const p = chars[charKey(ref.service, ref.characteristic)];
    if (!p) throw new Error(`${sim.name} has no characteristic ${ref.characteristic} in service ${ref.service}`);
    return p;
  };
  return { device, chars, path, sends: (emissions) => emissions.map((e) => ({ char: path(e), bytes: [...e.bytes] })) };
}
