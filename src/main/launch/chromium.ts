import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../server/log.ts';
import { heartbeatWav } from '../demo/heart-wav.ts';
import { makeProfile, recordPid } from './profiles.ts';
import { stopChild } from './stop-child.ts';
import { spawnTethered } from './tether.ts';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The throwaway profile's preferences: Chromium's translation offer off. */
const PREFERENCES = { translate: { enabled: false } };

/** Debian's Chromium (or Chrome), if installed. */
export function findChromium(exists: (path: string) => boolean = existsSync): string | undefined {
  return BROWSERS.find((b) => exists(b));
}

export interface ChromiumWindow {
  url: string;
  /** A throwaway profile folder. */
  profile: string;
  /** Kiosk mode: full screen, no way out (the patient's window). */
  kiosk: boolean;
  /** The demo's fake devices: two fake cameras, fake microphones, a heartbeat (`heart.wav` in the profile) as stethoscope. */
  demo: boolean;
  /** Root: Chromium refuses to start with its sandbox (see browser-plan.ts). */
  noSandbox: boolean;
  /** No window at all (tests on a machine without a screen). */
  headless?: boolean;
}

/** Chromium's command line for one app window. */
export function chromiumFlags(w: ChromiumWindow): string[] {
  const media = w.demo ? ['--use-fake-device-for-media-stream=device-count=3', `--use-file-for-fake-audio-capture=${join(w.profile, 'heart.wav')}`] : [];
  return [
    `--app=${w.url}`,
    ...(w.kiosk ? ['--kiosk'] : []),
    `--user-data-dir=${w.profile}`,
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--disable-pinch',
    '--overscroll-history-navigation=0',
    '--no-default-browser-check',
    // No "unsupported command-line flag" infobar (--use-fake-ui-for-media-stream, --no-sandbox) on the doctor's
    // window; the kiosk window (--kiosk) shows none anyway.
    '--test-type',
    // The app is the only page it shows: camera and microphone without a prompt, sound without a tap.
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...media,
    ...(w.noSandbox ? ['--no-sandbox'] : []),
    ...(w.headless ? ['--headless=new'] : []),
  ];
}

export interface ChromiumLauncherOptions {
  exe: string;
  demo: boolean;
  noSandbox: boolean;
  log: Logger;
  /** No window (tests without a screen). */
  headless?: boolean;
  /** Where profiles are made; the system's temporary folder by default. */
  tmp?: string;
  /** Tethered to cabin main by default (./tether.ts): the browser cannot outlive main, even a `kill -9` of main. */
  spawn?: (exe: string, args: string[]) => ChildProcess;
}

/**
 * Opens app windows in Chromium, each with a fresh profile removed at stop: nothing of a patient stays in a browser
 * profile.
 */
export class ChromiumLauncher {
  private readonly browsers: ChildProcess[] = [];
  private readonly profiles: string[] = [];
  private stopping = false;

  constructor(private readonly o: ChromiumLauncherOptions) {}

  open(url: string, { kiosk }: { kiosk: boolean }): void {
    const profile = makeProfile(this.o.tmp ?? tmpdir());
    this.profiles.push(profile);
    if (this.o.demo) writeFileSync(join(profile, 'heart.wav'), heartbeatWav());
    // No "Translate this page?" bubble on a French page in a browser of another language. The profile's preference,
    // since Chromium 156 ignores --disable-features=Translate; the pages also say translate="no".
    mkdirSync(join(profile, 'Default'));
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify(PREFERENCES));
    const args = chromiumFlags({ url, profile, kiosk, demo: this.o.demo, noSandbox: this.o.noSandbox, headless: this.o.headless });
    const b = (this.o.spawn ?? spawnTethered)(this.o.exe, args);
    // Its pid (the tether's, which leads the browser's process group) beside the profile: a later start removes the
    // profile only once this Chromium is gone (Chromium's own pid is in its SingletonLock).
    if (b.pid !== undefined) recordPid(profile, b.pid);
    const what = kiosk ? 'the kiosk address' : url;
    // Chromium's last words explain a start that failed (no X access, no sandbox as root…).
    const said: string[] = [];
    if (b.stderr) createInterface({ input: b.stderr }).on('line', (l) => void (said.push(l) > 3 && said.shift()));
    b.on('error', (err) => this.o.log.warn(`Chromium could not start (${err.message}): open ${what} in a browser.`));
    b.on('exit', (code, signal) => {
      if (this.stopping || code === 0) return;
      this.o.log.warn(`Chromium stopped (${signal ?? `exit ${code}`}${said.length > 0 ? `: ${said.join(' | ')}` : ''}): open ${what} in a browser.`);
    });
    this.browsers.push(b);
  }

  /** Ends every window, then removes the profiles (Chromium writes to its profile while it shuts down). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.browsers.splice(0).map((b) => stopChild(b)));
    for (const p of this.profiles.splice(0)) rmSync(p, { recursive: true, force: true, maxRetries: 3 });
  }
}
