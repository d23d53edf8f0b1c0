/** Vitest set-up of a redis-server for a test file (kept apart from redis-server.ts, which benchmarks use too). */
import { afterAll, beforeAll } from 'vitest';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { startRedis, type RedisServer } from './redis-server.js';

/**
 * For a test file: a redis-server of its own and a connection to it, started before the file's
 * tests and removed after them. `connection()` fails with a clear message if start-up failed.
 */
export function useRedis(): { server: () => RedisServer; connection: () => RedisConnection } {
  let server: RedisServer | undefined;
  let conn: RedisConnection | undefined;
  beforeAll(async () => {
    server = await startRedis();
    conn = await connectRedis({ url: server.url });
  }, 300_000);
  afterAll(async () => {
    await conn?.close();
    await server?.dispose();
  });
  return {
    server: () => server ?? fail('redis-server did not start (see the error of beforeAll)'),
    connection: () => conn ?? fail('no connection to redis-server (see the error of beforeAll)'),
  };
}

function fail(message: string): never {
  throw new Error(message);
}
