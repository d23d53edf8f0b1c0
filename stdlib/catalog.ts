/**
 * Lookups over the event catalog (stdlib/events.ts) for the checker, the runtime and the docs.
 */
import type { EventCategory, EventDef, EventOption } from './catalog-types.js';
import { EVENTS } from './events.js';

const BY_NAME: ReadonlyMap<string, EventDef> = new Map(EVENTS.map((e) => [e.name, e]));

/** The event of that name in the language (exact, case-sensitive), or undefined. */
export function findEvent(name: string): EventDef | undefined {
  return BY_NAME.get(name);
}

/** An option of an event by name, or undefined. */
export function findOption(event: EventDef, name: string): EventOption | undefined {
  return event.options.find((o) => o.name === name);
}

/** Every event name, in catalog (002) order: for "did you mean" and completion. */
export const EVENT_NAMES: readonly string[] = EVENTS.map((e) => e.name);

/** Section titles of 002, for docs and completion groups. */
export const CATEGORY_TITLES: Readonly<Record<EventCategory, string>> = {
  customer_action: 'Customer actions',
  order: 'Orders',
  segment: 'Segments',
  profile: 'Customer profile',
  list_product: 'Products on a list',
  viewed_product: 'Viewed products',
  loyalty: 'Loyalty',
  campaign: 'Campaign participation',
  other: 'Other',
};

/** The events grouped by category, categories and events in catalog order. */
export function eventsByCategory(): ReadonlyMap<EventCategory, readonly EventDef[]> {
  const groups = new Map<EventCategory, EventDef[]>();
  for (const e of EVENTS) {
    const group = groups.get(e.category);
    if (group) group.push(e);
    else groups.set(e.category, [e]);
  }
  return groups;
}
