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
 * low-perfusion; then the ALARM bits (below). The first set bit wins. Artifact and low perfusion keep the
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

/**
 * ALARM bits (protocols.md §3, MD PnP's table) when EXC reports no signal problem, in priority order: the
 * monitor's limit alarms first (the numbers are valid and the doctor must know the monitor is alarming),
 * then low battery (which also raises "alarm active"), then alarm silenced, then "alarm active" alone.
 * 0x0080 is reserved. A limit alarm is not a signal fault: the status stays 'ok', the detail says why.
 */
const ALARM_RULES: readonly (readonly [mask: number, status: DeviceStatus, detail: string])[] = [
  [0x0002, 'ok', 'alarm-spo2-low'],
  [0x0001, 'ok', 'alarm-spo2-high'],
  [0x0008, 'ok', 'alarm-pulse-low'],
  [0x0004, 'ok', 'alarm-pulse-high'],
  [0x1000, 'ok', 'alarm-desaturation'],
  [0x0200, 'ok', 'alarm-spco-low'],
  [0x0100, 'ok', 'alarm-spco-high'],
  [0x0800, 'ok', 'alarm-spmet-low'],
  [0x0400, 'ok', 'alarm-spmet-high'],
  [0x2000, 'ok', 'alarm-pi-delta'],
  [0x0040, 'low-battery', 'low-battery'],
  [0x0020, 'ok', 'alarm-silenced'],
  [0x0010, 'ok', 'alarm-active'],
];

const OK: SignalState = { status: 'ok', invalid: false };
const STATES: readonly SignalState[] = EXC_RULES.map(([, status, detail, invalid]) => ({ status, detail, invalid }));
const ALARMS: readonly SignalState[] = ALARM_RULES.map(([, status, detail]) => ({ status, detail, invalid: false }));

export function signalState(exc: number, alarm: number): SignalState {
  for (let i = 0; i < EXC_RULES.length; i++) {
    if ((exc & EXC_RULES[i]![0]) !== 0) return STATES[i]!;
  }
  for (let i = 0; i < ALARM_RULES.length; i++) {
    if ((alarm & ALARM_RULES[i]![0]) !== 0) return ALARMS[i]!;
  }
  return OK;
}
