import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A picture of a visit, as the hub's media route takes it (src/hub/cabin-media.ts). */
export interface MediaUpload {
  mediaId: string;
  kind: string;
  mime: string;
  /** When it was taken (ms since the epoch). */
  t: number;
  bytes: Uint8Array;
}

/** The hub's answer: taken (stored now or before), or its status and error code (status 0: not reached). */
export type MediaPut = { ok: true; stored: boolean } | { ok: false; status: number; code: string; message: string };

/**
 * `PUT /api/cabin/consultations/:id/media/:mediaId` with the cabin's token and the picture's bytes (a JPEG is larger
 * than a hub socket frame), with node:http(s) as fetch-report.ts, within `timeoutMs`. Never throws.
 */
export function putMedia(hubUrl: string, token: string, consultationId: string, m: MediaUpload, opts: { timeoutMs?: number } = {}): Promise<MediaPut> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let url: URL;
  try {
    url = new URL(`/api/cabin/consultations/${encodeURIComponent(consultationId)}/media/${encodeURIComponent(m.mediaId)}`, hubUrl);
    url.search = new URLSearchParams({ t: String(Math.floor(m.t)), kind: m.kind }).toString();
  } catch {
    return Promise.resolve({ ok: false, status: 0, code: 'bad-url', message: `The hub URL ${hubUrl} is not valid.` });
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
  return new Promise((done) => {
    let settled = false;
    const resolve = (r: MediaPut): void => {
      if (!settled) done(r);
      settled = true;
    };
    const fail = (err: Error): void => resolve({ ok: false, status: 0, code: 'unreachable', message: `The hub could not be reached (${err.message}).` });
    const headers = { authorization: `Bearer ${token}`, 'content-type': m.mime, 'content-length': String(body.length), accept: 'application/json' };
    const req = request(url, { method: 'PUT', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 64 * 1024) chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => resolve(answer(res.statusCode ?? 0, Buffer.concat(chunks))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', fail);
    req.end(body);
  });
}

function answer(status: number, body: Buffer): MediaPut {
  let json: { stored?: unknown; error?: { code?: unknown; message?: unknown } } = {};
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    // Not the hub's JSON (a proxy's page): the status says enough.
  }
  if (status >= 200 && status < 300) return { ok: true, stored: json.stored === true };
  const code = typeof json.error?.code === 'string' ? json.error.code : `http-${status}`;
  const message = typeof json.error?.message === 'string' ? json.error.message : `The hub answered HTTP ${status}.`;
  return { ok: false, status, code, message };
}

/** Codes that refuse the whole visit, as for its readings (report-delivery.ts keeps it until the next start). */
const VISIT_REFUSALS = new Set(['forbidden', 'not-found', 'not-claimed']);

/**
 * What the delivery does with the hub's answer: taken (2xx); retry later (not reached, 5xx, 429, a token to renew);
 * refused with the visit (not its consultation, none, no doctor took it); dropped (any other 4xx: not an image, too
 * big, the report full: sending it again changes nothing).
 */
export function mediaOutcome(r: MediaPut): 'taken' | 'retry' | 'refused' | 'drop' {
  if (r.ok) return 'taken';
  if (r.status === 0 || r.status >= 500 || r.status === 429 || r.status === 401 || r.status < 400) return 'retry';
  if (VISIT_REFUSALS.has(r.code)) return 'refused';
  return 'drop';
}

/**
 * The delivery's `sendMedia` for a hub: its own cabin login (the hub link's socket keeps its token), kept until it
 * expires or the hub says it is no longer good.
 */
export function hubMediaSender(hubUrl: string, token: { get(): Promise<string>; forget(): void }): (consultationId: string, m: MediaUpload) => Promise<MediaPut> {
  return async (consultationId, m) => {
    let bearer: string;
    try {
      bearer = await token.get();
    } catch (err) {
      return { ok: false, status: 0, code: 'login', message: (err as Error).message };
    }
    const r = await putMedia(hubUrl, bearer, consultationId, m);
    if (!r.ok && r.status === 401) token.forget();
    return r;
  };
}
