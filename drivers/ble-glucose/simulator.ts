import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { SimDeviceBasics, type SimOptions } from '../_ble/sim-device.ts';
import { UUID, normaliseUuid } from '../_ble/uuid.ts';
import { MG_DL_PER_MMOL_L } from './glucose.ts';
import { RACP } from '../_ble/racp.ts';

/**
 * A glucose meter with a memory of records (three from earlier days, then one measured 2 s after start and one per
 * `completeMeasurement`), which advertises while it holds a reading not yet sent and answers record access: all,
 * ≥ sequence, first, last, count, abort. `mmol`: a mol/L meter; `no-racp-greater`: "operator unsupported" to
 * ≥ sequence (flutter_blue#830); `empty`: no records at all; `control`: the new reading is a control-solution test.
 */
export const scenarios = ['default', 'mmol', 'no-racp-greater', 'empty', 'control'] as const;
type Scenario = (typeof scenarios)[number];

interface StoredRecord {
  readonly seq: number;
  readonly deviceMs: number;
  readonly mgdl: number;
  readonly control: boolean;
}

const g = UUID.glucose;
const MEAS: GattRef = { service: g, characteristic: UUID.glucoseMeasurement };
const RACP_REF: GattRef = { service: g, characteristic: UUID.recordAccess };
const DAY = 86_400_000;

/** Values the simulated meter measures in turn (mg/dL); `SimulatorValues` has no glucose field yet. */
const READINGS = [112, 134, 97, 156, 88];

class GlucoseSimulator implements BleSimulator {
  readonly name = 'Contour7830H6612345';
  readonly address = 'C0:FF:EE:18:08:01';
  readonly advertisedServices = [g];
  readonly gatt: readonly GattServiceSpec[];
  private readonly basics: SimDeviceBasics;
  private records: StoredRecord[] = [];
  private sentUpTo = 0;
  private readonly subs = new Set<string>();
  private started = false;
  private wanted = 0;
  private answeredAt: number | undefined;
  private next = 0;

  constructor(
    private readonly scenario: Scenario,
    options: SimOptions,
  ) {
    const dis = { manufacturer: 'Cabin Simulated', model: 'GLU-1808', serial: '6612345', firmware: '2.1.0' };
    this.basics = new SimDeviceBasics(dis, { cts: ['read', 'write', 'notify'], utcOffsetMin: options.utcOffsetMin });
    this.gatt = [
      {
        uuid: g,
        characteristics: [
          { uuid: UUID.glucoseMeasurement, properties: ['notify'] },
          { uuid: UUID.glucoseContext, properties: ['notify'] },
          { uuid: UUID.glucoseFeature, properties: ['read'] },
          { uuid: UUID.recordAccess, properties: ['write', 'indicate'] },
        ],
      },
      ...this.basics.services,
    ];
  }

  set(v: SimulatorValues): void {
    if (v.completeMeasurement) this.wanted++;
  }

  private measure(nowMs: number): void {
    if (!this.started) {
      this.started = true;
      if (this.scenario !== 'empty') {
        for (let d = 3; d >= 1; d--) this.store(nowMs - d * DAY, 100 + d * 7, false);
        this.sentUpTo = 3;
        this.wanted = Math.max(1, this.wanted);
      }
    }
    if (this.scenario === 'empty') return;
    for (; this.wanted > 0; this.wanted--) this.store(nowMs, READINGS[this.next++ % READINGS.length]!, this.scenario === 'control');
  }

  private store(deviceMs: number, mgdl: number, control: boolean): void {
    this.records.push({ seq: this.records.length + 1, deviceMs: this.basics.deviceMs(deviceMs), mgdl, control });
  }

  advertising(nowMs: number): boolean {
    if (nowMs >= 2000) this.measure(nowMs);
    return this.records.some((r) => r.seq > this.sentUpTo) || (this.scenario === 'empty' && nowMs >= 2000 && this.answeredAt === undefined);
  }

  connected(nowMs: number): void {
    this.measure(nowMs);
    this.subs.clear();
    this.answeredAt = undefined;
  }

  disconnected(): void {
    this.subs.clear();
  }

  read(ref: GattRef, nowMs: number): Uint8Array | undefined {
    // Features: low battery, sensor malfunction, sample size, strip insertion, strip type, result high/low, temperature.
    if (normaliseUuid(ref.characteristic) === UUID.glucoseFeature) return Uint8Array.from([0xff, 0x00]);
    return this.basics.read(ref, nowMs);
  }

  subscribed(ref: GattRef, on: boolean): BleEmission[] {
    const ch = normaliseUuid(ref.characteristic) ?? '';
    if (on) this.subs.add(ch);
    else this.subs.delete(ch);
    return [];
  }

  write(ref: GattRef, bytes: Uint8Array, nowMs: number): BleEmission[] {
    if (this.basics.write(ref, bytes, nowMs)) return [];
    if (normaliseUuid(ref.characteristic) !== UUID.recordAccess) return [];
    // Without its indications enabled a meter refuses the write (ATT error "CCCD improperly configured").
    if (!this.subs.has(UUID.recordAccess) || bytes.length === 0) return [];
    const op = bytes[0]!;
    const answer = (code: number): BleEmission => ({ ...RACP_REF, bytes: Uint8Array.from([RACP.response, 0x00, op, code]) });
    if (op === 0x03) return [answer(RACP.success)];
    if (op !== RACP.report && op !== RACP.reportNumber) return [answer(0x02)];
    const selected = this.select(bytes);
    if (typeof selected === 'number') return [answer(selected)];
    if (op === RACP.reportNumber) return [{ ...RACP_REF, bytes: Uint8Array.from([RACP.numberResponse, 0x00, selected.length & 0xff, selected.length >> 8]) }];
    this.answeredAt = nowMs;
    if (selected.length === 0) return [answer(RACP.noRecords)];
    // Records go out as notifications before the response; a meter does not notify to a central that did not ask.
    const out: BleEmission[] = this.subs.has(UUID.glucoseMeasurement) ? selected.map((r) => ({ ...MEAS, bytes: this.encode(r, nowMs) })) : [];
    this.sentUpTo = Math.max(this.sentUpTo, ...selected.map((r) => r.seq));
    return [...out, answer(RACP.success)];
  }

  /** The records an operator selects, or the response code that refuses it. */
  private select(bytes: Uint8Array): StoredRecord[] | number {
    const operator = bytes[1];
    const all = this.records;
    if (operator === 0x01) return all;
    if (operator === 0x05) return all.slice(0, 1);
    if (operator === 0x06) return all.slice(-1);
    if (operator === 0x03) {
      if (this.scenario === 'no-racp-greater') return 0x04;
      if (bytes.length < 5) return 0x05;
      if (bytes[2] !== 0x01) return 0x09;
      const from = bytes[3]! | (bytes[4]! << 8);
      return all.filter((r) => r.seq >= from);
    }
    if (operator === 0x02 || operator === 0x04) return 0x04;
    return 0x03;
  }

  advance(): BleEmission[] {
    return [];
  }

  wantsDisconnect(nowMs: number): boolean {
    return this.answeredAt !== undefined && nowMs - this.answeredAt >= 500;
  }

  /** One 0x2A18 value: flags (offset, concentration, status; mol/L for the mmol meter), seq, base time, offset 0. */
  private encode(r: StoredRecord, nowMs: number): Uint8Array {
    const mmol = this.scenario === 'mmol';
    let sfloat: number;
    if (mmol) sfloat = (0xc << 12) | Math.round((r.mgdl / MG_DL_PER_MMOL_L) * 10); // mol/L ×10^-4: 6.2 mmol/L = 62e-4
    else sfloat = (0xb << 12) | r.mgdl; // kg/L ×10^-5: 120 mg/dL = 120e-5
    const typeLocation = r.control ? 0x4a : 0x12; // control solution / capillary plasma at the finger
    return Uint8Array.from([
      0x0b | (mmol ? 0x04 : 0), r.seq & 0xff, r.seq >> 8, ...this.basics.dateTime(r.deviceMs, nowMs),
      0x00, 0x00, sfloat & 0xff, sfloat >> 8, typeLocation, 0x00, 0x00,
    ]);
  }
}

export function createSimulator(scenario: string = scenarios[0], options: SimOptions = {}): BleSimulator {
  if (!(scenarios as readonly string[]).includes(scenario)) {
    throw new Error(`Unknown scenario '${scenario}' for ble-glucose (known: ${scenarios.join(', ')}).`);
  }
  return new GlucoseSimulator(scenario as Scenario, options);
}
