/** Shared helpers of the trigger matchers (stdlib/matchers.ts): option reading, regional feed data, thresholds. */
import type { EventDef } from '../catalog-types.js';
import type { MatchState, MatcherOutput, OptionValue, TriggerEvent } from '../matchers.js';

export type Rec = Record<string, unknown>;

export function cloneState(s: MatchState | undefined): MatchState {
  return s ? (JSON.parse(JSON.stringify(s)) as MatchState) : {};
}

/** The event's context objects under the names the event binds (overrides win). */
export function boundContext(def: EventDef, event: TriggerEvent, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const ev = event as unknown as Rec;
  for (const name of Object.keys(def.binds)) {
    const v = name in overrides ? overrides[name] : ev[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export const none = (reason: string): MatcherOutput => ({ launches: [], reason });

// ---------- options ----------

export function optStr(v: OptionValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function optNum(v: OptionValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

export function optBool(v: OptionValue | undefined): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** A list option of names/words; a single value counts as a one-element list; absent = undefined. */
export function optStrList(v: OptionValue | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v : [v];
  return items.filter((x): x is string => typeof x === 'string');
}

export type Threshold = { kind: 'percent'; value: number } | { kind: 'amount'; value: number };

/** `{ percent: 10 }` (10%), `5` or `{ amount: 5 }` (an amount). */
export function optThreshold(v: OptionValue | undefined): Threshold | undefined {
  if (typeof v === 'number') return { kind: 'amount', value: v };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('percent' in v && typeof v.percent === 'number') return { kind: 'percent', value: v.percent };
    if ('amount' in v && typeof v.amount === 'number') return { kind: 'amount', value: v.amount };
  }
  return undefined;
}

const EPS = 1e-9;

/** Whether `current` moved away from `reference` in `direction` by at least the threshold. */
export function meetsThreshold(t: Threshold, reference: number, current: number, direction: 'drop' | 'rise'): boolean {
  const diff = direction === 'drop' ? reference - current : current - reference;
  if (!(diff > 0)) return false;
  if (t.kind === 'amount') return diff >= t.value - EPS * Math.max(1, t.value);
  if (!(reference > 0)) return false;
  return (diff / reference) * 100 >= t.value - EPS * Math.max(1, t.value);
}

export function describeThreshold(t: Threshold): string {
  return t.kind === 'percent' ? `${t.value}%` : String(t.value);
}

// ---------- values ----------

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text with object keys sorted: equal values give equal text. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isRec(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** An empty value: missing, null or "" (filling in / wiping a value). */
export function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

export function intersects(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return (a ?? []).some((x) => b.includes(x));
}

/** The product segments filter (`productSegments`): absent = all products. */
export function productSegmentsPass(options: Readonly<Record<string, OptionValue>>, product: Rec | undefined): string | undefined {
  const wanted = optStrList(options['productSegments']);
  if (!wanted || wanted.length === 0) return undefined;
  const segs = Array.isArray(product?.['segments']) ? (product['segments'] as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  if (intersects(segs, wanted)) return undefined;
  return `product ${String(product?.['id'] ?? '?')} is in none of the product segments ${wanted.join(', ')}`;
}

// ---------- regional feed data (002: "Product back in stock", regional rules) ----------

export type Feed =
  | { excluded: true }
  | { excluded: false; available: boolean | undefined; price: number | undefined; source: 'region' | 'main' };

/**
 * The availability and price the customer sees: for a customer with a zone, the product's data for
 * that zone (a value not filled in there falls back to the main feed); a product with regional data
 * but none for the zone is excluded (does not fire); no zone or no regional data: the main feed.
 */
export function resolveFeed(product: Rec | undefined, zone: string | undefined, regional: boolean): Feed {
  const mainAvail = typeof product?.['available'] === 'boolean' ? (product['available'] as boolean) : undefined;
  const mainPrice = typeof product?.['price'] === 'number' ? (product['price'] as number) : undefined;
  const main: Feed = { excluded: false, available: mainAvail, price: mainPrice, source: 'main' };
  if (!regional || !zone || !product) return main;
  const regions = isRec(product['regions']) ? product['regions'] : undefined;
  if (!regions || Object.keys(regions).length === 0) return main;
  const r = regions[zone];
  if (!isRec(r)) return { excluded: true };
  return {
    excluded: false,
    available: typeof r['available'] === 'boolean' ? (r['available'] as boolean) : mainAvail,
    price: typeof r['price'] === 'number' ? (r['price'] as number) : mainPrice,
    source: 'region',
  };
}

/** Products of the event by id: `products`, `product`, and order items' embedded products. */
export function productsOf(event: TriggerEvent): Rec[] {
  const out: Rec[] = [];
  for (const p of event.products ?? []) if (isRec(p)) out.push(p);
  const single: unknown = event.product;
  if (isRec(single) && !out.some((p) => p['id'] === single['id'])) out.push(single);
  return out;
}

export function findProduct(event: TriggerEvent, productId: unknown): Rec | undefined {
  return productsOf(event).find((p) => p['id'] === productId);
}
