/**
 * Bluetooth UUIDs in one spelling: SIG ones (on the base 0000xxxx-0000-1000-8000-00805f9b34fb) as 4 lowercase hex
 * digits ('2a35'), 32-bit SIG ones as 8, others in the dashed 128-bit form, lowercase. Accepts any of those with or
 * without dashes, in any case; returns undefined for anything else.
 */
const BASE_TAIL = '00001000800000805f9b34fb';

export function normaliseUuid(text: string): string | undefined {
  if (typeof text !== 'string') return undefined;
  const hex = text.trim().toLowerCase().replace(/^0x/, '').replace(/-/g, '');
  if (!/^[0-9a-f]+$/.test(hex)) return undefined;
  if (hex.length === 4) return hex;
  if (hex.length === 8) return hex.startsWith('0000') ? hex.slice(4) : hex;
  if (hex.length !== 32) return undefined;
  if (hex.slice(8) === BASE_TAIL) return hex.startsWith('0000') ? hex.slice(4, 8) : hex.slice(0, 8);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The full 128-bit dashed form (what BlueZ reports). */
export function fullUuid(uuid: string): string {
  const n = normaliseUuid(uuid) ?? uuid;
  if (n.length === 4) return `0000${n}-0000-1000-8000-00805f9b34fb`;
  if (n.length === 8) return `${n}-0000-1000-8000-00805f9b34fb`;
  return n;
}

export const sameUuid = (a: string, b: string): boolean => normaliseUuid(a) !== undefined && normaliseUuid(a) === normaliseUuid(b);

/** SIG services and characteristics the health drivers use. */
export const UUID = {
  deviceInformation: '180a',
  manufacturerName: '2a29',
  modelNumber: '2a24',
  serialNumber: '2a25',
  hardwareRevision: '2a27',
  firmwareRevision: '2a26',
  softwareRevision: '2a28',
  systemId: '2a23',
  currentTimeService: '1805',
  currentTime: '2a2b',
  dateTime: '2a08',
  recordAccess: '2a52',
  bloodPressure: '1810',
  bloodPressureMeasurement: '2a35',
  intermediateCuffPressure: '2a36',
  bloodPressureFeature: '2a49',
  healthThermometer: '1809',
  temperatureMeasurement: '2a1c',
  temperatureType: '2a1d',
  pulseOximeter: '1822',
  plxSpotCheck: '2a5e',
  plxContinuous: '2a5f',
  plxFeatures: '2a60',
  weightScale: '181d',
  weightMeasurement: '2a9d',
  weightScaleFeature: '2a9e',
  glucose: '1808',
  glucoseMeasurement: '2a18',
  glucoseContext: '2a34',
  glucoseFeature: '2a51',
  battery: '180f',
  batteryLevel: '2a19',
} as const;
