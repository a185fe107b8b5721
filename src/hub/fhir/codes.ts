import type { CodeableConcept, Coding } from '@medplum/fhirtypes';
import type { AbsentReason } from '../../shared/observation.ts';
import type { TimeSync } from './clock.ts';

/** The code systems, identifier systems and formats of the FHIR export (HL7 PHD IG, FHIR R4). */

export const MDC_SYSTEM = 'urn:iso:std:iso:11073:10101';
export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const PHD_CATEGORY_SYSTEM = 'http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories';
export const PHD_IDENTIFIER_SYSTEM = 'http://hl7.org/fhir/uv/phd/StructureDefinition/PhdBaseObservation';
export const GATEWAY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice';
export const CONTINUA_IDENTIFIERS = 'http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers';
export const BT_MAC_SYSTEM = 'http://hl7.org/fhir/sid/eui-48/bluetooth';
/** The IEEE EUI-64 System Id of a PHD (PhdDevice's systemIdIdentifier slice). */
export const EUI64_SYSTEM = 'urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680';
/** The version kinds of a PHD (PhdDevice.version.type, IEEE 11073-10101 MDC_ID_PROD_SPEC_*). */
export const VERSION_TYPES = {
  hardware: { code: 531974, display: 'MDC_ID_PROD_SPEC_HW', text: 'Hardware revision' },
  software: { code: 531975, display: 'MDC_ID_PROD_SPEC_SW', text: 'Software revision' },
  firmware: { code: 531976, display: 'MDC_ID_PROD_SPEC_FW', text: 'Firmware revision' },
  protocol: { code: 531977, display: 'MDC_ID_PROD_SPEC_PROTOCOL', text: 'Protocol revision' },
} as const;
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

/**
 * A device's special value as the PHD IG's dataAbsentReason (ble-fhir.md §B0): NaN → not-a-number, NRes → error,
 * ±INFINITY → positive-/negative-infinity, reserved → error. An observation (or a BP component) with it has no value.
 */
const ABSENT_CODES: Record<AbsentReason, { code: string; display: string }> = {
  nan: { code: 'not-a-number', display: 'Not a Number (NaN)' },
  nres: { code: 'error', display: 'Error' },
  'positive-infinity': { code: 'positive-infinity', display: 'Positive Infinity (PINF)' },
  'negative-infinity': { code: 'negative-infinity', display: 'Negative Infinity (NINF)' },
  reserved: { code: 'error', display: 'Error' },
};

/** The dataAbsentReason of a reading without a number; its text says what the device answered (« NRes »). */
export function dataAbsentReason(reason: AbsentReason): CodeableConcept {
  const said = { nan: 'NaN', nres: 'NRes', 'positive-infinity': '+INF', 'negative-infinity': '-INF', reserved: 'valeur réservée' }[reason];
  return { coding: [{ system: DATA_ABSENT_REASON, ...ABSENT_CODES[reason] }], text: `L’appareil a répondu « ${said} » au lieu d’une valeur` };
}

export interface FhirExportOptions {
  /**
   * The namespace of this hub's own identifiers (consultations, cabins, accounts, devices): each hub names its own, so
   * two regions' consultation ids never collide on a shared FHIR server. Default `urn:cabin`.
   */
  systemBase?: string;
  /** The cabin's time zone: times are written with its UTC offset. Default Europe/Paris. */
  timeZone?: string;
  /** `transaction` (conditional creates, for a FHIR server) or `collection` (a download). Default transaction. */
  type?: 'transaction' | 'collection';
  /** Where the report PDF can be fetched (the DocumentReference's attachment URL). */
  pdfUrl?: string;
  /** How the cabin's clock is synchronised (the PhgDevice's time-sync property). Default SNTPv4 (systemd-timesyncd). */
  timeSync?: TimeSync;
}

/** Our identifier systems under `systemBase`. */
export function systems(base = 'urn:cabin') {
  return {
    consultation: `${base}:consultation`,
    patient: `${base}:consultation-patient`,
    cabin: `${base}:cabin`,
    account: `${base}:account`,
    device: `${base}:device`,
    /** A device's properties that have no MDC code (its USB ids). */
    deviceProperty: `${base}:device-property`,
    observation: `${base}:reading`,
    /** A device clock beside the cabin's: `consultation/device/state/offset`. */
    coincidentTime: `${base}:coincident-time`,
    /** A waveform excerpt: `deviceId/t`. */
    waveform: `${base}:waveform`,
    /** A picture the cabin sent: `consultation/mediaId`. */
    media: `${base}:media`,
    flag: `${base}:observation-flag`,
    identityStatus: `${base}:identity-status`,
    identityTag: `${base}:identity`,
    incident: `${base}:incident`,
  } as const;
}

/** A time as FHIR dateTime with the zone's UTC offset at that instant, to the millisecond. */
export function fhirDateTime(ms: number, timeZone = 'Europe/Paris'): string {
  const offsetMin = zoneOffsetMinutes(ms, timeZone);
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** One formatter per zone (making one costs far more than using it: an export has thousands of times). */
const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneOffsetMinutes(ms: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

export const xhtml = (text: string): string =>
  `<div xmlns="http://www.w3.org/1999/xhtml">${text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .split('\n')
    .map((l) => `<p>${l}</p>`)
    .join('')}</div>`;

export const mdcCoding = (mdc: number, display: string): Coding => ({ system: MDC_SYSTEM, code: String(mdc), display });

