import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';

/**
 * The Electron binary cannot be downloaded here, so the packaging config is checked against
 * electron-builder's own JSON schema (what `electron-builder` validates before building) and our rules.
 */
const require = createRequire(import.meta.url);
const ROOT = new URL('../../', import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const appBuilderLib = createRequire(require.resolve('app-builder-lib/package.json'));
const { minimatch } = appBuilderLib('minimatch') as { minimatch(path: string, pattern: string, options?: { dot?: boolean }): boolean };

interface Config {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  extraMetadata: { main: string };
  linux: { target: string[] };
  deb: { fpm: string[]; afterInstall: string; depends: string[] };
  win: { target: string[] };
  nsis: { perMachine: boolean; oneClick: boolean };
}
const text = readFileSync(new URL('electron-builder.yml', ROOT), 'utf8');
const config = yaml.load(text) as Config;
const schema = require('app-builder-lib/scheme.json') as object;

/** electron-builder's `files`: a path is packaged when a pattern includes it and no later `!pattern` excludes it. */
function packaged(path: string): boolean {
  let included = false;
  for (const pattern of config.files) {
    if (pattern.startsWith('!')) {
      if (minimatch(path, pattern.slice(1), { dot: true })) included = false;
    } else if (minimatch(path, pattern, { dot: true })) included = true;
  }
  return included;
}

describe('electron-builder.yml', () => {
  it("is valid for electron-builder's schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    const valid = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("is loaded and accepted by electron-builder's own config loader and validator", async () => {
    // Internal modules of the pinned electron-builder: the same steps `electron-builder` runs before a build.
    const { getConfig, validateConfiguration } = appBuilderLib('app-builder-lib/out/util/config/config.js') as {
      getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<object>;
      validateConfiguration(config: object, debug: object): Promise<void>;
    };
    const { DebugLogger } = appBuilderLib('builder-util') as { DebugLogger: new (enabled: boolean) => object };
    const loaded = await getConfig(new URL('.', ROOT).pathname, null, null);
    await expect(validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
    expect(loaded).toMatchObject({ appId: config.appId, electronFuses: config.electronFuses });
  });

  it('rejects what the schema must reject (the check is not vacuous)', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    const validate = ajv.compile(schema);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).toBe(false);
    expect(validate({ ...config, nsis: { ...config.nsis, perMachine: 'yes' } })).toBe(false);
    expect(validate({ ...config, notAnOption: true })).toBe(false);
  });

  it('names the app', () => {
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('Cabin');
  });

  it('sets every Electron fuse explicitly, locked down', () => {
    const fuses = (schema as { definitions: { FuseOptionsV1: { properties: object } } }).definitions.FuseOptionsV1.properties;
    expect(Object.keys(config.electronFuses).sort()).toEqual(Object.keys(fuses).sort());
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('unpacks native modules from the asar and rebuilds them for Electron', () => {
    expect(config.asarUnpack).toContain('**/*.node');
    for (const file of ['node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'node_modules/node-hid/prebuilds/HID-linux-x64/node-napi-v3.node']) {
      expect(config.asarUnpack.some((p) => minimatch(file, p, { dot: true })), file).toBe(true);
    }
    expect(config.npmRebuild).toBe(true);
  });

  it('packages only the built output', () => {
    for (const file of ['dist/renderer/index.html', 'dist/renderer/assets/index-abc.js', 'dist/electron/main.js', 'dist/electron/preload.cjs', 'package.json']) {
      expect(packaged(file), file).toBe(true);
    }
    for (const file of ['src/main/app.ts', 'src/main/electron/main.ts', 'test/main/electron/main.test.ts', 'drivers/index.ts', 'scripts/gen-udev-rules.ts', 'tsconfig.json', 'eslint.config.js', 'vitest.config.ts', '.env', 'cabin.json', '.cabin/cabin.db', 'dist/renderer/assets/index-abc.js.map', 'electron-builder.yml']) {
      expect(packaged(file), file).toBe(false);
    }
    expect(config.extraMetadata.main).toMatch(/^dist\//);
  });

  it('targets deb and AppImage on Linux, a per-machine NSIS installer on Windows', () => {
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.nsis.perMachine).toBe(true);
  });

  it('installs the generated udev rules with the deb', () => {
    const [mapping] = config.deb.fpm;
    expect(mapping).toBe('resources/udev/70-cabin-devices.rules=/usr/lib/udev/rules.d/70-cabin-devices.rules');
    expect(readFileSync(new URL(mapping!.split('=')[0]!, ROOT), 'utf8')).toContain('GROUP="cabin"');
    expect(config.deb.depends).toContain('udev');
  });
});

describe('deb after-install script', () => {
  const ours = readFileSync(new URL(config.deb.afterInstall, ROOT), 'utf8');
  const theirs = readFileSync(appBuilderLib.resolve('app-builder-lib/templates/linux/after-install.tpl'), 'utf8');
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

  it("keeps all of electron-builder's default script (chrome-sandbox, alternatives, AppArmor), in order", () => {
    const mine = lines(ours);
    let at = 0;
    for (const line of lines(theirs)) {
      const found = mine.indexOf(line, at);
      expect(found, `missing or out of order: ${line} (electron-builder's template changed: copy it again)`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });

  it('creates the cabin group and reloads udev', () => {
    expect(ours).toMatch(/groupadd --system cabin/);
    expect(ours).toMatch(/udevadm control --reload-rules/);
  });

  it('uses only the macros electron-builder defines (an unknown ${x} fails the build)', () => {
    const macros = new Set([...ours.matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]));
    expect([...macros].filter((m) => !['executable', 'sanitizedProductName', 'productFilename'].includes(m!))).toEqual([]);
  });
});
