/**
 * The Redis store on a three-master Redis Cluster of our own: the same Store contract, every key of
 * one customer on one slot (so a commit is one script call there), shards spread over every master,
 * and scripts that come back after SCRIPT FLUSH on every master.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { COMMIT } from '../../runtime/redis/scripts.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-server.js';
import { effect, inst, readForEventContract, step, storeContract, tx } from './store-contract.js';

let cluster: RedisCluster | undefined;
let ioredis: RedisConnection | undefined;
let nodeRedis: RedisConnection | undefined;
let n = 0;

beforeAll(async () => {
  cluster = await startRedisCluster();
  ioredis = await connectRedis({ cluster: cluster.seeds }, { client: 'ioredis' });
  nodeRedis = await connectRedis({ cluster: cluster.seeds }, { client: 'node-redis' });
}, 300_000);

afterAll(async () => {
  await ioredis?.close();
  await nodeRedis?.close();
  await cluster?.dispose();
});

storeContract('RedisStore on a 3-master cluster, ioredis', async () => new RedisStore(ioredis!, { prefix: `ci${n++}` }), { runs: 10 });
storeContract('RedisStore on a 3-master cluster, node-redis', async () => new RedisStore(nodeRedis!, { prefix: `cn${n++}` }), { runs: 5 });
readForEventContract('RedisStore on a 3-master cluster, ioredis', async () => new RedisStore(ioredis!, { prefix: `ci${n++}` }));

describe('cluster layout', () => {
  const slot = async (key: string) => (await ioredis!.send(undefined, ['CLUSTER', 'KEYSLOT', key])) as number;

  it('every key a commit touches is on the customer shard slot', async () => {
    const s = new RedisStore(ioredis!, { prefix: `cl${n++}` });
    const sh = s.shardOf('customer {with} braces');
    const tag = s.shardTag(sh);
    const keys = ['i', 'ci:customer {with} braces', 'cf', 't', 'tl', 'tm', 'o', 'l', 'c', 'hi', 'a:f/customer {with} braces/e1', 'own', 'e'].map((k) => `${tag}:${k}`);
    const slots = new Set(await Promise.all(keys.map(slot)));
    expect(slots.size).toBe(1);
    const id = 'f/customer {with} braces/e1';
    await s.commit(tx(inst(id, 'customer {with} braces', { waitingUntil: 7 }), { timers: [{ key: id, due: 7 }], effects: [effect('k', 'customer {with} braces')], activity: [step('a', 1)], profile: { id: 'customer {with} braces' } }));
    expect(await s.getInstance(id)).toMatchObject({ id, waitingUntil: 7 });
    expect(await s.listActivity(id)).toEqual([step('a', 1)]);
  });

  it('sweeps ended instances on every master', async () => {
    const s = new RedisStore(ioredis!, { prefix: `cl${n++}`, endedRetentionMs: 1 });
    const customers = Array.from({ length: 12 }, (_, i) => `sw-${i}`);
    for (const c of customers) await s.commit(tx(inst(`f/${c}/e1`, c, { status: 'completed', reason: 'all_steps_done' }), { activity: [step('a', 1)] }));
    expect(new Set(customers.map((c) => s.shardOf(c))).size).toBeGreaterThan(3);
    await new Promise((r) => setTimeout(r, 10));
    expect(await s.sweepEnded()).toEqual({ swept: 12, more: false });
    expect(await s.listInstances()).toEqual([]);
    expect(await s.listActivity('f/sw-0/e1')).toEqual([]);
  });

  it('the shards spread over every master', async () => {
    const s = new RedisStore(ioredis!, { prefix: 'rn' });
    const slots = await Promise.all(Array.from({ length: s.shards }, (_, i) => slot(`${s.shardTag(i)}:t`)));
    const ranges = (await ioredis!.send(undefined, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number]]>;
    const owner = (sl: number) => ranges.find(([a, b]) => sl >= a && sl <= b)![2][1];
    expect(new Set(slots).size).toBe(s.shards);
    expect(new Set(slots.map(owner)).size).toBe(3);
  });

  it('leases across masters: unacknowledged claims come back after the lease, in due order', async () => {
    const s = new RedisStore(ioredis!, { prefix: `cl${n++}`, leaseMs: 200 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `f/${c}/e`);
    for (const [i, id] of ids.entries()) await s.commit(tx(inst(id, id.split('/')[1]!, { waitingUntil: 6 - i }), { timers: [{ key: id, due: 6 - i }] }));
    const reversed = [...ids].reverse();
    expect((await s.claimDueTimers(10, 3)).map((t) => t.instance)).toEqual(reversed.slice(0, 3));
    const rest = await s.claimDueTimers(10);
    expect(rest.map((t) => t.instance)).toEqual(reversed.slice(3));
    for (const t of rest) await s.removeTimer(t.instance);
    expect(await s.claimDueTimers(10)).toEqual([]);
    await new Promise((r) => setTimeout(r, 250));
    expect(await s.nextTimerDue()).toBe(1);
    expect(await s.claimDueTimers(10)).toEqual(reversed.slice(0, 3).map((id) => ({ instance: id, due: 6 - ids.indexOf(id) })));
  });

  it('scripts come back after SCRIPT FLUSH on every master', async () => {
    const s = new RedisStore(nodeRedis!, { prefix: `cl${n++}` });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => `f/${c}/e`);
    for (const id of ids) await s.commit(tx(inst(id, id.split('/')[1]!, { waitingUntil: 3 }), { timers: [{ key: id, due: 3 }] }));
    await nodeRedis!.sendToMasters(['SCRIPT', 'FLUSH']);
    expect(await nodeRedis!.sendToMasters(['SCRIPT', 'EXISTS', COMMIT.sha])).toEqual([[0], [0], [0]]);
    expect((await s.claimDueTimers(3)).map((t) => t.instance)).toEqual(ids);
    await ioredis!.sendToMasters(['SCRIPT', 'FLUSH']);
    for (const id of ids) await s.commit(tx(inst(id, id.split('/')[1]!, { status: 'completed', reason: 'all_steps_done' }), { timers: [{ key: id, due: null }] }));
    expect(await s.nextTimerDue()).toBeNull();
    expect((await s.listInstances()).map((i) => i.status)).toEqual(ids.map(() => 'completed'));
  });
});
