import type { SimulatorValues } from '../../src/shared/driver.ts';

/** What the simulated patient and sensor show at one moment. */
export interface Vitals {
  spo2: number;
  pulse: number;
  /** Perfusion index in %, drives the pleth amplitude and the perfusion colour. */
  perfusionIndex: number;
  probeOff: boolean;
}

/** Scenario names shared by the three Nonin simulators; the first is the default. */
export const NONIN_SCENARIOS = ['normal', 'finger-out', 'desaturation', 'low-perfusion', 'noisy'] as const;
export type NoninScenario = (typeof NONIN_SCENARIOS)[number];

export function isNoninScenario(s: string): s is NoninScenario {
  return (NONIN_SCENARIOS as readonly string[]).includes(s);
}

/** Deterministic, gentle variation (no Math.random: tests must be reproducible). */
function normal(t: number): Vitals {
  return {
    spo2: Math.round(97 + Math.sin(t / 7000)),
    pulse: Math.round(72 + 3 * Math.sin(t / 5000)),
    perfusionIndex: 3 + 0.5 * Math.sin(t / 9000),
    probeOff: false,
  };
}

export function scenarioVitals(scenario: NoninScenario, t: number): Vitals {
  const v = normal(t);
  switch (scenario) {
    case 'finger-out':
      // Finger in for 3 s, out for 5 s, back for 4 s, and so on.
      v.probeOff = t % 12_000 >= 3000 && t % 12_000 < 8000;
      break;
    case 'desaturation': {
      const k = Math.min(1, t / 60_000);
      v.spo2 = Math.round(97 - 12 * k);
      v.pulse = Math.round(72 + 10 * k);
      break;
    }
    case 'low-perfusion':
      v.perfusionIndex = 0.2;
      break;
    case 'normal':
    case 'noisy':
      break;
  }
  return v;
}

/** `set()` values override the scenario from then on. */
export function applyOverrides(v: Vitals, o: SimulatorValues): Vitals {
  if (o.spo2 !== undefined) v.spo2 = o.spo2;
  if (o.pulse !== undefined) v.pulse = o.pulse;
  if (o.perfusionIndex !== undefined) v.perfusionIndex = o.perfusionIndex;
  if (o.probeOff !== undefined) v.probeOff = o.probeOff;
  return v;
}
