/** State shared by the parts of the checker while it walks one file. */
import type { Span } from '../ast.js';
import type { DiagnosticBag } from '../diagnostics.js';
import type { Manifest } from '../manifest.js';
import type { Type } from '../../stdlib/types.js';
import type { ContextName, EventDef } from '../../stdlib/catalog-types.js';

/** What a name stands for inside an expression. */
export interface Binding {
  type: Type;
  optional: boolean;
  kind: 'customer' | 'context' | 'element' | 'unavailable';
  /** For an unavailable context name: why (which triggers do not bind it). */
  why?: string;
  /** For an unavailable context name: what to do instead (a default help otherwise). */
  help?: string;
  /** For an unavailable context name: the caret's label (a default otherwise). */
  label?: string;
  context?: ContextName;
  /** Bound by an awaited event (`wait for`), not by the triggers: its rules apply to it. */
  awaited?: EventDef;
}

export interface Scope {
  names: ReadonlyMap<string, Binding>;
  /** Inside `when`: only 002's customer conditions are allowed. */
  entryFilter: boolean;
}

/** An expression's type, and whether its value may be missing at run time. */
export interface Ty {
  type: Type;
  optional: boolean;
}

export interface CheckContext {
  manifest: Manifest;
  diagnostics: DiagnosticBag;
  /** Type of every expression node, by node id (cel-go style). */
  types: Map<number, Type>;
}


export function withNames(scope: Scope, extra: Iterable<[string, Binding]>): Scope {
  const names = new Map(scope.names);
  for (const [k, v] of extra) names.set(k, v);
  return { ...scope, names };
}
