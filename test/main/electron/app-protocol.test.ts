import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL, isAppUrl } from '../../../src/main/electron/app-origin.ts';
import { APP_SCHEME_PRIVILEGES, AppProtocol, createAppProtocolHandler, resolveAppFile } from '../../../src/main/electron/app-protocol.ts';
import { contentSecurityPolicy } from '../../../src/server/csp.ts';

let dir: string;
let root: string;
const csp = contentSecurityPolicy();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cabin-protocol-'));
  root = join(dir, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Cabin</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  // A file next to the renderer that must never be reachable.
  writeFileSync(join(dir, 'secret.txt'), 'patient data');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const get = (url: string, method = 'GET'): Promise<Response> => createAppProtocolHandler(root, csp)(new Request(url, { method }));

describe('app origin', () => {
  it.each([
    ['cabin://app/index.html', true],
    ['cabin://app/', true],
    ['cabin://app', true],
    ['cabin://evil/index.html', false],
    ['cabin://app.evil.com/', false],
    ['cabin://user:pw@app/', false],
    ['cabin://app:8080/', false],
    ['https://app/', false],
    ['file:///index.html', false],
    ['data:text/html,hi', false],
    ['', false],
    ['not a url', false],
  ])('%s is on the app origin: %s', (url, expected) => expect(isAppUrl(url)).toBe(expected));
});

describe('app protocol', () => {
  it('is registered as a standard, secure scheme with fetch support, not bypassing CSP', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('cabin');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).toBeFalsy();
    expect(APP_SCHEME_PRIVILEGES.privileges?.corsEnabled).toBeFalsy();
  });

  it('serves the built renderer with the CSP and a content type', async () => {
    const res = await get(APP_ENTRY_URL);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Cabin</title>');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(csp);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await get('cabin://app/assets/app.js');
    expect(js.headers.get('content-type')).toContain('text/javascript');
    expect(js.headers.get('content-security-policy')).toBe(csp);
  });

  it('serves index.html for the root', async () => {
    expect(await (await get('cabin://app/')).text()).toContain('Cabin');
  });

  it('answers HEAD without a body and refuses writes', async () => {
    const head = await get(APP_ENTRY_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get(APP_ENTRY_URL, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('content-security-policy')).toBe(csp);
  });

  it.each([
    'cabin://app/..%2fsecret.txt',
    'cabin://app/..%2F..%2F..%2Fetc%2Fpasswd',
    'cabin://app/assets/..%2f..%2fsecret.txt',
    'cabin://app/%2e%2e%2fsecret.txt',
    'cabin://app/..%5csecret.txt',
    'cabin://app/index.html%00.png',
    'cabin://app/%E0%A4%A',
    'cabin://evil/index.html',
  ])('refuses %s (path traversal, malformed or foreign)', async (url) => {
    const res = await get(url);
    expect([403, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('patient data');
    expect(res.headers.get('content-security-policy')).toBe(csp);
  });

  it("serves a deployer's voice pack folder at voice/, in place of the built one, and nothing outside it", async () => {
    const voice = join(dir, 'recorded');
    mkdirSync(join(voice, 'fr'), { recursive: true });
    writeFileSync(join(voice, 'fr', 'welcome.hello.ogg'), 'OggS recorded');
    const mounts = [{ prefix: 'voice', dir: voice }];
    const res = await createAppProtocolHandler(root, csp, mounts)(new Request('cabin://app/voice/fr/welcome.hello.ogg'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('OggS recorded');
    expect(res.headers.get('content-type')).toBe('audio/ogg');
    expect(resolveAppFile(root, 'cabin://app/voice/..%2f..%2fsecret.txt', mounts)).toBeUndefined();
    expect(resolveAppFile(root, 'cabin://app/voices/x.ogg', mounts)).toBe(join(root, 'voices', 'x.ogg'));
  });

  it('resolves only paths inside the root', () => {
    expect(resolveAppFile(root, 'cabin://app/..%2fsecret.txt')).toBeUndefined();
    expect(resolveAppFile(root, 'cabin://app/../secret.txt')).toBe(join(root, 'secret.txt')); // the URL parser already removed `..`
    expect(resolveAppFile(root, 'cabin://app/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
  });

  it('does not follow a symbolic link out of the root (404), and follows one within it', async () => {
    symlinkSync(join(dir, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync(dir, join(root, 'up'));
    symlinkSync('index.html', join(root, 'same.html'));
    for (const url of ['cabin://app/leak.txt', 'cabin://app/up/secret.txt']) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('patient data');
    }
    const same = await get('cabin://app/same.html');
    expect(same.status).toBe(200);
    expect(await same.text()).toContain('<title>Cabin</title>');
  });

  it('answers 404 (with the CSP) for a missing file or a directory', async () => {
    for (const url of ['cabin://app/nope.js', 'cabin://app/assets']) {
      const res = await get(url);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(csp);
    }
  });

  it('AppProtocol registers the privileged scheme and then serves it', async () => {
    const handlers = new Map<string, (r: Request) => Promise<Response> | Response>();
    const protocol = {
      registerSchemesAsPrivileged: vi.fn(),
      handle: vi.fn((s: string, h: (r: Request) => Promise<Response> | Response) => void handlers.set(s, h)),
      unhandle: vi.fn(),
    };
    const p = new AppProtocol(protocol);
    p.registerPrivileged();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([APP_SCHEME_PRIVILEGES]);
    p.serve(root, csp);
    const res = await handlers.get('cabin')!(new Request(APP_ENTRY_URL));
    expect(res.headers.get('content-security-policy')).toBe(csp);
    p.stop();
    expect(protocol.unhandle).toHaveBeenCalledWith('cabin');
  });
});
