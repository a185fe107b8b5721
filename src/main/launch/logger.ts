import { createLogger, createRootLogger, type Logger } from '../../server/log.ts';
import type { KioskConfig } from '../config.ts';

/** Cabin main's root logger in browser mode: JSON lines to the config's `logFile` (or CABIN_LOG_FILE), readable lines otherwise. */
export async function cabinLogger(config: Pick<KioskConfig, 'logFile'>, env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const file = config.logFile ?? env.CABIN_LOG_FILE;
  return file ? createRootLogger({ name: 'cabin', file }) : createLogger({ name: 'cabin', pretty: true });
}
