import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'run-ts-'));
// ES modules, as the project's own files are (its package.json says so).
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (entry: string) => spawnSync(process.execPath, ['bin/run-ts.mjs', entry, 'arg1'], { cwd: ROOT, encoding: 'utf8' });

describe('bin/run-ts.mjs (a cached bundle of the entry, tsx when it cannot be bundled)', () => {
  it('runs TypeScript with its arguments and its own import.meta, and sees a changed import at the next start', () => {
    writeFileSync(join(dir, 'value.ts'), 'export const value: number = 1;\n');
    writeFileSync(join(dir, 'main.ts'), "import { value } from './value.ts';\nconsole.log(JSON.stringify({ value, dir: import.meta.dirname, argv: process.argv.slice(2) }));\n");
    const first = run(join(dir, 'main.ts'));
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual({ value: 1, dir, argv: ['arg1'] });
    writeFileSync(join(dir, 'value.ts'), 'export const value: number = 22;\n');
    // Same size is not enough to hide a change: the mtime differs too.
    utimesSync(join(dir, 'value.ts'), new Date(), new Date(Date.now() + 5_000));
    expect(JSON.parse(run(join(dir, 'main.ts')).stdout).value).toBe(22);
  });

  it('a file that uses import.meta beyond url, dirname and filename runs through tsx, the same', () => {
    writeFileSync(join(dir, 'resolve.ts'), "console.log(typeof import.meta.resolve === 'function' ? 'resolves' : 'no');\n");
    const r = run(join(dir, 'resolve.ts'));
    expect(r.stdout.trim()).toBe('resolves');
  });

  it('a syntax error is told with its file, and the exit is not 0', () => {
    writeFileSync(join(dir, 'broken.ts'), 'const = ;\n');
    const r = run(join(dir, 'broken.ts'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('broken.ts');
  });
});
