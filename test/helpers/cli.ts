import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { DeviceEventSchema, type DeviceEvent } from '../../src/shared/device-event.ts';

/** The `cabin-devices` command as a user runs it: a child process, its stdout, stderr and exit code. */

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface StartedCli {
  child: ChildProcess;
  /** Settles when the child has exited. */
  done: Promise<CliRun>;
  /** Resolves once `text` has appeared on the child's stderr; rejects if it exits first or `timeoutMs` passes. */
  stderrShows(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** The same on stdout. */
  stdoutShows(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

export interface CliOptions {
  /** What the child reads on stdin (then end of file; none: end of file at once). */
  input?: Buffer | string;
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** The child is killed (SIGKILL) after this long (default 90 s). */
  timeoutMs?: number;
}

/** Every child started and not yet closed, so that a test's afterEach leaks none when it fails half-way. */
const running = new Set<ChildProcess>();

/** Starts the CLI as a child process, without waiting for it. */
export function startCli(args: string[], opts: CliOptions = {}): StartedCli {
  const child = spawn(process.execPath, ['bin/cabin-devices.mjs', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let exited = false;
  const watchers = new Set<() => void>();
  const notify = (): void => watchers.forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    notify();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    notify();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      exited = true;
      notify();
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      exited = true;
      notify();
      resolve({ code, stdout, stderr });
    });
  });
  // A test that fails before awaiting `done` must not turn a spawn error into an unhandled rejection.
  done.catch(() => undefined);
  child.stdin.end(opts.input);
  const shows =
    (which: 'stdout' | 'stderr') =>
    (text: string | RegExp, timeoutMs = 60_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const has = (): boolean => {
          const out = which === 'stdout' ? stdout : stderr;
          return typeof text === 'string' ? out.includes(text) : text.test(out);
        };
        const finish = (err?: Error): void => {
          clearTimeout(giveUp);
          watchers.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = (): void => {
          if (has()) finish();
          else if (exited) finish(new Error(`cabin-devices ${args.join(' ')} exited before printing '${String(text)}'. stderr:\n${stderr}`));
        };
        const giveUp = setTimeout(
          () => finish(new Error(`cabin-devices ${args.join(' ')} did not print '${String(text)}' within ${timeoutMs} ms. stderr:\n${stderr}`)),
          timeoutMs,
        );
        watchers.add(check);
        check();
      });
  return { child, done, stderrShows: shows('stderr'), stdoutShows: shows('stdout') };
}

/** Runs the CLI to its end. */
export const runCli = (args: string[], opts: CliOptions = {}): Promise<CliRun> => startCli(args, opts).done;

/** Kills every child still running and waits for each to close (for afterEach). */
export async function stopClis(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          running.delete(c);
          if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return resolve();
          c.once('close', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** The device events of an output of one event per line (decode's). */
export const eventLines = (stdout: string): DeviceEvent[] =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => DeviceEventSchema.parse(JSON.parse(l)));

/** One clean error line, no stack trace; with `stdoutEmpty`, nothing on stdout. */
export function expectCleanError(r: CliRun, pattern: RegExp, stdoutEmpty = true): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (stdoutEmpty) expect(r.stdout).toBe('');
}
