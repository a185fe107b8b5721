import { startCabin } from '../app.ts';
import { demoConfig, KioskConfigSchema, loadKioskConfig, type KioskConfig } from '../config.ts';
import type { Cabin } from '../cabin.ts';
import { startElectronKiosk } from './main.ts';

/**
 * The Electron app's main script (bundled to dist/electron/main.js): the config comes from `npm start`
 * (CABIN_CONFIG_JSON), a file (CABIN_CONFIG), or the demo; the device host runs as a utility process.
 */
function config(): KioskConfig {
  if (process.env.CABIN_CONFIG_JSON) return KioskConfigSchema.parse(JSON.parse(process.env.CABIN_CONFIG_JSON));
  if (process.env.CABIN_CONFIG) return loadKioskConfig(process.env.CABIN_CONFIG);
  return demoConfig();
}

let cabin: Cabin | undefined;
startElectronKiosk({
  startCabin: async (shell) => {
    const cfg = config();
    cabin = await startCabin(cfg, { launchHost: shell.hostLauncher(cfg.devices) });
    return cabin;
  },
});
