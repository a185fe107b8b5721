import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { forwardLogLines, parseLogLine } from '../../../src/main/launch/forward-log.ts';
import { createLogger } from '../../../src/server/log.ts';
import { Writable } from 'node:stream';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ name: 'cabin', level: 'debug', destination: stream });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const line = (o: Record<string, unknown>): string => JSON.stringify({ time: 1, pid: 7, hostname: 'vm', name: 'hub', ...o });

describe('parseLogLine', () => {
  it.each([
    [line({ level: 60, msg: 'm' }), 'fatal'],
    [line({ level: 50, msg: 'm' }), 'error'],
    [line({ level: 40, msg: 'm' }), 'warn'],
    [line({ level: 30, msg: 'm' }), undefined],
    [line({ level: 20, msg: 'm' }), undefined],
    [line({ level: 45, msg: 'm' }), undefined],
    [line({ level: 'warn', msg: 'm' }), undefined],
    ['not json', undefined],
    ['[40]', undefined],
    ['null', undefined],
  ])('%s → %s', (text, level) => {
    expect(parseLogLine(text, 40)?.level).toBe(level);
  });

  it("keeps the line's own fields and its message, not pino's", () => {
    expect(parseLogLine(line({ level: 40, msg: 'doctor left', component: 'relay', consultation: 'c1' }), 40)).toEqual({
      level: 'warn',
      msg: 'doctor left',
      fields: { component: 'relay', consultation: 'c1' },
    });
  });
});

describe('forwardLogLines', () => {
  it("writes the child's warnings and errors to the given logger, under its own component", async () => {
    const out = capture();
    const input = new PassThrough();
    forwardLogLines(input, out.log.child({ component: 'demo-hub' }));
    input.write(`${line({ level: 30, msg: 'listening' })}\n`);
    input.write('a stray line\n');
    input.write(`${line({ level: 40, msg: 'doctor left', component: 'relay', token: 'eyJ.secret' })}\n`);
    input.write(`${line({ level: 50, msg: 'store failed' })}\n`);
    input.end();
    await vi.waitFor(() => expect(out.lines()).toHaveLength(2));
    expect(out.lines()).toMatchObject([
      { level: 40, component: 'demo-hub', msg: 'doctor left', child: { component: 'relay', token: '[redacted]' } },
      { level: 50, component: 'demo-hub', msg: 'store failed' },
    ]);
    expect(out.lines()[0]!.name).toBe('cabin');
  });
});
