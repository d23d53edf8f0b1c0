/**
 * What names a flow's expressions can use: `customer`, plus each context value that EVERY event
 * trigger binds with the same type (a value bound by only some triggers may be missing, so it is
 * refused with the names of the triggers that lack it).
 */
import type { ContextName, EventDef } from '../../stdlib/catalog-types.js';
import { customerView } from '../../stdlib/customer.js';
import { T, typeToString, type Field, type Type } from '../../stdlib/types.js';
import type { Manifest } from '../manifest.js';
import type { Binding, Scope } from './check-context.js';

export const CONTEXT_NAMES: readonly ContextName[] = ['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params'];

const ARTICLE: Record<ContextName, string> = {
  order: 'an order',
  item: 'an item',
  product: 'a product',
  action: 'an action',
  view: 'a product view',
  session: 'a session',
  promo: 'a promo code',
  balance: 'a balance change',
  card: 'a discount card',
  params: 'operation parameters',
};

const customerCache = new WeakMap<Manifest, Type>();
/** The language's `customer`, from the profile schema with the project's custom fields. */
export function customerOf(manifest: Manifest): Type {
  let t = customerCache.get(manifest);
  if (!t) customerCache.set(manifest, (t = customerView(manifest.contextTypes.Customer)));
  return t;
}

/** One trigger's contribution: its event and (for OperationCalled) the operation it names. */
export interface TriggerBinding {
  def: EventDef;
  operation?: string;
}

export function contextType(manifest: Manifest, t: TriggerBinding, name: ContextName): Type | undefined {
  const typeName = t.def.binds[name];
  if (!typeName) return undefined;
  if (name === 'params' && t.operation) return manifest.operationTypes.get(t.operation) ?? T.any;
  return manifest.contextTypes[typeName];
}

export function flowScope(manifest: Manifest, triggers: TriggerBinding[], scheduled: boolean): Scope {
  const names = new Map<string, Binding>();
  names.set('customer', { type: customerOf(manifest), optional: false, kind: 'customer' });
  for (const ctxName of CONTEXT_NAMES) {
    if (scheduled) {
      names.set(ctxName, {
        type: T.error,
        optional: false,
        kind: 'unavailable',
        why: 'a scheduled flow has no triggering event, only the customer',
        label: 'no event in a scheduled flow',
        help: `use customer data here, or \`wait for\` an event that brings ${ARTICLE[ctxName]}`,
      });
      continue;
    }
    if (triggers.length === 0) continue; // no trigger: reported once, do not cascade
    const types = triggers.map((t) => contextType(manifest, t, ctxName));
    const missing = triggers.filter((_, i) => !types[i]).map((t) => t.def.name);
    if (missing.length === 0) {
      const first = types[0]!;
      const differing = types.some((t) => typeToString(t!) !== typeToString(first));
      if (differing) {
        names.set(ctxName, {
          type: T.error,
          optional: false,
          kind: 'unavailable',
          why: `the triggers bind different kinds of \`${ctxName}\` (${[...new Set(types.map((t) => typeToString(t!)))].join(', ')})`,
          help: 'give each of these triggers its own flow',
          label: 'differs between the triggers',
        });
      } else {
        names.set(ctxName, { type: first, optional: false, kind: 'context', context: ctxName });
      }
    } else {
      const binders = triggers.filter((_, i) => types[i]).map((t) => t.def.name);
      names.set(ctxName, {
        type: T.error,
        optional: false,
        kind: 'unavailable',
        why:
          `${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not bind ${ARTICLE[ctxName]}` +
          (binders.length ? ` (only ${binders.join(', ')} ${binders.length > 1 ? 'do' : 'does'})` : ''),
        ...(triggers.length > 1 && binders.length ? { label: 'not bound by every trigger', help: `use only what every trigger binds, or give ${binders.join(' and ')} ${binders.length > 1 ? 'their' : 'its'} own flow` } : {}),
      });
    }
  }
  return { names, entryFilter: false };
}

/** The names an awaited or exit event adds: its own context, shadowing the flow's. */
export function eventBindings(manifest: Manifest, t: TriggerBinding): Array<[string, Binding]> {
  const out: Array<[string, Binding]> = [];
  for (const name of CONTEXT_NAMES) {
    const type = contextType(manifest, t, name);
    if (type) out.push([name, { type, optional: false, kind: 'context', context: name, awaited: t.def }]);
  }
  return out;
}
