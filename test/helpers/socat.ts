import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The two linked ports (symlinks to /dev/pts/N). */
  a: string;
  b: string;
  stop(): Promise<void>;
}

/** A pair of linked pseudo-terminals made by socat, which the real serialport binding opens. */
export async function ptyPair(dir = mkdtempSync(join(tmpdir(), 'cabin-pty-')), name = 'tty'): Promise<PtyPair> {
  const a = join(dir, `${name}A`);
  const b = join(dir, `${name}B`);
  const proc: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let failed: Error | undefined;
  proc.on('error', (e) => (failed = e));
  const deadline = Date.now() + 5000;
  while (!(existsSync(a) && existsSync(b))) {
    if (failed) throw new Error(`socat could not start (${failed.message}): install it with apt-get install socat`);
    if (Date.now() > deadline) throw new Error('socat did not create its pty pair within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    a,
    b,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
