import { describe, expect, it } from 'vitest';
import { BATCH_MAX as SESSION_CHECK_BATCH } from '../../src/hub/batched.ts';
import { SessionChecks } from '../../src/hub/socket-auth.ts';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('session checks of a crowd of upgrades', () => {
  it('one query in flight; every check asked meanwhile goes in the next one, each session once', async () => {
    const queries: string[][] = [];
    const answers: ((m: Map<string, string>) => void)[] = [];
    const checks = new SessionChecks((sids) => {
      queries.push([...sids]);
      return new Promise((r) => answers.push(r));
    });
    const first = checks.holder('s0');
    await turn();
    expect(queries).toEqual([['s0']]);
    // 1,200 sockets of 600 sessions come while the first query is out.
    const crowd = Array.from({ length: 1200 }, (_, i) => checks.holder(`s${1 + (i % 600)}`));
    await turn();
    expect(queries).toHaveLength(1);
    answers[0]!(new Map([['s0', 'doctor:dr.a']]));
    expect(await first).toBe('doctor:dr.a');
    await turn();
    expect(queries).toHaveLength(2);
    expect(queries[1]).toHaveLength(SESSION_CHECK_BATCH);
    answers[1]!(new Map(queries[1]!.map((sid) => [sid, `cabin:${sid}`])));
    await turn();
    await turn();
    expect(queries).toHaveLength(3);
    expect(queries[2]).toHaveLength(600 - SESSION_CHECK_BATCH);
    // An unknown or ended session is null.
    answers[2]!(new Map(queries[2]!.filter((sid) => sid !== 's600').map((sid) => [sid, `cabin:${sid}`])));
    const got = await Promise.all(crowd);
    expect(got[0]).toBe('cabin:s1');
    expect(got[599]).toBeNull(); // s600
    expect(got[1199]).toBeNull();
    expect(got[600]).toBe('cabin:s1');
  });

  it('a failed query fails its own checks only; the next ones are read again', async () => {
    let fail = true;
    const checks = new SessionChecks(async (sids) => {
      if (fail) throw new Error('pool timeout');
      return new Map(sids.map((sid) => [sid, `doctor:${sid}`]));
    });
    await expect(checks.holder('a')).rejects.toThrow('pool timeout');
    fail = false;
    expect(await checks.holder('a')).toBe('doctor:a');
  });
});
