/**
 * Three-way merge of a customer profile: a change made from `base` (what the work read) applied to
 * `current` (what the store holds now, written by someone else in between: the HTTP API, another
 * runtime). A store that others write between a read and the commit made from it (Redis) merges
 * instead of overwriting, so a customer's unsubscription through the API is not undone by a flow
 * that set a field of the profile it had read a moment before. Browser-safe.
 *
 * Granularity: each top-level property, each custom field (`fields`), each segment (added or
 * removed). What the change did not touch stays as `current` has it; what it touched is as the
 * change left it, even where `current` changed it too (the later write wins, per property).
 */
import type { CustomerProfile } from '../vm/customer.js';

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** Sets (or deletes, when `mine` has no value) each key whose value `mine` changed from `base`. */
function applyChanges(out: Record<string, unknown>, base: Record<string, unknown>, mine: Record<string, unknown>, skip: ReadonlySet<string>): void {
  for (const k of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (skip.has(k) || same(base[k], mine[k])) continue;
    if (mine[k] === undefined) delete out[k];
    // An own property whatever the key (`__proto__` from event JSON must not set a prototype).
    else Object.defineProperty(out, k, { value: mine[k], writable: true, enumerable: true, configurable: true });
  }
}

const TOP_SKIP: ReadonlySet<string> = new Set(['id', 'fields', 'segments']);
const NONE: ReadonlySet<string> = new Set();

export function mergeProfile(base: CustomerProfile | null, mine: CustomerProfile, current: CustomerProfile | null): CustomerProfile {
  // Nobody wrote in between (a store that cannot tell by identity asks): the change as made.
  if (same(base, current)) return mine;
  const from: CustomerProfile = base ?? { id: mine.id };
  const out: CustomerProfile = { ...(current ?? { id: mine.id }), id: mine.id };
  applyChanges(out, from, mine, TOP_SKIP);

  if (!same(from.fields, mine.fields)) {
    const fields = { ...(current?.fields ?? {}) };
    applyChanges(fields, from.fields ?? {}, mine.fields ?? {}, NONE);
    if (mine.fields === undefined && !Object.keys(fields).length) delete out.fields;
    else out.fields = fields;
  }

  if (!same(from.segments, mine.segments)) {
    const had = new Set(from.segments ?? []);
    const has = new Set(mine.segments ?? []);
    const segments = (current?.segments ?? []).filter((s) => !had.has(s) || has.has(s));
    for (const s of has) if (!had.has(s) && !segments.includes(s)) segments.push(s);
    if (mine.segments === undefined && !segments.length) delete out.segments;
    else out.segments = segments;
  }
  return out;
}
