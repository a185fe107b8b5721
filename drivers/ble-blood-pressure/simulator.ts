import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { SimDeviceBasics, SIM_UTC, type SimOptions } from '../_ble/sim-device.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { BP_RECORD } from './manifest.ts';
import { measurementBytes } from './measurement.ts';

/**
 * default: an Omron BLEsmart_ cuff (CTS, clock 90 s fast) that sends the readings it has not sent yet;
 * resend-all: indicates its whole memory at every connection (duplicates for the cabin to drop);
 * clock-unset: year 0 stamps until the cabin writes Current Time; skewed: clock 20 min slow (the cabin writes it);
 * a-and-d: an A&D UA-651BLE (Date Time 0x2A08 in the BP service, no CTS); racp: a BPS 1.1 cuff (records on request);
 * kpa: a cuff that reports in kPa; live: a cuff connected while it measures (cuff pressure notified each second for
 * 20 s, then the measurement).
 */
export const scenarios = ['default', 'resend-all', 'clock-unset', 'skewed', 'a-and-d', 'racp', 'kpa', 'live', 'no-mean'] as const;
type Scenario = (typeof scenarios)[number];

const LINGER_MS = 1_500;
const SYSTEM_ID = [0x30, 0x20, 0x10, 0xfe, 0xff, 0xe5, 0x21, 0xec];
const INFLATE_MS = 20_000;
const ICP_EVERY_MS = 1_000;

interface Reading {
  readonly seq: number;
  readonly systolic: number;
  readonly diastolic: number;
  readonly pulse: number;
  /** The device's clock when measured; undefined: its clock was not set. */
  readonly deviceMs: number | undefined;
  sent: boolean;
}

const read = (uuid: string): { uuid: string; properties: ['read'] } => ({ uuid, properties: ['read'] });

class BpSimulator implements BleSimulator {
  readonly name: string;
  readonly address: string;
  readonly advertisedServices = [UUID.bloodPressure];
  readonly gatt: GattServiceSpec[];
  private readonly memory: Reading[] = [];
  private values = { systolic: 122, diastolic: 78, pulse: 68 };
  private pending = false;
  /** Identity and clock (undefined offset: not set, year 0 until the cabin writes it). */
  private readonly basics: SimDeviceBasics;
  private isConnected = false;
  private connectedAt = 0;
  private queue: BleEmission[] = [];
  private hasNew = false;
  private racpDone = false;
  /** live: when the running measurement started, and the next cuff pressure notification. */
  private inflatingSince: number | undefined;
  private nextIcpAt = 0;

  constructor(
    private readonly scenario: Scenario,
    options: SimOptions,
  ) {
    const andd = scenario === 'a-and-d';
    this.name = andd ? 'A&D_UA-651_7C05' : 'BLEsmart_00000398EC21E5';
    this.address = andd ? '5C:F8:21:7C:05:11' : 'EC:21:E5:10:20:30';
    const offsetMs = { default: 90_000, 'resend-all': 0, 'clock-unset': undefined, skewed: -20 * 60_000, 'a-and-d': 30_000, racp: 0, kpa: 0, live: 0, 'no-mean': 0 }[scenario];
    this.basics = new SimDeviceBasics(
      andd
        ? { manufacturer: 'A&D Medical', model: 'UA-651BLE', serial: '5140700123', firmware: '1.2.0', systemId: SYSTEM_ID }
        : { manufacturer: 'OMRON HEALTHCARE', model: 'HEM-7155T', serial: '20231100398', firmware: '1.2.0', systemId: SYSTEM_ID },
      { utcOffsetMin: options.utcOffsetMin ?? SIM_UTC, offsetMs, ...(andd ? {} : { cts: ['read', 'write', 'notify'] as const }) },
    );
    const bp = [
      { uuid: UUID.bloodPressureMeasurement, properties: ['indicate'] as const },
      { uuid: UUID.intermediateCuffPressure, properties: ['notify'] as const },
      read(UUID.bloodPressureFeature),
      ...(andd ? [{ uuid: UUID.dateTime, properties: ['read', 'write'] as const }] : []),
      ...(scenario === 'racp' ? [{ uuid: BP_RECORD, properties: ['indicate'] as const }, { uuid: UUID.recordAccess, properties: ['write', 'indicate'] as const }] : []),
    ];
    this.gatt = [...this.basics.services, { uuid: UUID.bloodPressure, characteristics: bp }];
  }

  advertising(nowMs: number): boolean {
    this.measure(nowMs);
    return !this.isConnected && this.hasNew;
  }

  connected(nowMs: number): void {
    this.measure(nowMs);
    this.isConnected = true;
    this.connectedAt = nowMs;
    this.queue = [];
    this.racpDone = this.scenario !== 'racp';
  }

  disconnected(): void {
    this.isConnected = false;
  }

  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    switch (normaliseUuid(ref.characteristic)) {
      case UUID.dateTime:
        return this.scenario === 'a-and-d' ? Uint8Array.from(this.basics.clockBytes(nowMs, false)) : undefined;
      case UUID.bloodPressureFeature:
        return Uint8Array.from([0x07, 0x00]); // movement, cuff fit, irregular pulse detection
      default:
        return this.basics.read(ref, nowMs);
    }
  }

  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[] {
    const ch = normaliseUuid(ref.characteristic);
    if (ch === UUID.currentTime || ch === UUID.dateTime) {
      this.basics.setClock(bytes, nowMs);
      return [];
    }
    if (ch === UUID.recordAccess && this.scenario === 'racp') return this.racp(bytes);
    return [];
  }

  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[] {
    if (!on || normaliseUuid(ref.characteristic) !== UUID.bloodPressureMeasurement) return [];
    this.measure(nowMs);
    // BPS 1.0 cuffs indicate their memory once measurements are subscribed; this 1.1 cuff waits for a record request.
    if (this.scenario === 'racp') return [];
    const all = this.scenario === 'resend-all';
    const out = this.memory.filter((r) => all || !r.sent).map((r) => this.emission(UUID.bloodPressureMeasurement, this.bytes(r)));
    for (const r of this.memory) r.sent = true;
    this.hasNew = false;
    return out;
  }

  advance(nowMs: number): BleEmission[] {
    this.measure(nowMs);
    if (this.inflatingSince !== undefined && this.isConnected) {
      for (; this.nextIcpAt <= nowMs && this.nextIcpAt < this.inflatingSince + INFLATE_MS; this.nextIcpAt += ICP_EVERY_MS) {
        // Up to 180 mmHg in 8 s, then down; diastolic and MAP are NaN in a cuff pressure value.
        const since = this.nextIcpAt - this.inflatingSince;
        const p = Math.round(since < 8_000 ? (since / 8_000) * 180 : 180 - ((since - 8_000) / 12_000) * 140);
        this.queue.push(this.emission(UUID.intermediateCuffPressure, Uint8Array.from([0x00, p & 0xff, p >> 8, 0xff, 0x07, 0xff, 0x07])));
      }
    }
    const out = this.queue;
    this.queue = [];
    return out;
  }

  wantsDisconnect(nowMs: number): boolean {
    return this.isConnected && this.racpDone && this.inflatingSince === undefined && this.queue.length === 0 && nowMs - this.connectedAt >= LINGER_MS;
  }

  set(values: SimulatorValues): void {
    if (values.systolic !== undefined) this.values.systolic = values.systolic;
    if (values.diastolic !== undefined) this.values.diastolic = values.diastolic;
    if (values.pulse !== undefined) this.values.pulse = values.pulse;
    if (values.completeMeasurement) this.pending = true;
  }

  /** A measurement asked for by `set` is made at the first moment the device is given. */
  private measure(nowMs: number): void {
    if (this.scenario === 'live') return this.measureLive(nowMs);
    if (!this.pending) return;
    this.pending = false;
    this.hasNew = true;
    this.record(nowMs);
  }

  /** live: the cuff advertises as soon as it starts, and records the reading INFLATE_MS later. */
  private measureLive(nowMs: number): void {
    if (this.pending && this.inflatingSince === undefined) {
      this.pending = false;
      this.hasNew = true;
      this.inflatingSince = nowMs;
      this.nextIcpAt = nowMs;
    }
    if (this.inflatingSince !== undefined && nowMs >= this.inflatingSince + INFLATE_MS) {
      const end = this.inflatingSince + INFLATE_MS;
      this.inflatingSince = undefined;
      this.record(end);
    }
  }

  private record(nowMs: number): void {
    const { systolic, diastolic, pulse } = this.values;
    this.memory.push({ seq: this.memory.length + 1, systolic, diastolic, pulse, deviceMs: this.basics.offsetMs === undefined ? undefined : this.basics.deviceMs(nowMs), sent: false });
    if (this.isConnected && this.scenario !== 'racp') {
      this.queue.push(this.emission(UUID.bloodPressureMeasurement, this.bytes(this.memory.at(-1)!)));
      this.memory.at(-1)!.sent = true;
    }
  }

  private bytes(r: Reading): Uint8Array {
    const time = this.basics.dateTime(r.deviceMs);
    // no-mean: a cuff that computes no MAP sends NaN (SFLOAT 0x07FF) there.
    const mean = this.scenario === 'no-mean' ? 'nan' : Math.round(r.diastolic + (r.systolic - r.diastolic) / 3);
    return measurementBytes({ systolic: r.systolic, diastolic: r.diastolic, mean, pulse: r.pulse, time, user: 1, status: 0, kpa: this.scenario === 'kpa' });
  }

  private emission(characteristic: string, bytes: Uint8Array): BleEmission {
    return { service: UUID.bloodPressure, characteristic, bytes };
  }

  /** `01 01` all, `01 06` last, `01 03 01 <seq>` from seq: records on 0x2B36, then `06 00 01 <code>`. */
  private racp(b: Uint8Array): BleEmission[] {
    const respond = (code: number): BleEmission => this.emission(UUID.recordAccess, Uint8Array.from([0x06, 0x00, b[0] ?? 0, code]));
    this.racpDone = true;
    if (b[0] !== 0x01) return [respond(0x02)];
    let picked: Reading[];
    if (b[1] === 0x01 && b.length === 2) picked = this.memory;
    else if (b[1] === 0x06 && b.length === 2) picked = this.memory.slice(-1);
    else if (b[1] === 0x03 && b[2] === 0x01 && b.length === 5) picked = this.memory.filter((r) => r.seq >= (b[3]! | (b[4]! << 8)));
    else return [respond(0x04)];
    if (picked.length === 0) return [respond(0x06)];
    const out = picked.map((r) => {
      const m = this.bytes(r);
      return this.emission(BP_RECORD, Uint8Array.from([0x03, r.seq & 0xff, r.seq >> 8, 0x35, 0x2a, ...m]));
    });
    for (const r of picked) r.sent = true;
    this.hasNew = false;
    return [...out, respond(0x01)];
  }
}

export function createSimulator(scenario?: string, options: SimOptions = {}): BleSimulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new BpSimulator(name, options);
}
