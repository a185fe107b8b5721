import { createHash } from 'node:crypto';

/**
 * Identifiers of the FHIR export that must come out the same every time a consultation is exported (a second push
 * then creates nothing: the server finds each resource by its identifier).
 */

/** A UUID (version 5 layout, SHA-256 based) from `parts`: the same parts, the same UUID, in every export. */
export function stableUuid(...parts: readonly string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** 2000-01-01T00:00:00Z, the epoch of the PHD timestamps (and of IEEE 11073-20601's). */
const PHD_EPOCH_MS = Date.UTC(2000, 0, 1);

/**
 * A PHD timestamp for the duplicate-prevention identifier (HL7 PHD IG, "Generating the time stamp part of the
 * identifier"): seconds since 2000-01-01 in the device's own clock, at the device's resolution (whole seconds, or
 * milliseconds when the time has them). The IG's worked example is off by 30 s; this follows the rule:
 * 2021-11-22T11:56:30Z is 690897390.
 */
export function phdTimestamp(deviceMs: number): string {
  const ms = Math.round(deviceMs - PHD_EPOCH_MS);
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  return frac === 0 ? String(s) : `${s}.${String(frac).padStart(3, '0')}`;
}

/** A Bluetooth address (`AA:BB:CC:DD:EE:FF`) as the PHD identifier's device part: 12 hex digits, upper case. */
export function macDigits(address: string): string {
  return address.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/** A Bluetooth address as FHIR's eui-48 identifier value: `00-E5-DE-AD-77-C3`. */
export function eui48(address: string): string {
  return (macDigits(address).match(/../g) ?? []).join('-');
}

/**
 * A DIS System ID (its 8 bytes in hex as the device sends them) as the IEEE EUI-64 digits, upper case: Bluetooth sends
 * the value least significant byte first, so the bytes are reversed (a System ID derived from a MAC address then reads
 * OUI, FFFE, then the rest, as IEEE's rule for a MAC-derived EUI-64 has it). Undefined when it is not 8 bytes of hex.
 */
export function eui64Digits(systemId: string): string | undefined {
  if (!/^[0-9A-Fa-f]{16}$/.test(systemId)) return undefined;
  return (systemId.toUpperCase().match(/../g) ?? []).reverse().join('');
}

/** EUI-64 digits as the PhdDevice's systemIdIdentifier value: `FE-ED-AB-EE-DE-AD-77-C3`. */
export function eui64(digits: string): string {
  return (digits.match(/../g) ?? []).join('-');
}

/**
 * The PHD duplicate-prevention identifier value: `device-patient-type-timestamp`. `device` is the EUI-64 or Bluetooth
 * address digits (another device's stable id where it has neither), `patient` is `identifier.value-identifier.system`
 * (or the patient's logical id), `type` the MDC code, `timestamp` per phdTimestamp.
 */
export function phdIdentifier(device: string, patient: string, mdc: number, deviceMs: number): string {
  return `${device}-${patient}-${mdc}-${phdTimestamp(deviceMs)}`;
}
