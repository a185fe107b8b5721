import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consultationBundle } from '../../src/hub/fhir/bundle.ts';
import { loadFhirDefinitions, validateBundle } from '../../src/hub/fhir/validate.ts';
import { MAX_MEDIA_BYTES } from '../../src/hub/store/media.ts';
import type { ConsultationReport } from '../../src/shared/hub-protocol.ts';
import { MAX_PICTURE_BYTES } from '../../src/shared/picture-limits.ts';

const T0 = Date.UTC(2026, 11, 6, 13, 0, 0);
const REPORT = {
  consultationId: 'pic-1', cabin: { id: 'cab-1', name: 'Névache' }, doctor: { id: 'dr.a', name: 'Dr A' },
  createdAt: T0, claimedAt: T0 + 60_000, endedAt: T0 + 900_000, state: 'ended', notes: '', readings: [], incidents: [],
} as ConsultationReport;

/** A JPEG-typed picture of `n` bytes of noise (what matters here is its size in base64, not its pixels). */
function picture(n: number): { mediaId: string; kind: string; mime: 'image/jpeg'; t: number; bytes: Uint8Array; sha1: string } {
  const bytes = new Uint8Array(randomBytes(n));
  bytes.set([0xff, 0xd8, 0xff, 0xe0]);
  return { mediaId: `m${n}`, kind: 'otoscope-snapshot', mime: 'image/jpeg', t: T0 + 120_000, bytes, sha1: createHash('sha1').update(bytes).digest('base64') };
}

describe('the largest picture the hub keeps', () => {
  it('is the hub’s limit, and at that size the FHIR Bundle that carries it inline is still valid; 3 bytes more are not', () => {
    expect(MAX_MEDIA_BYTES).toBe(MAX_PICTURE_BYTES);
    loadFhirDefinitions();
    expect(validateBundle(consultationBundle(REPORT, null, {}, [picture(MAX_PICTURE_BYTES)]))).toEqual([]);
    // Why the limit is there: one more base64 quantum and the Media's data is over FHIR's 1 MB for a string.
    expect(validateBundle(consultationBundle(REPORT, null, {}, [picture(MAX_PICTURE_BYTES + 3)]))).toEqual([
      expect.objectContaining({ resourceType: 'Media', path: 'Media.content.data', message: expect.stringMatching(/1 MB/) }),
    ]);
  }, 60_000);
});
