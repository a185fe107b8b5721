import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** A report PDF is a few hundred kB; a 12-hour consultation's stays well under this. */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024;

/** The hub's answer: the PDF, or why not and whether asking again later may help (the doctor still writing, the hub busy or unreachable). */
export type ReportFetch = { ok: true; pdf: Buffer } | { ok: false; retry: boolean; code: string; message: string };

/** Statuses worth another try: not yet saved (409 not-yet), too many at once (429), the hub busy (503), a token that just expired (401). */
const RETRY_STATUS = new Set([401, 429, 503]);

/**
 * `GET /api/cabin/consultations/:id/report.pdf` with the cabin's token, with node:http(s) (not fetch: see
 * src/main/hub/post-json.ts), at most `maxBytes`, within `timeoutMs`. Never throws.
 */
export function fetchReportPdf(hubUrl: string, token: string, consultationId: string, opts: { timeoutMs?: number; maxBytes?: number } = {}): Promise<ReportFetch> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const maxBytes = opts.maxBytes ?? MAX_REPORT_BYTES;
  let url: URL;
  try {
    url = new URL(`/api/cabin/consultations/${encodeURIComponent(consultationId)}/report.pdf`, hubUrl);
  } catch {
    return Promise.resolve({ ok: false, retry: false, code: 'bad-url', message: `The hub URL ${hubUrl} is not valid.` });
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done) => {
    let settled = false;
    const resolve = (r: ReportFetch): void => {
      if (!settled) done(r);
      settled = true;
    };
    const fail = (err: Error): void => resolve({ ok: false, retry: true, code: 'unreachable', message: `The hub could not be reached (${err.message}).` });
    const req = request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, accept: 'application/pdf' }, timeout: timeoutMs }, (res) => {
      const tooLarge = (): void => {
        resolve({ ok: false, retry: false, code: 'too-large', message: `The report is larger than ${maxBytes} bytes.` });
        req.destroy();
      };
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) tooLarge();
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => resolve(answer(res.statusCode ?? 0, Buffer.concat(chunks))));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', fail);
    req.end();
  });
}

function answer(status: number, body: Buffer): ReportFetch {
  if (status === 200) {
    if (body.subarray(0, 5).toString('latin1') !== '%PDF-') return { ok: false, retry: false, code: 'not-pdf', message: 'The hub answered with something that is not a PDF.' };
    return { ok: true, pdf: body };
  }
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = (JSON.parse(body.toString('utf8')) as { error?: typeof error }).error ?? {};
  } catch {
    // Not the hub's JSON (a proxy's page): the status says enough.
  }
  const code = typeof error.code === 'string' ? error.code : `http-${status}`;
  const message = typeof error.message === 'string' ? error.message : `The hub answered HTTP ${status}.`;
  return { ok: false, retry: RETRY_STATUS.has(status) || code === 'not-yet', code, message };
}
