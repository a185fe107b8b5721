import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemoHub } from '../../../src/main/launch/demo-hub.ts';
import { freePort } from '../../../src/main/launch/free-port.ts';
import { silentLogger } from '../../../src/server/log.ts';

describe('freePort', () => {
  it('gives the preferred port when free, another one when it is taken', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const taken = (srv.address() as AddressInfo).port;
    try {
      const other = await freePort(taken);
      expect(other).not.toBe(taken);
      expect(other).toBeGreaterThan(0);
    } finally {
      srv.close();
    }
    expect(await freePort(taken)).toBe(taken);
  });
});

describe('the demo hub', () => {
  it('says ready over its IPC channel with the console URL and a working login, and stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-demo-hub-'));
    const hub = await startDemoHub({ dataDir: join(dir, 'data'), consoleDir: dir, log: silentLogger(), port: 0 });
    try {
      const ready = await hub.ready;
      expect(statSync(hub.keyFile).mode & 0o777).toBe(0o600);
      expect(ready.doctorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(ready.login.username).toBe('dr.demo');
      const res = await fetch(new URL('/api/login', ready.doctorUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(ready.doctorUrl).origin },
        body: JSON.stringify(ready.login),
      });
      expect(res.status).toBe(200);
    } finally {
      await hub.stop();
    }
    await expect(hub.ready.then((r) => fetch(r.doctorUrl))).rejects.toThrow();
  }, 30_000);

  it('fails with the reason the hub gave when it cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-demo-hub-'));
    const data = join(dir, 'data');
    // Not a database: the hub cannot open it, and says so over the channel before it exits.
    mkdirSync(data);
    writeFileSync(join(data, 'hub-demo.db'), 'not sqlite '.repeat(1000));
    const hub = await startDemoHub({ dataDir: data, consoleDir: dir, log: silentLogger(), port: 0 });
    await expect(hub.ready).rejects.toThrow(/the demo hub stopped \(exit 1\): .*not a database/);
  }, 30_000);
});
