/**
 * Renders the generated parts of the docs from the sources of truth, so they never drift:
 *
 * - docs/catalog.md: every event of stdlib/events.ts with its options, the context values it
 *   binds, its dynamic waits and how often it fires; then every context type with its fields,
 *   from schemas/context/*.schema.json.
 * - docs/language.md: the "which event binds what" table between the markers
 *   <!-- generated:binds:start --> and <!-- generated:binds:end -->.
 *
 *   npx tsx docs/gen-catalog.ts           # writes the files
 *   npx tsx docs/gen-catalog.ts --check   # exit 1 when a file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENTS } from '../stdlib/events.js';
import { CATEGORY_TITLES, eventsByCategory } from '../stdlib/catalog.js';
import { exampleOptionValue } from '../stdlib/option-examples.js';
import type { Cardinality, ContextName, EventDef, EventOption, OptionType } from '../stdlib/catalog-types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'docs');
const CHECK = process.argv.includes('--check');

type Json = Record<string, any>;

const CONTEXT_ORDER: ContextName[] = ['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params'];

const REF_WORDS: Record<string, string> = {
  segment: 'segment',
  productSegment: 'product segment',
  template: 'template',
  actionTemplate: 'action template',
  customerField: 'customer custom field',
  orderField: 'order custom field',
  productField: 'product custom field',
  calculatedField: 'calculated field',
  operation: 'operation',
  pointAccount: 'points account',
  promoPool: 'promo-code pool',
  brand: 'brand',
  campaign: 'campaign',
  topic: 'subscription topic',
};

const REF_MANIFEST_KEY: Record<string, string> = {
  segment: 'segments',
  productSegment: 'productSegments',
  template: 'templates',
  actionTemplate: 'actionTemplates',
  customerField: 'customFields.customer',
  orderField: 'customFields.order',
  productField: 'customFields.product',
  calculatedField: 'calculatedFields',
  operation: 'operations',
  pointAccount: 'pointAccounts',
  promoPool: 'promoPools',
  brand: 'brands',
  campaign: 'campaigns',
  topic: 'topics',
};

function optionType(t: OptionType): string {
  switch (t.kind) {
    case 'enum':
      return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
    case 'string':
      return 'text (`"shipped"`)';
    case 'number':
      return t.integer ? `whole number${t.min !== undefined ? ` ≥ ${t.min}` : ''}` : 'number';
    case 'boolean':
      return '`true` or `false`';
    case 'threshold':
      return 'percent (`10%`) or amount (`5.00`)';
    case 'duration':
      return 'duration (`2h`)';
    case 'ref': {
      const kinds = [t.ref, ...(t.also ?? [])];
      return `quoted name of ${kinds.map((k) => `${/^[aeiou]/.test(REF_WORDS[k]!) ? 'an' : 'a'} ${REF_WORDS[k]} (\`${REF_MANIFEST_KEY[k]}\`)`).join(' or ')}`;
    }
    case 'list':
      return `${optionType(t.of)}; several as a list \`[a, b]\``;
  }
}

/** A value for an option in a generated example line. */
function sampleValue(o: EventOption): string {
  return exampleOptionValue(o.type, (t) => `"<${REF_WORDS[t.ref]}>"`);
}

function exampleLine(e: EventDef): string {
  const req = e.options.filter((o) => o.required);
  return req.length ? `on ${e.name}(${req.map((o) => `${o.name}: ${sampleValue(o)}`).join(', ')})` : `on ${e.name}`;
}

const CARDINALITY: Record<Cardinality, string> = {
  once: 'once per event',
  per_item: 'once per matching order item',
  per_product: 'once per matching product',
  once_per_batch: 'once per batch of simultaneous changes',
};

const BACKDATED: Record<EventDef['backdated'], string> = {
  relevance: 'accepted if the step still falls within its relevance window',
  latest_only: 'accepted within the relevance window, and only if no later change of the same order has arrived',
  no: 'not accepted',
};

function anchor(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

function bindsText(e: EventDef): string {
  const names = CONTEXT_ORDER.filter((n) => e.binds[n]);
  if (names.length === 0) return 'nothing but `customer`';
  return names.map((n) => `\`${n}\` ([${e.binds[n]}](#${anchor(e.binds[n]!)}))`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Context types
// ---------------------------------------------------------------------------------------------

const CONTEXT_FILES = [
  'Customer',
  'Order',
  'OrderItem',
  'Product',
  'ProductListItem',
  'CustomerActionProduct',
  'ProductView',
  'Session',
  'CustomerAction',
  'CustomerBalanceChange',
  'PromoCode',
  'DiscountCardInfo',
  'CustomParameters',
];

const FIELDS_OF: Record<string, string> = {
  Customer: 'customer',
  Order: 'order',
  OrderItem: 'item',
  Product: 'product',
  CustomerAction: 'action',
};

function schemaType(s: Json | undefined, base: Json): string {
  if (!s) return '?';
  if (s['$ref']) {
    const ref = s['$ref'] as string;
    if (ref.startsWith('#/definitions/')) {
      const def = base['definitions']?.[ref.slice(14)];
      if (def?.enum) return schemaType(def, base);
      const name = def?.title ?? ref.slice(14);
      return `${name} (below)`;
    }
    const name = ref.replace('.schema.json', '');
    return `[${name}](#${anchor(name)})`;
  }
  if (Array.isArray(s['enum'])) return `one of ${(s['enum'] as string[]).map((v) => `\`${v}\``).join(', ')}`;
  const type = Array.isArray(s['type']) ? (s['type'] as string[]).filter((t) => t !== 'null')[0] : s['type'];
  if (type === 'string' && s['format'] === 'date-time') return 'date-time';
  if (type === 'string' && s['format'] === 'date') return 'date';
  if (type === 'array') return `list of ${schemaType(s['items'], base)}`;
  if (type === 'integer') return 'whole number';
  if (type === 'object' && s['additionalProperties'] && typeof s['additionalProperties'] === 'object')
    return `map of ${schemaType(s['additionalProperties'], base)}`;
  return ({ string: 'text', boolean: 'true/false' } as Record<string, string>)[String(type)] ?? String(type ?? 'any');
}

function fieldTable(s: Json, base: Json, prefix: string, title: string): string[] {
  const props = (s['properties'] ?? {}) as Json;
  const required = new Set<string>(s['required'] ?? []);
  const out = ['| field | type | always there? | meaning |', '|---|---|---|---|'];
  for (const [name, p] of Object.entries(props)) {
    let desc = String((p as Json)['description'] ?? '').replace(/\|/g, '\\|');
    let type = schemaType(p as Json, base);
    if (name === 'fields' && FIELDS_OF[title]) {
      type = 'custom fields';
      desc = `Your custom fields, declared in runnel.json under \`customFields.${FIELDS_OF[title]}\`: \`${prefix}.fields.<name>\`.`;
    }
    out.push(`| \`${prefix ? `${prefix}.` : ''}${name}\` | ${type} | ${required.has(name) ? 'yes' : 'no (optional)'} | ${desc} |`);
  }
  return out;
}

const PREFIX: Record<string, string> = {
  Customer: 'customer',
  Order: 'order',
  OrderItem: 'item',
  Product: 'product',
  ProductListItem: 'item',
  CustomerActionProduct: 'item',
  ProductView: 'view',
  Session: 'session',
  CustomerAction: 'action',
  CustomerBalanceChange: 'balance',
  PromoCode: 'promo',
  DiscountCardInfo: 'card',
  CustomParameters: 'params',
};

function contextSection(): string[] {
  const out: string[] = ['## Context types', ''];
  out.push(
    'The fields each context value has. A field marked "no (optional)" may be missing on a given event: comparisons with a missing value are false, and `wait until` needs an `otherwise` for it (see [Missing values](language.md#missing-values)).',
    '',
  );
  for (const name of CONTEXT_FILES) {
    let s: Json;
    try {
      s = JSON.parse(readFileSync(join(ROOT, 'schemas', 'context', `${name}.schema.json`), 'utf8')) as Json;
    } catch {
      continue;
    }
    const binders = EVENTS.filter((e) => Object.values(e.binds).includes(name as never));
    out.push(`### ${name}`, '');
    out.push(String(s['description'] ?? ''), '');
    if (name !== 'Customer') out.push(`Bound by: ${binders.map((e) => `[${e.name}](#${anchor(e.name)})`).join(', ') || '—'}.`, '');
    if (name === 'CustomParameters') {
      out.push(
        "Its fields are the properties of the operation's parameter schema in runnel.json (`operations.<name>`): `params.amount`, `params.orderId`...",
        '',
      );
      continue;
    }
    out.push(...fieldTable(s, s, PREFIX[name]!, name), '');
    if (name === 'Customer') {
      out.push(
        'This table is the profile as it is sent (contracts.md). A flow reads it slightly differently: `email` and `emailStatus` become `customer.email.address`, `customer.email.status`, `customer.email.filled` and `customer.email.valid` (the same for the phone), and `subscriptions` are read through `customer.subscription(...)` and `customer.subscribed(...)`.',
        '',
        'Helpers on the customer (see [Customer helpers](language.md#customer-helpers)): `customer.email.filled`, `customer.email.valid`, `customer.phone.filled`, `customer.phone.valid`, `customer.inSegment("<segment>")`, `customer.subscription(<channel>[, brand: "<brand>"][, topic: "<topic>"])`.',
        '',
      );
    }
    for (const [defName, def] of Object.entries((s['definitions'] ?? {}) as Json)) {
      if ((def as Json)['enum']) continue;
      out.push(`#### ${(def as Json)['title'] ?? defName}`, '', String((def as Json)['description'] ?? ''), '');
      out.push(...fieldTable(def as Json, s, '', ''), '');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// catalog.md
// ---------------------------------------------------------------------------------------------

function catalog(): string {
  const out: string[] = [
    '<!-- Generated by `npx tsx docs/gen-catalog.ts` from stdlib/events.ts and schemas/context/. Do not edit by hand. -->',
    '',
    '# Event catalog',
    '',
    'Every event a flow can start from (`on <Event>(...)`), wait for (`wait for <Event> ...`) or leave on',
    '(`exit on <Event>`), with its options and the context values it binds. The language itself is',
    'described in [language.md](language.md).',
    '',
    'How to read an entry:',
    '',
    '- **Options** go in parentheses after the name: `on OrderStatusChanged(status: "paid", scope: any_item)`.',
    '  Words from a fixed list are written bare (`scope: any_item`); names declared in runnel.json are',
    '  quoted (`segment: "vip"`); several values go in brackets (`kinds: [award, deduction]`).',
    '  An option without a default must be given.',
    '- **Binds**: the context values the flow can use after this trigger (`order.total`, `product.name`...).',
    '  `customer` is always there.',
    '- **Dynamic waits**: the values whose dates `wait until` may use.',
    '- **Fires**: how many times one event launches the flow.',
    '- **Backdated**: what happens to an event whose own time (`at`) is in the past. Independently of',
    '  this, an event older than 7 days when it is uploaded never enters a flow.',
    '',
    '## Events',
    '',
  ];
  for (const [cat, events] of eventsByCategory()) {
    out.push(`- **${CATEGORY_TITLES[cat]}**: ${events.map((e) => `[${e.name}](#${anchor(e.name)})`).join(', ')}`);
  }
  out.push('');
  for (const [cat, events] of eventsByCategory()) {
    out.push(`## ${CATEGORY_TITLES[cat]}`, '');
    for (const e of events) {
      out.push(`### ${e.name}`, '');
      out.push(`*${e.title}.* ${e.doc}`, '');
      out.push('```', exampleLine(e), '```', '');
      if (e.options.length) {
        out.push('| option | value | default | meaning |', '|---|---|---|---|');
        for (const o of e.options) {
          out.push(`| \`${o.name}\` | ${optionType(o.type)} | ${o.required ? '**required**' : (o.default ?? '—')} | ${o.doc} |`);
        }
        out.push('');
      } else out.push('Options: none.', '');
      out.push(`- Binds: ${bindsText(e)}`);
      out.push(`- Dynamic waits: ${e.dynamicWaits.length ? e.dynamicWaits.map((d) => `\`${d}\``).join(', ') : 'none (fixed and timed waits only)'}`);
      out.push(`- Fires: ${CARDINALITY[e.cardinality]}`);
      out.push(`- Backdated: ${BACKDATED[e.backdated]}`);
      if (e.referencePrice)
        out.push(
          `- Compares with: ${{ list: 'the price saved on the list line when the customer added the product', view: 'the price recorded when the customer viewed the product', previous: "the product's previous price" }[e.referencePrice]}`,
        );
      if (e.regional) out.push("- Regional: follows the customer's zone (regional availability and prices)");
      if (e.transactional) out.push('- Suitable for transactional flows with guaranteed send speed');
      out.push('');
    }
  }
  out.push(...contextSection());
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// ---------------------------------------------------------------------------------------------
// The binds table in language.md
// ---------------------------------------------------------------------------------------------

function bindsTable(): string {
  const out = [
    '| event | ' + CONTEXT_ORDER.map((c) => `\`${c}\``).join(' | ') + ' |',
    '|---|' + CONTEXT_ORDER.map(() => ':-:').join('|') + '|',
  ];
  for (const e of EVENTS) {
    out.push(
      `| [${e.name}](catalog.md#${anchor(e.name)}) | ` +
        CONTEXT_ORDER.map((c) => (e.binds[c] ? (e.dynamicWaits.includes(c) ? `${e.binds[c]} ⏱` : e.binds[c]) : '')).join(' | ') +
        ' |',
    );
  }
  return out.join('\n');
}


// ---------------------------------------------------------------------------------------------

let stale = 0;
function write(path: string, text: string): void {
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // new file
  }
  if (old === text) return;
  if (CHECK) {
    stale++;
    console.log(`${path} is out of date: run npx tsx docs/gen-catalog.ts`);
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}

write(join(DOCS, 'catalog.md'), catalog());

const langPath = join(DOCS, 'language.md');
try {
  const lang = readFileSync(langPath, 'utf8');
  const re = /(<!-- generated:binds:start[^>]*-->\n)[\s\S]*?(<!-- generated:binds:end -->)/;
  if (!re.test(lang)) throw new Error('markers missing');
  write(langPath, lang.replace(re, (_m, a: string, b: string) => `${a}${bindsTable()}\n${b}`));
} catch (e) {
  console.log(`language.md: ${(e as Error).message}`);
}
process.exitCode = stale ? 1 : 0;
