import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, existsSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanStaleProfiles, isStale, makeProfile, processAlive, PROFILE_PREFIX, recordPid } from '../../../src/main/launch/profiles.ts';

const uid = process.getuid!();

describe('isStale', () => {
  const alive = (pid: number): boolean => pid === 10;
  it('is a profile of ours whose processes have all ended', () => {
    expect(isStale({ ours: true, pids: [11, 12], ageMs: 0 }, alive)).toBe(true);
    expect(isStale({ ours: true, pids: [11, 10], ageMs: 1e9 }, alive)).toBe(false);
    expect(isStale({ ours: false, pids: [11], ageMs: 1e9 }, alive)).toBe(false);
  });
  it('waits a minute for a profile that names no process (another launcher may be making it)', () => {
    expect(isStale({ ours: true, pids: [], ageMs: 5_000 }, alive)).toBe(false);
    expect(isStale({ ours: true, pids: [], ageMs: 120_000 }, alive)).toBe(true);
  });
});

describe('cleanStaleProfiles', () => {
  it('removes the profiles a killed run left (launcher and Chromium gone), keeps live ones and anything not ours', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-profiles-test-'));
    const now = Date.now();
    const alive = (pid: number): boolean => pid === 500 || pid === 600;
    // kill -9 of npm start: the launcher (100) and its Chromium (101) are gone.
    const killed = makeProfile(tmp, 100);
    recordPid(killed, 101);
    writeFileSync(join(killed, 'heart.wav'), 'x');
    // The launcher died but its Chromium (500) still runs: not yet.
    const orphan = makeProfile(tmp, 102);
    recordPid(orphan, 500);
    // A running start (600) that has not spawned Chromium yet.
    const running = makeProfile(tmp, 600);
    // An older profile, without our pids file: Chromium's SingletonLock names its pid.
    const lockedDead = mkdtempSync(join(tmp, PROFILE_PREFIX));
    symlinkSync('cabin-host-103', join(lockedDead, 'SingletonLock'));
    const lockedLive = mkdtempSync(join(tmp, PROFILE_PREFIX));
    symlinkSync('cabin-host-500', join(lockedLive, 'SingletonLock'));
    // Nothing at all: removed only once old.
    const bareOld = mkdtempSync(join(tmp, PROFILE_PREFIX));
    utimesSync(bareOld, new Date(now - 600_000), new Date(now - 600_000));
    const bareNew = mkdtempSync(join(tmp, PROFILE_PREFIX));
    // Not ours by name.
    const other = join(tmp, 'chromium-profile-1');
    mkdirSync(other);

    const removed = cleanStaleProfiles(tmp, { alive, now, uid });
    expect(removed.sort()).toEqual([killed, lockedDead, bareOld].sort());
    for (const d of [killed, lockedDead, bareOld]) expect(existsSync(d)).toBe(false);
    for (const d of [orphan, running, lockedLive, bareNew, other]) expect(existsSync(d)).toBe(true);
  });

  it('never touches another account’s profiles', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-profiles-test-'));
    const dead = makeProfile(tmp, 100);
    expect(cleanStaleProfiles(tmp, { alive: () => false, uid: uid + 1 })).toEqual([]);
    expect(existsSync(dead)).toBe(true);
  });

  it('finds a real leftover: a profile whose launcher pid no longer exists', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'cabin-profiles-test-'));
    // Pid 2^22 + 1 is above Linux's pid_max: no such process.
    const dead = makeProfile(tmp, 4_194_305);
    const mine = makeProfile(tmp);
    expect(cleanStaleProfiles(tmp)).toEqual([dead]);
    expect(existsSync(mine)).toBe(true);
  });
});

describe('processAlive', () => {
  it('counts a running process, and not a zombie (ended, its parent has not reaped it yet: a killed launcher’s tether)', async () => {
    // `sleep 0` ends at once; its parent became `sleep 5` (exec), which never reaps it: a zombie for 5 s.
    const sh = spawn('/bin/sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const line = await new Promise<string>((r) => sh.stdout.once('data', (d: Buffer) => r(d.toString())));
      const zombiePid = Number(line.trim());
      const state = () => {
        const stat = readFileSync(`/proc/${zombiePid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      };
      for (let i = 0; i < 100 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
      expect(state()).toBe('Z');
      expect(processAlive(zombiePid)).toBe(false);
      expect(processAlive(sh.pid!)).toBe(true);
    } finally {
      sh.kill('SIGKILL');
    }
  });
});
