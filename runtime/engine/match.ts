/**
 * Does an event match a trigger (or a `wait for`, an `exit on`)? For now: the event type, plus the
 * options that can be checked trivially (`status`, `templates`, `segment`). Every other option is
 * accepted as it is. Browser-safe. To be replaced by the catalog matchers (stdlib/matchers.ts).
 */
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
