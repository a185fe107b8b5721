import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentType, fileFor, fileUnder, serveStatic } from '../../src/server/static.ts';

describe('fileUnder', () => {
  it.each([
    ['/', '/srv/app/index.html'],
    ['/assets/', '/srv/app/assets/index.html'],
    ['/assets/app.js', '/srv/app/assets/app.js'],
    ['/a/../b.js', '/srv/app/b.js'],
    ['/../secret', undefined],
    ['/a/../../secret', undefined],
    ['/..', undefined],
    ['/index.html\0.png', undefined],
  ])('%s → %s', (path, file) => expect(fileUnder('/srv/app', path)).toBe(file));
});

describe('fileFor (a folder mounted at a prefix, e.g. a voice pack)', () => {
  const mounts = [{ prefix: 'voice', dir: '/etc/cabin/voice' }];
  it.each([
    ['/voice/fr/welcome.hello.ogg', '/etc/cabin/voice/fr/welcome.hello.ogg'],
    ['/voice/manifest.json', '/etc/cabin/voice/manifest.json'],
    ['/voice/../../secret', undefined],
    ['/voicex/a.ogg', '/srv/app/voicex/a.ogg'],
    ['/assets/app.js', '/srv/app/assets/app.js'],
  ])('%s → %s', (path, file) => expect(fileFor('/srv/app', path, mounts)).toBe(file));
});

describe('contentType', () => {
  it('knows the build outputs, in any case, and falls back to bytes', () => {
    expect(contentType('/a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/a/APP.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/a/x.unknown')).toBe('application/octet-stream');
  });
});

describe('serveStatic', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const headers = { 'X-Test': 'yes' };
  const get = (path: string, method = 'GET') =>
    new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const u = new URL(base);
      const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'server-static-'));
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'index.html'), '<title>app</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside');
    mkdirSync(join(dir, 'elsewhere'));
    writeFileSync(join(dir, 'elsewhere', 'x.txt'), 'outside too');
    // Links inside the root: out of it (a file, a folder), and within it (allowed).
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'app', 'leak.txt'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'app', 'out'));
    symlinkSync('index.html', join(dir, 'app', 'same.html'));
    // A root reached through a link is fine: only where the files really are counts.
    symlinkSync(join(dir, 'app'), join(dir, 'app-link'));
    server = createServer((req, res) => {
      const root = req.headers['x-root'] === 'missing' ? join(dir, 'missing') : req.headers['x-root'] === 'link' ? join(dir, 'app-link') : join(dir, 'app');
      serveStatic({ root, headers, notBuilt: req.headers['x-root'] === 'missing' ? 'not built' : undefined }, req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves files with the site headers, a type and a length; HEAD without a body', async () => {
    const r = await get('/');
    expect(r).toMatchObject({ status: 200, body: '<title>app</title>' });
    expect(r.headers).toMatchObject({ 'x-test': 'yes', 'content-type': 'text/html; charset=utf-8', 'content-length': '18' });
    expect(await get('/', 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('answers errors with the site headers too', async () => {
    for (const [path, method, status] of [
      ['/', 'POST', 405],
      ['/nothing', 'GET', 404],
      ['/%E0%A4%A', 'GET', 400],
      ['/..%2fsecret.txt', 'GET', 403],
      ['/%00', 'GET', 403],
    ] as const) {
      const r = await get(path, method);
      expect(r.status, path).toBe(status);
      expect(r.headers['x-test'], path).toBe('yes');
      expect(r.body).not.toContain('outside');
    }
  });

  it('does not follow a symbolic link out of the root (404, nothing of the target); links within it are served', async () => {
    for (const path of ['/leak.txt', '/out/x.txt', '/out/']) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('outside');
      expect(r.headers['x-test'], path).toBe('yes');
    }
    expect(await get('/same.html')).toMatchObject({ status: 200, body: '<title>app</title>' });
    const viaLink = await new Promise<{ status: number; body: string }>((resolve) => {
      const u = new URL(base);
      request({ host: u.hostname, port: u.port, path: '/', headers: { 'x-root': 'link' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).end();
    });
    expect(viaLink).toEqual({ status: 200, body: '<title>app</title>' });
  });

  it('says when the app is not built, if the site has a sentence for it', async () => {
    const r = await new Promise<number>((resolve) => {
      const u = new URL(base);
      request({ host: u.hostname, port: u.port, path: '/', headers: { 'x-root': 'missing' } }, (res) => resolve(res.statusCode ?? 0)).end();
    });
    expect(r).toBe(503);
  });
});
