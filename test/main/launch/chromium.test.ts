import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromiumLauncher, chromiumFlags, findChromium } from '../../../src/main/launch/chromium.ts';
import { silentLogger } from '../../../src/server/log.ts';

/** A browser process that exits when killed. */
function fakeBrowser(): ChildProcess {
  const c = new EventEmitter() as ChildProcess & { exitCode: number | null };
  Object.assign(c, { exitCode: null, signalCode: null });
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
  const base = { url: 'http://127.0.0.1:1/?k=x', profile: '/tmp/p', kiosk: false, demo: false, headless: false };

  it('opens the URL as an app in its own profile, without prompts, background traffic or pinch', () => {
    const f = chromiumFlags(base);
    expect(f[0]).toBe('--app=http://127.0.0.1:1/?k=x');
    expect(f).toContain('--user-data-dir=/tmp/p');
    for (const flag of ['--no-first-run', '--disable-background-networking', '--disable-sync', '--disable-pinch', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'])
      expect(f).toContain(flag);
    expect(f.some((x) => x.startsWith('--use-fake-device') || x === '--kiosk' || x.startsWith('--headless'))).toBe(false);
  });

  it('adds kiosk mode, the demo fake devices with the heartbeat file, and headless flags each only when asked', () => {
    expect(chromiumFlags({ ...base, kiosk: true })[1]).toBe('--kiosk');
    expect(chromiumFlags({ ...base, demo: true })).toEqual(
      expect.arrayContaining(['--use-fake-device-for-media-stream=device-count=3', '--use-file-for-fake-audio-capture=/tmp/p/heart.wav']),
    );
    expect(chromiumFlags({ ...base, headless: true }).slice(-3)).toEqual(['--headless=new', '--no-sandbox', '--disable-gpu']);
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
      headless: true,
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
    expect(launched[0]!.args).toContain('--kiosk');
    expect(launched[1]!.args).not.toContain('--kiosk');
    await launcher.stop();
    expect(launched.every((l) => l.child.exitCode === 0)).toBe(true);
    for (const p of profiles) expect(existsSync(p)).toBe(false);
  });
});
