import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { closeLogger, createLogger, createRootLogger, createRootLoggerNow } from '../../src/server/log.ts';

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

  it('censors every sensitive key at any depth, in arrays, in an error and in a child\'s bindings', () => {
    const out = capture();
    const log = createLogger({ name: 'cabin', level: 'info', destination: out.stream });
    const cases: Record<string, unknown> = {
      key: 'S-key', // the cabin login body field
      refresh: 'S-refresh',
      jwtSecret: 'S-jwt',
      assistantPinHash: 'S-pinhash',
      readings: [{ value: 'S-readings' }],
      list: [{ code: 'spo2', value: 'S-in-array' }],
      reading: { code: 'x', value: 'S-reading' },
      observation: { code: 'x', unit: 'S-observation' },
      config: { hub: { cabinKey: 'S-depth2' } },
      deep: { a: { b: { c: { d: { token: 'S-depth5' } } } } },
      signal: { type: 'offer', sdp: 'S-sdp', candidate: 'S-candidate' },
      message: { kind: 'signal', data: 'S-data' },
      headers: { Authorization: 'S-authorization', 'set-cookie': 'S-set-cookie' },
    };
    log.child({ token: 'S-binding' }).info(cases, 'all');
    log.error({ err: Object.assign(new Error('boom'), { cause: { token: 'S-cause' } }) }, 'e');
    const text = JSON.stringify(out.lines());
    for (const secret of [...Object.values(cases).flatMap((v) => JSON.stringify(v).match(/S-[a-z0-9-]+/g) ?? []), 'S-binding', 'S-cause'])
      expect(text, secret).not.toContain(secret);
    const [all, e] = out.lines();
    expect(all).toMatchObject({ list: [{ code: 'spo2', value: '[redacted]' }], config: { hub: { cabinKey: '[redacted]' } }, key: '[redacted]' });
    expect(e).toMatchObject({ err: { type: 'Error', message: 'boom', cause: { token: '[redacted]' } } });
    expect(String((e!.err as { stack: string }).stack)).toContain('Error: boom');
  });

  it('survives a cycle and a very deep object without leaking what is below the cut', () => {
    const out = capture();
    const log = createLogger({ name: 'cabin', level: 'info', destination: out.stream });
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    let deep: Record<string, unknown> = { secretish: 'S-below-cut' };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    log.info({ loop, deep }, 'odd shapes');
    const text = JSON.stringify(out.lines());
    expect(text).toContain('[Circular]');
    expect(text).not.toContain('S-below-cut');
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

  it('makes the log folder private (0700) and each log file 0600, with either root logger', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cabin-log-'));
    const modeOf = (path: string): number => statSync(path).mode & 0o777;
    const log = await createRootLogger({ name: 'hub', level: 'info', file: join(dir, 'a', 'b', 'hub.log') });
    log.info('x');
    await closeLogger(log);
    expect(modeOf(join(dir, 'a'))).toBe(0o700);
    expect(modeOf(join(dir, 'a', 'b'))).toBe(0o700);
    for (const f of readdirSync(join(dir, 'a', 'b'))) expect(modeOf(join(dir, 'a', 'b', f))).toBe(0o600);
    const now = createRootLoggerNow({ name: 'cabin', level: 'info', file: join(dir, 'c', 'cabin.log') });
    now.info('y');
    await closeLogger(now);
    expect(modeOf(join(dir, 'c'))).toBe(0o700);
    const files = readdirSync(join(dir, 'c'));
    expect(files.length).toBe(1);
    expect(modeOf(join(dir, 'c', files[0]!))).toBe(0o600);
    // closeLogger wrote the line out before resolving.
    expect(readFileSync(join(dir, 'c', files[0]!), 'utf8')).toContain('"msg":"y"');
  });
});
