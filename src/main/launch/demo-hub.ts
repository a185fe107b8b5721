import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../server/log.ts';
import { DemoHubMessageSchema } from '../../shared/demo-hub.ts';
import { forwardLogLines } from './forward-log.ts';
import { freePort } from './free-port.ts';
import { stopChild } from './stop-child.ts';

const ROOT = join(import.meta.dirname, '../../..');
const RUN_TS = join(ROOT, 'bin/run-ts.mjs');
const ENTRY = join(ROOT, 'src/hub/demo-process.ts');
const DEMO_HUB_PORT = 8440;
const START_TIMEOUT_MS = 60_000;

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
}

/**
 * The demo's embedded hub (src/hub/demo-process.ts) as a child process with an IPC channel, with a demo doctor and a
 * demo cabin whose secrets are new at every start. The launcher makes the cabin's key and picks the port, so the kiosk
 * starts at the same time as the hub; the hub says `ready` over the channel once it listens.
 */
export async function startDemoHub(o: DemoHubOptions): Promise<DemoHub> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(o.dataDir, 0o700);
  const keyFile = join(o.dataDir, 'demo-cabin.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  const preferred = o.port ?? DEMO_HUB_PORT;
  const port = await freePort(preferred);
  if (port !== preferred) o.log.info(`Port ${preferred} is taken: the demo hub listens on ${port}.`);
  const args = [ENTRY, '--port', String(port), '--db', join(o.dataDir, 'hub-demo.db'), '--console', o.consoleDir, '--cabin-key-file', keyFile];
  const child = fork(RUN_TS, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // Its JSON log lines (stdout): warnings and errors go to cabin main's log, the rest stays out of the terminal.
  forwardLogLines(child.stdout!, o.log);
  const ready = readiness(child, o.timeoutMs ?? START_TIMEOUT_MS);
  // The kiosk runs without the hub if it fails (the call shows "unavailable"); say why once.
  ready.catch((err: Error) => o.log.error(err.message));
  return { url: `http://127.0.0.1:${port}`, keyFile, ready, stop: () => stopChild(child) };
}

/** Settles with the child's `ready` message, or fails with what it said when it stops first or takes too long. */
function readiness(child: ChildProcess, timeoutMs: number): Promise<DemoHubReady> {
  const said: string[] = [];
  // What it says on stderr explains a failure.
  createInterface({ input: child.stderr! }).on('line', (line) => said.length < 20 && said.push(line));
  const why = (): string => said.join(' ') || 'no message';
  return new Promise<DemoHubReady>((ok, fail) => {
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
        ok({ doctorUrl: m.data.doctorUrl, login: m.data.login });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the demo hub stopped (exit ${code}): ${why()}`));
    });
  });
}
