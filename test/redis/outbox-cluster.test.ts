/**
 * The outbox forwarder and the webhook consumer on a three-master Redis Cluster, through both
 * clients: shard outboxes, cursors and channel streams live on different slots, and every call
 * touches one slot only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type ClientKind, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { OutboxForwarder } from '../../runtime/redis/outbox-forwarder.js';
import { RedisWebhookSource } from '../../runtime/redis/webhook-stream.js';
import type { EffectRecord } from '../../runtime/store/store.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-server.js';

let cluster: RedisCluster | undefined;
const conns = new Map<ClientKind, RedisConnection>();
let n = 0;

beforeAll(async () => {
  cluster = await startRedisCluster();
  for (const kind of ['ioredis', 'node-redis'] as const) conns.set(kind, await connectRedis({ cluster: cluster.seeds }, { client: kind }));
}, 300_000);

afterAll(async () => {
  for (const c of conns.values()) await c.close();
  await cluster?.dispose();
});

describe.each(['ioredis', 'node-redis'] as const)('outbox streams on a cluster, %s', (kind) => {
  it('forwards every shard to its channel streams and the webhook consumer reads and acknowledges them', async () => {
    const conn = conns.get(kind)!;
    const prefix = `oc${n++}`;
    const store = new RedisStore(conn, { prefix });
    await store.loadScripts();
    const effects: EffectRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const base = { at: 1_700_000_000_000 + i, flow: 'f', version: 'v', customer: `c${i}`, instance: `i${i}`, block: 'b', key: `i${i}/b/0` };
      const e: EffectRecord = i % 2 ? { ...base, action: 'send', channel: i % 4 === 1 ? 'email' : 'sms', template: 't', params: {} } : { ...base, action: 'webhook', method: 'post', url: 'https://crm.example.com/h', body: {} };
      effects.push(e);
      await store.appendEffect(e);
    }
    const listed = await store.listEffects();
    const fw = new OutboxForwarder(store, { batch: 3 });
    let moved = 0;
    for (let s = 0; s < store.shards; s++) for (let k; (k = await fw.forward(s)) > 0; ) moved += k;
    expect(moved).toBe(200);
    expect(await fw.backlog()).toBe(0);
    expect(await store.listEffects()).toEqual(listed);
    const len = async (c: string) => Number(await conn.send(`${prefix}:out:${c}`, ['XLEN', `${prefix}:out:${c}`]));
    expect([await len('email'), await len('sms'), await len('webhook')]).toEqual([50, 50, 100]);

    const source = new RedisWebhookSource(conn, { prefix, consumer: 'w1', count: 1000 });
    const got = await source.poll();
    expect(got.map((e) => e.key).sort()).toEqual(effects.filter((e) => e.action === 'webhook').map((e) => e.key).sort());
    expect(await source.pending()).toBe(100);
    await source.ack(got);
    expect(await source.pending()).toBe(0);
  }, 60_000);
});
