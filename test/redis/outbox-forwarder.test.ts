/**
 * The outbox forwarder (runtime/redis/outbox-forwarder.ts) on a real redis-server: effects go from
 * the shard outboxes to one stream per channel, in commit order per shard, each once; the shard
 * streams are trimmed; each runtime forwards the shards it owns; a crash between the appends and
 * the cursor write forwards that batch again, and the webhook consumer delivers each key once.
 */
import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore, FencedError } from '../../runtime/redis/redis-store.js';
import { OutboxForwarder } from '../../runtime/redis/outbox-forwarder.js';
import { RedisWebhookSource } from '../../runtime/redis/webhook-stream.js';
import { RedisDeliveryLedger } from '../../runtime/redis/delivery-ledger.js';
import { ShardOwner } from '../../runtime/redis/shard-owner.js';
import { RedisEventQueue } from '../../runtime/redis/event-queue.js';
import { OUTBOX_FORWARDED } from '../../runtime/redis/scripts.js';
import { streamField } from '../../runtime/redis/stream-fields.js';
import { FlowService } from '../../runtime/server/flow-service.js';
import { SharedRuntime } from '../../runtime/server/shared-runtime.js';
import { WebhookOutbox } from '../../runtime/server/webhooks/outbox-worker.js';
import type { EffectRecord, InstanceRecord } from '../../runtime/store/store.js';
import { useRedis } from '../helpers/use-redis.js';

const redis = useRedis();
let prefixes = 0;

async function store(prefix: string, conn: RedisConnection = redis.connection()): Promise<RedisStore> {
  const s = new RedisStore(conn, { prefix, shards: 4 });
  await s.loadScripts();
  return s;
}

let seq = 0;
function effect(customer: string, action: EffectRecord['action'], extra: Record<string, unknown> = {}): EffectRecord {
  seq++;
  return { key: `i${seq}/${customer}/b/0`, at: 1_700_000_000_000 + seq, flow: 'f', version: 'v', customer, instance: `i${seq}`, block: 'b', action, ...extra };
}
const KINDS: Array<[EffectRecord['action'], Record<string, unknown>, string]> = [
  ['send', { channel: 'email', template: 'welcome', params: {} }, 'email'],
  ['send', { channel: 'sms', template: 'promo', params: {} }, 'sms'],
  ['send', { channel: 'push', template: 'p', params: {} }, 'push'],
  ['webhook', { method: 'post', url: 'https://crm.example.com/h', body: {} }, 'webhook'],
  ['promo', { pool: 'WELCOME10' }, 'promo'],
  ['points', { amount: 5, account: 'main' }, 'points'],
  ['set', { field: 'tier', value: 'gold' }, 'set'],
  ['segment_add', { segment: 'vip' }, 'segment_add'],
  ['segment_remove', { segment: 'vip' }, 'segment_remove'],
];

interface ChannelEntry {
  id: string;
  k: string;
  e: EffectRecord;
  s: string;
  o: string;
}
async function channel(prefix: string, name: string): Promise<ChannelEntry[]> {
  const key = `${prefix}:out:${name}`;
  const entries = (await redis.connection().send(key, ['XRANGE', key, '-', '+'])) as Array<[string, string[]]>;
  return entries.map(([id, f]) => ({ id, k: streamField(f, 'k')!, e: JSON.parse(streamField(f, 'e')!) as EffectRecord, s: streamField(f, 's')!, o: streamField(f, 'o')! }));
}
async function xlen(key: string): Promise<number> {
  return Number(await redis.connection().send(key, ['XLEN', key]));
}
const customers = Array.from({ length: 12 }, (_, i) => `c${i}`);

/** Effects of every kind for every customer: half through commits (several per commit), half appended alone. */
async function fill(s: RedisStore): Promise<EffectRecord[]> {
  const all: EffectRecord[] = [];
  for (const [n, c] of customers.entries()) {
    const batch = KINDS.map(([action, extra]) => effect(c, action, extra));
    if (n % 2) {
      const inst: InstanceRecord = { id: `inst-${c}`, flow: 'f', version: 'v', customer: c, event: 'e', enteredAt: 1, due: 1, block: 0, contexts: {}, awaited: {}, status: 'completed', reason: 'all_steps_done', waitingUntil: null, waitingFor: null, launched: false };
      await s.commit({ instance: inst, timers: [], effects: batch, activity: [] });
    } else {
      for (const e of batch) await s.appendEffect(e);
    }
    all.push(...batch);
  }
  return all;
}

/** A fresh store and forwarder, with `channels` registered; the first one's stream key. */
async function channelStream(...channels: string[]) {
  const prefix = `fw${prefixes++}`;
  const fw = new OutboxForwarder(await store(prefix));
  const conn = redis.connection();
  await conn.send(`${prefix}:out:channels`, ['SADD', `${prefix}:out:channels`, ...channels]);
  return { prefix, fw, conn, key: `${prefix}:out:${channels[0]}` };
}

describe('outbox forwarder', () => {
  it('puts each effect once on its channel stream, in commit order per shard, and trims the shard outboxes', async () => {
    const prefix = `fw${prefixes++}`;
    const s = await store(prefix);
    const all = await fill(s);
    const listed = await s.listEffects();
    const fw = new OutboxForwarder(s, { batch: 7 });
    expect(await fw.backlog()).toBe(all.length);
    const holding = [0, 1, 2, 3].filter((shard) => all.some((e) => s.shardOf(e.customer) === shard));
    expect(await fw.pending([0, 1, 2, 3])).toEqual(holding);
    let moved = 0;
    for (let shard = 0; shard < 4; shard++) for (let n; (n = await fw.forward(shard)) > 0; ) moved += n;
    expect(moved).toBe(all.length);
    expect(await fw.backlog()).toBe(0);
    // Trimmed to nothing (the streams are left, empty): nothing pending.
    expect(await fw.pending([0, 1, 2, 3])).toEqual([]);
    // A broken outbox key is pending (forwarding that shard reports it); the others are still answered.
    await redis.connection().send(`{${prefix}:2}:o`, ['DEL', `{${prefix}:2}:o`]);
    await redis.connection().send(`{${prefix}:2}:o`, ['SET', `{${prefix}:2}:o`, 'not a stream']);
    expect(await fw.pending([0, 1, 2, 3])).toEqual([2]);
    await expect(fw.forward(2)).rejects.toThrow(/WRONGTYPE/);
    await redis.connection().send(`{${prefix}:2}:o`, ['DEL', `{${prefix}:2}:o`]);
    for (let shard = 0; shard < 4; shard++) {
      expect(await xlen(`{${prefix}:${shard}}:o`)).toBe(0);
      expect(await redis.connection().send(`{${prefix}:${shard}}:oc`, ['GET', `{${prefix}:${shard}}:oc`])).toMatch(/^\d+-\d+$/);
    }
    expect(((await redis.connection().send(`${prefix}:out:channels`, ['SMEMBERS', `${prefix}:out:channels`])) as string[]).sort()).toEqual([...new Set(KINDS.map(([, , c]) => c))].sort());

    const seen: string[] = [];
    for (const [action, , name] of KINDS) {
      const entries = (await channel(prefix, name)).filter((x) => x.e.action === action);
      for (const x of entries) {
        expect(x.k).toBe(x.e.key);
        // contracts.md's effects[] form: `at` as ISO text; otherwise the effect as committed.
        const original = all.find((e) => e.key === x.k)!;
        expect(x.e).toEqual({ ...original, at: new Date(original.at).toISOString() });
        expect(x.o).toMatch(new RegExp(`^${s.shardOf(x.e.customer)}/\\d+-\\d+$`));
      }
      // Commit order per shard: the order the store lists them in (order stamps), shard by shard.
      for (let shard = 0; shard < 4; shard++) {
        const want = listed.filter((e) => channelName(e) === name && s.shardOf(e.customer) === shard).map((e) => e.key);
        expect(entries.filter((x) => s.shardOf(x.e.customer) === shard).map((x) => x.k)).toEqual(want);
      }
      seen.push(...entries.map((x) => x.k));
    }
    expect(seen.length).toBe(all.length);
    expect(new Set(seen)).toEqual(new Set(all.map((e) => e.key)));
    // The listing still has them all, in the same order, from the channel streams now.
    expect(await s.listEffects()).toEqual(listed);
    // Nothing more to forward; a forward again adds nothing.
    expect(await fw.forward(0)).toBe(0);
  });

  it('a forward that failed on one channel does not copy the others’ entries when it runs again', async () => {
    const prefix = `fw${prefixes++}`;
    const s = await store(prefix);
    const all = await fill(s);
    const fw = new OutboxForwarder(s, { batch: 1000 });
    // The sms stream is broken (a key of another type): its appends fail, the other channels' go in.
    await redis.connection().send(`${prefix}:out:sms`, ['SET', `${prefix}:out:sms`, 'not a stream']);
    for (let shard = 0; shard < 4; shard++) await expect(fw.forward(shard)).rejects.toThrow(/WRONGTYPE/);
    expect(await fw.backlog()).toBe(all.length);
    expect((await channel(prefix, 'email')).length).toBe(customers.length);
    await redis.connection().send(`${prefix}:out:sms`, ['DEL', `${prefix}:out:sms`]);
    for (let shard = 0; shard < 4; shard++) await fw.forward(shard);
    expect(await fw.backlog()).toBe(0);
    for (const [, , name] of KINDS) {
      const keys = (await channel(prefix, name)).map((x) => x.k);
      expect(new Set(keys).size).toBe(keys.length);
    }
    const total = (await Promise.all([...new Set(KINDS.map(([, , c]) => c))].map((c) => channel(prefix, c)))).reduce((n, x) => n + x.length, 0);
    expect(total).toBe(all.length);
  });

  it('trims from the channel streams what every consumer group has acknowledged, nothing a group still needs', async () => {
    const { prefix, fw, conn, key } = await channelStream('email', 'sms');
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) ids.push((await conn.send(key, ['XADD', key, '*', 'k', `k${i}`, 'e', '{}'])) as string);
    const left = async () => ((await conn.send(key, ['XRANGE', key, '-', '+'])) as Array<[string, string[]]>).map(([id]) => id);
    // No group: nothing is known to be delivered; MAXLEN alone bounds it.
    expect(await fw.trimAcknowledged()).toBe(0);
    expect(await left()).toEqual(ids);
    // Group "mailer" read 650 and acknowledged 500 (its last read is a stream node beyond its oldest
    // pending entry); group "late" was created at the end (reads only new ones).
    await conn.send(key, ['XGROUP', 'CREATE', key, 'mailer', '0']);
    await conn.send(key, ['XREADGROUP', 'GROUP', 'mailer', 'm1', 'COUNT', '650', 'STREAMS', key, '>']);
    await conn.send(key, ['XACK', key, 'mailer', ...ids.slice(0, 500)]);
    await conn.send(key, ['XGROUP', 'CREATE', key, 'late', '$']);
    const trimmed = await fw.trimAcknowledged();
    expect(trimmed).toBeGreaterThan(0);
    const after = await left();
    // Whole stream nodes go (approximate trimming): never one the mailer has pending or not read.
    expect(after).toEqual(ids.slice(1000 - after.length));
    expect(after).toContain(ids[500]);
    expect(after.length).toBe(1000 - trimmed);
    // A group that has read nothing holds everything that is left.
    await conn.send(key, ['XGROUP', 'CREATE', key, 'audit', '0']);
    expect(await fw.trimAcknowledged()).toBe(0);
    expect(await left()).toEqual(after);
    // Once every group has acknowledged everything, all but the last node goes.
    await conn.send(key, ['XREADGROUP', 'GROUP', 'audit', 'a1', 'STREAMS', key, '>']);
    await conn.send(key, ['XACK', key, 'audit', ...after]);
    await conn.send(key, ['XREADGROUP', 'GROUP', 'mailer', 'm1', 'STREAMS', key, '>']);
    await conn.send(key, ['XACK', key, 'mailer', ...after]);
    await fw.trimAcknowledged();
    expect((await left()).length).toBeLessThan(after.length);
    expect((await left()).at(-1)).toBe(ids.at(-1));
    // A channel stream of the wrong type is reported (the runtime logs it and goes on).
    await conn.send(`${prefix}:out:sms`, ['SET', `${prefix}:out:sms`, 'x']);
    await expect(fw.trimAcknowledged()).rejects.toThrow(/WRONGTYPE/);
  });

  it('trims a backlog of acknowledged entries beyond one call (10,000) in one go, and when Redis is out of memory', async () => {
    const { fw, conn, key } = await channelStream('webhook');
    for (let i = 0; i < 25; i++) await conn.send(key, ['EVAL', "for i = 1, 1000 do redis.call('XADD', KEYS[1], '*', 'k', i) end return 1", '1', key]);
    await conn.send(key, ['XGROUP', 'CREATE', key, 'runnel-webhooks', '$']);
    await conn.send(key, ['XADD', key, '*', 'k', 'last']);
    const maxmemory = ((await conn.send(undefined, ['CONFIG', 'GET', 'maxmemory'])) as string[])[1]!;
    try {
      // At maxmemory (noeviction), writing scripts are refused; the trim frees memory, so it runs.
      await conn.send(undefined, ['CONFIG', 'SET', 'maxmemory', '1']);
      expect(await fw.trimAcknowledged()).toBeGreaterThan(24_000);
    } finally {
      await conn.send(undefined, ['CONFIG', 'SET', 'maxmemory', maxmemory]);
    }
    expect(Number(await conn.send(key, ['XLEN', key]))).toBeLessThan(1000);
  });

  it('bounds the channel streams with an approximate MAXLEN', async () => {
    const prefix = `fwmax${prefixes++}`;
    const s = await store(prefix);
    for (let i = 0; i < 600; i++) await s.appendEffect(effect('c1', 'points', { amount: 1, account: 'main' }));
    const fw = new OutboxForwarder(s, { channelMaxLen: 50, batch: 100 });
    while ((await fw.forward(s.shardOf('c1'))) > 0);
    const n = await xlen(`${prefix}:out:points`);
    expect(n).toBeGreaterThanOrEqual(50);
    expect(n).toBeLessThan(300); // approximate: whole stream nodes (100 entries) go
  });

  it('each runtime forwards the shards it owns; a runtime that lost a shard is fenced and moves nothing', async () => {
    const prefix = `fwrt${prefixes++}`;
    const s = await store(prefix);
    const one = await runtime(prefix, 'one');
    const two = await runtime(prefix, 'two');
    for (let i = 0; i < 3; i++) {
      await one.rt.round();
      await two.rt.round();
      await new Promise((r) => setTimeout(r, 120));
    }
    const mineOne = one.owner.owned();
    const mineTwo = two.owner.owned();
    expect(mineOne.size + mineTwo.size).toBe(4);
    expect(mineOne.size).toBeGreaterThan(0);
    expect(mineTwo.size).toBeGreaterThan(0);
    const all = await fill(s);
    const onTwo = all.filter((e) => mineTwo.has(s.shardOf(e.customer)));
    expect(onTwo.length).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 120)); // an idle round forwards at most every forwardMs
    await one.rt.round();
    const afterOne = await everyChannel(prefix);
    expect(afterOne.every((x) => mineOne.has(Number(x.o.split('/')[0])))).toBe(true);
    expect(afterOne.map((x) => x.k).sort()).toEqual(all.filter((e) => mineOne.has(s.shardOf(e.customer))).map((e) => e.key).sort());
    const fwFenced = new OutboxForwarder(s);
    const shardOfTwo = [...mineTwo][0]!;
    // "one" acting on a shard of "two" with a fencing value of its own (as after a stall past its
    // lease): refused, nothing moved.
    const staleOfOne = `${one.owner.token}/${two.owner.fence(shardOfTwo)!.split('/').at(-1)}`;
    await expect(fwFenced.forward(shardOfTwo, staleOfOne)).rejects.toThrow(FencedError);
    expect(await xlen(`{${prefix}:${shardOfTwo}}:o`)).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 120));
    await two.rt.round();
    const done = await everyChannel(prefix);
    // The fenced forward appended its batch before the refusal: copies, with the same origin.
    const byOrigin = new Map(done.map((x) => [x.o, x.k]));
    expect([...byOrigin.values()].sort()).toEqual(all.map((e) => e.key).sort());
    expect(new Set(done.filter((x) => !x.o.startsWith(`${shardOfTwo}/`)).map((x) => x.k)).size).toBe(done.filter((x) => !x.o.startsWith(`${shardOfTwo}/`)).length);
    for (let shard = 0; shard < 4; shard++) expect(await xlen(`{${prefix}:${shard}}:o`)).toBe(0);
    expect((await s.listEffects()).map((e) => e.key).sort()).toEqual(all.map((e) => e.key).sort());
    await one.rt.stop();
    await two.rt.stop();
  });

  it('a crash between the appends and the cursor write forwards that batch again; the webhook consumer delivers each key once', async () => {
    const prefix = `fwcrash${prefixes++}`;
    const s = await store(prefix);
    const hooks = Array.from({ length: 5 }, () => effect('c1', 'webhook', { method: 'post', url: 'https://crm.example.com/h', body: {} }));
    for (const e of hooks) await s.appendEffect(e);
    const shard = s.shardOf('c1');
    // A connection that "dies" at the cursor write: the channel appends went through, the cursor did not move.
    const real = redis.connection();
    const dying: RedisConnection = { ...real, send: (key, args) => (args[0] === 'EVALSHA' && args[1] === OUTBOX_FORWARDED.sha ? Promise.reject(new Error('connection lost')) : real.send(key, args)) };
    const crashed = new OutboxForwarder(await store(prefix, dying), { batch: 2 });
    await expect(crashed.forward(shard)).rejects.toThrow('connection lost');
    expect((await channel(prefix, 'webhook')).map((x) => x.k)).toEqual([hooks[0]!.key, hooks[1]!.key]);
    // The next forwarder (a new owner, or the same after a restart) starts again at the cursor.
    const fw = new OutboxForwarder(s, { batch: 2 });
    while ((await fw.forward(shard)) > 0);
    const entries = await channel(prefix, 'webhook');
    expect(entries.map((x) => x.k)).toEqual([hooks[0], hooks[1], hooks[0], hooks[1], hooks[2], hooks[3], hooks[4]].map((e) => e!.key));
    expect(entries[0]!.o).toBe(entries[2]!.o);
    expect((await s.listEffects()).map((e) => e.key)).toEqual(hooks.map((e) => e.key));

    const delivered: string[] = [];
    const source = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w1' });
    const outbox = new WebhookOutbox({
      ledger: new RedisDeliveryLedger(redis.connection(), { prefix }),
      source,
      delivery: { allowPrivate: true },
      pollIntervalMs: 10,
      deliver: async (e) => (delivered.push(e.key), { outcome: 'delivered', status: 200 }),
    });
    outbox.start();
    const until = Date.now() + 5000;
    while ((delivered.length < hooks.length || (await source.pending()) > 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await outbox.stop();
    expect(delivered.sort()).toEqual(hooks.map((e) => e.key).sort());
    expect(await source.pending()).toBe(0);
  });
});

function channelName(e: EffectRecord): string {
  return e.action === 'send' ? String(e['channel']) : e.action;
}

async function everyChannel(prefix: string): Promise<ChannelEntry[]> {
  const names = (await redis.connection().send(`${prefix}:out:channels`, ['SMEMBERS', `${prefix}:out:channels`])) as string[];
  return (await Promise.all(names.map((n) => channel(prefix, n)))).flat();
}

const MANIFEST = JSON.stringify({ name: 'shop', timezone: 'UTC', templates: { email: ['thanks'] } });

async function runtime(prefix: string, token: string) {
  const s = await store(prefix);
  const owner = new ShardOwner(s, { leaseMs: 1000, token });
  const queue = new RedisEventQueue(s);
  const service = await FlowService.open({ store: s, manifest: MANIFEST, shared: { engineStore: s.withScope(owner), queue } });
  const rt = new SharedRuntime({ service, owner, queue, beatMs: 100, idleMs: 5, forwardMs: 100 });
  return { owner, rt };
}
