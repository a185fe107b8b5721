import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startDemoHub } from '../../../src/main/launch/demo-hub.ts';
import { freePort } from '../../../src/main/launch/free-port.ts';
import { processAlive } from '../../../src/main/launch/profiles.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { captureLogger } from '../../helpers/log-capture.ts';

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

/** Waits until `check` holds (polled every 100 ms), or fails saying what did not happen. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > end) throw new Error(`Not within ${ms} ms: ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const loginStatus = async (doctorUrl: string, login: { username: string; password: string }): Promise<number> =>
  (await fetch(new URL('/api/login', doctorUrl), { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(doctorUrl).origin }, body: JSON.stringify(login) })).status;

describe('the demo hub, supervised', () => {
  it('killed with SIGKILL: said in the log, started again on the same address, and the login printed at the start still works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-demo-hub-'));
    const { log, lines } = captureLogger('demo-hub');
    const hub = await startDemoHub({ dataDir: join(dir, 'data'), consoleDir: dir, log, port: 0, restartDelayMs: () => 200 });
    let pids: number[] = [];
    try {
      const ready = await hub.ready;
      const first = hub.pid()!;
      pids = [first];
      process.kill(first, 'SIGKILL');
      await until(() => lines.some((l) => /^The demo hub is back/.test(String(l.msg))), 30_000, 'the demo hub said it is back');
      const again = hub.pid()!;
      pids.push(again);
      expect(again).not.toBe(first);
      expect(processAlive(first)).toBe(false);
      expect(await loginStatus(ready.doctorUrl, ready.login)).toBe(200);
      const stopped = lines.find((l) => /^The demo hub stopped/.test(String(l.msg)));
      expect(stopped?.msg).toMatch(/\(SIGKILL\)/);
      expect(stopped?.level).toBe(50);
      // Twice: a second crash is restarted too.
      process.kill(again, 'SIGKILL');
      await until(() => lines.filter((l) => /^The demo hub is back/.test(String(l.msg))).length === 2, 30_000, 'the demo hub came back a second time');
      pids.push(hub.pid()!);
      expect(await loginStatus(ready.doctorUrl, ready.login)).toBe(200);
    } finally {
      await hub.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(pids.filter((p) => processAlive(p))).toEqual([]);
  }, 90_000);

  it('a restart that fails is said with its reason and tried again later; stop() ends the tries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-demo-hub-'));
    const data = join(dir, 'data');
    const { log, lines } = captureLogger('demo-hub');
    const asked: number[] = [];
    const hub = await startDemoHub({ dataDir: data, consoleDir: dir, log, port: 0, restartDelayMs: (n) => (asked.push(n), 200) });
    try {
      await hub.ready;
      const first = hub.pid()!;
      // The database is damaged while the hub is down: it cannot come back on it.
      process.kill(first, 'SIGKILL');
      await until(() => !processAlive(first), 10_000, 'the hub ended');
      rmSync(join(data, 'hub-demo.db-wal'), { force: true });
      rmSync(join(data, 'hub-demo.db-shm'), { force: true });
      writeFileSync(join(data, 'hub-demo.db'), 'not sqlite '.repeat(1000));
      await until(() => lines.filter((l) => /^The demo hub did not come back/.test(String(l.msg))).length >= 2, 60_000, 'two failed restarts said');
      const failed = lines.find((l) => /^The demo hub did not come back/.test(String(l.msg)))!;
      expect(failed.msg).toMatch(/not a database/);
      expect(failed.msg).toMatch(/Next try in 0\.2 s\./);
    } finally {
      await hub.stop();
    }
    // The waits grow with the failed tries in a row (the backoff's count goes on, it does not start over each time).
    expect(asked.slice(0, 3)).toEqual([0, 1, 2]);
    const after = asked.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(asked.length, 'no restart after stop()').toBe(after);
    expect(hub.pid()).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  }, 90_000);
});

describe('the demo hub when cabin main is killed', () => {
  it('stops even when main is killed with SIGKILL while the hub is still starting (it kept its port forever)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-demo-hub-'));
    const data = join(dir, 'data');
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const parent = spawn(process.execPath, [join(root, 'bin/run-ts.mjs'), fileURLToPath(new URL('./fixtures/demo-hub-parent.ts', import.meta.url)), data], { cwd: root, stdio: 'ignore' });
    let hubPid: number | undefined;
    try {
      // Killed once the hub has opened its database (seeding it): before the hub listens and says ready.
      for (let i = 0; i < 400 && !existsSync(join(data, 'hub-demo.db')); i++) await new Promise((r) => setTimeout(r, 25));
      hubPid = Number(readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      expect(hubPid).toBeGreaterThan(0);
      parent.kill('SIGKILL');
      let alive = true;
      for (let i = 0; i < 200 && alive; i++) {
        await new Promise((r) => setTimeout(r, 100));
        alive = processAlive(hubPid);
      }
      expect(alive, 'the demo hub outlived cabin main').toBe(false);
    } finally {
      parent.kill('SIGKILL');
      if (hubPid && processAlive(hubPid)) process.kill(hubPid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);
});
