/**
 * The outbox worker against a real HTTP server on 127.0.0.1 (allowPrivate set), with a fake clock
 * for the backoff waits: retries, Retry-After, timeouts, redirects, permanent failures, the same key
 * twice (one worker, and two workers sharing a ledger), the limits, the sources, and stop().
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectRecord } from '../../../runtime/store/store.js';
import { InMemoryDeliveryLedger } from '../../../runtime/server/webhooks/ledger.js';
import { WebhookOutbox, systemClock, type DeadLetter, type WebhookOutboxOptions } from '../../../runtime/server/webhooks/outbox-worker.js';
import type { LookupFn } from '../../../runtime/server/webhooks/ssrf-guard.js';
import { FakeClock, runUntilIdle, startServer, waitFor, webhook, type Reply, type TestServer } from './helpers.js';

let servers: TestServer[] = [];
let workers: WebhookOutbox[] = [];
afterEach(async () => {
  await Promise.all(workers.map((w) => w.stop({ deadlineMs: 0 })));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  workers = [];
});

async function serve(reply: (i: number) => Reply): Promise<TestServer> {
  const s = await startServer((_req, i) => reply(i));
  servers.push(s);
  return s;
}

interface Log {
  delivered: Array<{ key: string; attempts: number; status: number }>;
  retries: Array<{ key: string; attempt: number; delayMs: number; reason: string; at: number }>;
  dead: DeadLetter[];
  skipped: Array<{ key: string; why: string }>;
  errors: unknown[];
}

function worker(clock: FakeClock | typeof systemClock, over: Partial<WebhookOutboxOptions> = {}, ledger = new InMemoryDeliveryLedger(() => clock.now())) {
  const log: Log = { delivered: [], retries: [], dead: [], skipped: [], errors: [] };
  const w = new WebhookOutbox({
    ledger,
    delivery: { timeoutMs: 2000, allowPrivate: true },
    clock,
    random: () => 0.5,
    onDelivered: (e, i) => log.delivered.push({ key: e.key, ...i }),
    onRetry: (e, i) => log.retries.push({ key: e.key, attempt: i.attempt, delayMs: i.delayMs, reason: i.reason, at: clock.now() }),
    onDeadLetter: (d) => log.dead.push(d),
    onSkipped: (e, why) => log.skipped.push({ key: e.key, why }),
    onError: (err) => log.errors.push(err),
    ...over,
  });
  workers.push(w);
  return { w, log, ledger };
}

describe('WebhookOutbox', () => {
  it('2xx: delivered once, marked in the ledger', async () => {
    const s = await serve(() => ({ status: 200 }));
    const clock = new FakeClock();
    const { w, log, ledger } = worker(clock);
    const e = webhook(s.url());
    expect(w.submit(e)).toBe(true);
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(1);
    expect(log.delivered).toEqual([{ key: e.key, attempts: 1, status: 200 }]);
    expect(await ledger.has(e.key)).toBe(true);
    expect(log.errors).toEqual([]);
  });

  it('500 then 200: retried after a backoff, delivered once', async () => {
    const s = await serve((i) => (i === 0 ? { status: 500 } : { status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock);
    const start = clock.now();
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(2);
    expect(log.retries).toEqual([{ key: expect.any(String), attempt: 1, delayMs: 500, reason: 'the endpoint answered 500', at: start }]);
    expect(log.delivered).toEqual([{ key: expect.any(String), attempts: 2, status: 200 }]);
    expect(clock.now() - start).toBe(500);
    // the same idempotency key on both attempts
    expect(s.requests[0]!.headers['idempotency-key']).toBe(s.requests[1]!.headers['idempotency-key']);
  });

  it('backoff: full jitter under base × 2^(n-1), capped', async () => {
    const s = await serve(() => ({ status: 503 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { random: () => 0.999, maxAttempts: 14, baseDelayMs: 1000, maxDelayMs: 600_000 });
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(log.retries.map((r) => r.delayMs)).toEqual([999, 1998, 3996, 7992, 15984, 31968, 63936, 127872, 255744, 511488, 599400, 599400, 599400]);
    expect(log.dead).toHaveLength(1);
    expect(log.dead[0]).toMatchObject({ attempts: 14, permanent: false, status: 503, reason: 'the endpoint answered 503' });
    expect(s.requests).toHaveLength(14);
  });

  it('429 with Retry-After: waits at least that long', async () => {
    const s = await serve((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '5' } } : { status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { random: () => 0 });
    const start = clock.now();
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(log.retries[0]).toMatchObject({ attempt: 1, delayMs: 5000 });
    expect(clock.now() - start).toBe(5000);
    expect(log.delivered).toHaveLength(1);
  });

  it('Retry-After beyond the cap waits the cap', async () => {
    const s = await serve((i) => (i === 0 ? { status: 503, headers: { 'retry-after': '86400' } } : { status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { random: () => 0, maxDelayMs: 60_000 });
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(log.retries[0]!.delayMs).toBe(60_000);
  });

  it('a timeout is retried', async () => {
    const s = await serve((i) => (i === 0 ? { status: 200, delayMs: 'never' } : { status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { delivery: { timeoutMs: 40, allowPrivate: true } });
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(log.retries.map((r) => r.reason)).toEqual(['no answer within 40 ms']);
    expect(log.delivered).toEqual([{ key: expect.any(String), attempts: 2, status: 200 }]);
  });

  it('3xx: not followed, dead-lettered at once', async () => {
    const target = await serve(() => ({ status: 200 }));
    const s = await serve(() => ({ status: 301, headers: { location: target.url('/elsewhere') } }));
    const clock = new FakeClock();
    const { w, log } = worker(clock);
    const e = webhook(s.url());
    w.submit(e);
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    expect(log.dead).toEqual([{ effect: e, attempts: 1, permanent: true, status: 301, reason: expect.stringMatching(/answered 301 redirecting to .*\/elsewhere; webhooks do not follow redirects/) }]);
    expect(log.retries).toEqual([]);
  });

  it('4xx: permanent, dead-lettered at once and never attempted again', async () => {
    const s = await serve(() => ({ status: 422, body: 'missing id' }));
    const clock = new FakeClock();
    const { w, log } = worker(clock);
    const e = webhook(s.url());
    w.submit(e);
    await runUntilIdle(w, clock);
    expect(log.dead).toEqual([{ effect: e, attempts: 1, permanent: true, status: 422, reason: 'the endpoint answered 422: missing id' }]);
    w.submit(e);
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(1);
    expect(log.skipped).toEqual([{ key: e.key, why: 'dead' }]);
  });

  it('a refused target is dead-lettered without a request', async () => {
    const s = await serve(() => ({ status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { delivery: { allowPrivate: false } });
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(0);
    expect(log.dead[0]).toMatchObject({ attempts: 1, permanent: true, reason: expect.stringMatching(/^refused: webhook address 127\.0\.0\.1 is the loopback range/) });
  });

  it('the last attempt fails: dead-lettered after maxAttempts', async () => {
    const s = await serve(() => ({ status: 500 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, { maxAttempts: 3 });
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(3);
    expect(log.retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(log.dead).toMatchObject([{ attempts: 3, permanent: false, status: 500 }]);
  });

  it('the same key twice: delivered once', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 5 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock);
    const e = webhook(s.url());
    expect(w.submit(e)).toBe(true);
    expect(w.submit({ ...e })).toBe(false); // already in the worker's care
    await runUntilIdle(w, clock);
    expect(w.submit({ ...e })).toBe(true); // taken, then dropped: the ledger says delivered
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(1);
    expect(log.delivered).toHaveLength(1);
    expect(log.skipped).toEqual([{ key: e.key, why: 'delivered' }]);
  });

  it('two workers sharing one ledger, given the same effects at once: each key delivered once', async () => {
    const s = await serve((i) => ({ status: i % 3 === 0 ? 503 : 200, delayMs: 3 }));
    const clock = new FakeClock();
    const ledger = new InMemoryDeliveryLedger(() => clock.now());
    const a = worker(clock, { id: 'a', concurrency: 4 }, ledger);
    const b = worker(clock, { id: 'b', concurrency: 4 }, ledger);
    const effects = Array.from({ length: 12 }, () => webhook(s.url()));
    for (const e of effects) {
      a.w.submit(e);
      b.w.submit({ ...e });
    }
    await runUntilIdle([a.w, b.w], clock);
    const ok = new Map<string, number>();
    s.requests.forEach((r, i) => {
      if (i % 3 !== 0) ok.set(String(r.headers['idempotency-key']), (ok.get(String(r.headers['idempotency-key'])) ?? 0) + 1);
    });
    expect([...ok.keys()].sort()).toEqual(effects.map((e) => e.key).sort());
    expect([...ok.values()].every((n) => n === 1)).toBe(true);
    expect(a.log.delivered.length + b.log.delivered.length).toBe(12);
    expect(a.log.skipped.length + b.log.skipped.length).toBe(12);
  });

  it('concurrency and per-host limits', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 5 }));
    const clock = new FakeClock();
    // three names for the one local server: three hosts for the per-host limit
    const lookup: LookupFn = async () => [{ address: '127.0.0.1', family: 4 }];
    const { w, log } = worker(clock, { concurrency: 3, perHostConcurrency: 2, delivery: { timeoutMs: 2000, allowPrivate: true, lookup } });
    for (let i = 0; i < 30; i++) w.submit(webhook(`http://h${i % 3}.test:${s.port}/hook`));
    await waitFor(() => w.stats().running > 0);
    expect(w.stats().running).toBe(3);
    await runUntilIdle(w, clock);
    expect(log.delivered).toHaveLength(30);
    expect(s.maxInFlight).toBeLessThanOrEqual(3);
    expect(Math.max(...s.maxInFlightByHost.values())).toBeLessThanOrEqual(2);

    const s2 = await serve(() => ({ status: 200, delayMs: 5 }));
    const one = worker(clock, { concurrency: 8, perHostConcurrency: 2 });
    for (let i = 0; i < 12; i++) one.w.submit(webhook(s2.url()));
    await runUntilIdle(one.w, clock);
    expect(s2.maxInFlight).toBe(2);
  });

  it('ignores effects other than webhooks', async () => {
    const clock = new FakeClock();
    const { w } = worker(clock);
    const send = { ...webhook('https://x.example/'), action: 'send' as const, channel: 'email' };
    expect(w.submit(send)).toBe(false);
    expect(w.stats().inCare).toBe(0);
  });

  it('consumes an async iterable source', async () => {
    const s = await serve(() => ({ status: 200 }));
    const clock = new FakeClock();
    const effects = [webhook(s.url()), { ...webhook(s.url()), action: 'points' as const }, webhook(s.url())];
    async function* source(): AsyncGenerator<EffectRecord> {
      for (const e of effects) yield e;
    }
    const { w, log } = worker(clock, { source: source() });
    w.start();
    await waitFor(() => log.delivered.length === 2);
    expect(log.delivered.map((d) => d.key)).toEqual([effects[0]!.key, effects[2]!.key]);
  });

  it('polls a source, waiting pollIntervalMs after an empty batch, and pauses it when full', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 2 }));
    const clock = new FakeClock();
    const batches = [[webhook(s.url()), webhook(s.url()), webhook(s.url())], [], [webhook(s.url())]];
    const polledAt: number[] = [];
    const inCareAtPoll: number[] = [];
    let w!: WebhookOutbox;
    const made = worker(clock, {
      maxQueued: 2,
      pollIntervalMs: 250,
      source: {
        poll: async () => {
          polledAt.push(clock.now());
          inCareAtPoll.push(w.stats().inCare);
          return batches.shift() ?? [];
        },
      },
    });
    w = made.w;
    const start = clock.now();
    w.start();
    await waitFor(() => made.log.delivered.length === 3);
    await waitFor(() => polledAt.length >= 2);
    clock.advance(250);
    await waitFor(() => made.log.delivered.length === 4);
    expect(polledAt.slice(0, 3)).toEqual([start, start, start + 250]);
    expect(Math.max(...inCareAtPoll)).toBeLessThan(2);
  });

  it('stop() waits for the attempts in flight, and gives back what waits for a retry', async () => {
    const s = await serve((i) => (i === 0 ? { status: 500 } : { status: 200, delayMs: 20 }));
    const clock = new FakeClock();
    const ledger = new InMemoryDeliveryLedger(() => clock.now());
    const { w, log } = worker(clock, {}, ledger);
    const failing = webhook(s.url());
    w.submit(failing);
    await waitFor(() => log.retries.length === 1); // now waiting for its retry
    const slow = [webhook(s.url()), webhook(s.url())];
    for (const e of slow) w.submit(e);
    await waitFor(() => w.stats().running === 2);
    const result = await w.stop({ deadlineMs: 60_000 });
    expect(result).toEqual({ drained: true, abandoned: [failing] });
    expect(log.delivered.map((d) => d.key)).toEqual(slow.map((e) => e.key));
    // its lease is released: another worker may take it at once
    expect(await ledger.claim(failing.key, 'other', 1000)).toBe('claimed');
    expect(w.submit(webhook(s.url()))).toBe(false);
    expect(w.stats().inCare).toBe(0);
  });

  it('stop() aborts what is still in flight at the deadline', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 'never' }));
    const ledger = new InMemoryDeliveryLedger();
    const { w, log } = worker(systemClock, {}, ledger);
    const e = webhook(s.url());
    w.submit(e);
    await waitFor(() => s.requests.length === 1);
    const started = Date.now();
    const result = await w.stop({ deadlineMs: 20 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toEqual({ drained: false, abandoned: [e] });
    expect(log.delivered).toEqual([]);
    expect(log.dead).toEqual([]);
    expect(await ledger.claim(e.key, 'other', 1000)).toBe('claimed');
  });

  it('stop() with nothing to do resolves at once, and twice the same', async () => {
    const clock = new FakeClock();
    const { w } = worker(clock);
    const p = w.stop();
    expect(w.stop()).toBe(p);
    expect(await p).toEqual({ drained: true, abandoned: [] });
  });

  it('a ledger failure is reported and retried, not counted as an attempt', async () => {
    const s = await serve(() => ({ status: 200 }));
    const clock = new FakeClock();
    const inner = new InMemoryDeliveryLedger(() => clock.now());
    let failMark = 2;
    const flaky = {
      has: (k: string) => inner.has(k),
      claim: (k: string, o: string, t: number) => inner.claim(k, o, t),
      release: (k: string, o: string) => inner.release(k, o),
      markDead: (k: string) => inner.markDead(k),
      markDelivered: async (k: string) => {
        if (failMark-- > 0) throw new Error('redis down');
        return inner.markDelivered(k);
      },
    };
    const { w, log } = worker(clock, {}, flaky as unknown as InMemoryDeliveryLedger);
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(1); // delivered once; only the recording was retried
    expect(log.errors.map((e) => (e as Error).message)).toEqual(['redis down', 'redis down']);
    expect(log.delivered).toEqual([{ key: expect.any(String), attempts: 1, status: 200 }]);
  });

  it('a callback that throws does not stop the worker', async () => {
    const s = await serve(() => ({ status: 200 }));
    const clock = new FakeClock();
    const { w, log } = worker(clock, {
      onDelivered: () => {
        throw new Error('listener bug');
      },
    });
    w.submit(webhook(s.url()));
    w.submit(webhook(s.url()));
    await runUntilIdle(w, clock);
    expect(s.requests).toHaveLength(2);
    expect(log.errors.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug']);
  });
});
