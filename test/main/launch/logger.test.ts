import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KioskConfigSchema } from '../../../src/main/config.ts';
import { cabinLogFile, cabinLogger } from '../../../src/main/launch/logger.ts';
import { closeLogger } from '../../../src/server/log.ts';

/** Every log file in a folder (pino-roll numbers them: cabin.1.log…). */
const textOf = (dir: string): string => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');

describe("cabin main's logger in browser mode", () => {
  it('writes JSON lines to the config logFile, or to CABIN_LOG_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-log-'));
    const fromConfig = join(dir, 'a', 'cabin.log');
    const log = await cabinLogger({ logFile: fromConfig }, {});
    log.info({ cabinKey: 'secret-key' }, 'started');
    await closeLogger(log);
    const text = textOf(join(dir, 'a'));
    expect(JSON.parse(text.trim().split('\n')[0]!)).toMatchObject({ name: 'cabin', msg: 'started' });
    expect(text).not.toContain('secret-key');
    const fromEnv = join(dir, 'b', 'cabin.log');
    const envLog = await cabinLogger({}, { CABIN_LOG_FILE: fromEnv });
    envLog.warn('from env');
    await closeLogger(envLog);
    expect(textOf(join(dir, 'b'))).toContain('from env');
  });

  it('takes logFile in the cabin config (a non-empty path)', () => {
    expect(KioskConfigSchema.parse({ demo: true, logFile: '/var/log/cabin/cabin.log' }).logFile).toBe('/var/log/cabin/cabin.log');
    expect(KioskConfigSchema.safeParse({ demo: true, logFile: '' }).success).toBe(false);
  });

  it("names one log file for browser mode and Electron: the config's logFile, else CABIN_LOG_FILE", () => {
    expect(cabinLogFile({ logFile: '/a/cabin.log' }, { CABIN_LOG_FILE: '/b/cabin.log' })).toBe('/a/cabin.log');
    expect(cabinLogFile({}, { CABIN_LOG_FILE: '/b/cabin.log' })).toBe('/b/cabin.log');
    expect(cabinLogFile({}, {})).toBeUndefined();
  });
});
