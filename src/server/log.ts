import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import roll from 'pino-roll';
import { censorFields } from './log-censor.ts';

export type { Logger } from 'pino';

/**
 * One root logger per process (hub, cabin main, device host); every service gets a child of it
 * (`log.child({ component: 'relay' })`). JSON lines to a rotated file in production, readable lines in the demo and the
 * CLI. Secrets and patient data never reach a log line: the keys of ./log-censor.ts are censored at any depth.
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

/** Log files and their folder are private to the process's user: they hold incident details. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

type RolledStream = Awaited<ReturnType<typeof roll>> & { destroyed?: boolean };

async function openRolled(file: string): Promise<RolledStream> {
  // pino-roll's own mkdir would make the folder 755; sonic-boom opens each rotated file with this mode.
  mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  // pino-roll hands its other options to sonic-boom (its typings do not list them).
  const options: Parameters<typeof roll>[0] & { mode: number } = { file, size: '10m', limit: { count: 5 }, mode: FILE_MODE };
  return roll(options);
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function levelOf(o: LogOptions): Level | 'silent' {
  const fromEnv = process.env.LOG_LEVEL;
  return o.level ?? (fromEnv && LEVELS.has(fromEnv) ? (fromEnv as Level) : 'info');
}

function options(o: LogOptions): LoggerOptions {
  return {
    name: o.name,
    level: levelOf(o),
    // pino's `redact` has no recursive wildcard: every line is censored at any depth (bindings: see `rooted`).
    formatters: { log: censorFields, bindings: censorFields },
    // Errors keep their message, code and stack: the censor serializes them (pino's default would then call it an `Object`).
    serializers: { err: (err: unknown) => (err instanceof Error ? pino.stdSerializers.err(err) : err) },
  };
}

/**
 * A root logger whose children's bindings are censored too: pino applies the bindings formatter to the root only, and a
 * child is `Object.create(parent)`, so this `child` is the one every descendant calls.
 */
function rooted(opts: LogOptions, stream: DestinationStream | Writable): Logger {
  const root = pino(options(opts), stream as DestinationStream);
  const child = root.child;
  root.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, censorFields(bindings), childOptions);
  } as Logger['child'];
  return root;
}

/** A root logger for stdout, readable or JSON, or for a given stream. */
export function createLogger(o: LogOptions): Logger {
  if (o.pretty) return rooted(o, pretty({ colorize: process.stdout.isTTY === true, sync: true, ignore: 'pid,hostname' }));
  return rooted(o, (o.destination as DestinationStream | undefined) ?? pino.destination({ fd: 1, sync: false }));
}

/** A root logger writing JSON lines to `file`, rotated at 10 MiB with 5 files kept; stdout when no file is given. */
export async function createRootLogger(o: LogOptions): Promise<Logger> {
  if (!o.file) return createLogger(o);
  const stream = await openRolled(o.file);
  // The file opens asynchronously: a line logged before it is open is kept, but a test or a crash right after must find it.
  if (stream.fd < 0) await new Promise<void>((resolve, reject) => stream.once('ready', () => resolve()).once('error', reject));
  return rooted(o, stream);
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
  let fail = (_err: unknown): void => undefined;
  const rolled = openRolled(o.file).then(
    (stream) =>
      new Promise<RolledStream | undefined>((resolve) => {
        if (stream.fd >= 0) return resolve(stream);
        stream.once('ready', () => resolve(stream)).once('error', (err: unknown) => (fail(err), resolve(undefined)));
      }),
    (err: unknown) => (fail(err), undefined),
  );
  // A Writable, so that closeLogger can end it: ending waits for the rotated file to be written out and closed.
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const line = String(chunk);
      if (target) target.write(line);
      else if (waiting.length < 10_000) waiting.push(line);
      done();
    },
    final(done) {
      void rolled.then((stream) => {
        if (!stream || stream.destroyed) return done();
        stream.once('close', () => done());
        stream.end();
      });
    },
  });
  const log = rooted(o, sink);
  fail = (err) => {
    open(process.stderr);
    log.error({ err }, `the log file ${o.file} cannot be written: logging to stderr`);
  };
  void rolled.then((stream) => stream && open(stream));
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
