import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { FetchLike } from '../../src/doctor/hub/auth.ts';
import type { SocketLike } from '../../src/doctor/hub/client.ts';
import { ConsoleController } from '../../src/doctor/state/console.ts';
import { createHub } from '../../src/hub/server.ts';
import { PASSWORD, startHub, type TestHub } from '../hub/helpers.ts';

/**
 * The doctor console's controller against a real hub that restarts: the hub refuses the old token at the upgrade
 * (HTTP 401), which a WebSocket client only sees as an abnormal close (1006), like a hub that is down.
 */
describe('doctor console when the hub restarts (real hub)', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });

  /** A console on `t`'s hub, signed in as dr.a: fetch with a cookie jar, sockets from `ws` (as a browser's). */
  async function signedIn(t: TestHub) {
    const base = t.hub.url;
    let cookie = '';
    const fetcher: FetchLike = async (url, init) => {
      const res = await fetch(base + url, { method: init.method, headers: { ...init.headers, ...(cookie ? { cookie } : {}) }, ...(init.body ? { body: init.body } : {}) });
      const set = res.headers.getSetCookie().find((c) => c.startsWith('cabin_session='));
      if (set) cookie = set.split(';')[0]!;
      return res;
    };
    const sockets: number[] = [];
    const c = new ConsoleController(new URL(base), {
      fetch: fetcher,
      storage: undefined,
      connect: (url, protocols) => {
        sockets.push(Date.now());
        return new WebSocket(url, protocols) as unknown as SocketLike;
      },
    });
    expect((await c.login('dr.a', PASSWORD)).ok).toBe(true);
    await vi.waitFor(() => expect(c.getSnapshot().hub).toBe('connected'));
    return { c, sockets };
  }

  it('a restarted hub that lost the session: the console stops retrying and shows the login with « session ended »', { timeout: 30_000 }, async () => {
    const t = await startHub();
    const { c, sockets } = await signedIn(t);
    const port = new URL(t.hub.url).port;
    await t.close();
    // A new hub on the same address with an empty database: it knows neither the token's key nor the session.
    const fresh = await startHub({ port: Number(port) });
    open.push(fresh);
    await vi.waitFor(() => expect(c.getSnapshot()).toMatchObject({ screen: 'login', notice: 'session-expired', me: undefined }), { timeout: 20_000, interval: 50 });
    const tries = sockets.length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(sockets.length).toBe(tries);
  });

  it('a restarted hub that kept the session (same database, new token key): the console reconnects, still signed in', { timeout: 30_000 }, async () => {
    const t = await startHub();
    const { c, sockets } = await signedIn(t);
    const port = Number(new URL(t.hub.url).port);
    await t.hub.close();
    const again = await createHub({ port, dbPath: join(t.dir, 'hub.db') });
    open.push({ close: () => t.close().then(() => again.close()) });
    await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(1), { timeout: 20_000, interval: 50 });
    await vi.waitFor(() => expect(c.getSnapshot()).toMatchObject({ screen: 'queue', hub: 'connected', me: { id: expect.any(String) } }), { timeout: 20_000, interval: 50 });
  });

  it('a hub that is only down: the console keeps retrying and says « reconnecting », still signed in', { timeout: 30_000 }, async () => {
    const t = await startHub();
    const { c, sockets } = await signedIn(t);
    await t.close();
    await vi.waitFor(() => expect(sockets.length).toBeGreaterThanOrEqual(3), { timeout: 20_000, interval: 50 });
    expect(c.getSnapshot()).toMatchObject({ screen: 'queue', hub: 'reconnecting', me: { id: expect.any(String) } });
  });
});
