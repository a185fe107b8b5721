import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig, loadKioskConfig, type KioskConfig } from './config.ts';
import { startKiosk } from './web/host.ts';

/**
 * `npm start`: the Electron kiosk when Electron's binary is there; otherwise browser mode — the web host and
 * Debian's Chromium in kiosk mode (or just the URL). The URL is always printed on a line starting `kiosk: `.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const RENDERER = join(ROOT, 'dist/renderer');
const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function electronBinary(): string | undefined {
  try {
    // The electron package exports the binary's path, and throws when its download never happened.
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function readConfig(file: string | undefined): KioskConfig {
  const path = file ?? process.env.CABIN_CONFIG ?? (existsSync('cabin.json') ? 'cabin.json' : undefined);
  if (path) return loadKioskConfig(path);
  console.log('No cabin config found: demo mode, with simulated devices (assistant PIN 1234).');
  return demoConfig();
}

async function buildRenderer(): Promise<void> {
  console.log('Building the kiosk screens (first start)…');
  await new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, 'src/renderer/vite.config.ts'), '--logLevel', 'error'], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`the renderer build failed (exit ${code})`))));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-browser': { type: 'boolean' }, config: { type: 'string' } }, strict: true });
  const config = readConfig(values.config);
  const electron = electronBinary();
  const electronMain = join(ROOT, 'dist/electron/main.js');
  if (electron && existsSync(electronMain)) {
    const child = spawn(electron, [electronMain], { stdio: 'inherit', env: { ...process.env, CABIN_CONFIG_JSON: JSON.stringify(config) } });
    child.on('exit', (code) => process.exit(code ?? 0));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => child.kill(sig));
    return;
  }
  console.log(
    electron
      ? 'Electron is installed but the app is not built for it (npm run build:electron): starting browser mode.'
      : 'Electron is not available on this machine (its binary is not installed): starting browser mode.',
  );
  if (!existsSync(join(RENDERER, 'index.html'))) await buildRenderer();
  const kiosk = await startKiosk({ config, rendererDir: RENDERER });
  console.log(`kiosk: ${kiosk.url}`);
  let browser: ChildProcess | undefined;
  let profile: string | undefined;
  if (!values['no-browser']) {
    const exe = BROWSERS.find((b) => existsSync(b));
    if (!exe) {
      console.log('No Chromium found: open the kiosk URL above in a browser (apt-get install chromium for kiosk mode).');
    } else {
      // A fresh profile each start, removed at exit: nothing of a patient stays in a browser profile.
      profile = mkdtempSync(join(tmpdir(), 'cabin-kiosk-'));
      const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
      browser = spawn(
        exe,
        [
          `--app=${kiosk.url}`,
          '--kiosk',
          `--user-data-dir=${profile}`,
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--disable-quic',
          '--disable-pinch',
          '--overscroll-history-navigation=0',
          ...(headless ? ['--headless=new', '--no-sandbox', '--disable-gpu'] : []),
        ],
        { stdio: 'ignore' },
      );
      browser.on('error', () => console.log('Chromium could not start: open the kiosk URL above in a browser.'));
    }
  }
  const stop = async (): Promise<void> => {
    const b = browser;
    if (b && b.exitCode === null && b.signalCode === null) {
      // Chromium writes to its profile while it shuts down: wait for it before removing the profile.
      const exited = new Promise((r) => b.once('exit', r));
      b.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    await kiosk.close();
    if (profile) rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(`cabin: ${err.message}`);
  process.exit(1);
});
