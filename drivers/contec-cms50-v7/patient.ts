import type { SimulatorValues } from '../../src/shared/driver.ts';
import { seededRandom } from '../_lib/random.ts';

/** What the simulated oximeter measures at one instant (shared by both Contec simulators). */
export interface PatientReading {
  spo2: number;
  pulse: number;
  /** Perfusion index, %. */
  pi: number;
  probeOff: boolean;
  searching: boolean;
}

/** Scenarios every Contec simulator knows; the first is the default. */
export const PATIENT_SCENARIOS = ['normal', 'finger-out', 'searching', 'desaturation', 'noisy'] as const;

const SEARCH_MS = 5000;
const DESAT_MS = 60_000;
const GARBAGE_EVERY = 37;

/** One heartbeat's pleth shape for phase 0–1: fast systolic rise, decay with a dicrotic bump. */
function beatShape(p: number): number {
  if (p < 0.15) return Math.sin(((p / 0.15) * Math.PI) / 2);
  const d = (p - 0.15) / 0.85;
  return Math.exp(-3 * d) * (1 - 0.2 * d) + 0.12 * Math.exp(-((d - 0.3) ** 2) / 0.005);
}

/**
 * The simulated patient and probe: scenario values over time (gentle sine variation, no randomness), values
 * set by tests/demos that override them from then on, a pleth generator and, for `noisy`, garbage bursts.
 */
export class Patient {
  private readonly overrides: SimulatorValues = {};
  private phase = 0;
  private packets = 0;
  private readonly random = seededRandom(0xc0ffee);

  constructor(readonly scenario: string) {}

  set(values: SimulatorValues): void {
    if (values.spo2 !== undefined) this.overrides.spo2 = values.spo2;
    if (values.pulse !== undefined) this.overrides.pulse = values.pulse;
    if (values.perfusionIndex !== undefined) this.overrides.perfusionIndex = values.perfusionIndex;
    if (values.probeOff !== undefined) this.overrides.probeOff = values.probeOff;
  }

  /** Values at `tMs` since power-on. */
  reading(tMs: number): PatientReading {
    const s = this.scenario;
    const drift = s === 'desaturation' ? Math.min(1, tMs / DESAT_MS) : 0;
    const spo2 = s === 'desaturation' ? Math.round(97 - 12 * drift) : 97 + Math.round(Math.sin((2 * Math.PI * tMs) / 23_000));
    const pulse = Math.round(72 + 10 * drift + 4 * Math.sin((2 * Math.PI * tMs) / 31_000));
    const pi = Math.round(250 + 40 * Math.sin((2 * Math.PI * tMs) / 17_000)) / 100;
    const probeOff = this.overrides.probeOff ?? s === 'finger-out';
    return {
      spo2: this.overrides.spo2 ?? spo2,
      pulse: this.overrides.pulse ?? pulse,
      pi: this.overrides.perfusionIndex ?? pi,
      probeOff,
      searching: !probeOff && s === 'searching' && tMs < SEARCH_MS,
    };
  }

  /** Next pleth sample (0–127) at `pulse` bpm and 60 Hz; `beat` marks the start of a heartbeat. */
  pleth(pulse: number): { value: number; beat: boolean } {
    this.phase += Math.max(pulse, 1) / 3600;
    const beat = this.phase >= 1;
    if (beat) this.phase -= Math.floor(this.phase);
    const value = Math.round(10 + 100 * beatShape(this.phase));
    return { value: Math.max(0, Math.min(127, value)), beat };
  }

  /**
   * For `noisy`: every so many packets, a burst of up to `maxLength` random bytes starting with `lookalike`
   * (a byte that looks like the protocol's sync/start byte). Too short to ever form a whole valid frame.
   */
  garbage(lookalike: number, maxLength: number): number[] | undefined {
    if (this.scenario !== 'noisy' || ++this.packets % GARBAGE_EVERY !== 0) return undefined;
    const n = 1 + Math.floor(this.random() * maxLength);
    const out = [lookalike];
    for (let i = 1; i < n; i++) out.push(Math.floor(this.random() * 256));
    return out;
  }
}
