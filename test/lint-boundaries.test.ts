import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The import column of ARCHITECTURE.md is enforced by lint: these imports must fail. */
const eslint = new ESLint({ cwd: process.cwd() });

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
    ['src/shared/x.ts', "import HID from 'node-hid';\nexport const h = HID;\n"],
    ['src/devices/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/main/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['src/renderer/x.ts', "import { join } from 'path';\nexport const j = join;\n"],
  ])('%s may not import what it must not', async (file, code) => {
    expect(await errorsFor(file, code)).not.toEqual([]);
  });

  it.each([
    ['drivers/x/decoder.ts', "import type { Decoder } from '../../src/shared/driver.ts';\nexport type D = Decoder;\n"],
    ['src/devices/x.ts', "import { SerialPort } from 'serialport';\nexport const p = SerialPort;\n"],
    ['src/main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
  ])('%s may import what its layer allows', async (file, code) => {
    expect(await errorsFor(file, code)).toEqual([]);
  });
});
