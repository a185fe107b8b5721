import { join } from 'node:path';
import { app } from 'electron';
import { createRootLoggerNow } from '../../server/log.ts';
import { startCabin } from '../app.ts';
import { demoConfig, KioskConfigSchema, loadKioskConfig, voiceMounts, type KioskConfig } from '../config.ts';
import type { Cabin } from '../cabin.ts';
import { cabinLogFile } from '../launch/logger.ts';
import { startElectronKiosk } from './main.ts';

/**
 * The Electron app's main script (bundled to dist/electron/main.js): the config comes from `npm start`
 * (CABIN_CONFIG_JSON), a file (CABIN_CONFIG), or the demo; the device host runs as a utility process.
 */
function config(): KioskConfig {
  if (process.env.CABIN_CONFIG_JSON) return KioskConfigSchema.parse(JSON.parse(process.env.CABIN_CONFIG_JSON));
  if (process.env.CABIN_CONFIG) return loadKioskConfig(process.env.CABIN_CONFIG);
  // Simulated readings must never reach a real patient: an installed cabin needs its config.
  if (app.isPackaged && !process.argv.includes('--demo')) throw new Error('No cabin config: set CABIN_CONFIG to the cabin config file.');
  return demoConfig();
}

// Read at once, for its `logFile`; a config that cannot be read is shown on the kiosk's error page once it is up.
let loaded: { config: KioskConfig } | { error: unknown };
try {
  loaded = { config: config() };
} catch (error) {
  loaded = { error };
}

// Cabin main's root logger: JSON lines to the config's logFile (or CABIN_LOG_FILE), else in the app's userData/logs
// when installed; readable otherwise. `npm start` leaves the file to this process.
const logFile =
  ('config' in loaded ? cabinLogFile(loaded.config) : process.env.CABIN_LOG_FILE) ??
  (app.isPackaged ? join(app.getPath('userData'), 'logs', 'cabin.log') : undefined);
const log = createRootLoggerNow({ name: 'cabin', ...(logFile ? { file: logFile } : { pretty: true }) });

let cabin: Cabin | undefined;
startElectronKiosk({
  log,
  mounts: 'config' in loaded ? voiceMounts(loaded.config) : [],
  startCabin: async (shell) => {
    if ('error' in loaded) throw loaded.error;
    const cfg = loaded.config;
    cabin = await startCabin(cfg, { launchHost: shell.hostLauncher(cfg.devices), log });
    return cabin;
  },
});
