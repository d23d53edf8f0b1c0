/**
 * The production store: the Store interface (../store/store.ts) on Redis or Redis Cluster, with the
 * embedded store's observable semantics (memory-store.ts), answering with promises (the engine
 * drives it with runAsync, engine/co.ts). Layout, shards, leases and what survives a crash:
 * docs/redis.md.
 *
 * Everything of one customer lives on one shard: keys that start with the hash tag `{<prefix>:<n>}`,
 * n = FNV-1a(customer id) mod `shards`, so one step of one instance (commit) is one Lua script call
 * on one slot, on one Redis as on a cluster. Things shared across customers (counters, windows,
 * match states, event dedupe, order and product snapshots, did-not-enter records) have keys of
 * their own, changed by single commands or one-key scripts.
 *
 * Records come back as copies (JSON, the instance codec), which satisfies the ownership rule of
 * store.ts trivially.
 */
import type { CustomerProfile } from '../vm/customer.js';
import { streamField } from './stream-fields.js';
import { decodeInstance, encodeInstance } from '../store/instance-codec.js';
import { decodeSteps, encodeStep } from '../store/activity-codec.js';
import { BadCursorError, notEnteredOnceKey, type ActivityStep, type EffectRecord, type EventReads, type EventReadsQuery, type InstanceReads, type InstanceRecord, type LaunchRecord, type MatchState, type NotEnteredRecord, type RecentPage, type Store, type Timer, type Transition } from '../store/store.js';
import { connectRedis, type ClientKind, type RedisConnection, type RedisTarget } from './client.js';
import { channelStreamKey, channelsKey, fromChannelJson, originOf } from './outbox-keys.js';
import { mergeProfile } from '../store/profile-merge.js';
import { bump, emptyFlowStats, sortedStats, type FlowStats } from '../store/flow-stats.js';
import { ADMIT, APPEND_ACTIVITY, CUSTOMER_IDS, NOT_ENTERED_ONCE, APPEND_EFFECT, CLAIM_TIMERS, CLAIM_TIMERS_ALL, COMMIT, CUSTOMER_INSTANCES, HEAD_TIMER, ADMIT_PERIOD, PEEK_TIMERS, PUT_CUSTOMER, READ_EVENT, READ_INSTANCE, REPLACE_META, SCRIPTS, SET_TIMER, ENDED_DUE, SWEEP_ENDED, IN_FLIGHT, RECENT, UPGRADE_RECENT, UPGRADE_SEGMENTS, type Script } from './scripts.js';

export interface RedisStoreOptions {
  /** Key prefix (default `rn`): shard keys start with `{<prefix>:<shard>}`, shared ones with `<prefix>:`. */
  prefix?: string;
  /** Number of shards (default 64). Fixed for the life of the data: changing it moves customers. */
  shards?: number;
  /**
   * Lease of a claimed timer in ms (default 30 000): a claimed timer that is not acknowledged
   * (removed or replaced: commit, removeTimer, addTimer) within the lease is claimable again, so a
   * crashed worker's claims are not lost. 0: a claim removes the timer (a crash between claim and
   * commit loses it).
   */
  leaseMs?: number;
  /** How long an instance's activity lives after its last step (default 30 days; 0: forever). */
  activityTtlMs?: number;
  /**
   * How long an instance that ended (completed, stopped, error) is kept, from its last commit
   * (default 30 days, the activity window; 0: for ever). Then sweepEnded removes it with its
   * activity. Keep it well beyond a crash's recovery (minutes): an event handed over again after a
   * crash knows the journeys it launched by their stored instances.
   */
  endedRetentionMs?: number;
  /** How long an event id is remembered for deduplication (default 30 days; 0: forever). */
  dedupeTtlMs?: number;
  /** Approximate MAXLEN of each shard's outbox stream (default 0: unbounded; the forwarder, outbox-forwarder.ts, trims what it forwarded). */
  outboxMaxLen?: number;
  /** Approximate MAXLEN of the did-not-enter stream (default 1 000 000; 0: unbounded). */
  notEnteredMaxLen?: number;
  /** How many instance ids one page of recentInstances looks at per shard, at most (default 2000; a flow's may be few among many). */
  recentBudget?: number;
  /**
   * The shards this store works on, for a worker sharing them with others (shard-owner.ts): timers
   * are claimed, customers listed for scheduled runs and instances listed for flow changes on these
   * shards only, and its writes of instances and timers are fenced (refused with a FencedError when
   * another worker owns the shard now). Absent: every shard, no fencing (one runtime alone).
   */
  scope?: ShardScope;
}

/** The shards a worker owns, and the values it fences its writes to each with (shard-owner.ts). */
export interface ShardScope {
  /** The worker's token (in messages). */
  readonly token: string;
  owned(): ReadonlySet<number>;
  /** The fencing value of an owned shard (what its owner key holds while this worker has it). */
  fence(shard: number): string | undefined;
}

/** A write refused because this worker no longer owns the shard (another took it over). */
export class FencedError extends Error {}

function isFenced(e: unknown): boolean {
  return e instanceof Error && e.message.includes('FENCED runnel');
}

const DAY = 86_400_000;
/** Timers taken per script call (a bigger claim runs more calls), so no call holds Redis long. */
export const CLAIM_CAP = 100;
/** Instance locations remembered by a store (instance id -> shard). */
const LOCATION_CACHE = 100_000;

/** FNV-1a (32 bits) of the UTF-8 bytes: stable across processes, versions and platforms. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A number as Redis takes it (scores, script arguments): exact, `inf`/`-inf` for infinities. */
function numText(x: number): string {
  if (Number.isNaN(x)) throw new Error('redis store: NaN is not a time');
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}
function parseNum(s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('NOSCRIPT');
}

/** The value of a bounded Map, refreshed on write; the oldest entry goes when full. */
function remember<K, V>(m: Map<K, V>, k: K, v: V, max: number): void {
  if (m.get(k) === v) return;
  m.delete(k);
  m.set(k, v);
  if (m.size > max) m.delete(m.keys().next().value as K);
}

/** A claimed (or claimable) timer: its shard, its member (stamp ++ key) and due. */
interface Claimed {
  shard: number;
  member: string;
  due: number;
}
function byDue(a: Claimed, b: Claimed): number {
  return a.due - b.due || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0);
}

interface Stamped<T> {
  stamp: string;
  value: T;
}
function byStamp<T>(a: Stamped<T>, b: Stamped<T>): number {
  return a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0;
}

/** A profile as stored in the shard's `c` hash (order stamp ++ JSON), or undefined. */
function profileOf(v: string | null): CustomerProfile | undefined {
  return v === null ? undefined : (JSON.parse(v.slice(16)) as CustomerProfile);
}

/**
 * The key layout this build reads and writes (docs/redis.md, "Key layout"); the data's mark is
 * checked on connect (RedisStore.checkLayout). Count up with every change an older build would
 * misread, and say in docs/redis.md what changed.
 */
export const LAYOUT_VERSION = 3;

/** Data this store must not touch: another key layout, another shard count. */
export class LayoutError extends Error {}

/** How often a profile write made from a read is merged into a newer stored profile and sent again. */
const PROFILE_ATTEMPTS = 8;

/** The segment index keys of a profile write: the first `leave` it leaves, the rest it joins (scripts.ts, segmentMoves). */
interface SegmentMoves {
  keys: string[];
  leave: number;
}
const NO_MOVES: SegmentMoves = { keys: [], leave: 0 };

/** Where an instance stands in the pages of recentInstances: its order stamp, then its shard. */
interface Place {
  stamp: number;
  shard: number;
}

/** A profile's segment names, once each (what the segment indexes hold it under; anything not a string is in none). */
function segmentNames(p: CustomerProfile | null | undefined): string[] {
  return Array.isArray(p?.segments) ? [...new Set(p.segments.filter((g): g is string => typeof g === 'string'))] : [];
}

/** A profile write's base argument (scripts.ts, profileConflict). */
function profileBaseArg(base: CustomerProfile | null | undefined): string {
  return base === undefined ? '' : base === null ? '-' : `=${JSON.stringify(base)}`;
}

/** A script's conflict answer: the profile stored now (null: none); undefined when it wrote. */
function profileConflictOf(reply: unknown): CustomerProfile | null | undefined {
  if (!Array.isArray(reply) || reply[0] !== 'conflict') return undefined;
  return profileOf(reply[1] === '' ? null : (reply[1] as string)) ?? null;
}

/** The customer of a stored instance value (stamp ++ codec); undefined when there is none or it cannot be read. */
function customerOf(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  try {
    return decodeInstance(value.slice(16)).customer;
  } catch {
    return undefined;
  }
}

/**
 * What the commit script asks for when Redis's cjson cannot read a stored instance (reply
 * {'unreadable', value, SHA-1}): its state as this client reads it, with the SHA-1 so the script
 * takes it for that value only (scripts.ts storedState).
 */
function stateHint(reply: unknown): string | undefined {
  if (!Array.isArray(reply) || reply[0] !== 'unreadable') return undefined;
  // The script's own SHA-1 of the bytes it holds (bytes that are not UTF-8 would hash otherwise here).
  const inst = decodeInstance(String(reply[1]).slice(16));
  return `${String(reply[2])} ${inst.status}/${inst.reason}`;
}

/** A launch record as stored in the shard's `l` hash (`[launches, lastStepAt]`), or undefined. */
function launchRecord(v: string | null): LaunchRecord | undefined {
  if (v === null) return undefined;
  const [launches, lastStepAt] = JSON.parse(v) as [number, number | null];
  return { launches, lastStepAt };
}

export class RedisStore implements Store {
  readonly prefix: string;
  readonly shards: number;
  readonly leaseMs: number;
  /** Claims are leases (Store.claimsAreLeased) unless leaseMs is 0. */
  get claimsAreLeased(): boolean {
    return this.leaseMs > 0;
  }
  private readonly activityTtlMs: number;
  private readonly endedRetentionMs: number;
  private readonly dedupeTtlMs: number;
  private readonly outboxMaxLen: number;
  private readonly notEnteredMaxLen: number;
  /** Every shard, 0 to shards - 1. */
  readonly shardList: readonly number[];
  /** t, tl, tm of every shard (the one-Redis timer scripts). */
  private readonly allTimerKeys: string[];
  /** The last order stamp this store used or saw (a hybrid logical clock, see scripts.ts). */
  private lastStamp = 0;
  /** Where instances live (instance id -> shard): learned from their records (written or read). */
  private readonly where = new Map<string, number>();
  /** Where instances probably live: the shard a timer of theirs was claimed from (checked on use). */
  private readonly hint = new Map<string, number>();
  /** Where timers set by this store live (timer key -> shard). */
  private readonly timerWhere = new Map<string, number>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly scope: ShardScope | undefined;

  constructor(
    readonly conn: RedisConnection,
    private readonly opts: RedisStoreOptions = {},
  ) {
    this.scope = opts.scope;
    this.prefix = opts.prefix ?? 'rn';
    this.shards = opts.shards ?? 64;
    if (!Number.isInteger(this.shards) || this.shards < 1) throw new Error(`redis store: shards must be a positive integer, not ${this.shards}`);
    if (/[{}]/.test(this.prefix)) throw new Error('redis store: the prefix must not contain { or }');
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.activityTtlMs = opts.activityTtlMs ?? 30 * DAY;
    this.endedRetentionMs = opts.endedRetentionMs ?? 30 * DAY;
    if (!Number.isInteger(this.endedRetentionMs) || this.endedRetentionMs < 0) throw new Error(`redis store: endedRetentionMs must be a whole number of milliseconds (0: for ever), not ${this.endedRetentionMs}`);
    this.dedupeTtlMs = opts.dedupeTtlMs ?? 30 * DAY;
    this.outboxMaxLen = opts.outboxMaxLen ?? 0;
    this.notEnteredMaxLen = opts.notEnteredMaxLen ?? 1_000_000;
    this.shardList = Array.from({ length: this.shards }, (_, i) => i);
    this.allTimerKeys = this.shardList.flatMap((s) => this.timerKeys(s));
  }

  /** Connects (ioredis by default) and loads the scripts. */
  static async connect(target: RedisTarget, opts: RedisStoreOptions & { client?: ClientKind } = {}): Promise<RedisStore> {
    const conn = await connectRedis(target, opts.client ? { client: opts.client } : {});
    const store = new RedisStore(conn, opts);
    try {
      await store.loadScripts();
      await store.checkLayout();
    } catch (e) {
      await conn.close().catch(() => undefined);
      throw e;
    }
    return store;
  }

  /**
   * Marks the data with this build's key layout and shard count (`<prefix>:layout`), or checks the
   * mark it finds: data of another layout, or spread over another number of shards, would be misread
   * (customers looked up on the wrong shard, keys of the wrong type), so it is refused before
   * anything is read or written. Data of the current layout written before marks existed is adopted.
   * Data of layout 2 is upgraded (upgradeFrom2).
   */
  async checkLayout(): Promise<void> {
    const key = `${this.prefix}:layout`;
    const mine = { version: LAYOUT_VERSION, shards: this.shards };
    if ((await this.conn.send(key, ['SET', key, JSON.stringify(mine), 'NX'])) === 'OK') return;
    const text = (await this.conn.send(key, ['GET', key])) as string | null;
    let found: { version?: unknown; shards?: unknown; upgrading?: unknown } | undefined;
    try {
      found = text === null ? undefined : (JSON.parse(text) as typeof found);
    } catch {
      found = undefined;
    }
    if (!found || typeof found !== 'object') throw new LayoutError(`redis store: ${key} holds ${JSON.stringify(text)}, not a layout mark; is this Redis (and prefix ${this.prefix}) Runnel's?`);
    if ((found.version === 2 || (found.version === LAYOUT_VERSION && found.upgrading === true)) && found.shards === this.shards) return this.upgradeFrom2(key, text!);
    if (found.version !== LAYOUT_VERSION) {
      throw new LayoutError(`redis store: the data under prefix ${this.prefix} has key layout ${String(found.version)}; this build reads layout ${LAYOUT_VERSION}. Use the build that wrote it, or start from an empty Redis (docs/redis.md, "Key layout")`);
    }
    if (found.shards !== this.shards) {
      throw new LayoutError(`redis store: the data under prefix ${this.prefix} is spread over ${String(found.shards)} shards; this store was given ${this.shards} (shards are fixed for the life of the data)`);
    }
  }

  /**
   * Layout 2 -> 3: builds the two indexes layout 3 adds, on every shard: `x` (instances by order
   * stamp, for the activity log's pages) from `i`, and `g:<segment>` (a segment's customers, for
   * scheduled runs) from `c`. The mark says `upgrading` meanwhile; a runtime that finds it so (another
   * one is at it, or stopped half way) makes the pass too: each write checks the record it indexes
   * is still the one read, so passes and commits of this build running at once agree. Runtimes of
   * layout 2 must be stopped first (they would not keep the indexes).
   */
  private async upgradeFrom2(key: string, found: string): Promise<void> {
    const upgrading = JSON.stringify({ version: LAYOUT_VERSION, shards: this.shards, upgrading: true });
    if (found !== upgrading && !(await this.replaceKey(key, found, upgrading))) return this.checkLayout();
    const BATCH = 500;
    for (const s of this.shardList) {
      const i = this.shardKey(s, 'i');
      for (let cursor = '0'; ; ) {
        const [next, flat] = (await this.conn.send(i, ['HSCAN', i, cursor, 'COUNT', String(BATCH)])) as [string, string[]];
        const ids = flat.filter((_, j) => j % 2 === 0);
        if (ids.length) await this.eval(UPGRADE_RECENT, [i, this.shardKey(s, 'x')], ids);
        if ((cursor = next) === '0') break;
      }
      const c = this.shardKey(s, 'c');
      for (let cursor = '0'; ; ) {
        const [next, flat] = (await this.conn.send(c, ['HSCAN', c, cursor, 'COUNT', String(BATCH)])) as [string, string[]];
        const keys = [c];
        const args: string[] = [];
        for (let j = 0; j < flat.length; j += 2) {
          let segments: string[] = [];
          try {
            segments = segmentNames(profileOf(flat[j + 1]!));
          } catch {
            // A profile this build cannot read is in no segment (as listCustomers read it before).
          }
          keys.push(...segments.map((g) => this.segmentKey(s, g)));
          args.push(flat[j]!, flat[j + 1]!, String(segments.length));
        }
        if (args.length) await this.eval(UPGRADE_SEGMENTS, keys, args);
        if ((cursor = next) === '0') break;
      }
    }
    await this.replaceKey(key, upgrading, JSON.stringify({ version: LAYOUT_VERSION, shards: this.shards }));
  }
  /** Compare-and-set of a key of its own (the layout mark; replaceMeta's documents live under `<prefix>:meta:`). */
  private async replaceKey(key: string, expected: string, value: string): Promise<boolean> {
    return Number(await this.eval(REPLACE_META, [key], ['1', expected, value])) === 1;
  }

  /** The same store (same connection) working on the scope's shards only (see RedisStoreOptions.scope). */
  withScope(scope: ShardScope): RedisStore {
    return new RedisStore(this.conn, { ...this.opts, scope });
  }

  /** Whether the customer's shard is one this store works on (its scope owns it now, or it has no scope). */
  worksOn(customer: string): boolean {
    return !this.scope || this.scope.owned().has(this.shardOf(customer));
  }

  /** The shards this store works on (claims, listings for the engine): the scope's, or all. */
  workShards(): readonly number[] {
    return this.scope ? [...this.scope.owned()].sort((a, b) => a - b) : this.shardList;
  }

  /** The fencing token for a write to the shard ('' unscoped); throws when the shard is not this worker's. */
  private fence(shard: number): string {
    if (!this.scope) return '';
    const value = this.scope.owned().has(shard) ? this.scope.fence(shard) : undefined;
    if (value === undefined) throw new FencedError(`redis store: shard ${shard} is not owned by this worker (${this.scope.token})`);
    return value;
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.conn.close();
  }

  /** SCRIPT LOAD of every script on every master (also done by itself after a NOSCRIPT). */
  async loadScripts(): Promise<void> {
    await Promise.all(SCRIPTS.map((s) => this.loadScript(s)));
  }

  private loadScript(s: Script): Promise<void> {
    let p = this.loading.get(s.sha);
    if (!p) {
      p = this.conn.sendToMasters(['SCRIPT', 'LOAD', s.source]).then((shas) => {
        for (const sha of shas) if (sha !== s.sha) throw new Error(`redis store: SCRIPT LOAD of ${s.name} answered ${String(sha)}, expected ${s.sha}`);
      });
      this.loading.set(s.sha, p);
      void p.finally(() => this.loading.delete(s.sha)).catch(() => {});
    }
    return p;
  }

  /** Runs one of the store's scripts (scripts.ts) by EVALSHA, loading it again after a NOSCRIPT. */
  evalScript(s: Script, keys: string[], args: string[]): Promise<unknown> {
    return this.eval(s, keys, args);
  }

  /** EVALSHA; after NOSCRIPT (a restart, a failover, SCRIPT FLUSH) loads the script again and retries, at worst with EVAL. */
  private async eval(s: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.evalOnce(s, keys, args);
    } catch (e) {
      if (isFenced(e)) throw new FencedError((e as Error).message);
      throw e;
    }
  }

  private async evalOnce(s: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.conn.send(keys[0], ['EVALSHA', s.sha, ...tail]);
    } catch (e) {
      if (!isNoScript(e)) throw e;
    }
    try {
      await this.loadScript(s);
      return await this.conn.send(keys[0], ['EVALSHA', s.sha, ...tail]);
    } catch (e) {
      if (!isNoScript(e)) throw e;
      return await this.conn.send(keys[0], ['EVAL', s.source, ...tail]);
    }
  }

  // ------------------------------------------------------------------ keys

  /** The customer's shard. */
  shardOf(customer: string): number {
    return fnv1a(customer) % this.shards;
  }
  /** The hash tag of a shard: every key of it starts with this. */
  shardTag(shard: number): string {
    return `{${this.prefix}:${shard}}`;
  }
  /** The key `name` of a shard (`{<prefix>:<shard>}:<name>`): one slot per shard. */
  shardKey(shard: number, name: string): string {
    return `${this.shardTag(shard)}:${name}`;
  }
  private g(name: string, id: string): string {
    return `${this.prefix}:${name}:${id}`;
  }
  private timerKeys(shard: number): string[] {
    return [this.shardKey(shard, 't'), this.shardKey(shard, 'tl'), this.shardKey(shard, 'tm')];
  }

  /** `n` order stamps: the first, as text (scripts raise it above their shard's last). */
  private reserve(n: number): string {
    const base = Math.max(Date.now() * 1000, this.lastStamp + 1);
    this.lastStamp = base + n - 1;
    return String(base);
  }
  private saw(hi: unknown): void {
    const v = Number(hi);
    if (v > this.lastStamp) this.lastStamp = v;
  }

  /** The instance's record and shard, or undefined: where it was last seen, else every shard is asked. */
  private async locate(id: string): Promise<{ shard: number; value: string } | undefined> {
    const cached = this.where.get(id) ?? this.hint.get(id);
    if (cached !== undefined) {
      const v = (await this.conn.send(this.shardKey(cached, 'i'), ['HGET', this.shardKey(cached, 'i'), id])) as string | null;
      if (v !== null) {
        remember(this.where, id, cached, LOCATION_CACHE);
        return { shard: cached, value: v };
      }
    }
    const found = await Promise.all(this.shardList.map((s) => (s === cached ? null : (this.conn.send(this.shardKey(s, 'i'), ['HGET', this.shardKey(s, 'i'), id]) as Promise<string | null>))));
    const shard = found.findIndex((v) => v !== null);
    if (shard < 0) return undefined;
    remember(this.where, id, shard, LOCATION_CACHE);
    return { shard, value: found[shard]! };
  }

  /**
   * The shard of what belongs to an instance id (activity, timers): its record's shard; for an id
   * with no stored instance, the shard of the id itself.
   */
  private async shardForId(id: string): Promise<number> {
    // An instance never moves (its customer is fixed), so a shard learned from a record holds.
    const known = this.where.get(id);
    if (known !== undefined) return known;
    return (await this.locate(id))?.shard ?? this.shardOf(id);
  }
  private async shardForTimer(key: string): Promise<number> {
    const known = this.timerWhere.get(key);
    if (known !== undefined) return known;
    const sep = key.indexOf('\u0000');
    return this.shardForId(sep < 0 ? key : key.slice(0, sep));
  }

  // ------------------------------------------------------------------ commit

  async commit(t: Transition): Promise<void> {
    const inst = t.instance;
    const shard = this.shardOf(inst.customer);
    for (const { key } of t.timers) {
      if (key !== inst.id && !key.startsWith(`${inst.id}\u0000`)) throw new Error(`redis store: commit of ${inst.id} cannot set timer ${JSON.stringify(key)} of another instance`);
    }
    if (t.profile && this.shardOf(t.profile.id) !== shard) throw new Error(`redis store: commit of ${inst.id} (customer ${inst.customer}) cannot write the profile of customer ${t.profile.id}`);
    const token = this.fence(shard);
    const args = [
      '', // the stamp, reserved per attempt (writeProfileMerging)
      inst.id,
      encodeInstance(inst),
      inst.status === 'in_progress' ? '1' : '0',
      String(this.activityTtlMs),
      String(this.outboxMaxLen),
      t.launch ? `${t.launch.flow}\u0000${inst.customer}` : '',
      t.launch ? JSON.stringify([t.launch.record.launches, t.launch.record.lastStepAt]) : '',
      t.profile ? t.profile.id : '',
      '', // the profile and its base, per attempt
      '',
      inst.customer,
      String(this.endedRetentionMs),
      `${inst.status}/${inst.reason}`,
      '', // the stored instance's state, when the script asks for it (stateHint)
      '0', // how many segment indexes the profile leaves, per attempt
      String(t.timers.length),
    ];
    for (const { key, due } of t.timers) args.push(key, due === null ? '' : numText(due));
    args.push(String(t.effects.length));
    for (const e of t.effects) args.push(JSON.stringify(e));
    args.push(String(t.activity.length));
    for (const a of t.activity) args.push(encodeStep(a));
    args.push(token);
    const keys = [
      this.shardKey(shard, 'i'),
      this.shardKey(shard, `ci:${inst.customer}`),
      this.shardKey(shard, 'cf'),
      ...this.timerKeys(shard),
      this.shardKey(shard, 'o'),
      this.shardKey(shard, 'l'),
      this.shardKey(shard, 'c'),
      this.shardKey(shard, 'hi'),
      this.shardKey(shard, `a:${inst.id}`),
      this.shardKey(shard, 'own'),
      this.shardKey(shard, 'e'),
      this.shardKey(shard, `st:${inst.flow}`),
      this.shardKey(shard, 'x'),
    ];
    const written = await this.writeProfileMerging(t.profile, t.profileBase, `commits of ${inst.id}`, async (profile, base, moves) => {
      args[0] = this.reserve(t.timers.length + t.effects.length + 2);
      args[9] = profile ? JSON.stringify(profile) : '';
      args[10] = profile ? base : '';
      args[15] = String(moves.leave);
      const allKeys = moves.keys.length ? [...keys, ...moves.keys] : keys;
      // The stored instance changed since the client read it for the script: read it again (a few times).
      for (let tries = 1; ; tries++) {
        const r = await this.eval(COMMIT, allKeys, args);
        const hint = stateHint(r);
        if (hint === undefined) return r;
        if (tries > 3) throw new Error(`redis store: the stored instance ${inst.id} kept changing while its commit read it; nothing was written`);
        args[14] = hint;
      }
    });
    if (written) t.profile = written;
    remember(this.where, inst.id, shard, LOCATION_CACHE);
    for (const { key, due } of t.timers) {
      if (due === null) this.timerWhere.delete(key);
      else remember(this.timerWhere, key, shard, LOCATION_CACHE);
    }
  }

  // ------------------------------------------------------------------ one event's reads

  /** Profile, instances in flight, launch records, matcher states and launched ids of one customer, and on one Redis the event's dedupe mark: one script. */
  async readForEvent(customer: string, q: EventReadsQuery): Promise<EventReads> {
    const s = this.shardOf(customer);
    const args = [customer, String(q.launches.length), ...q.launches.map((f) => `${f}\u0000${customer}`), String(q.matches.length), ...q.matches, String(q.instances.length), ...q.instances];
    for (const key of q.matches) if (this.matchShard(key) !== s) throw new Error(`redis store: matcher state ${JSON.stringify(key)} is not of customer ${customer}`);
    const keys = [this.shardKey(s, 'c'), this.shardKey(s, 'i'), this.shardKey(s, 'cf'), this.shardKey(s, 'l'), this.shardKey(s, 'm')];
    if (q.markSeen !== undefined) {
      if (this.conn.cluster) {
        // The dedupe key is of another slot: a call of its own.
        if (!(await this.markEventSeen(q.markSeen))) return { profile: undefined, inFlight: [], launches: new Map(), matches: new Map(), instances: new Map(), firstSeen: false };
      } else {
        keys.push(this.g('seen', q.markSeen));
        args.push(String(this.dedupeTtlMs));
      }
    }
    const flat = (await this.eval(READ_EVENT, keys, args)) as Array<string | number | null>;
    const profile = flat[0] as string | null;
    const inFlight: InstanceRecord[] = [];
    let p = 2;
    for (let n = Number(flat[1]); n > 0; n--, p += 2) {
      const v = flat[p + 1] as string | null;
      if (v === null) continue;
      inFlight.push(decodeInstance(v.slice(16)));
      remember(this.where, flat[p] as string, s, LOCATION_CACHE);
    }
    const launches = new Map<string, LaunchRecord | undefined>();
    for (const f of q.launches) launches.set(f, launchRecord(flat[p++] as string | null));
    const matches = new Map<string, MatchState | undefined>();
    for (const key of q.matches) {
      const v = flat[p++] as string | null;
      matches.set(key, v === null ? undefined : (JSON.parse(v) as MatchState));
    }
    const instances = new Map<string, boolean>();
    for (const id of q.instances) instances.set(id, flat[p++] === 1);
    const out: EventReads = { profile: profileOf(profile), inFlight, launches, matches, instances };
    const first = flat[p] as number;
    if (q.markSeen !== undefined) out.firstSeen = this.conn.cluster ? true : first === 1;
    return out;
  }

  /** An instance with its customer's profile and its flow's launch record: one script where the instance's shard is known. */
  async readForInstance(id: string): Promise<InstanceReads | undefined> {
    const cached = this.where.get(id) ?? this.hint.get(id);
    // Not seen yet: found first (every shard is asked), then read with the rest on its shard.
    const shard = cached ?? (await this.locate(id))?.shard;
    if (shard === undefined) return undefined;
    const [v, profile, launch, read] = (await this.eval(READ_INSTANCE, [this.shardKey(shard, 'i'), this.shardKey(shard, 'c'), this.shardKey(shard, 'l')], [id])) as [string | null, string | null, string | null, number];
    if (v === null) {
      if (cached === undefined) return undefined;
      // Where it was last seen no longer holds it: look for it as if never seen.
      this.where.delete(id);
      this.hint.delete(id);
      return this.readForInstance(id);
    }
    remember(this.where, id, shard, LOCATION_CACHE);
    const instance = decodeInstance(v.slice(16));
    // The script could not decode the instance (see READ_INSTANCE): the rest read here.
    if (read !== 1) return { instance, profile: await this.getCustomer(instance.customer), launch: await this.getLaunchRecord(instance.flow, instance.customer) };
    return { instance, profile: profileOf(profile), launch: launchRecord(launch) };
  }

  // ------------------------------------------------------------------ customers

  async getCustomer(id: string): Promise<CustomerProfile | undefined> {
    const key = this.shardKey(this.shardOf(id), 'c');
    return profileOf((await this.conn.send(key, ['HGET', key, id])) as string | null);
  }
  async putCustomer(profile: CustomerProfile, base?: CustomerProfile | null): Promise<void> {
    const s = this.shardOf(profile.id);
    await this.writeProfileMerging(profile, base, 'writes', (mine, from, moves) =>
      this.eval(PUT_CUSTOMER, [this.shardKey(s, 'c'), this.shardKey(s, 'hi'), ...moves.keys], [this.reserve(1), mine!.id, JSON.stringify(mine), from, String(moves.leave)]),
    );
  }

  /**
   * Sends a script call that writes `profile` made from `base` (profileConflict in scripts.ts; `send`
   * gets the profile, the base argument and the segment index moves from base to profile). When the
   * stored profile changed in between, the script writes nothing and answers with it: the change is
   * merged into it and sent again. Without a base the profile replaces what is stored, which is read
   * first: the segment indexes need the segments it had. Returns the profile written (undefined
   * when none was given).
   */
  private async writeProfileMerging(
    profile: CustomerProfile | undefined,
    base: CustomerProfile | null | undefined,
    what: string,
    send: (profile: CustomerProfile | undefined, baseArg: string, moves: SegmentMoves) => Promise<unknown>,
  ): Promise<CustomerProfile | undefined> {
    if (!profile) {
      this.saw(await send(undefined, '', NO_MOVES));
      return undefined;
    }
    const replaces = base === undefined;
    if (replaces) {
      try {
        base = (await this.getCustomer(profile.id)) ?? null;
      } catch {
        // A stored profile this build cannot read is replaced as it is (its segments unknown: none left).
        this.saw(await send(profile, '', this.segmentMoves(profile, null)));
        return profile;
      }
    }
    for (let attempt = 1; ; attempt++) {
      const r = await send(profile, profileBaseArg(base), this.segmentMoves(profile, base ?? null));
      const conflict = profileConflictOf(r);
      if (conflict === undefined) {
        this.saw(r);
        return profile;
      }
      if (attempt >= PROFILE_ATTEMPTS) throw new Error(`redis store: the profile of ${profile.id} kept changing under ${PROFILE_ATTEMPTS} ${what}; nothing was written`);
      if (!replaces) profile = mergeProfile(base ?? null, profile, conflict);
      base = conflict;
    }
  }

  /** The segment index keys a profile write touches: those of the segments `base` has and `profile` has not (left), then all of `profile`'s (joined again: a no-op when in, a repair when not). */
  private segmentMoves(profile: CustomerProfile, base: CustomerProfile | null): SegmentMoves {
    const now = segmentNames(profile);
    const left = segmentNames(base).filter((g) => !now.includes(g));
    if (!left.length && !now.length) return NO_MOVES;
    const s = this.shardOf(profile.id);
    return { keys: [...left, ...now].map((g) => this.segmentKey(s, g)), leave: left.length };
  }
  /** A segment's index on a shard (its customers by profile stamp). */
  private segmentKey(shard: number, segment: string): string {
    return this.shardKey(shard, `g:${segment}`);
  }
  async listCustomers(segment?: string): Promise<string[]> {
    // Each shard's customers as flat [id, profile stamp, ...], never the profiles: a segment's index
    // (member = customer, score = stamp), or every customer's id and stamp (the customer-ids script).
    const replies = await Promise.all(
      this.workShards().map((s) => {
        if (segment === undefined) return this.eval(CUSTOMER_IDS, [this.shardKey(s, 'c')], []) as Promise<string[]>;
        const key = this.segmentKey(s, segment);
        return this.conn.send(key, ['ZRANGE', key, '0', '-1', 'WITHSCORES']) as Promise<string[]>;
      }),
    );
    const all: Array<{ stamp: number; id: string }> = [];
    for (const flat of replies) for (let i = 0; i < flat.length; i += 2) all.push({ stamp: Number(flat[i + 1]), id: flat[i]! });
    return all.sort((a, b) => a.stamp - b.stamp).map((m) => m.id);
  }

  // ------------------------------------------------------------------ instances

  async getInstance(id: string): Promise<InstanceRecord | undefined> {
    const r = await this.locate(id);
    return r ? decodeInstance(r.value.slice(16)) : undefined;
  }
  async putInstance(instance: InstanceRecord): Promise<void> {
    await this.commit({ instance, timers: [], effects: [], activity: [] });
  }
  private async customerIndex(customer: string, index: 'ci' | 'cf'): Promise<InstanceRecord[]> {
    const s = this.shardOf(customer);
    const flat = (await this.eval(CUSTOMER_INSTANCES, [this.shardKey(s, 'i'), this.shardKey(s, index === 'ci' ? `ci:${customer}` : 'cf')], [index, customer])) as Array<string | null>;
    return this.storedOf(s, flat).map((x) => decodeInstance(x.value));
  }
  /** A shard's flat [id, stored value or null, ...] reply: the values there, each with its order stamp (and the shard learned for its id). */
  private storedOf(s: number, flat: ReadonlyArray<string | null>): Array<Stamped<string>> {
    const out: Array<Stamped<string>> = [];
    for (let i = 0; i < flat.length; i += 2) {
      const v = flat[i + 1];
      if (v === null || v === undefined) continue;
      out.push({ stamp: v.slice(0, 16), value: v.slice(16) });
      remember(this.where, flat[i]!, s, LOCATION_CACHE);
    }
    return out;
  }
  instancesOfCustomer(customer: string): Promise<InstanceRecord[]> {
    return this.customerIndex(customer, 'ci');
  }
  inFlightOfCustomer(customer: string): Promise<InstanceRecord[]> {
    return this.customerIndex(customer, 'cf');
  }
  async listInstances(filter: { flow?: string; customer?: string } = {}): Promise<InstanceRecord[]> {
    if (filter.customer !== undefined) {
      const mine = await this.instancesOfCustomer(filter.customer);
      return filter.flow === undefined ? mine : mine.filter((i) => i.flow === filter.flow);
    }
    const shards = this.workShards();
    const replies = await Promise.all(shards.map((s) => this.conn.send(this.shardKey(s, 'i'), ['HGETALL', this.shardKey(s, 'i')]) as Promise<string[]>));
    return this.decodeListed(shards, replies, filter.flow);
  }
  /**
   * A page of the instances on the shards this store works on, newest first (Store.recentInstances).
   * The cursor is `<stamp>.<shard>` of the last instance handed out: instances come in (stamp, shard)
   * order, newest first, so one shard's ties with another are not lost. Each shard looks at no more
   * than `recentBudget` ids per page; a shard that stopped short bounds what the page may hold (an id
   * of another shard below it could come after ids of this one not looked at yet).
   */
  async recentInstances(opts: { flow?: string; before?: string; limit: number }): Promise<RecentPage> {
    let below: Place | undefined;
    if (opts.before !== undefined) {
      const m = /^(\d{1,16})\.(\d{1,5})$/.exec(opts.before);
      if (!m || Number(m[2]) >= this.shards) throw new BadCursorError(`not a cursor of this activity: ${JSON.stringify(opts.before)}`);
      below = { stamp: Number(m[1]), shard: Number(m[2]) };
    }
    const shards = this.workShards();
    const prefix = opts.flow === undefined ? '' : `${opts.flow}/`;
    const replies = await Promise.all(
      shards.map((s) => {
        const args = below ? [String(below.stamp), s < below.shard ? '1' : '0'] : ['+inf', '0'];
        return this.eval(RECENT, [this.shardKey(s, 'x'), this.shardKey(s, 'i')], [...args, String(opts.limit), prefix, String(this.opts.recentBudget ?? 2000)]) as Promise<[string[], string, number]>;
      }),
    );
    const newer = (a: Place, b: Place) => b.stamp - a.stamp || b.shard - a.shard;
    const entries: Array<Place & { id: string }> = [];
    // The newest place a shard stopped short at: nothing below it is certain yet.
    let floor: Place | undefined;
    replies.forEach(([flat, last, done], ix) => {
      const shard = shards[ix]!;
      for (let i = 0; i < flat.length; i += 2) entries.push({ stamp: Number(flat[i + 1]), shard, id: flat[i]! });
      if (done !== 1 && last !== '') {
        const at = { stamp: Number(last), shard };
        if (!floor || newer(at, floor) < 0) floor = at;
      }
    });
    entries.sort(newer);
    const sure = floor ? entries.filter((e) => newer(e, floor!) <= 0) : entries;
    const page = sure.slice(0, opts.limit);
    const lastOut = page[page.length - 1];
    const more = sure.length > page.length || floor !== undefined;
    const next = page.length === opts.limit ? (more && lastOut ? lastOut : undefined) : floor;
    // The records of the page only, one HMGET per shard it has ids of (one swept since is left out).
    const byShard = new Map<number, string[]>();
    for (const e of page) (byShard.get(e.shard) ?? byShard.set(e.shard, []).get(e.shard)!).push(e.id);
    const values = new Map<string, string | null>();
    await Promise.all(
      [...byShard].map(async ([s, ids]) => {
        const got = (await this.conn.send(this.shardKey(s, 'i'), ['HMGET', this.shardKey(s, 'i'), ...ids])) as Array<string | null>;
        ids.forEach((id, j) => values.set(`${s}.${id}`, got[j] ?? null));
      }),
    );
    const instances: InstanceRecord[] = [];
    for (const e of page) {
      const v = values.get(`${e.shard}.${e.id}`);
      if (!v) continue;
      const inst = decodeInstance(v.slice(16));
      // The script matched the id's prefix; the record says which flow it is (a flow id never holds a slash, an id might).
      if (opts.flow === undefined || inst.flow === opts.flow) instances.push(inst);
    }
    return { instances, next: next ? `${next.stamp}.${next.shard}` : null };
  }

  /** The instances in progress on the shards this store works on (of one flow when given), in the order they were created. */
  async listInFlight(filter: { flow?: string } = {}): Promise<InstanceRecord[]> {
    const shards = this.workShards();
    const replies = await Promise.all(shards.map((s) => this.eval(IN_FLIGHT, [this.shardKey(s, 'i'), this.shardKey(s, 'cf')], []) as Promise<Array<string | null>>));
    return this.decodeListed(shards, replies, filter.flow);
  }
  /** Flat [id, stored value, ...] replies of each shard: the instances (of `flow`), in stamp order. */
  private decodeListed(shards: readonly number[], replies: ReadonlyArray<ReadonlyArray<string | null>>, flow: string | undefined): InstanceRecord[] {
    const all = replies.flatMap((flat, ix) => this.storedOf(shards[ix]!, flat)).sort(byStamp);
    const out: InstanceRecord[] = [];
    for (const { value } of all) {
      const inst = decodeInstance(value);
      if (flow === undefined || inst.flow === flow) out.push(inst);
    }
    return out;
  }

  /**
   * Removes ended instances whose retention (endedRetentionMs) is over, with their activity, on the
   * given shards (default: the shards this store works on), at most `limit` per shard per call.
   * Returns how many went and whether a shard has more due (call again).
   */
  async sweepEnded(shards: readonly number[] = this.workShards(), limit = 500): Promise<{ swept: number; more: boolean }> {
    const results = await Promise.all(shards.map((s) => this.sweepShard(s, limit)));
    return { swept: results.reduce((n, r) => n + r.swept, 0), more: results.some((r) => r.more) };
  }
  private async sweepShard(s: number, limit: number): Promise<{ swept: number; more: boolean }> {
    const flat = (await this.eval(ENDED_DUE, [this.shardKey(s, 'e'), this.shardKey(s, 'i')], [String(limit)])) as Array<string | null>;
    if (!flat.length) return { swept: 0, more: false };
    // By customer: their index (ci:) is rewritten once per call.
    const byCustomer = new Map<string, string[]>();
    // Entries without their instance (removed by hand), or with one this build cannot read (SWEEP_ENDED says what becomes of them).
    const loose: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      const customer = customerOf(flat[i + 1]);
      if (customer === undefined) loose.push(id);
      else {
        const ids = byCustomer.get(customer);
        if (ids) ids.push(id);
        else byCustomer.set(customer, [id]);
      }
    }
    const keys = [this.shardKey(s, 'i'), this.shardKey(s, 'e'), this.shardKey(s, 'x'), ...[...byCustomer.keys()].map((c) => this.shardKey(s, `ci:${c}`))];
    const args = [String(byCustomer.size)];
    for (const ids of byCustomer.values()) {
      args.push(String(ids.length), ...ids);
      for (const id of ids) keys.push(this.shardKey(s, `a:${id}`));
    }
    // One this build cannot read comes back a day later (or after the retention, if shorter), for a build that can.
    args.push(String(loose.length), ...loose, String(Math.min(DAY, this.endedRetentionMs || DAY)));
    const swept = Number(await this.eval(SWEEP_ENDED, keys, args));
    for (const ids of byCustomer.values()) for (const id of ids) this.where.delete(id);
    return { swept, more: flat.length / 2 >= limit };
  }

  // ------------------------------------------------------------------ activity

  async appendActivity(instance: string, step: ActivityStep): Promise<void> {
    const s = await this.shardForId(instance);
    await this.eval(APPEND_ACTIVITY, [this.shardKey(s, `a:${instance}`)], [String(this.activityTtlMs), encodeStep(step)]);
  }
  async listActivity(instance: string): Promise<ActivityStep[]> {
    const key = this.shardKey(await this.shardForId(instance), `a:${instance}`);
    const text = (await this.conn.send(key, ['GET', key])) as string | null;
    return text === null ? [] : decodeSteps(text);
  }

  // ------------------------------------------------------------------ launch limits

  async getLaunchRecord(flow: string, customer: string): Promise<LaunchRecord | undefined> {
    const key = this.shardKey(this.shardOf(customer), 'l');
    return launchRecord((await this.conn.send(key, ['HGET', key, `${flow}\u0000${customer}`])) as string | null);
  }
  async putLaunchRecord(flow: string, customer: string, record: LaunchRecord): Promise<void> {
    const key = this.shardKey(this.shardOf(customer), 'l');
    await this.conn.send(key, ['HSET', key, `${flow}\u0000${customer}`, JSON.stringify([record.launches, record.lastStepAt])]);
  }

  // ------------------------------------------------------------------ dedupe

  async forgetEventSeen(id: string): Promise<void> {
    const key = this.g('seen', id);
    await this.conn.send(key, ['DEL', key]);
  }

  async markEventSeen(id: string): Promise<boolean> {
    const key = this.g('seen', id);
    const r = await this.conn.send(key, this.dedupeTtlMs > 0 ? ['SET', key, '1', 'NX', 'PX', String(this.dedupeTtlMs)] : ['SET', key, '1', 'NX']);
    return r !== null;
  }

  // ------------------------------------------------------------------ timers

  async addTimer(timer: Timer): Promise<void> {
    const s = await this.shardForTimer(timer.instance);
    this.saw(await this.eval(SET_TIMER, [...this.timerKeys(s), this.shardKey(s, 'hi'), this.shardKey(s, 'own')], [this.reserve(1), timer.instance, numText(timer.due), this.fence(s)]));
    remember(this.timerWhere, timer.instance, s, LOCATION_CACHE);
  }
  async removeTimer(instance: string): Promise<void> {
    const s = await this.shardForTimer(instance);
    this.saw(await this.eval(SET_TIMER, [...this.timerKeys(s), this.shardKey(s, 'hi'), this.shardKey(s, 'own')], [this.reserve(1), instance, '', this.fence(s)]));
    this.timerWhere.delete(instance);
  }

  /**
   * Takes the timers due by `upTo` in due order (ties: the order they were set), at most `limit`,
   * across every shard, at most CLAIM_CAP per script call. On one Redis, one script reads every
   * shard and claims exactly the first ones. On a cluster, first each shard's earliest are read (a
   * read-only script per shard), then exactly the global first ones are claimed (one script per
   * shard that has some). With a lease, a claimed timer stays in the store, leased, until it is
   * acknowledged (removed or replaced) or its lease runs out (then it is due again).
   */
  async claimDueTimers(upTo: number, limit = 100): Promise<Timer[]> {
    const out: Timer[] = [];
    const up = numText(upTo);
    let idle = 0;
    while (out.length < limit) {
      const want = Math.min(limit - out.length, CLAIM_CAP);
      const batch = this.conn.cluster ? await this.claimAcrossNodes(up, want) : await this.claimAtOnce(up, want);
      for (const c of batch) {
        const key = c.member.slice(16);
        out.push({ instance: key, due: c.due });
        if (this.leaseMs > 0) remember(this.timerWhere, key, c.shard, LOCATION_CACHE);
        else this.timerWhere.delete(key);
        const sep = key.indexOf('\u0000');
        remember(this.hint, sep < 0 ? key : key.slice(0, sep), c.shard, LOCATION_CACHE);
      }
      if (batch.length < want) {
        // On one Redis, fewer than asked means none is left; on a cluster, another worker may have
        // taken some between the two phases: look again, but not forever.
        if (!this.conn.cluster || (!batch.length && ++idle > 3)) break;
      }
    }
    return out;
  }

  private claimed(flat: string[], shardOf: (ix: number) => number): Claimed[] {
    const got: Claimed[] = [];
    for (let i = 0; i < flat.length; i += 3) got.push({ shard: shardOf(Number(flat[i])), member: flat[i + 1]!, due: parseNum(flat[i + 2]!) });
    return got;
  }

  private async claimAtOnce(up: string, want: number): Promise<Claimed[]> {
    const shards = this.workShards();
    if (!shards.length) return [];
    const keys = this.scope ? shards.flatMap((s) => this.timerKeys(s)) : this.allTimerKeys;
    const flat = (await this.eval(CLAIM_TIMERS_ALL, keys, [up, String(want), String(this.leaseMs)])) as string[];
    return this.claimed(flat, (ix) => shards[ix - 1]!);
  }

  private async claimAcrossNodes(up: string, want: number): Promise<Claimed[]> {
    const shards = this.workShards();
    const peeks = (await Promise.all(shards.map((s) => this.eval(PEEK_TIMERS, this.timerKeys(s), [up, String(want)])))) as string[][];
    const candidates: Claimed[] = [];
    peeks.forEach((flat, ix) => {
      const shard = shards[ix]!;
      for (let i = 0; i < flat.length; i += 2) candidates.push({ shard, member: flat[i]!, due: parseNum(flat[i + 1]!) });
    });
    if (!candidates.length) return [];
    candidates.sort(byDue);
    const counts = new Map<number, number>();
    for (const c of candidates.slice(0, want)) counts.set(c.shard, (counts.get(c.shard) ?? 0) + 1);
    const claimed = await Promise.all(
      [...counts].map(async ([shard, n]) => this.claimed((await this.eval(CLAIM_TIMERS, this.timerKeys(shard), [up, String(n), String(this.leaseMs)])) as string[], () => shard)),
    );
    return claimed.flat().sort(byDue);
  }

  async nextTimerDue(): Promise<number | null> {
    const shards = this.workShards();
    if (!shards.length) return null;
    const heads = (
      this.conn.cluster ? await Promise.all(shards.map((s) => this.eval(HEAD_TIMER, this.timerKeys(s), []))) : [await this.eval(HEAD_TIMER, this.scope ? shards.flatMap((s) => this.timerKeys(s)) : this.allTimerKeys, [])]
    ) as Array<string | null>;
    let best: number | null = null;
    for (const h of heads) {
      if (h === null) continue;
      const d = parseNum(h);
      if (best === null || d < best) best = d;
    }
    return best;
  }

  // ------------------------------------------------------------------ outbox, did-not-enter

  async appendEffect(effect: EffectRecord): Promise<void> {
    const s = this.shardOf(effect.customer);
    this.saw(await this.eval(APPEND_EFFECT, [this.shardKey(s, 'o'), this.shardKey(s, 'hi')], [this.reserve(1), String(this.outboxMaxLen), JSON.stringify(effect)]));
  }
  /**
   * The effects Redis still holds, in order stamp order (the order they were appended): those not
   * forwarded yet (every shard's outbox) and those forwarded to a channel stream (outbox-forwarder.ts)
   * that the stream still keeps (channel streams are capped, and trimmed of what every consumer
   * group of them acknowledged). A copy forwarded twice (a crash between append and cursor) is
   * listed once: copies share their origin. An admin and test view, read in full and not
   * atomically: an entry being forwarded may be missed for a moment.
   */
  async listEffects(): Promise<EffectRecord[]> {
    const ck = channelsKey(this.prefix);
    const channels = ((await this.conn.send(ck, ['SMEMBERS', ck])) as string[]).sort();
    const streams = [...this.shardList.map((s) => ({ key: this.shardKey(s, 'o'), shard: s })), ...channels.map((c) => ({ key: channelStreamKey(this.prefix, c), shard: -1 }))];
    const replies = await Promise.all(streams.map(({ key }) => this.conn.send(key, ['XRANGE', key, '-', '+']) as Promise<Array<[string, string[]]>>));
    const byOrigin = new Map<string, Stamped<() => EffectRecord>>();
    replies.forEach((entries, ix) => {
      const { shard } = streams[ix]!;
      for (const [id, fields] of entries) {
        const origin = shard >= 0 ? originOf(shard, id) : (streamField(fields, 'o') ?? `${streams[ix]!.key}/${id}`);
        if (byOrigin.has(origin)) continue;
        const text = streamField(fields, 'e')!;
        byOrigin.set(origin, { stamp: streamField(fields, 's')!, value: shard >= 0 ? () => JSON.parse(text) as EffectRecord : () => fromChannelJson<EffectRecord>(text) });
      }
    });
    return [...byOrigin.values()].sort(byStamp).map((e) => e.value());
  }
  async appendNotEntered(record: NotEnteredRecord): Promise<void> {
    const key = this.g('ne', 'stream');
    const trim = this.notEnteredMaxLen > 0 ? ['MAXLEN', '~', String(this.notEnteredMaxLen)] : [];
    const append = () => this.conn.send(key, ['XADD', key, ...trim, '*', 'r', JSON.stringify(record)]);
    // The record goes to the (capped) stream; the flow's count, on its customer's shard, is what stats read.
    if (record.flow === null || record.customer === null) return void (await append());
    const shard = this.shardOf(record.customer);
    const counted = this.shardKey(shard, `st:${record.flow}`);
    const once = notEnteredOnceKey(record);
    if (once === undefined) {
      await Promise.all([append(), this.conn.send(counted, ['HINCRBY', counted, `x:${record.reason}`, '1'])]);
      return;
    }
    // Counted, marked and recorded at once on one Redis. On a cluster the stream is another slot's:
    // recorded after, the first time only (a crash between the two loses the stream's record,
    // never counts one twice).
    const keys = [this.shardKey(shard, 'nx'), counted];
    const args = [once, `x:${record.reason}`];
    if (!this.conn.cluster) {
      await this.eval(NOT_ENTERED_ONCE, [...keys, key], [...args, String(this.notEnteredMaxLen), JSON.stringify(record)]);
      return;
    }
    if (Number(await this.eval(NOT_ENTERED_ONCE, keys, args)) === 1) await append();
  }
  async listNotEntered(): Promise<NotEnteredRecord[]> {
    const key = this.g('ne', 'stream');
    const entries = (await this.conn.send(key, ['XRANGE', key, '-', '+'])) as Array<[string, string[]]>;
    return entries.map(([, fields]) => JSON.parse(streamField(fields, 'r')!) as NotEnteredRecord);
  }

  /** The flow's counters: its `st:<flow>` hash of every shard (written by commit and appendNotEntered), added up. */
  async flowStats(flow: string): Promise<FlowStats> {
    const replies = await Promise.all(this.shardList.map((s) => this.conn.send(this.shardKey(s, `st:${flow}`), ['HGETALL', this.shardKey(s, `st:${flow}`)]) as Promise<string[]>));
    const out = emptyFlowStats();
    for (const flat of replies) {
      for (let i = 0; i < flat.length; i += 2) {
        const field = flat[i]!;
        const n = Number(flat[i + 1]);
        const name = field.slice(2);
        if (field === 'n') out.entered += n;
        else if (field.startsWith('s:')) bump(out.statuses, name, n);
        else if (field.startsWith('x:')) bump(out.didNotEnter, name, n);
        else if (field.startsWith('e:') || field.startsWith('p:')) {
          const b = (out.blocks[name] ??= { entered: 0, passed: 0 });
          if (field[0] === 'e') b.entered += n;
          else b.passed += n;
        }
      }
    }
    return sortedStats(out);
  }

  // ------------------------------------------------------------------ counters and windows

  async getMeta(key: string): Promise<string | undefined> {
    const k = this.g('meta', key);
    const v = (await this.conn.send(k, ['GET', k])) as string | null;
    return v ?? undefined;
  }
  async putMeta(key: string, value: string): Promise<void> {
    const k = this.g('meta', key);
    await this.conn.send(k, ['SET', k, value]);
  }

  async replaceMeta(key: string, expected: string | undefined, value: string): Promise<boolean> {
    return Number(await this.eval(REPLACE_META, [this.g('meta', key)], [expected === undefined ? '0' : '1', expected ?? '', value])) === 1;
  }

  async admitInPeriod(key: string, member: string, max: number, keepMs: number): Promise<boolean> {
    return (await this.eval(ADMIT_PERIOD, [this.g('a', key)], [member, numText(max), String(Math.ceil(keepMs))])) === 1;
  }
  async admitInWindow(key: string, member: string, at: number, windowMs: number, max: number, keepMs: number): Promise<boolean> {
    return (await this.eval(ADMIT, [this.g('w', key)], [numText(at), numText(windowMs), numText(max), member, String(Math.ceil(keepMs))])) === 1;
  }
  async countAdmitted(key: string): Promise<number> {
    const k = this.g('a', key);
    return Number(await this.conn.send(k, ['SCARD', k]));
  }

  // ------------------------------------------------------------------ matching snapshots

  private async getJson<T>(key: string): Promise<T | undefined> {
    const v = (await this.conn.send(key, ['GET', key])) as string | null;
    return v === null ? undefined : (JSON.parse(v) as T);
  }
  private async setJson(key: string, value: unknown): Promise<void> {
    await this.conn.send(key, ['SET', key, JSON.stringify(value)]);
  }
  /**
   * Matcher states live on their customer's shard (so one event's reads are one script): the key is
   * the engine's `match\0<flow>\0<trigger>\0<event>\0<customer>`, the customer all after the fourth U+0000.
   */
  private matchShard(key: string): number {
    let at = -1;
    for (let n = 0; n < 4; n++) {
      at = key.indexOf('\u0000', at + 1);
      if (at < 0) return this.shardOf(key);
    }
    return this.shardOf(key.slice(at + 1));
  }
  async getMatchState(key: string): Promise<MatchState | undefined> {
    const m = this.shardKey(this.matchShard(key), 'm');
    const v = (await this.conn.send(m, ['HGET', m, key])) as string | null;
    return v === null ? undefined : (JSON.parse(v) as MatchState);
  }
  async putMatchState(key: string, state: MatchState): Promise<void> {
    const m = this.shardKey(this.matchShard(key), 'm');
    await this.conn.send(m, ['HSET', m, key, JSON.stringify(state)]);
  }
  getOrder(id: string): Promise<Record<string, unknown> | undefined> {
    return this.getJson(this.g('order', id));
  }
  putOrder(order: Record<string, unknown> & { id: string }): Promise<void> {
    return this.setJson(this.g('order', order.id), order);
  }
  getProduct(id: string): Promise<Record<string, unknown> | undefined> {
    return this.getJson(this.g('product', id));
  }
  putProduct(product: Record<string, unknown> & { id: string }): Promise<void> {
    return this.setJson(this.g('product', product.id), product);
  }
}
