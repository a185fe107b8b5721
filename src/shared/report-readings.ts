import type { StoredReportReading } from './hub-protocol.ts';
import { OBSERVATION_FLAGS, type ObservationFlag } from './observation.ts';

/**
 * The report's readings as the report PDF and the doctor console's past report show them: every spot measurement (a
 * reading with a `measurementId`) one row each, a cuff's SYS/DIA/MEAN on one row; continuous readings (no `measurementId`: an oximeter's stream, thousands
 * in a long consultation) summarised per device, code and minute; and the series of the trend charts. A reading the
 * device gave without a number (`absent`: its special value) is a row of its own in the table, never a point of a
 * trend or part of a minute's summary (no number is made up for it).
 */

const SYS = 'MDC_PRESS_BLD_NONINV_SYS';
const DIA = 'MDC_PRESS_BLD_NONINV_DIA';
const MEAN = 'MDC_PRESS_BLD_NONINV_MEAN';
const SPO2 = 'MDC_PULS_OXIM_SAT_O2';

export type Reading = StoredReportReading;

/** One row of the spot table: one reading, or a cuff's blood pressure (SYS, DIA and MEAN when sent). */
export interface SpotRow {
  t: number;
  deviceId: string;
  /** The code the row is named after (`bp` for a blood pressure). */
  code: string;
  /** The readings shown on this row (BP: SYS, DIA, then MEAN). */
  readings: Reading[];
}

/** One minute of one device's continuous readings of one code. */
export interface MinuteRow {
  minute: number;
  count: number;
  min: number;
  median: number;
  max: number;
  decimals: number | undefined;
  flags: ObservationFlag[];
  clocks: Reading['deviceClock'][];
}

export interface ContinuousGroup {
  deviceId: string;
  code: string;
  unit: string;
  count: number;
  minutes: MinuteRow[];
}

export interface TrendPoint {
  t: number;
  values: number[];
}

export interface OrganisedReadings {
  spots: SpotRow[];
  continuous: ContinuousGroup[];
  bp: TrendPoint[];
  spo2: TrendPoint[];
}

const byTime = (a: { t: number }, b: { t: number }): number => a.t - b.t;
const flagOrder = new Map<string, number>(OBSERVATION_FLAGS.map((f, i) => [f, i]));

/** Flags of several readings, each once, in the contract's order. */
export function mergedFlags(readings: readonly Pick<Reading, 'flags'>[]): ObservationFlag[] {
  const set = new Set<ObservationFlag>();
  for (const r of readings) for (const f of r.flags ?? []) set.add(f);
  return [...set].sort((a, b) => (flagOrder.get(a) ?? 0) - (flagOrder.get(b) ?? 0));
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spotRows(spots: readonly Reading[]): SpotRow[] {
  const groups = new Map<string, Reading[]>();
  for (const r of spots) {
    const key = `${r.deviceId ?? ''}\u0000${r.measurementId ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows: SpotRow[] = [];
  for (const g of groups.values()) {
    const sys = g.find((r) => r.code === SYS);
    const dia = g.find((r) => r.code === DIA);
    const mean = g.find((r) => r.code === MEAN);
    const inBp = new Set<Reading>();
    if (sys && dia) {
      const parts = mean ? [sys, dia, mean] : [sys, dia];
      parts.forEach((p) => inBp.add(p));
      rows.push({ t: Math.min(...parts.map((p) => p.t)), deviceId: sys.deviceId ?? '', code: 'bp', readings: parts });
    }
    for (const r of g) if (!inBp.has(r)) rows.push({ t: r.t, deviceId: r.deviceId ?? '', code: r.code, readings: [r] });
  }
  return rows.sort(byTime);
}

function continuousGroups(stream: readonly Reading[]): ContinuousGroup[] {
  const groups = new Map<string, Reading[]>();
  for (const r of stream) {
    const key = `${r.deviceId ?? ''}\u0000${r.code}\u0000${r.unit}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const out: ContinuousGroup[] = [];
  for (const g of groups.values()) {
    const first = g[0]!;
    const minutes = new Map<number, Reading[]>();
    for (const r of g) {
      const m = Math.floor(r.t / 60_000);
      const list = minutes.get(m);
      if (list) list.push(r);
      else minutes.set(m, [r]);
    }
    const rows: MinuteRow[] = [...minutes.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([minute, rs]) => {
        const values = rs.map((r) => r.value).filter(isNumber).sort((a, b) => a - b);
        const decimals = rs.reduce<number | undefined>((d, r) => (r.decimals === undefined ? d : Math.max(d ?? 0, r.decimals)), undefined);
        const clocks = rs.map((r) => r.deviceClock).filter((c) => c && (c.state === 'unset' || c.state === 'skewed'));
        return { minute, count: rs.length, min: values[0]!, median: median(values), max: values[values.length - 1]!, decimals, flags: mergedFlags(rs), clocks: clocks.slice(0, 1) };
      });
    out.push({ deviceId: first.deviceId ?? '', code: first.code, unit: first.unit, count: g.length, minutes: rows });
  }
  return out.sort((a, b) => (a.deviceId === b.deviceId ? a.code.localeCompare(b.code) : a.deviceId.localeCompare(b.deviceId)));
}

const isNumber = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n);

export function organise(readings: readonly Reading[]): OrganisedReadings {
  const sorted = [...readings].sort(byTime);
  // A continuous reading without a number (an oximeter's NaN when the finger left, recorded once) is shown as a row.
  const spots = sorted.filter((r) => r.measurementId !== undefined || !isNumber(r.value));
  const stream = sorted.filter((r) => r.measurementId === undefined && isNumber(r.value));
  const spotList = spotRows(spots);
  const bp = spotList
    .filter((r) => r.code === 'bp')
    .flatMap((r) => {
      const [sys, dia] = [r.readings[0]!.value, r.readings[1]!.value];
      return isNumber(sys) && isNumber(dia) ? [{ t: r.t, values: [sys, dia] }] : [];
    });
  const spo2 = sorted.flatMap((r) => (r.code === SPO2 && r.unit === '%' && isNumber(r.value) ? [{ t: r.t, values: [r.value] }] : []));
  return { spots: spotList, continuous: continuousGroups(stream), bp, spo2 };
}
