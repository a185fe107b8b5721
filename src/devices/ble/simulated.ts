import { normaliseUuid } from '../../../drivers/_ble/uuid.ts';
import { systemClock, type Clock, type TimerHandle } from '../../shared/clock.ts';
import type { BleDriver, BleEmission, BleSimulator, GattRef } from '../../shared/driver.ts';
import { PATIENT_ACTS_AFTER_MS } from '../transports/simulated.ts';
import { DeviceError } from '../transports/transport.ts';
import type { Advertisement, BleCentral, BleConnection, GattCharacteristicInfo, PairResult } from './central.ts';

/** A passkey-pairing simulated device shows this one (the assistant types it). */
export const SIMULATED_PASSKEY = '123456';

interface SimDevice {
  driver: BleDriver;
  sim: BleSimulator;
  paired: boolean;
  connection?: SimConnection;
  acting: boolean;
}

const key = (ref: GattRef): string => `${normaliseUuid(ref.service)}/${normaliseUuid(ref.characteristic)}`;

class SimConnection implements BleConnection {
  private valueCb: (s: string, c: string, b: Uint8Array) => void = () => {};
  private lostCb: (reason: string) => void = () => {};
  readonly subscribed = new Set<string>();
  open = true;

  constructor(
    readonly address: string,
    private readonly dev: SimDevice,
    private readonly clock: Clock,
    private readonly onClose: () => void,
  ) {}

  characteristics(): readonly GattCharacteristicInfo[] {
    return this.dev.sim.gatt.flatMap((s) =>
      s.characteristics.map((c) => ({ service: normaliseUuid(s.uuid) ?? s.uuid, characteristic: normaliseUuid(c.uuid) ?? c.uuid, flags: [...c.properties] })),
    );
  }

  private check(service: string, characteristic: string, property: string): void {
    if (!this.open) throw new DeviceError(`${this.dev.sim.name} is not connected.`, 'lost');
    const c = this.characteristics().find((x) => key(x) === key({ service, characteristic }));
    if (!c) throw new DeviceError(`${this.dev.sim.name} has no characteristic ${characteristic} in service ${service}.`, 'unsupported');
    if (!c.flags.some((f) => f === property || (property === 'write' && f === 'write-without-response'))) {
      throw new DeviceError(`${this.dev.sim.name}: characteristic ${characteristic} does not allow ${property}.`, 'unsupported');
    }
  }

  async read(service: string, characteristic: string): Promise<Uint8Array> {
    this.check(service, characteristic, 'read');
    const v = this.dev.sim.read({ service, characteristic }, this.clock.now());
    if (!v) throw new DeviceError(`${this.dev.sim.name}: characteristic ${characteristic} cannot be read.`, 'io');
    return v;
  }

  async write(service: string, characteristic: string, bytes: Uint8Array): Promise<void> {
    this.check(service, characteristic, 'write');
    this.deliver(this.dev.sim.write({ service, characteristic }, bytes, this.clock.now()));
  }

  async subscribe(service: string, characteristic: string): Promise<void> {
    if (!this.open) throw new DeviceError(`${this.dev.sim.name} is not connected.`, 'lost');
    const c = this.characteristics().find((x) => key(x) === key({ service, characteristic }));
    if (!c?.flags.some((f) => f === 'notify' || f === 'indicate')) {
      throw new DeviceError(`${this.dev.sim.name}: characteristic ${characteristic} cannot notify.`, 'unsupported');
    }
    this.subscribed.add(key({ service, characteristic }));
    this.deliver(this.dev.sim.subscribed({ service, characteristic }, true, this.clock.now()));
  }

  onValue(cb: (s: string, c: string, b: Uint8Array) => void): void {
    this.valueCb = cb;
  }

  onDisconnect(cb: (reason: string) => void): void {
    this.lostCb = cb;
    // Lost before anyone listened: said now, so the loss is never missed.
    if (!this.open) queueMicrotask(() => cb('lost'));
  }

  async disconnect(): Promise<void> {
    this.close();
  }

  /** The device's values, in order, after the current call returns (as they would arrive from the air). */
  deliver(emissions: readonly BleEmission[]): void {
    if (emissions.length === 0) return;
    queueMicrotask(() => {
      for (const e of emissions) {
        if (!this.open || !this.subscribed.has(key(e))) continue;
        this.valueCb(normaliseUuid(e.service) ?? e.service, normaliseUuid(e.characteristic) ?? e.characteristic, e.bytes);
      }
    });
  }

  /** The device ended the connection (or went out of range). */
  lost(reason: string): void {
    if (!this.open) return;
    this.close();
    this.lostCb(reason);
  }

  private close(): void {
    if (!this.open) return;
    this.open = false;
    this.dev.sim.disconnected(this.clock.now());
    this.onClose();
  }
}

/**
 * BLE devices played by driver simulators, in memory: the demo's Bluetooth devices and the tests' (no BlueZ, no
 * adapter). Advertises each device while its simulator says it is connectable, connects, serves its GATT table, and
 * sends its notifications and indications on the clock.
 */
export class SimulatedCentral implements BleCentral {
  private readonly devices = new Map<string, SimDevice>();
  private advCb: (a: Advertisement) => void = () => {};
  private goneCb: (address: string) => void = () => {};
  private timer: TimerHandle | undefined;
  private scanning = false;
  private lastAdvertised = new Map<string, number>();

  constructor(
    entries: readonly { driver: BleDriver; scenario?: string }[],
    private readonly clock: Clock = systemClock,
    private readonly stepMs = 20,
    /** How often an advertising device is heard again. */
    private readonly advertiseEveryMs = 500,
    /** The zone the devices' clocks show: the cabin's (a device set up where it is used shows local time). */
    utcOffsetMin: number = -new Date(clock.now()).getTimezoneOffset(),
  ) {
    for (const e of entries) {
      const sim = e.driver.createSimulator(e.scenario, { utcOffsetMin });
      // The demo's devices are already paired with the cabin, as a deployed cabin's are.
      this.devices.set(sim.address, { driver: e.driver, sim, paired: e.driver.manifest.ble.pairing !== 'none', acting: false });
    }
  }

  /** The simulators, by address (tests and the demo change what they measure). */
  simulator(address: string): BleSimulator | undefined {
    return this.devices.get(address)?.sim;
  }

  addresses(): string[] {
    return [...this.devices.keys()];
  }

  async start(): Promise<void> {
    this.timer ??= this.clock.setInterval(() => this.pump(), this.stepMs);
    // Every simulated device was seen before (BlueZ's cache keeps devices that need no bond too): all are known at
    // once, so the demo's devices are listed together when the kiosk opens.
    for (const [address, d] of this.devices) {
      const { rssi: _heard, ...known } = this.advertisement(address, d);
      this.advCb(known);
    }
  }

  async stop(): Promise<void> {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
    for (const d of this.devices.values()) d.connection?.lost('stopped');
  }

  async scan(on: boolean): Promise<void> {
    this.scanning = on;
  }

  onAdvertisement(cb: (a: Advertisement) => void): void {
    this.advCb = cb;
  }

  onGone(cb: (address: string) => void): void {
    this.goneCb = cb;
  }

  async connect(address: string): Promise<BleConnection> {
    const d = this.devices.get(address);
    if (!d) throw new DeviceError(`No Bluetooth device ${address} is in range.`, 'not-found');
    if (d.connection?.open) throw new DeviceError(`${d.sim.name} is already connected.`, 'busy');
    if (!d.sim.advertising(this.clock.now())) throw new DeviceError(`${d.sim.name} is not advertising: it connects only after a measurement.`, 'not-found');
    const conn = new SimConnection(address, d, this.clock, () => {
      if (d.connection === conn) d.connection = undefined;
    });
    d.connection = conn;
    d.sim.connected(this.clock.now());
    return conn;
  }

  async pair(address: string, passkey?: string): Promise<PairResult> {
    const d = this.devices.get(address);
    if (!d) return { ok: false, reason: 'not-found', detail: `No Bluetooth device ${address} is in range.` };
    if (d.driver.manifest.ble.pairing === 'passkey') {
      if (passkey === undefined) return { ok: false, reason: 'passkey-needed', detail: `${d.sim.name} shows a 6-digit code: type it.` };
      if (passkey !== SIMULATED_PASSKEY) return { ok: false, reason: 'rejected', detail: `${d.sim.name} refused the code.` };
    }
    d.paired = true;
    return { ok: true };
  }

  async forget(address: string): Promise<void> {
    const d = this.devices.get(address);
    if (!d) return;
    d.paired = false;
    d.connection?.lost('removed');
    this.goneCb(address);
  }

  /** The simulated patient uses the device a moment from now (the kiosk's step for it opened). */
  patientActs(address: string): void {
    const d = this.devices.get(address);
    if (!d || d.acting) return;
    d.acting = true;
    this.clock.setTimeout(() => {
      d.acting = false;
      d.sim.set({ completeMeasurement: true });
    }, PATIENT_ACTS_AFTER_MS);
  }

  /** The device goes out of range now (tests). */
  outOfRange(address: string): void {
    this.devices.get(address)?.connection?.lost('out of range');
  }

  private advertisement(address: string, d: SimDevice): Advertisement {
    return {
      address,
      name: d.sim.name,
      rssi: -55,
      services: d.sim.advertisedServices.map((s) => normaliseUuid(s) ?? s),
      paired: d.paired,
      connected: d.connection?.open ?? false,
    };
  }

  private pump(): void {
    const now = this.clock.now();
    for (const [address, d] of this.devices) {
      const conn = d.connection;
      if (conn?.open) {
        conn.deliver(d.sim.advance(now));
        if (d.sim.wantsDisconnect(now)) queueMicrotask(() => conn.lost('the device ended the connection'));
        continue;
      }
      if (!d.sim.advertising(now)) continue;
      const last = this.lastAdvertised.get(address) ?? -Infinity;
      if (now - last < this.advertiseEveryMs) continue;
      this.lastAdvertised.set(address, now);
      // Unpaired devices are heard only while the assistant scans; paired ones always (BlueZ reports bonded devices).
      if (d.paired || this.scanning) this.advCb(this.advertisement(address, d));
    }
  }
}
