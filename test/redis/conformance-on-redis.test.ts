/**
 * The conformance scenarios of test/conformance/run/ on Redis: the same harness as on the embedded
 * store (test/conformance/harness.ts), the same goldens, with a RedisStore on a redis-server this
 * file starts. Each scenario gets its own key prefix, so none sees another's state.
 */
import { describe } from 'vitest';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { defineScenarios, type StoreFactory } from '../conformance/harness.js';
import { useRedis } from '../helpers/use-redis.js';

const redis = useRedis();
let n = 0;

const redisStore: StoreFactory = Object.assign(
  // Timers are claimed with the default lease: the engine acknowledges each claim in its commit.
  () => new RedisStore(redis.connection(), { prefix: `conf${n++}` }),
  { storeName: 'redis' },
);

describe('simulate conformance (Redis store)', () => {
  defineScenarios(redisStore);
});
