/**
 * The webhook outbox worker (Node only): takes webhook effects from a source (an async iterable,
 * a `poll()` callback, or `submit()`), delivers each one (deliver.ts) at most once per idempotency
 * key, retries what is worth retrying with exponential backoff and full jitter, and dead-letters
 * what failed for good or ran out of attempts.
 *
 * - At most once per key: before each attempt the worker claims the key in the ledger (a lease
 *   covering the attempt and the wait before the next one), after a 2xx it marks it delivered, and
 *   a key the ledger says is delivered, dead or leased to another worker is dropped. Workers sharing
 *   a ledger therefore never deliver a key twice, nor attempt it at the same time. (A request whose
 *   answer is lost, a timeout, may have reached the endpoint: the retry carries the same
 *   `idempotency-key` header so that the endpoint can tell.)
 * - Retries: attempt n failed → wait random() × min(maxDelayMs, baseDelayMs × factor^(n-1)) (full
 *   jitter), at least the server's Retry-After (capped at maxDelayMs); after maxAttempts attempts,
 *   or at once on a permanent failure, the effect is dead-lettered (onDeadLetter) and marked dead.
 * - Limits: at most `concurrency` attempts at once, at most `perHostConcurrency` per host:port;
 *   at most `maxQueued` effects in the worker's care (the source waits for room).
 * - Time (clock) and randomness (random) are injectable; tests run on a fake clock.
 * - stop(): takes nothing new, gives back the effects waiting for a retry or a free slot (their
 *   lease released), waits for the attempts in flight until the deadline, then aborts them.
 */
import type { EffectRecord } from '../../store/store.js';
import { deliverWebhook, type DeliverOptions, type DeliveryResult, type WebhookEffect } from './deliver.js';
import type { ClaimResult, DeliveryLedger } from './ledger.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where new effects come from: an async iterable (a stream), or a callback polled for the next batch. */
export type EffectSource = AsyncIterable<EffectRecord> | PollSource;

/**
 * A polled source. One that must know when an effect is done with (a Redis stream read in a
 * consumer group, redis/webhook-stream.ts) gives `ack`, and `forget`: the worker calls `ack` once an
 * effect it polled is settled (delivered, dead-lettered, or found delivered or dead in the ledger),
 * never before; `forget` when it lets one go unsettled (another worker holds its lease, or the
 * worker stops with it undelivered), so that the source offers it again later.
 */
export interface PollSource {
  poll(): Promise<EffectRecord[]>;
  ack?(effects: EffectRecord[]): Promise<void> | void;
  forget?(effects: EffectRecord[]): void;
}

export type DeliverFn = (effect: WebhookEffect, opts: DeliverOptions) => Promise<DeliveryResult>;

export interface DeadLetter {
  effect: EffectRecord;
  attempts: number;
  /** The last failure. */
  reason: string;
  status?: number;
  /** True when the last failure was permanent (refused target, 4xx, redirect), false when attempts ran out. */
  permanent: boolean;
}

export interface WebhookOutboxOptions {
  ledger: DeliveryLedger;
  /** Optional: effects can also be handed over with submit(). Effects other than webhooks are ignored. */
  source?: EffectSource;
  /** What deliverWebhook needs, but the signal (the worker's own); timeoutMs defaults to 10 s. */
  delivery: Omit<DeliverOptions, 'signal' | 'timeoutMs' | 'now'> & { timeoutMs?: number };
  /** Default 8. */
  maxAttempts?: number;
  /** Default 1 s. */
  baseDelayMs?: number;
  /** Default 2. */
  factor?: number;
  /** Default 10 min: the cap of every wait, Retry-After included. */
  maxDelayMs?: number;
  /** Attempts at once. Default 16. */
  concurrency?: number;
  /** Attempts at once to one host:port. Default 4. */
  perHostConcurrency?: number;
  /** Effects in the worker's care (queued, waiting, in flight) before the source is paused. Default 10 000. */
  maxQueued?: number;
  /** How long to wait after a poll that returned nothing. Default 1 s. */
  pollIntervalMs?: number;
  /** Added to the lease of an attempt beyond its timeout. Default 30 s. */
  leaseMarginMs?: number;
  /** This worker's name in the ledger's leases. Default a random one. */
  id?: string;
  clock?: Clock;
  /** In [0, 1). Default Math.random. */
  random?: () => number;
  /** Default deliverWebhook (tests inject one). */
  deliver?: DeliverFn;
  onDelivered?: (effect: EffectRecord, info: { attempts: number; status: number }) => void;
  onRetry?: (effect: EffectRecord, info: { attempt: number; delayMs: number; reason: string; status?: number }) => void;
  onDeadLetter?: (dead: DeadLetter) => void;
  /** A key dropped without an attempt: delivered or dead already, or leased to another worker. */
  onSkipped?: (effect: EffectRecord, why: Exclude<ClaimResult, 'claimed'>) => void;
  /** Ledger or source failures (the worker carries on) and exceptions thrown by callbacks. */
  onError?: (err: unknown, effect?: EffectRecord) => void;
}

export interface StopResult {
  /** True when every attempt in flight ended before the deadline (none was aborted). */
  drained: boolean;
  /** Effects given back undelivered (waiting, queued, or aborted): their leases are released. */
  abandoned: EffectRecord[];
}

type Phase = 'deliver' | 'record' | 'bury';

interface Job {
  effect: EffectRecord;
  key: string;
  host: string;
  attempts: number;
  phase: Phase;
  /** Ledger failures in a row (backoff for them, not counted as attempts). */
  errors: number;
  status?: number;
  dead?: DeadLetter;
  timer?: unknown;
  state: 'ready' | 'waiting' | 'running';
}

export class WebhookOutbox {
  readonly id: string;
  private readonly o: Required<Pick<WebhookOutboxOptions, 'maxAttempts' | 'baseDelayMs' | 'factor' | 'maxDelayMs' | 'concurrency' | 'perHostConcurrency' | 'maxQueued' | 'pollIntervalMs' | 'leaseMarginMs'>>;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly deliverFn: DeliverFn;
  /** Every effect in the worker's care, by key. */
  private readonly jobs = new Map<string, Job>();
  /** Jobs ready to run, by host, in arrival order. */
  private readonly ready = new Map<string, Job[]>();
  private readonly perHost = new Map<string, number>();
  private running = 0;
  private readonly abort = new AbortController();
  private stopping: Promise<StopResult> | undefined;
  /** Set as soon as stop() is called. */
  private halting = false;
  private readonly abandoned: EffectRecord[] = [];
  /** Acknowledgements to the source under way (stop waits for them). */
  private readonly acking = new Set<Promise<void>>();
  private consuming: Promise<void> | undefined;
  private readonly wakers = new Set<() => void>();
  private idleWaiters: Array<() => void> = [];
  private settleWaiters: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly opts: WebhookOutboxOptions) {
    this.o = {
      maxAttempts: opts.maxAttempts ?? 8,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      factor: opts.factor ?? 2,
      maxDelayMs: opts.maxDelayMs ?? 10 * 60_000,
      concurrency: opts.concurrency ?? 16,
      perHostConcurrency: opts.perHostConcurrency ?? 4,
      maxQueued: opts.maxQueued ?? 10_000,
      pollIntervalMs: opts.pollIntervalMs ?? 1000,
      leaseMarginMs: opts.leaseMarginMs ?? 30_000,
    };
    if (!(this.o.maxAttempts >= 1) || !(this.o.concurrency >= 1) || !(this.o.perHostConcurrency >= 1) || !(this.o.maxQueued >= 1)) {
      throw new RangeError('maxAttempts, concurrency, perHostConcurrency and maxQueued must be at least 1');
    }
    this.timeoutMs = opts.delivery.timeoutMs ?? 10_000;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.deliverFn = opts.deliver ?? deliverWebhook;
    this.id = opts.id ?? `outbox-${Math.random().toString(36).slice(2, 10)}`;
  }

  /** Starts consuming the source (when there is one). */
  start(): void {
    if (this.consuming || this.halting || !this.opts.source) return;
    this.consuming = this.consume(this.opts.source);
  }

  /**
   * Takes an effect into the worker's care. False when it is not taken: not a webhook, its key
   * already in the worker's care, or the worker stopping.
   */
  submit(effect: EffectRecord): boolean {
    if (this.halting || effect.action !== 'webhook' || typeof effect.key !== 'string') return false;
    if (this.jobs.has(effect.key)) return false;
    const job: Job = { effect, key: effect.key, host: hostOf(effect.url), attempts: 0, phase: 'deliver', errors: 0, state: 'ready' };
    this.jobs.set(job.key, job);
    this.enqueue(job);
    this.pump();
    return true;
  }

  /** What the worker holds now. */
  stats(): { inCare: number; ready: number; waiting: number; running: number } {
    let ready = 0;
    for (const q of this.ready.values()) ready += q.length;
    return { inCare: this.jobs.size, ready, waiting: this.jobs.size - ready - this.running, running: this.running };
  }

  /** Resolves when nothing is in the worker's care. */
  idle(): Promise<void> {
    if (this.jobs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops: takes nothing new, gives back what waits (leases released), waits for the attempts in
   * flight until `deadlineMs` (default 10 s, on the worker's clock), then aborts them.
   */
  stop(opts: { deadlineMs?: number } = {}): Promise<StopResult> {
    if (!this.stopping) {
      this.halting = true;
      this.stopping = this.doStop(opts.deadlineMs ?? 10_000);
    }
    return this.stopping;
  }

  // ---------------------------------------------------------------------------------- intake

  private async consume(source: EffectSource): Promise<void> {
    if ('poll' in source) {
      while (!this.halting) {
        await this.room();
        if (this.halting) break;
        let batch: EffectRecord[] | undefined;
        try {
          batch = await this.untilStopped(source.poll());
        } catch (err) {
          this.report(err);
          batch = [];
        }
        if (batch === undefined) break;
        for (const e of batch) this.submit(e);
        if (batch.length === 0) await this.sleep(this.o.pollIntervalMs);
      }
      return;
    }
    const it = source[Symbol.asyncIterator]();
    try {
      while (!this.halting) {
        await this.room();
        if (this.halting) break;
        const r = await this.untilStopped(it.next());
        if (r === undefined || r.done) break;
        this.submit(r.value);
      }
    } catch (err) {
      this.report(err);
    } finally {
      if (this.halting) void it.return?.()?.then(undefined, () => undefined);
    }
  }

  /** The promise's value, or undefined as soon as the worker stops. */
  private untilStopped<T>(p: Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const wake = (): void => resolve(undefined);
      this.wakers.add(wake);
      p.then(
        (v) => {
          this.wakers.delete(wake);
          resolve(v);
        },
        (e: unknown) => {
          this.wakers.delete(wake);
          reject(e);
        },
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.clock.clearTimeout(handle);
        this.wakers.delete(wake);
        resolve();
      };
      const handle = this.clock.setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Resolves when the worker has room for another effect (or stops). */
  private room(): Promise<void> {
    if (this.jobs.size < this.o.maxQueued || this.halting) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
      this.settleWaiters.push(wake);
    });
  }

  // -------------------------------------------------------------------------------- dispatch

  private enqueue(job: Job): void {
    job.state = 'ready';
    const q = this.ready.get(job.host);
    if (q) q.push(job);
    else this.ready.set(job.host, [job]);
  }

  /** Starts ready jobs while the limits allow, taking hosts in turn. */
  private pump(): void {
    if (this.halting) return;
    for (const host of [...this.ready.keys()]) {
      if (this.running >= this.o.concurrency) return;
      const q = this.ready.get(host)!;
      while (q.length && this.running < this.o.concurrency && (this.perHost.get(host) ?? 0) < this.o.perHostConcurrency) {
        void this.run(q.shift()!);
      }
      this.ready.delete(host);
      if (q.length) this.ready.set(host, q); // to the back: the next pump starts with other hosts
    }
  }

  private async run(job: Job): Promise<void> {
    job.state = 'running';
    this.running++;
    this.perHost.set(job.host, (this.perHost.get(job.host) ?? 0) + 1);
    try {
      if (job.phase === 'deliver') await this.attempt(job);
      else if (job.phase === 'record') await this.record(job);
      else await this.bury(job);
      job.errors = 0;
    } catch (err) {
      // The ledger failed: try the same phase again later (not counted as an attempt).
      this.report(err, job.effect);
      job.errors++;
      if (!this.halting) this.wait(job, this.jitter(job.errors));
      else if (job.phase === 'deliver') void this.releaseAndGiveBack(job);
      else {
        // Attempted already: not given back (the ledger could not record it; reported above), nor acknowledged.
        this.done(job);
        this.forget(job);
      }
    } finally {
      this.running--;
      const n = (this.perHost.get(job.host) ?? 1) - 1;
      if (n > 0) this.perHost.set(job.host, n);
      else this.perHost.delete(job.host);
      this.pump();
      this.settled();
    }
  }

  private async attempt(job: Job): Promise<void> {
    const claim = await this.opts.ledger.claim(job.key, this.id, this.timeoutMs + this.o.leaseMarginMs);
    if (claim !== 'claimed') {
      this.done(job);
      this.release(job, claim);
      this.call(() => this.opts.onSkipped?.(job.effect, claim), job.effect);
      return;
    }
    if (this.halting) {
      await this.releaseAndGiveBack(job);
      return;
    }
    job.attempts++;
    const result = await this.deliverFn(job.effect, { ...this.opts.delivery, timeoutMs: this.timeoutMs, signal: this.abort.signal, now: () => this.clock.now() });
    if (result.outcome === 'delivered') {
      job.phase = 'record';
      job.status = result.status;
      await this.record(job);
      return;
    }
    if (result.outcome === 'retryable' && (result.aborted || this.halting)) {
      await this.releaseAndGiveBack(job);
      return;
    }
    if (result.outcome === 'permanent' || job.attempts >= this.o.maxAttempts) {
      job.phase = 'bury';
      job.dead = { effect: job.effect, attempts: job.attempts, reason: result.reason, permanent: result.outcome === 'permanent', ...(result.status !== undefined ? { status: result.status } : {}) };
      await this.bury(job);
      return;
    }
    const delayMs = this.backoff(job.attempts, result.retryAfterMs);
    // Keep the lease through the wait, so that no other worker takes the key meanwhile.
    const extended = await this.opts.ledger.claim(job.key, this.id, delayMs + this.timeoutMs + this.o.leaseMarginMs);
    if (extended !== 'claimed') {
      this.done(job);
      this.release(job, extended);
      this.call(() => this.opts.onSkipped?.(job.effect, extended), job.effect);
      return;
    }
    if (this.halting) {
      await this.releaseAndGiveBack(job);
      return;
    }
    this.call(() => this.opts.onRetry?.(job.effect, { attempt: job.attempts, delayMs, reason: result.reason, ...(result.status !== undefined ? { status: result.status } : {}) }), job.effect);
    this.wait(job, delayMs);
  }

  private async releaseAndGiveBack(job: Job): Promise<void> {
    this.giveBack(job);
    await this.opts.ledger.release(job.key, this.id).catch((err: unknown) => this.report(err, job.effect));
  }

  private async record(job: Job): Promise<void> {
    await this.opts.ledger.markDelivered(job.key);
    this.done(job);
    this.ack(job);
    this.call(() => this.opts.onDelivered?.(job.effect, { attempts: job.attempts, status: job.status ?? 200 }), job.effect);
  }

  private async bury(job: Job): Promise<void> {
    await this.opts.ledger.markDead(job.key);
    this.done(job);
    this.ack(job);
    this.call(() => this.opts.onDeadLetter?.(job.dead!), job.effect);
  }

  /** The wait after `attempts` failed attempts: full jitter, at least Retry-After, at most maxDelayMs. */
  backoff(attempts: number, retryAfterMs?: number): number {
    const jittered = this.jitter(attempts);
    return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, this.o.maxDelayMs));
  }

  private jitter(n: number): number {
    const ceiling = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * this.o.factor ** Math.max(0, n - 1));
    return Math.floor(Math.min(Math.max(this.random(), 0), 1) * ceiling);
  }

  private wait(job: Job, ms: number): void {
    if (this.halting) {
      void this.releaseAndGiveBack(job);
      return;
    }
    job.state = 'waiting';
    job.timer = this.clock.setTimeout(() => {
      job.timer = undefined;
      if (this.halting || !this.jobs.has(job.key)) return;
      this.enqueue(job);
      this.pump();
    }, ms);
  }

  /** The job leaves the worker's care. */
  private done(job: Job): void {
    this.jobs.delete(job.key);
  }

  /** The job leaves the worker's care undelivered (stopping). */
  private giveBack(job: Job): void {
    this.done(job);
    this.forget(job);
    this.abandoned.push(job.effect);
  }

  /** A key the ledger answered for without a claim: settled there (acknowledged), or another worker's now (not). */
  private release(job: Job, why: Exclude<ClaimResult, 'claimed'>): void {
    if (why === 'busy') this.forget(job);
    else this.ack(job);
  }

  /** Tells a polled source the effect is settled (it may acknowledge it now). */
  private ack(job: Job): void {
    const src = this.opts.source;
    if (!src || !('poll' in src) || !src.ack) return;
    const p = Promise.resolve()
      .then(() => src.ack!([job.effect]))
      .catch((err: unknown) => this.report(err, job.effect))
      .finally(() => this.acking.delete(p));
    this.acking.add(p);
  }

  /** Tells a polled source the worker let the effect go unsettled. */
  private forget(job: Job): void {
    const src = this.opts.source;
    if (!src || !('poll' in src) || !src.forget) return;
    this.call(() => src.forget!([job.effect]), job.effect);
  }

  private settled(): void {
    if (this.jobs.size < this.o.maxQueued) {
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const w of waiters) w();
    }
    if (this.running === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
    if (this.jobs.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private call(fn: () => void, effect: EffectRecord): void {
    try {
      fn();
    } catch (err) {
      this.report(err, effect);
    }
  }

  private report(err: unknown, effect?: EffectRecord): void {
    try {
      this.opts.onError?.(err, effect);
    } catch {
      // an error reporter that throws has nowhere to report to
    }
  }

  // ------------------------------------------------------------------------------------ stop

  private async doStop(deadlineMs: number): Promise<StopResult> {
    for (const wake of [...this.wakers]) wake();
    // Give back what is not in flight: waiting for a retry, or for a free slot.
    const released: Array<Promise<void>> = [];
    for (const job of [...this.jobs.values()]) {
      if (job.state === 'running') continue;
      if (job.timer !== undefined) this.clock.clearTimeout(job.timer);
      job.timer = undefined;
      if (job.phase === 'deliver') {
        if (job.attempts > 0) released.push(this.releaseAndGiveBack(job));
        else this.giveBack(job);
      } else {
        // Attempted already, the ledger failed to record the outcome: one more try, never given back.
        const settle = job.phase === 'record' ? this.record(job) : this.bury(job);
        released.push(settle.catch((err: unknown) => (this.done(job), this.forget(job), this.report(err, job.effect))));
      }
    }
    this.ready.clear();
    await Promise.all(released);

    let drained = true;
    if (this.running > 0) {
      let timer: unknown;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = this.clock.setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const first = await Promise.race([this.whenNoneRunning(), deadline]);
      this.clock.clearTimeout(timer);
      if (first === 'deadline') {
        drained = false;
        this.abort.abort(new Error('the webhook worker is stopping'));
        await this.whenNoneRunning();
      }
    }
    await this.consuming;
    // Settled effects are acknowledged before the caller closes the source's connection.
    while (this.acking.size) await Promise.all([...this.acking]);
    this.settled();
    return { drained, abandoned: [...this.abandoned] };
  }

  private whenNoneRunning(): Promise<'drained'> {
    if (this.running === 0) return Promise.resolve('drained');
    return new Promise((resolve) => this.drainWaiters.push(() => resolve('drained')));
  }
}

/** `host:port` of a URL (the per-host limit's key), or '' when it is not one. */
function hostOf(url: unknown): string {
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return '';
  }
}
