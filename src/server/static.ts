import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

/** Content types of what the apps' builds contain. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
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

export const contentType = (file: string): string => TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * The file under `root` that a decoded URL path names, or undefined when it would leave `root` (`..`, backslashes
 * on Windows) or holds a NUL byte. `/` and folders mean their index.html.
 */
export function fileUnder(root: string, path: string): string | undefined {
  if (path.includes('\0')) return undefined;
  if (path.endsWith('/')) path += 'index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path.startsWith('/') ? '' : '/'}${path}`);
  const rel = relative(base, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return file;
}

/** A folder served at a URL prefix in place of the app's own files there (a deployer's voice pack at `/voice/`). */
export interface Mount {
  /** One path segment, e.g. `voice`. */
  prefix: string;
  dir: string;
}

/** fileUnder the mount whose prefix starts `path`, else under `root`. */
export function fileFor(root: string, path: string, mounts: readonly Mount[] = []): string | undefined {
  const mount = mounts.find((m) => path.startsWith(`/${m.prefix}/`));
  return mount ? fileUnder(mount.dir, path.slice(mount.prefix.length + 1)) : fileUnder(root, path);
}

/** `file` with every symbolic link resolved, if it exists and stays under `base` once `base`'s own links are resolved too. */
export function realUnder(base: string, file: string): string | undefined {
  let realBase: string;
  let real: string;
  try {
    realBase = realpathSync(base);
    real = realpathSync(file);
  } catch {
    return undefined;
  }
  const rel = relative(realBase, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return real;
}

/**
 * fileFor, then the real file it names: undefined when it does not exist or when a symbolic link leads out of the
 * folder (a link inside the build pointing at /etc/passwd is not served). The answer has no links left in it.
 */
export function realFileFor(root: string, path: string, mounts: readonly Mount[] = []): string | undefined | 'outside' {
  const file = fileFor(root, path, mounts);
  if (file === undefined) return 'outside';
  const mount = mounts.find((m) => path.startsWith(`/${m.prefix}/`));
  return realUnder(mount ? mount.dir : root, file);
}

export interface StaticSite {
  /** The built app; undefined when there is none. */
  root: string | undefined;
  /** The security headers of every answer, errors included. */
  headers: Record<string, string>;
  /** Answered with 503 when `root` is not a folder (the app is not built); without it such a site answers 404. */
  notBuilt?: string;
  mounts?: readonly Mount[];
}

/** Serves a built app read-only (GET and HEAD) from its folder; a path outside it is refused. */
export function serveStatic(site: StaticSite, req: IncomingMessage, res: ServerResponse): void {
  const text = (status: number, body: string) =>
    void res.writeHead(status, { ...site.headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method not allowed');
  if (site.notBuilt !== undefined && (site.root === undefined || !isDir(site.root))) return text(503, site.notBuilt);
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  } catch {
    return text(400, 'Bad request');
  }
  const file = site.root === undefined ? 'outside' : realFileFor(site.root, path, site.mounts);
  if (file === 'outside') return text(403, 'Forbidden');
  // Missing, or a symbolic link out of the folder: the same answer, so nothing is told about what lies outside.
  if (file === undefined) return text(404, 'Not found');
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    return text(404, 'Not found');
  }
  res.writeHead(200, { ...site.headers, 'Content-Type': contentType(file), 'Content-Length': String(size) });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
