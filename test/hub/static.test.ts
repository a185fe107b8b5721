import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../../src/hub/server.ts';
import { testDatabase } from '../helpers/hub-db.ts';

let dir: string;
let hub: Hub;
let bare: Hub;

/** A raw GET, so the path reaches the hub exactly as written (fetch would normalise `..`). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hub-static-'));
  mkdirSync(join(dir, 'console', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>doctor</title>');
  writeFileSync(join(dir, 'console', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  hub = await createHub({ dbPath: await testDatabase(null), consoleDir: join(dir, 'console') });
  bare = await createHub({ dbPath: await testDatabase(null), consoleDir: join(dir, 'missing') });
});
afterAll(async () => {
  await Promise.all([hub.close(), bare.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('doctor console serving', () => {
  it('serves index.html for / and assets, with the strict security headers', async () => {
    const res = await fetch(`${hub.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>doctor</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const js = await fetch(`${hub.url}/assets/app.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    expect((await fetch(`${hub.url}/nothing.js`)).status).toBe(404);
    expect((await fetch(`${hub.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses paths that leave the console folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00']) {
      const r = await rawGet(hub.url, path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.body, path).not.toContain('outside');
    }
  });

  it('answers 503 with a clear sentence when the console is not built', async () => {
    const res = await fetch(`${bare.url}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('doctor console not built: run npm run build');
  });
});
