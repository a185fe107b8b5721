import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The command lines of the processes running now that mention `text`. */
function processesWith(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(text)) found.push(cmd);
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

/** `npm start` without a display, on a machine without Electron's binary: browser mode, and the URL on its line. */
describe('npm start (browser mode)', () => {
  it('says Electron is missing and there is no display, prints a kiosk URL nobody has spent, serves it, and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-start-'));
    const config = join(dir, 'cabin.json');
    writeFileSync(config, JSON.stringify({ demo: true, dataDir: join(dir, 'data'), web: { host: '127.0.0.1', port: 0 } }));
    const env: NodeJS.ProcessEnv = { ...process.env, CABIN_CONFIG: config };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    // No --no-browser: the launcher itself must see there is no display.
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'src/main/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
      // The demo's embedded hub (started beside the kiosk) is up once the login line is printed.
      while (!/^login: /m.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no login line:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The lines a person copies, in the order of the README's « Browser mode: what `npm start` prints and opens »:
      // one plain line says why no browser opens, the address, then the doctor's side (whichever was ready first).
      const plain = out.split('\n').filter((l) => /^(no display|kiosk|doctor|login|the kiosk address)/.test(l));
      expect(plain.map((l) => l.replace(/:.*/, '')), out).toEqual(['no display', 'kiosk', 'doctor', 'login']);
      const url = /^kiosk: (\S+)$/m.exec(out)![1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?k=[\w-]+$/);
      // No browser nobody sees was started on it: the one-time address is still unspent, and works once opened.
      expect(processesWith(url)).toEqual([]);
      const launch = await fetch(url, { redirect: 'manual' });
      expect(launch.status).toBe(302);
      expect(launch.headers.get('set-cookie')).toMatch(/^cabin-token=/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      // Opened once: a fresh one-time address for another browser is printed.
      while (!/has been opened; for another browser:\nkiosk: /.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no second kiosk line:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // The doctor console's URL and the demo doctor's login, which works.
      const doctor = /^doctor: (\S+)$/m.exec(out)?.[1];
      const login = /^login: (\S+) \/ (\S+)$/m.exec(out);
      expect(doctor, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(login, out).not.toBeNull();
      hubUrl = doctor!;
      const res = await fetch(new URL('/api/login', doctor), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: login![1], password: login![2] }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ role: 'doctor', token: expect.any(String) });
      // The doctor's side works on localhost too: the page, and a login from it (its Secure cookie is kept there).
      const local = doctor!.replace('127.0.0.1', 'localhost');
      expect((await fetch(local)).status).toBe(200);
      const localLogin = await fetch(new URL('/api/login', local), {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: new URL(local).origin },
        body: JSON.stringify({ username: login![1], password: login![2] }),
      });
      expect(localLogin.status).toBe(200);
      expect(localLogin.headers.get('set-cookie')).toMatch(/; Secure;/);
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
