/**
 * The type language shared by the checker, the catalog and (later) the runtime.
 * Plain data so that it crosses a worker boundary and prints in hovers.
 */
export type Type =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'duration' }
  | { kind: 'date' }
  | { kind: 'datetime' }
  | { kind: 'percent' }
  | { kind: 'time' } // a time of day, 10:00
  | { kind: 'enum'; name?: string; values: readonly string[] }
  | { kind: 'array'; element: Type }
  | { kind: 'object'; name?: string; fields: Readonly<Record<string, Field>>; open?: boolean }
  | { kind: 'null' }
  | { kind: 'any' } // unknown shape (open objects, error recovery): never reported twice
  | { kind: 'error' }; // the expression already has a diagnostic

export interface Field {
  type: Type;
  /** Optional fields may be missing at run time: comparisons with a missing value are false. */
  optional: boolean;
  doc?: string;
}

export const T = {
  string: { kind: 'string' } as Type,
  number: { kind: 'number' } as Type,
  boolean: { kind: 'boolean' } as Type,
  duration: { kind: 'duration' } as Type,
  date: { kind: 'date' } as Type,
  datetime: { kind: 'datetime' } as Type,
  percent: { kind: 'percent' } as Type,
  time: { kind: 'time' } as Type,
  null: { kind: 'null' } as Type,
  any: { kind: 'any' } as Type,
  error: { kind: 'error' } as Type,
  enumOf: (values: readonly string[], name?: string): Type => ({ kind: 'enum', values, ...(name ? { name } : {}) }),
  arrayOf: (element: Type): Type => ({ kind: 'array', element }),
  objectOf: (fields: Record<string, Field>, name?: string, open = false): Type => ({
    kind: 'object',
    fields,
    ...(name ? { name } : {}),
    ...(open ? { open } : {}),
  }),
};

/** A type as a marketer reads it: `number`, `Order`, `list of OrderItem`, `one of new, paid`. */
export function typeToString(t: Type): string {
  switch (t.kind) {
    case 'enum':
      return t.name ?? `one of ${t.values.join(', ')}`;
    case 'array':
      return `list of ${typeToString(t.element)}`;
    case 'object':
      return t.name ?? 'object';
    case 'error':
      return 'unknown';
    default:
      return t.kind;
  }
}
