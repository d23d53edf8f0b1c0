/**
 * Checks the examples of the documentation and of examples/:
 *
 * - every ```flow block in docs/*.md and every .flow file under examples/ parses with zero
 *   diagnostics;
 * - the names they use exist: events and their options (stdlib/events.ts), context values bound
 *   by the triggers and the fields of their JSON Schemas (schemas/context/), and everything the
 *   manifest declares (templates, segments, pools, accounts, custom fields, operations, budgets...).
 *   Docs examples are checked against examples/shop/runnel.json; a block fenced as ```flow wrong
 *   shows a mistake on purpose and is only parsed.
 *
 * This is a small, conservative lint for the docs, not the type checker (compiler/ owns that).
 *
 *   npx tsx docs/check-examples.ts            # exit 1 when something is wrong
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '../compiler/parse.js';
import type * as A from '../compiler/ast.js';
import { EVENTS } from '../stdlib/events.js';
import { CHANNELS, WEBHOOK_METHODS } from '../stdlib/actions.js';
import type { ContextName, EventDef, OptionType, ManifestRefKind } from '../stdlib/catalog-types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'docs');
const EXAMPLES = join(ROOT, 'examples');
const SHOP_MANIFEST = join(EXAMPLES, 'shop', 'runnel.json');

type Json = Record<string, any>;
let problems = 0;

function report(where: string, msg: string): void {
  problems++;
  console.log(`${where}: ${msg}`);
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

// ---------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------

const schemaCache = new Map<string, Json>();
function loadSchema(file: string): Json {
  let s = schemaCache.get(file);
  if (!s) {
    s = JSON.parse(readFileSync(join(ROOT, 'schemas', 'context', file), 'utf8')) as Json;
    schemaCache.set(file, s);
  }
  return s;
}

/** Resolves `$ref` (another context file or a local definition). */
function deref(s: Json | undefined, base: Json): { schema: Json | undefined; base: Json } {
  let cur = s;
  let b = base;
  for (let i = 0; cur && cur['$ref'] && i < 5; i++) {
    const ref = cur['$ref'] as string;
    if (ref.startsWith('#/definitions/')) cur = b['definitions']?.[ref.slice(14)];
    else {
      b = loadSchema(ref);
      cur = b;
    }
  }
  return { schema: cur, base: b };
}

const FIELD_KIND: Record<string, string> = {
  Order: 'order',
  OrderItem: 'item',
  Product: 'product',
  CustomerAction: 'action',
  Customer: 'customer',
};

/** What an expression stands for, as far as this lint follows it. */
type Ty =
  | { k: 'schema'; schema: Json; base: Json }
  | { k: 'customFields'; kind: string }
  | { k: 'contact' } // customer.email / customer.phone: a string with .filled / .valid
  | { k: 'enum'; values: string[] }
  | { k: 'list'; of: Ty }
  | { k: 'unknown' };

function tyOfSchema(s: Json | undefined, base: Json): Ty {
  const r = deref(s, base);
  if (!r.schema) return { k: 'unknown' };
  if (Array.isArray(r.schema['enum'])) return { k: 'enum', values: r.schema['enum'] as string[] };
  if (r.schema['type'] === 'array') return { k: 'list', of: tyOfSchema(r.schema['items'], r.base) };
  return { k: 'schema', schema: r.schema, base: r.base };
}

// ---------------------------------------------------------------------------------------------
// Manifest
// ---------------------------------------------------------------------------------------------

interface Manifest {
  raw: Json;
  names(kind: ManifestRefKind): string[];
}

function loadManifest(path: string): Manifest {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Json;
  const cf = (k: string) => Object.keys(raw['customFields']?.[k] ?? {});
  return {
    raw,
    names(kind) {
      switch (kind) {
        case 'segment':
          return raw['segments'] ?? [];
        case 'productSegment':
          return raw['productSegments'] ?? [];
        case 'template':
          return Object.values(raw['templates'] ?? {}).flat() as string[];
        case 'actionTemplate':
          return raw['actionTemplates'] ?? [];
        case 'customerField':
          return cf('customer');
        case 'orderField':
          return cf('order');
        case 'productField':
          return cf('product');
        case 'calculatedField':
          return raw['calculatedFields'] ?? [];
        case 'operation':
          return Object.keys(raw['operations'] ?? {});
        case 'pointAccount':
          return raw['pointAccounts'] ?? [];
        case 'promoPool':
          return raw['promoPools'] ?? [];
        case 'brand':
          return raw['brands'] ?? [];
        case 'campaign':
          return raw['campaigns'] ?? [];
        case 'topic':
          return raw['topics'] ?? [];
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The lint
// ---------------------------------------------------------------------------------------------

const EVENT_BY_NAME = new Map(EVENTS.map((e) => [e.name, e]));
const CUSTOMER_SCHEMA = loadSchema('Customer.schema.json');
const SUBSCRIPTION_VALUES = ['subscribed', 'pending', 'unsubscribed'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SCHEDULE_UNITS = ['day', 'weekday', 'month', ...DAYS];
const PERIODS = ['hour', 'day', 'week', 'month'];

class Lint {
  constructor(
    private readonly where: string,
    private readonly text: string,
    private readonly m: Manifest,
  ) {}

  private err(node: { span: A.Span }, msg: string): void {
    report(`${this.where}:${lineOf(this.text, node.span.start)}`, msg);
  }

  private declared(node: { span: A.Span }, kind: ManifestRefKind, name: string, what: string): void {
    if (!this.m.names(kind).includes(name)) this.err(node, `${what} "${name}" is not declared in the manifest`);
  }

  flow(f: A.FlowDecl, fileStem?: string): void {
    if (fileStem !== undefined && f.name.name !== fileStem) this.err(f.name, `flow ${f.name.name} is in a file named ${fileStem}.flow`);
    if (f.triggers.length === 0) this.err(f, `flow ${f.name.name} has no trigger`);
    const events: EventDef[] = [];
    let scheduled = false;
    for (const t of f.triggers) {
      if (t.kind === 'EventTrigger') {
        const ev = this.eventRef(t.event);
        if (ev) events.push(ev);
        if (t.when) this.whenExpr(t.when);
      } else {
        scheduled = true;
        this.schedule(t);
      }
    }
    if (scheduled && events.length) this.err(f, 'scheduled and event triggers mixed');
    for (const s of f.settings) {
      if (s.kind === 'BrandSetting') this.declared(s.brand, 'brand', s.brand.value, 'brand');
      if (s.kind === 'ExitSetting') {
        const ev = this.eventRef(s.event);
        if (s.where && ev) this.expr(s.where, this.scope([ev]));
      }
    }
    const scope = scheduled ? new Map<string, Ty>() : this.scope(events);
    this.blocks(f.body, scope);
  }

  /** Context values bound by all of the triggers (a flow with two triggers sees what both bind). */
  private scope(events: EventDef[]): Map<string, Ty> {
    const out = new Map<string, Ty>();
    if (events.length === 0) return out;
    const names = Object.keys(events[0]!.binds).filter((n) =>
      events.every((e) => (e.binds as Record<string, string>)[n] !== undefined),
    ) as ContextName[];
    for (const n of names) {
      const typeName = events[0]!.binds[n]!;
      if (n === 'params') {
        out.set(n, { k: 'unknown' });
        continue;
      }
      const s = loadSchema(`${typeName}.schema.json`);
      out.set(n, { k: 'schema', schema: s, base: s });
    }
    return out;
  }

  private eventRef(r: A.EventRef): EventDef | undefined {
    const ev = EVENT_BY_NAME.get(r.name.name);
    if (!ev) {
      this.err(r.name, `unknown event ${r.name.name}`);
      return undefined;
    }
    for (const o of r.options) {
      const def = ev.options.find((d) => d.name === o.name.name);
      if (!def) {
        this.err(o.name, `${ev.name} has no option ${o.name.name}`);
        continue;
      }
      this.optionValue(o.value, def.type, `${ev.name}(${def.name})`);
    }
    for (const d of ev.options) {
      if (d.required && !r.options.some((o) => o.name.name === d.name)) this.err(r, `${ev.name} needs the option ${d.name}`);
    }
    return ev;
  }

  private optionValue(v: A.Expr, t: OptionType, what: string): void {
    switch (t.kind) {
      case 'list':
        if (v.kind === 'List') for (const e of v.elements) this.optionValue(e, t.of, what);
        else this.optionValue(v, t.of, what);
        return;
      case 'enum':
        if (v.kind !== 'Name' || !t.values.includes(v.name)) this.err(v, `${what}: expected one of ${t.values.join(', ')}`);
        return;
      case 'ref':
        if (v.kind !== 'String') this.err(v, `${what}: expected a quoted name`);
        else if (![t.ref, ...(t.also ?? [])].some((k) => this.m.names(k).includes(v.value)))
          this.err(v, `${what}: "${v.value}" is not declared in the manifest (${t.ref})`);
        return;
      case 'threshold':
        if (v.kind !== 'Percent' && v.kind !== 'Number') this.err(v, `${what}: expected 10% or 5.00`);
        return;
      case 'number':
        if (v.kind !== 'Number') this.err(v, `${what}: expected a number`);
        return;
      case 'boolean':
        if (v.kind !== 'Boolean') this.err(v, `${what}: expected true or false`);
        return;
      case 'string':
        if (v.kind !== 'String') this.err(v, `${what}: expected a string`);
        return;
      case 'duration':
        if (v.kind !== 'Duration') this.err(v, `${what}: expected a duration`);
        return;
    }
  }

  private schedule(t: A.ScheduleTrigger): void {
    for (const u of t.units) if (!SCHEDULE_UNITS.includes(u.name)) this.err(u, `unknown schedule word ${u.name}`);
    for (const d of t.monthDays) if (d.kind === 'Ident' && d.name !== 'last') this.err(d, `unknown day of the month ${d.name}`);
    if (t.segment) this.declared(t.segment, 'segment', t.segment.value, 'segment');
  }

  private whenExpr(e: A.Expr): void {
    const visit = (x: A.Expr): void => {
      if (x.kind === 'Binary' && (x.op === 'and' || x.op === 'or')) {
        visit(x.left);
        visit(x.right);
      } else if (x.kind === 'Unary' && x.op === 'not') visit(x.operand);
      else {
        if (!isEntryCondition(x))
          this.err(x, 'an entry filter (`when`) may only test contacts, segments, subscriptions and push permissions of the customer');
        this.expr(x, new Map());
      }
    };
    visit(e);
  }

  private blocks(bs: A.Block[], scope: Map<string, Ty>): void {
    for (const b of bs) this.block(b, scope);
  }

  private block(b: A.Block, scope: Map<string, Ty>): void {
    switch (b.kind) {
      case 'Steps':
        for (const a of b.actions) this.action(a, scope);
        return;
      case 'WaitFixed':
        if (b.within) for (const d of b.within.days) for (const x of [d.from, d.to]) if (x && !DAYS.includes(x.name)) this.err(x, `unknown day ${x.name}`);
        return;
      case 'WaitUntil':
        this.expr(b.at, scope);
        return;
      case 'WaitForEvent': {
        const ev = this.eventRef(b.event);
        const inner = new Map(scope);
        if (ev) for (const [k, v] of this.scope([ev])) inner.set(k, v);
        if (b.where) this.expr(b.where, inner);
        this.blocks(b.onEvent, inner);
        if (b.onTimeout) this.blocks(b.onTimeout, scope);
        return;
      }
      case 'If':
        for (const br of b.branches) {
          this.expr(br.condition, scope);
          this.blocks(br.body, scope);
        }
        if (b.otherwise) this.blocks(b.otherwise, scope);
        return;
      case 'Split': {
        const total = b.variants.reduce((s, v) => s + v.percent.value, 0);
        if (total > 100) this.err(b, `split adds up to ${total}%`);
        for (const v of b.variants) this.blocks(v.body, scope);
        return;
      }
      case 'Parallel':
        for (const br of b.branches) this.blocks(br.body, scope);
        return;
      case 'Limit': {
        if (b.period.kind === 'Ident' && !PERIODS.includes(b.period.name)) this.err(b.period, `unknown period ${b.period.name}`);
        const budget = b.blockId ? this.m.raw['budgets']?.[b.blockId.name] : undefined;
        if (budget && b.period.kind === 'Ident' && (budget.limit !== b.count.value || budget.period !== b.period.name))
          this.err(b, `limit ${b.blockId!.name} says ${b.count.value} per ${b.period.name}, the budget says ${budget.limit} per ${budget.period}`);
        this.blocks(b.body, scope);
        if (b.otherwise) this.blocks(b.otherwise, scope);
        return;
      }
      case 'Stop':
        return;
    }
  }

  private action(a: A.Action, scope: Map<string, Ty>): void {
    switch (a.kind) {
      case 'Send': {
        if (!CHANNELS.includes(a.channel.name)) this.err(a.channel, `unknown channel ${a.channel.name}`);
        const list: string[] = this.m.raw['templates']?.[a.channel.name] ?? [];
        if (!list.includes(a.template.value)) this.err(a.template, `${a.channel.name} template "${a.template.value}" is not declared`);
        if (a.params) for (const e of a.params.entries) this.expr(e.value, scope);
        return;
      }
      case 'Webhook':
        if (!WEBHOOK_METHODS.includes(a.method.name)) this.err(a.method, `unknown method ${a.method.name}`);
        if (a.body) for (const e of a.body.entries) this.expr(e.value, scope);
        return;
      case 'IssuePromo':
        this.declared(a.pool, 'promoPool', a.pool.value, 'promo pool');
        return;
      case 'AwardPoints':
        this.declared(a.account, 'pointAccount', a.account.value, 'points account');
        this.expr(a.amount, scope);
        return;
      case 'Set': {
        const t = a.target;
        if (!(t.kind === 'Member' && t.object.kind === 'Member' && t.object.property.name === 'fields' && rootName(t) === 'customer'))
          return this.err(t, 'only customer.fields.<name> can be set');
        const field = this.m.raw['customFields']?.['customer']?.[t.property.name];
        if (!field) return this.err(t.property, `customer field ${t.property.name} is not declared`);
        if (a.value.kind === 'Name' && Array.isArray(field['enum'])) {
          if (!field['enum'].includes(a.value.name)) this.err(a.value, `${a.value.name} is not one of ${field['enum'].join(', ')}`);
        } else this.expr(a.value, scope);
        return;
      }
      case 'SegmentAdd':
      case 'SegmentRemove':
        this.declared(a.segment, 'segment', a.segment.value, 'segment');
        return;
    }
  }

  /** Follows an expression; returns what it stands for where that is known. */
  private expr(e: A.Expr, scope: Map<string, Ty>): Ty {
    switch (e.kind) {
      case 'Name': {
        if (e.name === 'customer') return { k: 'schema', schema: CUSTOMER_SCHEMA, base: CUSTOMER_SCHEMA };
        const t = scope.get(e.name);
        if (t) return t;
        this.err(e, `unknown name ${e.name} (not bound here)`);
        return { k: 'unknown' };
      }
      case 'Member': {
        const obj = this.expr(e.object, scope);
        return this.member(obj, e);
      }
      case 'Call':
        return this.call(e, scope);
      case 'Index': {
        const obj = this.expr(e.object, scope);
        this.expr(e.index, scope);
        return obj.k === 'list' ? obj.of : { k: 'unknown' };
      }
      case 'Unary':
        this.expr(e.operand, scope);
        return { k: 'unknown' };
      case 'Binary': {
        const l = this.expr(e.left, scope);
        const enumSide = (t: Ty, other: A.Expr): boolean => {
          if (t.k !== 'enum') return false;
          const words = other.kind === 'List' ? other.elements : [other];
          for (const w of words) {
            if (w.kind === 'Name' && !scope.has(w.name) && w.name !== 'customer') {
              if (!t.values.includes(w.name)) this.err(w, `${w.name} is not one of ${t.values.join(', ')}`);
            } else this.expr(w, scope);
          }
          return true;
        };
        if (['==', '!=', 'in', 'not in'].includes(e.op) && enumSide(l, e.right)) return { k: 'unknown' };
        this.expr(e.right, scope);
        return { k: 'unknown' };
      }
      case 'List':
        for (const x of e.elements) this.expr(x, scope);
        return { k: 'unknown' };
      default:
        return { k: 'unknown' };
    }
  }

  private member(obj: Ty, e: A.MemberExpr): Ty {
    const p = e.property.name;
    if (obj.k === 'contact') {
      if (p !== 'filled' && p !== 'valid') this.err(e.property, `customer contact has .filled and .valid, not .${p}`);
      return { k: 'unknown' };
    }
    if (obj.k === 'customFields') {
      const f = this.m.raw['customFields']?.[obj.kind]?.[p];
      if (!f) {
        this.err(e.property, `${obj.kind} custom field ${p} is not declared in the manifest`);
        return { k: 'unknown' };
      }
      return Array.isArray(f['enum']) ? { k: 'enum', values: f['enum'] } : { k: 'unknown' };
    }
    if (obj.k !== 'schema') return { k: 'unknown' };
    const title = obj.schema['title'] as string | undefined;
    if (title === 'Customer' && (p === 'email' || p === 'phone')) return { k: 'contact' };
    if (title === 'Customer' && (p === 'inSegment' || p === 'subscription')) return { k: 'unknown' };
    if (p === 'fields' && title && FIELD_KIND[title]) return { k: 'customFields', kind: FIELD_KIND[title]! };
    const props = obj.schema['properties'] as Json | undefined;
    if (props && !(p in props)) {
      this.err(e.property, `${title ?? 'this value'} has no field ${p}`);
      return { k: 'unknown' };
    }
    return tyOfSchema(props?.[p], obj.base);
  }

  private call(e: A.CallExpr, scope: Map<string, Ty>): Ty {
    const c = e.callee;
    if (c.kind === 'Name') {
      const args = e.args.map((a) => a.value);
      switch (c.name) {
        case 'exists':
          if (args.length !== 1) this.err(e, 'exists takes one value');
          args.forEach((a) => this.expr(a, scope));
          return { k: 'unknown' };
        case 'any':
        case 'all':
        case 'count':
        case 'sum': {
          const list = args[0] ? this.expr(args[0], scope) : { k: 'unknown' as const };
          if (c.name !== 'count' && args.length !== 2) this.err(e, `${c.name} takes a list and a predicate`);
          if (args[1]) {
            const inner = new Map(scope);
            inner.set('it', list.k === 'list' ? list.of : { k: 'unknown' });
            this.expr(args[1], inner);
          }
          return { k: 'unknown' };
        }
      }
      this.err(c, `unknown function ${c.name}`);
      return { k: 'unknown' };
    }
    if (c.kind === 'Member' && rootName(c) === 'customer' && c.object.kind === 'Name') {
      if (c.property.name === 'inSegment') {
        const a = e.args[0]?.value;
        if (!a || a.kind !== 'String') this.err(e, 'inSegment takes a quoted segment name');
        else this.declared(a, 'segment', a.value, 'segment');
        return { k: 'unknown' };
      }
      if (c.property.name === 'subscription') {
        for (const a of e.args) {
          if (!a.name) {
            if (a.value.kind !== 'Name' || !CHANNELS.includes(a.value.name)) this.err(a, 'subscription takes a channel');
          } else if (a.name.name === 'brand' && a.value.kind === 'String') this.declared(a.value, 'brand', a.value.value, 'brand');
          else if (a.name.name === 'topic' && a.value.kind === 'String') this.declared(a.value, 'topic', a.value.value, 'topic');
          else this.err(a, `subscription has no argument ${a.name.name}`);
        }
        return { k: 'enum', values: SUBSCRIPTION_VALUES };
      }
    }
    this.err(e, 'unknown function');
    return { k: 'unknown' };
  }
}

/** The customer conditions of 002 allowed in `when`: one of them, possibly compared (subscription). */
function isEntryCondition(x: A.Expr): boolean {
  const path = (e: A.Expr): string => {
    if (e.kind === 'Name') return e.name;
    if (e.kind === 'Member') return `${path(e.object)}.${e.property.name}`;
    if (e.kind === 'Call') return `${path(e.callee)}()`;
    return '?';
  };
  const p = x.kind === 'Binary' ? path(x.left) : path(x);
  return [
    'customer.email.filled',
    'customer.email.valid',
    'customer.phone.filled',
    'customer.phone.valid',
    'customer.mobilePush',
    'customer.webPush',
    'customer.inSegment()',
    'customer.subscription()',
  ].includes(p) && (x.kind !== 'Binary' || p === 'customer.subscription()');
}

function rootName(e: A.Expr): string | undefined {
  let x: A.Expr = e;
  for (;;) {
    if (x.kind === 'Member' || x.kind === 'Index') x = x.object;
    else if (x.kind === 'Call') x = x.callee;
    else if (x.kind === 'Binary') x = x.left;
    else break;
  }
  return x.kind === 'Name' ? x.name : undefined;
}

// ---------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------

function checkSource(where: string, text: string, manifest: Manifest | undefined, fileStem?: string): number {
  const r = parse(text);
  for (const d of r.diagnostics.items) report(`${where}:${lineOf(text, d.span.start)}`, `${d.code} ${d.message}`);
  if (r.diagnostics.items.length === 0 && manifest) {
    const lint = new Lint(where, text, manifest);
    for (const f of r.ast.flows) lint.flow(f, fileStem);
  }
  return r.ast.flows.length;
}

function walk(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** The nearest runnel.json at or above the file, within examples/. */
function manifestFor(file: string): Manifest | undefined {
  for (let d = dirname(file); d.startsWith(EXAMPLES); d = dirname(d)) {
    try {
      return loadManifest(join(d, 'runnel.json'));
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const shop = loadManifest(SHOP_MANIFEST);
let blocks = 0;
let flows = 0;
for (const md of walk(DOCS, '.md')) {
  const text = readFileSync(md, 'utf8');
  const fence = /^```flow([^\n]*)\n([\s\S]*?)^```/gm;
  for (const m of text.matchAll(fence)) {
    blocks++;
    const info = m[1]!.trim();
    const startLine = lineOf(text, m.index!) + 1;
    const where = `${relative(ROOT, md)}:${startLine}(block)`;
    const n = checkSource(where, m[2]!, info === 'wrong' ? undefined : shop);
    if (n === 0) report(where, 'a ```flow block must hold a complete flow');
    flows += n;
  }
}
let files = 0;
for (const f of walk(EXAMPLES, '.flow')) {
  files++;
  const m = manifestFor(f);
  flows += checkSource(relative(ROOT, f), readFileSync(f, 'utf8'), m, basename(f, '.flow'));
}
console.log(`${blocks} docs blocks, ${files} example files, ${flows} flows: ${problems === 0 ? 'all fine' : `${problems} problem(s)`}`);
process.exitCode = problems === 0 ? 0 : 1;
