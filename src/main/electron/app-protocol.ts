import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { CustomScheme, Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';

/**
 * Registered before `ready`: a standard, secure scheme behaves like https (its own origin, secure context
 * for getUserMedia, fetch works), without the extra file:// privileges.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.wasm': 'application/wasm',
};

/**
 * The file under `root` that `url` names, or undefined when the URL is not the app's or would leave
 * `root` (encoded `..%2f`, backslashes on Windows, NUL bytes). `/` and directories mean their index.html.
 */
export function resolveAppFile(root: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.hostname !== APP_HOST || parsed.port !== '') return undefined;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  if (path.endsWith('/')) path += 'index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  const rel = relative(base, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return file;
}

/** Headers of every response, errors included: the CSP and the usual hardening. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    // Only denials: the camera and microphones are governed by the session's permission handlers.
    'Permissions-Policy': 'geolocation=(), usb=(), serial=(), hid=(), bluetooth=(), payment=()',
    'Cache-Control': 'no-store',
  };
}

/**
 * The `protocol.handle` handler: serves the built renderer from `root`. Read-only (GET/HEAD), nothing
 * outside `root`, and the CSP on every response.
 */
export function createAppProtocolHandler(root: string, csp: string): (request: Request) => Promise<Response> {
  const headers = securityHeaders(csp);
  const fail = (status: number, text: string): Response =>
    new Response(text, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'Method not allowed');
    const file = resolveAppFile(root, request.url);
    if (!file) return fail(403, 'Forbidden');
    try {
      if (!(await stat(file)).isFile()) return fail(404, 'Not found');
      const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file));
      return new Response(body, {
        status: 200,
        headers: { ...headers, 'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' },
      });
    } catch {
      return fail(404, 'Not found');
    }
  };
}

/** The app scheme on Electron's `protocol` module: privileged before `ready`, served after it. */
export class AppProtocol {
  constructor(private readonly protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle' | 'unhandle'>) {}

  /** Must run before the app is ready. */
  registerPrivileged(): void {
    this.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  }

  serve(root: string, csp: string): void {
    this.protocol.handle(APP_SCHEME, createAppProtocolHandler(root, csp));
  }

  stop(): void {
    this.protocol.unhandle(APP_SCHEME);
  }
}
