/**
 * Several runtimes on one Redis (runtime/server/shared-runtime.ts): shard ownership and its fencing,
 * the queued events and their replay after a crash, the producers' intake stream with its
 * dead-letter stream, flow changes taken up by the other runtimes, and two runtimes sharing a day
 * of events that end exactly as the embedded store says.
 */
import { describe, expect, it } from 'vitest';
import { RedisStore, FencedError } from '../../runtime/redis/redis-store.js';
import { ShardOwner } from '../../runtime/redis/shard-owner.js';
import { OWN } from '../../runtime/redis/scripts.js';
import { inst, tx } from './store-contract.js';
import { RedisEventQueue } from '../../runtime/redis/event-queue.js';
import { FlowService, TICK_BUDGET } from '../../runtime/server/flow-service.js';
import { SharedRuntime } from '../../runtime/server/shared-runtime.js';
import { simulate } from '../../runtime/engine/simulate.js';
import { Engine, VirtualClock } from '../../runtime/engine/engine.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { compileProject } from '../../compiler/bytecode/compile.js';
import { checkProject } from '../../compiler/project.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import { useRedis } from '../helpers/use-redis.js';
import { eventually } from '../helpers/eventually.js';

const redis = useRedis();
let prefixes = 0;
const MANIFEST = JSON.stringify({ name: 'shop', timezone: 'UTC', templates: { email: ['thanks', 'reminder'] } });
const FLOW = `flow thanks "Thanks, then a reminder" {
  entry always
  relevance 1d
  exit on OrderStatusChanged(status: "cancelled")
  on NewOrder
  steps thank { send email "thanks" { orderId: order.id } }
  wait later 1m
  if order.total >= 50 {
    steps remind { send email "reminder" }
  }
}
`;

async function runtime(prefix: string, opts: { leaseMs?: number; token?: string; beatMs?: number; endedRetentionMs?: number; upkeepMs?: number; now?: () => number } = {}) {
  const store = new RedisStore(redis.connection(), { prefix, leaseMs: opts.leaseMs ?? 1000, ...(opts.endedRetentionMs !== undefined ? { endedRetentionMs: opts.endedRetentionMs } : {}) });
  await store.loadScripts();
  const owner = new ShardOwner(store, { leaseMs: opts.leaseMs ?? 1000, ...(opts.token ? { token: opts.token } : {}) });
  const queue = new RedisEventQueue(store, { intakeIdleMs: 500 });
  const service = await FlowService.open({ store, manifest: MANIFEST, shared: { engineStore: store.withScope(owner), queue }, ...(opts.now ? { now: opts.now } : {}) });
  const rt = new SharedRuntime({ service, owner, queue, beatMs: opts.beatMs ?? 100, idleMs: 5, ...(opts.upkeepMs !== undefined ? { upkeepMs: opts.upkeepMs } : {}) });
  return { store, owner, queue, service, rt };
}

/** A NewOrder placed a minute ago, less `soonMs`: its `wait later 1m` ends that soon. */
const order = (i: number, customer: string, total: number, soonMs = 1000) => orderAt(i, customer, total, new Date(Date.now() - 60_000 + soonMs).toISOString());
const orderAt = (i: number, customer: string, total: number, at: string) => ({
  id: `e${i}`,
  type: 'NewOrder',
  customer,
  at,
  order: { id: `o${i}`, status: 'new', total, items: [], createdAt: at },
  action: { id: `a${i}`, template: 'order-created', at },
});

/** Rounds of every runtime until none has anything to do and nothing is queued or due. */
async function drain(rts: SharedRuntime[], queue: RedisEventQueue, until: () => Promise<boolean> = async () => true, maxMs = 30_000): Promise<void> {
  const end = Date.now() + maxMs;
  for (;;) {
    let busy = false;
    for (const rt of rts) busy = (await rt.round()) || busy;
    if (!busy && (await queue.backlog()) === 0 && (await until())) return;
    if (Date.now() > end) throw new Error('the runtimes did not finish in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A runtime with the thanks flow launched, and c1's order e1 processed (thanked). */
async function thankedC1(prefix: string) {
  const r = await runtime(prefix);
  await r.service.putDraft('thanks', FLOW);
  await r.service.launch('thanks');
  expect(await r.service.ingest([order(1, 'c1', 80)])).toMatchObject({ accepted: 1 });
  await drain([r.rt], r.queue, async () => (await r.store.listEffects()).length === 1);
  return r;
}

/** A store of 4 shards, worker `a` (lease 200 ms) owning them all, and customer c1 waiting, committed by `a`. */
async function ownedWaiting(prefix: string) {
  const store = new RedisStore(redis.connection(), { prefix, shards: 4 });
  await store.loadScripts();
  const a = new ShardOwner(store, { leaseMs: 200, token: 'a' });
  await a.beat();
  const scoped = store.withScope(a);
  const waiting = inst('f/c1/e1', 'c1', { enteredAt: 1, due: 1, reason: 'waiting', waitingUntil: 5 });
  await scoped.commit(tx(waiting, { timers: [{ key: waiting.id, due: 5 }] }));
  return { store, a, scoped, shard: store.shardOf('c1'), inst: waiting };
}

/**
 * A daily run's engine on a worker owning all 4 shards of a fresh store, over 40 customers with
 * profiles; `drop(shard)` takes a shard from the worker (its writes there are refused from then on).
 */
async function runOnShards(tag: string) {
  const store = new RedisStore(redis.connection(), { prefix: `runshard${prefixes++}`, shards: 4 });
  await store.loadScripts();
  const a = new ShardOwner(store, { leaseMs: 30_000, token: 'a' });
  await a.beat();
  let dropped: number | undefined;
  const scoped = store.withScope({ token: 'a', owned: () => new Set([...a.owned()].filter((s) => s !== dropped)), fence: (s) => (s === dropped ? undefined : a.fence(s)) });
  const customers = Array.from({ length: 40 }, (_, i) => `${tag}${i}`);
  for (const c of customers) await store.putCustomer({ id: c });
  const daily = `flow daily "Daily" {\n  every day at 10:00\n  steps hi { send email "thanks" }\n}\n`;
  const programs = compileProject(checkProject({ manifest: { path: 'runnel.json', text: MANIFEST }, files: [{ path: 'flows/daily.flow', text: daily }] })).map((f) => verifyFlow(f.bytes));
  const engine = new Engine(scoped, programs, new VirtualClock(Date.parse('2026-06-01T09:00:00Z')));
  const entered = async () => new Set((await store.listInstances()).map((i) => i.customer));
  return { store, scoped, customers, engine, at: Date.parse('2026-06-01T10:00:01Z'), entered, drop: (s: number) => void (dropped = s), dropped: () => dropped };
}

describe('shard ownership', () => {
  it('a scheduled run under way passes over the customers of a shard given up half way, and enters the rest', async () => {
    const { store, customers, engine, at, entered, drop } = await runOnShards('r');
    await engine.fireDue(at, { budget: 10 });
    const first = await entered();
    expect(first.size).toBe(9);
    const dropped = store.shardOf(customers.find((c) => !first.has(c))!);
    drop(dropped);
    while ((await engine.fireDue(at, { budget: 10 })) > 0);
    expect([...(await entered())].sort()).toEqual(customers.filter((c) => first.has(c) || store.shardOf(c) !== dropped).sort());
    expect((await entered()).size).toBeLessThan(40);
  });

  it('a scheduled run passes over a customer whose shard is given up while the customer enters (its commit refused)', async () => {
    const { store, scoped, customers, engine, at, entered: enteredNow, drop, dropped } = await runOnShards('q');
    // The shard goes between the 12th customer's read and its commit.
    let reads = 0;
    const readForEvent = scoped.readForEvent.bind(scoped);
    scoped.readForEvent = async (customer, q) => {
      const r = await readForEvent(customer, q);
      if (++reads === 12) drop(store.shardOf(customer));
      return r;
    };
    while ((await engine.fireDue(at, { budget: 64, concurrency: 4 })) > 0);
    const entered = await enteredNow();
    expect(dropped()).toBeDefined();
    // Every customer of the shards still owned entered; of the one given up, only some.
    expect(customers.filter((c) => store.shardOf(c) !== dropped() && !entered.has(c))).toEqual([]);
    expect(customers.filter((c) => store.shardOf(c) === dropped() && !entered.has(c)).length).toBeGreaterThan(0);
  });

  it('splits the shards between live workers, and a stopped or dead worker’s shards go to the others', async () => {
    const prefix = `own${prefixes++}`;
    const store = new RedisStore(redis.connection(), { prefix, shards: 16 });
    await store.loadScripts();
    const a = new ShardOwner(store, { leaseMs: 300, token: 'a' });
    const b = new ShardOwner(store, { leaseMs: 300, token: 'b' });
    await a.beat();
    expect(a.owned().size).toBe(16);
    await b.beat(); // b sees two workers and takes what is free: nothing yet
    await a.beat(); // a gives up half
    await b.beat(); // b takes them
    expect(a.owned().size).toBe(8);
    expect(b.owned().size).toBe(8);
    expect([...a.owned()].some((s) => b.owned().has(s))).toBe(false);
    // A graceful stop: b gets everything at its next beat.
    await a.release();
    await b.beat();
    expect(b.owned().size).toBe(16);
    // A dead worker (no beat): its shards are free once its lease ran out.
    const c = new ShardOwner(store, { leaseMs: 300, token: 'c' });
    await c.beat();
    await b.beat();
    await c.beat();
    expect(c.owned().size).toBe(8);
    await new Promise((r) => setTimeout(r, 400)); // b dies: no more beats
    await c.beat();
    expect(c.owned().size).toBe(16);
  });

  it('fences a worker whose lease ran out: its writes to a shard taken over are refused and write nothing', async () => {
    const { store, scoped, shard, inst } = await ownedWaiting(`fence${prefixes++}`);
    // a stalls past its lease; b takes the shard over.
    await new Promise((r) => setTimeout(r, 250));
    const b = new ShardOwner(store, { leaseMs: 5000, token: 'b' });
    await b.beat();
    expect(b.owned().has(shard)).toBe(true);
    const stale = { ...inst, status: 'completed' as const, reason: 'all_steps_done', waitingUntil: null };
    await expect(scoped.commit({ instance: stale, timers: [{ key: inst.id, due: null }], effects: [], activity: [] })).rejects.toThrow(FencedError);
    await expect(scoped.addTimer({ instance: inst.id, due: 1 })).rejects.toThrow(FencedError);
    expect((await store.getInstance(inst.id))?.status).toBe('in_progress');
    expect(await store.claimDueTimers(10, 10)).toEqual([{ instance: inst.id, due: 5 }]);
    // Nor does it move the shard's event cursor, or make the new owner forget the refusals of the event it processes.
    const queue = new RedisEventQueue(store);
    await store.appendNotEntered({ flow: 'f', customer: 'c1', event: 'e9', at: 1, reason: 'launch_limit' });
    await expect(queue.done(shard, '5-0', 'a')).rejects.toThrow(FencedError);
    expect(await redis.connection().send(store.shardKey(shard, 'inc'), ['EXISTS', store.shardKey(shard, 'inc')])).toBe(0);
    expect(await redis.connection().send(store.shardKey(shard, 'nx'), ['HLEN', store.shardKey(shard, 'nx')])).toBe(1);
    await queue.done(shard, '5-0', b.fence(shard));
    expect(await redis.connection().send(store.shardKey(shard, 'nx'), ['EXISTS', store.shardKey(shard, 'nx')])).toBe(0);
    // The new owner writes.
    await store.withScope(b).commit({ instance: stale, timers: [{ key: inst.id, due: null }], effects: [], activity: [] });
    expect((await store.getInstance(inst.id))?.status).toBe('completed');
  });

  it('fences a stalled worker even when the worker that took its shard is gone again before it wakes', async () => {
    const { store, a, scoped, shard, inst } = await ownedWaiting(`aba${prefixes++}`);
    // a stalls past its lease (it read the instance waiting); b takes the shard, moves the customer on, and dies.
    await new Promise((r) => setTimeout(r, 250));
    const b = new ShardOwner(store, { leaseMs: 200, token: 'b' });
    await b.beat();
    expect(b.owned().has(shard)).toBe(true);
    const moved = { ...inst, status: 'completed' as const, reason: 'all_steps_done', waitingUntil: null };
    await store.withScope(b).commit({ instance: moved, timers: [{ key: inst.id, due: null }], effects: [], activity: [{ block: 'remind', kind: 'steps', at: 5, version: 'v' }] });
    await new Promise((r) => setTimeout(r, 250)); // b's lease runs out: the owner key is empty again
    // a wakes: its renewal finds the shard had another owner meanwhile, and its stale step writes nothing.
    expect(await a.renew()).toEqual(expect.arrayContaining([shard]));
    expect(a.owned().has(shard)).toBe(false);
    await expect(scoped.commit({ instance: { ...inst, reason: 'in_step' }, timers: [], effects: [], activity: [{ block: 'remind', kind: 'steps', at: 5, version: 'v' }] })).rejects.toThrow(FencedError);
    expect((await store.getInstance(inst.id))?.status).toBe('completed');
    expect(await store.listActivity(inst.id)).toHaveLength(1);
    // A take sent again (a dropped connection) gives the worker its own tenure back, not a refusal.
    const ownKeys = [store.shardKey(shard, 'own'), store.shardKey(shard, 'owns')];
    const taken = (await store.evalScript(OWN, ownKeys, ['take', 'z', '1000'])) as string;
    expect(taken).toMatch(/^z\/\d+$/);
    await expect(store.evalScript(OWN, ownKeys, ['take', 'z', '1000'])).resolves.toBe(taken);
    await expect(store.evalScript(OWN, ownKeys, ['take', 'zz', '1000'])).resolves.toBeNull();
    await store.evalScript(OWN, ownKeys, ['release', taken]);
    // The script alone refuses the old tenure too (a worker that has not renewed yet).
    const oldValue = 'a/1';
    await expect(store.evalScript(OWN, ownKeys, ['renew', oldValue, '1000'])).resolves.toBe(0);
    // A shard nobody took while a's lease lapsed is a's again at its renewal.
    const c = new ShardOwner(store, { leaseMs: 200, token: 'c' });
    await c.beat();
    const cShard = [...c.owned()][0]!;
    await new Promise((r) => setTimeout(r, 250));
    expect(await c.renew()).toEqual([]);
    expect(c.owned().has(cShard)).toBe(true);
  });
});

describe('queued events', () => {
  it('reads every shard in one call on one Redis, as shard by shard, from each shard’s cursor', async () => {
    const store = new RedisStore(redis.connection(), { prefix: `many${prefixes++}`, shards: 8 });
    const queue = new RedisEventQueue(store);
    const events = Array.from({ length: 30 }, (_, i) => ({ ...order(i, `c${i % 11}`, 10) }));
    await queue.enqueue(events);
    const shards = [0, 1, 2, 3, 4, 5, 6, 7];
    const one = await Promise.all(shards.map((s) => queue.read(s, 3)));
    expect(await queue.readMany(shards, 3)).toEqual(one);
    expect(one.flat().length).toBeGreaterThan(8);
    // Each shard moves on from its own cursor.
    for (const batch of one) if (batch.length) await queue.done(batch[0]!.shard, batch.at(-1)!.entry);
    const next = await Promise.all(shards.map((s) => queue.read(s, 100)));
    expect(await queue.readMany(shards, 100)).toEqual(next);
    expect([...one.flat(), ...next.flat()].map((e) => JSON.parse(e.text).id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('an event the engine fails on is tried in three rounds, then dead-lettered; the other shards go on in those rounds', async () => {
    const r = await runtime(`deadev${prefixes++}`);
    await r.service.putDraft('thanks', FLOW);
    await r.service.launch('thanks');
    // Two customers on two shards; every commit of `bad`'s fails (a store error the engine cannot get past).
    const bad = 'bad';
    const others = Array.from({ length: 40 }, (_, i) => `ok${i}`).filter((c) => r.store.shardOf(c) !== r.store.shardOf(bad)).slice(0, 3);
    const commit = RedisStore.prototype.commit;
    RedisStore.prototype.commit = function (this: RedisStore, t) {
      return t.instance.customer === bad ? Promise.reject(new Error('the disk is full')) : commit.call(this, t);
    };
    try {
      for (const [round, customer] of others.entries()) {
        expect(await r.service.ingest([order(round * 2 + 1, customer, 80), order(round * 2 + 2, bad, 80)])).toMatchObject({ accepted: 2 });
        await r.rt.round();
        // This round's other customer went through beside the failing one.
        expect((await r.store.listEffects()).map((e) => e.customer)).toEqual(others.slice(0, round + 1));
      }
      // The first of bad's events failed in three rounds: dead-lettered, and its shard moved on to the next.
      const dead = await r.queue.deadLetters();
      expect(dead).toHaveLength(1);
      expect(JSON.parse(dead[0]!.text)).toMatchObject({ id: 'e2', customer: bad });
      expect(dead[0]!.error).toMatch(/the disk is full/);
    } finally {
      RedisStore.prototype.commit = commit;
    }
  });

  it('takes producers’ entries from the intake stream; bad ones go to the dead-letter stream with the JSON path at fault', async () => {
    const prefix = `intake${prefixes++}`;
    const { service, queue, rt, store } = await runtime(prefix);
    await service.putDraft('thanks', FLOW);
    await service.launch('thanks');
    const conn = redis.connection();
    const add = (text: string) => conn.send(`${prefix}:events`, ['XADD', `${prefix}:events`, '*', 'e', text]);
    await add(JSON.stringify(order(1, 'c1', 80)));
    await add('{"id": "e2", "type": "NewOrder",');
    await add(JSON.stringify({ ...order(3, 'c3', 10), order: { id: 'o3', total: 'ten' } }));
    await add(JSON.stringify(order(1, 'c1', 80))); // a duplicate id: dropped
    await conn.send(`${prefix}:events`, ['XADD', `${prefix}:events`, '*', 'x', 'no event']);
    await drain([rt], queue, async () => (await store.listInstances()).length === 1);
    const dead = await queue.deadLetters();
    expect(dead.map((d) => d.error)).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/^event e3 of type NewOrder: .*\/order\/total must be a number/),
      'the entry has no field `e` (the event as JSON)',
    ]);
    expect((await store.listInstances()).map((i) => i.id)).toEqual(['thanks/c1/e1']);
    // Everything read was acknowledged.
    expect(await conn.send(`${prefix}:events`, ['XPENDING', `${prefix}:events`, 'runnel'])).toEqual([0, null, null, null]);
  });

  it('an event processed again after a crash (the cursor was not moved) launches nothing twice and moves no one twice', async () => {
    const prefix = `replay${prefixes++}`;
    const { service, queue, rt, store } = await thankedC1(prefix);
    const cancel = { id: 'x1', type: 'OrderStatusChanged', customer: 'c1', at: new Date().toISOString(), order: { id: 'o1', status: 'cancelled', total: 80, items: [] } };
    expect(await service.ingest([cancel])).toMatchObject({ accepted: 1 });
    await drain([rt], queue);
    const before = await store.listInstances();
    expect(before.map((i) => [i.id, i.status, i.reason])).toEqual([['thanks/c1/e1', 'stopped', 'exit_event']]);
    // The worker "died" before moving its cursor: both events are read again.
    const shard = store.shardOf('c1');
    await redis.connection().send(`{${prefix}:${shard}}:inc`, ['DEL', `{${prefix}:${shard}}:inc`]);
    queue.forget(shard);
    await drain([rt], queue);
    expect(await store.listInstances()).toEqual(before);
    expect((await store.listEffects()).map((e) => e.key)).toEqual(['thanks/c1/e1/thank/0']);
    // Queued twice by a producer: a duplicate, known at once.
    expect(await service.ingest([order(1, 'c1', 80)])).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('an event refused, processed again after a crash before the cursor moved past it, is recorded and counted once', async () => {
    const prefix = `replayne${prefixes++}`;
    const { service, queue, rt, store } = await thankedC1(prefix);
    // An order too old to enter (refused: historical_too_old); the cursor does not move past it the
    // first time (as when a worker dies right after processing it), so the next round reads it again.
    const done = queue.done.bind(queue);
    let died = false;
    queue.done = async (s, entry) => {
      if (!died) return void (died = true);
      return done(s, entry);
    };
    expect(await service.ingest([orderAt(2, 'c1', 80, new Date(Date.now() - 10 * 86_400_000).toISOString())])).toMatchObject({ accepted: 1 });
    await drain([rt], queue, async () => died);
    expect(await queue.backlog()).toBe(0);
    expect((await store.listNotEntered()).map((r) => `${r.event} ${r.reason}`)).toEqual(['e2 historical_too_old']);
    expect((await store.flowStats('thanks')).didNotEnter).toEqual({ historical_too_old: 1 });
    // Processed for good: the refusal's mark is gone with it.
    expect(await redis.connection().send(`{${prefix}:${store.shardOf('c1')}}:nx`, ['EXISTS', `{${prefix}:${store.shardOf('c1')}}:nx`])).toBe(0);
  });
});

describe('two runtimes on one Redis', () => {
  it('share events and timers through both APIs and end as the embedded store does, each effect once', async () => {
    const prefix = `two${prefixes++}`;
    const one = await runtime(prefix, { token: 'one' });
    const two = await runtime(prefix, { token: 'two' });
    await one.service.putDraft('thanks', FLOW);
    await one.service.launch('thanks');
    await one.rt.round();
    await two.rt.round();
    await new Promise((r) => setTimeout(r, 150));
    await one.rt.round();
    await two.rt.round();
    expect(one.owner.owned().size + two.owner.owned().size).toBe(64);
    expect(two.owner.owned().size).toBeGreaterThan(0);
    // The second took the flow up from the registry.
    expect(two.service.listFlows().map((f) => [f.flow, f.status])).toEqual([['thanks', 'active']]);

    const start = Date.now();
    const events = Array.from({ length: 300 }, (_, i) => orderAt(i, `c${i % 60}`, (i * 37) % 120, new Date(start - 60_000 + 1000 + i).toISOString()));
    // Half through each runtime's API.
    await one.service.ingest(events.filter((_, i) => i % 2 === 0));
    await two.service.ingest(events.filter((_, i) => i % 2 === 1));
    await drain([one.rt, two.rt], one.queue, async () => (await one.store.listInstances()).every((i) => i.status !== 'in_progress'));
    await one.rt.stop();
    await two.rt.stop();

    const programs = compileProject(checkProject({ manifest: { path: 'runnel.json', text: MANIFEST }, files: [{ path: 'flows/thanks.flow', text: FLOW }] })).map((f) => verifyFlow(f.bytes));
    const expected = simulate(programs, events.map((e) => JSON.stringify(e)).join('\n'), '', { until: start + 3_600_000 });
    const sim = (expected.output['activity'] as Array<{ instance: string; status: string; reason: string; steps: Array<{ block: string }> }>).map((a) => [a.instance, a.status, a.reason, a.steps.map((s) => s.block).join(',')]).sort();
    const got = await Promise.all((await one.store.listInstances()).map(async (i) => [i.id, i.status, i.reason, (await one.store.listActivity(i.id)).map((s) => s.block).join(',')]));
    expect(got.sort()).toEqual(sim);
    const keys = (await one.store.listEffects()).map((e) => e.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual((expected.output['effects'] as Array<{ key: string }>).map((e) => e.key).sort());
  }, 60_000);

  it('a flow paused through one runtime stops the customers waiting on the other runtime’s shards', async () => {
    const prefix = `pause${prefixes++}`;
    const one = await runtime(prefix, { token: 'one' });
    const two = await runtime(prefix, { token: 'two' });
    await one.service.putDraft('thanks', FLOW.replace('wait later 1m', 'wait later 1h'));
    await one.service.launch('thanks');
    for (let i = 0; i < 3; i++) {
      await one.rt.round();
      await two.rt.round();
      await new Promise((r) => setTimeout(r, 120));
    }
    const customers = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await one.service.ingest(customers.map((c, i) => order(i, c, 10)));
    await drain([one.rt, two.rt], one.queue, async () => (await one.store.listInstances()).length === 40);
    const onTwo = customers.filter((c) => two.owner.owned().has(one.store.shardOf(c)));
    expect(onTwo.length).toBeGreaterThan(0);
    await one.service.setStatus('thanks', 'paused');
    await new Promise((r) => setTimeout(r, 120));
    await drain([one.rt, two.rt], one.queue, async () => (await one.store.listInstances()).every((i) => i.status !== 'in_progress'));
    await one.rt.stop();
    await two.rt.stop();
    const all = await one.store.listInstances();
    expect(all.map((i) => `${i.status}/${i.reason}`)).toEqual(customers.map(() => 'stopped/flow_stopped'));
  }, 60_000);

  it('events queued right after a launch through one runtime enter the flow on the other runtime’s shards, before its next beat', async () => {
    const prefix = `launch${prefixes++}`;
    // Beats far apart: only the registry revision read after the events can tell `two` of the launch.
    const one = await runtime(prefix, { token: 'one', leaseMs: 30_000, beatMs: 10_000 });
    const two = await runtime(prefix, { token: 'two', leaseMs: 30_000, beatMs: 10_000 });
    await one.rt.round(); // one takes every shard
    await two.owner.beat(); // two says it is alive (every shard is taken)
    await one.owner.beat(); // one gives half up...
    await two.rt.round(); // ...and two takes them at its beat (the next one is 10 s away)
    await one.service.putDraft('thanks', FLOW.replace('wait later 1m', 'wait later 1h'));
    await one.service.launch('thanks');
    const customers = Array.from({ length: 20 }, (_, i) => `l${i}`).filter((c) => two.owner.owned().has(one.store.shardOf(c)));
    expect(customers.length).toBeGreaterThan(3);
    expect(await one.service.ingest(customers.map((c, i) => order(i, c, 80)))).toMatchObject({ accepted: customers.length });
    await two.rt.round();
    const entered = (await one.store.listInstances()).map((i) => i.customer).sort();
    expect(entered).toEqual([...customers].sort());
    expect(await one.store.listNotEntered()).toEqual([]);
  });

  it('a pause through one runtime holds the other runtime’s due timers at once, before its next beat', async () => {
    const prefix = `hold${prefixes++}`;
    const one = await runtime(prefix, { token: 'one', leaseMs: 30_000, beatMs: 10_000 });
    const two = await runtime(prefix, { token: 'two', leaseMs: 30_000, beatMs: 10_000 });
    await one.service.putDraft('thanks', FLOW);
    await one.service.launch('thanks');
    await one.rt.round();
    await two.owner.beat();
    await one.owner.beat();
    await two.rt.round();
    const customers = Array.from({ length: 20 }, (_, i) => `h${i}`).filter((c) => two.owner.owned().has(one.store.shardOf(c)));
    expect(customers.length).toBeGreaterThan(3);
    // Waiting in `wait later 1m`, due in 1.5 s; the reminder would go out then.
    await one.service.ingest(customers.map((c, i) => order(i, c, 80, 1500)));
    await two.rt.round();
    expect((await one.store.listInstances()).filter((i) => i.reason === 'waiting')).toHaveLength(customers.length);
    await one.service.setStatus('thanks', 'paused');
    await new Promise((r) => setTimeout(r, 1600));
    await two.rt.round();
    expect((await one.store.listEffects()).filter((e) => e['template'] === 'reminder')).toEqual([]);
    expect((await one.store.listInstances()).map((i) => `${i.status}/${i.reason}`)).toEqual(customers.map(() => 'stopped/flow_stopped'));
  });

  it('trims the channel streams of what every consumer group acknowledged, within a trim period', async () => {
    const prefix = `sr${prefixes++}`;
    const { rt, store } = await runtime(prefix);
    const conn = redis.connection();
    const key = `${prefix}:out:email`;
    await conn.send(`${prefix}:out:channels`, ['SADD', `${prefix}:out:channels`, 'email']);
    for (let i = 0; i < 500; i++) await conn.send(key, ['XADD', key, '*', 'k', `k${i}`, 'e', '{}']);
    await conn.send(key, ['XGROUP', 'CREATE', key, 'mailer', '0']);
    const read = (await conn.send(key, ['XREADGROUP', 'GROUP', 'mailer', 'm1', 'STREAMS', key, '>'])) as Array<[string, Array<[string, string[]]>]>;
    await conn.send(key, ['XACK', key, 'mailer', ...read[0]![1].map(([id]) => id)]);
    await rt.round();
    // The trim runs beside the work: it ends shortly after the round.
    await eventually('the acknowledged entries trimmed', async () => Number(await conn.send(key, ['XLEN', key])) < 500);
    // The last entry the group read stays (its stream node is kept).
    expect(((await conn.send(key, ['XREVRANGE', key, '+', '-', 'COUNT', '1'])) as Array<[string, string[]]>)[0]![1]).toEqual(['k', 'k499', 'e', '{}']);
    await store.conn.send(key, ['DEL', key]);
  });

  it('processes queued events between the slices of a scheduled run over a large segment', async () => {
    const prefix = `slices${prefixes++}`;
    let now = Date.parse('2026-06-01T09:00:00Z');
    const { rt, store, service, queue } = await runtime(prefix, { now: () => now });
    await service.putDraft('thanks', FLOW);
    await service.putDraft('daily', `flow daily "Daily" {\n  every day at 10:00\n  steps hi { send email "thanks" }\n}\n`);
    await service.launch('thanks');
    await service.launch('daily');
    const n = TICK_BUDGET * 3;
    await Promise.all(Array.from({ length: n }, (_, i) => store.putCustomer({ id: `v${i}` })));
    await rt.round();
    now = Date.parse('2026-06-01T10:00:01Z');
    await rt.round(); // the run begins: one slice
    const runEffects = async () => (await store.listEffects()).filter((e) => e.flow === 'daily').length;
    expect(await runEffects()).toBe(TICK_BUDGET - 1);
    await service.ingest([orderAt(1, 'x', 80, new Date(now).toISOString())]);
    await rt.round(); // the event, then the next slice
    expect((await store.listEffects()).filter((e) => e.customer === 'x').map((e) => e.template)).toEqual(['thanks']);
    expect(await runEffects()).toBe(2 * TICK_BUDGET - 1);
    await drain([rt], queue, async () => (await runEffects()) === n);
    await rt.stop();
  });

  it('a runtime taking over the shards of one that died half way through a scheduled run enters the customers it had not reached, each once', async () => {
    const prefix = `remake${prefixes++}`;
    let now = Date.parse('2026-06-01T09:00:00Z');
    const a = await runtime(prefix, { now: () => now, leaseMs: 300, beatMs: 50, token: 'a' });
    const b = await runtime(prefix, { now: () => now, leaseMs: 300, beatMs: 50, token: 'b' });
    await a.service.putDraft('daily', `flow daily "Daily" {\n  every day at 10:00\n  steps hi { send email "thanks" }\n}\n`);
    await a.service.launch('daily');
    const n = TICK_BUDGET * 3;
    await Promise.all(Array.from({ length: n }, (_, i) => a.store.putCustomer({ id: `v${i}` })));
    // Both take their half of the shards.
    for (let i = 0; i < 50 && (a.owner.owned().size === 0 || b.owner.owned().size === 0 || a.owner.owned().size + b.owner.owned().size < a.store.shards); i++) {
      await a.rt.round();
      await b.rt.round();
      await new Promise((r) => setTimeout(r, 60));
    }
    expect(a.owner.owned().size + b.owner.owned().size).toBe(a.store.shards);
    now = Date.parse('2026-06-01T10:00:01Z');
    const runEffects = async () => (await a.store.listEffects()).filter((e) => e.flow === 'daily');
    await a.rt.round(); // a's run begins: one slice, then a dies (no more rounds, no release)
    const byA = (await runEffects()).length;
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(TICK_BUDGET);
    // b makes its own run over its shards...
    while ((await b.service.tick()) > 0);
    const mine = (c: string) => b.owner.owned().has(b.store.shardOf(c));
    const customers = Array.from({ length: n }, (_, i) => `v${i}`);
    expect((await runEffects()).length).toBe(byA + customers.filter(mine).length);
    // ...and once a's lease ran out and b took its shards, the rest of a's run (the first try at
    // it fails: it is tried again at the next beat).
    await new Promise((r) => setTimeout(r, 400));
    const remakeRuns = b.service.remakeRuns.bind(b.service);
    let tries = 0;
    b.service.remakeRuns = async (list) => {
      if (++tries === 1) throw new Error('Redis went away for a moment');
      return remakeRuns(list);
    };
    await eventually('b owns every shard', async () => {
      await b.rt.round().catch(() => undefined);
      return b.owner.owned().size === b.store.shards;
    });
    await eventually('the takeover went through', async () => {
      await new Promise((r) => setTimeout(r, 60));
      await b.rt.round().catch(() => undefined);
      return tries >= 2;
    });
    while ((await b.service.tick()) > 0);
    const effects = await runEffects();
    expect(effects).toHaveLength(n);
    expect(new Set(effects.map((e) => e.customer)).size).toBe(n);
    expect((await b.store.flowStats('daily')).entered).toBe(n);
    await b.rt.stop();
  });

  it('sweeps the ended journeys of its shards once their retention is over; journeys in progress stay', async () => {
    const prefix = `sr${prefixes++}`;
    const { rt, store, service, queue } = await runtime(prefix, { endedRetentionMs: 200, upkeepMs: 50 });
    await service.putDraft('thanks', FLOW);
    await service.launch('thanks');
    // c1 cancels (exit on: the journey ends); c2 waits for its reminder.
    await service.ingest([order(1, 'c1', 80, 60_000), order(2, 'c2', 80, 60_000)]);
    await drain([rt], queue);
    await service.ingest([{ id: 'x1', type: 'OrderStatusChanged', customer: 'c1', at: new Date().toISOString(), order: { id: 'o1', status: 'cancelled', total: 80, items: [], createdAt: new Date().toISOString() } }]);
    await drain([rt], queue);
    expect((await store.listInstances()).map((i) => `${i.customer} ${i.status}`).sort()).toEqual(['c1 stopped', 'c2 in_progress']);
    await new Promise((r) => setTimeout(r, 250));
    await rt.round();
    await eventually('the ended journey swept', async () => (await store.listInstances()).length === 1);
    expect((await store.listInstances()).map((i) => `${i.customer} ${i.status}`)).toEqual(['c2 in_progress']);
    expect(await store.instancesOfCustomer('c1')).toEqual([]);
    await rt.stop();
  });
});
