import type { Simulator } from '../../src/shared/driver.ts';
import { createNoninSimulator } from '../_nonin/sim-device.ts';
import { NONIN_SCENARIOS } from '../_nonin/sim-vitals.ts';

export const scenarios = NONIN_SCENARIOS;

/** A Nonin device powered on in DF7; `<scenario>-df2`/`-df7`/`-df8` powers it on in another format. */
export function createSimulator(scenario?: string): Simulator {
  return createNoninSimulator(scenario, 7);
}
