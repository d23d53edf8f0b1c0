/** The Store contract on the Redis store, on one redis-server of our own, through both clients. */
import { afterAll, beforeAll } from 'vitest';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { readForEventContract, storeContract } from './store-contract.js';

let server: RedisServer | undefined;
let ioredis: RedisConnection | undefined;
let nodeRedis: RedisConnection | undefined;
let n = 0;

beforeAll(async () => {
  server = await startRedis();
  ioredis = await connectRedis({ url: server.url }, { client: 'ioredis' });
  nodeRedis = await connectRedis({ url: server.url }, { client: 'node-redis' });
}, 300_000);

afterAll(async () => {
  await ioredis?.close();
  await nodeRedis?.close();
  await server?.dispose();
});

// A fresh prefix per store: each case sees an empty store on the shared server.
storeContract('RedisStore, ioredis', async () => new RedisStore(ioredis!, { prefix: `io${n++}` }));
storeContract('RedisStore, node-redis', async () => new RedisStore(nodeRedis!, { prefix: `nr${n++}` }), { runs: 10 });
readForEventContract('RedisStore, ioredis', async () => new RedisStore(ioredis!, { prefix: `io${n++}` }));
readForEventContract('RedisStore, node-redis', async () => new RedisStore(nodeRedis!, { prefix: `nr${n++}` }));
