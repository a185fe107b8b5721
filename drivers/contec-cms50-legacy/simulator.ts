import type { Simulator, SimulatorValues } from '../../src/shared/driver.ts';
// Same simulated patient as the V7.0 simulator: one device family, two wire protocols.
import { PATIENT_SCENARIOS, Patient } from '../contec-cms50-v7/patient.ts';

export const scenarios = PATIENT_SCENARIOS;

const RATE_HZ = 60;

const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, Math.round(v)));

/**
 * The device side of the legacy protocol: 60 five-byte frames per second from power-on. Live mode takes no
 * commands (the F5 F5 recorded-data download is not simulated), so whatever the host sends is ignored.
 */
class ContecLegacySimulator implements Simulator {
  private readonly patient: Patient;
  private sentFrames = 0;

  constructor(scenario: string) {
    this.patient = new Patient(scenario);
  }

  set(values: SimulatorValues): void {
    this.patient.set(values);
  }

  receive(): Uint8Array[] {
    return [];
  }

  advance(nowMs: number): Uint8Array[] {
    const due = Math.floor((Math.max(0, nowMs) * RATE_HZ) / 1000);
    const out: number[] = [];
    for (; this.sentFrames < due; this.sentFrames++) {
      const garbage = this.patient.garbage(0x80 | (this.sentFrames & 0x7f), 4);
      if (garbage) for (const g of garbage) out.push(g);
      this.frame(((this.sentFrames + 1) * 1000) / RATE_HZ, out);
    }
    return out.length > 0 ? [Uint8Array.from(out)] : [];
  }

  /** One frame for device time `t`: byte 1 has bit 7 set, bytes 2–5 have it clear. */
  private frame(t: number, out: number[]): void {
    const r = this.patient.reading(t);
    if (r.probeOff) {
      // Probe error: flat pleth, PR 0, SpO2 127 ("no value").
      out.push(0x80, 0x00, 0x10, 0x00, 0x7f);
      return;
    }
    if (r.searching) {
      const wave = this.patient.pleth(60);
      out.push(0x81, 40 + (wave.value >> 2), 0x20, 0x00, 0x7f);
      return;
    }
    const spo2 = clamp(r.spo2, 0x7f);
    const pulse = clamp(r.pulse, 0xff);
    const wave = this.patient.pleth(pulse);
    const b1 = 0x80 | 6 | (spo2 < 90 ? 0x20 : 0) | (wave.beat ? 0x40 : 0);
    const b3 = Math.round((wave.value * 15) / 127) | ((pulse & 0x80) >> 1);
    out.push(b1, wave.value, b3, pulse & 0x7f, spo2);
  }
}

export function createSimulator(scenario: string = scenarios[0]): Simulator {
  if (!(scenarios as readonly string[]).includes(scenario)) {
    throw new Error(`Unknown scenario '${scenario}' for contec-cms50-legacy (known: ${scenarios.join(', ')}).`);
  }
  return new ContecLegacySimulator(scenario);
}
