/**
 * Events on their way in, when several runtimes share one Redis (docs/redis.md, "Several
 * runtimes"). An event is queued on its customer's shard: the stream `{p:n}:in`, with a dedupe key
 * `{p:n}:seen:<event id>` set in the same script (scripts.ts ENQUEUE), so a duplicate is known when
 * it arrives. The shard's owner (shard-owner.ts) alone reads the stream, in order, from the cursor
 * `{p:n}:inc` (the id of the last entry it processed), which it moves after each event: a worker
 * that dies mid-event leaves the cursor before it, and the next owner processes it again (the
 * engine skips what that event already did, engine.ts `queued`).
 *
 * Producers that write to Redis directly append to the shared stream `<p>:events` (field `e`: the
 * event as JSON). Workers read it in the consumer group `runnel` (intake), validate each entry, queue
 * the good ones on their shards and move the bad ones, with what is wrong, to the dead-letter stream
 * `<p>:events:dead`; then acknowledge. An entry a dead worker had read and not acknowledged is
 * taken over by another after `intakeIdleMs`.
 */
import { ensureGroup, streamField } from './stream-fields.js';
import type { RedisStore } from './redis-store.js';
import { ENQUEUE, QUEUE_DONE } from './scripts.js';

export interface QueuedEvent {
  shard: number;
  /** The stream entry id (the cursor moves to it once the event is processed). */
  entry: string;
  /** The event's JSON text as queued. */
  text: string;
}

/** One entry the intake refused: where it was, and why. */
export interface DeadLetter {
  entry: string;
  error: string;
  text: string;
}

export interface EventQueueOptions {
  /** How long a queued event id is remembered as a duplicate (default 30 days; 0: forever). */
  dedupeTtlMs?: number;
  /** An intake entry read by a worker that did not acknowledge it is taken over after this long (default 30 000 ms). */
  intakeIdleMs?: number;
}

const GROUP = 'runnel';

export class RedisEventQueue {
  private readonly dedupeTtlMs: number;
  private readonly intakeIdleMs: number;
  /** The cursor of each shard this worker reads (loaded from Redis when first needed). */
  private readonly cursors = new Map<number, string>();
  private groupMade = false;

  constructor(
    readonly store: RedisStore,
    opts: EventQueueOptions = {},
  ) {
    this.dedupeTtlMs = opts.dedupeTtlMs ?? 30 * 86_400_000;
    this.intakeIdleMs = opts.intakeIdleMs ?? 30_000;
  }

  get intakeKey(): string {
    return `${this.store.prefix}:events`;
  }
  get deadKey(): string {
    return `${this.store.prefix}:events:dead`;
  }

  /**
   * Queues events (already validated) on their customers' shards, in the order given (the order of
   * one customer's events is kept). Returns, for each, whether it was queued (false: a duplicate id).
   */
  async enqueue(events: ReadonlyArray<{ id: string; customer: string; receivedAt?: unknown }>): Promise<boolean[]> {
    // Sent together: one connection keeps the order of the calls it is given.
    return Promise.all(
      events.map(async (e) => {
        const shard = this.store.shardOf(e.customer);
        const r = await this.store.evalScript(ENQUEUE, [this.store.shardKey(shard, `seen:${e.id}`), this.store.shardKey(shard, 'in')], [String(this.dedupeTtlMs), JSON.stringify(e)]);
        return r !== null && r !== false && r !== 0;
      }),
    );
  }

  /** Forgets the cursor of shards this worker no longer owns (a new owner moves them on). */
  forget(shard: number): void {
    this.cursors.delete(shard);
  }

  /** The shard's cursor as stored ('0-0': nothing processed yet). */
  private async storedCursor(shard: number): Promise<string> {
    const key = this.store.shardKey(shard, 'inc');
    return ((await this.store.conn.send(key, ['GET', key])) as string | null) ?? '0-0';
  }

  private async cursor(shard: number): Promise<string> {
    let c = this.cursors.get(shard);
    if (c === undefined) this.cursors.set(shard, (c = await this.storedCursor(shard)));
    return c;
  }

  /**
   * read() of each shard, in one XREAD on one Redis (a round of an idle runtime was a call per
   * shard); one call per shard on a cluster, where one command cannot span slots.
   */
  async readMany(shards: readonly number[], count = 100): Promise<QueuedEvent[][]> {
    if (this.store.conn.cluster || shards.length < 2) return Promise.all(shards.map((s) => this.read(s, count)));
    const after = await Promise.all(shards.map((s) => this.cursor(s)));
    const keys = shards.map((s) => this.store.shardKey(s, 'in'));
    const reply = (await this.store.conn.send(keys[0], ['XREAD', 'COUNT', String(count), 'STREAMS', ...keys, ...after])) as Array<[string, Array<[string, string[]]>]> | null;
    const byKey = new Map((reply ?? []).map(([key, entries]) => [key, entries]));
    return shards.map((shard, i) => (byKey.get(keys[i]!) ?? []).map(([entry, fields]) => ({ shard, entry, text: streamField(fields, 'e') ?? 'null' })));
  }

  /** The next events queued on the shard after its cursor, oldest first, at most `count`. */
  async read(shard: number, count = 100): Promise<QueuedEvent[]> {
    const key = this.store.shardKey(shard, 'in');
    const after = await this.cursor(shard);
    const entries = (await this.store.conn.send(key, ['XRANGE', key, `(${after}`, '+', 'COUNT', String(count)])) as Array<[string, string[]]>;
    return entries.map(([entry, fields]) => ({ shard, entry, text: streamField(fields, 'e') ?? 'null' }));
  }

  /**
   * Marks the shard's events up to `entry` processed: the cursor moves there (`trim` removes what
   * is before it from the stream), and the refusals the event recorded are forgotten (it will not
   * be processed again; Store.appendNotEntered). `fence`: the owner's fencing value (ShardOwner.fence;
   * '' none): a worker that lost the shard moves nothing (FencedError), so it cannot make the next
   * owner forget the refusals of the event it is processing again.
   */
  async done(shard: number, entry: string, fence = ''): Promise<void> {
    await this.store.evalScript(QUEUE_DONE, [this.store.shardKey(shard, 'inc'), this.store.shardKey(shard, 'nx'), this.store.shardKey(shard, 'own')], [entry, fence]);
    this.cursors.set(shard, entry);
  }

  /** Trims what the shard's owner processed (entries before the cursor). */
  async trim(shard: number): Promise<void> {
    const c = this.cursors.get(shard);
    if (c === undefined) return;
    const key = this.store.shardKey(shard, 'in');
    await this.store.conn.send(key, ['XTRIM', key, 'MINID', c]);
  }

  /** Events queued and not processed yet on the shards given (all by default). */
  async backlog(shards: readonly number[] = this.store.shardList): Promise<number> {
    const n = await Promise.all(
      shards.map(async (s) => {
        const key = this.store.shardKey(s, 'in');
        const after = await this.storedCursor(s);
        const rest = (await this.store.conn.send(key, ['XRANGE', key, `(${after}`, '+'])) as unknown[];
        return rest.length;
      }),
    );
    return n.reduce((a, b) => a + b, 0);
  }

  // ------------------------------------------------------------------ intake (producers writing to Redis)

  private async ensureGroup(): Promise<void> {
    if (this.groupMade) return;
    await ensureGroup(this.store.conn, this.intakeKey, GROUP);
    this.groupMade = true;
  }

  /**
   * Reads up to `count` intake entries for `consumer` (first those another consumer left
   * unacknowledged for `intakeIdleMs`, then new ones). `accept` validates and queues one entry's
   * text, or says what is wrong with it (it goes to the dead-letter stream). Every entry handled is
   * acknowledged. Returns how many entries were handled and the dead letters written.
   */
  async pumpIntake(consumer: string, accept: (text: string) => Promise<string | null>, count = 1000): Promise<{ handled: number; dead: DeadLetter[] }> {
    await this.ensureGroup();
    const conn = this.store.conn;
    const k = this.intakeKey;
    const stale = (await conn.send(k, ['XAUTOCLAIM', k, GROUP, consumer, String(this.intakeIdleMs), '0-0', 'COUNT', String(count)])) as [string, Array<[string, string[]] | null>, unknown?];
    let entries = (stale[1] ?? []).filter((e): e is [string, string[]] => Array.isArray(e) && Array.isArray(e[1]));
    if (!entries.length) {
      const r = (await conn.send(k, ['XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count), 'STREAMS', k, '>'])) as Array<[string, Array<[string, string[]]>]> | null;
      entries = r?.[0]?.[1] ?? [];
    }
    // Checked and queued together (one connection keeps the order of the calls it is given, so
    // one customer's events keep theirs), then acknowledged together.
    const verdicts = await Promise.all(
      entries.map(async ([entry, fields]) => {
        const text = streamField(fields, 'e');
        const error = text === undefined ? 'the entry has no field `e` (the event as JSON)' : await accept(text);
        return error === null ? null : { entry, error, text: text ?? JSON.stringify(fields) };
      }),
    );
    const dead = verdicts.filter((d): d is DeadLetter => d !== null);
    await Promise.all(dead.map((d) => this.deadLetter(d)));
    if (entries.length) await conn.send(k, ['XACK', k, GROUP, ...entries.map(([entry]) => entry)]);
    return { handled: entries.length, dead };
  }

  /** Writes an entry to the dead-letter stream (an intake entry refused, or a queued event the engine failed on). */
  async deadLetter(d: DeadLetter): Promise<void> {
    await this.store.conn.send(this.deadKey, ['XADD', this.deadKey, '*', 'entry', d.entry, 'error', d.error, 'e', d.text]);
  }

  /** The dead-letter stream, oldest first. */
  async deadLetters(): Promise<DeadLetter[]> {
    const entries = (await this.store.conn.send(this.deadKey, ['XRANGE', this.deadKey, '-', '+'])) as Array<[string, string[]]>;
    return entries.map(([, f]) => ({ entry: streamField(f, 'entry') ?? '', error: streamField(f, 'error') ?? '', text: streamField(f, 'e') ?? '' }));
  }
}
