/**
 * Names of the outbox's channel streams (docs/redis.md, "Delivery services"), shared by the
 * forwarder that writes them (outbox-forwarder.ts), the store's listing (redis-store.ts
 * listEffects) and the runtime's webhook consumer (webhook-stream.ts). Kept apart so that the
 * store does not depend on the forwarder.
 */
import { iso } from '../engine/iso.js';

/** Channel names as they appear in key names: no hash-tag braces, no spaces, no colons. */
const SAFE = /^[A-Za-z0-9_.-]{1,64}$/;
/** A name a channel cannot take: `<prefix>:out:channels` is the registry of channels. */
const RESERVED = 'channels';
const usable = (name: unknown): name is string => typeof name === 'string' && SAFE.test(name) && name !== RESERVED;

/**
 * The channel an effect is delivered on: a send's `channel` (email, sms, push, webpush, ...), the
 * action name for every other action (webhook, promo, points, set, segment_add, segment_remove).
 * The catalog's channels (stdlib/actions.ts) never clash with action names. Anything malformed
 * (no action, a name a key cannot carry, `channels`) goes to `unknown`, where an operator can see it.
 */
export function channelOf(effect: unknown): string {
  const e = (typeof effect === 'object' && effect !== null ? effect : {}) as { action?: unknown; channel?: unknown };
  if (e.action === 'send') return usable(e.channel) ? e.channel : 'unknown';
  return usable(e.action) ? e.action : 'unknown';
}

/** The channel's stream: `<prefix>:out:<channel>` (no hash tag: on a cluster each channel has its own slot). */
export function channelStreamKey(prefix: string, channel: string): string {
  return `${prefix}:out:${channel}`;
}

/** The set of channels that have a stream (`<prefix>:out:channels`): where delivery services and listings find them. */
export function channelsKey(prefix: string): string {
  return `${prefix}:out:channels`;
}

/** Where a channel entry came from: `<shard>/<shard outbox entry id>` (field `o`); the same for a copy forwarded twice. */
export function originOf(shard: number, entry: string): string {
  return `${shard}/${entry}`;
}

/**
 * An effect's JSON as a channel stream carries it: contracts.md's `effects[]` form, the one
 * `simulate --json` prints, so `at` is ISO 8601 UTC text (milliseconds only when there are some).
 * The store keeps `at` as epoch ms; a value that would not come back exactly stays a number.
 */
export function channelJson(effect: Record<string, unknown>): string {
  const at = effect['at'];
  if (typeof at !== 'number' || !Number.isInteger(at) || Math.abs(at) > 8.64e15) return JSON.stringify(effect);
  return JSON.stringify({ ...effect, at: iso(at) });
}

/** The effect of a channel entry's `e` as the store has it (`at` back to epoch ms). */
export function fromChannelJson<T = Record<string, unknown>>(text: string): T {
  const effect = JSON.parse(text) as Record<string, unknown>;
  if (effect && typeof effect['at'] === 'string') {
    const ms = Date.parse(effect['at']);
    if (!Number.isNaN(ms)) effect['at'] = ms;
  }
  return effect as T;
}
