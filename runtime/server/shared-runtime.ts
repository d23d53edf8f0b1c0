/**
 * The work loop of a runtime that shares one Redis (or cluster) with others (docs/redis.md,
 * "Several runtimes"): it owns a share of the shards (redis/shard-owner.ts) and, for those alone,
 * processes the events queued on them in order (redis/event-queue.ts), fires their timers and makes
 * their customers' scheduled runs, and forwards their outboxes to the channel streams that delivery
 * services read (redis/outbox-forwarder.ts); it also moves entries of the producers' intake stream
 * onto the shards, and takes up flow changes other runtimes made. Everything that touches the engine runs
 * through the service one piece at a time (FlowService.exclusive), heartbeats included, so a shard
 * is never given up in the middle of a piece of work on it.
 */
import { QueuedEventError, type FlowService } from './flow-service.js';
import type { RedisEventQueue } from '../redis/event-queue.js';
import type { ShardOwner } from '../redis/shard-owner.js';
import { FencedError } from '../redis/redis-store.js';
import { OutboxForwarder, type OutboxForwarderOptions } from '../redis/outbox-forwarder.js';
import { allSettledOrThrow } from '../engine/co.js';

export interface SharedRuntimeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SharedRuntimeOptions {
  service: FlowService;
  owner: ShardOwner;
  queue: RedisEventQueue;
  /** How often shard ownership is renewed and flow changes are looked for (default 1 000 ms; well within the owner's lease). */
  beatMs?: number;
  /** Pause between rounds when there was nothing to do (default 20 ms). */
  idleMs?: number;
  /** The outbox forwarder's options (channel streams' MAXLEN, batch). */
  outbox?: OutboxForwarderOptions;
  /**
   * How often the outboxes are forwarded (default 100 ms): an effect reaches its channel stream
   * about that long after its commit (plus the round under way). Not every round: a forward reads
   * every shard owned, which a busy runtime would otherwise pay for at each round.
   */
  forwardMs?: number;
  /**
   * How often the upkeep runs (default 10 000 ms): the channel streams are trimmed of what every
   * consumer group of each has acknowledged (OutboxForwarder.trimAcknowledged), and the ended
   * instances of the shards owned whose retention is over are swept (RedisStore.sweepEnded).
   */
  upkeepMs?: number;
  log?: SharedRuntimeLog;
}

const quiet: SharedRuntimeLog = { info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SharedRuntime {
  private readonly service: FlowService;
  private readonly owner: ShardOwner;
  private readonly queue: RedisEventQueue;
  private readonly beatMs: number;
  private readonly idleMs: number;
  private readonly log: SharedRuntimeLog;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private lastBeat = 0;
  /** Shards gained whose taking over (beat: their customers brought in line, the latest runs made again) is still to do. */
  private readonly takenOver = new Set<number>();
  private rounds = 0;
  private readonly failures = new Map<string, number>();
  private renewing: ReturnType<typeof setInterval> | undefined;
  private readonly forwarder: OutboxForwarder;
  private readonly forwardMs: number;
  private readonly upkeepMs: number;
  private lastUpkeep = 0;
  private upkeeping: Promise<void> | undefined;
  private lastForward = 0;

  constructor(opts: SharedRuntimeOptions) {
    this.service = opts.service;
    this.owner = opts.owner;
    this.queue = opts.queue;
    this.beatMs = opts.beatMs ?? 1000;
    this.idleMs = opts.idleMs ?? 20;
    this.log = opts.log ?? quiet;
    this.forwarder = new OutboxForwarder(this.queue.store, opts.outbox ?? {});
    this.forwardMs = opts.forwardMs ?? 100;
    this.upkeepMs = opts.upkeepMs ?? 10_000;
    if (!(this.upkeepMs > 0) || !Number.isFinite(this.upkeepMs)) throw new Error(`shared runtime: upkeepMs must be a positive number of milliseconds, not ${this.upkeepMs}`);
    if (this.beatMs * 3 > this.owner.leaseMs) throw new Error(`shared runtime: beat every ${this.beatMs} ms is too slow for a ${this.owner.leaseMs} ms lease (beat at least three times per lease)`);
  }

  /** Takes a first share of the shards, then works until stop(). */
  async start(): Promise<void> {
    await this.beat();
    this.running = true;
    this.loop = this.run();
    // Leases are renewed beside the work too: a long piece of work must not lose the shards.
    this.renewing = setInterval(() => {
      this.owner.renew().then(
        (lost) => lost.forEach((s) => this.forgetShard(s)),
        (err: unknown) => this.log.warn({ err }, 'renewing shard leases failed'),
      );
    }, this.beatMs);
    this.renewing.unref();
  }

  /** Finishes the piece of work under way, gives the shards up (others take them at once) and stops. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.renewing) clearInterval(this.renewing);
    await this.loop;
    await this.upkeeping;
    await this.service.exclusive(() => this.owner.release());
  }

  /** One round of work; whether there was anything to do. Exposed for tests that step a runtime by hand. */
  async round(): Promise<boolean> {
    if (Date.now() - this.lastBeat >= this.beatMs) await this.beat();
    let busy = false;
    const intake = await this.queue.pumpIntake(this.owner.token, async (text) => {
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (e) {
        return `not JSON: ${(e as Error).message}`;
      }
      const bad = this.service.invalid(event);
      if (bad) return `event ${bad.id ?? '(no id)'} of type ${bad.type ?? '(no type)'}: ${bad.errors.map((x) => `${x.path} ${x.message}`).join('; ')}`;
      const e = event as Record<string, unknown> & { id: string; customer: string };
      await this.queue.enqueue([{ ...e, receivedAt: e['receivedAt'] ?? new Date().toISOString() }]);
      return null;
    });
    if (intake.handled) busy = true;
    for (const d of intake.dead) this.log.warn({ entry: d.entry, error: d.error }, 'intake entry refused (dead-letter stream)');

    const shards = [...this.owner.owned()];
    const batches = await this.queue.readMany(shards);
    // Flow changes made before these events were queued (a launch, then its first events, through
    // another runtime) are taken up before they are processed: the revision is read after them.
    // Timers too: a pause acknowledged by another runtime holds before anything more goes out.
    await this.service.refreshIfChanged();
    const work = shards.map((shard, i) => ({ shard, events: batches[i]! })).filter((w) => w.events.length > 0);
    if (work.length) {
      busy = true;
      // A beat due is made before the shards' work (leases are renewed beside it meanwhile).
      if (Date.now() - this.lastBeat >= this.beatMs) await this.beat();
      // The shards side by side; one given up since the read (a beat in between) is left to its new owner.
      const results = await this.service.processQueued(work.map(({ shard, events }) => ({ events, owned: () => this.owner.owned().has(shard), done: (entry: string) => this.done(shard, entry) })));
      // What ends the round once every shard is through: a fenced write first (the run loop then
      // renews ownership at once), else the first other failure outside the engine.
      let fenced: FencedError | undefined;
      let failed: { error: unknown } | undefined;
      const fatal = (e: unknown): void => {
        if (e instanceof FencedError) fenced ??= e;
        else failed ??= { error: e };
      };
      for (const [i, r] of results.entries()) {
        if (r.error === undefined) continue;
        const err = r.error;
        if (!(err instanceof QueuedEventError) || err.cause instanceof FencedError) {
          fatal(err instanceof QueuedEventError ? err.cause : err);
          continue;
        }
        // An event the engine fails on: tried again next round; after three failures it goes to the
        // dead-letter stream and the shard moves on (one bad event must not hold its customers up).
        const { shard, events } = work[i]!;
        // Keyed by shard too: stream entry ids are per stream, so two shards' entries may share one.
        const key = `${shard}/${err.entry}`;
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.log.error({ err: err.cause, entry: err.entry, shard, attempt: n }, 'processing a queued event failed');
        if (n >= 3) {
          try {
            const e = events.find((x) => x.entry === err.entry);
            await this.queue.deadLetter({ entry: err.entry, error: err.message, text: e?.text ?? '' });
            await this.done(shard, err.entry);
            this.failures.delete(key);
          } catch (e) {
            // The other shards' failures are still counted.
            fatal(e);
          }
        }
      }
      if (fenced) throw fenced;
      if (failed) throw failed.error;
    }
    if ((await this.service.tick()) > 0) busy = true;
    if (++this.rounds % 100 === 0) await Promise.all([...this.owner.owned()].map((s) => this.queue.trim(s)));
    if (Date.now() - this.lastForward >= this.forwardMs) {
      try {
        if ((await this.forward()) > 0) busy = true;
      } catch (err) {
        // A shard lost is found out at once; another failure (a channel stream broken, a node
        // out of memory) must not hold events and timers up: it is logged and tried again later.
        if (err instanceof FencedError) throw err;
        this.log.error({ err }, 'forwarding the outbox failed; trying again');
      }
    }
    // Beside the work, one at a time: a long upkeep (a backlog, a slow node) must not hold events and timers up.
    if (!this.upkeeping && Date.now() - this.lastUpkeep >= this.upkeepMs) {
      this.lastUpkeep = Date.now();
      this.upkeeping = this.upkeep().finally(() => (this.upkeeping = undefined));
    }
    return busy;
  }

  /** Trims the channel streams, then sweeps the ended instances due on the shards owned (each part tried again next time when it fails). */
  private async upkeep(): Promise<void> {
    await this.forwarder.trimAcknowledged().catch((err: unknown) => this.log.error({ err }, 'trimming the channel streams failed; trying again later'));
    try {
      // A backlog (the first sweep after a long stop) goes in bounded calls; what is left, next time.
      for (let calls = 0; calls < 20; calls++) {
        const { swept, more } = await this.queue.store.sweepEnded([...this.owner.owned()]);
        if (swept) this.log.info({ swept }, 'ended instances swept (retention over)');
        if (!more) break;
      }
    } catch (err) {
      this.log.error({ err }, 'sweeping ended instances failed; trying again later');
    }
  }

  /**
   * Forwards the outboxes of the shards owned (only the owner forwards a shard, so two runtimes do
   * not forward one entry in normal operation; the cursor write is fenced by the owner's fencing value).
   * Every shard is tried; then the first failure, a FencedError included, is thrown.
   */
  private async forward(): Promise<number> {
    this.lastForward = Date.now();
    const owned = (await this.forwarder.pending([...this.owner.owned()])).flatMap((s) => {
      const fence = this.owner.fence(s);
      return fence === undefined ? [] : [{ s, fence }];
    });
    const forwarded = await allSettledOrThrow(owned.map(({ s, fence }) => this.forwarder.forward(s, fence)));
    return forwarded.reduce((n, x) => n + x, 0);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let busy = false;
      try {
        busy = await this.round();
      } catch (err) {
        if (err instanceof FencedError) {
          // Another runtime owns a shard this one thought it had: find out which at once.
          this.log.warn({ err: err.message }, 'a shard was taken over; renewing ownership now');
          this.lastBeat = 0;
        } else {
          this.log.error({ err }, 'shared runtime: a round failed; retrying');
          await sleep(250);
        }
      }
      if (!busy) await sleep(this.idleMs);
    }
  }

  /** The shard's events up to `entry` processed, while this runtime owns it (FencedError when it no longer does). */
  private async done(shard: number, entry: string): Promise<void> {
    const fence = this.owner.fence(shard);
    if (fence === undefined) throw new FencedError(`shard ${shard} is no longer this worker's (${this.owner.token})`);
    return this.queue.done(shard, entry, fence);
  }

  /** What this runtime cached about a shard that changed hands (its queue cursor, the forwarder's appends): read anew when it is owned again. */
  private forgetShard(s: number): void {
    this.queue.forget(s);
    this.forwarder.forget(s);
  }

  private async beat(): Promise<void> {
    this.lastBeat = Date.now();
    const r = await this.service.exclusive(() => this.owner.beat());
    // A shard gained (again) reads its cursor anew: one cached while it was this worker's before is stale.
    for (const s of [...r.lost, ...r.gained]) this.forgetShard(s);
    if (r.gained.length || r.lost.length) this.log.info({ worker: this.owner.token, gained: r.gained.length, lost: r.lost.length, owned: this.owner.owned().size, workers: r.workers }, 'shards changed hands');
    // Shards gained are taken over below; one stays to do until that went through (a failure is tried again at the next beat).
    for (const s of r.gained) this.takenOver.add(s);
    // Flow changes of other runtimes.
    const changed = await this.service.refresh();
    // Shards given up since (this beat's, or without a beat saying so: a renewal refused, a fenced write) are not this runtime's to take over.
    for (const s of this.takenOver) if (!this.owner.owned().has(s)) this.takenOver.delete(s);
    if (this.takenOver.size) {
      const shards = new Set(this.takenOver);
      const scoped = this.queue.store.withScope({ token: this.owner.token, owned: () => shards, fence: (s) => this.owner.fence(s) });
      // Their customers in flight a dead owner may not have brought in line with the flows (refresh did, when it changed any).
      if (!changed) await this.service.reconcile(() => scoped.listInFlight());
      // A run their last owner was making may have been cut short: the customers it had not reached enter now.
      const remade = await this.service.remakeRuns((segment) => scoped.listCustomers(segment));
      for (const s of shards) this.takenOver.delete(s);
      if (remade) this.log.info({ customers: remade, shards: shards.size }, 'the latest scheduled runs of the last hour made again for the shards taken over');
    }
  }
}
