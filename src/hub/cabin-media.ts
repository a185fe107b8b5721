import type { IncomingMessage } from 'node:http';
import { Lockout } from '../server/rate-limit.ts';
import type { HubStore, Session } from './store.ts';
import { isMediaMime, MAX_MEDIA_BYTES } from './store/media.ts';

/**
 * `PUT /api/cabin/consultations/:id/media/:mediaId?t=<ms>&kind=otoscope-snapshot`: a picture of the cabin's own visit,
 * its bytes as the body (image/jpeg or image/png). A JPEG is larger than a hub socket frame, hence HTTP. Kept once by
 * mediaId: sent again (a retry after a lost answer), it answers `stored: false`.
 */
export const CABIN_MEDIA_PATH = /^\/api\/cabin\/consultations\/([^/]{1,100})\/media\/([A-Za-z0-9_-]{1,100})$/;

/** Uploads per cabin: 60 within 10 minutes (a visit has a few pictures, and their retries), then 60 s refused; one at a time. */
export const CABIN_MEDIA_LIMIT = { failures: 60, windowS: 10 * 60, lockS: 60 } as const;

export type CabinMediaAnswer = { ok: true; answer: { mediaId: string; stored: boolean } } | { ok: false; status: number; code: string; message: string; retryAfterS?: number };

const refuse = (status: number, code: string, message: string, retryAfterS?: number): CabinMediaAnswer => ({ ok: false, status, code, message, ...(retryAfterS !== undefined && { retryAfterS }) });

const STATUS: Record<string, number> = { 'not-found': 404, forbidden: 403, 'not-claimed': 409, 'report-full': 409, 'bad-image': 400 };

const limits = new WeakMap<HubStore, { lockout: Lockout; running: Set<string> }>();

function limitsOf(store: HubStore): { lockout: Lockout; running: Set<string> } {
  let l = limits.get(store);
  if (!l) limits.set(store, (l = { lockout: new Lockout(CABIN_MEDIA_LIMIT), running: new Set() }));
  return l;
}

/** The body, at most `max` bytes; null when larger. */
function readBytes(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

/** Stores the picture, or says why not (with the HTTP status). Never throws for a refusal. */
export async function cabinMediaPut(store: HubStore, session: Session, req: IncomingMessage, id: string, mediaId: string): Promise<CabinMediaAnswer> {
  if (session.role !== 'cabin') return refuse(403, 'forbidden', 'Only a cabin sends the pictures of its visit.');
  const l = limitsOf(store);
  const key = `cabin-media:${session.subject}`;
  const wait = await l.lockout.lockedFor(key);
  if (wait > 0) return refuse(429, 'too-many-attempts', `Too many pictures sent: wait ${wait} s and try again.`, wait);
  if (l.running.has(session.subject)) return refuse(429, 'busy', 'This cabin is already sending a picture: send one at a time.', 1);
  if (await l.lockout.fail(key)) return refuse(429, 'too-many-attempts', `Too many pictures sent: wait ${CABIN_MEDIA_LIMIT.lockS} s and try again.`, CABIN_MEDIA_LIMIT.lockS);
  const mime = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!isMediaMime(mime)) return refuse(415, 'unsupported-media-type', 'Send the picture as image/jpeg or image/png.');
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const t = Number(q.get('t'));
  if (!Number.isSafeInteger(t) || t <= 0) return refuse(400, 'invalid-body', 'The query parameter t (when the picture was taken, ms since the epoch) is missing or not a whole number.');
  const kind = q.get('kind') ?? 'otoscope-snapshot';
  if (kind !== 'otoscope-snapshot') return refuse(400, 'invalid-body', `Unknown kind of picture ${kind.slice(0, 40)}: the hub takes otoscope-snapshot.`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_MEDIA_BYTES) return refuse(413, 'too-large', `The picture is larger than ${MAX_MEDIA_BYTES} bytes.`);
  const may = await store.cabinMayAddMedia(session.subject, id);
  if (may) return refuse(STATUS[may.code] ?? 400, may.code, may.message);
  l.running.add(session.subject);
  try {
    const bytes = await readBytes(req, MAX_MEDIA_BYTES);
    if (!bytes) return refuse(413, 'too-large', `The picture is larger than ${MAX_MEDIA_BYTES} bytes.`);
    if (bytes.length === 0) return refuse(400, 'bad-image', 'The picture is empty: send its bytes as the request body.');
    const r = await store.addCabinMedia(session.subject, id, { mediaId, kind, mime, t, bytes: new Uint8Array(bytes) });
    if ('code' in r) return refuse(STATUS[r.code] ?? 400, r.code, r.message);
    return { ok: true, answer: { mediaId, stored: r.stored } };
  } finally {
    l.running.delete(session.subject);
  }
}
