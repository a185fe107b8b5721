import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium with the flags these machines need, and fake camera and microphone. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      // As the cabin's launcher: the spoken guide greets the patient before any touch.
      '--autoplay-policy=no-user-gesture-required',
      // A caller may ask for more fake devices (`--use-fake-device-for-media-stream=device-count=2`).
      ...(extraArgs.some((a) => a.startsWith('--use-fake-device-for-media-stream')) ? [] : ['--use-fake-device-for-media-stream']),
      ...extraArgs,
    ],
  });
}
