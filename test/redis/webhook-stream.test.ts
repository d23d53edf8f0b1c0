/**
 * The runtime's webhook consumer (runtime/redis/webhook-stream.ts) with the webhook outbox, on a
 * real redis-server: an entry is acknowledged only once its effect is settled (delivered or
 * dead-lettered); one still retrying, or given back at stop, stays pending; a dead consumer's
 * pending entries are taken over after the idle time, and a key another consumer still holds a
 * lease on is left pending (not acknowledged) until it can be delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisWebhookSource } from '../../runtime/redis/webhook-stream.js';
import { RedisDeliveryLedger } from '../../runtime/redis/delivery-ledger.js';
import { WebhookOutbox, type DeliverFn } from '../../runtime/server/webhooks/outbox-worker.js';
import type { DeliveryResult } from '../../runtime/server/webhooks/deliver.js';
import type { EffectRecord } from '../../runtime/store/store.js';
import { useRedis } from '../helpers/use-redis.js';
import { eventually } from '../helpers/eventually.js';

const redis = useRedis();
let prefixes = 0;
let outboxes: WebhookOutbox[] = [];
afterEach(async () => {
  await Promise.all(outboxes.map((o) => o.stop({ deadlineMs: 0 })));
  outboxes = [];
});

const hook = (key: string): EffectRecord => ({ key, at: 1, flow: 'f', version: 'v', customer: 'c1', instance: key, block: 'b', action: 'webhook', method: 'post', url: `https://crm.example.com/${key}`, body: {} });

async function put(prefix: string, effects: EffectRecord[]): Promise<string[]> {
  const k = `${prefix}:out:webhook`;
  const ids: string[] = [];
  for (const e of effects) ids.push((await redis.connection().send(k, ['XADD', k, '*', 'k', e.key, 'e', JSON.stringify(e)])) as string);
  return ids;
}

/** Ids of the entries pending in the group, with their consumer. */
async function pending(prefix: string): Promise<Array<[string, string]>> {
  const k = `${prefix}:out:webhook`;
  const rows = (await redis.connection().send(k, ['XPENDING', k, 'runnel-webhooks', '-', '+', '100'])) as Array<[string, string, number, number]>;
  return rows.map(([id, consumer]) => [id, consumer]);
}

function outbox(prefix: string, source: RedisWebhookSource, deliver: DeliverFn, over: { baseDelayMs?: number } = {}) {
  const o = new WebhookOutbox({
    ledger: new RedisDeliveryLedger(redis.connection(), { prefix }),
    source,
    delivery: { allowPrivate: true, timeoutMs: 200 },
    leaseMarginMs: 100,
    pollIntervalMs: 10,
    random: () => 1,
    deliver,
    ...over,
  });
  outboxes.push(o);
  return o;
}

const until = (what: string, cond: () => Promise<boolean> | boolean, ms = 5000) => eventually(what, cond, ms, { everyMs: 10 });

describe('webhook consumer on the channel stream', () => {
  it('acknowledges an entry only once its webhook is delivered or dead-lettered; one still retrying stays pending, also after stop', async () => {
    const prefix = `wh${prefixes++}`;
    const [okId, retryId, deadId] = await put(prefix, [hook('ok'), hook('retry'), hook('dead')]);
    const attempts = new Map<string, number>();
    let releaseOk!: () => void;
    const okGate = new Promise<void>((r) => (releaseOk = r));
    const deliver: DeliverFn = async (e): Promise<DeliveryResult> => {
      attempts.set(e.key, (attempts.get(e.key) ?? 0) + 1);
      if (e.key === 'ok') return okGate.then(() => ({ outcome: 'delivered', status: 200 }));
      if (e.key === 'dead') return { outcome: 'permanent', reason: 'HTTP 410', status: 410 };
      return { outcome: 'retryable', reason: 'HTTP 503', status: 503 };
    };
    const source = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w1' });
    const o = outbox(prefix, source, deliver, { baseDelayMs: 60_000 });
    o.start();
    await until('all attempted', () => attempts.size === 3);
    // "ok" is in flight: not acknowledged before it is settled.
    await until('dead acknowledged', async () => !(await pending(prefix)).some(([id]) => id === deadId));
    expect((await pending(prefix)).map(([id]) => id).sort()).toEqual([okId, retryId].sort());
    releaseOk();
    await until('ok acknowledged', async () => (await pending(prefix)).length === 1);
    expect(await pending(prefix)).toEqual([[retryId, 'w1']]);
    // Stopping gives "retry" back: still pending, for a consumer to take over later.
    const stopped = await o.stop({ deadlineMs: 100 });
    expect(stopped.abandoned.map((e) => e.key)).toEqual(['retry']);
    expect(await pending(prefix)).toEqual([[retryId, 'w1']]);
  });

  it('takes over the pending entries of a dead consumer; a key still leased by another is left pending until it can be delivered, once', async () => {
    const prefix = `whdead${prefixes++}`;
    const ids = await put(prefix, [hook('a'), hook('b'), hook('c')]);
    // Consumer "w1" reads everything, starts delivering "a" (its lease in the ledger), and dies.
    const dead = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w1' });
    expect((await dead.poll()).map((e) => e.key)).toEqual(['a', 'b', 'c']);
    const ledger = new RedisDeliveryLedger(redis.connection(), { prefix });
    expect(await ledger.claim('a', 'outbox-w1', 700)).toBe('claimed');

    const delivered: string[] = [];
    const skipped: string[] = [];
    const source = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w2', claimIdleMs: 200 });
    const o = new WebhookOutbox({
      ledger,
      source,
      delivery: { allowPrivate: true },
      pollIntervalMs: 10,
      deliver: async (e) => (delivered.push(e.key), { outcome: 'delivered', status: 200 }),
      onSkipped: (e, why) => skipped.push(`${e.key}:${why}`),
    });
    outboxes.push(o);
    o.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(delivered).toEqual([]); // not idle long enough yet: w1's
    expect((await pending(prefix)).map(([, c]) => c)).toEqual(['w1', 'w1', 'w1']);
    await until('b and c delivered', () => delivered.length === 2);
    expect(delivered.sort()).toEqual(['b', 'c']);
    // "a" was taken over while w1's lease held: skipped as busy, not acknowledged.
    expect(skipped).toContain('a:busy');
    expect((await pending(prefix)).map(([id]) => id)).toContain(ids[0]);
    // Once the lease ran out, the next take-over delivers it.
    await until('a delivered and everything acknowledged', async () => delivered.includes('a') && (await pending(prefix)).length === 0);
    expect(delivered.sort()).toEqual(['a', 'b', 'c']);
  });

  it('a key settled before (a copy, or delivered before a crash lost the acknowledgement) is acknowledged without delivering', async () => {
    const prefix = `whcopy${prefixes++}`;
    const ledger = new RedisDeliveryLedger(redis.connection(), { prefix });
    await ledger.markDelivered('x');
    await ledger.markDead('y');
    await put(prefix, [hook('x'), hook('y'), hook('z'), hook('z')]);
    const delivered: string[] = [];
    const source = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w1' });
    const o = new WebhookOutbox({ ledger, source, delivery: { allowPrivate: true }, pollIntervalMs: 10, deliver: async (e) => (delivered.push(e.key), { outcome: 'delivered', status: 200 }) });
    outboxes.push(o);
    o.start();
    await until('everything acknowledged', async () => delivered.length === 1 && (await pending(prefix)).length === 0);
    expect(delivered).toEqual(['z']);
  });

  it('acknowledges and reports entries that are no webhook effect', async () => {
    const prefix = `whbad${prefixes++}`;
    const k = `${prefix}:out:webhook`;
    await redis.connection().send(k, ['XADD', k, '*', 'k', 'q', 'e', 'not json']);
    await redis.connection().send(k, ['XADD', k, '*', 'k', 'r', 'e', JSON.stringify({ ...hook('r'), action: 'points' })]);
    await redis.connection().send(k, ['XADD', k, '*', 'k', '', 'e', JSON.stringify({ ...hook('s'), key: '' })]);
    const bad: string[] = [];
    const source = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'w1', onInvalid: (_id, why) => bad.push(why) });
    expect(await source.poll()).toEqual([]);
    expect(bad).toEqual([expect.stringMatching(/^not JSON/), 'not a webhook effect', 'the effect has no idempotency key']);
    expect(await pending(prefix)).toEqual([]);
  });

  it('forgets consumers of runtimes gone for good (idle, nothing pending), never one with entries pending', async () => {
    const prefix = `wprune${prefixes++}`;
    const k = `${prefix}:out:webhook`;
    await put(prefix, [hook('p1')]);
    const busy = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'busy', pruneIdleMs: 0 });
    expect((await busy.poll()).map((e) => e.key)).toEqual(['p1']); // read, never acknowledged
    await redis.connection().send(k, ['XGROUP', 'CREATECONSUMER', k, 'runnel-webhooks', 'gone']);
    await new Promise((r) => setTimeout(r, 20));
    const fresh = new RedisWebhookSource(redis.connection(), { prefix, consumer: 'fresh', pruneIdleMs: 10 });
    await fresh.poll();
    const consumers = (await redis.connection().send(k, ['XINFO', 'CONSUMERS', k, 'runnel-webhooks'])) as unknown[][];
    const names = consumers.map((c) => String(c[1]));
    expect(names).toContain('busy');
    expect(names).not.toContain('gone');
  });
});
