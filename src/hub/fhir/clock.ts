import type { Device, Observation, Reference } from '@medplum/fhirtypes';
import type { DeviceClock } from '../../shared/observation.ts';
import { fhirDateTime, mdcCoding } from './codes.ts';

/**
 * Device clocks in the export (HL7 PHD IG): the gateway's time-synchronisation property, and a
 * PhdCoincidentTimeStampObservation per device clock the readings saw (a device whose clock is unknown has none).
 */

export const COINCIDENT_EXTENSION = 'http://hl7.org/fhir/uv/phd/StructureDefinition/CoincidentTimeStampReference';
const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

/**
 * How the cabin's own clock is kept: Debian's systemd-timesyncd is an SNTP client (RFC 4330). A cabin synchronised
 * otherwise can say so through FhirExportOptions.timeSync.
 */
export const TIME_SYNC = {
  none: { code: 532224, display: 'MDC_TIME_SYNC_NONE' },
  ntpv4: { code: 532226, display: 'MDC_TIME_SYNC_NTPV4' },
  sntpv4330: { code: 532228, display: 'MDC_TIME_SYNC_SNTPV4330' },
  gps: { code: 532238, display: 'MDC_TIME_SYNC_GPS' },
} as const;
export type TimeSync = keyof typeof TIME_SYNC;

/** The PhgDevice's time-synchronisation property (MDC_TIME_SYNC_PROTOCOL). */
export function timeSyncProperty(sync: TimeSync = 'sntpv4330'): NonNullable<Device['property']>[number] {
  const m = TIME_SYNC[sync];
  return { type: { coding: [mdcCoding(68220, 'MDC_TIME_SYNC_PROTOCOL')], text: 'Time synchronization protocol' }, valueCode: [{ coding: [mdcCoding(m.code, m.display)] }] };
}

/** A device clock one coincident timestamp stands for: the same device, state and offset. Undefined: no clock to tell. */
export function clockKey(deviceId: string, clock: DeviceClock | undefined): string | undefined {
  if (!clock || clock.state === 'unknown') return undefined;
  return `${deviceId}|${clock.state}|${clock.state === 'unset' ? '' : (clock.offsetMs ?? 0)}`;
}

/**
 * The device's clock beside the cabin's at a reading (`cabinMs`, the reading's corrected time): effective = the cabin's
 * time, value = the device's own (cabin + offset), or `dataAbsentReason` unknown when the device's clock is not set (a
 * time fault). Subject: the PhdDevice; device: the PhgDevice.
 */
export function coincidentTimeStamp(
  id: string,
  identifier: { system: string; value: string },
  clock: DeviceClock,
  cabinMs: number,
  phd: Reference<Device>,
  phg: Reference<Device>,
  tz: string,
): Observation & { id: string } {
  return {
    resourceType: 'Observation',
    id,
    identifier: [identifier],
    status: 'final',
    code: { coding: [mdcCoding(67975, 'MDC_ATTR_TIME_ABS')], text: 'Absolute time' },
    subject: phd,
    effectiveDateTime: fhirDateTime(cabinMs, tz),
    ...(clock.state === 'unset' ? { dataAbsentReason: { coding: [{ system: DATA_ABSENT, code: 'unknown', display: 'Unknown' }], text: 'horloge de l’appareil non réglée' } } : { valueDateTime: fhirDateTime(cabinMs + (clock.offsetMs ?? 0), tz) }),
    device: phg,
  };
}
