import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../server/log.ts';
import { heartbeatWav } from '../demo/heart-wav.ts';
import { stopChild } from './stop-child.ts';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

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
  /** No display: headless, without the sandbox or the GPU. */
  headless: boolean;
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
    // The app is the only page it shows: camera and microphone without a prompt, sound without a tap.
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...media,
    ...(w.headless ? ['--headless=new', '--no-sandbox', '--disable-gpu'] : []),
  ];
}

export interface ChromiumLauncherOptions {
  exe: string;
  demo: boolean;
  headless: boolean;
  log: Logger;
  /** Where profiles are made; the system's temporary folder by default. */
  tmp?: string;
  spawn?: (exe: string, args: string[]) => ChildProcess;
}

/**
 * Opens app windows in Chromium, each with a fresh profile removed at stop: nothing of a patient stays in a browser
 * profile.
 */
export class ChromiumLauncher {
  private readonly browsers: ChildProcess[] = [];
  private readonly profiles: string[] = [];

  constructor(private readonly o: ChromiumLauncherOptions) {}

  open(url: string, { kiosk }: { kiosk: boolean }): void {
    const profile = mkdtempSync(join(this.o.tmp ?? tmpdir(), 'cabin-kiosk-'));
    this.profiles.push(profile);
    if (this.o.demo) writeFileSync(join(profile, 'heart.wav'), heartbeatWav());
    const args = chromiumFlags({ url, profile, kiosk, demo: this.o.demo, headless: this.o.headless });
    const b = (this.o.spawn ?? ((exe, a) => spawn(exe, a, { stdio: 'ignore' })))(this.o.exe, args);
    b.on('error', () => this.o.log.warn(`Chromium could not start: open ${url} in a browser.`));
    this.browsers.push(b);
  }

  /** Ends every window, then removes the profiles (Chromium writes to its profile while it shuts down). */
  async stop(): Promise<void> {
    await Promise.all(this.browsers.splice(0).map((b) => stopChild(b)));
    for (const p of this.profiles.splice(0)) rmSync(p, { recursive: true, force: true, maxRetries: 3 });
  }
}
