/**
 * `node scripts/run-bench.mjs redis-client`: the Redis store (runtime/redis/redis-store.ts) with
 * each Node client, ioredis and node-redis, side by side, against one redis-server of our own
 * (test/helpers/redis-server.ts; no persistence, loopback), on the same store workload:
 *
 *   put instance     putInstance of a new instance (the commit script, instance only)
 *   get instance     getInstance (one HGET: the store knows the shard)
 *   add timer        addTimer for a stored instance (one script)
 *   claim timers     claimDueTimers(upTo, 100) until none is left (one script over the 64 shards
 *                    per 100 timers), each timer then acknowledged with removeTimer; per timer
 *   commit           one engine step: instance, 1 timer, 1 effect, 2 activity steps, launch record
 *
 * each serially (one call in flight: latency-bound, what one engine loop sees) and with 32 calls in
 * flight (what a worker pool sees; claims: 4 claimers at once). Also the client process's CPU time
 * per operation (the client library's cost plus the store's own encoding, the same for every
 * client). Both clients speak RESP2. `ioredis` is what connectRedis makes for one Redis (no
 * auto-pipelining), `ioredis, auto-pipelining` what it makes for a cluster; node-redis pipelines by
 * itself.
 *
 * A shared, busy machine makes rates jump from one second to the next, so the clients take turns
 * in short slices (`--slice` operations, default 1500), round after round (`--rounds`, default 7),
 * and the median slice of each client counts.
 */
import { Redis } from 'ioredis';
import { connectRedis, ioredisConnection, type RedisConnection } from '../runtime/redis/client.js';
import { RedisStore } from '../runtime/redis/redis-store.js';
import type { InstanceRecord, Transition } from '../runtime/store/store.js';
import { startRedis } from '../test/helpers/redis-server.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SLICE = arg('slice', 1500);
const ROUNDS = arg('rounds', 7);
const CONCURRENCY = 32;
const HASH = 'ab'.repeat(32);
const DAY0 = 1_780_000_000_000;

function instance(i: number, over: Partial<InstanceRecord> = {}): InstanceRecord {
  const customer = `c${i}`;
  return {
    id: `order_followup/${customer}/e${i}`,
    flow: 'order_followup',
    version: HASH,
    customer,
    event: `e${i}`,
    enteredAt: DAY0,
    due: DAY0 + 86_400_000,
    block: 3,
    contexts: { order: { id: `o${i}` } },
    awaited: {},
    status: 'in_progress',
    reason: 'waiting',
    waitingUntil: DAY0 + 86_400_000,
    waitingFor: null,
    launched: true,
    wait: 2,
    ...over,
  };
}

function step(i: number): Transition {
  const inst = instance(i, { block: 5, due: DAY0 + 2 * 86_400_000, waitingUntil: DAY0 + 2 * 86_400_000 });
  return {
    instance: inst,
    timers: [{ key: inst.id, due: inst.waitingUntil! }],
    effects: [{ key: `${inst.id}/thanks/0`, at: DAY0 + 86_400_000, flow: inst.flow, version: HASH, customer: inst.customer, instance: inst.id, block: 'thanks', action: 'send', channel: 'email', template: 'thanks', params: {} }],
    activity: [
      { block: 'thanks', kind: 'steps', at: DAY0 + 86_400_000, version: HASH },
      { block: 'wait2', kind: 'wait_fixed', at: DAY0 + 86_400_000, version: HASH, until: DAY0 + 2 * 86_400_000 },
    ],
    launch: { flow: inst.flow, record: { launches: 1, lastStepAt: DAY0 + 86_400_000 } },
  };
}

interface Measure {
  /** Operations per second (wall clock). */
  ops: number;
  /** This process's CPU time per operation, µs (user + system). */
  cpu: number;
}

/** Runs `op(from..from+n-1)` with `conc` calls in flight. */
async function drive(from: number, n: number, conc: number, op: (i: number) => Promise<unknown>): Promise<Measure> {
  let next = from;
  const end = from + n;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      for (let i = next++; i < end; i = next++) await op(i);
    }),
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ops: n / (ms / 1000), cpu: (c.user + c.system) / n };
}

type Variant = 'ioredis' | 'ioredis, auto-pipelining' | 'node-redis';
const VARIANTS: Variant[] = ['ioredis', 'ioredis, auto-pipelining', 'node-redis'];
const WORKLOADS = ['put instance', 'get instance', 'add timer', 'claim timers', 'commit'] as const;
type Workload = (typeof WORKLOADS)[number];

async function connect(v: Variant, url: string): Promise<RedisConnection> {
  if (v === 'ioredis, auto-pipelining') {
    const c = new Redis(url, { protocol: 2, enableAutoPipelining: true, lazyConnect: true });
    await c.connect();
    return ioredisConnection(c);
  }
  return connectRedis({ url }, { client: v });
}

/** One slice of a workload on fresh ids (`from`..): instances for it are stored first, untimed. */
async function slice(store: RedisStore, w: Workload, from: number, conc: number): Promise<Measure> {
  const n = SLICE;
  if (w === 'put instance') return drive(from, n, conc, (i) => store.putInstance(instance(i)));
  await drive(from, n, 32, (i) => store.putInstance(instance(i)));
  if (w === 'get instance') return drive(from, n, conc, (i) => store.getInstance(instance(i).id));
  // Far from the claims' timers (due by DAY0 + 1000), which this must not add to.
  if (w === 'add timer') return drive(from, n, conc, (i) => store.addTimer({ instance: instance(i).id, due: DAY0 + 1e9 + (i % 1000) }));
  if (w === 'commit') return drive(from, n, conc, (i) => store.commit(step(i)));
  await drive(from, n, 32, (i) => store.addTimer({ instance: instance(i).id, due: DAY0 + (i % 1000) }));
  let claimed = 0;
  const claimers = conc === 1 ? 1 : 4;
  const m = await drive(0, claimers, claimers, async () => {
    for (;;) {
      const got = await store.claimDueTimers(DAY0 + 1000, 100);
      if (!got.length) return;
      claimed += got.length;
      // Acknowledge, as the engine's commit would (here: not timed apart).
      for (const t of got) await store.removeTimer(t.instance);
    }
  });
  if (claimed !== n) throw new Error(`claimed ${claimed} of ${n}`);
  return { ops: (m.ops / claimers) * n, cpu: (m.cpu * claimers) / n };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const server = await startRedis();
  const conns = new Map<Variant, RedisConnection>();
  for (const v of VARIANTS) conns.set(v, await connect(v, server.url));
  const stores = new Map<Variant, RedisStore>();
  for (const v of VARIANTS) {
    const s = new RedisStore(conns.get(v)!, { prefix: `bench-${VARIANTS.indexOf(v)}` });
    await s.loadScripts();
    stores.set(v, s);
  }
  const samples = new Map<string, Measure[]>();
  let next = 0;
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const w of WORKLOADS) {
        for (const conc of [1, CONCURRENCY]) {
          // Rotate who goes first.
          const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]!);
          for (const v of order) {
            const m = await slice(stores.get(v)!, w, next, conc);
            next += SLICE;
            const key = `${v}|${w}|${conc}`;
            samples.set(key, [...(samples.get(key) ?? []), m]);
          }
        }
      }
    }
    const info = String(await conns.get('ioredis')!.send(undefined, ['INFO', 'server']));
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    console.log(`Redis store workload, medians of ${ROUNDS} interleaved slices of ${SLICE} ops (redis-server ${version} on loopback, Node ${process.version})`);
    console.log(`ops/s with one call in flight (serial) and with ${CONCURRENCY} (claims: 4 claimers); the client process's CPU µs per op with ${CONCURRENCY} in flight`);
    console.log('');
    const head = ['workload', 'client', 'ops/s serial', `ops/s x${CONCURRENCY}`, 'CPU µs/op'];
    const rows: string[][] = [];
    for (const w of WORKLOADS) {
      for (const v of VARIANTS) {
        const s1 = samples.get(`${v}|${w}|1`)!;
        const sc = samples.get(`${v}|${w}|${CONCURRENCY}`)!;
        rows.push([w, v, fmt(median(s1.map((m) => m.ops))), fmt(median(sc.map((m) => m.ops))), median(sc.map((m) => m.cpu)).toFixed(1)]);
      }
    }
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(head));
    for (const r of rows) console.log(line(r));
  } finally {
    for (const c of conns.values()) await c.close();
    await server.dispose();
  }
}

await main();
