/**
 * Properties of the outbox worker over random outcome sequences (fast-check), with a fake delivery
 * (no HTTP) and a fake clock: whatever the endpoints answer, and however effects are handed to one
 * or two workers sharing a ledger (duplicates, resubmissions after settling),
 *
 * - each key is delivered (a 2xx reached its endpoint) at most once;
 * - attempts of a key never exceed maxAttempts, and a key is never attempted twice at once;
 * - the concurrency and per-host limits hold;
 * - every key ends settled exactly once: delivered, or dead-lettered (permanently, or after exactly
 *   maxAttempts attempts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DeliveryResult } from '../../../runtime/server/webhooks/deliver.js';
import { InMemoryDeliveryLedger } from '../../../runtime/server/webhooks/ledger.js';
import { WebhookOutbox, type DeadLetter, type DeliverFn } from '../../../runtime/server/webhooks/outbox-worker.js';
import { FakeClock, runUntilIdle, webhook } from './helpers.js';
import { rng } from '../../../scripts/demo-data.js';

type Outcome = 'ok' | '500' | '429' | 'timeout' | 'network' | '404' | '302';

const OUTCOMES: Outcome[] = ['ok', '500', '429', 'timeout', 'network', '404', '302'];

function result(o: Outcome): DeliveryResult {
  switch (o) {
    case 'ok':
      return { outcome: 'delivered', status: 200 };
    case '500':
      return { outcome: 'retryable', status: 500, reason: 'the endpoint answered 500' };
    case '429':
      return { outcome: 'retryable', status: 429, reason: 'the endpoint answered 429', retryAfterMs: 3000 };
    case 'timeout':
      return { outcome: 'retryable', reason: 'no answer within 10000 ms' };
    case 'network':
      return { outcome: 'retryable', reason: 'network error: ECONNRESET' };
    case '404':
      return { outcome: 'permanent', status: 404, reason: 'the endpoint answered 404' };
    case '302':
      return { outcome: 'permanent', status: 302, reason: 'the endpoint answered 302 (a redirect)' };
  }
}

const scenario = fc.record({
  keys: fc.integer({ min: 1, max: 6 }),
  hosts: fc.integer({ min: 1, max: 3 }),
  /** What the endpoint answers to each attempt of each key, in turn (then `ok`). */
  scripts: fc.array(fc.array(fc.constantFrom(...OUTCOMES), { maxLength: 10 }), { minLength: 6, maxLength: 6 }),
  /** Submissions: [key index, worker index], in order; some after everything settled. */
  first: fc.array(fc.tuple(fc.nat(5), fc.nat(1)), { minLength: 1, maxLength: 14 }),
  later: fc.array(fc.tuple(fc.nat(5), fc.nat(1)), { maxLength: 6 }),
  workers: fc.integer({ min: 1, max: 2 }),
  maxAttempts: fc.integer({ min: 1, max: 5 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
  perHost: fc.integer({ min: 1, max: 2 }),
  /** How many ticks each fake attempt takes (interleaving). */
  ticks: fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }),
  seed: fc.integer(),
});

describe('WebhookOutbox properties', () => {
  it('at most once per key, attempts within the limits, every key settled once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => {
        const clock = new FakeClock();
        const ledger = new InMemoryDeliveryLedger(() => clock.now());
        const effects = Array.from({ length: sc.keys }, (_, i) => webhook(`https://h${i % sc.hosts}.example.com/hook`));
        const attempts = new Map<string, number>();
        const delivered = new Map<string, number>();
        const inFlightKey = new Set<string>();
        const settled = new Map<string, Array<{ how: 'delivered' | 'dead'; dead?: DeadLetter; attempts: number }>>();
        let tickIndex = 0;
        const problems: string[] = [];

        const workers = Array.from({ length: sc.workers }, (_, wi) => {
          let running = 0;
          const perHost = new Map<string, number>();
          const deliver: DeliverFn = async (e) => {
            const key = e.key;
            const host = new URL(String(e.url)).host;
            running++;
            perHost.set(host, (perHost.get(host) ?? 0) + 1);
            if (running > sc.concurrency) problems.push(`worker ${wi}: ${running} attempts at once`);
            if (perHost.get(host)! > sc.perHost) problems.push(`worker ${wi}: ${perHost.get(host)} attempts at once to ${host}`);
            if (inFlightKey.has(key)) problems.push(`${key} attempted twice at once`);
            inFlightKey.add(key);
            const n = (attempts.get(key) ?? 0) + 1;
            attempts.set(key, n);
            const ticks = sc.ticks[tickIndex++ % sc.ticks.length]!;
            for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r));
            const idx = effects.findIndex((x) => x.key === key);
            const o = sc.scripts[idx]![n - 1] ?? 'ok';
            if (o === 'ok') delivered.set(key, (delivered.get(key) ?? 0) + 1);
            inFlightKey.delete(key);
            running--;
            perHost.set(host, perHost.get(host)! - 1);
            return result(o);
          };
          const note = (key: string, s: { how: 'delivered' | 'dead'; dead?: DeadLetter; attempts: number }) => settled.set(key, [...(settled.get(key) ?? []), s]);
          return new WebhookOutbox({
            id: `w${wi}`,
            ledger,
            delivery: { allowPrivate: false },
            deliver,
            clock,
            random: rng(sc.seed + wi),
            maxAttempts: sc.maxAttempts,
            concurrency: sc.concurrency,
            perHostConcurrency: sc.perHost,
            onDelivered: (e, i) => note(e.key, { how: 'delivered', attempts: i.attempts }),
            onDeadLetter: (d) => note(d.effect.key, { how: 'dead', dead: d, attempts: d.attempts }),
            onError: (err) => problems.push(`error: ${String(err)}`),
          });
        });

        const submit = (list: Array<[number, number]>) => {
          for (const [k, wi] of list) if (k < sc.keys) workers[wi % sc.workers]!.submit({ ...effects[k]! });
        };
        submit(sc.first);
        await runUntilIdle(workers, clock);
        submit(sc.later);
        await runUntilIdle(workers, clock);

        expect(problems).toEqual([]);
        for (const e of effects) {
          const n = attempts.get(e.key) ?? 0;
          expect(delivered.get(e.key) ?? 0).toBeLessThanOrEqual(1);
          expect(n).toBeLessThanOrEqual(sc.maxAttempts);
          const submitted = [...sc.first, ...sc.later].some(([k]) => k === effects.indexOf(e));
          const s = settled.get(e.key) ?? [];
          if (!submitted) {
            expect(n).toBe(0);
            continue;
          }
          expect(s).toHaveLength(1);
          const only = s[0]!;
          expect(only.attempts).toBe(n);
          if (only.how === 'delivered') {
            expect(delivered.get(e.key)).toBe(1);
            expect(await ledger.has(e.key)).toBe(true);
          } else {
            expect(delivered.get(e.key) ?? 0).toBe(0);
            if (!only.dead!.permanent) expect(n).toBe(sc.maxAttempts);
          }
        }
        for (const w of workers) expect(await w.stop()).toEqual({ drained: true, abandoned: [] });
      }),
      { numRuns: 150 },
    );
  });
});
