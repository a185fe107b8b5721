import { createHash } from 'node:crypto';
import { MAX_PICTURE_BYTES } from '../../shared/picture-limits.ts';
import type { HubDb } from './db.ts';
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
export function cabinMayAddMedia(s: HubDb, cabinId: string, id: string): CabinRefusal | null {
  const c = s.db.prepare('SELECT cabin_id AS cabinId, claimed_at AS claimedAt FROM consultations WHERE id = ?').get(id) as
    | { cabinId: string; claimedAt: number | null }
    | undefined;
  if (!c) return { code: 'not-found', message: 'There is no such consultation.' };
  if (c.cabinId !== cabinId) return { code: 'forbidden', message: 'This consultation is not yours: a cabin may only send the pictures of its own consultations.' };
  if (c.claimedAt === null) return { code: 'not-claimed', message: 'No doctor took this consultation: it has no report for these pictures.' };
  return null;
}

/** Stores a picture of the cabin's consultation once; `stored` false: this media id was already there. */
export function addCabinMedia(s: HubDb, cabinId: string, id: string, m: Omit<HubMedia, 'sha1'>): { stored: boolean } | MediaRefusal {
  if (!hasMagic(m.mime, m.bytes)) return { code: 'bad-image', message: `The picture is not a ${m.mime === 'image/png' ? 'PNG' : 'JPEG'} file (its first bytes say otherwise).` };
  if (m.bytes.length > MAX_MEDIA_BYTES) return { code: 'bad-image', message: `The picture is larger than ${MAX_MEDIA_BYTES} bytes.` };
  return s.db.transaction((): { stored: boolean } | MediaRefusal => {
    const refused = cabinMayAddMedia(s, cabinId, id);
    if (refused) return refused;
    if (s.db.prepare('SELECT 1 FROM consultation_media WHERE consultation_id = ? AND media_id = ?').get(id, m.mediaId)) return { stored: false };
    const { n } = s.db.prepare('SELECT COUNT(*) AS n FROM consultation_media WHERE consultation_id = ?').get(id) as { n: number };
    if (n >= MAX_CONSULTATION_MEDIA) return { code: 'report-full', message: `The report already holds ${MAX_CONSULTATION_MEDIA} pictures: this one was not stored.` };
    const sha1 = createHash('sha1').update(m.bytes).digest('base64');
    s.db
      .prepare('INSERT INTO consultation_media (consultation_id, media_id, kind, mime, taken_at, bytes, sha1, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, m.mediaId, m.kind, m.mime, Math.floor(m.t), Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), sha1, s.time());
    return { stored: true };
  }).immediate();
}

/** The consultation's pictures, in the order they were taken. */
export function consultationMedia(s: HubDb, id: string): HubMedia[] {
  const rows = s.db
    .prepare('SELECT media_id AS mediaId, kind, mime, taken_at AS t, bytes, sha1 FROM consultation_media WHERE consultation_id = ? ORDER BY taken_at, media_id')
    .all(id) as (Omit<HubMedia, 'bytes'> & { bytes: Buffer })[];
  // Plain Uint8Array: the exporter's worker gets them as data.
  return rows.filter((r) => isMediaMime(r.mime)).map((r) => ({ ...r, bytes: new Uint8Array(r.bytes) }));
}
