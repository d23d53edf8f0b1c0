/**
 * What the Redis store adds to the Store contract: leases on claimed timers, all-or-nothing
 * commits, scripts that come back after SCRIPT FLUSH or a restart, and what survives kill -9 with
 * the append-only file on.
 */
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { ADMIT, ADMIT_PERIOD, COMMIT, SCRIPTS, SWEEP_ENDED, type Script } from '../../runtime/redis/scripts.js';
import { startRedis } from '../helpers/redis-server.js';
import { useRedis } from '../helpers/use-redis.js';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { effect, inst, step, tx } from './store-contract.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = useRedis();
let n = 0;
const fresh = (opts: ConstructorParameters<typeof RedisStore>[1] = {}) => new RedisStore(redis.connection(), { prefix: `d${n++}`, ...opts });


describe('leases on claimed timers', () => {
  it('a claimed timer is invisible while leased, and comes back at its own due when not acknowledged', async () => {
    const s = fresh({ leaseMs: 250 });
    const a = inst('f/c1/e1', 'c1', { waitingUntil: 10 });
    const b = inst('f/c2/e2', 'c2', { waitingUntil: 20 });
    await s.commit(tx(a, { timers: [{ key: a.id, due: 10 }] }));
    await s.commit(tx(b, { timers: [{ key: b.id, due: 20 }] }));
    expect(await s.claimDueTimers(15)).toEqual([{ instance: a.id, due: 10 }]);
    // The worker "crashes": no acknowledgement.
    expect(await s.claimDueTimers(15)).toEqual([]);
    expect(await s.nextTimerDue()).toBe(20);
    await sleep(300);
    expect(await s.nextTimerDue()).toBe(10);
    // Another worker (another store on the same keys) gets it, in due order before b.
    const other = new RedisStore(redis.connection(), { prefix: s.prefix, leaseMs: 250 });
    expect(await other.claimDueTimers(100)).toEqual([
      { instance: a.id, due: 10 },
      { instance: b.id, due: 20 },
    ]);
    // Acknowledged by the step's commit (a cleared) and by removeTimer (b): gone for good.
    await other.commit(tx({ ...a, status: 'completed', reason: 'all_steps_done', waitingUntil: null }, { timers: [{ key: a.id, due: null }] }));
    await other.removeTimer(b.id);
    await sleep(300);
    expect(await s.claimDueTimers(Infinity)).toEqual([]);
    expect(await s.nextTimerDue()).toBeNull();
  });

  it('replacing a leased timer acknowledges the claim: only the new one fires', async () => {
    const s = fresh({ leaseMs: 200 });
    const a = inst('f/c1/e1', 'c1', { waitingUntil: 10 });
    await s.commit(tx(a, { timers: [{ key: a.id, due: 10 }] }));
    expect(await s.claimDueTimers(10)).toHaveLength(1);
    await s.commit(tx({ ...a, waitingUntil: 50 }, { timers: [{ key: a.id, due: 50 }] }));
    await sleep(250);
    expect(await s.claimDueTimers(49)).toEqual([]);
    expect(await s.claimDueTimers(50)).toEqual([{ instance: a.id, due: 50 }]);
  });

  it('without a lease (leaseMs 0) a claim removes the timer', async () => {
    const s = fresh({ leaseMs: 0 });
    await s.addTimer({ instance: 'x', due: 1 });
    expect(await s.claimDueTimers(1)).toEqual([{ instance: 'x', due: 1 }]);
    await sleep(20);
    expect(await s.claimDueTimers(Infinity)).toEqual([]);
    expect(await s.nextTimerDue()).toBeNull();
  });

  it('workers claiming at once never get the same timer twice, and together get them all', async () => {
    const prefix = `d${n++}`;
    const setup = new RedisStore(redis.connection(), { prefix });
    const keys: string[] = [];
    for (let i = 0; i < 300; i++) {
      const c = `c${i % 37}`;
      const id = `f/${c}/e${i}`;
      keys.push(id);
      await setup.commit(tx(inst(id, c, { waitingUntil: i % 11 }), { timers: [{ key: id, due: i % 11 }] }));
    }
    const workers = Array.from({ length: 5 }, () => new RedisStore(redis.connection(), { prefix }));
    const got = await Promise.all(
      workers.map(async (w) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await w.claimDueTimers(100, 13);
          if (!batch.length) return mine;
          mine.push(...batch.map((t) => t.instance));
        }
      }),
    );
    const all = got.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...keys].sort());
  });
});

describe('commits are all or nothing', () => {
  it('a commit that fails (a key of the wrong type) writes nothing, and an earlier state stays whole', async () => {
    const s = fresh();
    const id = 'f/c1/e1';
    const before = inst(id, 'c1', { waitingUntil: 5, reason: 'waiting' });
    await s.commit(tx(before, { timers: [{ key: id, due: 5 }], activity: [step('a', 1)], launch: { flow: 'f', record: { launches: 1, lastStepAt: 1 } } }));
    // Someone broke the shard's outbox key.
    const outbox = `${s.shardTag(s.shardOf('c1'))}:o`;
    await redis.connection().send(outbox, ['SET', outbox, 'not a stream']);
    const after = inst(id, 'c1', { status: 'completed', reason: 'all_steps_done' });
    await expect(
      s.commit(
        tx(after, {
          timers: [
            { key: id, due: null },
            { key: `${id}\u0000p/a`, due: 9 },
          ],
          effects: [effect('k1', 'c1')],
          activity: [step('b', 2)],
          launch: { flow: 'f', record: { launches: 2, lastStepAt: 2 } },
          profile: { id: 'c1', segments: ['vip'] },
        }),
      ),
    ).rejects.toThrow(/WRONGTYPE.*nothing was written/);
    expect(await s.getInstance(id)).toEqual(before);
    expect(await s.claimDueTimers(100)).toEqual([{ instance: id, due: 5 }]);
    expect(await s.listActivity(id)).toEqual([step('a', 1)]);
    expect(await s.getLaunchRecord('f', 'c1')).toEqual({ launches: 1, lastStepAt: 1 });
    expect(await s.getCustomer('c1')).toBeUndefined();
    expect((await s.inFlightOfCustomer('c1')).map((i) => i.id)).toEqual([id]);
  });

  it('a commit sent again (the connection dropped before its reply; ioredis resends it) writes nothing the second time', async () => {
    const s = fresh();
    const id = 'f/c1/e1';
    const waiting = inst(id, 'c1', { waitingUntil: 5, reason: 'waiting' });
    const t = tx(waiting, { timers: [{ key: id, due: 5 }], effects: [effect('k1', 'c1')], activity: [step('a', 1)], launch: { flow: 'f', record: { launches: 1, lastStepAt: 1 } } });
    await s.commit(t);
    expect(await s.claimDueTimers(100)).toEqual([{ instance: id, due: 5 }]); // claimed, under lease
    await s.commit(t);
    expect(await s.listActivity(id)).toEqual([step('a', 1)]);
    expect((await s.listEffects()).map((e) => e.key)).toEqual(['k1']);
    expect(await s.claimDueTimers(100)).toEqual([]); // the claim was not reset by the repeat
    // The next step (a changed instance) is written as usual.
    await s.commit(tx({ ...waiting, status: 'completed', reason: 'all_steps_done', waitingUntil: null }, { timers: [{ key: id, due: null }], activity: [step('b', 5)] }));
    expect(await s.listActivity(id)).toEqual([step('a', 1), step('b', 5)]);
  });

  it('a commit over a malformed index of the customer’s instances writes nothing', async () => {
    const s = fresh();
    const id = 'f/c1/e1';
    await s.commit(tx(inst(id, 'c1', { waitingUntil: 5, reason: 'waiting' }), { timers: [{ key: id, due: 5 }] }));
    const cf = `${s.shardTag(s.shardOf('c1'))}:cf`;
    await redis.connection().send(cf, ['HSET', cf, 'c1', '99:short']);
    await expect(s.commit(tx(inst(id, 'c1', { status: 'completed', reason: 'all_steps_done' }), { timers: [{ key: id, due: null }], effects: [effect('k1', 'c1')], activity: [step('b', 2)] }))).rejects.toThrow(/malformed; nothing was written/);
    expect((await s.getInstance(id))?.status).toBe('in_progress');
    expect(await s.claimDueTimers(100)).toEqual([{ instance: id, due: 5 }]);
    expect(await s.listEffects()).toEqual([]);
    expect(await s.listActivity(id)).toEqual([]);
    await expect(s.inFlightOfCustomer('c1')).rejects.toThrow(/instance index .* is malformed/);
  });

  it('a commit with bad arguments (sent by hand) writes nothing', async () => {
    const s = fresh();
    const sh = s.shardOf('c1');
    const k = (name: string) => `${s.shardTag(sh)}:${name}`;
    const keys = [k('i'), k('ci:c1'), k('cf'), k('t'), k('tl'), k('tm'), k('o'), k('l'), k('c'), k('hi'), k('a:x'), k('own'), k('e'), k('st:f'), k('x')];
    // Two timers: the first fine, the second with a due that is not a number.
    const args = [String(Date.now() * 1000), 'x', '[1]', '1', '0', '0', '', '', '', '', '', 'c1', '0', 'in_progress/waiting', '', '0', '2', 'x', '5', 'x\u0000b', 'soon', '0', '1', '{}', ''];
    const send = (a: string[], ks = keys) => redis.connection().send(ks[0]!, ['EVAL', COMMIT.source, String(ks.length), ...ks, ...a]);
    await expect(send(args)).rejects.toThrow(/bad timer; nothing was written/);
    // Segment indexes to leave: not a count, or more than the keys given.
    const fine = [...args.slice(0, 16), '1', 'x', '5', ...args.slice(21)];
    await expect(send(fine.map((a, j) => (j === 15 ? 'one' : a)))).rejects.toThrow(/bad arguments; nothing was written/);
    await expect(send(fine.map((a, j) => (j === 15 ? '2' : a)), [...keys, k('g:vip')])).rejects.toThrow(/bad arguments; nothing was written/);
    const exists = (await redis.connection().send(keys[0], ['EXISTS', ...keys])) as number;
    expect(exists).toBe(0);
  });

  it('a sweep with bad arguments or a malformed index (sent by hand) writes nothing', async () => {
    const s = new RedisStore(redis.connection(), { prefix: `sweepbad${Date.now()}`, endedRetentionMs: 1, shards: 1 });
    await s.commit(tx(inst('f/c1/e1', 'c1', { status: 'completed', reason: 'all_steps_done' })));
    await new Promise((r) => setTimeout(r, 10));
    const k = (name: string) => `${s.shardTag(0)}:${name}`;
    const send = (keys: string[], args: string[]) => redis.connection().send(keys[0], ['EVAL', SWEEP_ENDED.source, String(keys.length), ...keys, ...args]);
    const dump = async () => [
      await redis.connection().send(k('i'), ['HGETALL', k('i')]),
      await redis.connection().send(k('e'), ['ZRANGE', k('e'), '0', '-1']),
      await redis.connection().send(k('x'), ['ZRANGE', k('x'), '0', '-1']),
      await redis.connection().send(k('ci:c1'), ['GET', k('ci:c1')]),
    ];
    const before = await dump();
    // One id said, no activity key for it; two groups said, one given.
    await expect(send([k('i'), k('e'), k('x'), k('ci:c1')], ['1', '1', 'f/c1/e1'])).rejects.toThrow(/bad arguments; nothing was written/);
    await expect(send([k('i'), k('e'), k('x'), k('ci:c1'), k('a:f/c1/e1')], ['2', '1', 'f/c1/e1'])).rejects.toThrow(/bad arguments; nothing was written/);
    await redis.connection().send(k('ci:c2'), ['SET', k('ci:c2'), '99:short']);
    await expect(send([k('i'), k('e'), k('x'), k('ci:c1'), k('ci:c2'), k('a:f/c1/e1')], ['2', '1', 'f/c1/e1', '0', '0', '1000'])).rejects.toThrow(/instance index .* is malformed; nothing was written/);
    // Two ids said to only leave e, one given.
    await expect(send([k('i'), k('e'), k('x'), k('ci:c1'), k('a:f/c1/e1')], ['1', '1', 'f/c1/e1', '2', 'x', '1000'])).rejects.toThrow(/bad arguments; nothing was written/);
    // No retry time.
    await expect(send([k('i'), k('e'), k('x'), k('ci:c1'), k('a:f/c1/e1')], ['1', '1', 'f/c1/e1', '0'])).rejects.toThrow(/bad arguments; nothing was written/);
    expect(await dump()).toEqual(before);
    expect(await s.sweepEnded()).toEqual({ swept: 1, more: false });
    expect(await redis.connection().send(k('x'), ['ZRANGE', k('x'), '0', '-1'])).toEqual([]);
  });

  it('limit admissions with bad arguments (sent by hand) write nothing', async () => {
    const send = (s: Script, key: string, args: string[]) => redis.connection().send(key, ['EVAL', s.source, '1', key, ...args]);
    await expect(send(ADMIT_PERIOD, 'bad:a', ['m', '2', 'soon'])).rejects.toThrow(/admit-period: bad arguments; nothing was written/);
    await expect(send(ADMIT, 'bad:w', ['5', '10', '2', 'm', 'soon'])).rejects.toThrow(/admit: bad arguments; nothing was written/);
    expect(await redis.connection().send('bad:a', ['EXISTS', 'bad:a'])).toBe(0);
    expect(await redis.connection().send('bad:w', ['EXISTS', 'bad:w'])).toBe(0);
  });
});

describe('scripts', () => {
  it('come back after SCRIPT FLUSH (NOSCRIPT: loaded again, then run)', async () => {
    const s = fresh();
    await s.loadScripts();
    await redis.connection().sendToMasters(['SCRIPT', 'FLUSH']);
    expect(await redis.connection().send(undefined, ['SCRIPT', 'EXISTS', COMMIT.sha])).toEqual([0]);
    const id = 'f/c1/e1';
    await s.commit(tx(inst(id, 'c1', { waitingUntil: 5 }), { timers: [{ key: id, due: 5 }] }));
    expect(await redis.connection().send(undefined, ['SCRIPT', 'EXISTS', COMMIT.sha])).toEqual([1]);
    await redis.connection().sendToMasters(['SCRIPT', 'FLUSH']);
    expect(await s.nextTimerDue()).toBe(5);
    await redis.connection().sendToMasters(['SCRIPT', 'FLUSH']);
    expect(await s.claimDueTimers(5)).toEqual([{ instance: id, due: 5 }]);
    await redis.connection().sendToMasters(['SCRIPT', 'FLUSH']);
    expect(await s.admitInPeriod('k', 'm', 2, 1000)).toBe(true);
    expect(await s.admitInWindow('w', 'm', 1, 10, 1, 1000)).toBe(true);
  });

  it('load under the SHA-1 the store computes', async () => {
    const shas = await Promise.all(SCRIPTS.map((sc) => redis.connection().send(undefined, ['SCRIPT', 'LOAD', sc.source])));
    expect(shas).toEqual(SCRIPTS.map((sc) => sc.sha));
  });
});

describe('a crash (kill -9) with the append-only file on (appendfsync always)', () => {
  it('keeps every acknowledged commit; connected workers go on; a claim leased before the crash comes back after its lease', async () => {
    const aof = await startRedis({ aof: true });
    let c1: RedisConnection | undefined;
    let c2: RedisConnection | undefined;
    try {
      c1 = await connectRedis({ url: aof.url });
      const s = new RedisStore(c1, { leaseMs: 400 });
      const ids = ['c1', 'c2', 'c3'].map((c) => `f/${c}/e`);
      for (const [i, id] of ids.entries()) {
        const c = id.split('/')[1]!;
        await s.commit(tx(inst(id, c, { waitingUntil: 10 + i }), { timers: [{ key: id, due: 10 + i }], effects: [effect(`k${i}`, c)], activity: [step('a', i)] }));
      }
      expect(await s.claimDueTimers(10)).toEqual([{ instance: ids[0], due: 10 }]);
      await aof.kill();
      await aof.restart();
      // The worker that was connected reconnects by itself; its scripts are gone (NOSCRIPT: loaded again).
      expect((await s.getInstance(ids[1]!))?.waitingUntil).toBe(11);
      expect(await s.admitInPeriod('after-restart', 'm', 1, 60_000)).toBe(true);
      // A new worker after the restart: the scripts are gone from the cache (NOSCRIPT), the data is not.
      c2 = await connectRedis({ url: aof.url });
      const t = new RedisStore(c2, { leaseMs: 400 });
      expect((await t.listInstances()).map((i) => i.id)).toEqual(ids);
      expect((await t.listEffects()).map((e) => e.key)).toEqual(['k0', 'k1', 'k2']);
      expect(await t.listActivity(ids[2]!)).toEqual([step('a', 2)]);
      expect(await t.claimDueTimers(100)).toEqual([
        { instance: ids[1], due: 11 },
        { instance: ids[2], due: 12 },
      ]);
      await t.removeTimer(ids[1]!);
      await t.removeTimer(ids[2]!);
      await sleep(450);
      expect(await t.claimDueTimers(100)).toEqual([{ instance: ids[0], due: 10 }]);
    } finally {
      await c1?.close().catch(() => {});
      await c2?.close().catch(() => {});
      await aof.dispose();
    }
  }, 60_000);
});

describe('connecting', () => {
  for (const client of ['ioredis', 'node-redis'] as const) {
    it(`${client}: a first connection that fails rejects at once (no retrying forever), and a connected client comes back after a restart`, async () => {
      const { freePort } = await import('../helpers/redis-server.js');
      const port = await freePort();
      const t0 = Date.now();
      await expect(connectRedis({ url: `redis://127.0.0.1:${port}` }, { client })).rejects.toThrow(/ECONNREFUSED/);
      expect(Date.now() - t0).toBeLessThan(5_000);

      const server = await startRedis();
      let c: RedisConnection | undefined;
      try {
        c = await connectRedis({ url: server.url }, { client });
        const s = new RedisStore(c);
        await s.putMeta('k', 'before');
        await server.kill();
        await server.restart();
        // Reconnects by itself (a command sent while it does waits or fails; the next one goes through).
        let value: string | undefined;
        for (let i = 0; i < 50 && value === undefined; i++) {
          value = await s.getMeta('k').then((v) => v ?? 'gone', () => undefined);
          if (value === undefined) await sleep(100);
        }
        expect(value).toBe('gone'); // no persistence: the data went with the process, the connection came back
      } finally {
        await c?.close().catch(() => {});
        await server.dispose();
      }
    }, 60_000);
  }
});
