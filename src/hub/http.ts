import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { clientAddress } from '../server/client-address.ts';
import { readCookie, setCookie } from '../server/cookies.ts';
import { contentSecurityPolicy, securityHeaders } from '../server/csp.ts';
import type { Logger } from '../server/log.ts';
import type { Attempt } from '../server/rate-limit.ts';
import { serveStatic } from '../server/static.ts';
import { CabinLoginSchema, DoctorLoginSchema, MAX_SESSION_S, SESSION_COOKIE, type TokenAnswer } from '../shared/hub-protocol.ts';
import { PAST_CONSULTATIONS_MAX, type PastConsultationsAnswer } from '../shared/past-consultations.ts';
import { PatientIdentitySchema, type PatientAnswer } from '../shared/patient-identity.ts';
import { CABIN_MEDIA_PATH, cabinMediaPut } from './cabin-media.ts';
import { CABIN_REPORT_PDF_PATH, cabinReportPdf } from './cabin-report-pdf.ts';
import { DEVICE_COOKIE, DEVICE_MAX_AGE_S, type DeviceCookies } from './device.ts';
import type { ConsultationExporter } from './fhir/exporter.ts';
import type { LoginThrottle } from './limits.ts';
import { serveMetrics, type HubMetrics } from './metrics.ts';
import type { HubStore, Session } from './store.ts';
import type { Tokens, VerifiedClaims } from './tokens.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export interface ApiDeps {
  store: HubStore;
  tokens: Tokens;
  /** Device cookies: browsers a doctor logged in from, exempt from the limits strangers trigger (src/hub/limits.ts). */
  devices: DeviceCookies;
  throttle: LoginThrottle;
  consoleDir: string | undefined;
  log: Logger;
  /** Reverse proxies whose X-Forwarded-For names the client (src/server/client-address.ts); none by default. */
  trustedProxies?: readonly string[];
  /** Closes the open sockets of a session that just ended (logout). */
  closeSession: (sid: string) => void;
  /** Makes the FHIR Bundle and the report PDF (in a worker thread: src/hub/fhir/exporter.ts). */
  exporter: ConsultationExporter;
  /** The operator's endpoints: `/healthz`, `/readyz`, `/metrics`. */
  ops: {
    metrics: HubMetrics;
    /** A bearer token for `/metrics` (HUB_METRICS_TOKEN); without one, only this machine may read them. */
    metricsToken?: string;
    /** Why this node should not get new clients now (closing, its database failing), or null when it may. */
    notReady(): Promise<string | null>;
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, sent as Retry-After (a 429). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** The doctor console's policy (as before): its own scripts only, inline styles allowed, the camera for its page. */
const SECURITY_HEADERS = securityHeaders(contentSecurityPolicy({ inlineStyles: true }), { mediaDevices: 'self' });
const API_HEADERS = { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' };

/** An answer that is a file, not JSON: the consultation's FHIR Bundle or its report PDF, for the doctor to keep. */
class FileAnswer {
  constructor(
    readonly contentType: string,
    readonly bytes: Buffer,
    readonly filename: string,
  ) {}
}

function send(res: ServerResponse, status: number, body: unknown, extra: Out = {}): void {
  if (body instanceof FileAnswer) {
    res
      .writeHead(status, { ...API_HEADERS, ...extra, 'Content-Type': body.contentType, 'Content-Length': String(body.bytes.length), 'Content-Disposition': `attachment; filename="${body.filename}"` })
      .end(body.bytes);
    return;
  }
  res.writeHead(status, { ...API_HEADERS, ...extra }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject(new HttpError(413, 'too-large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Past the limit the rest is read and dropped (the answer closes the connection).
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, 'too-large', `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => reject(new HttpError(400, 'invalid-body', 'The request body could not be read.')));
  });
}

async function body<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(req);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'invalid-body', 'The request body is not JSON.');
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new HttpError(400, 'invalid-body', `The request body is not valid: ${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'unknown'}.`);
  }
  return r.data;
}

/** Headers an answer sets besides the JSON ones (the session and device cookies). */
type Out = Record<string, string | string[]>;

async function bearer(req: IncomingMessage, tokens: Tokens): Promise<VerifiedClaims> {
  const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(req.headers.authorization ?? '');
  const claims = m ? await tokens.verify(m[1]!) : null;
  if (!claims) throw new HttpError(401, 'bad-token', 'The token is missing, invalid or expired: log in again.');
  return claims;
}

const SESSION_ENDED = 'Your session has ended (logged out, account disabled, or logged in more than 12 hours ago): log in again.';

/** The valid session of a valid bearer token; 401 otherwise. */
async function bearerSession(deps: ApiDeps, req: IncomingMessage): Promise<Session> {
  const claims = await bearer(req, deps.tokens);
  const session = await deps.store.session(claims.sid);
  if (!session || session.role !== claims.role || session.subject !== claims.sub) throw new HttpError(401, 'session-expired', SESSION_ENDED);
  return session;
}

/** The refresh secret of the request's session cookie, if it carries a well-formed one. */
function sessionCookie(req: IncomingMessage): string | undefined {
  return readCookie(req.headers.cookie, SESSION_COOKIE, /^[A-Za-z0-9_-]{20,200}$/);
}

/** A device cookie's value: a JWS (three base64url parts). */
const DEVICE_VALUE = /^[A-Za-z0-9_-]{1,1000}\.[A-Za-z0-9_-]{1,1000}\.[A-Za-z0-9_-]{1,200}$/;

/**
 * The session cookie, always `Secure`: browsers keep a Secure cookie from http://localhost and http://127.0.0.1 (the
 * demo), and never send it over plain http anywhere else — whatever Host a reverse proxy passes on.
 */
function cookie(value: string, maxAgeS: number): string {
  return setCookie(SESSION_COOKIE, value, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/api', maxAgeS });
}

/**
 * Refuses a request another site made the browser send (login CSRF: a cross-site form whose text/plain body parses
 * as JSON would log the victim's browser into the attacker's account, and the cookie would keep it there).
 * - A route that reads a body takes only application/json, which no form can send without a CORS preflight the
 *   hub never answers.
 * - Sec-Fetch-Site, when the browser sends it (computed by the browser: right whatever a reverse proxy does to
 *   Host), must be same-origin (or none: typed by the user).
 * - Without it, an Origin must name this hub: the Host header, or the X-Forwarded-Host a reverse proxy set (a
 *   cross-site page cannot set either). Cabin main (Node) sends neither header.
 */
function sameOrigin(req: IncomingMessage, readsBody: boolean): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (readsBody && type !== 'application/json') throw new HttpError(415, 'unsupported-media-type', 'Send the request body as application/json.');
  const crossSite = new HttpError(403, 'cross-site', 'This request came from another site: open the console from the hub itself.');
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') throw crossSite;
    return;
  }
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = origin === 'null' ? undefined : new URL(origin).host.toLowerCase();
  } catch {
    host = undefined;
  }
  const forwarded = String(req.headers['x-forwarded-host'] ?? '').split(',')[0]!.trim().toLowerCase();
  const ours = [(req.headers.host ?? '').toLowerCase(), forwarded].filter((h) => h !== '');
  if (host === undefined || !ours.includes(host)) throw crossSite;
}

/** A token of the session, never outliving it. */
function issueFor(deps: ApiDeps, s: Session): Promise<TokenAnswer> {
  return deps.tokens.issue({ sub: s.subject, role: s.role, name: s.name, sid: s.sid }, Math.floor(s.createdAt / 1000) + MAX_SESSION_S);
}

function tooMany(seconds: number): HttpError {
  return new HttpError(429, 'too-many-attempts', `Too many attempts: wait ${seconds} s and try again.`, seconds);
}

/** What the check answered (null: it failed), or 429 when the name was locked and the check did not run. */
function unlessLocked<T>(tried: Attempt<T>): T | null {
  if (tried.locked) throw tooMany(tried.seconds);
  return tried.value;
}

async function route(deps: ApiDeps, req: IncomingMessage, path: string, out: Out): Promise<unknown> {
  const post = req.method === 'POST';
  if (post) sameOrigin(req, path === '/api/login' || path === '/api/cabin/token');
  if (path === '/api/login' && post) {
    const b = await body(req, DoctorLoginSchema);
    // A browser this doctor logged in from before: only its own budget applies (strangers cannot lock it out).
    const device = (await deps.devices.device(readCookie(req.headers.cookie, DEVICE_COOKIE, DEVICE_VALUE), b.username)) ?? undefined;
    // Limits per name, per client address and per known device, never for the whole hub (src/hub/limits.ts).
    const tried = await deps.throttle.login(`doctor:${b.username}`, clientAddress(req, deps.trustedProxies), () => deps.store.verifyDoctor(b.username, b.password), device);
    if (tried.refused === 'busy') throw new HttpError(429, 'busy', 'Logins from your address are already being checked: try again in a moment.', tried.seconds);
    if (tried.refused !== false) throw tooMany(tried.seconds);
    const doctor = tried.value;
    if (!doctor) throw new HttpError(401, 'bad-credentials', 'Unknown username or wrong password.');
    const s = await deps.store.createSession('doctor', doctor.id, { refresh: true });
    // The device cookie is renewed (same device id) or set, for 90 days from this login.
    const known = await deps.devices.issue(b.username, device);
    out['Set-Cookie'] = [cookie(s.refresh!, MAX_SESSION_S), setCookie(DEVICE_COOKIE, known, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/api', maxAgeS: DEVICE_MAX_AGE_S })];
    return issueFor(deps, { sid: s.sid, role: 'doctor', subject: doctor.id, name: doctor.name, createdAt: s.createdAt });
  }
  if (path === '/api/cabin/token' && post) {
    const b = await body(req, CabinLoginSchema);
    // Per client address, not per cabin id: anyone knowing a cabin's id could otherwise lock that cabin out, and
    // with 256-bit keys what matters is how fast one address can guess.
    // A right key is always accepted (one SHA-256, cheap): behind a reverse proxy every cabin shares the proxy's
    // address, and failures from it must not lock the real cabins out. Only failures are refused while locked.
    const cabin = await deps.store.verifyCabin(b.cabinId, b.key);
    if (!cabin) {
      // Counted unless the address is locked, in turn with its other guesses: parallel ones cannot all pass the lock.
      unlessLocked(await deps.throttle.cabinFailure(clientAddress(req, deps.trustedProxies)));
      throw new HttpError(401, 'bad-credentials', 'Unknown cabin or wrong key.');
    }
    const s = await deps.store.createSession('cabin', cabin.id);
    return issueFor(deps, { sid: s.sid, role: 'cabin', subject: cabin.id, name: cabin.name, createdAt: s.createdAt });
  }
  if (path === '/api/refresh' && post) {
    if (req.headers.authorization !== undefined) return issueFor(deps, await bearerSession(deps, req));
    const secret = sessionCookie(req);
    if (secret === undefined) throw new HttpError(401, 'bad-token', 'There is neither a token nor a session cookie: log in.');
    const session = await deps.store.sessionByRefresh(secret);
    if (!session) {
      out['Set-Cookie'] = cookie('', 0);
      throw new HttpError(401, 'session-expired', SESSION_ENDED);
    }
    return issueFor(deps, session);
  }
  if (path === '/api/logout' && post) {
    // Both the bearer's session and the cookie's (they are the same login, or an older one of this browser).
    const sids = new Set<string>();
    const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(req.headers.authorization ?? '');
    const claims = m ? await deps.tokens.verify(m[1]!) : null;
    if (claims) sids.add(claims.sid);
    const secret = sessionCookie(req);
    const fromCookie = secret === undefined ? null : await deps.store.sessionByRefresh(secret);
    if (fromCookie) sids.add(fromCookie.sid);
    let ended = false;
    for (const sid of sids) {
      if (await deps.store.endSession(sid)) ended = true;
      deps.closeSession(sid);
    }
    out['Set-Cookie'] = cookie('', 0);
    return { ended };
  }
  if (path === '/api/consultations' && req.method === 'GET') {
    const session = await bearerSession(deps, req);
    if (session.role !== 'doctor') throw new HttpError(403, 'forbidden', 'Only a doctor has consultations to list.');
    return { consultations: await deps.store.doctorConsultations(session.subject, PAST_CONSULTATIONS_MAX) } satisfies PastConsultationsAnswer;
  }
  const report = /^\/api\/consultations\/([^/]{1,100})\/report$/.exec(path);
  if (report && req.method === 'GET') {
    const session = await bearerSession(deps, req);
    if (session.role !== 'doctor') throw new HttpError(403, 'forbidden', 'Only a doctor may read a consultation report.');
    const r = await deps.store.report(report[1]!);
    if (!r) throw new HttpError(404, 'not-found', 'There is no such consultation.');
    if (r.doctor?.id !== session.subject) throw new HttpError(403, 'forbidden', 'This consultation is not assigned to you.');
    return r;
  }
  const patient = /^\/api\/consultations\/([^/]{1,100})\/patient$/.exec(path);
  if (patient && (req.method === 'GET' || req.method === 'PUT')) return patientRoute(deps, req, patient[1]!);
  const file = /^\/api\/consultations\/([^/]{1,100})\/(fhir|report\.pdf)$/.exec(path);
  if (file && req.method === 'GET') return fileRoute(deps, req, file[1]!, file[2] === 'fhir' ? 'fhir' : 'pdf');
  // The patient's copy, for the consultation's own cabin shortly after its end (src/hub/cabin-report-pdf.ts).
  const cabinPdf = CABIN_REPORT_PDF_PATH.exec(path);
  if (cabinPdf && req.method === 'GET') {
    const r = await cabinReportPdf(deps.store, await bearerSession(deps, req), cabinPdf[1]!, (id) => deps.exporter.pdf(id), (detail) => deps.log.error(detail, 'the report PDF for a cabin failed'));
    if (!r.ok) throw new HttpError(r.status, r.code, r.message, r.retryAfterS);
    return new FileAnswer('application/pdf', r.pdf, r.filename);
  }
  // A picture of the cabin's visit, its bytes as the body (src/hub/cabin-media.ts).
  const cabinMedia = CABIN_MEDIA_PATH.exec(path);
  if (cabinMedia && req.method === 'PUT') {
    const r = await cabinMediaPut(deps.store, await bearerSession(deps, req), req, cabinMedia[1]!, cabinMedia[2]!);
    if (!r.ok) throw new HttpError(r.status, r.code, r.message, r.retryAfterS);
    return r.answer;
  }
  const known = ['/api/login', '/api/cabin/token', '/api/refresh', '/api/logout', '/api/consultations'].includes(path) || report !== null || patient !== null || file !== null || cabinPdf !== null || cabinMedia !== null;
  throw known ? new HttpError(405, 'method-not-allowed', `${req.method ?? ''} is not allowed on ${path}.`) : new HttpError(404, 'not-found', `There is no ${path}.`);
}

/**
 * `GET /api/consultations/:id/fhir` (the FHIR R4 Bundle, application/fhir+json) and `GET …/report.pdf` (the report
 * document, which names the Bundle's SHA-256): for the consultation's doctor only, as the report. Made on request
 * from the hub's data, so they always match what the hub holds (an open consultation's are marked preliminary).
 */
async function fileRoute(deps: ApiDeps, req: IncomingMessage, id: string, kind: 'fhir' | 'pdf'): Promise<FileAnswer> {
  const session = await bearerSession(deps, req);
  if (session.role !== 'doctor') throw new HttpError(403, 'forbidden', 'Only a doctor may read a consultation report.');
  const r = await deps.store.report(id);
  if (!r) throw new HttpError(404, 'not-found', 'There is no such consultation.');
  if (r.doctor?.id !== session.subject) throw new HttpError(403, 'forbidden', 'This consultation is not assigned to you.');
  const name = `consultation-${id.replace(/[^A-Za-z0-9-]/g, '_')}`;
  const result = kind === 'fhir' ? await deps.exporter.fhir(id) : await deps.exporter.pdf(id);
  if (!result.ok) {
    if (result.error === 'not-found') throw new HttpError(404, 'not-found', 'There is no such consultation.');
    if (result.error === 'busy') throw new HttpError(503, 'export-busy', `The hub is busy: ${result.message}.`, 60);
    if (result.error === 'failed') {
      deps.log.error({ consultationId: id, kind }, `export of a consultation failed: ${result.message}`);
      throw new HttpError(500, 'export-failed', 'The hub could not make this export: the hub log says why.');
    }
    deps.log.error({ consultationId: id, problems: result.issues.slice(0, 5) }, 'the FHIR Bundle of a consultation is not valid R4');
    throw new HttpError(500, 'export-invalid', 'The hub could not make a valid export of this consultation: the hub log names the problem.');
  }
  return 'json' in result
    ? new FileAnswer('application/fhir+json; charset=utf-8', Buffer.from(result.json), `${name}.fhir.json`)
    : new FileAnswer('application/pdf', Buffer.from(result.pdf), `${name}.pdf`);
}

/**
 * `GET` / `PUT /api/consultations/:id/patient`: the patient's identity, for the consultation's doctor only, read or
 * filed in any state (the doctor may file it after the end); each change goes to the report's incidents.
 */
async function patientRoute(deps: ApiDeps, req: IncomingMessage, id: string): Promise<PatientAnswer> {
  const put = req.method === 'PUT';
  if (put) sameOrigin(req, true);
  const session = await bearerSession(deps, req);
  if (session.role !== 'doctor') throw new HttpError(403, 'forbidden', 'Only a doctor may read or file a patient identity.');
  const c = await deps.store.consultation(id);
  if (!c) throw new HttpError(404, 'not-found', 'There is no such consultation.');
  if (c.doctorId !== session.subject) throw new HttpError(403, 'forbidden', 'This consultation is not assigned to you.');
  if (!put) {
    const filed = await deps.store.filedPatient(id);
    return { patient: filed?.identity ?? null, updatedAt: filed?.updatedAt ?? null };
  }
  const identity = await body(req, PatientIdentitySchema);
  const change = await deps.store.setPatientIdentity(id, identity, session.subject);
  if (!change) throw new HttpError(404, 'not-found', 'There is no such consultation.');
  return { patient: change.filed.identity, updatedAt: change.filed.updatedAt, changed: change.audit !== null };
}

/**
 * The operator's endpoints. `/healthz`: the process answers (a load balancer restarts or drains a node that does not).
 * `/readyz`: it takes new clients, 503 with the reason when not (closing, its database failing), so the load
 * balancer sends them to another node. `/metrics`: Prometheus text (src/hub/metrics.ts). No patient data in any.
 */
async function opsRoute(deps: ApiDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  if (path === '/metrics') {
    return void serveMetrics(deps.ops.metrics, deps.ops.metricsToken, req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'failed to collect the metrics');
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: 'The metrics could not be collected.' } });
    });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: { code: 'method-not-allowed', message: `${req.method ?? ''} is not allowed on ${path}.` } });
  if (path === '/healthz') return send(res, 200, { ok: true });
  let why: string | null;
  try {
    why = await deps.ops.notReady();
  } catch (err) {
    deps.log.error({ err }, 'the readiness check failed');
    why = 'the readiness check failed';
  }
  return why === null ? send(res, 200, { ok: true }) : send(res, 503, { ok: false, error: { code: 'not-ready', message: why } });
}

/** The hub's HTTP side: the JSON API under /api, the doctor console everywhere else. */
export function handleHttp(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): void {
  let path: string;
  try {
    path = new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return send(res, 400, { error: { code: 'bad-request', message: 'The URL is not valid.' } });
  }
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') {
    return void opsRoute(deps, req, res, path).catch((err: unknown) => {
      deps.log.error({ err }, 'an operator endpoint failed');
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: 'The hub failed to answer.' } });
    });
  }
  if (path !== '/api' && !path.startsWith('/api/')) return serveStatic({ root: deps.consoleDir, headers: SECURITY_HEADERS, notBuilt: 'doctor console not built: run npm run build' }, req, res);
  const out: Out = {};
  route(deps, req, path, out).then(
    (answer) => send(res, 200, answer, out),
    (err: unknown) => {
      if (err instanceof HttpError) {
        // The rest of an oversized body is not read: close the connection after the answer.
        const extra = err.status === 413 ? { ...out, Connection: 'close' } : err.retryAfterS === undefined ? out : { ...out, 'Retry-After': String(err.retryAfterS) };
        send(res, err.status, { error: { code: err.code, message: err.message } }, extra);
      } else {
        deps.log.error({ err, method: req.method, path }, 'internal error');
        send(res, 500, { error: { code: 'internal', message: 'The hub failed to answer: try again; if it persists, look at the hub log.' } });
      }
    },
  );
}
