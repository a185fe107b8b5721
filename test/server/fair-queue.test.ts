import { describe, expect, it } from 'vitest';
import { FairQueue, QueueFull } from '../../src/server/fair-queue.ts';

/** A task that runs until the test ends it; `started` says whether the queue began it. */
function held(log: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  const t = { started: false, end, task: async () => ((t.started = true), log.push(name), await done, name) };
  return t;
}
const tick = () => new Promise((r) => setImmediate(r));

describe('FairQueue', () => {
  it('runs one task per key at a time and at most `slots` across keys', async () => {
    const q = new FairQueue(2, 5);
    const log: string[] = [];
    const a1 = held(log, 'a1');
    const a2 = held(log, 'a2');
    const b1 = held(log, 'b1');
    const c1 = held(log, 'c1');
    const runs = [q.run('a', a1.task), q.run('a', a2.task), q.run('b', b1.task), q.run('c', c1.task)];
    await tick();
    expect(log).toEqual(['a1', 'b1']);
    expect(q.size()).toEqual({ running: 2, waiting: 2 });
    a1.end();
    await tick();
    // a's second task waits for c, which has not been served yet.
    expect(log).toEqual(['a1', 'b1', 'c1']);
    b1.end();
    await tick();
    expect(log).toEqual(['a1', 'b1', 'c1', 'a2']);
    a2.end();
    c1.end();
    expect(await Promise.all(runs)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(q.size()).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a key its next task beyond `waitingPerKey` waiting, and only that key', async () => {
    const q = new FairQueue(1, 2);
    const log: string[] = [];
    const tasks = Array.from({ length: 4 }, (_, i) => held(log, `a${i}`));
    const runs = tasks.map((t) => q.run('a', t.task));
    await expect(runs[3]).rejects.toBeInstanceOf(QueueFull);
    const b = held(log, 'b');
    const bRun = q.run('b', b.task);
    expect(q.size('a')).toEqual({ running: 1, waiting: 2 });
    expect(q.size('b')).toEqual({ running: 0, waiting: 1 });
    for (const t of tasks) t.end();
    b.end();
    await Promise.all([...runs.slice(0, 3), bRun]);
    // b was served after a's first task, before a's two others.
    expect(log).toEqual(['a0', 'b', 'a1', 'a2']);
  });

  it("a key arriving behind a flood from many keys waits for one task of each, not for the whole flood", async () => {
    const q = new FairQueue(4, 2);
    const log: string[] = [];
    const flood = Array.from({ length: 10 }, (_, k) => Array.from({ length: 3 }, (_, j) => held(log, `f${k}-${j}`)));
    const runs = flood.flatMap((ts, k) => ts.map((t) => q.run(`f${k}`, t.task).catch(() => 'refused')));
    const doctor = held(log, 'doctor');
    const doctorRun = q.run('doctor', doctor.task);
    doctor.end();
    for (const ts of flood) for (const t of ts) t.end();
    await Promise.all([...runs, doctorRun]);
    // 4 ran at once; then each of the 6 other keys never served went first, then the doctor: at most 10 before him.
    expect(log.indexOf('doctor')).toBeLessThanOrEqual(10);
    expect(log.indexOf('doctor')).toBeLessThan(log.length / 2);
  });

  it('a task that throws frees its slot', async () => {
    const q = new FairQueue(1, 1);
    await expect(q.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await q.run('a', async () => 'next')).toBe('next');
    expect(q.size()).toEqual({ running: 0, waiting: 0 });
  });
});

describe('FairQueue in two levels (site, then address)', () => {
  const site = (key: string) => key.split('/')[0]!;

  it('many addresses of one site count as one: the doctor waits for one task of that site, not one per address', async () => {
    const q = new FairQueue(4, 2, site);
    const log: string[] = [];
    // One /48 spread over 200 /64s, each with a task running or waiting: 600 tasks.
    const flood = Array.from({ length: 200 }, (_, k) => Array.from({ length: 3 }, (_, j) => held(log, `s/${k}-${j}`)));
    const runs = flood.flatMap((ts, k) => ts.map((t) => q.run(`s/${k}`, t.task).catch(() => 'refused')));
    await tick();
    const doctor = held(log, 'doctor');
    const doctorRun = q.run('home/1', doctor.task);
    doctor.end();
    for (const ts of flood) for (const t of ts) t.end();
    await Promise.all([...runs, doctorRun]);
    // 4 ran at once, then the doctor's site (never served) had the next slot.
    expect(log.indexOf('doctor')).toBe(4);
    expect(q.size()).toEqual({ running: 0, waiting: 0 });
    expect(q.groupCount).toBe(0);
  });

  it('refuses a site beyond `waitingPerGroup` waiting, to that site only', async () => {
    const q = new FairQueue(1, 2, site, 3);
    const log: string[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) => held(log, `s${i}`));
    const runs = tasks.map((t, i) => q.run(`s/${i}`, t.task));
    await expect(runs[4]).rejects.toBeInstanceOf(QueueFull);
    await expect(runs[5]).rejects.toBeInstanceOf(QueueFull);
    const other = held(log, 'other');
    const otherRun = q.run('o/1', other.task);
    expect(q.size('o/1')).toEqual({ running: 0, waiting: 1 });
    for (const t of [...tasks, other]) t.end();
    await Promise.all([...runs.slice(0, 4), otherRun]);
    expect(log).toEqual(['s0', 'other', 's1', 's2', 's3']);
  });

  it('a new address cannot cut in before one already waiting', async () => {
    const q = new FairQueue(1, 2);
    const log: string[] = [];
    const first = held(log, 'first');
    const waiting = held(log, 'waiting');
    const runs = [q.run('a', first.task), q.run('b', waiting.task)];
    const late = held(log, 'late');
    runs.push(q.run('c', late.task));
    for (const t of [first, waiting, late]) t.end();
    await Promise.all(runs);
    expect(log).toEqual(['first', 'waiting', 'late']);
  });
});
