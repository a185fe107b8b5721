import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig, loadKioskConfig, type KioskConfig } from './config.ts';
import { heartbeatWav } from './demo/heart-wav.ts';
import { startKiosk } from './web/host.ts';

/**
 * `npm start`: the Electron kiosk when Electron's binary is there; otherwise browser mode — the web host and
 * Debian's Chromium in kiosk mode (or just the URL). The URL is always printed on a line starting `kiosk: `.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const RENDERER = join(ROOT, 'dist/renderer');
const DOCTOR = join(ROOT, 'dist/doctor');
const DEMO_HUB_PORT = 8440;
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

async function build(what: 'renderer' | 'doctor'): Promise<void> {
  console.log(what === 'renderer' ? 'Building the kiosk screens (first start)…' : "Building the doctor's console (first start)…");
  await new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(ROOT, `src/${what}/vite.config.ts`), '--logLevel', 'error'], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`the ${what} build failed (exit ${code})`))));
  });
}

interface DemoHub {
  url: string;
  keyFile: string;
  child: ChildProcess;
  /** Settles when the hub is listening (or could not start). */
  ready: Promise<void>;
}

/** A port to listen on: `preferred` if it is free now, else one the system picks. */
async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number): Promise<number | undefined> =>
    new Promise((resolveP) => {
      const srv = createServer();
      srv.once('error', () => resolveP(undefined));
      srv.listen(port, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolveP(p));
      });
    });
  return (await tryListen(preferred)) ?? (await tryListen(0))!;
}

/**
 * The demo's embedded hub: the hub's own server (`npm run hub -- serve`) as a child process, with a demo doctor
 * and a demo cabin whose secrets are new at every start. The launcher makes the cabin's key (a private file,
 * never the terminal) and picks the port, so the kiosk starts at the same time as the hub; the hub prints the
 * `doctor: ` and `login: ` lines when it is ready.
 */
async function startDemoHub(dataDir: string): Promise<DemoHub> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const keyFile = join(dataDir, 'demo-cabin.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  const port = await freePort(DEMO_HUB_PORT);
  if (port !== DEMO_HUB_PORT) console.log(`Port ${DEMO_HUB_PORT} is taken: the demo hub listens on ${port}.`);
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/run-ts.mjs'), join(ROOT, 'src/hub/cli.ts'), 'serve', '--port', String(port), '--db', join(dataDir, 'hub-demo.db'), '--console', DOCTOR, '--demo-cabin-key-file', keyFile, '--stop-with-stdin', 'yes'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const errors: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => errors.length < 20 && errors.push(line));
  const ready = new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`the demo hub did not start within 60 s: ${errors.join(' ') || 'no message'}`));
    }, 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('hub: ')) {
        clearTimeout(timer);
        ok();
      } else if (line.startsWith('doctor: ') || line.startsWith('login: ')) console.log(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the demo hub stopped (exit ${code}): ${errors.join(' ') || 'no message'}`));
    });
  });
  // The kiosk runs without the hub if it fails (the call shows "unavailable"); say why once.
  ready.catch((err: Error) => console.error(`cabin: ${err.message}`));
  return { url: `http://127.0.0.1:${port}`, keyFile, child, ready };
}

const stopChild = async (c: ChildProcess | undefined): Promise<void> => {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill();
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-browser': { type: 'boolean' }, config: { type: 'string' } }, strict: true });
  let config = readConfig(values.config);
  // The demo shows the whole chain: an embedded hub with a demo doctor, unless the config names a hub.
  let hub: DemoHub | undefined;
  if (config.demo && !config.hub) {
    if (!existsSync(join(DOCTOR, 'index.html'))) await build('doctor');
    hub = await startDemoHub(resolve(config.dataDir));
    config = { ...config, hub: { url: hub.url, cabinKeyFile: hub.keyFile } };
  }
  const electron = electronBinary();
  const electronMain = join(ROOT, 'dist/electron/main.js');
  if (electron && existsSync(electronMain)) {
    // Electron's children inherit its environment: an inline cabin key goes to a private file instead.
    let forElectron = config;
    if (config.hub?.cabinKey !== undefined) {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const keyFile = join(resolve(config.dataDir), 'cabin.key');
      writeFileSync(keyFile, `${config.hub.cabinKey}\n`, { mode: 0o600 });
      forElectron = { ...config, hub: { url: config.hub.url, cabinKeyFile: keyFile } };
    }
    const child = spawn(electron, [electronMain], { stdio: 'inherit', env: { ...process.env, CABIN_CONFIG_JSON: JSON.stringify(forElectron) } });
    child.on('exit', (code) => void stopChild(hub?.child).then(() => process.exit(code ?? 0)));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => child.kill(sig));
    return;
  }
  console.log(
    electron
      ? 'Electron is installed but the app is not built for it (npm run build:electron): starting browser mode.'
      : 'Electron is not available on this machine (its binary is not installed): starting browser mode.',
  );
  if (!existsSync(join(RENDERER, 'index.html'))) await build('renderer');
  const kiosk = await startKiosk({ config, rendererDir: RENDERER });
  console.log(`kiosk: ${kiosk.url}`);
  const browsers: ChildProcess[] = [];
  const profiles: string[] = [];
  if (!values['no-browser']) {
    const exe = BROWSERS.find((b) => existsSync(b));
    if (!exe) {
      console.log('No Chromium found: open the kiosk URL above in a browser (apt-get install chromium for kiosk mode).');
    } else {
      const headless = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
      const open = (url: string, extra: string[]): void => {
        // A fresh profile each start, removed at exit: nothing of a patient stays in a browser profile.
        const profile = mkdtempSync(join(tmpdir(), 'cabin-kiosk-'));
        profiles.push(profile);
        const media = config.demo
          ? [
              // The demo's devices: two fake cameras (patient, otoscope), fake microphones, a heartbeat as stethoscope.
              '--use-fake-device-for-media-stream=device-count=3',
              `--use-file-for-fake-audio-capture=${join(profile, 'heart.wav')}`,
            ]
          : [];
        if (config.demo) writeFileSync(join(profile, 'heart.wav'), heartbeatWav());
        const b = spawn(
          exe,
          [
            `--app=${url}`,
            ...extra,
            `--user-data-dir=${profile}`,
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
            ...(headless ? ['--headless=new', '--no-sandbox', '--disable-gpu'] : []),
          ],
          { stdio: 'ignore' },
        );
        b.on('error', () => console.log(`Chromium could not start: open ${url} in a browser.`));
        browsers.push(b);
      };
      open(kiosk.url, ['--kiosk']);
      // With a screen, the demo also opens the doctor's side in a second window.
      if (hub && !headless) {
        const h = hub;
        void h.ready.then(() => open(`${h.url}/`, []), () => {});
      }
    }
  }
  const stop = async (): Promise<void> => {
    // Chromium writes to its profile while it shuts down: wait for it before removing the profile.
    await Promise.all(browsers.map(stopChild));
    await kiosk.close();
    await stopChild(hub?.child);
    for (const p of profiles) rmSync(p, { recursive: true, force: true, maxRetries: 3 });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(`cabin: ${err.message}`);
  process.exit(1);
});
