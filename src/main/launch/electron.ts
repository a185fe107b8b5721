import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { KioskConfig } from '../config.ts';

const ROOT = join(import.meta.dirname, '../../..');
const ELECTRON_MAIN = join(ROOT, 'dist/electron/main.js');

/** Electron's binary, when its download happened. */
export function electronBinary(): string | undefined {
  try {
    // The electron package exports the binary's path, and throws when its download never happened.
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** The app is built for Electron (npm run build:electron). */
export const electronAppBuilt = (): boolean => existsSync(ELECTRON_MAIN);

/** Runs the built Electron app with this config (CABIN_CONFIG_JSON); signals to this process reach it. */
export function runElectron(exe: string, config: KioskConfig): ChildProcess {
  // Electron's children inherit its environment: an inline cabin key goes to a private file instead.
  let forElectron = config;
  if (config.hub?.cabinKey !== undefined) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const keyFile = join(resolve(config.dataDir), 'cabin.key');
    writeFileSync(keyFile, `${config.hub.cabinKey}\n`, { mode: 0o600 });
    forElectron = { ...config, hub: { url: config.hub.url, cabinKeyFile: keyFile } };
  }
  const child = spawn(exe, [ELECTRON_MAIN], { stdio: 'inherit', env: { ...process.env, CABIN_CONFIG_JSON: JSON.stringify(forElectron) } });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => child.kill(sig));
  return child;
}
