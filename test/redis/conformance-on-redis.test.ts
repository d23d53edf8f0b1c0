/**
 * The conformance scenarios of test/conformance/run/ on Redis: the same harness as on the embedded
 * store (test/conformance/harness.ts), the same goldens, with a RedisStore on a redis-server this
 * file starts. Each scenario gets its own key prefix, so none sees another's state.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { defineScenarios, type StoreFactory } from '../conformance/harness.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let server: RedisServer | undefined;
let conn: RedisConnection | undefined;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  conn = await connectRedis({ url: server.url });
}, 60_000);
afterAll(async () => {
  await conn?.close();
  await server?.stop();
});

const redisStore: StoreFactory = Object.assign(
  () => {
    if (!conn) throw new Error('redis-server did not start');
    // Timers are claimed with the default lease: the engine acknowledges each claim in its commit.
    return new RedisStore(conn, { prefix: `conf${n++}` });
  },
  { storeName: 'redis' },
);

describe('simulate conformance (Redis store)', () => {
  defineScenarios(redisStore);
});
