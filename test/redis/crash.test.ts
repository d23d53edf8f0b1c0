/**
 * The crash test of the Redis runtime: events written by a producer to the intake stream,
 * worked through by two `runnel serve --redis` processes sharing the shards. Mid-run one is killed
 * with SIGKILL and started again, several times, and Redis itself is restarted (AOF on). Afterwards
 * every instance is where the embedded store says it should be, no timer is left or lost, the
 * outbox holds each effect exactly once (no idempotency key twice), and the flow's did-not-enter
 * counts are the embedded store's (a tenth of the events are too old to enter). Whether a kill
 * lands while a refused event is processed is chance; test/redis/shared-runtime.test.ts makes
 * that replay happen every time.
 *
 * RUNNEL_CRASH_EVENTS sets the number of events: 20,000 by default (about 25 s, so that
 * `npm test` stays short); the full size is `RUNNEL_CRASH_EVENTS=100000 npx vitest run
 * test/redis/crash.test.ts` (about 80 s on two cores).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { simulate } from '../../runtime/engine/simulate.js';
import { checkProject } from '../../compiler/project.js';
import { compileProject } from '../../compiler/bytecode/compile.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import { eventually } from '../helpers/eventually.js';

const N = Number(process.env['RUNNEL_CRASH_EVENTS'] ?? 20_000);
const CUSTOMERS = Math.max(1, Math.floor(N / 5));
const MANIFEST = JSON.stringify({ name: 'crash', timezone: 'UTC', templates: { email: ['thanks', 'reminder'] } });
const FLOW = `flow thanks "Thanks, then a reminder" {
  entry always
  relevance 1d
  on NewOrder
  steps thank { send email "thanks" { orderId: order.id } }
  wait later 1m
  if order.total >= 50 {
    steps remind { send email "reminder" { orderId: order.id } }
  }
}
`;
const ENV = { RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'error' };

let redis: RedisServer | undefined;
let conn: RedisConnection | undefined;
let dir = '';

beforeAll(async () => {
  // AOF on, fsync every second: a graceful restart (SIGTERM) writes it all out. (kill -9 with
  // appendfsync always is test/redis/redis-durability.test.ts.)
  redis = await startRedis({ aof: true, args: ['--appendfsync', 'everysec'] });
  conn = await connectRedis({ url: redis.url });
  dir = mkdtempSync(join(tmpdir(), 'runnel-crash-'));
  writeFileSync(join(dir, 'runnel.json'), MANIFEST);
}, 60_000);
afterAll(async () => {
  await conn?.close();
  await redis?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('crash test: two workers, SIGKILL and a Redis restart mid-run', () => {
  it(`${N.toLocaleString('en-US')} events end where the embedded store says, each effect once, no timer lost, each refusal counted once`, async () => {
    const serve = () => startServe(['--project', dir, '--port', '0', '--redis', redis!.url, '--lease', '3000'], { cwd: dir, env: ENV });
    const started = Date.now();
    const workers: ServeProcess[] = [await serve(), await serve()];
    const admin = { authorization: 'Bearer adm' };
    expect((await fetch(`${workers[0]!.address}/v1/flows/thanks/draft`, { method: 'PUT', body: FLOW, headers: { ...admin, 'content-type': 'text/plain' } })).status).toBe(200);
    expect((await fetch(`${workers[0]!.address}/v1/flows/thanks/launch`, { method: 'POST', headers: admin })).status).toBe(200);

    // Placed 55 s ago: each `wait later 1m` ends 5 s from now, while events still pour in. One in
    // ten was placed 8 days before it was received: refused (historical_too_old), and counted once
    // however often a crash makes a worker process it again.
    const t0 = Date.now() - 55_000;
    const isOld = (i: number) => i % 10 === 9;
    const events = Array.from({ length: N }, (_, i) => {
      const receivedAt = new Date(t0 + Math.floor(i / 100)).toISOString();
      const at = isOld(i) ? new Date(t0 - 8 * 86_400_000).toISOString() : receivedAt;
      return { id: `e${i}`, type: 'NewOrder', customer: `c${i % CUSTOMERS}`, at, receivedAt, order: { id: `o${i}`, status: 'new', total: (i * 37) % 120, items: [], createdAt: at } };
    });
    const entering = events.filter((_, i) => !isOld(i)).length;
    // The producer writes to Redis directly, in pipelined batches.
    for (let i = 0; i < N; i += 1000) await Promise.all(events.slice(i, i + 1000).map((e) => conn!.send('rn:events', ['XADD', 'rn:events', '*', 'e', JSON.stringify(e)])));

    const store = new RedisStore(conn!);
    const count = async () => {
      const n = await Promise.all(Array.from({ length: 64 }, (_, s) => conn!.send(`{rn:${s}}:i`, ['HLEN', `{rn:${s}}:i`]) as Promise<number>));
      return n.reduce((a, b) => a + b, 0);
    };
    const timers = async () => {
      const n = await Promise.all(Array.from({ length: 64 }, async (_, s) => Number(await conn!.send(`{rn:${s}}:t`, ['ZCARD', `{rn:${s}}:t`])) + Number(await conn!.send(`{rn:${s}}:tl`, ['ZCARD', `{rn:${s}}:tl`]))));
      return n.reduce((a, b) => a + b, 0);
    };
    const until = (what: string, cond: () => Promise<boolean>, ms: number) =>
      eventually(what, () => cond().catch(() => false), ms, {
        everyMs: 100,
        context: async () => `instances ${await count().catch(() => '?')} of ${N}, timers ${await timers().catch(() => '?')}\n${workers.map((w) => w.output().slice(-2000)).join('\n---\n')}`,
      });

    // Kill a worker at 20% and at 45% of the instances (started again at once), restart Redis at
    // 60%, kill the other worker at 75%.
    const crashes: string[] = [];
    for (const [share, what] of [
      [0.2, 'kill 1'],
      [0.45, 'kill 1'],
      [0.6, 'redis'],
      [0.75, 'kill 0'],
    ] as const) {
      await until(`${share * 100}% of the instances`, async () => (await count()) >= entering * share, 240_000);
      if (what === 'redis') {
        await redis!.restart();
        crashes.push(`redis restarted at ${await count()}`);
      } else {
        const w = what === 'kill 1' ? 1 : 0;
        await workers[w]!.kill();
        crashes.push(`worker ${w} killed at ${await count()}`);
        workers[w] = await serve();
      }
    }
    // Intake entries a killed worker had read but not acknowledged are taken over by a live one once
    // idle for the intake's 30 s (their events were queued before the kill; queuing again is a no-op).
    const intakePending = async () => ((await conn!.send('rn:events', ['XPENDING', 'rn:events', 'runnel'])) as unknown[])[0] as number;
    await until('every event processed, every timer fired, the intake acknowledged', async () => (await count()) === entering && (await timers()) === 0 && (await intakePending()) === 0, 300_000);
    for (const w of workers) expect(await w.stop()).toBe(0);
    console.log(`crash test: ${N} events in ${((Date.now() - started) / 1000).toFixed(1)} s; ${crashes.join('; ')}`);

    const programs = compileProject(checkProject({ manifest: { path: 'runnel.json', text: MANIFEST }, files: [{ path: 'flows/thanks.flow', text: FLOW }] })).map((f) => verifyFlow(f.bytes));
    const expected = simulate(programs, events.map((e) => JSON.stringify(e)).join('\n'), '', { until: Date.now() + 3_600_000 });
    const want = new Map((expected.output['activity'] as Array<{ instance: string; status: string; reason: string; steps: Array<{ block: string }> }>).map((a) => [a.instance, `${a.status}/${a.reason}/${a.steps.map((s) => s.block).join(',')}`]));
    const got = await store.listInstances();
    expect(got.length).toBe(want.size);
    const steps = await Promise.all(got.map(async (i) => `${i.status}/${i.reason}/${(await store.listActivity(i.id)).map((s) => s.block).join(',')}`));
    const wrong = got.map((i, k) => [i.id, steps[k], want.get(i.id)]).filter(([, g, w]) => g !== w);
    expect(wrong.slice(0, 5)).toEqual([]);
    const keys = (await store.listEffects()).map((e) => e.key);
    expect(keys.length).toBe(new Set(keys).size);
    expect(new Set(keys)).toEqual(new Set((expected.output['effects'] as Array<{ key: string }>).map((e) => e.key)));
    // Each refusal counted once, as the embedded store counts them.
    const refused: Record<string, number> = {};
    for (const r of expected.output['notEntered'] as Array<{ reason: string }>) refused[r.reason] = (refused[r.reason] ?? 0) + 1;
    expect(refused).toEqual({ historical_too_old: N - entering });
    expect((await store.flowStats('thanks')).didNotEnter).toEqual(refused);
    // Nothing left behind: the intake acknowledged, no dead letters, every shard's queue processed.
    expect(await intakePending()).toBe(0);
    expect(await conn!.send('rn:events:dead', ['XLEN', 'rn:events:dead'])).toBe(0);
  }, 900_000);
});
