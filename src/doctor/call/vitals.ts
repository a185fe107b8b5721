import { GLUCOSE_CODES, TEMPERATURE_CODES, type MdcCode } from '../../shared/catalogue.ts';
import type { DeviceStatus } from '../../shared/device-event.ts';
import type { AbsentReason, DeviceClock, ObservationFlag } from '../../shared/observation.ts';
import type { CallDevice } from '../../shared/telemetry.ts';
import type { Observation } from './observations.ts';
import { mergeFlags } from './reading-notes.ts';

export const VITAL_KEYS = ['spo2', 'pulse', 'bp', 'temp', 'weight', 'glucose'] as const;
export type VitalKey = (typeof VITAL_KEYS)[number];

export interface Vital {
  key: VitalKey;
  /** The latest value as a plain number string (`data-value`); BP as "SYS/DIA"; empty when `absent`. */
  value: string;
  /** The numbers shown, in order (BP: sys, dia, mean when known); none when `absent`. */
  numbers: number[];
  /**
   * The device measured and gave no number (its special value: NaN, NRes…), the latest word on this tile: shown as
   * « mesure impossible », never as a number (BP: the systolic's or diastolic's reason).
   */
  absent?: AbsentReason;
  /** BP: the cuff gave SYS and DIA but no mean (a special value there): « moyenne non fournie par l’appareil ». */
  meanAbsent?: AbsentReason;
  unit: string;
  /** The code of the reading (temperature: its site; glucose: its sample; BP: the systolic's). */
  code: string;
  /** Decimal places the device gave (BP: the systolic's). */
  decimals?: number;
  /** The values as the device showed them, in its own unit, when they were converted (BP: sys, dia, mean when known). */
  reported?: { values: number[]; unit: string; decimals: number };
  /** What the device said about the measurement (BP: the flags of its SYS, DIA and MEAN together). */
  flags?: ObservationFlag[];
  /** The device's clock at the reading. */
  deviceClock?: DeviceClock;
  /** Device time of the reading (ms). */
  t: number;
  deviceId: string;
  measurementId?: string;
  /** When this console received it (its clock), for a reading received live (not one stored before a reload). */
  receivedAt?: number;
  /** When the cabin delivered it to the report itself, after the call (hub time), for a reading read back from it. */
  fromCabinAt?: number;
}

/**
 * Decimal places a tile shows. SpO2, pulse, BP and glucose (mg/dL) are whole numbers whatever the device sends.
 * Temperature and weight: as the device gave them (37.60 °C shows « 37,60 »: the record, the report and its export keep
 * 37.60, so the tile says the same, and a device that gives hundredths claims that resolution), at most 2 (a scale's
 * grams are noise at a consultation); 1 when the device did not say. The kiosk shows the patient at most the measure's
 * decimals instead (« 37,6 », src/renderer/format/measures.ts, shownDecimals): the two differ on purpose.
 */
export function shownDecimals(key: VitalKey, decimals: number | undefined): number {
  if (key !== 'temp' && key !== 'weight') return 0;
  return decimals === undefined || !Number.isInteger(decimals) ? 1 : Math.min(Math.max(decimals, 0), 2);
}

/** A reading that arrived this much later than the call's usual delay is shown with how late it is (issue 11). */
export const LATE_MS = 2000;

const receivedOf = (o: Observation): number | undefined => {
  const r = (o as Observation & { receivedAt?: unknown }).receivedAt;
  return typeof r === 'number' && Number.isFinite(r) ? r : undefined;
};

const fromCabinOf = (o: Observation): number | undefined => {
  const at = (o as Observation & { fromCabinAt?: unknown }).fromCabinAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
};

/**
 * The call's usual delay from device time to this console: the smallest (arrival − device time) of the readings
 * received. It takes in the offset between the cabin's clock and this one, so a reading's lateness beyond it does
 * not depend on the two clocks agreeing. Undefined before any live reading.
 */
export function arrivalBaseline(observations: readonly Observation[]): number | undefined {
  let min: number | undefined;
  for (const o of observations) {
    const r = receivedOf(o);
    if (r === undefined || !Number.isFinite(o.t)) continue;
    if (min === undefined || r - o.t < min) min = r - o.t;
  }
  return min;
}

/** How late (ms) a reading arrived beyond the usual delay, when that is LATE_MS or more; else undefined (on time). */
export function lateBy(v: Pick<Vital, 't' | 'receivedAt'>, baseline: number | undefined): number | undefined {
  if (v.receivedAt === undefined || baseline === undefined) return undefined;
  const late = v.receivedAt - v.t - baseline;
  return late >= LATE_MS ? late : undefined;
}

/**
 * A reading measured before the doctor accepted the call (`acceptedAt`, the consultation's `claimedAt`): the cabin
 * sends those when the call opens, so they arrive « late » without having been late. Its measuring time is its
 * device time brought to this console's clock by the call's usual delay.
 */
export function beforeCall(v: Pick<Vital, 't' | 'receivedAt'>, baseline: number | undefined, acceptedAt: number | undefined): boolean {
  if (v.receivedAt === undefined || baseline === undefined || acceptedAt === undefined) return false;
  return v.t + baseline < acceptedAt;
}

const SINGLE: Record<Exclude<VitalKey, 'bp'>, readonly MdcCode[]> = {
  spo2: ['MDC_PULS_OXIM_SAT_O2'],
  pulse: ['MDC_PULS_OXIM_PULS_RATE', 'MDC_PULS_RATE_NON_INV'],
  temp: TEMPERATURE_CODES,
  weight: ['MDC_MASS_BODY_ACTUAL'],
  glucose: GLUCOSE_CODES,
};
const SYS: MdcCode = 'MDC_PRESS_BLD_NONINV_SYS';
const DIA: MdcCode = 'MDC_PRESS_BLD_NONINV_DIA';
const MEAN: MdcCode = 'MDC_PRESS_BLD_NONINV_MEAN';

/** The device category whose status a tile shows before any reading arrived. */
export const VITAL_CATEGORY: Record<VitalKey, string> = { spo2: 'oximeter', pulse: 'oximeter', bp: 'blood-pressure', temp: 'thermometer', weight: 'scale', glucose: 'glucometer' };
/** Tiles shown only when the cabin has their device or a reading of them (few cabins have a glucometer). */
export const OPTIONAL_VITALS: ReadonlySet<VitalKey> = new Set<VitalKey>(['glucose']);

/** The fields a reading carries beside its value, as a tile keeps them (absent ones left out). */
function readingMeta(o: Observation): Pick<Vital, 'decimals' | 'reported' | 'flags' | 'deviceClock'> {
  return {
    ...(o.decimals !== undefined ? { decimals: o.decimals } : {}),
    ...(o.reported ? { reported: { values: [o.reported.value], unit: o.reported.unit, decimals: o.reported.decimals } } : {}),
    ...(o.flags && o.flags.length > 0 ? { flags: [...o.flags] } : {}),
    ...(o.deviceClock ? { deviceClock: o.deviceClock } : {}),
  };
}

const isNumber = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

/** BP's device values: only when SYS and DIA (and MEAN, if shown) were all sent in the same unit. */
function bpReported(sys: Observation, dia: Observation, mean: Observation | undefined): Vital['reported'] | undefined {
  const parts = mean && mean.absent === undefined ? [sys, dia, mean] : [sys, dia];
  const unit = sys.reported?.unit;
  if (!unit || parts.some((p) => p.reported?.unit !== unit)) return undefined;
  return { values: parts.map((p) => p.reported!.value), unit, decimals: Math.max(...parts.map((p) => p.reported!.decimals)) };
}

/**
 * The latest value of each vitals tile from the observations received (any order: the latest is the one with
 * the greatest device time, the later arrival on a tie). Blood pressure groups SYS, DIA and MEAN by
 * `measurementId` (by device and time when there is none) and shows the latest group that has SYS and DIA.
 */
export function latestVitals(observations: readonly Observation[]): Partial<Record<VitalKey, Vital>> {
  const out: Partial<Record<VitalKey, Vital>> = {};
  for (const [key, codes] of Object.entries(SINGLE) as [Exclude<VitalKey, 'bp'>, readonly string[]][]) {
    let best: Observation | undefined;
    // A measurement the device gave without a number (absent, with its measurementId: a thermometer's NRes) counts:
    // the latest word of the device is that it failed, and the patient measures again. A stream's special value (an
    // oximeter's NaN when the finger leaves, or while it searches: no measurementId) is no measurement: the tile keeps
    // the last number with its time, the device's status says the finger is out, and the report keeps the reading.
    for (const o of observations) if (codes.includes(o.code) && (isNumber(o.value) || (o.absent !== undefined && o.measurementId !== undefined)) && (!best || o.t >= best.t)) best = o;
    if (best) {
      out[key] = {
        key,
        ...(isNumber(best.value) ? { value: String(best.value), numbers: [best.value] } : { value: '', numbers: [], absent: best.absent! }),
        unit: best.unit,
        code: best.code,
        ...readingMeta(best),
        t: best.t,
        deviceId: best.deviceId,
        ...(best.measurementId ? { measurementId: best.measurementId } : {}),
        ...(receivedOf(best) !== undefined ? { receivedAt: receivedOf(best)! } : {}),
        ...(fromCabinOf(best) !== undefined ? { fromCabinAt: fromCabinOf(best)! } : {}),
      };
    }
  }
  const groups = new Map<string, { sys?: Observation; dia?: Observation; mean?: Observation; t: number; deviceId: string; measurementId?: string; receivedAt?: number; fromCabinAt?: number }>();
  for (const o of observations) {
    if (o.code !== SYS && o.code !== DIA && o.code !== MEAN) continue;
    const gid = o.measurementId ? `m:${o.measurementId}` : `t:${o.deviceId}@${o.t}`;
    let g = groups.get(gid);
    if (!g) {
      g = { t: o.t, deviceId: o.deviceId, ...(o.measurementId ? { measurementId: o.measurementId } : {}) };
      groups.set(gid, g);
    }
    g.t = Math.max(g.t, o.t);
    const r = receivedOf(o);
    if (r !== undefined) g.receivedAt = Math.max(g.receivedAt ?? r, r);
    const f = fromCabinOf(o);
    if (f !== undefined) g.fromCabinAt = Math.max(g.fromCabinAt ?? f, f);
    if (o.code === SYS) g.sys = o;
    else if (o.code === DIA) g.dia = o;
    else g.mean = o;
  }
  let bp: Vital | undefined;
  for (const g of groups.values()) {
    if (!g.sys || !g.dia || (bp && g.t < bp.t)) continue;
    const reported = bpReported(g.sys, g.dia, g.mean);
    const flags = mergeFlags(g.sys.flags, g.dia.flags, g.mean?.flags);
    const [sys, dia, mean] = [g.sys.value, g.dia.value, g.mean?.value];
    // A cuff that gave no systolic or diastolic number failed the measurement; one that gave no mean still stands.
    const numbers = isNumber(sys) && isNumber(dia) ? { value: `${sys}/${dia}`, numbers: isNumber(mean) ? [sys, dia, mean] : [sys, dia] } : undefined;
    const absent = g.sys.absent ?? g.dia.absent ?? 'nan';
    bp = {
      key: 'bp',
      ...(numbers ?? { value: '', numbers: [], absent }),
      ...(numbers && g.mean?.absent !== undefined ? { meanAbsent: g.mean.absent } : {}),
      unit: g.sys.unit,
      code: g.sys.code,
      ...(g.sys.decimals !== undefined ? { decimals: g.sys.decimals } : {}),
      ...(reported ? { reported } : {}),
      ...(flags ? { flags } : {}),
      ...(g.sys.deviceClock ? { deviceClock: g.sys.deviceClock } : {}),
      t: g.t,
      deviceId: g.deviceId,
      ...(g.measurementId ? { measurementId: g.measurementId } : {}),
      ...(g.receivedAt !== undefined ? { receivedAt: g.receivedAt } : {}),
      ...(g.fromCabinAt !== undefined ? { fromCabinAt: g.fromCabinAt } : {}),
    };
  }
  if (bp) out.bp = bp;
  return out;
}

export interface DeviceStatusView {
  status: DeviceStatus;
  detail?: string;
  t: number;
}

/** The signal state a tile shows: its reading's device, else the first device of the tile's category. */
export function tileStatus(
  key: VitalKey,
  vital: Vital | undefined,
  devices: readonly CallDevice[],
  statuses: ReadonlyMap<string, DeviceStatusView>,
): { deviceId?: string; status?: DeviceStatus; detail?: string } {
  const deviceId = vital?.deviceId ?? devices.find((d) => d.category === VITAL_CATEGORY[key])?.id;
  if (!deviceId) return {};
  const s = statuses.get(deviceId);
  const fromList = devices.find((d) => d.id === deviceId)?.status;
  const status = s?.status ?? fromList;
  return { deviceId, ...(status ? { status } : {}), ...(s?.detail ? { detail: s.detail } : {}) };
}
