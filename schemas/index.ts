/**
 * The JSON Schemas of runnel (context types, customer profile, project manifest, event envelope,
 * simulate control lines) as plain objects, plus ajv validation helpers.
 *
 * Browser-safe: no node: imports, no file system. The schemas are JSON modules (import
 * attributes), so bundlers inline them and Node (>= 20.10) loads them natively.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fastDateTime } from './fast-date-time.js';
import type { ContextTypeName } from '../stdlib/catalog-types.js';

import CustomerSchema from './context/Customer.schema.json' with { type: 'json' };
import CustomerActionSchema from './context/CustomerAction.schema.json' with { type: 'json' };
import CustomerActionProductSchema from './context/CustomerActionProduct.schema.json' with { type: 'json' };
import CustomerBalanceChangeSchema from './context/CustomerBalanceChange.schema.json' with { type: 'json' };
import CustomParametersSchema from './context/CustomParameters.schema.json' with { type: 'json' };
import DiscountCardInfoSchema from './context/DiscountCardInfo.schema.json' with { type: 'json' };
import OrderSchema from './context/Order.schema.json' with { type: 'json' };
import OrderItemSchema from './context/OrderItem.schema.json' with { type: 'json' };
import ProductSchema from './context/Product.schema.json' with { type: 'json' };
import ProductListItemSchema from './context/ProductListItem.schema.json' with { type: 'json' };
import ProductViewSchema from './context/ProductView.schema.json' with { type: 'json' };
import PromoCodeSchema from './context/PromoCode.schema.json' with { type: 'json' };
import SessionSchema from './context/Session.schema.json' with { type: 'json' };
import controlSchemaJson from './control.schema.json' with { type: 'json' };
import eventSchemaJson from './event.schema.json' with { type: 'json' };
import manifestSchemaJson from './manifest.schema.json' with { type: 'json' };

export type * from './generated/index.js';

/** A JSON Schema (draft-07) as a plain object. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Names of the schemas under schemas/context/: the context types plus the customer profile. */
export type ContextSchemaName = ContextTypeName | 'Customer';

/** Base of every schema's `$id`: `https://schemas.runnel.dev/context/Order.schema.json`. */
export const SCHEMA_BASE_URI = 'https://schemas.runnel.dev/';

/** The context type schemas and the customer profile, by type name. */
export const contextSchemas: Readonly<Record<ContextSchemaName, JsonSchema>> = {
  Order: OrderSchema,
  OrderItem: OrderItemSchema,
  Product: ProductSchema,
  ProductListItem: ProductListItemSchema,
  ProductView: ProductViewSchema,
  Session: SessionSchema,
  CustomerAction: CustomerActionSchema,
  CustomerActionProduct: CustomerActionProductSchema,
  CustomerBalanceChange: CustomerBalanceChangeSchema,
  PromoCode: PromoCodeSchema,
  DiscountCardInfo: DiscountCardInfoSchema,
  CustomParameters: CustomParametersSchema,
  Customer: CustomerSchema,
};

/** The project manifest, runnel.json. */
export const manifestSchema: JsonSchema = manifestSchemaJson;
/** The event envelope (simulate events lines, POST /v1/events bodies). */
export const eventSchema: JsonSchema = eventSchemaJson;
/** A simulate control line: {"control":"launch"|"pause"|"resume"|"stop", "at", "source"?, "flow"?}. */
export const controlSchema: JsonSchema = controlSchemaJson;

/** Every schema, each carrying its own `$id`. */
export const allSchemas: readonly JsonSchema[] = [
  ...Object.values(contextSchemas),
  manifestSchema,
  eventSchema,
  controlSchema,
];

/** The `$id` of a schema. */
export function schemaId(schema: JsonSchema): string {
  const id = schema.$id;
  if (typeof id !== 'string') throw new Error('schema without $id');
  return id;
}

// ajv-formats is CommonJS with `exports.default`; depending on the loader the default import is the
// plugin itself (Node) or the module object (some bundlers / type view under NodeNext).
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats: FormatsPlugin =
  ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
    (addFormatsModule as unknown as FormatsPlugin));

/**
 * A new ajv instance (allErrors, strict, formats from ajv-formats) with every runnel schema added
 * under its `$id`. Callers may add their own schemas to it (e.g. a manifest's custom fields).
 */
export function createValidator(options: { checkSchemas?: boolean } = {}): Ajv {
  // Checking our own schemas against the JSON Schema meta-schema costs a third of the CLI's start;
  // they do not change at run time, so a test does it once (checkSchemas: true) instead.
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, validateSchema: options.checkSchemas ?? false });
  addFormats(ajv);
  const dateTime = ajv.formats['date-time'] as { validate: (s: string) => boolean; compare: (a: string, b: string) => number | undefined };
  ajv.addFormat('date-time', { type: 'string', validate: fastDateTime(dateTime.validate), compare: dateTime.compare });
  for (const schema of allSchemas) ajv.addSchema(schema as object, schemaId(schema));
  return ajv;
}

/** A problem found by a schema, at a JSON pointer into the validated document. */
export interface SchemaError {
  /** JSON pointer to the offending value or key: `/templates/emial`, `/order/total`, `/id`; `` = the whole document. */
  path: string;
  message: string;
}

export type ValidationResult = { ok: true } | { ok: false; errors: SchemaError[] };

let sharedAjv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(id: string): ValidateFunction {
  let validate = compiled.get(id);
  if (!validate) {
    sharedAjv ??= createValidator();
    validate = sharedAjv.getSchema(id);
    if (!validate) throw new Error(`unknown schema ${id}`);
    compiled.set(id, validate);
  }
  return validate;
}

function run(id: string, json: unknown): ValidationResult {
  const validate = validatorFor(id);
  if (validate(json)) return { ok: true };
  return { ok: false, errors: formatErrors(validate.errors ?? []) };
}

/** Validates a parsed runnel.json. */
export function validateManifest(json: unknown): ValidationResult {
  return run(schemaId(manifestSchema), json);
}

/** Validates a parsed event (the envelope and its context objects; `item` is checked by the catalog). */
export function validateEvent(json: unknown): ValidationResult {
  return run(schemaId(eventSchema), json);
}

/** Validates a parsed simulate control line. */
export function validateControl(json: unknown): ValidationResult {
  return run(schemaId(controlSchema), json);
}

/** Validates a full customer profile (simulate --customers lines, PUT /v1/customers/:id). */
export function validateCustomer(json: unknown): ValidationResult {
  return run(schemaId(contextSchemas.Customer), json);
}

/** Validates a context object against its type, e.g. an event's `item` once the catalog knows its type. */
export function validateContext(name: ContextSchemaName, json: unknown): ValidationResult {
  return run(schemaId(contextSchemas[name]), json);
}

// ---------------------------------------------------------------------------------------------
// Error messages, for people

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A short value is shown as written (`"abc"`, `1.5`); anything else by its kind (`a list`). */
function describeValue(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    const written = JSON.stringify(value);
    if (written.length <= 40) return written;
  }
  return describeType(typeOf(value));
}

const FORMAT_EXAMPLES: Record<string, string> = {
  'date-time': 'a date and time such as 2026-06-06T20:00:00Z',
  date: 'a date such as 2026-06-06',
  time: 'a time such as 20:00:00Z',
  email: 'an email address',
  uri: 'an absolute URL',
};

/** Edit distance counting an adjacent transposition ("vaild" → "valid") as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate to a misspelt name, if it is close enough to be a likely typo. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function formatError(error: ErrorObject): SchemaError | undefined {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'if':
      return undefined; // the failing `then` reports the actual problem
    case 'required': {
      const name = String(params.missingProperty);
      return { path: `${at}/${escapePointer(name)}`, message: `"${name}" is required` };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(parent?.properties ?? {});
      const suggestion = closestName(name, known);
      let message = `unknown key "${name}"`;
      if (suggestion) message += `; did you mean "${suggestion}"?`;
      else if (known.length > 0 && known.length <= 12) message += `; expected one of ${quoteList(known)}`;
      return { path: `${at}/${escapePointer(name)}`, message };
    }
    case 'type':
      return { path: at, message: `must be ${describeType(params.type)}, not ${describeValue(error.data)}` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const suggestion =
        typeof error.data === 'string'
          ? closestName(error.data, allowed.filter((v): v is string => typeof v === 'string'))
          : undefined;
      let message = `must be one of ${quoteList(allowed)}`;
      if (suggestion) message += `; did you mean "${suggestion}"?`;
      return { path: at, message };
    }
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'format': {
      const format = String(params.format);
      return { path: at, message: `must be ${FORMAT_EXAMPLES[format] ?? `in the ${format} format`}` };
    }
    case 'minLength':
      return { path: at, message: params.limit === 1 ? 'must not be empty' : `must have at least ${String(params.limit)} characters` };
    case 'uniqueItems': {
      const items = Array.isArray(error.data) ? (error.data as unknown[]) : [];
      const later = Math.max(Number(params.i), Number(params.j));
      return { path: `${at}/${later}`, message: `${JSON.stringify(items[later])} is listed twice` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: at, message: `must be ${String(params.comparison)} ${String(params.limit)}` };
    default:
      return { path: at, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** ajv errors as {path, message}, for people: JSON pointers to the offending key or value. */
export function formatErrors(errors: readonly ErrorObject[]): SchemaError[] {
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const formatted = formatError(error);
    if (!formatted) continue;
    const key = `${formatted.path}\u0000${formatted.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(formatted);
  }
  return out;
}
