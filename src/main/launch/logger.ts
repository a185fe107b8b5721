import { createLogger, createRootLogger, type Logger } from '../../server/log.ts';
import type { KioskConfig } from '../config.ts';

/** Cabin main's log file: the config's `logFile`, else CABIN_LOG_FILE (browser mode and Electron alike). */
export const cabinLogFile = (config: Pick<KioskConfig, 'logFile'>, env: NodeJS.ProcessEnv = process.env): string | undefined =>
  config.logFile ?? env.CABIN_LOG_FILE;

/** Cabin main's root logger in browser mode: JSON lines to the config's `logFile` (or CABIN_LOG_FILE), readable lines otherwise. */
export async function cabinLogger(config: Pick<KioskConfig, 'logFile'>, env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const file = cabinLogFile(config, env);
  return file ? createRootLogger({ name: 'cabin', file }) : createLogger({ name: 'cabin', pretty: true });
}

/**
 * The launcher's logger when Electron runs cabin main: readable lines on stdout only, since Electron's main writes the
 * log file (two writers would rotate one file).
 */
export const launcherLogger = (): Logger => createLogger({ name: 'cabin', pretty: true });
