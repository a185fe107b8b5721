import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { closeLogger, createLogger, createRootLogger } from '../../src/server/log.ts';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('structured logs', () => {
  it('writes JSON lines with the process name, the child bindings and the level', () => {
    const out = capture();
    const root = createLogger({ name: 'hub', level: 'info', destination: out.stream });
    root.child({ component: 'relay' }).warn({ consultation: 'c1' }, 'doctor left');
    root.debug('not at info');
    const [line, ...rest] = out.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ name: 'hub', component: 'relay', consultation: 'c1', msg: 'doctor left', level: 40 });
  });

  it('censors secrets and patient fields, at the top level and one level down', () => {
    const out = capture();
    const log = createLogger({ name: 'cabin', level: 'info', destination: out.stream });
    log.info({ token: 'eyJ.secret', cabinKey: 'k', msg2: { password: 'hunter2', notes: 'angina' }, value: 93.25 }, 'x');
    const text = JSON.stringify(out.lines());
    for (const secret of ['eyJ.secret', '"k"', 'hunter2', 'angina', '93.25']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('keeps an error message and code', () => {
    const out = capture();
    const log = createLogger({ name: 'cabin', level: 'info', destination: out.stream });
    log.error({ err: Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }) }, 'store failed');
    expect(out.lines()[0]).toMatchObject({ err: { message: 'database is locked', code: 'SQLITE_BUSY' } });
  });

  it('writes to a rotated file in production', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-log-'));
    const log = await createRootLogger({ name: 'hub', level: 'info', file: join(dir, 'hub.log') });
    log.info({ cabin: 'claree-1' }, 'connected');
    await closeLogger(log);
    const files = readdirSync(dir);
    expect(files.length).toBe(1);
    const line = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8').trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'hub', cabin: 'claree-1', msg: 'connected' });
  });
});
