import type { SampledData } from '@medplum/fhirtypes';
import type { PlethExcerpt } from '../../shared/visit-devices.ts';
import { UCUM_SYSTEM } from './codes.ts';

/**
 * A waveform excerpt as FHIR R4 SampledData, per the PHD IG's PhdRtsaObservation: the samples as the device scaled them
 * (data[i] × factor + origin = the value; the cabin keeps the device's own scale, so factor 1 and origin 0), in its
 * unit (the pleth is dimensionless: UCUM `1`), one value per time point (dimensions 1), `period` the time between
 * samples in ms, to the microsecond.
 */
export function sampledData(excerpt: PlethExcerpt): SampledData {
  return {
    origin: { value: 0, system: UCUM_SYSTEM, code: '1' },
    period: Math.round(1e6 / excerpt.rate) / 1000,
    factor: 1,
    dimensions: 1,
    // FHIR's decimal has no exponent form: a tiny float is written in full rather than as 1e-7.
    data: excerpt.samples.map(decimal).join(' '),
  };
}

function decimal(v: number): string {
  const s = String(v);
  return /e/i.test(s) ? v.toFixed(12).replace(/\.?0+$/, '') : s;
}

/** The note of a passage the doctor kept from the live pleth (« Garder ce passage »), told apart from the cabin's. */
export const MARKED_NOTE = 'Passage marqué par le médecin pendant la téléconsultation';

/**
 * The hub's key of an excerpt, the value of its Observation's waveform identifier (a conditional update finds it
 * again, so the same excerpt exported twice keeps its identifier): the cabin's by device and first sample's time; a
 * doctor's marked passage adds `marked` and its sample count (two passages may start at the same sample after a gap).
 */
export function waveformKey(excerpt: PlethExcerpt): string {
  return excerpt.marked ? `${excerpt.deviceId}/${excerpt.t}/marked/${excerpt.samples.length}` : `${excerpt.deviceId}/${excerpt.t}`;
}
