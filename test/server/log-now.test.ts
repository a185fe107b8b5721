import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createRootLoggerNow } from '../../src/server/log.ts';

const textOf = (dir: string): string => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');

describe('createRootLoggerNow', () => {
  it('logs at once; the lines written before the file opened reach it, in order, censored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-log-now-'));
    const log = createRootLoggerNow({ name: 'cabin', level: 'info', file: join(dir, 'logs', 'cabin.log') });
    log.info({ token: 'eyJ.secret' }, 'first');
    log.warn('second');
    await vi.waitFor(() => expect(textOf(join(dir, 'logs'))).toContain('second'), { timeout: 5000 });
    const lines = textOf(join(dir, 'logs')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual(['first', 'second']);
    expect(JSON.stringify(lines)).not.toContain('eyJ.secret');
  });

  it('falls back to stderr when the file cannot be made, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-log-now-'));
    writeFileSync(join(dir, 'not-a-folder'), '');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    try {
      const log = createRootLoggerNow({ name: 'cabin', level: 'info', file: join(dir, 'not-a-folder', 'cabin.log') });
      log.info('kept');
      await vi.waitFor(() => expect(written.join('')).toContain('cannot be written'), { timeout: 5000 });
      expect(written.join('')).toContain('"msg":"kept"');
    } finally {
      spy.mockRestore();
    }
  });
});
