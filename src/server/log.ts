import type { Writable } from 'node:stream';
import { pino, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import roll from 'pino-roll';

export type { Logger } from 'pino';

/**
 * One root logger per process (hub, cabin main, device host); every service gets a child of it
 * (`log.child({ component: 'relay' })`). JSON lines to a rotated file in production, readable lines in the demo and the
 * CLI. Secrets and patient data never reach a log line: the paths below are censored wherever they appear.
 */
export interface LogOptions {
  /** The process: `hub`, `cabin`, `device-host`. */
  name: string;
  /** `LOG_LEVEL` of the environment when not given; `info` by default. */
  level?: Level | 'silent';
  /** JSON lines to this file, rotated by size (10 MiB, 5 files kept). */
  file?: string;
  /** Readable lines on stdout (the demo and the CLI); JSON lines otherwise. */
  pretty?: boolean;
  /** Where the lines go when neither `file` nor `pretty` is given (tests); stdout by default. */
  destination?: Writable | DestinationStream;
}

/** Secrets (tokens, keys, passwords, PINs, cookies) and patient fields, at the top level and one level down. */
const SENSITIVE = [
  'token',
  'password',
  'pin',
  'cabinKey',
  'secret',
  'authorization',
  'cookie',
  'notes',
  'patient',
  'value',
  'values',
  'samples',
];
export const REDACT_PATHS = [
  ...SENSITIVE,
  ...SENSITIVE.map((k) => `*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers["set-cookie"]',
];

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function levelOf(o: LogOptions): Level | 'silent' {
  const fromEnv = process.env.LOG_LEVEL;
  return o.level ?? (fromEnv && LEVELS.has(fromEnv) ? (fromEnv as Level) : 'info');
}

function options(o: LogOptions): LoggerOptions {
  return {
    name: o.name,
    level: levelOf(o),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // Errors logged as `{ err }` keep their message, code and stack.
    serializers: { err: pino.stdSerializers.err },
  };
}

/** A root logger for stdout, readable or JSON, or for a given stream. */
export function createLogger(o: LogOptions): Logger {
  if (o.pretty) return pino(options(o), pretty({ colorize: process.stdout.isTTY === true, sync: true, ignore: 'pid,hostname' }));
  return pino(options(o), (o.destination as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }));
}

/** A root logger writing JSON lines to `file`, rotated at 10 MiB with 5 files kept; stdout when no file is given. */
export async function createRootLogger(o: LogOptions): Promise<Logger> {
  if (!o.file) return createLogger(o);
  const stream = await roll({ file: o.file, size: '10m', limit: { count: 5 }, mkdir: true });
  // The file opens asynchronously: a line logged before it is open is kept, but a test or a crash right after must find it.
  if (stream.fd < 0) await new Promise<void>((resolve, reject) => stream.once('ready', () => resolve()).once('error', reject));
  return pino(options(o), stream);
}

/**
 * A root logger usable at once, for a process that cannot wait for the file to open (Electron's main registers its
 * scheme before `ready`): lines wait in memory (at most 10 000) until the rotated file is open; stderr if it cannot be.
 */
export function createRootLoggerNow(o: LogOptions): Logger {
  if (!o.file) return createLogger(o);
  const waiting: string[] = [];
  let target: { write(line: string): unknown } | undefined;
  const open = (stream: { write(line: string): unknown }): void => {
    target = stream;
    for (const line of waiting.splice(0)) stream.write(line);
  };
  const log = pino(options(o), { write: (line: string) => void (target ? target.write(line) : waiting.length < 10_000 && waiting.push(line)) });
  const fail = (err: unknown): void => {
    open(process.stderr);
    log.error({ err }, `the log file ${o.file} cannot be written: logging to stderr`);
  };
  roll({ file: o.file, size: '10m', limit: { count: 5 }, mkdir: true }).then((stream) => {
    if (stream.fd >= 0) return open(stream);
    stream.once('ready', () => open(stream)).once('error', fail);
  }, fail);
  return log;
}

/**
 * Writes out every line logged so far and closes the destination: call it before the process exits. (`log.flush` is
 * not enough: with sonic-boom's defaults it calls back at once, while a file write may still be in flight.)
 */
export function closeLogger(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { end?: () => void; once?: (event: string, fn: () => void) => void; destroyed?: boolean }
    | undefined;
  return new Promise<void>((resolve) => {
    if (!stream?.end || !stream.once || stream.destroyed) return resolve();
    for (const event of ['close', 'finish', 'error']) stream.once(event, () => resolve());
    stream.end();
  });
}

/** A logger that writes nothing (tests, and services built without one). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
