import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_SERIAL_DEVICES, demoConfig, loadKioskConfig, type KioskConfig } from './config.ts';
import { browserPlan, hasDisplay } from './launch/browser-plan.ts';
import { BUILT, buildIfMissing } from './launch/build.ts';
import { ChromiumLauncher, findChromium } from './launch/chromium.ts';
import { startDemoHub, type DemoHub } from './launch/demo-hub.ts';
import { electronAppBuilt, electronBinary, runElectron } from './launch/electron.ts';
import { cabinLogger, launcherLogger } from './launch/logger.ts';
import { cleanStaleProfiles } from './launch/profiles.ts';
import { closeLogger } from '../server/log.ts';
import { startKiosk } from './web/host.ts';

/**
 * `npm start`: the Electron kiosk when Electron's binary is there; otherwise browser mode — the web host and
 * Debian's Chromium in kiosk mode (or just the URL). The demo adds an embedded hub with a demo doctor. This file wires;
 * the launchers are in ./launch. The URLs and the login a person copies are plain stdout lines (`kiosk: `, `doctor: `,
 * `login: `); everything else goes to cabin main's log.
 */
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** The demo doctor's lines, once the embedded hub is up (none if it failed: its own error says why). */
function sayDoctor(hub: DemoHub): void {
  hub.ready.then(({ doctorUrl, login }) => {
    say(`doctor: ${doctorUrl}`);
    say(`login: ${login.username} / ${login.password}`);
  }, () => undefined);
}

function readConfig(file: string | undefined): { config: KioskConfig; demoByDefault: boolean } {
  const path = file ?? process.env.CABIN_CONFIG ?? (existsSync('cabin.json') ? 'cabin.json' : undefined);
  // CABIN_DEMO_DEVICES=serial: the demo with the serial and USB devices instead of the Bluetooth ones.
  const serial = process.env.CABIN_DEMO_DEVICES === 'serial' ? { devices: { simulate: [...DEMO_SERIAL_DEVICES] } } : {};
  return path ? { config: loadKioskConfig(path), demoByDefault: false } : { config: demoConfig(serial), demoByDefault: true };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'no-browser': { type: 'boolean' }, config: { type: 'string' } }, strict: true });
  const read = readConfig(values.config);
  let config = read.config;
  const electron = electronBinary();
  const inElectron = electron !== undefined && electronAppBuilt();
  // With Electron, its main writes cabin main's log file (the config and the environment reach it): here, stdout only.
  const log = inElectron ? launcherLogger() : await cabinLogger(config);
  if (read.demoByDefault) log.info('No cabin config found: demo mode, with simulated devices (assistant PIN 1234).');
  // The demo shows the whole chain: an embedded hub with a demo doctor, unless the config names a hub.
  let hub: DemoHub | undefined;
  if (config.demo && !config.hub) {
    await buildIfMissing('doctor', log);
    hub = await startDemoHub({ dataDir: resolve(config.dataDir), consoleDir: BUILT.doctor, log: log.child({ component: 'demo-hub' }) });
    config = { ...config, hub: { url: hub.url, cabinKeyFile: hub.keyFile } };
  }
  if (inElectron) {
    if (hub) sayDoctor(hub);
    runElectron(electron, config).on('exit', (code) => void (hub?.stop() ?? Promise.resolve()).then(() => closeLogger(log)).then(() => process.exit(code ?? 0)));
    return;
  }
  log.info(
    electron
      ? 'Electron is installed but the app is not built for it (npm run build:electron): starting browser mode.'
      : 'Electron is not available on this machine (its binary is not installed): starting browser mode.',
  );
  await buildIfMissing('renderer', log);
  // Profiles a killed run left behind (their Chromium gone): nothing of a patient stays in a browser profile.
  const removed = cleanStaleProfiles(tmpdir());
  if (removed.length > 0) log.info(`Removed ${removed.length} Chromium profile(s) left by an earlier run.`);
  const plan = browserPlan({ display: hasDisplay(process.env), root: process.getuid?.() === 0, chromium: findChromium(), noBrowser: values['no-browser'] ?? false });
  if (plan.say) say(plan.say);
  const kiosk = await startKiosk({
    config,
    rendererDir: BUILT.renderer,
    log,
    // The address is one-time: once a browser opened it, another one for another browser (this terminal only).
    onNextUrl: (url) => say(`the kiosk address above has been opened; for another browser:\nkiosk: ${url}`),
  });
  say(`kiosk: ${kiosk.url}`);
  // The doctor's lines after the kiosk's, as the README shows them, whether the hub was ready first or last.
  if (hub) sayDoctor(hub);
  const chromium = plan.open ? new ChromiumLauncher({ exe: plan.exe, demo: config.demo, noSandbox: plan.noSandbox, log: log.child({ component: 'chromium' }) }) : undefined;
  chromium?.open(kiosk.url, { kiosk: true });
  // With a screen, the demo also opens the doctor's side in a second window.
  const h = hub;
  if (chromium && h) h.ready.then(() => chromium.open(`${h.url}/`, { kiosk: false }), () => undefined);
  const stop = async (): Promise<void> => {
    await chromium?.stop();
    await kiosk.close();
    await hub?.stop();
    await closeLogger(log);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  // Before (or instead of) a log: the one line a person needs, e.g. what is wrong in the config file.
  process.stderr.write(`cabin: ${err.message}\n`);
  process.exit(1);
});
