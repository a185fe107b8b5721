import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../server/log.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { DemoHubMessageSchema } from '../../shared/demo-hub.ts';
import { forwardLogLines } from './forward-log.ts';
import { freePort } from './free-port.ts';
import { stopChild } from './stop-child.ts';

const ROOT = join(import.meta.dirname, '../../..');
const RUN_TS = join(ROOT, 'bin/run-ts.mjs');
const ENTRY = join(ROOT, 'src/hub/demo-process.ts');
const DEMO_HUB_PORT = 8440;
const START_TIMEOUT_MS = 60_000;
/** A hub that stayed up this long is healthy again: its next stop is restarted after the shortest wait. */
const HEALTHY_AFTER_MS = 30_000;

export interface DemoHubReady {
  doctorUrl: string;
  login: { username: string; password: string };
}

export interface DemoHub {
  url: string;
  /** The demo cabin's key, a private file in the data folder (never the terminal). */
  keyFile: string;
  /** The hub listens: the doctor console's URL and the demo doctor's login. Rejects when it could not start. */
  ready: Promise<DemoHubReady>;
  /** The hub process now (none between a crash and its restart): for a test, or a person, to find it. */
  pid(): number | undefined;
  stop(): Promise<void>;
}

export interface DemoHubOptions {
  dataDir: string;
  /** The built doctor console. */
  consoleDir: string;
  /** The launcher's lines and the hub's warnings and errors (a `demo-hub` child of cabin main's logger). */
  log: Logger;
  port?: number;
  timeoutMs?: number;
  /** The wait before the n-th restart in a row (from 0); by default 0.5 s doubling up to 30 s. */
  restartDelayMs?: (n: number) => number;
}

/**
 * The demo's embedded hub (src/hub/demo-process.ts) as a child process with an IPC channel, with a demo doctor and a
 * demo cabin whose secrets are new at every start. The launcher makes the cabin's key and picks the port, so the kiosk
 * starts at the same time as the hub; the hub says `ready` over the channel once it listens.
 *
 * Supervised as the device host is: a hub that stops once it was ready (a crash, a kill) is logged and started again
 * on the same port and database, with a backoff, and without seeding (`--again`): the demo doctor's login printed at
 * the start stays valid, the console and the kiosk reconnect by themselves, and an open consultation resumes. A hub
 * that could not start the first time is not restarted: what stopped it (a damaged database, a port) would again.
 */
export async function startDemoHub(o: DemoHubOptions): Promise<DemoHub> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(o.dataDir, 0o700);
  const keyFile = join(o.dataDir, 'demo-cabin.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  const preferred = o.port ?? DEMO_HUB_PORT;
  const port = await freePort(preferred);
  if (port !== preferred) o.log.info(`Port ${preferred} is taken: the demo hub listens on ${port}.`);
  const timeoutMs = o.timeoutMs ?? START_TIMEOUT_MS;
  const delayOf = o.restartDelayMs ?? ((n: number) => backoffDelay(n, { firstMs: 500, maxMs: 30_000 }));
  const launch = (again: boolean): ChildProcess => {
    const args = [ENTRY, '--port', String(port), '--db', join(o.dataDir, 'hub-demo.db'), '--console', o.consoleDir, '--cabin-key-file', keyFile, ...(again ? ['--again'] : [])];
    const c = fork(RUN_TS, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // Its JSON log lines (stdout): warnings and errors go to cabin main's log, the rest stays out of the terminal.
    forwardLogLines(c.stdout!, o.log);
    return c;
  };

  let child: ChildProcess | undefined = launch(false);
  let stopping = false;
  let restarts = 0;
  let upAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The next try, after the backoff's wait; `failed`: why the last one did not come back (said with the wait). */
  const restartLater = (failed?: string): void => {
    const delay = delayOf(restarts++);
    if (failed) o.log.error(`The demo hub did not come back: ${failed}. Next try in ${delay / 1000} s.`);
    timer = setTimeout(() => {
      if (stopping) return;
      const c = (child = launch(true));
      readiness(c, timeoutMs).then(
        () => {
          o.log.info(`The demo hub is back (restart ${restarts}).`);
          watch(c);
        },
        (err: Error) => {
          if (stopping) return;
          child = undefined;
          restartLater(err.message);
        },
      );
    }, delay);
  };
  /** A ready hub that stops without being asked to: said, and started again. */
  const watch = (c: ChildProcess): void => {
    upAt = Date.now();
    c.once('exit', (code, signal) => {
      if (stopping || c !== child) return;
      child = undefined;
      o.log.error(`The demo hub stopped (${signal ?? `exit ${code}`}): the doctor console and the calls wait for it; restarting it.`);
      if (Date.now() - upAt > HEALTHY_AFTER_MS) restarts = 0;
      restartLater();
    });
  };

  const first = child;
  const ready = readiness(first, timeoutMs).then(({ doctorUrl, login }) => {
    if (!login) throw new Error('the demo hub started without the demo doctor’s login');
    watch(first);
    return { doctorUrl, login };
  });
  // The kiosk runs without the hub if it fails (the call shows "unavailable"); say why once.
  ready.catch((err: Error) => o.log.error(err.message));
  return {
    url: `http://127.0.0.1:${port}`,
    keyFile,
    ready,
    pid: () => child?.pid,
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await stopChild(child);
      child = undefined;
    },
  };
}

/**
 * Settles with the child's `ready` message (the login only at a first start), or fails with what it said when it stops
 * first or takes too long.
 */
function readiness(child: ChildProcess, timeoutMs: number): Promise<{ doctorUrl: string; login?: DemoHubReady['login'] }> {
  const said: string[] = [];
  // What it says on stderr explains a failure.
  createInterface({ input: child.stderr! }).on('line', (line) => said.length < 20 && said.push(line));
  const why = (): string => said.join(' ') || 'no message';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`the demo hub did not start within ${timeoutMs / 1000} s: ${why()}`));
    }, timeoutMs);
    child.on('message', (raw) => {
      const m = DemoHubMessageSchema.safeParse(raw);
      if (!m.success) return;
      if (m.data.type === 'failed') said.unshift(m.data.message);
      else {
        clearTimeout(timer);
        ok({ doctorUrl: m.data.doctorUrl, ...(m.data.login ? { login: m.data.login } : {}) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the demo hub stopped (exit ${code}): ${why()}`));
    });
  });
}
