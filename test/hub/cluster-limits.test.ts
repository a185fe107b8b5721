import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLimiters } from '../../src/hub/cluster/redis-limits.ts';
import { LOGIN_POLICY, LoginThrottle } from '../../src/hub/limits.ts';
import { PrivateRedis } from '../helpers/redis.ts';

let redis: PrivateRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  redis = await PrivateRedis.start();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis.close();
});

/** A hub node's throttle on the test's Redis (its own link, as each node has). */
async function node(prefix: string): Promise<LoginThrottle> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100, lazyConnect: true });
  client.on('error', () => {});
  await client.connect();
  clients.push(client);
  return new LoginThrottle(redisLimiters(client, prefix));
}

const wrong = (): Promise<null> => Promise.resolve(null);

describe('login limits shared by the hub nodes of a region (Redis)', () => {
  it('failures counted on one node lock the name and address on every node; another address is not locked', async () => {
    const [a, b] = await Promise.all([node('shared-1'), node('shared-1')]);
    for (let i = 0; i < LOGIN_POLICY.pair.failures; i++) {
      const tried = await (i % 2 === 0 ? a : b).login('dr.x', '198.51.100.7', wrong);
      expect(tried).toEqual({ refused: false, value: null });
    }
    // The guesser moves to the third node through the load balancer: still locked.
    const c = await node('shared-1');
    expect(await c.waitFor('dr.x', '198.51.100.7')).toBeGreaterThan(50);
    expect(await c.login('dr.x', '198.51.100.7', () => Promise.resolve('right'))).toMatchObject({ refused: 'locked' });
    expect(await c.waitFor('dr.x', '203.0.113.5')).toBe(0);
    // Another region's hub on the same Redis (another prefix) counts apart.
    expect(await (await node('other-region')).waitFor('dr.x', '198.51.100.7')).toBe(0);
  });

  it('wrong cabin keys from one address are counted across nodes', async () => {
    const [a, b] = await Promise.all([node('shared-2'), node('shared-2')]);
    for (let i = 0; i < 5; i++) expect((await (i < 3 ? a : b).cabinFailure('192.0.2.9')).locked).toBe(false);
    expect(await a.cabinFailure('192.0.2.9')).toMatchObject({ locked: true });
  });

  it('while Redis is away each node keeps counting in its own memory: limits hold, nothing throws', async () => {
    const a = await node('shared-3');
    await redis.stop();
    try {
      for (let i = 0; i < LOGIN_POLICY.pair.failures; i++) expect(await a.login('dr.y', '198.51.100.8', wrong)).toEqual({ refused: false, value: null });
      expect(await a.login('dr.y', '198.51.100.8', () => Promise.resolve('right'))).toMatchObject({ refused: 'locked' });
    } finally {
      await redis.restart();
    }
  }, 20_000);
});
