import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/server/log.ts';

/** A logger whose JSON lines a test can read back (debug level and up). */
export function captureLogger(name = 'test'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  let rest = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      const parts = (rest + String(chunk)).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ name, level: 'debug', destination: stream }), lines };
}
