/**
 * The scope service: which names an expression can read at the cursor (`customer`, the contexts
 * every trigger binds, those of an awaited event, `it` in a list helper) and the type of a path
 * such as `order.items` or `customer.email`. The same rules as the checker (checker/environment.ts).
 */
import type { Manifest } from '../manifest.js';
import { findEvent } from '../../stdlib/catalog.js';
import { findBuiltin } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS, type MethodDef } from '../../stdlib/customer.js';
import { T, type Field, type Type } from '../../stdlib/types.js';
import type { Binding } from '../checker/check-context.js';
import { eventBindings, flowScope, type TriggerBinding } from '../checker/environment.js';
import type { ExprScope, FlowTriggers, PathExpr } from './cursor-context.js';

export interface ScopeProvider {
  /** The names readable in an expression of a flow with these triggers, at a place with that scope. */
  names(manifest: Manifest, triggers: FlowTriggers, scope: ExprScope): Map<string, Binding>;
  /** The type of a path among those names; undefined when it does not resolve. */
  typeOf(names: ReadonlyMap<string, Binding>, path: PathExpr): Type | undefined;
  /** The trigger bindings (event definitions) of a flow's triggers; unknown events are left out. */
  triggerBindings(triggers: FlowTriggers): TriggerBinding[];
}

export class DefaultScopeProvider implements ScopeProvider {
  triggerBindings(triggers: FlowTriggers): TriggerBinding[] {
    const out: TriggerBinding[] = [];
    for (const e of triggers.events) {
      const def = findEvent(e.name);
      if (def) out.push({ def, ...(e.operation ? { operation: e.operation } : {}) });
    }
    return out;
  }

  names(manifest: Manifest, triggers: FlowTriggers, scope: ExprScope): Map<string, Binding> {
    const names = new Map(flowScope(manifest, this.triggerBindings(triggers), triggers.scheduled).names);
    for (const { event, mode } of scope.events) {
      const def = findEvent(event);
      if (!def) continue;
      for (const [name, binding] of eventBindings(manifest, { def })) {
        if (mode === 'bound') names.set(name, binding);
        else if (names.get(name)?.kind !== 'context') names.delete(name);
      }
    }
    for (const [name, b] of names) if (b.kind === 'unavailable') names.delete(name);
    if (scope.entryFilter) for (const name of [...names.keys()]) if (name !== 'customer') names.delete(name);
    // `it`, innermost list helper last: each list is read with the `it` of the helpers around it.
    for (const list of scope.its) {
      const t = this.typeOf(names, list);
      names.set('it', { type: t?.kind === 'array' ? t.element : T.any, optional: false, kind: 'element' });
    }
    return names;
  }

  typeOf(names: ReadonlyMap<string, Binding>, path: PathExpr): Type | undefined {
    let t: Type | undefined;
    let i = 0;
    const root = names.get(path.root);
    if (root) t = root.type;
    else {
      const fn = findBuiltin(path.root);
      if (!fn || path.steps[0]?.kind !== 'call') return undefined;
      t = builtinResult(fn.kind, path.root);
      i = 1;
    }
    for (; i < path.steps.length && t; i++) {
      const step = path.steps[i]!;
      if (step.kind === 'field') {
        if (t.kind !== 'object') return undefined;
        const method: MethodDef | undefined = t.name === 'Customer' && path.steps[i + 1]?.kind === 'call' ? CUSTOMER_METHODS.find((m) => m.name === step.name) : undefined;
        if (method) {
          t = method.returns;
          i++;
          continue;
        }
        const f: Field | undefined = t.fields[step.name];
        t = f ? f.type : t.open ? T.any : undefined;
      } else if (step.kind === 'index') {
        t = t.kind === 'array' ? t.element : undefined;
      } else return undefined;
    }
    return t;
  }
}

function builtinResult(kind: string, name: string): Type {
  switch (kind) {
    case 'exists':
    case 'predicate':
    case 'contains':
      return T.boolean;
    case 'string':
      return T.string;
    case 'clock':
      return name === 'today' ? T.date : T.datetime;
    default:
      return T.number;
  }
}
