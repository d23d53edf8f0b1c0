/**
 * The thin client interface the Redis store talks through, so that either Node client can be
 * plugged in: ioredis (`ioredisConnection`) or node-redis (`nodeRedisConnection`), each on one
 * Redis or on a Redis Cluster. Replies are RESP2-shaped whatever the client (bulk strings as JS
 * strings, integers as numbers, arrays, null): both clients are set to protocol 2.
 */
import { Redis, Cluster } from 'ioredis';
import { createClient, createCluster } from 'redis';

export type ClientKind = 'ioredis' | 'node-redis';

export interface RedisConnection {
  /** Which client library answers. */
  readonly kind: ClientKind | string;
  /** Whether it talks to a Redis Cluster (commands are routed by key). */
  readonly cluster: boolean;
  /**
   * Sends one command. `key` is a key the command touches (for EVALSHA, its first key): a cluster
   * routes by it; undefined for keyless commands. An error reply rejects with an Error whose
   * message is Redis's (`NOSCRIPT ...`, `WRONGTYPE ...`).
   */
  send(key: string | undefined, args: readonly string[]): Promise<unknown>;
  /** Sends one keyless command to every master (SCRIPT LOAD, SCRIPT FLUSH, FLUSHALL); one reply per master. */
  sendToMasters(args: readonly string[]): Promise<unknown[]>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

/** Where to connect: one Redis by URL, or a cluster by its seed nodes. */
export type RedisTarget = { url: string } | { cluster: Array<{ host: string; port: number }> };

/** Wraps an ioredis client (Redis or Cluster) that the caller made (protocol 2 recommended). */
export function ioredisConnection(client: Redis | Cluster): RedisConnection {
  const isCluster = client instanceof Cluster;
  return {
    kind: 'ioredis',
    cluster: isCluster,
    // ioredis routes a cluster command by its own key extraction (EVALSHA: by numkeys).
    send: (_key, args) => client.call(args[0]!, ...args.slice(1)) as Promise<unknown>,
    sendToMasters: (args) => (isCluster ? Promise.all((client as Cluster).nodes('master').map((n) => n.call(args[0]!, ...args.slice(1)) as Promise<unknown>)) : Promise.all([client.call(args[0]!, ...args.slice(1)) as Promise<unknown>])),
    close: async () => {
      await client.quit();
    },
  };
}

type NodeRedisClient = ReturnType<typeof createClient>;
type NodeRedisCluster = ReturnType<typeof createCluster>;

/** Wraps a connected node-redis client or cluster that the caller made (RESP 2 recommended). */
export function nodeRedisConnection(client: NodeRedisClient | NodeRedisCluster, isCluster: boolean): RedisConnection {
  if (isCluster) {
    const c = client as NodeRedisCluster;
    return {
      kind: 'node-redis',
      cluster: true,
      send: (key, args) => c.sendCommand(key, false, args as string[]),
      sendToMasters: async (args) => Promise.all(c.masters.map(async (m) => (await c.nodeClient(m)).sendCommand(args as string[]))),
      close: async () => {
        await c.close();
      },
    };
  }
  const c = client as NodeRedisClient;
  return {
    kind: 'node-redis',
    cluster: false,
    send: (_key, args) => c.sendCommand(args as string[]),
    sendToMasters: async (args) => [await c.sendCommand(args as string[])],
    close: async () => {
      await c.close();
    },
  };
}

/**
 * A first connection that fails gives up for good: left alone, the client would go on reconnecting
 * in the background, and a process told it cannot connect would never exit. It fails with the
 * connection's own error (ECONNREFUSED, ENOTFOUND...), not the client's "Connection is closed".
 * Connection errors are also reported as 'error' events, which nobody else listens to: commands in
 * flight reject with them.
 */
async function firstConnect(client: { on(event: 'error', listener: (e: Error) => void): unknown }, connecting: Promise<unknown>, drop: () => void): Promise<void> {
  let cause: Error | undefined;
  client.on('error', (e) => {
    cause ??= e;
  });
  try {
    await connecting;
  } catch (e) {
    drop();
    throw cause ?? e;
  }
}

/**
 * Connects with the chosen client (default: ioredis, see docs/redis.md for why) and waits until it
 * is ready. ioredis auto-pipelines on a cluster only: there the store fans commands out to every
 * shard (a claim reads each shard), which one write per tick batches; on one Redis the hot calls
 * are single scripts, which auto-pipelining only delays by a tick (bench/redis-client.bench.ts).
 */
export async function connectRedis(target: RedisTarget, opts: { client?: ClientKind } = {}): Promise<RedisConnection> {
  const kind = opts.client ?? 'ioredis';
  if (kind === 'ioredis') {
    if ('url' in target) {
      const c = new Redis(target.url, { protocol: 2, enableAutoPipelining: false, lazyConnect: true, maxRetriesPerRequest: 3 });
      await firstConnect(c, c.connect(), () => c.disconnect());
      return ioredisConnection(c);
    }
    const c = new Cluster(target.cluster, { enableAutoPipelining: true, lazyConnect: true, redisOptions: { protocol: 2, maxRetriesPerRequest: 3 } });
    await firstConnect(c, c.connect(), () => c.disconnect());
    return ioredisConnection(c);
  }
  // node-redis retries a first connection forever (its promise never settles): fail it instead.
  // Reconnections after it back off exponentially to 2 s (like node-redis' own default, which it
  // does not export, without its jitter).
  let connected = false;
  const socket = { reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(50 * 2 ** retries, 2000) : cause) };
  if ('url' in target) {
    const c = createClient({ url: target.url, RESP: 2, socket });
    await firstConnect(c, c.connect(), () => c.destroy());
    connected = true;
    return nodeRedisConnection(c as unknown as NodeRedisClient, false);
  }
  const c = createCluster({ rootNodes: target.cluster.map((n) => ({ url: `redis://${n.host}:${n.port}` })), RESP: 2, defaults: { socket } });
  await firstConnect(c, c.connect(), () => c.destroy());
  connected = true;
  return nodeRedisConnection(c as unknown as NodeRedisCluster, true);
}
