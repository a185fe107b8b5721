import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanStaleProfiles, PROFILE_PREFIX, processAlive } from '../../../src/main/launch/profiles.ts';
import { spawnTethered } from '../../../src/main/launch/tether.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/chromium-parent.ts', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** The pids of the processes in a process group (from /proc: the field after the command's closing parenthesis). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // state ppid pgrp …; a zombie is already gone (its parent has not reaped it yet).
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // ended while listing
    }
  }
  return out;
}

async function until<T>(what: string, f: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const running: ChildProcess[] = [];
/** Process groups to end after a failed test (the browser's, when it outlived its parent). */
const groups: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.pid) groups.push(c.pid);
  for (const g of groups.splice(0)) {
    for (const pid of [g, ...groupMembers(g)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('spawnTethered', () => {
  it('ends the child and what it started when the parent is killed with SIGKILL', async () => {
    // A parent shell that starts a tethered shell with two sleeps, then is killed.
    const tmp = mkdtempSync(join(tmpdir(), 'tether-'));
    dirs.push(tmp);
    const child = spawnTethered('/bin/sh', ['-c', 'sleep 300 & sleep 301']);
    running.push(child);
    const pgid = child.pid!;
    await until('the sleeps', () => (groupMembers(pgid).length >= 4 ? true : undefined));
    // The pipe's far end closes as a killed parent's would.
    child.stdin!.destroy();
    await until('the group to end', () => (groupMembers(pgid).length === 0 ? true : undefined), 8000);
  });

  it('ends the child when the tether itself is stopped, and reports its exit', async () => {
    const child = spawnTethered('/bin/sh', ['-c', 'sleep 300']);
    running.push(child);
    const pgid = child.pid!;
    await until('the sleep', () => (groupMembers(pgid).length >= 3 ? true : undefined));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
    await until('the group to end', () => (groupMembers(pgid).length === 0 ? true : undefined), 8000);
  });

  it('passes the exit code of a child that ends by itself, and leaves nothing behind', async () => {
    const child = spawnTethered('/bin/sh', ['-c', 'sleep 300 & exit 3']);
    running.push(child);
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(3);
    await until('the group to end', () => (groupMembers(child.pid!).length === 0 ? true : undefined), 8000);
  });
});

describe.runIf(existsSync(CHROMIUM))('Chromium started by the launcher', () => {
  it('is gone within seconds of a kill -9 of the process that launched it, and its profile is removed at the next start', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tether-chromium-'));
    dirs.push(tmp);
    // A real parent process: the real launcher, the real browser (headless), then SIGKILL.
    const parent = spawn(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), FIXTURE, tmp], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    running.push(parent);
    const profile = await until('the profile', () => readdirSync(tmp).find((n) => n.startsWith(PROFILE_PREFIX)));
    const dir = join(tmp, profile);
    // Chromium's own pid is in its SingletonLock (HOST-PID) once it runs.
    const browserPid = await until('Chromium to start', () => {
      try {
        return Number(/-(\d+)$/.exec(readlinkSync(join(dir, 'SingletonLock')))?.[1]);
      } catch {
        return undefined;
      }
    });
    expect(processAlive(browserPid)).toBe(true);
    const pids = readFileSync(join(dir, 'cabin-pids'), 'utf8').trim().split('\n').map(Number);
    expect(pids[0]).toBe(parent.pid);
    // Every process of the browser (zygotes, GPU, renderer…) is counted by its process group, whoever its parent is.
    const browserGroup = Number(readFileSync(`/proc/${browserPid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    await until('Chromium helpers', () => (groupMembers(browserGroup).length >= 3 ? true : undefined));
    groups.push(browserGroup);
    expect(browserGroup).not.toBe(parent.pid);

    process.kill(parent.pid!, 'SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    await until('Chromium to be gone', () => (!processAlive(browserPid) && groupMembers(browserGroup).length === 0 ? true : undefined), 8000);

    // The next start removes the profile the killed run left (once init has reaped the tether, a zombie for a moment).
    const removed = await until('the profile to be removed', () => {
      const r = cleanStaleProfiles(tmp);
      return r.length > 0 ? r : undefined;
    }, 5000);
    expect(removed).toEqual([dir]);
    expect(existsSync(dir)).toBe(false);
  }, 40_000);
});
