import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { toSfloat } from '../_ble/ieee11073.ts';
import { SimDeviceBasics, type SimOptions } from '../_ble/sim-device.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { seededRandom } from '../_lib/random.ts';
import { MS, SS } from './plx.ts';

/**
 * `continuous`: a monitoring oximeter notifying 0x2A5F every second; `spot-check`: one that connects to indicate a
 * spot-check 0x2A5E two seconds after start and after each `completeMeasurement`, then leaves; `demo`: continuous
 * values marked as demonstration data (bit 10); `unset-clock`: spot-checks flagged "device clock not set".
 */
export const scenarios = ['continuous', 'spot-check', 'demo', 'unset-clock'] as const;

const plx = UUID.pulseOximeter;
const SPOT: GattRef = { service: plx, characteristic: UUID.plxSpotCheck };
const CONT: GattRef = { service: plx, characteristic: UUID.plxContinuous };
const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
const u24 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff];

class PlxSimulator implements BleSimulator {
  readonly name = 'Nonin3230_501234';
  readonly address = 'C0:FF:EE:18:22:01';
  readonly advertisedServices = [plx];
  readonly gatt: readonly GattServiceSpec[];
  private readonly basics: SimDeviceBasics;
  private readonly random = seededRandom(1822);
  private values = { spo2: 97, pulse: 72, pi: 2.4, probeOff: false };
  private readonly subscribed_ = new Set<string>();
  private lastNotifyMs = -Infinity;
  /** Spot-checks waiting to be indicated (device time of each). */
  private pending: number[] = [];
  private sentSpot = false;
  private firstDue = true;

  constructor(
    private readonly scenario: (typeof scenarios)[number],
    options: SimOptions,
  ) {
    const dis = { manufacturer: 'Cabin Simulated', model: 'PLX-3230', serial: '501234', firmware: '1.2.0' };
    this.basics = new SimDeviceBasics(dis, { cts: ['read', 'write', 'notify'], utcOffsetMin: options.utcOffsetMin });
    const spot = scenario === 'spot-check' || scenario === 'unset-clock';
    this.gatt = [
      {
        uuid: plx,
        characteristics: [
          spot ? { uuid: UUID.plxSpotCheck, properties: ['indicate'] } : { uuid: UUID.plxContinuous, properties: ['notify'] },
          { uuid: UUID.plxFeatures, properties: ['read'] },
        ],
      },
      ...this.basics.services,
    ];
  }

  private get spot(): boolean {
    return this.scenario === 'spot-check' || this.scenario === 'unset-clock';
  }

  set(v: SimulatorValues): void {
    if (v.spo2 !== undefined) this.values.spo2 = v.spo2;
    if (v.pulse !== undefined) this.values.pulse = v.pulse;
    if (v.perfusionIndex !== undefined) this.values.pi = v.perfusionIndex;
    if (v.probeOff !== undefined) this.values.probeOff = v.probeOff;
    if (v.completeMeasurement) this.pending.push(NaN);
  }

  advertising(nowMs: number): boolean {
    if (!this.spot) return true;
    if (this.firstDue && nowMs >= 2000) {
      this.firstDue = false;
      this.pending.push(NaN);
    }
    return this.pending.length > 0;
  }

  connected(): void {
    this.subscribed_.clear();
    this.sentSpot = false;
  }

  disconnected(): void {
    this.subscribed_.clear();
  }

  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    // Features: measurement status and device/sensor status supported, all their bits.
    if (normaliseUuid(ref.characteristic) === UUID.plxFeatures) return Uint8Array.from([0x03, 0x00, 0xe0, 0xff, 0xff, 0xff, 0x00]);
    return this.basics.read(ref, nowMs);
  }

  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[] {
    this.basics.write(ref, bytes, nowMs);
    return [];
  }

  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[] {
    const ch = normaliseUuid(ref.characteristic) ?? '';
    if (on) this.subscribed_.add(ch);
    else this.subscribed_.delete(ch);
    if (on && ch === UUID.plxSpotCheck) return this.flushSpot(nowMs);
    return [];
  }

  advance(nowMs: number): BleEmission[] {
    if (this.spot) return this.subscribed_.has(UUID.plxSpotCheck) ? this.flushSpot(nowMs) : [];
    if (!this.subscribed_.has(UUID.plxContinuous) || nowMs - this.lastNotifyMs < 1000) return [];
    this.lastNotifyMs = nowMs;
    return [{ ...CONT, bytes: this.continuous() }];
  }

  wantsDisconnect(): boolean {
    return this.spot && this.sentSpot && this.pending.length === 0;
  }

  private flushSpot(nowMs: number): BleEmission[] {
    const out = this.pending.map(() => ({ ...SPOT, bytes: this.spotCheck(nowMs) }));
    if (out.length > 0) this.sentSpot = true;
    this.pending = [];
    return out;
  }

  private current(): { spo2: number; pulse: number; pi: number } {
    const wobble = Math.round((this.random() - 0.5) * 2);
    return { spo2: Math.min(100, this.values.spo2), pulse: this.values.pulse + wobble, pi: this.values.pi };
  }

  private statusFields(): { ms: number; ss: number } {
    if (this.values.probeOff) return { ms: MS.unavailable, ss: SS.unconnected };
    return { ms: (this.scenario === 'demo' ? MS.demo : 0) | (1 << 7), ss: this.values.pi < 0.5 ? SS.lowPerfusion : 0 };
  }

  private continuous(): Uint8Array {
    const v = this.current();
    const { ms, ss } = this.statusFields();
    const nan = this.values.probeOff;
    return Uint8Array.from([
      0x1c, ...u16(nan ? 0x07ff : toSfloat(v.spo2, 0)), ...u16(nan ? 0x07ff : toSfloat(v.pulse, 0)),
      ...u16(ms), ...u24(ss), ...u16(nan ? 0x07ff : toSfloat(v.pi, 1)),
    ]);
  }

  private spotCheck(nowMs: number): Uint8Array {
    const v = this.current();
    const { ms, ss } = this.statusFields();
    const unset = this.scenario === 'unset-clock';
    const time = unset ? [0, 0, 0, 0, 0, 0, 0] : this.basics.dateTime(this.basics.deviceMs(nowMs), nowMs);
    return Uint8Array.from([
      0x0f | (unset ? 0x10 : 0), ...u16(toSfloat(v.spo2, 0)), ...u16(toSfloat(v.pulse, 0)),
      ...time, ...u16(ms), ...u24(ss), ...u16(toSfloat(v.pi, 1)),
    ]);
  }
}

export function createSimulator(scenario: string = scenarios[0], options: SimOptions = {}): BleSimulator {
  if (!(scenarios as readonly string[]).includes(scenario)) {
    throw new Error(`Unknown scenario '${scenario}' for ble-pulse-oximeter (known: ${scenarios.join(', ')}).`);
  }
  return new PlxSimulator(scenario as (typeof scenarios)[number], options);
}
