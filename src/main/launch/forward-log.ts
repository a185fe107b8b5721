import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Level } from 'pino';
import type { Logger } from '../../server/log.ts';

const LEVEL_NAMES: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** pino's own fields of a line: the receiving logger writes its own. */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

export interface ForwardedLine {
  level: Level;
  msg: string;
  fields: Record<string, unknown>;
}

/** A child process's pino JSON line, when it is one at `minLevel` or above (pino's numbers: 40 is warn). */
export function parseLogLine(text: string, minLevel: number): ForwardedLine | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return undefined;
  const { level, msg } = line as { level?: unknown; msg?: unknown };
  const name = typeof level === 'number' ? LEVEL_NAMES[level] : undefined;
  if (!name || (level as number) < minLevel) return undefined;
  const fields = Object.fromEntries(Object.entries(line).filter(([k]) => !OWN_FIELDS.has(k)));
  return { level: name, msg: typeof msg === 'string' ? msg : '', fields };
}

/**
 * Writes a child's JSON log lines at `minLevel` or above (warn by default) to `log`, the child's fields under `child`
 * (its `component` must not hide the receiving logger's); the other lines are read and dropped.
 */
export function forwardLogLines(input: Readable, log: Logger, minLevel = 40): void {
  createInterface({ input }).on('line', (text) => {
    const line = parseLogLine(text, minLevel);
    if (line) log[line.level](Object.keys(line.fields).length > 0 ? { child: line.fields } : {}, line.msg);
  });
}
