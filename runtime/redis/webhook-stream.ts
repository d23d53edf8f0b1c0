/**
 * The runtime's own webhook deliverer as a consumer of the `webhook` channel stream
 * (`<p>:out:webhook`, filled by outbox-forwarder.ts): a poll source for WebhookOutbox
 * (server/webhooks/outbox-worker.ts) reading in the consumer group `runnel-webhooks`, one
 * consumer per runtime (its worker token). So each entry goes to one runtime, not to all.
 *
 * An entry is acknowledged (XACK) only once the outbox has settled its effect: delivered,
 * dead-lettered, or found settled in the delivery ledger (a copy). Entries a runtime read and did
 * not settle (it died, it stopped with retries pending) stay pending, and any runtime takes them
 * over once idle for `claimIdleMs` (XAUTOCLAIM). The delivery ledger, not the stream, keeps a key
 * to one delivery: a copy forwarded twice, or an entry taken over from a runtime still retrying it,
 * finds the key delivered, dead or leased.
 */
import { ensureGroup, streamField } from './stream-fields.js';
import type { EffectRecord } from '../store/store.js';
import type { RedisConnection } from './client.js';
import { channelStreamKey, fromChannelJson } from './outbox-keys.js';

export interface WebhookStreamOptions {
  /** Key prefix (default `rn`), as the store's. */
  prefix?: string;
  /** This runtime's consumer name (the worker token: a restarted runtime is a new consumer). */
  consumer: string;
  /** A pending entry idle this long is taken over (default 60 000 ms: longer than one attempt's timeout). */
  claimIdleMs?: number;
  /** Entries read per poll (default 100). */
  count?: number;
  /** Consumers of the group with nothing pending and idle this long are deleted (default 1 day; 0: never). */
  pruneIdleMs?: number;
  /** An entry that is no webhook effect (no key, not JSON): acknowledged and reported here. */
  onInvalid?: (entry: string, reason: string) => void;
}

type Entry = [string, string[]];

export class RedisWebhookSource {
  readonly streamKey: string;
  /** The consumer group the runtimes' deliverers share. */
  readonly group = 'runnel-webhooks';
  readonly consumer: string;
  private readonly claimIdleMs: number;
  private readonly count: number;
  private readonly pruneIdleMs: number;
  /** The stream entries of each effect key handed out and not settled yet (a key may have copies). */
  private readonly entries = new Map<string, Set<string>>();
  /** Where XAUTOCLAIM goes on scanning the pending list. */
  private claimCursor = '0-0';
  private groupMade = false;
  private lastPrune = 0;

  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: WebhookStreamOptions,
  ) {
    this.streamKey = channelStreamKey(opts.prefix ?? 'rn', 'webhook');
    this.consumer = opts.consumer;
    this.claimIdleMs = opts.claimIdleMs ?? 60_000;
    this.count = opts.count ?? 100;
    this.pruneIdleMs = opts.pruneIdleMs ?? 86_400_000;
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupMade) return;
    await ensureGroup(this.conn, this.streamKey, this.group);
    this.groupMade = true;
  }

  /** Entries other consumers left pending for claimIdleMs, then new ones; each key once per poll. */
  async poll(): Promise<EffectRecord[]> {
    await this.ensureGroup();
    await this.prune();
    const k = this.streamKey;
    const stale = (await this.conn.send(k, ['XAUTOCLAIM', k, this.group, this.consumer, String(this.claimIdleMs), this.claimCursor, 'COUNT', String(this.count)])) as [string, Array<Entry | null>, unknown?];
    this.claimCursor = stale[0] ?? '0-0';
    // Entries trimmed away (MAXLEN) while pending come back empty: nothing to deliver.
    const got = (stale[1] ?? []).filter((e): e is Entry => Array.isArray(e) && Array.isArray(e[1]));
    const room = this.count - got.length;
    if (room > 0) {
      const r = (await this.conn.send(k, ['XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', String(room), 'STREAMS', k, '>'])) as Array<[string, Entry[]]> | null;
      got.push(...(r?.[0]?.[1] ?? []));
    }
    const out = new Map<string, EffectRecord>();
    const invalid: string[] = [];
    for (const [id, fields] of got) {
      const effect = webhookOf(fields);
      if (typeof effect === 'string') {
        invalid.push(id);
        this.opts.onInvalid?.(id, effect);
        continue;
      }
      let ids = this.entries.get(effect.key);
      if (!ids) this.entries.set(effect.key, (ids = new Set()));
      ids.add(id);
      if (!out.has(effect.key)) out.set(effect.key, effect);
    }
    if (invalid.length) await this.conn.send(k, ['XACK', k, this.group, ...invalid]);
    return [...out.values()];
  }

  /** The effects are settled (delivered, dead, or settled before): their entries are acknowledged. */
  async ack(effects: readonly EffectRecord[]): Promise<void> {
    const ids: string[] = [];
    for (const e of effects) {
      for (const id of this.entries.get(e.key) ?? []) ids.push(id);
      this.entries.delete(e.key);
    }
    if (ids.length) await this.conn.send(this.streamKey, ['XACK', this.streamKey, this.group, ...ids]);
  }

  /** The outbox let these go unsettled (leased by another runtime, or stopping): left pending, to be taken over later. */
  forget(effects: readonly EffectRecord[]): void {
    for (const e of effects) this.entries.delete(e.key);
  }

  /** Entries read by some consumer and not acknowledged yet (XPENDING's count). */
  async pending(): Promise<number> {
    await this.ensureGroup();
    const r = (await this.conn.send(this.streamKey, ['XPENDING', this.streamKey, this.group])) as [number, ...unknown[]];
    return Number(r[0]);
  }

  /** Deletes consumers (runtimes that stopped or died) with nothing pending, idle for pruneIdleMs; at most every ten minutes. */
  private async prune(): Promise<void> {
    const now = Date.now();
    if (this.pruneIdleMs <= 0 || now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    const k = this.streamKey;
    const list = (await this.conn.send(k, ['XINFO', 'CONSUMERS', k, this.group])) as unknown[][];
    for (const flat of list) {
      const name = String(streamField(flat, 'name'));
      // Deleting a consumer with pending entries would drop them from the pending list: never.
      if (name !== this.consumer && Number(streamField(flat, 'pending')) === 0 && Number(streamField(flat, 'idle')) >= this.pruneIdleMs) {
        await this.conn.send(k, ['XGROUP', 'DELCONSUMER', k, this.group, name]);
      }
    }
  }
}

/** The webhook effect of a channel entry, or what is wrong with it. */
function webhookOf(fields: string[]): EffectRecord | string {
  const text = streamField(fields, 'e');
  if (text === undefined) return 'the entry has no field `e` (the effect as JSON)';
  let effect: unknown;
  try {
    effect = fromChannelJson(text);
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  const r = effect as Partial<EffectRecord> | null;
  if (typeof r !== 'object' || r === null || r.action !== 'webhook') return 'not a webhook effect';
  if (typeof r.key !== 'string' || !r.key) return 'the effect has no idempotency key';
  return r as EffectRecord;
}
