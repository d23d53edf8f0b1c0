/**
 * The serialized form of an instance, for stores that keep text (Redis): a JSON array by position,
 * lossless and small, because millions of customers wait at once. What makes it small: no field
 * names; the id left out when it is the usual `<flow>/<customer>/<event>[/<launch key>]`; the
 * version hash as base64url (43 characters, not 64); `due` left out when it equals the wait's end;
 * trailing absent fields dropped. Activity steps are not part of it (stores keep them apart), and
 * the contexts are already cut down to what the waits keep (engine/keeps.ts). Browser-safe.
 */
import type { BranchRecord, InstanceRecord, InstanceStatus } from './store.js';

/** Bumped when the layout changes; decode refuses what it does not know. */
export const INSTANCE_CODEC_VERSION = 1;

const STATUSES: readonly InstanceStatus[] = ['in_progress', 'completed', 'stopped', 'error'];
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// A store packs and unpacks the same few hashes (one per flow version) for every instance and
// step it writes or reads: remembered, as it stood out in CPU profiles of the Redis bench.
const CACHE_MAX = 256;
const packed = new Map<string, string>();
const unpacked = new Map<string, string>();
function remembered(cache: Map<string, string>, key: string, make: (k: string) => string): string {
  let v = cache.get(key);
  if (v === undefined) {
    v = make(key);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

/** 64 hex digits → 43 base64url characters; anything else is kept as it is, behind a `~`. */
export function packHash(hex: string): string {
  return remembered(packed, hex, packHashOnce);
}

function packHashOnce(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) return `~${hex}`;
  let out = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 64; i++) {
    acc = (acc << 4) | parseInt(hex[i]!, 16);
    bits += 4;
    if (bits >= 6) {
      bits -= 6;
      out += B64[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += B64[(acc << (6 - bits)) & 63];
  return out;
}

export function unpackHash(s: string): string {
  return remembered(unpacked, s, unpackHashOnce);
}

function unpackHashOnce(s: string): string {
  if (s.startsWith('~')) return s.slice(1);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error(`instance codec: bad version character ${JSON.stringify(ch)}`);
    acc = (acc << 6) | v;
    bits += 6;
    while (bits >= 4 && out.length < 64) {
      bits -= 4;
      out += ((acc >> bits) & 15).toString(16);
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

/** The instance as compact text. */
export function encodeInstance(i: InstanceRecord): string {
  const base = `${i.flow}/${i.customer}/${i.event}`;
  // 0: the usual id; 1: the usual id and the launch key; else the id itself.
  const id: 0 | 1 | { id: string } = i.id === base ? 0 : i.launch !== undefined && i.id === `${base}/${i.launch}` ? 1 : { id: i.id };
  const a: unknown[] = [
    INSTANCE_CODEC_VERSION,
    i.flow,
    packHash(i.version),
    i.customer,
    i.event,
    id,
    i.enteredAt,
    i.due === i.waitingUntil ? null : i.due,
    i.block,
    i.contexts,
    i.awaited,
    STATUSES.indexOf(i.status),
    i.reason,
    i.waitingUntil,
    i.waitingFor,
    i.launched ? 1 : 0,
    i.wait ?? null,
    i.launch ?? null,
    i.message ?? null,
    i.branches ?? null,
    i.lastEvent ?? null,
  ];
  while (a.length && a[a.length - 1] === null) a.pop();
  return JSON.stringify(a);
}

/** Reads what encodeInstance wrote; throws a clear error on anything else. */
export function decodeInstance(text: string): InstanceRecord {
  const a = JSON.parse(text) as unknown;
  if (!Array.isArray(a) || a[0] !== INSTANCE_CODEC_VERSION) throw new Error(`instance codec: not an instance record of version ${INSTANCE_CODEC_VERSION}`);
  const at = (k: number): unknown => (k < a.length ? a[k] : null);
  const [flow, version, customer, event] = [at(1), at(2), at(3), at(4)];
  if (typeof flow !== 'string' || typeof version !== 'string' || typeof customer !== 'string' || typeof event !== 'string') throw new Error('instance codec: flow, version, customer and event must be strings');
  const status = STATUSES[at(11) as number];
  if (!status) throw new Error(`instance codec: unknown status ${JSON.stringify(at(11))}`);
  const launch = at(17);
  const idField = at(5);
  const base = `${flow}/${customer}/${event}`;
  const id = idField === 0 ? base : idField === 1 ? `${base}/${String(launch)}` : (idField as { id: string }).id;
  const waitingUntil = at(13) as number | null;
  const out: InstanceRecord = {
    id,
    flow,
    version: unpackHash(version),
    customer,
    event,
    enteredAt: at(6) as number,
    due: (at(7) ?? waitingUntil) as number,
    block: at(8) as number,
    contexts: (at(9) ?? {}) as Record<string, unknown>,
    awaited: (at(10) ?? {}) as InstanceRecord['awaited'],
    status,
    reason: at(12) as string,
    waitingUntil,
    waitingFor: at(14) as number | null,
    launched: at(15) === 1,
  };
  if (at(16) !== null) out.wait = at(16) as number;
  if (launch !== null) out.launch = launch as string;
  if (at(18) !== null) out.message = at(18) as string;
  if (at(19) !== null) out.branches = at(19) as Record<string, BranchRecord>;
  if (at(20) !== null) out.lastEvent = at(20) as string;
  return out;
}
