import type { CompositionSection, Device, Encounter, Identifier, Media, Patient, Reference } from '@medplum/fhirtypes';
import { fhirDateTime, xhtml } from './codes.ts';

/** What the FHIR export needs of a picture the cabin sent (src/hub/store/media.ts). */
export interface MediaSource {
  mediaId: string;
  kind: string;
  mime: 'image/jpeg' | 'image/png';
  t: number;
  bytes: Uint8Array;
  /** SHA-1 of the bytes, base64. */
  sha1: string;
}

const MEDIA_TYPE = 'http://terminology.hl7.org/CodeSystem/media-type';
/** What each kind of picture is, in the report's words (French, as the Composition). */
const TITLES: Record<string, string> = { 'otoscope-snapshot': 'Image de l’otoscope' };

/**
 * A picture as an R4 Media: an image of the patient during the encounter, taken by the cabin (its otoscope is not a
 * device the export knows apart), its bytes inline with their size and SHA-1 (Attachment.hash). Which ear is not
 * recorded, so no bodySite. Found again by the hub's media identifier (`consultation/mediaId`).
 */
export function mediaResource(
  m: MediaSource,
  ctx: { id: string; identifier: Identifier; subject: Reference<Patient>; encounter: Reference<Encounter>; device: Reference<Device>; timeZone: string },
): Media & { id: string } {
  const title = TITLES[m.kind] ?? 'Image';
  const created = fhirDateTime(m.t, ctx.timeZone);
  return {
    resourceType: 'Media',
    id: ctx.id,
    identifier: [ctx.identifier],
    status: 'completed',
    type: { coding: [{ system: MEDIA_TYPE, code: 'image', display: 'Image' }] },
    subject: ctx.subject,
    encounter: ctx.encounter,
    createdDateTime: created,
    device: ctx.device,
    content: {
      contentType: m.mime,
      data: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength).toString('base64'),
      size: m.bytes.byteLength,
      hash: m.sha1,
      title: `${title} (${created.slice(0, 19).replace('T', ' ')})`,
      creation: created,
    },
  };
}

/** The Composition's « Images » section over the pictures; none when there are none. */
export function imagesSection(entries: Reference[]): CompositionSection[] {
  if (entries.length === 0) return [];
  return [{ title: 'Images', text: { status: 'generated', div: xhtml(`${entries.length} image(s) prise(s) à l’otoscope pendant la consultation.`) }, entry: entries }];
}
