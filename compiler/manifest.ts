/**
 * The project manifest (runnel.json): read, validated against schemas/manifest.schema.json, and
 * turned into the name tables the checker looks things up in. Problems point into the JSON text.
 */
import { parseTree, findNodeAtLocation, getNodeValue, printParseErrorCode, parse as parseJsonc, type ParseError, type Node as JsonNode } from 'jsonc-parser';
import { manifestSchema, validateManifest } from '../schemas/index.js';
import { isValidTimeZone, timeZones } from './checker/literals.js';
import { buildContextTypes, schemaToType, type CustomFieldSchemas } from './schema-types.js';
import { DiagnosticBag } from './diagnostics.js';
import type { Span } from './ast.js';
import type { Type } from '../stdlib/types.js';
import type { ContextSchemaName } from '../schemas/index.js';
import { suggest, didYouMean } from './suggest.js';

/** runnel.json as the checker reads it (the schema is the full contract). */
export interface ManifestJson {
  name?: string;
  timezone?: string;
  brands?: string[];
  templates?: Record<string, string[]>;
  segments?: string[];
  pointAccounts?: string[];
  promoPools?: string[];
  customFields?: CustomFieldSchemas;
  operations?: Record<string, unknown>;
  folders?: Record<string, { segment: string }>;
  productSegments?: string[];
  actionTemplates?: string[];
  calculatedFields?: string[];
  campaigns?: string[];
  topics?: string[];
  budgets?: Record<string, { limit: number; period: string }>;
  webhooks?: { allowPrivateNetworks?: boolean; allowedHosts?: string[] };
}

/** A checked manifest with its derived types; shared by every file of the project. */
export interface Manifest {
  json: ManifestJson;
  /** Whether a real runnel.json was read (files outside a project get an empty one). */
  declared: boolean;
  contextTypes: Record<ContextSchemaName, Type>;
  operationTypes: Map<string, Type>;
}

export function emptyManifest(): Manifest {
  return buildManifest({}, false);
}

export function buildManifest(json: ManifestJson, declared = true): Manifest {
  const operationTypes = new Map<string, Type>();
  for (const [name, schema] of Object.entries(json.operations ?? {})) operationTypes.set(name, schemaToType(schema, undefined, `params of ${name}`));
  return { json, declared, contextTypes: buildContextTypes(json.customFields ?? {}), operationTypes };
}

function nodeSpan(node: JsonNode | undefined, fallback: Span): Span {
  return node ? { start: node.offset, end: node.offset + node.length } : fallback;
}

/** The JSON node a pointer like `/templates/emial` names; for a bad key, the key itself. */
function locate(root: JsonNode | undefined, pointer: string, preferKey: boolean): JsonNode | undefined {
  if (!root) return undefined;
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  let node = findNodeAtLocation(root, path);
  // findNodeAtLocation gives the value; a property's key is a nicer target for unknown keys.
  if (preferKey && node?.parent?.type === 'property' && node.parent.children?.[0]) node = node.parent.children[0];
  // Walk up until something exists (a missing property points at its object).
  while (!node && path.length > 0) {
    path.pop();
    node = findNodeAtLocation(root, path);
  }
  return node;
}

/** The top-level keys of runnel.json, from its schema (for "did you mean"). */
const KNOWN_KEYS = Object.keys((manifestSchema['properties'] ?? {}) as object).filter((k) => !k.startsWith('$'));

/** Parses and validates runnel.json text; always returns a usable manifest (empty parts on error). */
export function loadManifest(text: string, diagnostics = new DiagnosticBag()): { manifest: Manifest; diagnostics: DiagnosticBag } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  const whole = { start: 0, end: Math.min(text.length, 1) };
  if (errors.length > 0 || !root) {
    const reported = new Set<number>();
    for (const e of errors) {
      const problem = jsonProblem(text, e);
      // One problem often yields several parser errors at one spot ("property name expected",
      // then "value expected"): the first says it.
      if (reported.has(problem.span.start) || reported.size >= 5) continue;
      reported.add(problem.span.start);
      diagnostics.report('RN0502', problem.span, `runnel.json is not valid JSON: ${problem.message}`, {
        ...(problem.label ? { label: problem.label } : {}),
        help: problem.help ?? 'runnel.json is strict JSON: double-quoted keys, no comments, no trailing commas',
      });
    }
    if (errors.length === 0) diagnostics.report('RN0502', whole, 'runnel.json is empty');
    const loose = parseJsonc(text) as unknown;
    const json = loose && typeof loose === 'object' && !Array.isArray(loose) ? (loose as ManifestJson) : {};
    return { manifest: safeBuild(json), diagnostics };
  }
  const json = getNodeValue(root) as unknown;
  const result = validateManifest(json);
  if (!result.ok) {
    for (const err of result.errors) {
      const unknownKey = /unknown key|must NOT have additional properties|unknown property|additional propert/i.test(err.message)
        ? /'([^']+)'|"([^"]+)"|`([^`]+)`/.exec(err.message)
        : null;
      const node = locate(root, err.path, !!unknownKey);
      const span = nodeSpan(node, whole);
      const keyName = unknownKey ? (unknownKey[1] ?? unknownKey[2] ?? unknownKey[3]) : undefined;
      // The schema's own "did you mean" goes to the help line, where every other suggestion is.
      const [, base = err.message, schemaGuess] = /^(.*?); did you mean "([^"]+)"\?$/.exec(err.message) ?? [];
      const [, expectedList] = /^(.*?); expected one of (.*)$/.exec(base) ?? [];
      const options = schemaGuess ? [schemaGuess] : keyName && err.path.split('/').length <= 2 ? suggest(keyName, KNOWN_KEYS) : [];
      const help = options.length ? `did you mean ${options.map((o) => JSON.stringify(o)).join(' or ')}?` : undefined;
      const clean = base.replace(/; expected one of .*$/, '');
      const where = pointerText(err.path);
      const parent = pointerText(err.path.replace(/\/[^/]*$/, ''));
      // "must be ..." needs its subject; the others name it and say where.
      const message = /^must\b/.test(clean) && where ? `\`${where}\` ${clean}` : parent ? `${clean} in \`${parent}\`` : clean;
      diagnostics.report('RN0501', span, message, {
        ...(unknownKey ? { label: 'unknown key' } : /^must\b/.test(clean) ? { label: 'invalid value' } : /listed twice/.test(clean) ? { label: 'duplicate' } : {}),
        ...(expectedList && !help ? { notes: [`expected one of ${expectedList}`] } : {}),
        ...(!help && /^\/customFields\/[^/]+\/[^/]+$/.test(err.path) ? { notes: ['each custom field is a JSON Schema, like {"type": "string"} or {"type": "string", "format": "date"}'] } : {}),
        ...(help ? { help } : {}),
        ...(options.length === 1 && node ? { fixes: [{ message: `replace with ${JSON.stringify(options[0])}`, span, replacement: JSON.stringify(options[0]) }] } : {}),
      });
    }
  }
  checkTimeZone(root, json as ManifestJson, diagnostics);
  return { manifest: safeBuild(json as ManifestJson), diagnostics };
}

/** The schema only says "a string": the name must also be a time zone this engine knows. */
function checkTimeZone(root: JsonNode, json: ManifestJson, diagnostics: DiagnosticBag): void {
  const zone = json?.timezone;
  if (typeof zone !== 'string' || zone === '' || isValidTimeZone(zone)) return;
  const node = findNodeAtLocation(root, ['timezone']);
  const span = nodeSpan(node, { start: 0, end: 1 });
  const options = suggest(zone, timeZones());
  diagnostics.report('RN0214', span, `unknown time zone "${zone}"`, {
    label: 'not an IANA time zone',
    notes: ['time zones are IANA names like "Europe/Berlin" or "America/New_York"'],
    ...(didYouMean(options, true) ? { help: didYouMean(options, true)! } : {}),
    fixes: options.length ? [{ message: `replace with "${options[0]}"`, span, replacement: JSON.stringify(options[0]) }] : [],
  });
}

/** A manifest with wrong shapes must still give the checker something to work with. */
function safeBuild(json: ManifestJson): Manifest {
  const clean: ManifestJson = {};
  const strArr = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  if (typeof json.name === 'string') clean.name = json.name;
  if (typeof json.timezone === 'string' && isValidTimeZone(json.timezone)) clean.timezone = json.timezone;
  for (const k of ['brands', 'segments', 'pointAccounts', 'promoPools', 'productSegments', 'actionTemplates', 'calculatedFields', 'campaigns', 'topics'] as const) {
    const v = strArr(json[k]);
    if (v) clean[k] = v;
  }
  const templates = obj(json.templates);
  if (templates) {
    clean.templates = {};
    for (const [ch, list] of Object.entries(templates)) clean.templates[ch] = strArr(list) ?? [];
  }
  const cf = obj(json.customFields);
  if (cf) {
    clean.customFields = {};
    for (const [k, v] of Object.entries(cf)) {
      const o = obj(v);
      if (o) (clean.customFields as Record<string, Record<string, unknown>>)[k] = o;
    }
  }
  const ops = obj(json.operations);
  if (ops) clean.operations = ops;
  const folders = obj(json.folders);
  if (folders) {
    clean.folders = {};
    for (const [path, rule] of Object.entries(folders)) {
      const segment = obj(rule)?.['segment'];
      if (typeof segment === 'string') clean.folders[path] = { segment };
    }
  }
  const budgets = obj(json.budgets);
  if (budgets) {
    clean.budgets = {};
    for (const [name, b] of Object.entries(budgets)) {
      const limit = obj(b)?.['limit'];
      const period = obj(b)?.['period'];
      if (typeof limit === 'number' && typeof period === 'string') clean.budgets[name] = { limit, period };
    }
  }
  const webhooks = obj(json.webhooks);
  if (webhooks) {
    clean.webhooks = {};
    if (typeof webhooks['allowPrivateNetworks'] === 'boolean') clean.webhooks.allowPrivateNetworks = webhooks['allowPrivateNetworks'];
    const hosts = strArr(webhooks['allowedHosts']);
    if (hosts) clean.webhooks.allowedHosts = hosts;
  }
  return buildManifest(clean, true);
}

function humanJsonError(code: string): string {
  return code
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** `/budgets/sms/period` → `budgets.sms.period` (array indexes as `[1]`). */
function pointerText(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

/** A JSON syntax error in the words of someone editing runnel.json by hand. */
function jsonProblem(text: string, e: ParseError): { span: Span; message: string; label?: string; help?: string } {
  const code = printParseErrorCode(e.error);
  const span = { start: e.offset, end: e.offset + Math.max(1, e.length) };
  if (code === 'InvalidCommentToken') {
    return { span, message: 'comments are not allowed', label: 'comment', help: 'remove the comment; a "description" in a custom field schema can hold notes' };
  }
  if (code === 'ValueExpected' || code === 'PropertyNameExpected') {
    // A comma right before `]` or `}`: a trailing comma.
    let i = e.offset - 1;
    while (i >= 0 && /\s/.test(text[i]!)) i--;
    if (text[i] === ',' && (text[e.offset] === ']' || text[e.offset] === '}')) {
      return { span: { start: i, end: i + 1 }, message: 'trailing comma', label: 'remove this comma', help: 'JSON allows no comma after the last element' };
    }
  }
  return { span, message: humanJsonError(code) };
}
