import { createHash } from 'node:crypto';
import { MAX_PICTURE_BYTES } from '../../shared/picture-limits.ts';
import { count, inTx, type HubDb } from './db.ts';
import type { CabinRefusal } from './reports.ts';

/**
 * The otoscope snapshots a cabin sends of its visit (issue 13): one row per consultation and the cabin's media id (sent
 * again, it is kept once, first bytes win), for the FHIR Media and the report document's pictures.
 */

/**
 * Pictures per consultation at most: an otoscope exam takes a handful. With MAX_MEDIA_BYTES each, a consultation's
 * pictures stay under 15 MiB, so its report PDF (which embeds them) stays printable by the cabin.
 */
export const MAX_CONSULTATION_MEDIA = 20;
/** Bytes per picture at most: what one FHIR string can carry in base64 (src/shared/picture-limits.ts). */
export const MAX_MEDIA_BYTES = MAX_PICTURE_BYTES;

export const MEDIA_MIMES = ['image/jpeg', 'image/png'] as const;
export type MediaMime = (typeof MEDIA_MIMES)[number];

/** The first bytes of each type: what is stored is what its type says. */
const MAGIC: Record<MediaMime, readonly number[]> = { 'image/jpeg': [0xff, 0xd8, 0xff], 'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] };

export const isMediaMime = (v: string): v is MediaMime => (MEDIA_MIMES as readonly string[]).includes(v);
export const hasMagic = (mime: MediaMime, bytes: Uint8Array): boolean => MAGIC[mime].every((b, i) => bytes[i] === b);

export interface HubMedia {
  mediaId: string;
  kind: string;
  mime: MediaMime;
  /** When the cabin took it (ms since the epoch). */
  t: number;
  bytes: Uint8Array;
  /** SHA-1 of the bytes, base64 (FHIR Attachment.hash). */
  sha1: string;
}

export type MediaRefusal = CabinRefusal | { code: 'report-full' | 'bad-image'; message: string };

/** The cabin may add to this consultation's report: its own, and a doctor took it (as for its readings and devices). */
export async function cabinMayAddMedia(s: HubDb, cabinId: string, id: string): Promise<CabinRefusal | null> {
  const row = await s.db.selectFrom('consultations').select(['cabin_id', 'claimed_at']).where('id', '=', id).executeTakeFirst();
  const c = row ? { cabinId: row.cabin_id, claimedAt: row.claimed_at } : undefined;
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only send the pictures of its own consultations.' };
  if (c.claimedAt === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these pictures.' };
  return null;
}

/** Stores a picture of the cabin's consultation once; `stored` false: this media id was already there. */
export async function addCabinMedia(s: HubDb, cabinId: string, id: string, m: Omit<HubMedia, 'sha1'>): Promise<{ stored: boolean } | MediaRefusal> {
  if (!hasMagic(m.mime, m.bytes)) return { code: 'bad-image', message: `The picture is not a ${m.mime === 'image/png' ? 'PNG' : 'JPEG'} file (its first bytes say otherwise).` };
  if (m.bytes.length > MAX_MEDIA_BYTES) return { code: 'bad-image', message: `The picture is larger than ${MAX_MEDIA_BYTES} bytes.` };
  const sha1 = createHash('sha1').update(m.bytes).digest('base64');
  return inTx(s, async (t): Promise<{ stored: boolean } | MediaRefusal> => {
    const refused = await cabinMayAddMedia(t, cabinId, id);
    if (refused) return refused;
    if (await t.db.selectFrom('consultation_media').select('media_id').where('consultation_id', '=', id).where('media_id', '=', m.mediaId).executeTakeFirst()) return { stored: false };
    const n = count(await t.db.selectFrom('consultation_media').select((eb) => eb.fn.countAll().as('n')).where('consultation_id', '=', id).executeTakeFirst());
    if (n >= MAX_CONSULTATION_MEDIA) return { code: 'report-full', message: `The report already holds ${MAX_CONSULTATION_MEDIA} pictures: this one was not stored.` };
    const r = await t.db
      .insertInto('consultation_media')
      .values({ consultation_id: id, media_id: m.mediaId, kind: m.kind, mime: m.mime, taken_at: Math.floor(m.t), bytes: Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), sha1, stored_at: t.time() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return { stored: Number(r.numInsertedOrUpdatedRows ?? 0) === 1 };
  });
}

/** The consultation's pictures, in the order they were taken. */
export async function consultationMedia(s: HubDb, id: string): Promise<HubMedia[]> {
  const rows = await s.db
    .selectFrom('consultation_media')
    .select(['media_id as mediaId', 'kind', 'mime', 'taken_at as t', 'bytes', 'sha1'])
    .where('consultation_id', '=', id)
    .orderBy('taken_at')
    .orderBy('media_id')
    .execute();
  // Plain Uint8Array: the exporter's worker gets them as data.
  return rows.filter((r) => isMediaMime(r.mime)).map((r) => ({ ...r, bytes: new Uint8Array(r.bytes) }));
}
