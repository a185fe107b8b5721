import type { DeviceStatus } from '../../src/shared/device-event.ts';

/** What the EXC/ALARM bit fields say about the signal, and whether the numbers may be trusted. */
export interface SignalState {
  readonly status: DeviceStatus;
  readonly detail?: string;
  /** The device has no reading (no sensor, sensor off, pulse search, faulty sensor): numbers are ignored. */
  readonly invalid: boolean;
}

type Rule = readonly [mask: number, status: DeviceStatus, detail: string, invalid: boolean];

/**
 * EXC bits (protocols.md §3) in priority order: probe-off > sensor-fault > searching > artifact >
 * low-perfusion; then low battery from ALARM. The first set bit wins. Artifact and low perfusion keep the
 * numbers (the monitor still displays them, flagged); the others mean there is no reading.
 * 0x800 ("Masimo SET"), 0x200 (reserved) and the SpCO/SpMet confidence bits do not concern what we emit.
 */
const EXC_RULES: readonly Rule[] = [
  [0x001000, 'probe-off', 'no-cable', true],
  [0x000001, 'probe-off', 'no-sensor', true],
  [0x000020, 'probe-off', 'finger-out', true],
  [0x000002, 'sensor-fault', 'defective-sensor', true],
  [0x010000, 'sensor-fault', 'defective-cable', true],
  [0x000080, 'sensor-fault', 'unrecognized-sensor', true],
  [0x000100, 'sensor-fault', 'incompatible-sensor', true],
  [0x004000, 'sensor-fault', 'incompatible-cable', true],
  [0x008000, 'sensor-fault', 'unrecognized-cable', true],
  [0x002000, 'sensor-fault', 'cable-expired', true],
  [0x040000, 'sensor-fault', 'sensor-expired', true],
  [0x080000, 'sensor-fault', 'emitter-temperature', true],
  [0x100000, 'sensor-fault', 'sensor-current-limit', true],
  [0x000008, 'searching', 'pulse-search', true],
  [0x020000, 'searching', 'sensor-calibrating', true],
  [0x000010, 'artifact', 'interference', false],
  [0x000040, 'artifact', 'ambient-light', false],
  [0x000400, 'artifact', 'low-signal-iq', false],
  [0x000004, 'low-perfusion', 'low-perfusion', false],
];

const ALARM_LOW_BATTERY = 0x0040;

const OK: SignalState = { status: 'ok', invalid: false };
const LOW_BATTERY: SignalState = { status: 'low-battery', detail: 'low-battery', invalid: false };
const STATES: readonly SignalState[] = EXC_RULES.map(([, status, detail, invalid]) => ({ status, detail, invalid }));

export function signalState(exc: number, alarm: number): SignalState {
  for (let i = 0; i < EXC_RULES.length; i++) {
    if ((exc & EXC_RULES[i]![0]) !== 0) return STATES[i]!;
  }
  return (alarm & ALARM_LOW_BATTERY) !== 0 ? LOW_BATTERY : OK;
}
