import type { BleEmission, BleSimulator, GattProperty, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes, readDateTime } from './datetime.ts';
import { UUID, normaliseUuid } from './uuid.ts';

/** Device Information strings (and System ID bytes) a simulated device answers. */
export interface DeviceInformation {
  readonly manufacturer: string;
  readonly model: string;
  readonly serial?: string;
  readonly firmware?: string;
  readonly systemId?: readonly number[];
}

export interface SimClockOptions {
  /** The device's local time, minutes from UTC; default: the machine's, at each moment. */
  readonly utcOffsetMin?: number | undefined;
  /** Device clock − real time at start; undefined: not set (year 0 until the cabin writes it). Default 0. */
  readonly offsetMs?: number | undefined;
  /** The Current Time characteristic's properties; undefined: no Current Time service. */
  readonly cts?: readonly GattProperty[];
}

/** What a caller may choose of a simulated device (the second argument of the BLE drivers' `createSimulator`). */
export interface SimOptions {
  /**
   * The zone of the device's clock, minutes from UTC. Default: the machine's, as a device set by hand shows the local
   * time, so a cabin on the machine's zone sees each clock off only by the scenario's own offset.
   */
  readonly utcOffsetMin?: number;
}

/**
 * The zone of the BP, thermometer and scale simulators when the caller gives none: UTC, as their tests and the demo's
 * simulated central expect (a machine-zone default would make those tests pass only on a UTC machine).
 */
export const SIM_UTC = 0;

/** The machine's offset from UTC at `ms`, in minutes: a device set by hand shows the local time of where it is. */
export const machineUtcOffsetMin = (ms: number): number => -new Date(ms).getTimezoneOffset();

const DIS_TEXT = [
  [UUID.manufacturerName, 'manufacturer'],
  [UUID.modelNumber, 'model'],
  [UUID.serialNumber, 'serial'],
  [UUID.firmwareRevision, 'firmware'],
] as const;

/**
 * The device side of Device Information and Current Time, for the simulators of the SIG profiles: the device's
 * identity, and its clock (local time, possibly off, set by a write of Current Time or of another DateTime).
 */
export class SimDeviceBasics {
  /** Device clock − real time; undefined: the clock is not set. */
  offsetMs: number | undefined;
  readonly services: GattServiceSpec[];
  private readonly utcOffset: number | undefined;
  private readonly hasClock: boolean;

  constructor(
    private readonly dis: DeviceInformation,
    clock: SimClockOptions = {},
  ) {
    this.offsetMs = 'offsetMs' in clock ? clock.offsetMs : 0;
    this.utcOffset = clock.utcOffsetMin;
    this.hasClock = clock.cts !== undefined;
    const read: GattProperty[] = ['read'];
    const disChars = [
      ...DIS_TEXT.filter(([, field]) => dis[field] !== undefined).map(([uuid]) => ({ uuid, properties: read })),
      ...(dis.systemId ? [{ uuid: UUID.systemId, properties: read }] : []),
    ];
    this.services = [
      { uuid: UUID.deviceInformation, characteristics: disChars },
      ...(clock.cts ? [{ uuid: UUID.currentTimeService, characteristics: [{ uuid: UUID.currentTime, properties: clock.cts }] }] : []),
    ];
  }

  /** The device's offset from UTC at `ms` (minutes). */
  utcOffsetMin(ms: number): number {
    return this.utcOffset ?? machineUtcOffsetMin(ms);
  }

  /** The device's clock at real time `nowMs` (an unset clock counts from where it is). */
  deviceMs(nowMs: number): number {
    return nowMs + (this.offsetMs ?? 0);
  }

  /** DateTime bytes of device time `deviceMs` (undefined: year 0, not set), in the device's zone at `atMs`. */
  dateTime(deviceMs: number | undefined, atMs: number = deviceMs ?? 0): number[] {
    const bytes = dateTimeBytes(deviceMs ?? 0, this.utcOffsetMin(atMs));
    if (deviceMs === undefined) bytes[0] = bytes[1] = 0;
    return bytes;
  }

  /** The clock now, as a Current Time value (10 bytes) or a bare DateTime (7); year 0 while it is not set. */
  clockBytes(nowMs: number, current = true): number[] {
    const ms = this.deviceMs(nowMs);
    const bytes = current ? currentTimeBytes(ms, this.utcOffsetMin(nowMs)) : dateTimeBytes(ms, this.utcOffsetMin(nowMs));
    if (this.offsetMs === undefined) bytes[0] = bytes[1] = 0;
    return bytes;
  }

  /** The clock written by the cabin (Current Time or a DateTime): the device keeps that time from now on. */
  setClock(bytes: Uint8Array, nowMs: number): void {
    const t = readDateTime(bytes, 0, this.utcOffsetMin(nowMs));
    if (t.ok) this.offsetMs = t.ms - nowMs;
  }

  /** Device Information and Current Time values; undefined for anything else. */
  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    const ch = normaliseUuid(ref.characteristic);
    const field = DIS_TEXT.find(([uuid]) => uuid === ch)?.[1];
    if (field !== undefined) {
      const text = this.dis[field];
      return text === undefined ? undefined : new TextEncoder().encode(text);
    }
    if (ch === UUID.systemId) return this.dis.systemId ? Uint8Array.from(this.dis.systemId) : undefined;
    if (ch === UUID.currentTime) return this.hasClock ? Uint8Array.from(this.clockBytes(nowMs)) : undefined;
    return undefined;
  }

  /** A Current Time write sets the clock; returns false for any other characteristic. */
  write(ref: GattRef, bytes: Uint8Array, nowMs: number): boolean {
    if (normaliseUuid(ref.characteristic) !== UUID.currentTime) return false;
    this.setClock(bytes, nowMs);
    return true;
  }
}

/**
 * A device that stores each measurement (on its own clock) and sends the ones not sent yet: all at once when the
 * cabin subscribes to `measurementRef`, or at once when it is measured while connected. It advertises while it
 * holds an unsent one and hangs up `lingerMs` after connecting once it has nothing left to send.
 */
export abstract class StoreAndSendSimulator<R> implements BleSimulator {
  abstract readonly name: string;
  abstract readonly address: string;
  abstract readonly advertisedServices: readonly string[];
  abstract readonly gatt: readonly GattServiceSpec[];
  private readonly memory: { readonly reading: R; readonly deviceMs: number; sent: boolean }[] = [];
  private pending = false;
  private isConnected = false;
  private connectedAt = 0;
  private queue: BleEmission[] = [];

  constructor(
    protected readonly basics: SimDeviceBasics,
    private readonly measurementRef: GattRef,
    private readonly lingerMs = 1_000,
  ) {}

  abstract set(values: SimulatorValues): void;

  /** What the device measures now. */
  protected abstract current(): R;

  /** A stored reading's measurement value, stamped on the device clock `deviceMs` (real time `deviceMs − offset`). */
  protected abstract encode(reading: R, deviceMs: number): Uint8Array;

  /** The profile's own readable values (Device Information and Current Time are answered before). */
  protected readOwn(_ref: GattRef): Uint8Array | undefined {
    return undefined;
  }

  /** `set` asked for a measurement: it is made at the first moment the device is given. */
  protected measureSoon(): void {
    this.pending = true;
  }

  advertising(nowMs: number): boolean {
    this.measure(nowMs);
    return !this.isConnected && this.memory.some((r) => !r.sent);
  }

  connected(nowMs: number): void {
    this.measure(nowMs);
    this.isConnected = true;
    this.connectedAt = nowMs;
  }

  disconnected(): void {
    this.isConnected = false;
  }

  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    return this.basics.read(ref, nowMs) ?? this.readOwn(ref);
  }

  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[] {
    this.basics.write(ref, bytes, nowMs);
    return [];
  }

  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[] {
    if (!on || normaliseUuid(ref.characteristic) !== normaliseUuid(this.measurementRef.characteristic)) return [];
    this.measure(nowMs);
    const out = this.memory.filter((r) => !r.sent).map((r) => this.emission(r));
    for (const r of this.memory) r.sent = true;
    return out;
  }

  advance(nowMs: number): BleEmission[] {
    this.measure(nowMs);
    const out = this.queue;
    this.queue = [];
    return out;
  }

  wantsDisconnect(nowMs: number): boolean {
    return this.isConnected && this.queue.length === 0 && nowMs - this.connectedAt >= this.lingerMs;
  }

  private measure(nowMs: number): void {
    if (!this.pending) return;
    this.pending = false;
    const r = { reading: this.current(), deviceMs: this.basics.deviceMs(nowMs), sent: false };
    this.memory.push(r);
    if (this.isConnected) {
      this.queue.push(this.emission(r));
      r.sent = true;
    }
  }

  private emission(r: { readonly reading: R; readonly deviceMs: number }): BleEmission {
    return { ...this.measurementRef, bytes: this.encode(r.reading, r.deviceMs) };
  }
}
