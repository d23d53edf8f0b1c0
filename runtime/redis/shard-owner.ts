/**
 * Shard ownership: how several runtimes share one Redis or one cluster. Each worker owns a share of
 * the shards (the key `{<prefix>:<n>}:own` holds `<its token>/<acquisition>`, with a lease it
 * renews at every beat) and does all the work of those shards alone: their queued events, their
 * timers, their customers' scheduled runs. Its writes of instances and timers carry that fencing
 * value and are refused once the shard is not in the same hands (scripts.ts `fenced`), so a worker
 * that stalled past its lease cannot overwrite the work of whoever had the shard meanwhile, even
 * when that one is gone again by the time it wakes (the acquisition count says so: scripts.ts OWN).
 *
 * Workers announce themselves in `<prefix>:workers` (a sorted set scored by heartbeat expiry); each
 * takes ceil(shards / live workers). A new worker gets shards as the others give theirs up at their
 * next beat; a dead worker's shards are free when its leases run out, and taken at the next beat of
 * the others. Beats must not run while the worker works on its shards (the runtime serializes them,
 * server/shared-runtime.ts): a shard given up is given up between two pieces of work.
 */
import { randomBytes } from 'node:crypto';
import type { RedisStore, ShardScope } from './redis-store.js';
import { OWN } from './scripts.js';

export interface ShardOwnerOptions {
  /** How long a worker owns a shard without renewing it (default 10 000 ms; beat well within it). */
  leaseMs?: number;
  /** The worker's token (default: random); it names the worker in `<prefix>:workers` and on its shards. */
  token?: string;
}

export interface BeatResult {
  /** Shards taken at this beat. */
  gained: number[];
  /** Shards given up (to make room for other workers) or found taken by another (lease ran out). */
  lost: number[];
  /** Workers alive, this one included. */
  workers: number;
}

export class ShardOwner implements ShardScope {
  readonly token: string;
  readonly leaseMs: number;
  private readonly mine = new Set<number>();
  /** The fencing value of each shard owned: `<token>/<acquisition>`. */
  private readonly fences = new Map<number, string>();

  constructor(
    private readonly store: RedisStore,
    opts: ShardOwnerOptions = {},
  ) {
    this.token = opts.token ?? `w-${randomBytes(6).toString('hex')}`;
    this.leaseMs = opts.leaseMs ?? 10_000;
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < 100) throw new Error(`shard owner: leaseMs must be an integer of at least 100, not ${this.leaseMs}`);
  }

  owned(): ReadonlySet<number> {
    return this.mine;
  }

  /** The value this worker's writes to the shard are fenced with (undefined: not owned). */
  fence(shard: number): string | undefined {
    return this.fences.get(shard);
  }

  private ownKeys(shard: number): string[] {
    return [this.store.shardKey(shard, 'own'), this.store.shardKey(shard, 'owns')];
  }

  private drop(shard: number): void {
    this.mine.delete(shard);
    this.fences.delete(shard);
  }
  private get workersKey(): string {
    return `${this.store.prefix}:workers`;
  }

  /** Says this worker is alive, renews its shards, gives up those beyond its share and takes free ones up to it. */
  async beat(): Promise<BeatResult> {
    const conn = this.store.conn;
    const wk = this.workersKey;
    const now = Date.now();
    await conn.send(wk, ['ZADD', wk, String(now + this.leaseMs), this.token]);
    await conn.send(wk, ['ZREMRANGEBYSCORE', wk, '-inf', `(${now}`]);
    const workers = Math.max(1, Number(await conn.send(wk, ['ZCARD', wk])));
    const share = Math.ceil(this.store.shards / workers);
    const lost = await this.renewLeases();
    const gained: number[] = [];
    // Beyond the share: the highest shards go (others take them at their next beat).
    for (const s of [...this.mine].sort((a, b) => b - a)) {
      if (this.mine.size <= share) break;
      const value = this.fences.get(s)!;
      this.drop(s);
      lost.push(s);
      await this.store.evalScript(OWN, this.ownKeys(s), ['release', value]);
    }
    if (this.mine.size < share) {
      // Start at a place of the token's own, so that workers starting together do not all race for shard 0.
      const start = parseInt(this.token.replace(/[^0-9a-f]/g, '').slice(-6) || '0', 16) % this.store.shards;
      for (let i = 0; i < this.store.shards && this.mine.size < share; i++) {
        const s = (start + i) % this.store.shards;
        if (this.mine.has(s)) continue;
        const value = await this.store.evalScript(OWN, this.ownKeys(s), ['take', this.token, String(this.leaseMs)]);
        if (typeof value === 'string') {
          this.mine.add(s);
          this.fences.set(s, value);
          gained.push(s);
        }
      }
    }
    return { gained, lost, workers };
  }

  /**
   * Renews the leases of the shards owned (and this worker's heartbeat) without taking or giving
   * any: safe to run beside the work, so that a long piece of work (a big batch of timers) does not
   * outlive the leases. A shard another worker took meanwhile is dropped. Returns those dropped.
   */
  async renew(): Promise<number[]> {
    const wk = this.workersKey;
    await this.store.conn.send(wk, ['ZADD', wk, 'XX', String(Date.now() + this.leaseMs), this.token]);
    return this.renewLeases();
  }

  /** Renews the lease of every shard owned; drops (and returns) those another worker owns now. */
  private async renewLeases(): Promise<number[]> {
    const renewed = await Promise.all([...this.fences].map(async ([s, value]) => [s, value, await this.store.evalScript(OWN, this.ownKeys(s), ['renew', value, String(this.leaseMs)])] as const));
    // Only the tenure that failed is dropped: a beat in between may have given the shard up and taken it again.
    const lost = renewed.filter(([s, value, ok]) => Number(ok) !== 1 && this.fences.get(s) === value).map(([s]) => s);
    for (const s of lost) this.drop(s);
    return lost;
  }

  /** Gives every shard up and leaves the workers' set (a graceful stop: the others take over at once). */
  async release(): Promise<void> {
    const shards = [...this.fences];
    this.mine.clear();
    this.fences.clear();
    await Promise.all(shards.map(([s, value]) => this.store.evalScript(OWN, this.ownKeys(s), ['release', value])));
    await this.store.conn.send(this.workersKey, ['ZREM', this.workersKey, this.token]);
  }

  /** Drops a shard at once (a write to it was fenced: another worker owns it now). */
  forget(shard: number): void {
    this.drop(shard);
  }
}
