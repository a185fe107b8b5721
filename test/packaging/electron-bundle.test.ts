import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The Electron app is bundled for packaging; the sandboxed preload may require nothing but electron. */
describe('npm run build:electron', () => {
  it('bundles main, preload and device host; the preload requires only electron', () => {
    execFileSync(process.execPath, ['scripts/build-electron.mjs'], { stdio: 'pipe' });
    const preload = readFileSync('dist/electron/preload.cjs', 'utf8');
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(requires)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld');
    const main = readFileSync('dist/electron/main.js', 'utf8');
    expect(main).toMatch(/from ["']electron["']/);
    expect(main).toContain('requestSingleInstanceLock');
    expect(readFileSync('dist/electron/device-host.js', 'utf8')).toContain('CABIN_DEVICES_CONFIG');
  });
});
