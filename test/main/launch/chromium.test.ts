import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromiumLauncher, chromiumFlags, findChromium } from '../../../src/main/launch/chromium.ts';
import { silentLogger } from '../../../src/server/log.ts';
import { captureLogger } from '../../helpers/log-capture.ts';

/** A browser process that exits when killed. */
function fakeBrowser(pid?: number): ChildProcess {
  const c = new EventEmitter() as ChildProcess & { exitCode: number | null };
  Object.assign(c, { exitCode: null, signalCode: null, pid, stderr: new PassThrough() });
  c.kill = () => {
    setTimeout(() => {
      c.exitCode = 0;
      c.emit('exit', 0);
    }, 5);
    return true;
  };
  return c;
}

describe('chromiumFlags', () => {
  const base = { url: 'http://127.0.0.1:1/?k=x', profile: '/tmp/p', kiosk: false, demo: false, noSandbox: false };

  it('opens the URL as an app in its own profile, without prompts, background traffic or pinch', () => {
    const f = chromiumFlags(base);
    expect(f[0]).toBe('--app=http://127.0.0.1:1/?k=x');
    expect(f).toContain('--user-data-dir=/tmp/p');
    for (const flag of ['--no-first-run', '--disable-background-networking', '--disable-sync', '--disable-pinch', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'])
      expect(f).toContain(flag);
    expect(f.some((x) => x.startsWith('--use-fake-device') || x === '--kiosk' || x.startsWith('--headless') || x === '--no-sandbox')).toBe(false);
  });

  it('shows no "unsupported command-line flag" infobar on either window', () => {
    for (const kiosk of [true, false]) {
      const f = chromiumFlags({ ...base, kiosk, noSandbox: true });
      // --test-type is what keeps the bad-flags infobar away (--disable-infobars no longer exists).
      expect(f).toContain('--test-type');
      expect(f).toContain('--no-default-browser-check');
    }
  });

  it('adds kiosk mode, the demo fake devices with the heartbeat file, and headless flags each only when asked', () => {
    expect(chromiumFlags({ ...base, kiosk: true })[1]).toBe('--kiosk');
    expect(chromiumFlags({ ...base, demo: true })).toEqual(
      expect.arrayContaining(['--use-fake-device-for-media-stream=device-count=3', '--use-file-for-fake-audio-capture=/tmp/p/heart.wav']),
    );
    expect(chromiumFlags({ ...base, noSandbox: true })).toContain('--no-sandbox');
    // A window on a display is never headless: a headless kiosk nobody sees would spend the one-time address.
    expect(chromiumFlags({ ...base, noSandbox: true }).some((x) => x.startsWith('--headless'))).toBe(false);
  });
});

describe('the pages Chromium shows', () => {
  it('ask not to be translated (the kiosk and the doctor console have their own translations)', () => {
    for (const page of ['src/renderer/index.html', 'src/doctor/index.html']) {
      const html = readFileSync(fileURLToPath(new URL(`../../../${page}`, import.meta.url)), 'utf8');
      expect(html, page).toMatch(/<html lang="fr" translate="no">/);
      expect(html, page).toContain('<meta name="google" content="notranslate" />');
    }
  });
});

describe('findChromium', () => {
  it('takes the first installed browser, or none', () => {
    expect(findChromium((p) => p === '/usr/bin/google-chrome' || p === '/usr/bin/chromium-browser')).toBe('/usr/bin/chromium-browser');
    expect(findChromium(() => false)).toBeUndefined();
  });
});

describe('ChromiumLauncher', () => {
  it('gives each window a fresh profile (with the heartbeat in the demo) and removes them once the browsers ended', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-chromium-test-'));
    const launched: { exe: string; args: string[]; child: ChildProcess }[] = [];
    const launcher = new ChromiumLauncher({
      exe: '/usr/bin/chromium',
      demo: true,
      noSandbox: false,
      log: silentLogger(),
      tmp,
      spawn: (exe, args) => {
        const child = fakeBrowser();
        launched.push({ exe, args, child });
        return child;
      },
    });
    launcher.open('http://k/', { kiosk: true });
    launcher.open('http://d/', { kiosk: false });
    const profiles = launched.map((l) => l.args.find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length));
    expect(new Set(profiles).size).toBe(2);
    for (const p of profiles) expect(existsSync(join(p, 'heart.wav'))).toBe(true);
    // No translation bubble (checked on a display: Chromium 156 ignores --disable-features=Translate, not this).
    for (const p of profiles) expect(JSON.parse(readFileSync(join(p, 'Default', 'Preferences'), 'utf8'))).toEqual({ translate: { enabled: false } });
    expect(launched[0]!.args).toContain('--kiosk');
    expect(launched[1]!.args).not.toContain('--kiosk');
    await launcher.stop();
    expect(launched.every((l) => l.child.exitCode === 0)).toBe(true);
    for (const p of profiles) expect(existsSync(p)).toBe(false);
  });

  it('writes its own pid and each Chromium’s beside the profile, so a later start knows when it is left over', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-chromium-test-'));
    const launched: string[][] = [];
    const launcher = new ChromiumLauncher({ exe: 'c', demo: false, noSandbox: true, log: silentLogger(), tmp, spawn: (_e, args) => (launched.push(args), fakeBrowser(4242)) });
    launcher.open('http://k/', { kiosk: true });
    const profile = launched[0]!.find((a) => a.startsWith('--user-data-dir='))!.slice('--user-data-dir='.length);
    expect(profile.startsWith(join(tmp, 'cabin-kiosk-'))).toBe(true);
    expect(readFileSync(join(profile, 'cabin-pids'), 'utf8').split('\n').filter(Boolean).map(Number)).toEqual([process.pid, 4242]);
    expect(launched[0]).toContain('--no-sandbox');
    await launcher.stop();
  });

  it('says why when Chromium stops by itself (e.g. no sandbox as root), with its last words, and not when stopped', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-chromium-test-'));
    const { log, lines } = captureLogger();
    const kids: ChildProcess[] = [];
    const launcher = new ChromiumLauncher({ exe: 'c', demo: false, noSandbox: false, log, tmp, spawn: () => (kids.push(fakeBrowser(7)), kids.at(-1)!) });
    launcher.open('http://k/?k=secret', { kiosk: true });
    (kids[0]!.stderr as PassThrough).write('Running as root without --no-sandbox is not supported.\n');
    await new Promise((r) => setImmediate(r));
    kids[0]!.emit('exit', 1, null);
    const warned = lines.filter((l) => l.level === 40).map((l) => String(l.msg));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/Chromium stopped \(exit 1: Running as root without --no-sandbox is not supported\.\): open the kiosk address in a browser/);
    // The one-time code stays out of the log.
    expect(warned[0]).not.toContain('secret');
    launcher.open('http://d/', { kiosk: false });
    await launcher.stop();
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
  });
});
