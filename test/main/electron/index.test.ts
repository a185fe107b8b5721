import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetFakeElectron } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

const saved = { json: process.env.CABIN_CONFIG_JSON, file: process.env.CABIN_LOG_FILE };
afterEach(() => {
  for (const [k, v] of [['CABIN_CONFIG_JSON', saved.json], ['CABIN_LOG_FILE', saved.file]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetFakeElectron();
});

describe("Electron's main script", () => {
  it("writes cabin main's log to the cabin config's logFile (a private file), before CABIN_LOG_FILE", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-electron-index-'));
    process.env.CABIN_CONFIG_JSON = JSON.stringify({ demo: true, dataDir: join(dir, 'data'), logFile: join(dir, 'logs', 'cabin.log') });
    process.env.CABIN_LOG_FILE = join(dir, 'env-logs', 'cabin.log');
    resetFakeElectron();
    await import('../../../src/main/electron/index.ts');
    await vi.waitFor(() => expect(readdirSync(join(dir, 'logs'))).toHaveLength(1), { timeout: 5000 });
    expect(readdirSync(dir)).not.toContain('env-logs');
    expect(statSync(join(dir, 'logs')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'logs', readdirSync(join(dir, 'logs'))[0]!)).mode & 0o777).toBe(0o600);
  });
});
