import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { demoConfig } from '../../src/main/config.ts';
import { BRIDGE_BEAT_MS } from '../../src/shared/bridge.ts';
import { startKiosk, type KioskHost } from '../../src/main/web/host.ts';

/** Browser mode's web host: the renderer with strict headers, and the bridge only for the kiosk page. */

let kiosk: KioskHost;
/** The fresh one-time addresses the host handed to the launcher. */
const nextUrls: string[] = [];
let cookie = '';
let origin = '';
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cabin-web-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Cabin</title>');
  writeFileSync(join(dir, 'secret.txt'), 'not for the web');
  kiosk = await startKiosk({
    config: demoConfig({ dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }),
    rendererDir: renderer,
    onNextUrl: (u) => nextUrls.push(u),
  });
  origin = new URL(kiosk.url).origin;
  const res = await fetch(kiosk.url, { redirect: 'manual' });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  firstLocation = res.headers.get('location');
});

let firstLocation: string | null = null;

it('keeps the rest of the launch URL’s query when it spends the code (e.g. debug=1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cabin-web-'));
  mkdirSync(join(dir, 'r'));
  writeFileSync(join(dir, 'r', 'index.html'), '<!doctype html>');
  const k = await startKiosk({ config: demoConfig({ dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }), rendererDir: join(dir, 'r') });
  try {
    const res = await fetch(`${k.url}&debug=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/?debug=1');
    expect(res.headers.get('set-cookie')).toMatch(/^cabin-token=/);
  } finally {
    await k.close();
  }
});
afterAll(async () => {
  await kiosk?.close();
});

/** A GET with this Host header (DNS rebinding, or the names of the loopback). */
async function statusFor(host: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown> }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const u = new URL(origin);
    request({ host: u.hostname, port: u.port, path, headers: { ...headers, host } }, (r) => {
      r.resume();
      resolve({ status: r.statusCode ?? 0, headers: r.headers });
    })
      .on('error', reject)
      .end();
  });
}

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/bridge`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, name: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(data.toString()) as { type: string; id?: number; result?: never };
      if (msg.type === 'result' && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg.result!);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, name, input }));
  });
}

describe('web host', () => {
  it('hands the bridge token out once, for the launch code, and serves the renderer with a strict CSP', async () => {
    expect(cookie).toMatch(/^cabin-token=.+/);
    expect(firstLocation).toBe('/');
    // The launch code is spent: a second request gets the page, but no token.
    const again = await fetch(kiosk.url, { redirect: 'manual' });
    expect(again.headers.get('set-cookie')).toBeNull();
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("object-src 'none'");
    expect((await fetch(`${origin}/..%2fsecret.txt`)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${origin}/nope.js`)).status).toBe(404);
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      const u = new URL(origin);
      request({ host: u.hostname, port: u.port, path: '/', headers: { host: `evil.example:${u.port}` } }, (r) => resolve(r.statusCode ?? 0)).end();
    });
    expect(status).toBe(421);
  });

  it('refuses a bridge connection from another origin or without the token', async () => {
    await expect(connect({ origin: 'http://evil.example', cookie })).rejects.toThrow(/403/);
    await expect(connect({ origin })).rejects.toThrow(/403/);
  });

  it('answers on localhost as on 127.0.0.1 (page, launch code, bridge), and nothing else', async () => {
    const port = new URL(origin).port;
    expect((await statusFor(`localhost:${port}`)).status).toBe(200);
    expect((await statusFor(`LOCALHOST:${port}`)).status).toBe(200);
    expect((await statusFor(`127.0.0.1:${port}`)).status).toBe(200);
    // DNS rebinding stays refused, as does another port or a name that merely contains ours.
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`, `localhost:${Number(port) + 1}`, 'localhost', `127.0.0.2:${port}`])
      expect((await statusFor(host)).status, host).toBe(421);
    // The current one-time code, opened as localhost, gives the token for localhost.
    const code = new URL(nextUrls.at(-1)!).searchParams.get('k')!;
    const launch = await statusFor(`localhost:${port}`, `/?k=${code}`);
    expect(launch.status).toBe(302);
    expect(String(launch.headers['set-cookie'])).toBe(cookie + '; HttpOnly; SameSite=Strict; Path=/');
    const ws = await connect({ host: `localhost:${port}`, origin: `http://localhost:${port}`, cookie });
    expect(await call(ws, 1, 'session:get', {})).toMatchObject({ ok: true });
    ws.close();
    // The page's origin must be the name it connects to, port included: a page on another local port shares the
    // site (SameSite lets the cookie through) but not the origin.
    await expect(connect({ host: `localhost:${port}`, origin: `http://localhost:${Number(port) + 1}`, cookie })).rejects.toThrow(/403/);
    await expect(connect({ host: `localhost:${port}`, origin, cookie })).rejects.toThrow(/403/);
    await expect(connect({ host: `evil.example:${port}`, origin: `http://evil.example:${port}`, cookie })).rejects.toThrow();
  });

  it('hands the launcher a fresh one-time address each time one is opened, for another browser; a spent one gives nothing', async () => {
    const before = nextUrls.length;
    expect(before).toBeGreaterThanOrEqual(1); // the launch in beforeAll spent the first
    const next = nextUrls.at(-1)!;
    expect(next).toMatch(new RegExp(`^${origin}/\\?k=[\\w-]{24}$`));
    expect(next).not.toBe(kiosk.url);
    const second = await fetch(next, { redirect: 'manual' });
    expect(second.status).toBe(302);
    expect(second.headers.get('set-cookie')?.split(';')[0]).toBe(cookie);
    expect(nextUrls).toHaveLength(before + 1);
    // Spent: the page, no token, no new address.
    for (const spent of [kiosk.url, next]) expect((await fetch(spent, { redirect: 'manual' })).headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${origin}/?k=`, { redirect: 'manual' })).headers.get('set-cookie')).toBeNull();
    expect(nextUrls).toHaveLength(before + 1);
    // …and sends the browser to the page that says the address was already used.
    const used = await fetch(kiosk.url, { redirect: 'manual' });
    expect([used.status, used.headers.get('location')]).toEqual([302, '/?launch=spent']);
    expect((await fetch(`${origin}/?launch=spent`)).status).toBe(200);
  });

  it('survives a launch code of the right length in characters but not in bytes (any local page could send one)', async () => {
    const res = await fetch(`${origin}/?k=${encodeURIComponent('é'.repeat(24))}`, { redirect: 'manual' });
    expect([res.status, res.headers.get('set-cookie')]).toEqual([302, null]);
    expect((await fetch(`${origin}/`)).status).toBe(200);
  });

  it('serves the bridge contract to the kiosk page, with validation and events', async () => {
    const ws = await connect({ origin, cookie });
    const events: { name: string }[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type: string; name: string };
      if (m.type === 'event') events.push(m);
    });
    expect(await call(ws, 1, 'session:get', {})).toMatchObject({ ok: true, value: { phase: 'welcome' } });
    expect(await call(ws, 2, 'session:nope', {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    expect(await call(ws, 3, 'assistant:unlock', { pin: '9999' })).toMatchObject({ ok: false, error: { code: 'wrong-pin' } });
    expect(await call(ws, 4, 'session:start', { language: 'en' })).toMatchObject({ ok: true, value: { phase: 'consent' } });
    expect(events.some((e) => e.name === 'session')).toBe(true);
    ws.send('not json');
    expect(await call(ws, 5, 'session:consent', { accepted: false })).toMatchObject({ ok: true, value: { phase: 'welcome' } });
    ws.close();
  });

  it('beats on every bridge socket, at once and then every second, while nothing else happens', async () => {
    const beats: number[] = [];
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/bridge`, { headers: { origin, cookie } });
    ws.on('message', (d) => {
      if ((JSON.parse(d.toString()) as { type: string }).type === 'beat') beats.push(Date.now());
    });
    await new Promise((resolve) => ws.once('open', resolve));
    await expect.poll(() => beats.length, { timeout: 3 * BRIDGE_BEAT_MS }).toBeGreaterThanOrEqual(3);
    ws.close();
    const gaps = beats.slice(1).map((t, i) => t - beats[i]!);
    // The first at once; the next ones a beat apart (the first interval tick comes anywhere within the first second).
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThan(BRIDGE_BEAT_MS / 2);
    for (const gap of gaps) expect(gap).toBeLessThan(BRIDGE_BEAT_MS * 2);
  });

  it('tells a page whose bridge socket was refused whether its token is this run’s (a browser does not see the 403)', async () => {
    expect((await fetch(`${origin}/bridge`, { headers: { cookie } })).status).toBe(204);
    const old = await fetch(`${origin}/bridge`, { headers: { cookie: 'cabin-token=of-an-earlier-run' } });
    expect([old.status, old.headers.get('cache-control')]).toEqual([403, 'no-store']);
    expect((await fetch(`${origin}/bridge`)).status).toBe(403);
  });

  it('says in the 403 whether the page’s token is of an earlier run (main restarted) or none it ever handed out', async () => {
    // An earlier run of main: its page got a token, then main stopped.
    const dir = mkdtempSync(join(tmpdir(), 'cabin-web-'));
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', 'index.html'), '<!doctype html>');
    const earlier = await startKiosk({ config: demoConfig({ dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }), rendererDir: join(dir, 'r') });
    const launched = await fetch(earlier.url, { redirect: 'manual' });
    const earlierCookie = (launched.headers.get('set-cookie') ?? '').split(';')[0]!;
    await earlier.close();
    expect(earlierCookie).toMatch(/^cabin-token=[\w-]+$/);
    const why = async (headers: Record<string, string>) => {
      const res = await fetch(`${origin}/bridge`, { headers });
      return [res.status, await res.text()];
    };
    expect(await why({ cookie: earlierCookie })).toEqual([403, 'restarted']);
    // No token (a spent launch address), or one made up with this run's id: never handed out, not a restart.
    expect(await why({})).toEqual([403, 'no-token']);
    const made = `${cookie.slice(0, 'cabin-token='.length + 12)}${'A'.repeat(32)}`;
    expect(made).not.toBe(cookie);
    expect(await why({ cookie: made })).toEqual([403, 'no-token']);
    // A made-up token of another shape (any other run id) is not taken for an earlier run's either.
    expect(await why({ cookie: 'cabin-token=forged' })).toEqual([403, 'no-token']);
    expect(await why({ cookie: 'cabin-token=' + 'Z'.repeat(12) + '!'.repeat(32) })).toEqual([403, 'no-token']);
    expect((await fetch(`${origin}/bridge`, { headers: { cookie } })).status).toBe(204);
  });

  it('closes a socket that sends an oversized frame, and keeps serving others', async () => {
    const bad = await connect({ origin, cookie });
    const closed = new Promise((resolve) => bad.once('close', resolve));
    bad.send('x'.repeat(70 * 1024));
    await closed;
    const good = await connect({ origin, cookie });
    expect(await call(good, 1, 'session:get', {})).toMatchObject({ ok: true });
    good.close();
  });
});
