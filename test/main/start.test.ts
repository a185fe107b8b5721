import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm start -- --no-browser` on a machine without Electron's binary: browser mode, and the URL on its line. */
describe('npm start (browser mode)', () => {
  it('says Electron is missing, prints the kiosk URL on a `kiosk: ` line, serves it, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-start-'));
    const config = join(dir, 'cabin.json');
    writeFileSync(config, JSON.stringify({ demo: true, dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }));
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/main/start.ts', '--no-browser'], {
      env: { ...process.env, CABIN_CONFIG: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    let hubUrl = 'http://127.0.0.1:9/';
    try {
      const end = Date.now() + 30_000;
      while (!/^kiosk: /m.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no kiosk line:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out).toMatch(/Electron is not available on this machine.*browser mode/);
      const url = /^kiosk: (\S+)$/m.exec(out)![1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?k=[\w-]+$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // The demo's embedded hub (started beside the kiosk): the doctor console's URL and the demo doctor's login,
      // which works.
      while (!/^login: /m.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no login line:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const doctor = /^doctor: (\S+)$/m.exec(out)?.[1];
      const login = /^login: (\S+) \/ (\S+)$/m.exec(out);
      expect(doctor, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(login, out).not.toBeNull();
      hubUrl = doctor!;
      const res = await fetch(new URL('/api/login', doctor), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: login![1], password: login![2] }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ role: 'doctor', token: expect.any(String) });
      // The hub took the key the launcher made for the kiosk (a private file in the data folder).
      const keyFile = join(dir, 'data', 'demo-cabin.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const cabinLogin = await fetch(new URL('/api/cabin/token', doctor), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ cabinId: 'demo-cabin', key: readFileSync(keyFile, 'utf8').trim() }) });
      expect(cabinLogin.status).toBe(200);
      // The cabin's key never reaches the terminal.
      expect(out).not.toMatch(/key/i);
    } finally {
      // Never leave a kiosk (and its device host) running behind a failed test.
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // The embedded hub stopped with it.
    await expect(fetch(hubUrl)).rejects.toThrow();
  });

  it('refuses a broken config with one clear line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-start-'));
    const config = join(dir, 'cabin.json');
    writeFileSync(config, JSON.stringify({ idle: { warnAfterS: 'soon' } }));
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/main/start.ts', '--no-browser'], {
      env: { ...process.env, CABIN_CONFIG: config },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/^cabin: Config file .*idle\.warnAfterS/m);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
