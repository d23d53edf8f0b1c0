/**
 * JSON Schema → checker types. The context schemas under schemas/context/ are the one source of
 * truth for what `order`, `item`, `product`... contain; the manifest's custom fields are merged
 * into each type's `fields` object.
 */
import { contextSchemas, type ContextSchemaName, type JsonSchema } from '../schemas/index.js';
import { T, type Field, type Type } from '../stdlib/types.js';

type Schema = { [k: string]: unknown };

const DATE_FORMATS: Record<string, Type> = { date: T.date, 'date-time': T.datetime };

/** Converts one schema fragment. `resolve` turns a `$ref` file name into its type. */
export function schemaToType(schema: unknown, resolve: (ref: string) => Type = () => T.any, name?: string): Type {
  if (!schema || typeof schema !== 'object') return T.any;
  const s = schema as Schema;
  if (typeof s['$ref'] === 'string') return resolve(s['$ref']);
  if (Array.isArray(s['enum']) && s['enum'].every((v) => typeof v === 'string')) {
    return T.enumOf(s['enum'] as string[], name);
  }
  let type = s['type'];
  if (Array.isArray(type)) type = type.find((t) => t !== 'null');
  switch (type) {
    case 'string': {
      const fmt = typeof s['format'] === 'string' ? DATE_FORMATS[s['format']] : undefined;
      return fmt ?? T.string;
    }
    case 'number':
    case 'integer':
      return T.number;
    case 'boolean':
      return T.boolean;
    case 'array':
      return T.arrayOf(schemaToType(s['items'], resolve));
    case 'object': {
      const props = (s['properties'] ?? {}) as Record<string, unknown>;
      const required = new Set(Array.isArray(s['required']) ? (s['required'] as string[]) : []);
      const fields: Record<string, Field> = {};
      for (const [key, sub] of Object.entries(props)) {
        const doc = (sub as Schema)?.['description'];
        fields[key] = {
          type: schemaToType(sub, resolve),
          optional: !required.has(key),
          ...(typeof doc === 'string' ? { doc } : {}),
        };
      }
      const open = s['additionalProperties'] !== false && Object.keys(props).length === 0;
      return T.objectOf(fields, name ?? (typeof s['title'] === 'string' ? s['title'] : undefined), open);
    }
    default:
      return T.any;
  }
}

/** Custom fields per context type, from runnel.json's `customFields` (each a JSON Schema fragment). */
export type CustomFieldSchemas = Partial<Record<'customer' | 'order' | 'item' | 'product' | 'action', Record<string, unknown>>>;

const FIELDS_OWNER: Partial<Record<ContextSchemaName, keyof CustomFieldSchemas>> = {
  Customer: 'customer',
  Order: 'order',
  OrderItem: 'item',
  Product: 'product',
  CustomerAction: 'action',
};

/** Custom fields are optional unless the fragment says `"required": true`... they never are at run time. */
export function customFieldsType(fragments: Record<string, unknown> | undefined, name: string): Type {
  const fields: Record<string, Field> = {};
  for (const [key, frag] of Object.entries(fragments ?? {})) {
    const doc = (frag as Schema)?.['description'];
    fields[key] = { type: schemaToType(frag), optional: true, ...(typeof doc === 'string' ? { doc } : {}) };
  }
  return T.objectOf(fields, name);
}

/** All context types of a project, with its custom fields merged, built once per manifest. */
export function buildContextTypes(custom: CustomFieldSchemas): Record<ContextSchemaName, Type> {
  const cache = new Map<string, Type>();
  const build = (name: ContextSchemaName): Type => {
    const hit = cache.get(name);
    if (hit) return hit;
    // Placeholder first: a schema may refer to itself through its items.
    const placeholder = T.objectOf({}, name);
    cache.set(name, placeholder);
    const schema = contextSchemas[name] as JsonSchema;
    const t = schemaToType(schema, (ref) => build(ref.replace(/^.*\//, '').replace(/\.schema\.json$/, '') as ContextSchemaName), name);
    const owner = FIELDS_OWNER[name];
    if (owner && t.kind === 'object' && t.fields['fields']) {
      (t.fields as Record<string, Field>)['fields'] = {
        ...t.fields['fields'],
        optional: false,
        type: customFieldsType(custom[owner], `${name}Fields`),
      };
    }
    Object.assign(placeholder, t);
    return placeholder;
  };
  const out = {} as Record<ContextSchemaName, Type>;
  for (const name of Object.keys(contextSchemas) as ContextSchemaName[]) out[name] = build(name);
  return out;
}
