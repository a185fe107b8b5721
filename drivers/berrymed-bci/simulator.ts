import type { BleEmission, BleSimulator, GattRef, GattServiceSpec, SimulatorValues } from '../../src/shared/driver.ts';
import { sameUuid } from '../_ble/uuid.ts';
import { BCI, FRAME_RATE_HZ } from './uuids.ts';

/** `normal`: a finger in from the start; `no-finger`: switched on, empty; `searching`: 3 s of pulse search first. */
export const scenarios = ['normal', 'no-finger', 'searching'] as const;
type Scenario = (typeof scenarios)[number];

/** A BLE notification carries at most 20 bytes at the default MTU: four frames. */
const NOTIFY_BYTES = 20;

class BciSimulator implements BleSimulator {
  readonly name = 'BerryMed';
  readonly address = '00:A0:50:12:34:56';
  // The real device advertises its name only (see manifest.ts).
  readonly advertisedServices: readonly string[] = [];
  readonly gatt: readonly GattServiceSpec[] = [
    {
      uuid: BCI.service,
      characteristics: [
        { uuid: BCI.notify, properties: ['notify'] },
        { uuid: BCI.write, properties: ['write', 'write-without-response'] },
      ],
    },
  ];
  private values = { spo2: 98, pulse: 72, probeOff: false };
  private streamingSince: number | undefined;
  private sent = 0;
  private phase = 0;

  constructor(private readonly scenario: Scenario) {
    if (scenario === 'no-finger') this.values.probeOff = true;
  }

  set(v: SimulatorValues): void {
    if (v.spo2 !== undefined) this.values.spo2 = v.spo2;
    if (v.pulse !== undefined) this.values.pulse = v.pulse;
    if (v.probeOff !== undefined) this.values.probeOff = v.probeOff;
  }

  advertising(): boolean {
    return true;
  }

  connected(): void {
    this.streamingSince = undefined;
  }

  disconnected(): void {
    this.streamingSince = undefined;
  }

  read(): Uint8Array | undefined {
    return undefined;
  }

  write(): BleEmission[] {
    return [];
  }

  subscribed(ref: GattRef, on: boolean, nowMs: number): BleEmission[] {
    if (sameUuid(ref.characteristic, BCI.notify)) {
      this.streamingSince = on ? nowMs : undefined;
      this.sent = 0;
    }
    return [];
  }

  advance(nowMs: number): BleEmission[] {
    if (this.streamingSince === undefined) return [];
    const due = Math.floor(((nowMs - this.streamingSince) * FRAME_RATE_HZ) / 1000);
    const bytes: number[] = [];
    for (; this.sent < due; this.sent++) bytes.push(...this.frame(this.streamingSince + (this.sent * 1000) / FRAME_RATE_HZ));
    const out: BleEmission[] = [];
    for (let i = 0; i < bytes.length; i += NOTIFY_BYTES) {
      out.push({ service: BCI.service, characteristic: BCI.notify, bytes: Uint8Array.from(bytes.slice(i, i + NOTIFY_BYTES)) });
    }
    return out;
  }

  wantsDisconnect(): boolean {
    return false;
  }

  /** One frame at device time `t`: byte 0 has bit 7 set, bytes 1–4 have it clear. */
  private frame(t: number): number[] {
    if (this.values.probeOff) return [0x80, 0x00, 0x50, 0x7f, 0x7f]; // no finger, PR 255, SpO2 127
    const pulse = Math.max(0, Math.min(254, Math.round(this.values.pulse)));
    this.phase += pulse / 60 / FRAME_RATE_HZ;
    const beat = this.phase >= 1;
    this.phase %= 1;
    // A pleth beat: a quick rise, then a slower fall.
    const shape = this.phase < 0.15 ? Math.sin((this.phase / 0.15) * (Math.PI / 2)) : Math.exp(-(this.phase - 0.15) * 3.5);
    const pleth = Math.round(10 + 80 * shape);
    const bar = Math.round((pleth * 15) / 100);
    if (this.scenario === 'searching' && t - (this.streamingSince ?? 0) < 3000) return [0x83, pleth, 0x60 | bar, 0x7f, 0x7f];
    const spo2 = Math.max(0, Math.min(100, Math.round(this.values.spo2)));
    return [0x88 | (beat ? 0x40 : 0), pleth, bar | ((pulse & 0x80) >> 1), pulse & 0x7f, spo2];
  }
}

export function createSimulator(scenario: string = scenarios[0]): BleSimulator {
  if (!(scenarios as readonly string[]).includes(scenario)) {
    throw new Error(`Unknown scenario '${scenario}' for berrymed-bci (known: ${scenarios.join(', ')}).`);
  }
  return new BciSimulator(scenario as Scenario);
}
