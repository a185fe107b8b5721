import type { Device, DeviceProperty, Identifier, Patient } from '@medplum/fhirtypes';
import { INS_SYSTEMS, type PatientIdentity } from '../../shared/patient-identity.ts';
import type { VisitDevice } from '../../shared/visit-devices.ts';
import { BT_MAC_SYSTEM, CONTINUA_IDENTIFIERS, EUI64_SYSTEM, mdcCoding, VERSION_TYPES, type systems } from './codes.ts';
import { eui48, eui64, eui64Digits, macDigits } from './ids.ts';

/** Who and what the readings are about: the Patient, and each peripheral as a PhdDevice. */

type Systems = ReturnType<typeof systems>;

/**
 * The patient: the INS when known, always the consultation's own patient identifier (the PHD identifiers use it).
 * `match` is the identifier the FHIR server finds the patient by; `phdPatient` the patient part of PHD identifiers.
 */
export function patientResource(patient: PatientIdentity | null, cid: string, id: string, sys: Systems): { resource: Patient & { id: string }; match: Identifier; phdPatient: string } {
  const patientKey: Identifier = { system: sys.patient, value: cid };
  const ins = patient?.ins ? { system: INS_SYSTEMS[patient.ins.kind], value: patient.ins.value } : undefined;
  const patientRes: Patient & { id: string } = {
    resourceType: 'Patient',
    id,
    identifier: [...(ins ? [{ use: patient?.status === 'qualified' ? ('official' as const) : ('usual' as const), ...ins }] : []), patientKey],
    ...(patient
      ? {
          name: [
            { use: 'official' as const, family: patient.birthName, given: patient.firstNames },
            ...(patient.usedName || patient.usedFirstName ? [{ use: 'usual' as const, family: patient.usedName ?? patient.birthName, given: [patient.usedFirstName ?? patient.firstNames[0]!] }] : []),
          ],
          gender: patient.sex,
          birthDate: patient.birthDate,
          ...(patient.birthplace
            ? { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { district: patient.birthplace, text: `INSEE ${patient.birthplace}` } }] }
            : {}),
          meta: { tag: [{ system: sys.identityStatus, code: patient.status }] },
        }
      : { meta: { tag: [{ system: sys.identityTag, code: 'unidentified', display: 'Patient non identifié' }] } }),
  };
  // The INS is the patient's identity across consultations only once qualified; otherwise the consultation's own.
  const patientMatch = ins && patient?.status === 'qualified' ? ins : patientKey;
  return { resource: patientRes, match: patientMatch, phdPatient: `${patientMatch.value}-${patientMatch.system}` };
}

/** PHD specialisations (MDC_DEV_SPEC_PROFILE_*), recognised by what a device measured. */
const SPECIALIZATIONS: readonly { test: RegExp; code: number; display: string }[] = [
  { test: /^MDC_PULS_OXIM_/, code: 528388, display: 'MDC_DEV_SPEC_PROFILE_PULS_OXIM' },
  { test: /^MDC_PRESS_BLD_NONINV_|^MDC_PULS_RATE_NON_INV$/, code: 528391, display: 'MDC_DEV_SPEC_PROFILE_BPM' },
  { test: /^MDC_TEMP_/, code: 528392, display: 'MDC_DEV_SPEC_PROFILE_TEMP' },
  { test: /^MDC_MASS_BODY|^MDC_LEN_BODY|^MDC_RATIO_MASS_BODY|^MDC_BODY_FAT$/, code: 528399, display: 'MDC_DEV_SPEC_PROFILE_SCALE' },
  { test: /^MDC_CONC_GLU_/, code: 528401, display: 'MDC_DEV_SPEC_PROFILE_GLUCOSE' },
];

/** A device id as the cabin names it: `<driver>@ble:<address>` for Bluetooth LE, `<driver>@<port>` otherwise. */
export function parseDeviceId(deviceId: string): { driver: string; address?: string; port?: string } {
  const ble = /^([a-z0-9-]+)@ble:([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})$/.exec(deviceId);
  if (ble) return { driver: ble[1]!, address: ble[2]!.toUpperCase() };
  const at = deviceId.indexOf('@');
  return at > 0 ? { driver: deviceId.slice(0, at), port: deviceId.slice(at + 1) } : { driver: deviceId };
}

/**
 * A peripheral as a PhdDevice, from the cabin's device id and the codes it measured: its specialisation, its Bluetooth
 * address as an eui-48 identifier, its serial port as a property. With what the cabin said of the device (`info`,
 * hub-protocol `device`), also its System Id as the EUI-64 identifier (all zeros when the device gives none, as the IG
 * says), manufacturer, model, serial number, versions with their MDC types, and USB ids as properties. `phdKey` is the
 * PHD identifier's device part: the EUI-64, else the Bluetooth address, else the cabin's own name of the device.
 */
export function deviceResource(
  deviceId: string,
  codes: ReadonlySet<string>,
  id: string,
  sys: Systems,
  info?: VisitDevice,
): { resource: Device & { id: string }; match: Identifier; phdKey: string } {
  const parsed = parseDeviceId(deviceId);
  const address = info?.address?.toUpperCase() ?? parsed.address;
  const sysId = info?.systemId !== undefined ? eui64Digits(info.systemId) : undefined;
  const specs = SPECIALIZATIONS.filter((s) => [...codes].some((c) => s.test.test(c)));
  const continua = (code: string): Identifier['type'] => ({ coding: [{ system: CONTINUA_IDENTIFIERS, code }] });
  const identifiers: Identifier[] = [
    ...(info ? [{ type: continua('SYSID'), system: EUI64_SYSTEM, value: eui64(sysId ?? '0000000000000000') }] : []),
    ...(address ? [{ type: continua('BTMAC'), system: BT_MAC_SYSTEM, value: eui48(address) }] : []),
    { system: sys.device, value: deviceId },
  ];
  const versions = info
    ? (Object.keys(VERSION_TYPES) as (keyof typeof VERSION_TYPES)[]).flatMap((k) => {
        const value = info[k];
        const t = VERSION_TYPES[k];
        return value ? [{ type: { coding: [mdcCoding(t.code, t.display)], text: t.text }, value }] : [];
      })
    : [];
  const ownProperty = (code: string, text: string, value: string): DeviceProperty => ({
    type: { coding: [{ system: sys.deviceProperty, code }], text },
    valueCode: [{ text: value }],
  });
  const properties: DeviceProperty[] = [
    ...(parsed.port ? [{ type: { text: 'port' }, valueCode: [{ text: parsed.port }] }] : []),
    ...(info?.usb ? [ownProperty('usb-vendor-id', 'USB vendor id', info.usb.vendorId.toLowerCase()), ownProperty('usb-product-id', 'USB product id', info.usb.productId.toLowerCase())] : []),
  ];
  return {
    resource: {
      resourceType: 'Device',
      id,
      identifier: identifiers,
      type: { coding: [mdcCoding(65573, 'MDC_MOC_VMS_MDS_SIMP')] },
      ...(info?.manufacturer ? { manufacturer: info.manufacturer } : {}),
      ...(info?.serial ? { serialNumber: info.serial } : {}),
      ...(info?.model ? { modelNumber: info.model } : {}),
      deviceName: [
        { name: info?.model ?? parsed.driver, type: 'model-name' },
        ...(info?.name ? [{ name: info.name, type: 'user-friendly-name' as const }] : []),
      ],
      ...(specs.length > 0 ? { specialization: specs.map((s) => ({ systemType: { coding: [mdcCoding(s.code, s.display)] } })) } : {}),
      ...(versions.length > 0 ? { version: versions } : {}),
      ...(properties.length > 0 ? { property: properties } : {}),
    },
    match: { system: sys.device, value: deviceId },
    phdKey: sysId ?? (address ? macDigits(address) : deviceId.replace(/[^A-Za-z0-9]/g, '').toUpperCase() || 'UNKNOWN'),
  };
}
