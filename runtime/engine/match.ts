/**
 * Does an event match a trigger (or a `wait for`, an `exit on`)? The engine uses the catalog
 * matchers of stdlib/matchers.ts (`catalogMatch`): seed 002's rules, with per (flow, trigger,
 * customer) state kept in the store and `previous` snapshots built from what the store has seen
 * (`previousSnapshots`). `triggerMatches` is the older, trivial check (event type and the `status`,
 * `templates`, `segment` options), kept for callers outside the engine. Browser-safe.
 */
import type { Constant, ProgramOption, VerifiedProgram } from '../../compiler/bytecode/program.js';
import { EVENTS } from '../../stdlib/events.js';
import type { EventDef } from '../../stdlib/catalog-types.js';
import { matchTrigger, type MatchResult, type MatchState as CatalogMatchState, type OptionValue, type PreviousSnapshots, type TriggerEvent } from '../../stdlib/matchers.js';
import type { CustomerProfile } from '../vm/customer.js';

/** A trigger with its options decoded to plain values (strings, numbers, booleans, lists). */
export interface TriggerSpec {
  event: string;
  options: Readonly<Record<string, unknown>>;
}

/** What the matcher may read besides the event: the customer's profile after the event's update. */
export interface MatchState {
  customer?: CustomerProfile | undefined;
}

/** An event as the engine sees it (contracts.md "Events"). */
export interface EngineEvent {
  id: string;
  type: string;
  customer: string;
  at: string;
  receivedAt?: string;
  brand?: string;
  profile?: Record<string, unknown>;
  [context: string]: unknown;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

export function triggerMatches(trigger: TriggerSpec, event: EngineEvent, state: MatchState): boolean {
  if (trigger.event !== event.type) return false;
  const o = trigger.options;
  if (o['status'] !== undefined) {
    // The order's status (OrderStatusChanged), else a top-level `status` of the event, if it has one.
    const got = obj(event['order'])?.['status'] ?? event['status'];
    if (got !== undefined && !asList(o['status']).includes(got)) return false;
  }
  if (o['templates'] !== undefined) {
    const template = obj(event['action'])?.['template'];
    if (!asList(o['templates']).includes(template)) return false;
  }
  if (o['segment'] !== undefined) {
    // The event's own `segment` when it names one, else the customer's current segments.
    const named = typeof event['segment'] === 'string' ? event['segment'] : typeof obj(event['params'])?.['segment'] === 'string' ? obj(event['params'])!['segment'] : undefined;
    if (named !== undefined) {
      if (named !== o['segment']) return false;
    } else {
      const segments = state.customer?.segments ?? [];
      if (!segments.includes(o['segment'] as string)) return false;
    }
  }
  return true;
}

// ------------------------------------------------------------------ catalog matching

const DEFS = new Map<string, EventDef>(EVENTS.map((e) => [e.name, e]));

/** The catalog entry of an event type. */
export function eventDef(name: string): EventDef | undefined {
  return DEFS.get(name);
}

/** A trigger option constant as the matchers read it: `10%` → `{ percent: 10 }`, durations → `{ durationMs }`. */
export function optionValue(c: Constant | undefined): OptionValue {
  if (!c) return '';
  switch (c.tag) {
    case 'string':
    case 'number':
      return c.value;
    case 'percent':
      return { percent: c.value };
    case 'duration':
      return { durationMs: c.ms };
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return '';
    case 'date':
    case 'datetime':
      return c.raw;
    case 'time':
      return c.minutes;
  }
}

/** A program's trigger options (`wait for`, `exit on` too) as matcher options. */
export function matcherOptions(p: VerifiedProgram, opts: readonly ProgramOption[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const o of opts) {
    const name = p.constants[o.name];
    const key = name && name.tag === 'string' ? name.value : String(o.name);
    out[key] = 'k' in o.value ? optionValue(p.constants[o.value.k]) : o.value.list.map((k) => optionValue(p.constants[k]));
  }
  return out;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** The product ids an event carries feed data for (`product`, `products`, order items' embedded products). */
export function eventProducts(event: EngineEvent): Array<Record<string, unknown> & { id: string }> {
  const out: Array<Record<string, unknown> & { id: string }> = [];
  const add = (p: unknown) => {
    const r = rec(p);
    if (r && typeof r['id'] === 'string' && !out.some((x) => x.id === r['id'])) out.push(r as Record<string, unknown> & { id: string });
  };
  if (Array.isArray(event['products'])) for (const p of event['products']) add(p);
  add(event['product']);
  return out;
}

/** What the store has seen before this event, as the matchers' `previous` snapshots. */
export interface SeenBefore {
  order?: Record<string, unknown> | undefined;
  products?: Record<string, Record<string, unknown>>;
  customer?: CustomerProfile | undefined;
}

export function previousSnapshots(event: EngineEvent, seen: SeenBefore): PreviousSnapshots {
  const prev: PreviousSnapshots = {};
  if (seen.order) {
    prev.order = seen.order as unknown as NonNullable<PreviousSnapshots['order']>;
    // An order line event: the line as it was on the stored order.
    const item = rec(event['item']);
    const items = Array.isArray(seen.order['items']) ? (seen.order['items'] as unknown[]) : [];
    if (item && typeof item['id'] === 'string') {
      const before = items.map(rec).find((i) => i?.['id'] === item['id']);
      if (before) prev.item = before as unknown as NonNullable<PreviousSnapshots['item']>;
    }
  }
  if (seen.products && Object.keys(seen.products).length) prev.products = seen.products as unknown as NonNullable<PreviousSnapshots['products']>;
  if (seen.customer) prev.customer = seen.customer as unknown as NonNullable<PreviousSnapshots['customer']>;
  return prev;
}

/** The matcher's envelope: the event, the current profile and the snapshots. */
export function triggerEvent(event: EngineEvent, profile: CustomerProfile, previous: PreviousSnapshots): TriggerEvent {
  return { ...(event as unknown as TriggerEvent), customerProfile: profile as unknown as NonNullable<TriggerEvent['customerProfile']>, previous };
}

/** Runs the catalog matcher of `eventName` (unknown events: a non-match with a reason). */
export function catalogMatch(eventName: string, options: Record<string, OptionValue>, event: TriggerEvent, state: CatalogMatchState): MatchResult {
  const def = eventDef(eventName);
  if (!def) return { fires: [], state, reason: `unknown event ${eventName}` };
  return matchTrigger(def, options, event, state);
}
