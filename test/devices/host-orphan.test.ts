import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Cabin main killed outright (kill -9, a crash, the power button's long press): its device host must not live on,
 * holding the serial ports and the Bluetooth links the next main will want. A parent process stands in for main.
 */

const parents: ChildProcess[] = [];
const hosts: number[] = [];
afterEach(() => {
  for (const p of parents.splice(0)) p.kill('SIGKILL');
  for (const pid of hosts.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const CONFIG = { simulate: [{ driver: 'contec-cms50-v7' }, { driver: 'ble-blood-pressure' }, { driver: 'berrymed-bci' }] };

/** A stand-in for main: forks the device host as fork-host.ts does, says its pid when `when` comes, then waits. */
function parent(when: 'forked' | 'hearing'): ChildProcess {
  const script = `
    import { fork } from 'node:child_process';
    const child = fork('bin/run-ts.mjs', ['src/devices/host-process.ts'], {
      execArgv: [],
      env: { ...process.env, CABIN_DEVICES_CONFIG: ${JSON.stringify(JSON.stringify(CONFIG))} },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    if (${JSON.stringify(when)} === 'forked') console.log(child.pid);
    else child.once('message', () => console.log(child.pid));
    setInterval(() => {}, 1000);
  `;
  const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  parents.push(p);
  return p;
}

const pidOf = (p: ChildProcess): Promise<number> =>
  new Promise((resolve, reject) => {
    p.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    p.once('exit', () => reject(new Error('the parent exited first')));
  });

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe('the device host after its parent is killed', () => {
  it.each(['hearing', 'forked'] as const)('exits on its own (parent killed once the host is %s)', async (when) => {
    const p = parent(when);
    const pid = await pidOf(p);
    hosts.push(pid);
    expect(alive(pid)).toBe(true);
    p.kill('SIGKILL');
    // The host's devices stop and it exits: not left holding the ports until the machine restarts.
    expect(await goneWithin(pid, 15_000), `device host ${pid} still running 15 s after its parent was killed`).toBe(true);
  }, 40_000);
});
