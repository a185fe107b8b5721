import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { LimiterFactory } from '../../server/rate-limit.ts';

/**
 * Limiters whose counts all the hub nodes of a region share, in Redis (rate-limiter-flexible's RateLimiterRedis on the
 * node's ioredis link): login lockouts, the delays of a guessed name, wrong cabin keys. While Redis is away each node
 * counts in its own memory meanwhile (the insurance limiter), so the limits hold, per node, rather than fail open or
 * refuse every login.
 */
export function redisLimiters(client: Redis, prefix = 'cabin-hub'): LimiterFactory {
  return (o) => {
    const keyPrefix = `${prefix}:limit:${o.keyPrefix ?? 'default'}`;
    const { keyPrefix: _ignored, ...rest } = o;
    return new RateLimiterRedis({ ...rest, storeClient: client, keyPrefix, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory({ ...rest, keyPrefix }) });
  };
}
