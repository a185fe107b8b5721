import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The import column of ARCHITECTURE.md is enforced by lint: these imports must fail. */
// The hub's type-aware rules (no-floating-promises…) are not what this checks, and building their TypeScript program
// for a text that is no file takes tens of seconds: off here, with the type information they need.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off', '@typescript-eslint/await-thenable': 'off' },
  },
});

async function errorsFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer boundaries', () => {
  it.each([
    ['drivers/x/decoder.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
    ['drivers/x/decoder.ts', "import { SerialPort } from 'serialport';\nexport const p = SerialPort;\n"],
    ['drivers/x/decoder.ts', "import { DeviceManager } from '../../src/devices/manager.ts';\nexport const m = DeviceManager;\n"],
    ['drivers/x/decoder.ts', 'export const t = setTimeout;\n'],
    // Node built-ins in their bare form, and through a dynamic import.
    ['drivers/x/decoder.ts', "import { setTimeout as wait } from 'timers';\nexport const w = wait;\n"],
    ['drivers/x/decoder.ts', "import { Buffer as B } from 'buffer';\nexport const b = B;\n"],
    ['drivers/x/decoder.ts', "import { readFile } from 'fs/promises';\nexport const r = readFile;\n"],
    ['drivers/x/decoder.ts', "export const fs = await import('node:fs');\n"],
    ['drivers/x/decoder.ts', 'export const fs = await import(`fs`);\n'],
    ['drivers/x/decoder.ts', "export type Fs = typeof import('node:fs');\n"],
    ['drivers/x/decoder.ts', "export { readFileSync } from 'node:fs';\n"],
    ['drivers/x/decoder.ts', "import { x } from '../../test/helpers/fake-driver.ts';\nexport const y = x;\n"],
    ['src/shared/x.ts', "import HID from 'node-hid';\nexport const h = HID;\n"],
    // Relative sibling imports reach the same folders as `src/<layer>` ones.
    ['src/shared/x.ts', "import { DeviceManager } from '../devices/manager.ts';\nexport const m = DeviceManager;\n"],
    ['src/shared/x.ts', "export * from '../devices/manager.ts';\n"],
    ['src/shared/x.ts', "export const m = await import('../devices/manager.ts');\n"],
    ['src/shared/x.ts', "import { findDriver } from '../../drivers/index.ts';\nexport const f = findDriver;\n"],
    ['src/shared/x.ts', "import { EventEmitter } from 'events';\nexport const e = EventEmitter;\n"],
    ['src/devices/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/devices/x.ts', "import { start } from '../main/index.ts';\nexport const s = start;\n"],
    ['src/devices/x.ts', "import { start } from '../main';\nexport const s = start;\n"],
    ['src/devices/cli/x.ts', "import { App } from '../../renderer/app.tsx';\nexport const a = App;\n"],
    ['src/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/x.ts', "import { App } from '../renderer/app.tsx';\nexport const a = App;\n"],
    ['src/main/x.ts', "import { findDriver } from '../../drivers/index.ts';\nexport const f = findDriver;\n"],
    ['src/main/electron/x.ts', "import { createDeviceManager } from '../../devices/host.ts';\nexport const c = createDeviceManager;\n"],
    ['src/renderer/x.ts', "import { join } from 'path';\nexport const j = join;\n"],
    ['src/renderer/x.tsx', "import { start } from '../main/index.ts';\nexport const s = start;\n"],
    ['src/doctor/x.ts', "export const fs = await import('node:fs');\n"],
    // The shared Node zone serves main, the device host and the hub, and reaches none of them, nor the browser.
    ['src/server/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/server/x.ts', "import { HubLink } from '../main/hub/link.ts';\nexport const h = HubLink;\n"],
    ['src/server/x.ts', "import { startHub } from '../hub/server.ts';\nexport const s = startHub;\n"],
    ['src/server/x.ts', "import { DeviceManager } from '../devices/manager.ts';\nexport const m = DeviceManager;\n"],
    // The shared browser zone serves kiosk and console: no Node, no app of its own to reach into.
    ['src/browser/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['src/browser/x.ts', "import { WebSocketServer } from 'ws';\nexport const w = WebSocketServer;\n"],
    ['src/browser/x.ts', "import { App } from '../renderer/App.tsx';\nexport const a = App;\n"],
    ['src/browser/x.ts', "import { App } from '../doctor/App.tsx';\nexport const a = App;\n"],
    ['src/browser/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/renderer/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/doctor/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/shared/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/shared/x.ts', "import { Pleth } from '../browser/Pleth.tsx';\nexport const p = Pleth;\n"],
    ['drivers/x/decoder.ts', "import { serveStatic } from '../../src/server/static.ts';\nexport const s = serveStatic;\n"],
  ])('%s may not import what it must not (case %#)', async (file, code) => {
    // Failing for the boundary itself, not for some unrelated lint error.
    const errors = await errorsFor(file, code);
    expect(errors.some((e) => /^(cabin\/boundaries|no-restricted-globals): /.test(e)), errors.join('\n')).toBe(true);
  });

  it.each([
    ['drivers/x/decoder.ts', "import type { Decoder } from '../../src/shared/driver.ts';\nexport type D = Decoder;\n"],
    ['drivers/x/decoder.ts', "import { Emitter } from '../_lib/emitter.ts';\nexport const e = Emitter;\n"],
    ['drivers/x/decoder.ts', "import { frames } from '../_nonin/protocol.ts';\nexport const f = frames;\n"],
    ['drivers/x/decoder.ts', "import { patient } from '../contec-cms50-v7/patient.ts';\nexport const p = patient;\n"],
    ['drivers/x/decoder.ts', "import { z } from 'zod';\nexport const s = z.string();\n"],
    ['drivers/index.ts', "export { default } from './contec-cms50-v7/index.ts';\n"],
    ['src/shared/x.ts', "import { z } from 'zod';\nimport type { Driver } from './driver.ts';\nexport type D = Driver;\nexport const s = z.string();\n"],
    ['src/devices/x.ts', "import { SerialPort } from 'serialport';\nexport const p = SerialPort;\n"],
    ['src/devices/x.ts', "import { readFileSync } from 'node:fs';\nimport { findDriver } from '../../drivers/index.ts';\nimport type { Driver } from '../shared/driver.ts';\nexport type D = Driver;\nexport const f = [readFileSync, findDriver];\n"],
    ['src/devices/x.ts', "export const hid = await import('node-hid');\n"],
    ['src/main/x.ts', "import { join } from 'node:path';\nimport { createDeviceManager } from '../devices/host.ts';\nimport type { Driver } from '../shared/driver.ts';\nexport type D = Driver;\nexport const f = [join, createDeviceManager];\n"],
    ['src/main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/electron/x.ts', "import { dispatch } from '../bridge/dispatch.ts';\nimport type { DeviceEvent } from '../../shared/device-event.ts';\nexport type E = DeviceEvent;\nexport const d = dispatch;\n"],
    ['src/server/x.ts', "import { readFileSync } from 'node:fs';\nimport Database from 'better-sqlite3';\nimport { z } from 'zod';\nimport type { DeviceEvent } from '../shared/device-event.ts';\nexport type E = DeviceEvent;\nexport const f = [readFileSync, Database, z];\n"],
    ['src/devices/x.ts', "import { createLogger } from '../server/log.ts';\nexport const c = createLogger;\n"],
    ['src/main/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/main/electron/x.ts', "import { csp } from '../../server/csp.ts';\nexport const c = csp;\n"],
    ['src/hub/x.ts', "import { serveStatic } from '../server/static.ts';\nexport const s = serveStatic;\n"],
    ['src/browser/x.tsx', "import { z } from 'zod';\nimport { useEffect } from 'react';\nimport type { DeviceEvent } from '../shared/device-event.ts';\nexport type E = DeviceEvent;\nexport const f = [z, useEffect];\n"],
    ['src/renderer/x.tsx', "import { Pleth } from '../browser/Pleth.tsx';\nexport const p = Pleth;\n"],
    ['src/doctor/x.tsx', "import { Pleth } from '../browser/Pleth.tsx';\nexport const p = Pleth;\n"],
    ['src/renderer/x.tsx', "import { z } from 'zod';\nimport type { DeviceEvent } from '../shared/device-event.ts';\nexport type E = DeviceEvent;\nexport const s = z.string();\n"],
    ['test/x.test.ts', "import { app } from 'electron';\nimport { readFileSync } from 'node:fs';\nimport { createDeviceManager } from '../src/devices/host.ts';\nexport const f = [app, readFileSync, createDeviceManager];\n"],
    ['bench/x.ts', "import { app } from 'electron';\nimport { SerialPort } from 'serialport';\nimport { findDriver } from '../drivers/index.ts';\nexport const f = [app, SerialPort, findDriver];\n"],
  ])('%s may import what its layer allows (case %#)', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
