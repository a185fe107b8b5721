import { describe, expect, it } from 'vitest';
import { Backlog } from '../../src/hub/backlog.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('the data work of a node, behind its signaling', () => {
  it('runs at most its limit at once, all of them in the end, each with its own outcome', async () => {
    const backlog = new Backlog(3);
    let running = 0;
    let most = 0;
    const jobs = Array.from({ length: 20 }, (_, i) =>
      backlog.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        if (i === 7) throw new Error('report part refused');
        return i;
      }),
    );
    const out = await Promise.allSettled(jobs);
    expect(most).toBe(3);
    expect(out.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<number>).value)).toEqual([...Array(20).keys()].filter((i) => i !== 7));
    expect((out[7] as PromiseRejectedResult).reason).toEqual(new Error('report part refused'));
    expect(backlog.size).toBe(0);
  });

  it('starts each job on a turn of the event loop of its own: other work (a signal) runs between two jobs', async () => {
    const backlog = new Backlog(8);
    const order: string[] = [];
    const jobs = Array.from({ length: 4 }, (_, i) =>
      backlog.run(() => {
        order.push(`job${i}`);
        return Promise.resolve();
      }),
    );
    // Work that arrives on the next turns (as a socket's input would) is not held until every job has run.
    void turn().then(() => order.push('signal'));
    await Promise.all(jobs);
    expect(order.indexOf('signal')).toBeGreaterThan(-1);
    expect(order.indexOf('signal')).toBeLessThan(order.indexOf('job3'));
  });
});
