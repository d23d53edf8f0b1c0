/** The Store contract on the Redis store, on one redis-server of our own, through both clients. */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { LAYOUT_VERSION, LayoutError, RedisStore } from '../../runtime/redis/redis-store.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { allRecent, inst, readForEventContract, step, storeContract, tx } from './store-contract.js';
import { UPGRADE_SEGMENTS } from '../../runtime/redis/scripts.js';

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

it('readForInstance finds an instance a store has not seen (every shard asked once), and one that has gone', async () => {
  const prefix = `fresh${n++}`;
  const writer = new RedisStore(ioredis!, { prefix });
  await writer.putCustomer({ id: 'c7', email: 'c7@example.com' });
  await writer.commit(tx(inst('f/c7/e1', 'c7', { flow: 'f' }), { launch: { flow: 'f', record: { launches: 1, lastStepAt: 9 } } }));
  const reader = new RedisStore(ioredis!, { prefix });
  expect(await reader.readForInstance('f/c7/e1')).toEqual({ instance: await writer.getInstance('f/c7/e1'), profile: { id: 'c7', email: 'c7@example.com' }, launch: { launches: 1, lastStepAt: 9 } });
  // Gone behind the reader's back (its cached shard no longer holds it): undefined, not an error.
  const shard = writer.shardOf('c7');
  await ioredis!.send(`{${prefix}:${shard}}:i`, ['HDEL', `{${prefix}:${shard}}:i`, 'f/c7/e1']);
  expect(await reader.readForInstance('f/c7/e1')).toBeUndefined();
});

it('sweeps ended instances with their activity once their retention is over, and nothing else', async () => {
  const prefix = `sweep${n++}`;
  const s = new RedisStore(ioredis!, { prefix, endedRetentionMs: 300 });
  const step = { block: 'b', kind: 'steps', at: 5, version: 'v' };
  const ended = (id: string, customer: string) => tx(inst(id, customer, { status: 'completed', reason: 'all_steps_done' }), { activity: [step] });
  // c1: two ended, one in progress between them; c2: one ended; c3: ended with a retention not over yet (another store, kept a day).
  await s.commit(ended('f/c1/e1', 'c1'));
  await s.commit(tx(inst('f/c1/e2', 'c1'), { activity: [step] }));
  await s.commit(ended('f/c1/e3', 'c1'));
  await s.commit(ended('f/c2/e1', 'c2'));
  await new RedisStore(ioredis!, { prefix, endedRetentionMs: 86_400_000 }).commit(ended('f/c3/e1', 'c3'));
  // Not due yet: nothing goes.
  expect(await s.sweepEnded()).toEqual({ swept: 0, more: false });
  await new Promise((r) => setTimeout(r, 350));
  expect(await s.sweepEnded()).toEqual({ swept: 3, more: false });
  expect((await s.listInstances()).map((i) => i.id).sort()).toEqual(['f/c1/e2', 'f/c3/e1']);
  expect((await s.instancesOfCustomer('c1')).map((i) => i.id)).toEqual(['f/c1/e2']);
  expect(await s.instancesOfCustomer('c2')).toEqual([]);
  expect(await s.getInstance('f/c1/e1')).toBeUndefined();
  expect(await s.listActivity('f/c1/e1')).toEqual([]);
  expect(await s.listActivity('f/c1/e2')).toEqual([step]);
  expect((await s.inFlightOfCustomer('c1')).map((i) => i.id)).toEqual(['f/c1/e2']);
  const c2 = s.shardOf('c2');
  expect(await ioredis!.send(`{${prefix}:${c2}}:ci:c2`, ['EXISTS', `{${prefix}:${c2}}:ci:c2`])).toBe(0);
  // The customer's next journey is indexed as usual after a sweep.
  await s.commit(tx(inst('f/c1/e4', 'c1')));
  expect((await s.instancesOfCustomer('c1')).map((i) => i.id)).toEqual(['f/c1/e2', 'f/c1/e4']);
  expect(await s.sweepEnded()).toEqual({ swept: 0, more: false });
});

it('sweeps a backlog of ended instances in bounded calls, saying when more are due', async () => {
  const prefix = `sweepmore${n++}`;
  const s = new RedisStore(ioredis!, { prefix, endedRetentionMs: 1, shards: 1 });
  for (let i = 0; i < 7; i++) await s.commit(tx(inst(`f/c1/e${i}`, 'c1', { status: 'stopped', reason: 'flow_stopped' })));
  await new Promise((r) => setTimeout(r, 20));
  expect(await s.sweepEnded(undefined, 3)).toEqual({ swept: 3, more: true });
  expect(await s.sweepEnded(undefined, 3)).toEqual({ swept: 3, more: true });
  expect(await s.sweepEnded(undefined, 3)).toEqual({ swept: 1, more: false });
  expect(await s.listInstances()).toEqual([]);
});

it('keeps ended instances for ever with endedRetentionMs 0, and refuses a retention that is not a whole number of ms', async () => {
  const prefix = `sweepnever${n++}`;
  const s = new RedisStore(ioredis!, { prefix, endedRetentionMs: 0, shards: 1 });
  await s.commit(tx(inst('f/c1/e1', 'c1', { status: 'completed', reason: 'all_steps_done' })));
  expect(await ioredis!.send(`{${prefix}:0}:e`, ['EXISTS', `{${prefix}:0}:e`])).toBe(0);
  expect(await s.sweepEnded()).toEqual({ swept: 0, more: false });
  expect((await s.listInstances()).length).toBe(1);
  expect(() => new RedisStore(ioredis!, { endedRetentionMs: -1 })).toThrow(/endedRetentionMs must be a whole number/);
  expect(() => new RedisStore(ioredis!, { endedRetentionMs: 1.5 })).toThrow(/endedRetentionMs must be a whole number/);
});

it('keeps the activity of a journey in progress; once it ended, for activityTtlMs', async () => {
  const prefix = `actttl${n++}`;
  const s = new RedisStore(ioredis!, { prefix, activityTtlMs: 60_000, shards: 1 });
  const key = `{${prefix}:0}:a:f/c1/e1`;
  await s.commit(tx(inst('f/c1/e1', 'c1', { reason: 'waiting', waitingUntil: 9 }), { activity: [step('w', 1)] }));
  expect(await ioredis!.send(key, ['PTTL', key])).toBe(-1);
  await s.commit(tx(inst('f/c1/e1', 'c1', { status: 'completed', reason: 'all_steps_done' })));
  const ttl = Number(await ioredis!.send(key, ['PTTL', key]));
  expect(ttl).toBeGreaterThan(50_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
});

it('keeps each flow’s counters with its commits and refusals, as its records add up', async () => {
  const s = new RedisStore(ioredis!, { prefix: `stats${n++}` });
  // A block id long enough that its step line is longer than the tail the commit reads of the activity.
  const long = `b${'x'.repeat(600)}`;
  // And one no engine makes, which only a JSON decode reads.
  const odd = 'wé "q"';
  const run = async (id: string, customer: string) => {
    await s.commit(tx(inst(id, customer), { activity: [step('a', 1), step(long, 2)] }));
    await s.commit(tx(inst(id, customer, { reason: 'waiting', waitingUntil: 9 }), { activity: [step(odd, 3)] }));
    await s.commit(tx(inst(id, customer, { status: 'completed', reason: 'all_steps_done' })));
  };
  await run('f/c1/e1', 'c1');
  await run('f/c2/e1', 'c2');
  await s.commit(tx(inst('f/c3/e1', 'c3', { reason: 'waiting', waitingUntil: 9 }), { activity: [step('a', 1)] }));
  await s.commit(tx(inst('g/c1/e1', 'c1', { flow: 'g', status: 'stopped', reason: 'relevance_expired' }), { activity: [step('a', 1)] }));
  await s.appendNotEntered({ flow: 'f', customer: 'c4', event: 'e9', at: 5, reason: 'launch_limit' });
  await s.appendNotEntered({ flow: null, customer: null, event: null, at: 5, reason: 'invalid_event' });
  expect(await s.flowStats('f')).toEqual({
    entered: 3,
    statuses: { 'completed/all_steps_done': 2, 'in_progress/waiting': 1 },
    blocks: { a: { entered: 3, passed: 2 }, [long]: { entered: 2, passed: 2 }, [odd]: { entered: 2, passed: 2 } },
    didNotEnter: { launch_limit: 1 },
  });
  expect(await s.flowStats('g')).toEqual({ entered: 1, statuses: { 'stopped/relevance_expired': 1 }, blocks: { a: { entered: 1, passed: 0 } }, didNotEnter: {} });
  expect(await s.flowStats('none')).toEqual({ entered: 0, statuses: {}, blocks: {}, didNotEnter: {} });
  // A commit sent again (its reply lost) counts nothing twice.
  await s.commit(tx(inst('f/c3/e1', 'c3', { reason: 'waiting', waitingUntil: 9 }), { activity: [step('a', 1)] }));
  expect((await s.flowStats('f')).entered).toBe(3);
});

it('counts journeys whose stored record Redis cannot read itself (a lone surrogate, deep nesting) as the others', async () => {
  const s = new RedisStore(ioredis!, { prefix: `unread${n++}`, endedRetentionMs: 1 });
  let deep: Record<string, unknown> = {};
  for (let d = 0; d < 1200; d++) deep = { d: deep };
  const odd = [{ order: { id: 'x\ud800' } }, { order: deep }];
  for (const [k, contexts] of odd.entries()) {
    const id = `f/c${k}/e1`;
    await s.commit(tx(inst(id, `c${k}`, { contexts }), { activity: [step('a', 1)] }));
    await s.commit(tx(inst(id, `c${k}`, { contexts, reason: 'waiting', waitingUntil: 9 }), { activity: [step('w', 2)] }));
    await s.commit(tx(inst(id, `c${k}`, { contexts, status: 'completed', reason: 'all_steps_done' }), { activity: [step('b', 3)] }));
    expect((await s.getInstance(id))?.contexts).toEqual(contexts);
  }
  expect(await s.flowStats('f')).toEqual({
    entered: 2,
    statuses: { 'completed/all_steps_done': 2 },
    blocks: { a: { entered: 2, passed: 2 }, b: { entered: 2, passed: 2 }, w: { entered: 2, passed: 2 } },
    didNotEnter: {},
  });
  // Swept as the others.
  await new Promise((r) => setTimeout(r, 10));
  expect(await s.sweepEnded()).toEqual({ swept: 2, more: false });
});

it('takes an ended journey in progress again out of the sweep, its activity out of expiry, and counts it back in progress', async () => {
  const prefix = `revive${n++}`;
  const s = new RedisStore(ioredis!, { prefix, endedRetentionMs: 1, activityTtlMs: 60_000, shards: 1 });
  await s.commit(tx(inst('f/c1/e1', 'c1', { status: 'stopped', reason: 'flow_stopped' }), { activity: [step('a', 1)] }));
  await s.commit(tx(inst('f/c1/e1', 'c1', { reason: 'waiting', waitingUntil: 9 })));
  await new Promise((r) => setTimeout(r, 10));
  expect(await s.sweepEnded()).toEqual({ swept: 0, more: false });
  expect((await s.getInstance('f/c1/e1'))?.status).toBe('in_progress');
  expect(await ioredis!.send(`{${prefix}:0}:a:f/c1/e1`, ['PTTL', `{${prefix}:0}:a:f/c1/e1`])).toBe(-1);
  expect((await s.flowStats('f')).statuses).toEqual({ 'in_progress/waiting': 1 });
});

it('sweeps past an instance this build cannot read: it stays, due again later for a build that can', async () => {
  const prefix = `sweepbadrec${n++}`;
  const s = new RedisStore(ioredis!, { prefix, endedRetentionMs: 1, shards: 1 });
  await s.commit(tx(inst('f/c1/e1', 'c1', { status: 'completed', reason: 'all_steps_done' })));
  await s.commit(tx(inst('f/c2/e1', 'c2', { status: 'completed', reason: 'all_steps_done' })));
  await ioredis!.send(`{${prefix}:0}:i`, ['HSET', `{${prefix}:0}:i`, 'f/c1/e1', `${'0'.repeat(16)}[99]`]);
  await new Promise((r) => setTimeout(r, 10));
  expect(await s.sweepEnded()).toEqual({ swept: 1, more: false });
  expect(await ioredis!.send(`{${prefix}:0}:i`, ['HKEYS', `{${prefix}:0}:i`])).toEqual(['f/c1/e1']);
  // Due again after the retention (1 ms here): the next sweep passes over it again, and goes on.
  expect(await ioredis!.send(`{${prefix}:0}:e`, ['ZRANGE', `{${prefix}:0}:e`, '0', '-1'])).toEqual(['f/c1/e1']);
  await s.commit(tx(inst('f/c3/e1', 'c3', { status: 'completed', reason: 'all_steps_done' })));
  await new Promise((r) => setTimeout(r, 10));
  expect(await s.sweepEnded()).toEqual({ swept: 1, more: false });
  expect(await ioredis!.send(`{${prefix}:0}:i`, ['HKEYS', `{${prefix}:0}:i`])).toEqual(['f/c1/e1']);
});

it('limit admissions expire: a period set once its keep time is over, a window after its last admission', async () => {
  const prefix = `ttl${n++}`;
  const s = new RedisStore(ioredis!, { prefix });
  expect(await s.admitInPeriod('limit:f:cap:2026-06-01', 'cap\u0000j1', 5, 40 * 86_400_000)).toBe(true);
  const periodTtl = Number(await ioredis!.send(`${prefix}:a:limit:f:cap:2026-06-01`, ['PTTL', `${prefix}:a:limit:f:cap:2026-06-01`]));
  expect(periodTtl).toBeGreaterThan(39 * 86_400_000);
  expect(periodTtl).toBeLessThanOrEqual(40 * 86_400_000);
  expect(await s.admitInWindow('limit:f:w', 'w\u0000j1', 1000, 3_600_000, 5, 2 * 3_600_000)).toBe(true);
  const windowTtl = Number(await ioredis!.send(`${prefix}:w:limit:f:w`, ['PTTL', `${prefix}:w:limit:f:w`]));
  expect(windowTtl).toBeGreaterThan(3_600_000);
  expect(windowTtl).toBeLessThanOrEqual(2 * 3_600_000);
});

it('marks the data with its key layout and shard count on connect, and refuses data of another layout or shard count', async () => {
  const prefix = `layout${n++}`;
  const first = await RedisStore.connect({ url: server!.url }, { prefix });
  expect(JSON.parse((await first.conn.send(`${prefix}:layout`, ['GET', `${prefix}:layout`])) as string)).toEqual({ version: LAYOUT_VERSION, shards: 64 });
  await first.close();
  // The same layout again: fine.
  await (await RedisStore.connect({ url: server!.url }, { prefix })).close();
  await expect(RedisStore.connect({ url: server!.url }, { prefix, shards: 16 })).rejects.toThrow(/spread over 64 shards; this store was given 16/);
  await ioredis!.send(`${prefix}:layout`, ['SET', `${prefix}:layout`, JSON.stringify({ version: LAYOUT_VERSION + 1, shards: 64 })]);
  await expect(RedisStore.connect({ url: server!.url }, { prefix })).rejects.toThrow(LayoutError);
  await expect(RedisStore.connect({ url: server!.url }, { prefix })).rejects.toThrow(`has key layout ${LAYOUT_VERSION + 1}; this build reads layout ${LAYOUT_VERSION}`);
  await ioredis!.send(`${prefix}:layout`, ['SET', `${prefix}:layout`, 'hello']);
  await expect(RedisStore.connect({ url: server!.url }, { prefix })).rejects.toThrow(/not a layout mark/);
});

it('upgrades data of layout 2 on connect: builds the instance and segment indexes on every shard, and marks it layout 3', async () => {
  const prefix = `up${n++}`;
  const a = new RedisStore(ioredis!, { prefix, shards: 8 });
  await a.checkLayout();
  const customers = Array.from({ length: 20 }, (_, i) => `u${i}`);
  for (const c of customers) await a.putCustomer({ id: c, segments: Number(c.slice(1)) % 3 ? ['vip'] : [] });
  for (const c of customers.slice(0, 12)) await a.commit(tx(inst(`${c.endsWith('1') ? 'g' : 'f'}/${c}/e`, c, { flow: c.endsWith('1') ? 'g' : 'f' })));
  const vip = await a.listCustomers('vip');
  const recent = await allRecent(a, 5);
  const recentG = await allRecent(a, 5, 'g');
  expect(vip).toHaveLength(13);
  expect(recent).toHaveLength(12);
  // What layout 2 had: neither index.
  const dropIndexes = async () => {
    for (let s = 0; s < 8; s++) {
      const tag = a.shardTag(s);
      const keys = (await ioredis!.send(`${tag}:x`, ['KEYS', `${tag}:*`])) as string[];
      for (const k of keys.filter((k) => k === `${tag}:x` || k.startsWith(`${tag}:g:`))) await ioredis!.send(k, ['DEL', k]);
    }
  };
  const mark = async () => JSON.parse((await ioredis!.send(`${prefix}:layout`, ['GET', `${prefix}:layout`])) as string) as unknown;
  for (const found of [{ version: 2, shards: 8 }, { version: 3, shards: 8, upgrading: true }]) {
    await dropIndexes();
    expect(await a.listCustomers('vip')).toEqual([]);
    await ioredis!.send(`${prefix}:layout`, ['SET', `${prefix}:layout`, JSON.stringify(found)]);
    const b = new RedisStore(ioredis!, { prefix, shards: 8 });
    await b.checkLayout();
    expect(await mark()).toEqual({ version: 3, shards: 8 });
    expect(await b.listCustomers('vip')).toEqual(vip);
    expect(await allRecent(b, 5)).toEqual(recent);
    expect(await allRecent(b, 5, 'g')).toEqual(recentG);
  }
  // Layout 1 is not upgraded.
  await ioredis!.send(`${prefix}:layout`, ['SET', `${prefix}:layout`, JSON.stringify({ version: 1, shards: 8 })]);
  await expect(new RedisStore(ioredis!, { prefix, shards: 8 }).checkLayout()).rejects.toThrow('has key layout 1; this build reads layout 3');
});

it('an upgrade pass leaves alone a profile written since it read it (its writer indexed it)', async () => {
  const prefix = `up${n++}`;
  const s = new RedisStore(ioredis!, { prefix, shards: 1 });
  await s.checkLayout();
  await s.putCustomer({ id: 'u1', segments: ['vip'] });
  const stored = (await ioredis!.send(`${s.shardTag(0)}:c`, ['HGET', `${s.shardTag(0)}:c`, 'u1'])) as string;
  await s.putCustomer({ id: 'u1', segments: [] });
  // A pass that read the profile while it was still in vip comes after the write that took it out.
  await ioredis!.send(`${s.shardTag(0)}:c`, ['EVAL', UPGRADE_SEGMENTS.source, '2', `${s.shardTag(0)}:c`, `${s.shardTag(0)}:g:vip`, 'u1', stored, '1']);
  expect(await s.listCustomers('vip')).toEqual([]);
});

it('a page of a flow rare among many stops short after its budget of ids, with a cursor to go on', async () => {
  const s = new RedisStore(ioredis!, { prefix: `rare${n++}`, shards: 2, recentBudget: 10 });
  await s.commit(tx(inst('g/r0/e', 'r0', { flow: 'g' })));
  for (let i = 1; i <= 40; i++) await s.commit(tx(inst(`f/r${i}/e`, `r${i}`)));
  const first = await s.recentInstances({ flow: 'g', limit: 5 });
  expect(first.instances).toEqual([]);
  expect(first.next).not.toBeNull();
  expect(await allRecent(s, 5, 'g')).toEqual(['g/r0/e']);
  expect(await allRecent(s, 7)).toEqual([...Array.from({ length: 40 }, (_, i) => `f/r${40 - i}/e`), 'g/r0/e']);
});

/** Customer ids of the given shard of `s`, in order. */
function customersOn(s: RedisStore, shard: number, count: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (s.shardOf(`${tag}${i}`) === shard) out.push(`${tag}${i}`);
  return out;
}

it('pages instances of equal order stamps on different shards in (stamp, shard) order, losing none', async () => {
  const prefix = `ties${n++}`;
  const shards = 4;
  // Four runtimes whose clocks say the same: each proposes the same stamp, on its own shard.
  vi.spyOn(Date, 'now').mockReturnValue(1_800_000_000_000);
  try {
    for (let shard = 0; shard < shards; shard++) {
      const s = new RedisStore(ioredis!, { prefix, shards });
      const [c] = customersOn(s, shard, 1, 't');
      await s.commit(tx(inst(`f/${c}/e`, c!)));
    }
  } finally {
    vi.restoreAllMocks();
  }
  const s = new RedisStore(ioredis!, { prefix, shards });
  const stamps = await Promise.all(Array.from({ length: shards }, (_, k) => ioredis!.send(`${s.shardTag(k)}:x`, ['ZRANGE', `${s.shardTag(k)}:x`, '0', '-1', 'WITHSCORES'])));
  expect(new Set(stamps.map((r) => (r as string[])[1])).size).toBe(1);
  // Newest first: a tie goes by shard, the higher first; pages of one lose none of them.
  const want = Array.from({ length: shards }, (_, k) => `f/${customersOn(s, shards - 1 - k, 1, 't')[0]}/e`);
  expect((await s.recentInstances({ limit: 10 })).instances.map((i) => i.id)).toEqual(want);
  expect(await allRecent(s, 1)).toEqual(want);
  expect(await allRecent(s, 3)).toEqual(want);
});

it('a shard that stopped short of its budget bounds the page: an older match of another shard waits for the ids it has not looked at', async () => {
  const s = new RedisStore(ioredis!, { prefix: `floor${n++}`, shards: 2, recentBudget: 2 });
  const [a1, a2, a3, a4, a5, a6] = customersOn(s, 0, 6, 'a');
  const [b1, b2] = customersOn(s, 1, 2, 'b');
  // Oldest first: g on b, g on a, five others on a, g on b.
  await s.commit(tx(inst(`g/${b1}/e`, b1!, { flow: 'g' })));
  await s.commit(tx(inst(`g/${a1}/e`, a1!, { flow: 'g' })));
  for (const c of [a2, a3, a4, a5, a6]) await s.commit(tx(inst(`f/${c}/e`, c!)));
  await s.commit(tx(inst(`g/${b2}/e`, b2!, { flow: 'g' })));
  expect(await allRecent(s, 5, 'g')).toEqual([`g/${b2}/e`, `g/${a1}/e`, `g/${b1}/e`]);
  expect(await allRecent(s, 1, 'g')).toEqual([`g/${b2}/e`, `g/${a1}/e`, `g/${b1}/e`]);
});

it('a profile written without a base replaces one this build cannot read (its segments unknown), and indexes its own', async () => {
  const s = new RedisStore(ioredis!, { prefix: `unread${n++}`, shards: 1 });
  const c = `${s.shardTag(0)}:c`;
  await ioredis!.send(c, ['HSET', c, 'u1', '0000000000000001{not json']);
  await expect(s.getCustomer('u1')).rejects.toThrow();
  await s.putCustomer({ id: 'u1', segments: ['vip', 7 as unknown as string] });
  expect(await s.getCustomer('u1')).toEqual({ id: 'u1', segments: ['vip', 7] });
  expect(await s.listCustomers('vip')).toEqual(['u1']);
});
