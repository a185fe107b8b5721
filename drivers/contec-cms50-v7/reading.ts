import { MDC } from '../../src/shared/catalogue.ts';
import type { Emitter } from '../_lib/emitter.ts';

/** What one Contec live packet says, in either protocol generation (V5.1 legacy or V7.0). */
export interface ContecReading {
  probeError: boolean;
  searching: boolean;
  searchingTooLong: boolean;
  /** Pleth sample, 0–127 device units. */
  pleth: number;
  /** bpm as sent; 0 and 255 mean "no value". */
  pulse: number;
  /** % as sent; 0 and > 100 (0x7F) mean "no value". */
  spo2: number;
  /** Perfusion index in %, NaN when the device gives none. */
  pi: number;
}

export const PLETH_RATE_HZ = 60;
export const SAT = MDC.PULS_OXIM_SAT_O2;
export const PULSE = MDC.PULS_OXIM_PULS_RATE;
export const PERF = MDC.PULS_OXIM_PERF_REL;
export const PLETH = MDC.PULS_OXIM_PLETH;

function forgetAll(em: Emitter): void {
  em.forget(SAT);
  em.forget(PULSE);
  em.forget(PERF);
}

/**
 * Turns one reading into events. Priority: probe-off (no pleth: the device sends a flat 64) > searching
 * (pleth kept, values withheld as stale) > a missing SpO2/pulse value (searching with detail) > ok.
 */
export function report(em: Emitter, r: ContecReading, t: number): void {
  if (r.probeError) {
    forgetAll(em);
    em.status('probe-off', t, 'finger-out');
    return;
  }
  em.sample(PLETH, PLETH_RATE_HZ, r.pleth, t);
  if (r.searching || r.searchingTooLong) {
    forgetAll(em);
    em.status('searching', t, r.searching ? 'pulse-search' : 'searching-too-long');
    return;
  }
  // SpO2 0 is no reading on Contec firmware (sent with finger out), never a measured 0 %.
  const spo2Ok = r.spo2 >= 1 && r.spo2 <= 100 && em.observe(SAT, r.spo2, t);
  const pulseOk = r.pulse >= 1 && r.pulse <= 254 && em.observe(PULSE, r.pulse, t);
  if (!spo2Ok) em.forget(SAT);
  if (!pulseOk) em.forget(PULSE);
  // A missing PI is "not supported" on many models, not a signal problem: no status for it.
  if (Number.isNaN(r.pi) || !em.observe(PERF, r.pi, t)) em.forget(PERF);
  if (spo2Ok && pulseOk) em.status('ok', t);
  else if (!spo2Ok && !pulseOk) em.status('searching', t, 'no-reading');
  else em.status('searching', t, spo2Ok ? 'pulse-invalid' : 'spo2-invalid');
}
