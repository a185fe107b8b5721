import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { CabinLoginSchema, DoctorLoginSchema } from '../shared/hub-protocol.ts';
import type { LoginThrottle } from './limits.ts';
import { SECURITY_HEADERS, serveStatic } from './static.ts';
import type { HubStore } from './store.ts';
import type { Claims, Tokens } from './tokens.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export interface ApiDeps {
  store: HubStore;
  tokens: Tokens;
  throttle: LoginThrottle;
  consoleDir: string | undefined;
  log: (line: string) => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const API_HEADERS = { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' };

function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
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

async function bearer(req: IncomingMessage, tokens: Tokens): Promise<Claims> {
  const m = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(req.headers.authorization ?? '');
  const claims = m ? await tokens.verify(m[1]!) : null;
  if (!claims) throw new HttpError(401, 'bad-token', 'The token is missing, invalid or expired: log in again.');
  return claims;
}

function throttled(deps: ApiDeps, name: string): void {
  const s = deps.throttle.lockedFor(name);
  if (s > 0) throw new HttpError(429, 'too-many-attempts', `Too many failed attempts: wait ${s} s and try again.`);
}

async function route(deps: ApiDeps, req: IncomingMessage, path: string): Promise<unknown> {
  const post = req.method === 'POST';
  if (path === '/api/login' && post) {
    const b = await body(req, DoctorLoginSchema);
    const name = `doctor:${b.username}`;
    throttled(deps, name);
    if (!deps.throttle.begin(name)) throw new HttpError(429, 'busy', 'A login is already being checked: try again in a moment.');
    let doctor: Awaited<ReturnType<typeof deps.store.verifyDoctor>>;
    try {
      doctor = await deps.store.verifyDoctor(b.username, b.password);
    } finally {
      deps.throttle.end(name);
    }
    if (!doctor) {
      deps.throttle.fail(name);
      throw new HttpError(401, 'bad-credentials', 'Unknown username or wrong password.');
    }
    deps.throttle.succeed(name);
    return deps.tokens.issue({ sub: doctor.id, role: 'doctor', name: doctor.name });
  }
  if (path === '/api/cabin/token' && post) {
    const b = await body(req, CabinLoginSchema);
    const name = `cabin:${b.cabinId}`;
    throttled(deps, name);
    const cabin = deps.store.verifyCabin(b.cabinId, b.key);
    if (!cabin) {
      deps.throttle.fail(name);
      throw new HttpError(401, 'bad-credentials', 'Unknown cabin or wrong key.');
    }
    deps.throttle.succeed(name);
    return deps.tokens.issue({ sub: cabin.id, role: 'cabin', name: cabin.name });
  }
  if (path === '/api/refresh' && post) {
    const claims = await bearer(req, deps.tokens);
    // A removed account cannot keep renewing its token.
    const account = deps.store.account(claims.role, claims.sub);
    if (!account) throw new HttpError(401, 'bad-token', 'This account no longer exists.');
    return deps.tokens.issue({ sub: account.id, role: claims.role, name: account.name });
  }
  const report = /^\/api\/consultations\/([^/]{1,100})\/report$/.exec(path);
  if (report && req.method === 'GET') {
    const claims = await bearer(req, deps.tokens);
    if (claims.role !== 'doctor') throw new HttpError(403, 'forbidden', 'Only a doctor may read a consultation report.');
    const r = deps.store.report(report[1]!);
    if (!r) throw new HttpError(404, 'not-found', 'There is no such consultation.');
    if (r.doctor?.id !== claims.sub) throw new HttpError(403, 'forbidden', 'This consultation is not assigned to you.');
    return r;
  }
  const known = ['/api/login', '/api/cabin/token', '/api/refresh'].includes(path) || report !== null;
  throw known ? new HttpError(405, 'method-not-allowed', `${req.method ?? ''} is not allowed on ${path}.`) : new HttpError(404, 'not-found', `There is no ${path}.`);
}

/** The hub's HTTP side: the JSON API under /api, the doctor console everywhere else. */
export function handleHttp(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): void {
  let path: string;
  try {
    path = new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return send(res, 400, { error: { code: 'bad-request', message: 'The URL is not valid.' } });
  }
  if (path !== '/api' && !path.startsWith('/api/')) return serveStatic(deps.consoleDir, req, res);
  route(deps, req, path).then(
    (answer) => send(res, 200, answer),
    (err: unknown) => {
      if (err instanceof HttpError) {
        // The rest of an oversized body is not read: close the connection after the answer.
        send(res, err.status, { error: { code: err.code, message: err.message } }, err.status === 413 ? { Connection: 'close' } : {});
      } else {
        deps.log(`hub: internal error on ${req.method ?? ''} ${path}: ${err instanceof Error ? err.message : String(err)}`);
        send(res, 500, { error: { code: 'internal', message: 'The hub failed to answer: try again; if it persists, look at the hub log.' } });
      }
    },
  );
}
