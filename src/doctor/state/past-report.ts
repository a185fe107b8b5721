import { CATALOGUE } from '../../shared/catalogue.ts';
import type { StoredReportReading } from '../../shared/hub-protocol.ts';
import type { ObservationFlag } from '../../shared/observation.ts';
import { organise } from '../../shared/report-readings.ts';
import { latestVitals, type Vital, type VitalKey } from '../call/vitals.ts';
import { observationsOf } from './report-queue.ts';

/**
 * A past report's readings as the console lists them, grouped as the report PDF groups them (src/shared/report-readings.ts):
 * each spot measurement one line (a cuff's SYS/DIA/MEAN on one), read as the live tiles read it (`latestVitals`), and
 * continuous readings (an oximeter's stream) one line per device, code and minute.
 */

/** One spot measurement: `vital` when it is one of the console's vitals, else its one reading as the hub stored it. */
export interface SpotLine {
  t: number;
  deviceId: string;
  code: string;
  vital: Vital | undefined;
  reading: StoredReportReading;
}

/** One minute of one device's continuous readings of one code. */
export interface StreamLine {
  minute: number;
  deviceId: string;
  code: string;
  unit: string;
  /** The tile these readings belong to (its name and decimals), when there is one. */
  key: VitalKey | undefined;
  count: number;
  min: number;
  median: number;
  max: number;
  decimals: number | undefined;
  flags: ObservationFlag[];
}

export interface PastReportLines {
  spots: SpotLine[];
  streams: StreamLine[];
}

/** The vitals tile a code is shown in (one reading of it is enough, except a BP part alone). */
export function vitalKeyOf(code: string, unit: string): VitalKey | undefined {
  const one = observationsOf([{ id: 'k', code, unit, value: 0, t: 0, deviceId: '' }]);
  return (Object.keys(latestVitals(one)) as VitalKey[])[0];
}

export function pastReportLines(readings: readonly StoredReportReading[]): PastReportLines {
  const { spots, continuous } = organise(readings);
  return {
    spots: spots.map((row) => {
      const vitals = latestVitals(observationsOf(row.readings));
      const vital = row.code === 'bp' ? vitals.bp : Object.values(vitals)[0];
      return { t: row.t, deviceId: row.deviceId, code: row.code, vital, reading: row.readings[0]! };
    }),
    streams: continuous
      .flatMap((g) => {
        const key = vitalKeyOf(g.code, g.unit);
        return g.minutes.map((m) => ({ minute: m.minute, deviceId: g.deviceId, code: g.code, unit: g.unit, key, count: m.count, min: m.min, median: m.median, max: m.max, decimals: m.decimals, flags: m.flags }));
      })
      .sort((a, b) => a.minute - b.minute || a.deviceId.localeCompare(b.deviceId) || a.code.localeCompare(b.code)),
  };
}

/** A measure's name in the catalogue (French or English) for a code no tile shows; the code itself when unknown. */
export function catalogueName(code: string, language: string | undefined): string {
  const names = CATALOGUE.get(code)?.names;
  return names ? (language?.startsWith('fr') ? names.fr : names.en) : code;
}
