import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { currentTimeBytes, dateTimeBytes, readDateTime } from '../_ble/datetime.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { featureBytes, measurementBytes } from './measurement.ts';

/**
 * default: a scale in kg (0.05 kg resolution) with timestamp, user 1, BMI and the profile's height (1 mm), CTS 20 s fast;
 * imperial: pounds (0.1 lb) and inches (0.1 in); weight-only: just the weight, no feature, no clock (the §B4 form).
 * It sends the weighings it has not sent yet once measurements are subscribed, then disconnects.
 */
export const scenarios = ['default', 'imperial', 'weight-only'] as const;
type Scenario = (typeof scenarios)[number];

const UTC = 0;
const LINGER_MS = 1_000;
const KG_PER_LB = 0.45359237;

interface Reading {
  readonly kg: number;
  readonly cm: number;
  readonly deviceMs: number;
  sent: boolean;
}

const read = (uuid: string): { uuid: string; properties: ['read'] } => ({ uuid, properties: ['read'] });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

class ScaleSimulator implements BleSimulator {
  readonly name = 'A&D_UC-352_9A21';
  readonly address = 'C4:7C:8D:9A:21:07';
  readonly advertisedServices = [UUID.weightScale];
  readonly gatt: GattServiceSpec[];
  private readonly memory: Reading[] = [];
  private kg = 72.4;
  private cm = 175;
  private pending = false;
  private offsetMs = 20_000;
  private isConnected = false;
  private connectedAt = 0;
  private queue: BleEmission[] = [];

  constructor(private readonly scenario: Scenario) {
    const full = scenario !== 'weight-only';
    this.gatt = [
      { uuid: UUID.deviceInformation, characteristics: [UUID.manufacturerName, UUID.modelNumber].map(read) },
      ...(full ? [{ uuid: UUID.currentTimeService, characteristics: [{ uuid: UUID.currentTime, properties: ['read', 'write'] as const }] }] : []),
      {
        uuid: UUID.weightScale,
        characteristics: [{ uuid: UUID.weightMeasurement, properties: ['indicate'] as const }, ...(full ? [read(UUID.weightScaleFeature)] : [])],
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
    const full = this.scenario !== 'weight-only';
    switch (normaliseUuid(ref.characteristic)) {
      case UUID.manufacturerName:
        return text('A&D Medical');
      case UUID.modelNumber:
        return text('UC-352BLE');
      case UUID.currentTime:
        return full ? Uint8Array.from(currentTimeBytes(nowMs + this.offsetMs, UTC)) : undefined;
      case UUID.weightScaleFeature:
        return full ? featureBytes({ timestamp: true, users: true, bmi: true, weightIndex: 4, heightIndex: 3 }) : undefined;
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
    if (!on || normaliseUuid(ref.characteristic) !== UUID.weightMeasurement) return [];
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
    if (values.weight !== undefined) this.kg = values.weight;
    if (values.height !== undefined) this.cm = values.height;
    if (values.completeMeasurement) this.pending = true;
  }

  private measure(nowMs: number): void {
    if (!this.pending) return;
    this.pending = false;
    const r: Reading = { kg: this.kg, cm: this.cm, deviceMs: nowMs + this.offsetMs, sent: false };
    this.memory.push(r);
    if (this.isConnected) {
      this.queue.push(this.emission(r));
      r.sent = true;
    }
  }

  private emission(r: Reading): BleEmission {
    const time = dateTimeBytes(r.deviceMs, UTC);
    const bmi = Math.round((r.kg / (r.cm / 100) ** 2) * 10);
    let bytes: Uint8Array;
    if (this.scenario === 'weight-only') {
      bytes = measurementBytes({ weight: Math.round(r.kg / 0.005) });
    } else if (this.scenario === 'imperial') {
      // 0.1 lb steps in 0.01 lb units; height in 0.1 in.
      const lbTenths = Math.round(r.kg / KG_PER_LB / 0.1);
      bytes = measurementBytes({ weight: lbTenths * 10, imperial: true, time, user: 1, bmi, height: Math.round(r.cm / 2.54 / 0.1) });
    } else {
      // 0.05 kg steps in 0.005 kg units; height in mm.
      const steps = Math.round(r.kg / 0.05);
      bytes = measurementBytes({ weight: steps * 10, time, user: 1, bmi, height: Math.round(r.cm * 10) });
    }
    return { service: UUID.weightScale, characteristic: UUID.weightMeasurement, bytes };
  }
}

export function createSimulator(scenario?: string): BleSimulator {
  const name = (scenarios as readonly string[]).includes(scenario ?? '') ? (scenario as Scenario) : scenarios[0];
  return new ScaleSimulator(name);
}
