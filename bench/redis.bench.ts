/**
 * `npm run bench:redis`: Runnel on Redis (runtime/redis/redis-store.ts + the Engine) and a BullMQ
 * implementation of the same journey, side by side in one run, against one redis-server of our own
 * (spawned here: free loopback port, temp folder, `--save '' --appendonly no`; FLUSHALL between
 * phases; killed on exit, error or signal). The journey:
 *
 *   flow remind "Remind" {
 *     on CustomerRegistered
 *     steps hello { send email "welcome" }
 *     wait day 1d
 *     if customer.email.valid { steps later { send email "reminder" } }
 *   }
 *
 * BullMQ, the documented "step job" pattern (one job per customer; docs.bullmq.io, Patterns,
 * Process Step Jobs): queue.add of a job per event (jobId = event id, so a repeated event is
 * dropped as Runnel's dedupe drops it), a Worker whose processor at step `hello` "sends" the welcome
 * email (records it in the process), job.updateData({ step: 'later' }), job.moveToDelayed(now + 1d,
 * token) and throws DelayedError; at step `later` it checks the email status kept in the job data
 * and "sends" the reminder. removeOnComplete: true (no finished jobs kept: BullMQ's smallest state).
 *
 * Measures (each system alone on the server, one after the other):
 *  1. events/s: N CustomerRegistered events of distinct customers, until each is processed to the
 *     waiting state (Runnel: ingest resolved, instance committed waiting in `wait day` with its
 *     timer; BullMQ: job moved to delayed). Runnel: K engines over one RedisStore (one connection),
 *     each ingesting its own customers (disjoint) one at a time. BullMQ: K producers calling
 *     queue.add one at a time, one Worker with concurrency W.
 * 1b. the same events and their timers through one runtime of `runnel serve --redis` (runnelServe):
 *     queued as the HTTP API queues them, processed by its rounds, fired by its ticks.
 *  2. memory per waiting customer: INFO memory used_memory after phase 1 minus before (after
 *     FLUSHALL), over N. Everything each system keeps for a waiting customer counts (Runnel: the
 *     instance, its timer, profile, dedupe key, launch record, activity, and the undelivered
 *     `welcome` in the outbox stream; BullMQ: the delayed job hash, its delayed-set entry, and the
 *     queue's events stream, capped at ~10,000 entries by default).
 *  3. timer firing rate with T timers pending (default 1,000,000): T waiting customers loaded
 *     directly (Runnel: store.commit of the waiting instance + timer + profile, as the engine commits
 *     it; BullMQ: addBulk of delayed jobs at step `later`), of which B (default 50,000) are due and
 *     the rest are due a day later; then fired: Runnel: K engines, fireDue(due) on a virtual clock
 *     (claims are leased, so engines share the work); BullMQ: the B jobs are added last with a delay
 *     of ~1 s, the Worker starts after they are due. Rate = B / (time until all B are processed).
 *  4. firing lag: L timers (default 5,000) due at wall-clock times spread over ~10 s; Runnel: K2
 *     loops each calling fireDue(Date.now()) every 2 ms with its clock following Date.now(); BullMQ:
 *     a running Worker on delayed jobs. Lag = when the reminder was recorded (Runnel: the commit
 *     with the `reminder` effect resolved) - due time; p50/p99.
 *  5. a scheduled run (Runnel only: BullMQ has no segments to run a flow over): S customers (default
 *     20,000) in segment "vip" and O more (default 80,000) in another loaded with putCustomer, then
 *     one engine makes the run of `every day at 10:00 for segment "vip"` (a step group sending an
 *     email) in slices of 256, 16 customers at once, as `runnel serve` does. Rate = S / the run's
 *     time. Then, medians of a few calls: the segment listed from its index against every customer
 *     listed (listCustomers(): every shard's ids and stamps, what a run over every customer reads), and a page of 100 of the activity log
 *     against every journey read (what GET /v1/activity did before layout 3).
 *
 * Options: --events N (20000) --segment S (20000) --others O (80000) --timers T (300000; 1000000 is the issue's figure, about 7 minutes here) --due B (50000) --lag L (5000) --engines K (16)
 * --concurrency W (64).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue, Worker, DelayedError, type Job } from 'bullmq';
import { checkProject } from '../compiler/project.js';
import { compileProject } from '../compiler/bytecode/compile.js';
import { verifyFlow } from '../compiler/bytecode/verify.js';
import type { VerifiedProgram } from '../compiler/bytecode/program.js';
import { Engine, VirtualClock } from '../runtime/engine/engine.js';
import { RedisStore } from '../runtime/redis/redis-store.js';
import { FlowService, RUN_CONCURRENCY, TICK_BUDGET } from '../runtime/server/flow-service.js';
import { SharedRuntime } from '../runtime/server/shared-runtime.js';
import { ShardOwner } from '../runtime/redis/shard-owner.js';
import { RedisEventQueue } from '../runtime/redis/event-queue.js';
import { connectRedis } from '../runtime/redis/client.js';
import type { Transition } from '../runtime/store/store.js';
import { BENCH_MANIFEST } from './gen-flow.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const EVENTS = arg('events', 20_000);
const TIMERS = arg('timers', 300_000);
const DUE = arg('due', 50_000);
const LAG = arg('lag', 5_000);
const SEGMENT = arg('segment', 20_000);
const OTHERS = arg('others', 80_000);
const K = arg('engines', 16);
const W = arg('concurrency', 64);
const LAG_LOOPS = 2;
const DAY = 86_400_000;
const QUEUE = 'journey';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// ------------------------------------------------------------------ redis-server of our own

let proc: ChildProcess | undefined;
let dir: string | undefined;
function cleanup(): void {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  proc = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => spawnSync(p, ['--version']).status === 0) ?? 'redis-server';

async function startRedis(): Promise<{ port: number; url: string }> {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'runnel-bench-redis-'));
  proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no', '--maxmemory-policy', 'noeviction', '--logfile', join(dir, 'redis.log')], {
    stdio: 'ignore',
  });
  proc.unref();
  const url = `redis://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}`);
    const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    try {
      await c.connect();
      if ((await c.ping()) === 'PONG') {
        c.disconnect();
        return { port, url };
      }
    } catch {
      // not up yet
    }
    c.disconnect();
    if (Date.now() > until) throw new Error('redis-server did not answer PING in 15 s');
    await sleep(50);
  }
}

// ------------------------------------------------------------------ the journey

const SOURCE = `flow remind "Remind" {
  on CustomerRegistered
  steps hello { send email "welcome" }
  wait day 1d
  if customer.email.valid {
    steps later { send email "reminder" }
  }
}
`;

function compile(): VerifiedProgram[] {
  const project = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(BENCH_MANIFEST) }, files: [{ path: 'flows/remind.flow', text: SOURCE }] });
  const errors = project.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.path}: ${d.message}`));
  if (errors.length) throw new Error(`bench flow has errors: ${errors.join('; ')}`);
  return compileProject(project, { relativePath: (p) => p }).map((f) => verifyFlow(f.bytes));
}

function event(i: number, at: number, tag = 'c'): Record<string, unknown> {
  const customer = `${tag}${i}`;
  return { id: `e-${customer}`, type: 'CustomerRegistered', customer, at: new Date(at).toISOString(), profile: { email: `${customer}@example.com`, emailStatus: 'valid' } };
}

/** Runs `op(0..n-1)` with `conc` workers; worker w takes i = w, w + conc, ... (disjoint). */
async function lanes(n: number, conc: number, op: (i: number, lane: number) => Promise<unknown>): Promise<void> {
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      for (let i = w; i < n; i += conc) await op(i, w);
    }),
  );
}

async function usedMemory(r: Redis): Promise<number> {
  const info = await r.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/** The busiest commands since the last flush (server time), to stderr: where a phase's Redis time went. */
async function commandStats(r: Redis, what: string): Promise<void> {
  const rows = (await r.info('commandstats'))
    .split('\n')
    .map((l) => /^cmdstat_(\S+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[3]) - Number(a[3]))
    .slice(0, 5);
  log(`  ${what} redis time: ${rows.map((m) => `${m[1]} ${fmt(Number(m[2]))} calls x ${m[4]} us`).join(', ')}`);
}

async function flush(r: Redis): Promise<number> {
  await r.flushall();
  await r.config('RESETSTAT');
  await sleep(200);
  return usedMemory(r);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

// ------------------------------------------------------------------ Runnel

interface Phase1 {
  eps: number;
  ms: number;
  bytesPer: number;
  outboxBytesPer: number;
}

async function runnelEvents(url: string, admin: Redis, programs: VerifiedProgram[]): Promise<Phase1 & { template: Transition }> {
  const before = await flush(admin);
  const store = await RedisStore.connect({ url }, { prefix: 'rn' });
  const t0 = Date.now();
  const engines = Array.from({ length: K }, () => new Engine(store, programs, new VirtualClock(t0)));
  const start = performance.now();
  await lanes(EVENTS, K, async (i, lane) => {
    const r = await engines[lane]!.ingest(event(i, t0));
    if (r.outcome !== 'accepted') throw new Error(`runnel: event ${i}: ${JSON.stringify(r)}`);
  });
  const ms = performance.now() - start;
  await commandStats(admin, 'runnel events');
  // Check: every customer waits in `wait day`, with a timer.
  let timers = 0;
  let instances = 0;
  for (let s = 0; s < store.shards; s++) {
    timers += await admin.zcard(`{rn:${s}}:t`);
    instances += await admin.hlen(`{rn:${s}}:i`);
  }
  const sample = await store.getInstance(`remind/c0/e-c0`);
  if (timers !== EVENTS || instances !== EVENTS || sample?.reason !== 'waiting') throw new Error(`runnel: expected ${EVENTS} waiting instances with timers, got ${instances} instances, ${timers} timers, sample ${JSON.stringify(sample)}`);
  await sleep(200);
  const after = await usedMemory(admin);
  let outbox = 0;
  for (let s = 0; s < store.shards; s++) outbox += Number((await admin.call('MEMORY', 'USAGE', `{rn:${s}}:o`, 'SAMPLES', '0')) ?? 0);

  // A template of what the engine commits for a customer entering the wait (for the bulk load).
  let template: Transition | undefined;
  const orig = store.commit.bind(store);
  store.commit = async (t: Transition) => {
    if (t.timers.some((x) => x.due !== null)) template = structuredClone(t);
    return orig(t);
  };
  await engines[0]!.ingest(event(0, t0, 'TPLCUST'));
  await store.close();
  if (!template) throw new Error('runnel: no waiting commit seen');
  return { eps: EVENTS / (ms / 1000), ms, bytesPer: (after - before) / EVENTS, outboxBytesPer: outbox / EVENTS, template };
}

/**
 * Phase 1b: the same journey through what `runnel serve --redis` runs (one runtime: FlowService,
 * ShardOwner, RedisEventQueue, SharedRuntime): EVENTS events queued as POST /v1/events queues them,
 * then timed from the runtime's start until every customer entered (its rounds: the shards' queues
 * read, the shards side by side, each event read, committed and its cursor moved); then its clock
 * moved a day on, and timed until every reminder went out (its ticks fire the timers).
 */
async function runnelServe(url: string, admin: Redis): Promise<{ eps: number; ms: number; fired: number; fireMs: number }> {
  await flush(admin);
  const conn = await connectRedis({ url });
  const store = new RedisStore(conn, { prefix: 'rn' });
  await store.loadScripts();
  const owner = new ShardOwner(store, { leaseMs: 10_000 });
  const queue = new RedisEventQueue(store, {});
  let shift = 0;
  const service = await FlowService.open({ store, manifest: JSON.stringify(BENCH_MANIFEST), shared: { engineStore: store.withScope(owner), queue }, now: () => Date.now() + shift });
  await service.putDraft('remind', SOURCE);
  await service.launch('remind');
  const t0 = Date.now();
  for (let i = 0; i < EVENTS; i += 500) {
    const r = await service.ingest(Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => event(i + j, t0)));
    if (r.accepted !== Math.min(500, EVENTS - i)) throw new Error(`runnel serve: queued ${JSON.stringify(r)}`);
  }
  const until = async (done: () => Promise<boolean>) => {
    for (const end = Date.now() + 600_000; !(await done()); await sleep(20)) if (Date.now() > end) throw new Error('runnel serve: the runtime did not finish in 10 minutes');
  };
  const rt = new SharedRuntime({ service, owner, queue, beatMs: 1000, idleMs: 5 });
  const start = performance.now();
  await rt.start();
  await until(async () => (await service.stats('remind')).entered >= EVENTS);
  const ms = performance.now() - start;
  shift = 86_400_000 + 1000;
  const fireStart = performance.now();
  await until(async () => ((await service.stats('remind')).statuses['completed/all_steps_done'] ?? 0) >= EVENTS);
  const fireMs = performance.now() - fireStart;
  await commandStats(admin, 'runnel serve');
  await rt.stop();
  await conn.close();
  return { eps: EVENTS / (ms / 1000), ms, fired: EVENTS / (fireMs / 1000), fireMs };
}

const RUN_SOURCE = `flow daily "Daily" {
  every day at 10:00 for segment "vip"
  steps hello { send email "welcome" }
}
`;

/** Median ms of `n` calls of `op`, after one not counted. */
async function medianMs(n: number, op: () => Promise<unknown>): Promise<number> {
  await op();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op();
    xs.push(performance.now() - t);
  }
  return pct(xs, 50);
}

interface Phase5 {
  rate: number;
  ms: number;
  /** listCustomers: of the segment (its index), and every customer (every shard's ids and stamps: a run over every customer). */
  segmentMs: number;
  everyProfileMs: number;
  /** The activity log: one page of 100 (recentInstances), and every journey (listInstances, what GET /v1/activity read before layout 3). */
  pageMs: number;
  everyJourneyMs: number;
}

/**
 * Phase 5: customers entered per second by one scheduled run over a segment of SEGMENT customers
 * (among OTHERS more not in it); then what reading the segment, and a page of the activity log,
 * cost against listing every customer, and reading every journey.
 */
async function runnelRun(url: string, admin: Redis): Promise<Phase5> {
  await flush(admin);
  const project = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(BENCH_MANIFEST) }, files: [{ path: 'flows/daily.flow', text: RUN_SOURCE }] });
  const programs = compileProject(project).map((f) => verifyFlow(f.bytes));
  const store = await RedisStore.connect({ url }, { prefix: 'rn' });
  await lanes(SEGMENT, K, (i) => store.putCustomer({ id: `s${i}`, email: `s${i}@example.com`, emailStatus: 'valid', segments: ['vip'] }));
  await lanes(OTHERS, K, (i) => store.putCustomer({ id: `o${i}`, email: `o${i}@example.com`, emailStatus: 'valid', segments: ['other'] }));
  // Launched at 09:00 Berlin on a Monday; the run is at 10:00.
  const launched = Date.parse('2026-03-02T08:00:00Z');
  const clock = new VirtualClock(launched);
  const engine = new Engine(store, programs, clock);
  const runAt = Date.parse('2026-03-02T09:00:00Z');
  clock.advanceTo(runAt + 1000);
  const start = performance.now();
  let done = 0;
  for (let n; (n = await engine.fireDue(runAt + 1000, { budget: TICK_BUDGET, concurrency: RUN_CONCURRENCY })) > 0; ) done += n;
  const ms = performance.now() - start;
  await commandStats(admin, 'runnel scheduled run');
  const made = (await store.flowStats('daily')).entered;
  if (made !== SEGMENT || done !== SEGMENT + 1) throw new Error(`runnel: the run entered ${made} of ${SEGMENT} customers (fireDue did ${done})`);
  const segmentMs = await medianMs(5, async () => {
    if ((await store.listCustomers('vip')).length !== SEGMENT) throw new Error('runnel: the segment index lost customers');
  });
  const everyProfileMs = await medianMs(3, () => store.listCustomers());
  const pageMs = await medianMs(5, async () => {
    if ((await store.recentInstances({ limit: 100 })).instances.length !== 100) throw new Error('runnel: a short activity page');
  });
  const everyJourneyMs = await medianMs(3, () => store.listInstances());
  await store.close();
  return { rate: SEGMENT / (ms / 1000), ms, segmentMs, everyProfileMs, pageMs, everyJourneyMs };
}

/** The engine's waiting commit for customer i, due at `due` (with the profile, so the condition reads it). */
function waitingCommit(template: Transition, i: number, due: number, tag: string): Transition {
  const customer = `${tag}${i}`;
  const t = JSON.parse(JSON.stringify(template).replaceAll('TPLCUST0', customer)) as Transition;
  t.instance.due = due;
  t.instance.waitingUntil = due;
  t.timers = t.timers.map((x) => ({ key: x.key, due }));
  t.effects = [];
  t.activity = [];
  t.profile = { id: customer, email: `${customer}@example.com`, emailStatus: 'valid' };
  return t;
}

async function runnelFiring(url: string, admin: Redis, programs: VerifiedProgram[], template: Transition): Promise<{ rate: number; ms: number; loadMs: number; bytesPer: number }> {
  const before = await flush(admin);
  const store = await RedisStore.connect({ url }, { prefix: 'rn' });
  const t0 = Date.now();
  const dueAt = t0 + DAY;
  const loadStart = performance.now();
  let done = 0;
  await lanes(TIMERS, 64, async (i) => {
    // The first DUE customers are due at dueAt (+ up to 1 s), the rest a day later.
    await store.commit(waitingCommit(template, i, i < DUE ? dueAt + (i % 1000) : dueAt + DAY + (i % 1000), 't'));
    if (++done % 200_000 === 0) log(`  runnel: ${fmt(done)} waiting customers loaded`);
  });
  const loadMs = performance.now() - loadStart;
  await sleep(200);
  const bytesPer = ((await usedMemory(admin)) - before) / TIMERS;
  // Re-connect: the firing engines start with no cache of where instances live.
  await store.close();
  const store2 = await RedisStore.connect({ url }, { prefix: 'rn' });
  let reminders = 0;
  const orig = store2.commit.bind(store2);
  store2.commit = async (t: Transition) => {
    await orig(t);
    if (t.effects.some((e) => e.template === 'reminder')) reminders++;
  };
  const engines = Array.from({ length: K }, () => new Engine(store2, programs, new VirtualClock(dueAt - 1)));
  await admin.config('RESETSTAT');
  const start = performance.now();
  const fired = (await Promise.all(engines.map((e) => e.fireDue(dueAt + 1000)))).reduce((a, b) => a + b, 0);
  const ms = performance.now() - start;
  await commandStats(admin, 'runnel firing');
  let pending = 0;
  for (let s = 0; s < store2.shards; s++) pending += await admin.zcard(`{rn:${s}}:t`);
  if (fired !== DUE || reminders !== DUE || pending !== TIMERS - DUE) throw new Error(`runnel firing: fired ${fired}, reminders ${reminders}, pending ${pending}; expected ${DUE}, ${DUE}, ${TIMERS - DUE}`);
  await store2.close();
  return { rate: DUE / (ms / 1000), ms, loadMs, bytesPer };
}

async function runnelLag(url: string, admin: Redis, programs: VerifiedProgram[], template: Transition): Promise<number[]> {
  await flush(admin);
  const store = await RedisStore.connect({ url }, { prefix: 'rn' });
  const base = Date.now() + 3000;
  const dueOf = new Map<string, number>();
  await lanes(LAG, 32, async (i) => {
    const due = base + i * 2;
    const t = waitingCommit(template, i, due, 'l');
    dueOf.set(t.instance.id, due);
    await store.commit(t);
  });
  if (Date.now() > base) log('  runnel lag: loading took longer than 3 s; the first timers were late from the start');
  const lags: number[] = [];
  const orig = store.commit.bind(store);
  store.commit = async (t: Transition) => {
    await orig(t);
    if (t.effects.some((e) => e.template === 'reminder')) lags.push(Date.now() - dueOf.get(t.instance.id)!);
  };
  await Promise.all(
    Array.from({ length: LAG_LOOPS }, async () => {
      const clock = new VirtualClock(Date.now());
      const engine = new Engine(store, programs, clock);
      while (lags.length < LAG) {
        const now = Date.now();
        clock.advanceTo(now);
        if (!(await engine.fireDue(now))) await sleep(2);
      }
    }),
  );
  await store.close();
  return lags;
}

// ------------------------------------------------------------------ BullMQ

interface StepData {
  customer: string;
  email: string;
  emailStatus: string;
  step: 'hello' | 'later';
  due?: number;
}

const sent = { welcome: 0, reminder: 0 };

function processor(onWaiting: () => void, onReminder: (job: Job<StepData>) => void) {
  return async (job: Job<StepData>, token?: string): Promise<void> => {
    if (job.data.step === 'hello') {
      sent.welcome++; // "send email welcome"
      await job.updateData({ ...job.data, step: 'later' });
      await job.moveToDelayed(Date.now() + DAY, token);
      onWaiting();
      throw new DelayedError();
    }
    if (job.data.emailStatus === 'valid') {
      sent.reminder++; // "send email reminder"
      onReminder(job);
    }
  };
}

async function bullEvents(port: number, admin: Redis): Promise<Phase1> {
  const before = await flush(admin);
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue<StepData>(QUEUE, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  await queue.waitUntilReady();
  let waiting = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker<StepData>(
    QUEUE,
    processor(
      () => {
        if (++waiting === EVENTS) resolveAll();
      },
      () => {},
    ),
    { connection, concurrency: W },
  );
  worker.on('error', (e) => log(`bullmq worker error: ${e.message}`));
  await worker.waitUntilReady();
  const t0 = Date.now();
  const start = performance.now();
  await lanes(EVENTS, K, async (i) => {
    const e = event(i, t0) as { id: string; customer: string; profile: { email: string; emailStatus: string } };
    await queue.add('journey', { customer: e.customer, email: e.profile.email, emailStatus: e.profile.emailStatus, step: 'hello' }, { jobId: e.id });
  });
  await all;
  const ms = performance.now() - start;
  await commandStats(admin, 'bullmq events');
  await worker.close();
  const delayed = await queue.getDelayedCount();
  if (delayed !== EVENTS) throw new Error(`bullmq: expected ${EVENTS} delayed jobs, got ${delayed}`);
  await sleep(200);
  const after = await usedMemory(admin);
  await queue.close();
  return { eps: EVENTS / (ms / 1000), ms, bytesPer: (after - before) / EVENTS, outboxBytesPer: 0 };
}

async function bullFiring(port: number, admin: Redis): Promise<{ rate: number; ms: number; loadMs: number; bytesPer: number }> {
  const before = await flush(admin);
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue<StepData>(QUEUE, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  await queue.waitUntilReady();
  const CHUNK = 1000;
  const loadStart = performance.now();
  const add = async (from: number, to: number, delay: () => number) => {
    const chunks: Array<[number, number]> = [];
    for (let i = from; i < to; i += CHUNK) chunks.push([i, Math.min(to, i + CHUNK)]);
    let done = 0;
    await lanes(chunks.length, 4, async (c) => {
      const [a, b] = chunks[c]!;
      const jobs = [];
      for (let i = a; i < b; i++) jobs.push({ name: 'journey', data: { customer: `t${i}`, email: `t${i}@example.com`, emailStatus: 'valid', step: 'later' as const }, opts: { jobId: `e-t${i}`, delay: delay() } });
      await queue.addBulk(jobs);
      done += b - a;
      if (to - from > 200_000 && Math.floor(done / 200_000) !== Math.floor((done - (b - a)) / 200_000)) log(`  bullmq: ${fmt(from + done)} delayed jobs loaded`);
    });
  };
  // The rest first, due in a day; then the batch, due ~1 s after it starts being added.
  await add(DUE, TIMERS, () => DAY);
  const dueAt = Date.now() + 1000;
  await add(0, DUE, () => Math.max(1, dueAt - Date.now()));
  const loadMs = performance.now() - loadStart;
  while (Date.now() < dueAt + 100) await sleep(10);
  await sleep(200);
  const bytesPer = ((await usedMemory(admin)) - before) / TIMERS;
  let fired = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  await admin.config('RESETSTAT');
  const start = performance.now();
  const worker = new Worker<StepData>(
    QUEUE,
    processor(
      () => {},
      () => {
        if (++fired === DUE) resolveAll();
      },
    ),
    { connection, concurrency: W },
  );
  worker.on('error', (e) => log(`bullmq worker error: ${e.message}`));
  await all;
  const ms = performance.now() - start;
  await commandStats(admin, 'bullmq firing');
  await worker.close();
  const delayed = await queue.getDelayedCount();
  if (delayed !== TIMERS - DUE) throw new Error(`bullmq firing: ${delayed} delayed left, expected ${TIMERS - DUE}`);
  await queue.close();
  return { rate: DUE / (ms / 1000), ms, loadMs, bytesPer };
}

async function bullLag(port: number, admin: Redis): Promise<number[]> {
  await flush(admin);
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue<StepData>(QUEUE, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } });
  await queue.waitUntilReady();
  const lags: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = new Worker<StepData>(
    QUEUE,
    processor(
      () => {},
      (job) => {
        lags.push(Date.now() - job.data.due!);
        if (lags.length === LAG) resolveAll();
      },
    ),
    { connection, concurrency: W },
  );
  worker.on('error', (e) => log(`bullmq worker error: ${e.message}`));
  await worker.waitUntilReady();
  const base = Date.now() + 3000;
  for (let a = 0; a < LAG; a += 500) {
    const jobs = [];
    for (let i = a; i < Math.min(LAG, a + 500); i++) {
      const due = base + i * 2;
      jobs.push({ name: 'journey', data: { customer: `l${i}`, email: `l${i}@example.com`, emailStatus: 'valid', step: 'later' as const, due }, opts: { jobId: `e-l${i}`, delay: due - Date.now() } });
    }
    await queue.addBulk(jobs);
  }
  if (Date.now() > base) log('  bullmq lag: loading took longer than 3 s; the first timers were late from the start');
  await all;
  await worker.close();
  await queue.close();
  return lags;
}

// ------------------------------------------------------------------ main

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const programs = compile();
  const { port, url } = await startRedis();
  const admin = new Redis(url, { maxRetriesPerRequest: 3 });
  const serverVersion = /redis_version:(\S+)/.exec(await admin.info('server'))![1]!;
  log(`redis-server ${serverVersion} on port ${port}; ${fmt(EVENTS)} events, ${fmt(TIMERS)} timers (${fmt(DUE)} due), ${fmt(LAG)} lag timers, ${K} engines/producers, worker concurrency ${W}`);

  log('1/2 events: runnel');
  const rE = await runnelEvents(url, admin, programs);
  log(`  runnel: ${fmt(rE.eps)} events/s, ${fmt(rE.bytesPer)} B per waiting customer`);
  log('1b events and timers through one runtime of runnel serve --redis');
  const rS = await runnelServe(url, admin);
  log(`  runnel serve: ${fmt(rS.eps)} events/s, ${fmt(rS.fired)} timers fired/s`);
  log('1/2 events: bullmq');
  const bE = await bullEvents(port, admin);
  log(`  bullmq: ${fmt(bE.eps)} events/s, ${fmt(bE.bytesPer)} B per waiting customer`);

  log(`3 firing with ${fmt(TIMERS)} pending: runnel`);
  const rF = await runnelFiring(url, admin, programs, rE.template);
  log(`  runnel: ${fmt(rF.rate)} fired/s (load ${fmt(rF.loadMs)} ms)`);
  log(`3 firing with ${fmt(TIMERS)} pending: bullmq`);
  const bF = await bullFiring(port, admin);
  log(`  bullmq: ${fmt(bF.rate)} fired/s (load ${fmt(bF.loadMs)} ms)`);

  log('4 lag: runnel');
  const rL = await runnelLag(url, admin, programs, rE.template);
  log('4 lag: bullmq');
  const bL = await bullLag(port, admin);
  log(`5 a scheduled run over ${fmt(SEGMENT)} customers: runnel`);
  const rR = await runnelRun(url, admin);
  log(`  runnel: ${fmt(rR.rate)} customers entered/s`);
  await admin.flushall();
  await admin.quit();
  const load1 = loadavg();

  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rP50 = pct(rL, 50);
  const rP99 = pct(rL, 99);
  const bP50 = pct(bL, 50);
  const bP99 = pct(bL, 99);
  const rows = [
    ['events/s (to the waiting state)', fmt(rE.eps), fmt(bE.eps), ratio(rE.eps, bE.eps), '≥ 5× BullMQ', yes(rE.eps >= 5 * bE.eps)],
    [`events/s through one runnel serve runtime (queued, its rounds)`, fmt(rS.eps), fmt(bE.eps), ratio(rS.eps, bE.eps), '(none)', '-'],
    ['Redis memory per waiting customer (bytes)', fmt(rE.bytesPer), fmt(bE.bytesPer), ratio(rE.bytesPer, bE.bytesPer), '≤ 0.25× BullMQ', yes(rE.bytesPer <= 0.25 * bE.bytesPer)],
    [`timers fired/s, ${fmt(TIMERS)} pending`, fmt(rF.rate), fmt(bF.rate), ratio(rF.rate, bF.rate), '(none)', '-'],
    [`timers fired/s by one runnel serve runtime (its ticks), ${fmt(EVENTS)} due`, fmt(rS.fired), '-', '-', '(none)', '-'],
    ['firing lag p50 (ms)', fmt(rP50), fmt(bP50), ratio(rP50, bP50), '(none)', '-'],
    ['firing lag p99 (ms)', fmt(rP99), fmt(bP99), ratio(rP99, bP99), 'Runnel < 100 ms', yes(rP99 < 100)],
    [`scheduled run: customers entered/s, ${fmt(SEGMENT)} in segment`, fmt(rR.rate), '-', '-', '(none)', '-'],
    [`its segment listed (ms), ${fmt(SEGMENT)} of ${fmt(SEGMENT + OTHERS)} customers`, `${rR.segmentMs.toFixed(1)} (index)`, '-', `${rR.everyProfileMs.toFixed(1)} listing every customer`, '(none)', '-'],
    [`activity page of 100 (ms), ${fmt(SEGMENT)} journeys kept`, `${rR.pageMs.toFixed(1)} (index)`, '-', `${rR.everyJourneyMs.toFixed(1)} reading every journey`, '(none)', '-'],
  ];
  const f2 = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nRunnel vs BullMQ on one redis-server (Node ${process.version}, redis-server ${serverVersion}, bullmq 6; load average before: ${f2(load0)}, after: ${f2(load1)})\n`);
  console.log(table(['measure', 'Runnel', 'BullMQ', 'ratio', 'target', 'met'], rows));
  console.log('');
  console.log(`- events: ${fmt(EVENTS)} CustomerRegistered of distinct customers; Runnel ${fmt(rE.ms)} ms with ${K} engines over one RedisStore connection (disjoint customers); BullMQ ${fmt(bE.ms)} ms, ${K} producers (queue.add), one Worker of concurrency ${W}, step-job pattern (updateData + moveToDelayed).`);
  console.log(`- runnel serve: one runtime (FlowService + SharedRuntime, as \`runnel serve --redis\` runs it) over the same ${fmt(EVENTS)} events queued as POST /v1/events queues them: ${fmt(rS.ms)} ms from its start until all entered (its rounds: the shards side by side, each event read, committed and its queue cursor moved); then its clock a day on: ${fmt(rS.fireMs)} ms until every reminder went out (its ticks fire timers one at a time, ${TICK_BUDGET} per tick).`);
  console.log(`- memory: INFO used_memory after phase 1 - after FLUSHALL, over ${fmt(EVENTS)}. Runnel's includes the undelivered "welcome" in the outbox streams, ${fmt(rE.outboxBytesPer)} B per customer (${fmt(rE.bytesPer - rE.outboxBytesPer)} B without). Bulk-loaded (phase 3, ${fmt(TIMERS)} customers): Runnel ${fmt(rF.bytesPer)} B, BullMQ ${fmt(bF.bytesPer)} B per waiting customer (${ratio(rF.bytesPer, bF.bytesPer)}).`);
  console.log(`- firing: ${fmt(DUE)} due of ${fmt(TIMERS)} pending; Runnel ${fmt(rF.ms)} ms with ${K} engines calling fireDue at once (load ${fmt(rF.loadMs)} ms through store.commit); BullMQ ${fmt(bF.ms)} ms from Worker start (load ${fmt(bF.loadMs)} ms through addBulk).`);
  console.log(`- lag: ${fmt(LAG)} timers due 2 ms apart over ${((LAG * 2) / 1000).toFixed(0)} s; Runnel ${LAG_LOOPS} loops of fireDue(Date.now()) every 2 ms when idle, max ${fmt(Math.max(...rL))} ms; BullMQ Worker concurrency ${W}, max ${fmt(Math.max(...bL))} ms.`);
  console.log(`- scheduled run: one engine, fireDue in slices of ${TICK_BUDGET}, ${RUN_CONCURRENCY} customers at once (as runnel serve), ${fmt(rR.ms)} ms for ${fmt(SEGMENT)} customers (each read in one call, committed in another).`);
  console.log(`- BullMQ emails recorded in process over the run: ${fmt(sent.welcome)} welcome, ${fmt(sent.reminder)} reminder.`);
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (e: unknown) => {
    console.error(e);
    cleanup();
    process.exit(1);
  },
);
