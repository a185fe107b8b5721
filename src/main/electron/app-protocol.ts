import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { CustomScheme, Protocol } from 'electron';
import { securityHeaders } from '../../server/csp.ts';
import { contentType, fileFor, realUnder, type Mount } from '../../server/static.ts';
import { APP_HOST, APP_SCHEME } from './app-origin.ts';

/**
 * Registered before `ready`: a standard, secure scheme behaves like https (its own origin, secure context
 * for getUserMedia, fetch works), without the extra file:// privileges.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
};

/**
 * The file under `root` that `url` names, or undefined when the URL is not the app's or would leave
 * `root` (encoded `..%2f`, backslashes on Windows, NUL bytes). `/` and directories mean their index.html.
 */
export function resolveAppFile(root: string, url: string, mounts: readonly Mount[] = []): string | undefined {
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
  return fileFor(root, path, mounts);
}

/**
 * The `protocol.handle` handler: serves the built renderer from `root`. Read-only (GET/HEAD), nothing
 * outside `root`, and the CSP on every response.
 */
export function createAppProtocolHandler(root: string, csp: string, mounts: readonly Mount[] = []): (request: Request) => Promise<Response> {
  const headers = securityHeaders(csp, { mediaDevices: 'handlers' });
  const fail = (status: number, text: string): Response =>
    new Response(text, { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'Method not allowed');
    const named = resolveAppFile(root, request.url, mounts);
    if (!named) return fail(403, 'Forbidden');
    // A symbolic link out of its folder (the build or a mounted voice pack) is not followed: 404, as a missing file.
    const file = realUnder(mounts.find((m) => named.startsWith(resolve(m.dir) + sep))?.dir ?? root, named);
    if (!file) return fail(404, 'Not found');
    try {
      if (!(await stat(file)).isFile()) return fail(404, 'Not found');
      const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file));
      return new Response(body, {
        status: 200,
        headers: { ...headers, 'Content-Type': contentType(file) },
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

  serve(root: string, csp: string, mounts: readonly Mount[] = []): void {
    this.protocol.handle(APP_SCHEME, createAppProtocolHandler(root, csp, mounts));
  }

  stop(): void {
    this.protocol.unhandle(APP_SCHEME);
  }
}
