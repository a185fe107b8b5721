import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes, readDateTime } from '../_ble/datetime.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { measurementBytes } from './measurement.ts';

/**
 * default: an ear thermometer (°C, 2 decimals, timestamp and site in each measurement, CTS 45 s slow);
 * fahrenheit: °F with 1 decimal, its site (mouth) only in Temperature Type 0x2A1D;
 * no-site: no site, no timestamp, no clock at all (the cabin's clock, MDC_TEMP_BODY).
 * It sends the readings it has not sent yet once measurements are subscribed, then disconnects.
 */
export const scenarios = ['default', 'fahrenheit', 'no-site'] as const;
type Scenario = (typeof scenarios)[number];

const UTC = 0;
const LINGER_MS = 1_000;
const OFFSET_MS = -45_000;

interface Reading {
  readonly celsius: number;
  readonly deviceMs: number;
  sent: boolean;
}

const read = (uuid: string): { uuid: string; properties: ['read'] } => ({ uuid, properties: ['read'] });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

class ThermometerSimulator implements BleSimulator {
  readonly name = 'FT95';
  readonly address = 'D0:5F:B8:12:34:56';
  readonly advertisedServices = [UUID.healthThermometer];
  readonly gatt: GattServiceSpec[];
  private readonly memory: Reading[] = [];
  private celsius = 36.8;
  private pending = false;
  private offsetMs = OFFSET_MS;
  private isConnected = false;
  private connectedAt = 0;
  private queue: BleEmission[] = [];

  constructor(private readonly scenario: Scenario) {
    const clock = scenario !== 'no-site';
    this.gatt = [
      { uuid: UUID.deviceInformation, characteristics: [UUID.manufacturerName, UUID.modelNumber, UUID.serialNumber].map(read) },
      ...(clock ? [{ uuid: UUID.currentTimeService, characteristics: [{ uuid: UUID.currentTime, properties: ['read', 'write'] as const }] }] : []),
      {
        uuid: UUID.healthThermometer,
        characteristics: [
          { uuid: UUID.temperatureMeasurement, properties: ['indicate'] as const },
          ...(scenario === 'fahrenheit' ? [read(UUID.temperatureType)] : []),
        ],
      },
    ];
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
    switch (normaliseUuid(ref.characteristic)) {
      case UUID.manufacturerName:
        return text('Beurer');
      case UUID.modelNumber:
        return text('FT95');
      case UUID.serialNumber:
        return text('FT95-0001234');
      case UUID.currentTime:
        return this.scenario === 'no-site' ? undefined : Uint8Array.from(currentTimeBytes(nowMs + this.offsetMs, UTC));
      case UUID.temperatureType:
        return this.scenario === 'fahrenheit' ? Uint8Array.from([6]) : undefined;
      default:
        return undefined;
    }
  }

  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[] {
    if (normaliseUuid(ref.characteristic) === UUID.currentTime) {
      const t = readDateTime(bytes, 0, UTC);
      if (t.ok) this.offsetMs = t.ms - nowMs;
    }
    return [];
  }

  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[] {
    if (!on || normaliseUuid(ref.characteristic) !== UUID.temperatureMeasurement) return [];
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
    return this.isConnected && this.queue.length === 0 && nowMs - this.connectedAt >= LINGER_MS;
  }

  set(values: SimulatorValues): void {
    if (values.temperature !== undefined) this.celsius = values.temperature;
    if (values.completeMeasurement) this.pending = true;
  }

  private measure(nowMs: number): void {
    if (!this.pending) return;
    this.pending = false;
    const r: Reading = { celsius: this.celsius, deviceMs: nowMs + this.offsetMs, sent: false };
    this.memory.push(r);
    if (this.isConnected) {
      this.queue.push(this.emission(r));
      r.sent = true;
    }
  }

  private emission(r: Reading): BleEmission {
    const s = this.scenario;
    const bytes =
      s === 'default'
        ? measurementBytes({ value: r.celsius, decimals: 2, time: dateTimeBytes(r.deviceMs, UTC), type: 3 })
        : s === 'fahrenheit'
          ? measurementBytes({ value: (r.celsius * 9) / 5 + 32, decimals: 1, fahrenheit: true, time: dateTimeBytes(r.deviceMs, UTC) })
          : measurementBytes({ value: r.celsius, decimals: 1 });
    return { service: UUID.healthThermometer, characteristic: UUID.temperatureMeasurement, bytes };
  }
}

export function createSimulator(scenario?: string): BleSimulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new ThermometerSimulator(name);
}
