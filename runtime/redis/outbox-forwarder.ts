/**
 * The outbox forwarder (docs/redis.md, "Delivery services"): moves effects from the shard outbox
 * streams, where commits put them, to one stream per channel, which delivery services consume.
 *
 * Why two hops: a commit is one script on one slot (the customer's shard), so it can only append
 * to that shard's stream `{p:n}:o`; a channel stream `<p>:out:<channel>` is another slot on a
 * cluster. So the shard's owner (shard-owner.ts) forwards afterwards: it reads the shard stream
 * after the shard's cursor `{p:n}:oc`, appends each effect to its channel's stream (one script per
 * channel, all of a batch or none of it, in commit order), then moves the cursor and trims what it
 * forwarded from the shard stream (one fenced script on the shard's slot).
 *
 * At least once: a runtime that dies after the appends and before the cursor write leaves the
 * cursor before them, and the next forward appends that batch again. Consumers drop the copies by
 * the idempotency key (field `k`); the copies also carry the same origin (field `o`). When some
 * channels' appends fail with an error, the next forward of the shard appends to each channel only
 * what it did not take yet (an append whose reply was lost may still be made twice).
 */
import { channelJson, channelOf, channelStreamKey, channelsKey, originOf } from './outbox-keys.js';
import type { RedisStore } from './redis-store.js';
import { streamField } from './stream-fields.js';
import { CHANNEL_APPEND, CHANNEL_TRIM, OUTBOX_FORWARDED, OUTBOX_PENDING, OUTBOX_READ } from './scripts.js';
import { allSettledOrThrow } from '../engine/co.js';

export interface OutboxForwarderOptions {
  /**
   * Approximate MAXLEN of each channel stream (default 1 000 000; 0: unbounded). Entries beyond it
   * are dropped oldest first, read or not: keep consumers' backlog well below it.
   */
  channelMaxLen?: number;
  /** Shard outbox entries forwarded per call (default 500): what a crash may forward twice. */
  batch?: number;
}

type Entry = [string, string[]];

export class OutboxForwarder {
  readonly channelMaxLen: number;
  readonly batch: number;
  /** Channels this process has put in the registry (`<p>:out:channels`): added once, not per batch. */
  private readonly registered = new Set<string>();
  /** Per shard, per channel: the last outbox entry appended there beyond the shard's cursor. */
  private readonly appended = new Map<number, Map<string, string>>();

  constructor(
    readonly store: RedisStore,
    opts: OutboxForwarderOptions = {},
  ) {
    this.channelMaxLen = opts.channelMaxLen ?? 1_000_000;
    this.batch = opts.batch ?? 500;
    if (!Number.isInteger(this.channelMaxLen) || this.channelMaxLen < 0) throw new Error(`outbox forwarder: channelMaxLen must be a whole number, not ${this.channelMaxLen}`);
    if (!Number.isInteger(this.batch) || this.batch < 1) throw new Error(`outbox forwarder: batch must be a positive whole number, not ${this.batch}`);
  }

  /**
   * Forwards up to `batch` effects of the shard's outbox to their channel streams; returns how
   * many. `token` fences the cursor write (the shard owner's token; '' for none): a runtime that
   * lost the shard gets a FencedError and moves nothing.
   */
  async forward(shard: number, token = ''): Promise<number> {
    const [, entries] = (await this.store.evalScript(OUTBOX_READ, [this.store.shardKey(shard, 'oc'), this.store.shardKey(shard, 'o')], [String(this.batch)])) as [string, Entry[]];
    if (!entries.length) return 0;
    const byChannel = new Map<string, { args: string[]; last: string }>();
    const appended = this.appended.get(shard);
    for (const [id, fields] of entries) {
      const text = streamField(fields, 'e') ?? 'null';
      const effect = parse(text);
      const channel = channelOf(effect);
      // Appended by an earlier forward whose other channels failed: not again.
      const done = appended?.get(channel);
      if (done !== undefined && !entryAfter(id, done)) continue;
      const key = typeof effect?.['key'] === 'string' ? effect['key'] : '';
      let to = byChannel.get(channel);
      if (!to) byChannel.set(channel, (to = { args: [String(this.channelMaxLen)], last: id }));
      to.args.push(key, effect ? channelJson(effect) : text, streamField(fields, 's') ?? '', originOf(shard, id));
      to.last = id;
    }
    await this.register([...byChannel.keys()]);
    // Channels are independent streams (other slots on a cluster): appended side by side. Each one
    // that took its entries is remembered, so that a failure of another does not copy them again.
    await allSettledOrThrow(
      [...byChannel].map(async ([channel, { args, last }]) => {
        await this.store.evalScript(CHANNEL_APPEND, [channelStreamKey(this.store.prefix, channel)], args);
        let mine = this.appended.get(shard);
        if (!mine) this.appended.set(shard, (mine = new Map()));
        mine.set(channel, last);
      }),
    );
    const last = entries[entries.length - 1]![0];
    await this.store.evalScript(OUTBOX_FORWARDED, [this.store.shardKey(shard, 'oc'), this.store.shardKey(shard, 'o'), this.store.shardKey(shard, 'own')], [last, token]);
    // The cursor is past them now.
    this.forget(shard);
    return entries.length;
  }

  /**
   * The shards given whose outbox holds effects not forwarded yet: one call on one Redis (an idle
   * runtime asked every shard ten times a second); on a cluster, all of them (forward finds out).
   */
  async pending(shards: readonly number[]): Promise<number[]> {
    if (this.store.conn.cluster || shards.length < 2) return [...shards];
    const at = (await this.store.evalScript(OUTBOX_PENDING, shards.map((s) => this.store.shardKey(s, 'o')), [])) as number[];
    return at.map((i) => shards[i]!);
  }

  /** Effects in the shard outboxes given (all by default) that are not forwarded yet. */
  async backlog(shards: readonly number[] = this.store.shardList): Promise<number> {
    const n = await Promise.all(shards.map(async (s) => ((await this.store.conn.send(this.store.shardKey(s, 'o'), ['XLEN', this.store.shardKey(s, 'o')])) as number) ?? 0));
    return n.reduce((a, b) => a + b, 0);
  }

  /**
   * Trims from every channel stream what all its consumer groups have acknowledged (CHANNEL_TRIM):
   * a stream that delivery services read with groups then holds their backlog, not up to
   * `channelMaxLen` entries already delivered. Streams without groups are left to their MAXLEN.
   * Any runtime may do it for any channel (it is idempotent). Returns how many entries went.
   */
  async trimAcknowledged(): Promise<number> {
    const k = channelsKey(this.store.prefix);
    const channels = (await this.store.conn.send(k, ['SMEMBERS', k])) as string[];
    const n = await Promise.all(
      channels.map(async (c) => {
        // One call trims at most 10,000 entries (XTRIM's default LIMIT for ~): a backlog of acknowledged
        // entries (a busy channel, an upgrade) takes more, up to 50 calls a round.
        let total = 0;
        for (let i = 0; i < 50; i++) {
          const got = Number(await this.store.evalScript(CHANNEL_TRIM, [channelStreamKey(this.store.prefix, c)], []));
          total += got;
          if (got < 5_000) break;
        }
        return total;
      }),
    );
    return n.reduce((a, b) => a + b, 0);
  }

  /** Forgets what this process appended from the shard beyond its cursor (the shard changed hands: its cursor is read anew). */
  forget(shard: number): void {
    this.appended.delete(shard);
  }

  /** Puts channels in the registry before their first entry, so a listing never misses a stream. */
  private async register(channels: string[]): Promise<void> {
    const fresh = channels.filter((c) => !this.registered.has(c));
    if (!fresh.length) return;
    const k = channelsKey(this.store.prefix);
    await this.store.conn.send(k, ['SADD', k, ...fresh]);
    for (const c of fresh) this.registered.add(c);
  }
}

/** Whether stream entry id `a` (`<ms>-<seq>`) comes after `b`. */
function entryAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am > bm || (am === bm && as > bs);
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
