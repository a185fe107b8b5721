import { appendFileSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Every throwaway Chromium profile the launcher makes starts with this, in the temporary folder. */
export const PROFILE_PREFIX = 'cabin-kiosk-';
/** The pids of the launcher and of the Chromium that use a profile, one a line. */
const PIDS_FILE = 'cabin-pids';
/** A profile that says nothing of its processes may be one another launcher is making right now. */
const UNKNOWN_GRACE_MS = 60_000;

/** A new profile folder, marked with the launcher's pid. */
export function makeProfile(tmp: string, launcherPid = process.pid): string {
  const dir = mkdtempSync(join(tmp, PROFILE_PREFIX));
  recordPid(dir, launcherPid);
  return dir;
}

/** Adds the pid of a process that uses the profile (the Chromium started on it). */
export function recordPid(profile: string, pid: number): void {
  appendFileSync(join(profile, PIDS_FILE), `${pid}\n`, { mode: 0o600 });
}

/** What the cleaner knows of one profile folder. */
export interface ProfileFacts {
  /** Owned by this account (another user's folders are never touched). */
  ours: boolean;
  /** The pids in its pids file, and Chromium's own `SingletonLock` pid. */
  pids: number[];
  ageMs: number;
}

/** A profile is left over when it is ours and no process that used it still runs. */
export function isStale(f: ProfileFacts, alive: (pid: number) => boolean): boolean {
  if (!f.ours) return false;
  if (f.pids.length === 0) return f.ageMs > UNKNOWN_GRACE_MS;
  return !f.pids.some(alive);
}

/** Whether a process runs (one of another account counts: it exists; a zombie, ended but not yet reaped, does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !zombie(pid);
}

/** Linux: the state letter after the command's closing parenthesis in /proc/PID/stat is Z. */
function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export interface CleanOptions {
  alive?: (pid: number) => boolean;
  now?: number;
  uid?: number;
}

/**
 * Removes the profiles that earlier runs left in `tmp` (a `kill -9`, a crash) once every process that used them has
 * ended. Returns the folders removed.
 */
export function cleanStaleProfiles(tmp: string, o: CleanOptions = {}): string[] {
  const alive = o.alive ?? processAlive;
  const now = o.now ?? Date.now();
  const uid = o.uid ?? process.getuid?.() ?? -1;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(PROFILE_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = join(tmp, name);
    const facts = readFacts(dir, uid, now);
    if (!facts || !isStale(facts, alive)) continue;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir);
    } catch {
      // Not ours to remove after all (or busy): left for the next start.
    }
  }
  return removed;
}

function readFacts(dir: string, uid: number, now: number): ProfileFacts | undefined {
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory()) return undefined;
    return { ours: st.uid === uid, pids: [...pidsFile(dir), ...lockPid(dir)], ageMs: now - st.mtimeMs };
  } catch {
    return undefined;
  }
}

function pidsFile(dir: string): number[] {
  try {
    return readFileSync(join(dir, PIDS_FILE), 'utf8')
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch {
    return [];
  }
}

/** Chromium's `SingletonLock` is a symbolic link to `HOSTNAME-PID`. */
function lockPid(dir: string): number[] {
  try {
    const m = /-(\d+)$/.exec(readlinkSync(join(dir, 'SingletonLock')));
    return m ? [Number(m[1])] : [];
  } catch {
    return [];
  }
}
