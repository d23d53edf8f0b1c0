/**
 * `runnel serve`: the runtime with its HTTP API (runtime/server). Bundled apart from the rest of
 * the CLI (dist/serve.mjs), so that `runnel check` does not load a web server to start.
 */
import cluster from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../runtime/server/app.js';
import { FlowService, TICK_BUDGET } from '../../runtime/server/flow-service.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { LayoutError, RedisStore } from '../../runtime/redis/redis-store.js';
import type { EffectRecord, Store } from '../../runtime/store/store.js';
import { InMemoryDeliveryLedger, WebhookOutbox, type DeliveryLedger, type PollSource } from '../../runtime/server/webhooks/index.js';
import { RedisDeliveryLedger } from '../../runtime/redis/delivery-ledger.js';
import { RedisWebhookSource } from '../../runtime/redis/webhook-stream.js';
import { connectRedis, type RedisConnection } from '../../runtime/redis/client.js';
import { RedisEventQueue } from '../../runtime/redis/event-queue.js';
import { ShardOwner } from '../../runtime/redis/shard-owner.js';
import { SharedRuntime } from '../../runtime/server/shared-runtime.js';
import { loadManifest } from '../../compiler/manifest.js';
import { UsageError } from '../files.js';
import { EXIT, type CliIO } from '../io.js';

export const SERVE_HELP = `Usage: runnel serve [--project <dir>] [--port <n>] [--host <addr>] [--redis <url>] [--workers <n>]

Runs flows for real: the HTTP API (docs/openapi.json) to put drafts, launch, pause, resume and stop
flows, take events and customer profiles, and read activity and statistics; timers and scheduled
runs fire on the wall clock.

Options:
  --project <dir>   the project whose runnel.json drafts are checked against (default: .)
  --port <n>        port to listen on (default 8080; 0 picks a free one)
  --host <addr>     address to listen on (default 127.0.0.1)
  --redis <url>     keep the state in Redis (redis://host:port/db); a restart on the same Redis
                    goes on where it stopped. Several runtimes (processes, machines) on one Redis
                    share the work: each owns a share of the customers' shards. Without it, the
                    state is in memory.
  --workers <n>     with --redis: run n worker processes (1 to 64, default 1) sharing this port,
                    each a whole runtime with its share of the shards. This process only supervises:
                    it prints "<n> workers listening on <address>" once all listen, starts a worker
                    again when one dies, and stops if one fails before all ever listened
  --channel-max-len <n>
                    with --redis: about how many entries each effect channel stream (rn:out:email,
                    rn:out:webhook...) keeps for delivery services (default 1000000; 0: no cap);
                    older ones are trimmed, read or not
  --keep-ended <days>
                    with --redis: how long a journey that ended (completed, stopped, error) is
                    kept with its activity before it is swept (default 30, the window of
                    GET /v1/activity; 0: for ever)
  --lease <ms>      with --redis: how long a dead runtime's shards and claimed timers stay with it
                    before another takes them over (default 10000)
  --tick <ms>       how often due timers are looked for (default 250; in-memory only: with
                    --redis, workers look whenever they are idle)
  -h, --help        show this help

API tokens come from the environment: RUNNEL_ADMIN_TOKENS and RUNNEL_INGEST_TOKENS, comma-separated.
Admin tokens manage flows and read activity (and may ingest); ingest tokens send events and
profiles. Without any token nobody could use the API, so serve refuses to start.

Stops gracefully on SIGINT or SIGTERM: no new requests, the ones in flight finish. With --workers,
every worker stops so; the exit status is 0 once all have stopped cleanly.
`;

function tokens(name: string): string[] {
  return (process.env[name] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

export async function runServe(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string', default: '.' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      redis: { type: 'string' },
      tick: { type: 'string', default: '250' },
      workers: { type: 'string', default: '1' },
      lease: { type: 'string', default: '10000' },
      'channel-max-len': { type: 'string', default: '1000000' },
      'keep-ended': { type: 'string', default: '30' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.stdout(SERVE_HELP), EXIT.ok;
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not ${values.port}`);
  const tick = Number(values.tick);
  if (!Number.isFinite(tick) || tick < 10) throw new UsageError(`--tick must be at least 10 (ms), not ${values.tick}`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers must be a whole number from 1 to 64, not ${values.workers}`);
  if (workers > 1 && values.redis === undefined) throw new UsageError('--workers needs --redis: workers share their state through Redis');
  // Checked before starting workers: each would fail the same way, again and again.
  if (values.redis !== undefined && !/^rediss?:\/\//.test(values.redis)) throw new UsageError(`--redis must be a redis:// URL, not ${values.redis}`);
  const lease = Number(values.lease);
  if (!Number.isInteger(lease) || lease < 500) throw new UsageError(`--lease must be at least 500 (ms), not ${values.lease}`);
  const channelMaxLen = Number(values['channel-max-len']);
  if (!Number.isInteger(channelMaxLen) || channelMaxLen < 0) throw new UsageError(`--channel-max-len must be a whole number (0: no cap), not ${values['channel-max-len']}`);
  const keepEnded = Number(values['keep-ended']);
  if (!Number.isInteger(keepEnded) || keepEnded < 0 || keepEnded > 3650) throw new UsageError(`--keep-ended must be a whole number of days from 0 (for ever) to 3650, not ${values['keep-ended']}`);
  const admin = tokens('RUNNEL_ADMIN_TOKENS');
  const ingest = tokens('RUNNEL_INGEST_TOKENS');
  if (!admin.length && !ingest.length) throw new UsageError('no API token: set RUNNEL_ADMIN_TOKENS (and RUNNEL_INGEST_TOKENS), comma-separated');
  const manifestPath = join(resolve(io.cwd, values.project!), 'runnel.json');
  if (!existsSync(manifestPath)) throw new UsageError(`no runnel.json in ${values.project}: say which project with --project <dir>`);

  if (workers > 1 && cluster.isPrimary) return superviseWorkers(workers, io);
  const here = { values, manifestPath, port, tick, lease, channelMaxLen, keepEnded, admin, ingest };
  if (!cluster.isWorker) return serveHere(here, io);
  // A node:cluster worker (--workers): its IPC channel to the primary keeps its event loop alive,
  // so once done serving (stopped, or failed to start) it would never exit, and the primary would
  // wait for it forever. It lets go of the channel then, and exits within 2 s whatever else is open.
  try {
    return await serveHere(here, io);
  } finally {
    process.channel?.unref();
    setTimeout(() => process.exit(), 2000).unref();
  }
}

/** `runnel serve` in this process: the server, and the runtime on the store, until a stop signal. */
async function serveHere(
  { values, manifestPath, port, tick, lease, channelMaxLen, keepEnded, admin, ingest }: { values: { project?: string; host?: string; redis?: string }; manifestPath: string; port: number; tick: number; lease: number; channelMaxLen: number; keepEnded: number; admin: string[]; ingest: string[] },
  io: CliIO,
): Promise<number> {
  const manifestText = readFileSync(manifestPath, 'utf8');
  const manifest = loadManifest(manifestText).manifest;
  let store: Store;
  let ledger: DeliveryLedger = new InMemoryDeliveryLedger();
  let closeStore = async (): Promise<void> => {};
  let shared: { owner: ShardOwner; queue: RedisEventQueue; engineStore: Store } | undefined;
  if (values.redis !== undefined) {
    let redis: RedisStore;
    try {
      // A journey's activity lives as long as the journey is kept.
      const keepMs = keepEnded * 86_400_000;
      redis = await RedisStore.connect({ url: values.redis }, { leaseMs: lease, endedRetentionMs: keepMs, activityTtlMs: keepMs });
    } catch (e) {
      throw new UsageError(e instanceof LayoutError ? `Redis at ${values.redis}: ${e.message}` : `cannot connect to Redis at ${values.redis}: ${(e as Error).message}`);
    }
    store = redis;
    // Runtimes on one Redis share the work by shards (runtime/server/shared-runtime.ts).
    const owner = new ShardOwner(redis, { leaseMs: lease });
    shared = { owner, queue: new RedisEventQueue(redis), engineStore: redis.withScope(owner) };
    // Webhooks settled before a restart (or by another process) are not delivered again.
    let ledgerConn: RedisConnection;
    try {
      ledgerConn = await connectRedis({ url: values.redis });
    } catch (e) {
      await redis.close(); // or this process would stay up on the store's open connection
      throw new UsageError(`cannot connect to Redis at ${values.redis}: ${(e as Error).message}`);
    }
    ledger = new RedisDeliveryLedger(ledgerConn);
    closeStore = async () => {
      await redis.close();
      await ledgerConn.close();
    };
  } else store = new MemoryStore();
  const service = await FlowService.open({ store, manifest: manifestText, ...(shared ? { shared: { engineStore: shared.engineStore, queue: shared.queue } } : {}) });
  const app = await buildApp({ service, tokens: { admin, ingest }, logger: { level: process.env['RUNNEL_LOG_LEVEL'] ?? 'info' } });
  const address = await app.listen({ port, host: values.host! });
  app.log.info({ address, project: values.project }, 'runnel serve is listening');
  io.stdout(`runnel serve: listening on ${address}\n`);

  // Webhook effects are delivered by the runtime itself (runtime/server/webhooks).
  const outbox = new WebhookOutbox({
    ledger,
    source: newEffects(store, shared?.owner.token),
    delivery: { allowPrivate: manifest.json.webhooks?.allowPrivateNetworks ?? false, ...(manifest.json.webhooks?.allowedHosts ? { allowedHosts: manifest.json.webhooks.allowedHosts } : {}) },
    onDelivered: (e, info) => app.log.info({ key: e.key, url: e['url'], status: info.status, attempts: info.attempts }, 'webhook delivered'),
    onRetry: (e, info) => app.log.warn({ key: e.key, url: e['url'], ...info }, 'webhook failed; will retry'),
    onDeadLetter: (d) => app.log.error({ key: d.effect.key, url: d.effect['url'], attempts: d.attempts, reason: d.reason }, 'webhook given up'),
    onError: (err) => app.log.error({ err }, 'webhook outbox error'),
  });
  outbox.start();

  let ticking: Promise<unknown> = Promise.resolve();
  let halting = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let runtime: SharedRuntime | undefined;
  if (shared) {
    runtime = new SharedRuntime({ service, owner: shared.owner, queue: shared.queue, beatMs: Math.floor(lease / 5), outbox: { channelMaxLen }, log: app.log });
    await runtime.start();
    app.log.info({ worker: shared.owner.token, shards: shared.owner.owned().size }, 'working on a share of the shards');
  } else {
    timer = setInterval(() => {
      ticking = ticking
        .then(async () => {
          // A slice at a time, with the requests that came in between (a backlog, a run over a large segment).
          while (!halting && (await service.tick()) >= TICK_BUDGET) await new Promise((r) => setImmediate(r));
        })
        .catch((err: unknown) => app.log.error({ err }, 'firing timers failed'));
    }, tick);
  }

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'stopping: no new requests; finishing the ones in flight');
      if (timer) clearInterval(timer);
      halting = true;
      void app
        .close()
        .then(() => ticking)
        .then(() => runtime?.stop())
        .then(() => outbox.stop({ deadlineMs: 5000 }))
        .then(() => closeStore())
        .then(() => done(EXIT.ok));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * `--workers n`: this process serves nothing itself. It starts n workers (node:cluster: each runs
 * this same command and is a whole runtime; they share the port), prints
 * `runnel serve: <n> workers listening on <address>` once all n listen, and starts a worker again
 * when one dies (at once; after a growing pause, up to 30 s, when workers keep dying within 5 s of
 * their start). A worker that fails before the n were ever listening (Redis unreachable, port taken)
 * stops them all: the next one would fail the same way; the exit status is that worker's.
 * SIGINT or SIGTERM sends SIGTERM to every worker (each stops gracefully) and waits until all have
 * exited, SIGKILLing any still running after 30 s; then 0 if each stopped cleanly, else 1.
 */
function superviseWorkers(n: number, io: CliIO): Promise<number> {
  return new Promise<number>((done) => {
    let stopping = false;
    let status: number = EXIT.ok;
    // The live workers, by when they started (not cluster.workers: it may still list a worker while
    // its 'exit' is being handled).
    const bornAt = new Map<number, number>();
    const up = new Set<number>();
    let ready = false;
    let quickDeaths = 0;
    // Restarts waiting out a pause (several workers may die at once).
    const restarts = new Set<ReturnType<typeof setTimeout>>();
    let killer: ReturnType<typeof setTimeout> | undefined;
    const start = () => {
      if (stopping) return;
      bornAt.set(cluster.fork().id, Date.now());
    };
    const finish = () => {
      if (bornAt.size > 0) return;
      clearTimeout(killer);
      done(status);
    };
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const t of restarts) clearTimeout(t);
      restarts.clear();
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      killer = setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) {
          io.stderr(`runnel serve: worker ${w?.process.pid} still running 30 s after SIGTERM; killing it\n`);
          w?.process.kill('SIGKILL');
        }
      }, 30_000);
      finish();
    };
    cluster.on('listening', (w, a) => {
      if (up.has(w.id)) return; // a second address (a host name with several)
      up.add(w.id);
      if (!ready && up.size === n) {
        ready = true;
        const host = a.addressType === 6 ? `[${a.address}]` : a.address;
        io.stdout(`runnel serve: ${n} workers listening on http://${host}:${a.port}\n`);
      }
    });
    cluster.on('exit', (w, code, signal) => {
      const lived = Date.now() - (bornAt.get(w.id) ?? 0);
      bornAt.delete(w.id);
      const listened = up.delete(w.id);
      const how = signal ?? `exit ${code}`;
      if (stopping) {
        // The first failure's status stands (another worker failing to start too must not change it).
        if (status === EXIT.ok && code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') status = 1;
        return finish();
      }
      if (!ready && !listened) {
        io.stderr(`runnel serve: worker ${w.process.pid} failed to start (${how}); stopping\n`);
        status = code !== null && code > 0 ? code : 1;
        return stop();
      }
      const pause = lived < 5000 ? Math.min(30_000, 1000 * 2 ** quickDeaths++) : ((quickDeaths = 0), 0);
      io.stderr(`runnel serve: worker ${w.process.pid} died (${how}); starting another${pause ? ` in ${pause / 1000} s` : ''}\n`);
      if (!pause) return start();
      const t = setTimeout(() => {
        restarts.delete(t);
        start();
      }, pause);
      restarts.add(t);
    });
    for (let i = 0; i < n; i++) start();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Where the webhook effects come from. On Redis: the `webhook` channel stream, read in a consumer
 * group as this runtime (its worker token), acknowledged once settled (runtime/redis/webhook-stream.ts;
 * the runtimes' forwarders fill it). In memory: what the store's outbox got since the last poll.
 */
function newEffects(store: Store, consumer?: string): PollSource {
  if (store instanceof RedisStore && consumer !== undefined) return new RedisWebhookSource(store.conn, { prefix: store.prefix, consumer });
  let seen = 0;
  return {
    async poll(): Promise<EffectRecord[]> {
      const all = await store.listEffects();
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh.filter((e) => e.action === 'webhook');
    },
  };
}
