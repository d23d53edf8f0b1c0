/**
 * Differential test: random well-typed expressions over a fixed context are generated as source
 * text, compiled by the real compiler and run by the VM, and compared with a small reference
 * evaluator written here over the parsed AST. The reference is independent of the VM: its own value
 * representation, JSON converted up front by the declared types (where the VM reads ISO text by its
 * format), its own calendar, Intl directly for the time zone. It follows docs/language.md and the
 * decisions of docs/bytecode.md ("Expression VM").
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as A from '../../../compiler/ast.js';
import { compileProject } from '../../../compiler/bytecode/compile.js';
import { verifyFlow } from '../../../compiler/bytecode/verify.js';
import { literalToEpoch } from '../../../compiler/time.js';
import { checked } from '../../bytecode/helpers.js';
import { DateTime, DateValue, Duration, Percent, TimeOfDay, evaluate, type Value } from '../../../runtime/vm/index.js';
import { ANN, BARE, ORDER, paramsFlow, VM_MANIFEST } from './helpers.js';

// ---------- the reference evaluator ----------

type R =
  | { k: 'missing' }
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'bool'; v: boolean }
  | { k: 'dur'; ms: number }
  | { k: 'date'; day: number }
  | { k: 'dt'; ms: number }
  | { k: 'time'; min: number }
  | { k: 'pct'; v: number }
  | { k: 'list'; items: R[] }
  | { k: 'obj'; fields: Record<string, R> };

const DAY = 86_400_000;
const MISSING: R = { k: 'missing' };
const num = (v: number): R => (Number.isFinite(v) ? { k: 'num', v } : MISSING);
const str = (v: string): R => ({ k: 'str', v });
const bool = (v: boolean): R => ({ k: 'bool', v });
const dur = (ms: number): R => (Number.isFinite(ms) ? { k: 'dur', ms } : MISSING);
// Years 1000 to 9999.
const FIRST_DAY = Math.round(new Date('1000-01-01T00:00:00Z').getTime() / DAY);
const LAST_DAY = Math.round(new Date('9999-12-31T00:00:00Z').getTime() / DAY);
const date = (day: number): R => (day >= FIRST_DAY && day <= LAST_DAY ? { k: 'date', day } : MISSING);
const dt = (ms: number): R => (ms >= FIRST_DAY * DAY && ms < (LAST_DAY + 1) * DAY ? { k: 'dt', ms } : MISSING);

function dayOfIso(iso: string): number {
  return Math.round(new Date(`${iso}T00:00:00Z`).getTime() / DAY);
}
function isoOfDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** The reference's view of time zones: Intl directly. */
class Zone {
  private readonly fmt: Intl.DateTimeFormat;
  constructor(readonly name: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', { timeZone: name, year: 'numeric', month: 'numeric', day: 'numeric' });
  }
  midnight(day: number): number {
    return literalToEpoch(isoOfDay(day), this.name);
  }
  dayOf(ms: number): number {
    const p = Object.fromEntries(this.fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    const d = new Date(0);
    d.setUTCFullYear(Number(p['year']), Number(p['month']) - 1, Number(p['day']));
    return Math.round(d.getTime() / DAY);
  }
}

// JSON → R by the declared types of the fixed context.
type Shape = 'num' | 'str' | 'bool' | 'date' | 'dt' | { list: Shape } | { obj: Record<string, Shape> };
const ITEM: Shape = { obj: { id: 'str', productId: 'str', status: 'str', price: 'num', quantity: 'num', discount: 'num' } };
const ORDER_SHAPE: Shape = {
  obj: {
    id: 'str',
    status: 'str',
    total: 'num',
    subtotal: 'num',
    discount: 'num',
    currency: 'str',
    createdAt: 'dt',
    items: { list: ITEM },
    promoCodes: { list: 'str' },
    fields: { obj: { deliveryDate: 'dt', giftWrap: 'bool' } },
  },
};

function fromJson(json: unknown, shape: Shape): R {
  if (json === undefined || json === null) return MISSING;
  if (shape === 'num') return num(json as number);
  if (shape === 'str') return str(json as string);
  if (shape === 'bool') return bool(json as boolean);
  if (shape === 'date') return date(dayOfIso(json as string));
  if (shape === 'dt') return dt(Date.parse(json as string));
  if ('list' in shape) return { k: 'list', items: (json as unknown[]).map((x) => fromJson(x, shape.list)) };
  const fields: Record<string, R> = {};
  for (const [k, s] of Object.entries(shape.obj)) fields[k] = fromJson((json as Record<string, unknown>)[k], s);
  return { k: 'obj', fields };
}

interface Profile {
  email?: string;
  emailStatus?: string;
  phone?: string;
  phoneStatus?: string;
  segments?: string[];
  subscriptions?: Array<{ brand: string; channel: string; topic?: string | null; status: string }>;
  mobilePush?: boolean;
  webPush?: boolean;
  firstName?: string;
  fields?: { tier?: string; birthday?: string; score?: number };
}

function customerOf(p: Profile): R {
  const contact = (address: string | undefined, status: string | undefined): R => {
    const s = status ?? 'unknown';
    return { k: 'obj', fields: { address: address ? str(address) : MISSING, filled: bool(!!address), valid: bool(!!address && s === 'valid'), status: str(s) } };
  };
  return {
    k: 'obj',
    fields: {
      firstName: p.firstName ? str(p.firstName) : MISSING,
      email: contact(p.email, p.emailStatus),
      phone: contact(p.phone, p.phoneStatus),
      mobilePush: bool(p.mobilePush === true),
      webPush: bool(p.webPush === true),
      fields: { k: 'obj', fields: { tier: fromJson(p.fields?.tier, 'str'), birthday: fromJson(p.fields?.birthday, 'date'), score: fromJson(p.fields?.score, 'num') } },
    },
  };
}

interface World {
  zone: Zone;
  now: number;
  profile: Profile;
  customer: R;
  order: R;
}

function subscription(p: Profile, channel: string, brand: string | undefined, topic: string | undefined): string {
  const statuses = (p.subscriptions ?? [])
    .filter((s) => s.channel === channel && (brand === undefined || s.brand === brand) && (s.topic ?? undefined) === topic)
    .map((s) => s.status);
  return statuses.includes('subscribed') ? 'subscribed' : statuses.includes('pending') ? 'pending' : 'unsubscribed';
}

const isTemporal = (x: R): x is { k: 'date'; day: number } | { k: 'dt'; ms: number } => x.k === 'date' || x.k === 'dt';

class Reference {
  private readonly its: R[] = [];
  constructor(private readonly w: World) {}

  private moment(x: { k: 'date'; day: number } | { k: 'dt'; ms: number }): number {
    return x.k === 'dt' ? x.ms : this.w.zone.midnight(x.day);
  }

  private eq(a: R, b: R): boolean | undefined {
    if (a.k === 'missing' || b.k === 'missing') return undefined;
    if (isTemporal(a) && isTemporal(b)) return a.k === 'date' && b.k === 'date' ? a.day === b.day : this.moment(a) === this.moment(b);
    if (a.k !== b.k) return undefined;
    switch (a.k) {
      case 'num':
      case 'str':
      case 'bool':
      case 'pct':
        return a.v === (b as typeof a).v;
      case 'dur':
        return a.ms === (b as typeof a).ms;
      case 'time':
        return a.min === (b as typeof a).min;
      case 'list': {
        const bi = (b as typeof a).items;
        return a.items.length === bi.length && a.items.every((x, i) => (x.k === 'missing' || bi[i]!.k === 'missing' ? x.k === bi[i]!.k : this.eq(x, bi[i]!) === true));
      }
      default:
        return undefined;
    }
  }

  private cmp(a: R, b: R): number | undefined {
    if (isTemporal(a) && isTemporal(b)) return Math.sign(a.k === 'date' && b.k === 'date' ? a.day - b.day : this.moment(a) - this.moment(b));
    if (a.k !== b.k) return undefined;
    switch (a.k) {
      case 'num':
      case 'pct':
        return Math.sign(a.v - (b as typeof a).v);
      case 'str':
        return a.v === (b as typeof a).v ? 0 : a.v < (b as typeof a).v ? -1 : 1;
      case 'dur':
        return Math.sign(a.ms - (b as typeof a).ms);
      case 'time':
        return Math.sign(a.min - (b as typeof a).min);
      default:
        return undefined;
    }
  }

  /** A date-time moves by exact time; a date by calendar days, then to the wall-clock time of the rest. */
  private plusDuration(t: R, ms: number): R {
    if (t.k === 'dt') return dt(t.ms + ms);
    if (t.k !== 'date') return MISSING;
    const days = Math.floor(ms / DAY);
    const rest = ms - days * DAY;
    const d = date(t.day + days);
    if (d.k !== 'date' || rest === 0) return d;
    const p2 = (n: number) => String(n).padStart(2, '0');
    const sec = Math.floor(rest / 1000);
    const wall = `${isoOfDay(d.day)}T${p2(Math.floor(sec / 3600))}:${p2(Math.floor(sec / 60) % 60)}:${p2(sec % 60)}`;
    return dt(literalToEpoch(wall, this.w.zone.name) + (rest - sec * 1000));
  }

  private arith(op: string, a: R, b: R): R {
    if (a.k === 'missing' || b.k === 'missing') return MISSING;
    switch (op) {
      case '+':
        if (a.k === 'num' && b.k === 'num') return num(a.v + b.v);
        if (a.k === 'str' && b.k === 'str') return str(a.v + b.v);
        if (a.k === 'dur' && b.k === 'dur') return dur(a.ms + b.ms);
        if (b.k === 'dur') return this.plusDuration(a, b.ms);
        if (a.k === 'dur') return this.plusDuration(b, a.ms);
        return MISSING;
      case '-':
        if (a.k === 'num' && b.k === 'num') return num(a.v - b.v);
        if (a.k === 'dur' && b.k === 'dur') return dur(a.ms - b.ms);
        if (isTemporal(a) && b.k === 'dur') return this.plusDuration(a, -b.ms);
        if (a.k === 'date' && b.k === 'date') return dur((a.day - b.day) * DAY);
        if (isTemporal(a) && isTemporal(b)) return dur(this.moment(a) - this.moment(b));
        return MISSING;
      case '*':
        if (a.k === 'num' && b.k === 'num') return num(a.v * b.v);
        if (a.k === 'dur' && b.k === 'num') return dur(a.ms * b.v);
        if (a.k === 'num' && b.k === 'dur') return dur(a.v * b.ms);
        if (a.k === 'pct' && b.k === 'num') return num((a.v * b.v) / 100);
        if (a.k === 'num' && b.k === 'pct') return num((b.v * a.v) / 100);
        return MISSING;
      default:
        if (b.k !== 'num' || b.v === 0) return MISSING;
        if (a.k === 'num') return num(a.v / b.v);
        if (a.k === 'dur') return dur(a.ms / b.v);
        return MISSING;
    }
  }

  eval(e: A.Expr): R {
    switch (e.kind) {
      case 'Number':
        return num(e.value);
      case 'String':
        return str(e.value);
      case 'Boolean':
        return bool(e.value);
      case 'Null':
        return MISSING;
      case 'Duration':
        return dur(e.ms);
      case 'Percent':
        return { k: 'pct', v: e.value };
      case 'Time': {
        const [h, m] = e.raw.split(':').map(Number) as [number, number];
        return { k: 'time', min: h * 60 + m };
      }
      case 'Date':
        return date(dayOfIso(e.raw));
      case 'DateTime':
        return dt(literalToEpoch(e.raw, this.w.zone.name));
      case 'Name':
        if (e.name === 'customer') return this.w.customer;
        if (e.name === 'order') return this.w.order;
        if (e.name === 'it') return this.its[this.its.length - 1]!;
        return str(e.name); // an enum word
      case 'Member': {
        const o = this.eval(e.object);
        return o.k === 'obj' ? (o.fields[e.property.name] ?? MISSING) : MISSING;
      }
      case 'Index': {
        const l = this.eval(e.object);
        const i = this.eval(e.index);
        return l.k === 'list' && i.k === 'num' && Number.isInteger(i.v) && i.v >= 0 && i.v < l.items.length ? l.items[i.v]! : MISSING;
      }
      case 'Unary': {
        const x = this.eval(e.operand);
        if (e.op === 'not') return bool(!(x.k === 'bool' && x.v));
        return x.k === 'num' ? num(-x.v) : x.k === 'dur' ? dur(-x.ms) : MISSING;
      }
      case 'List':
        return { k: 'list', items: e.elements.map((x) => this.eval(x)) };
      case 'Binary': {
        if (e.op === 'and') {
          const l = this.eval(e.left);
          return l.k === 'bool' && l.v ? this.eval(e.right) : bool(false);
        }
        if (e.op === 'or') {
          const l = this.eval(e.left);
          return l.k === 'bool' && l.v ? bool(true) : this.eval(e.right);
        }
        const l = this.eval(e.left);
        const r = this.eval(e.right);
        switch (e.op) {
          case '==':
          case '!=': {
            const q = this.eq(l, r);
            return bool(q === undefined ? false : e.op === '==' ? q : !q);
          }
          case '<':
          case '<=':
          case '>':
          case '>=': {
            if (l.k === 'missing' || r.k === 'missing') return bool(false);
            const c = this.cmp(l, r);
            if (c === undefined) return bool(false);
            return bool(e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0);
          }
          case 'in':
          case 'not in': {
            let found: boolean | undefined;
            if (l.k === 'missing' || r.k === 'missing') found = undefined;
            else if (r.k === 'list') found = r.items.some((x) => this.eq(l, x) === true);
            else if (r.k === 'str' && l.k === 'str') found = r.v.includes(l.v);
            return bool(found === undefined ? false : e.op === 'in' ? found : !found);
          }
          default:
            return this.arith(e.op, l, r);
        }
      }
      case 'Call':
        return this.call(e);
      default:
        throw new Error(`reference: cannot evaluate ${e.kind}`);
    }
  }

  private call(e: A.CallExpr): R {
    if (e.callee.kind === 'Member') {
      const name = e.callee.property.name;
      const named = (n: string): string | undefined => {
        const a = e.args.find((x) => x.name?.name === n);
        const v = a ? this.eval(a.value) : MISSING;
        return v.k === 'str' ? v.v : undefined;
      };
      const first = this.eval(e.args[0]!.value);
      if (name === 'inSegment') return bool(first.k === 'str' && (this.w.profile.segments ?? []).includes(first.v));
      const status = first.k === 'str' ? subscription(this.w.profile, first.v, named('brand'), named('topic')) : 'unsubscribed';
      return name === 'subscribed' ? bool(status === 'subscribed') : str(status);
    }
    const fn = (e.callee as A.NameRef).name;
    const args = e.args.map((a) => a.value);
    if (fn === 'any' || fn === 'all' || fn === 'count' || fn === 'sum') {
      const l = this.eval(args[0]!);
      const items = l.k === 'list' ? l.items : [];
      if (fn === 'count' && !args[1]) return num(items.length);
      const results = items.map((x) => {
        this.its.push(x);
        const r = this.eval(args[1]!);
        this.its.pop();
        return r;
      });
      const holds = results.map((r) => r.k === 'bool' && r.v);
      if (fn === 'any') return bool(holds.includes(true));
      if (fn === 'all') return bool(!holds.includes(false));
      if (fn === 'count') return num(holds.filter(Boolean).length);
      return num(results.reduce((s, r) => (r.k === 'num' ? s + r.v : s), 0));
    }
    const v = args.map((a) => this.eval(a));
    const [a, b] = v as [R, R];
    const n = (f: (x: number) => number): R => (a.k === 'num' ? num(f(a.v)) : MISSING);
    const day = (): number | undefined => (a.k === 'date' ? a.day : a.k === 'dt' ? this.w.zone.dayOf(a.ms) : undefined);
    const part = (f: (d: Date) => number): R => {
      const d = day();
      return d === undefined ? MISSING : num(f(new Date(d * DAY)));
    };
    switch (fn) {
      case 'exists':
        return bool(a.k !== 'missing');
      case 'lower':
        return a.k === 'str' ? str(a.v.toLowerCase()) : MISSING;
      case 'upper':
        return a.k === 'str' ? str(a.v.toUpperCase()) : MISSING;
      case 'contains':
        return bool(a.k === 'str' && b.k === 'str' && a.v.includes(b.v));
      case 'abs':
        return n(Math.abs);
      case 'round':
        return n((x) => Math.sign(x) * Math.round(Math.abs(x)) || 0);
      case 'floor':
        return n(Math.floor);
      case 'ceil':
        return n(Math.ceil);
      case 'min':
      case 'max':
        return a.k === 'num' && b.k === 'num' ? num(fn === 'min' ? Math.min(a.v, b.v) : Math.max(a.v, b.v)) : MISSING;
      case 'today':
        return date(this.w.zone.dayOf(this.w.now));
      case 'now':
        return dt(this.w.now);
      case 'year':
        return part((d) => d.getUTCFullYear());
      case 'month':
        return part((d) => d.getUTCMonth() + 1);
      case 'day':
        return part((d) => d.getUTCDate());
      case 'weekday':
        return part((d) => ((d.getUTCDay() + 6) % 7) + 1);
      default:
        throw new Error(`reference: unknown function ${fn}`);
    }
  }
}

/** A VM value in the reference's representation. */
function fromVm(v: Value): R {
  if (v === null) return MISSING;
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return str(v);
  if (typeof v === 'boolean') return bool(v);
  if (v instanceof Duration) return dur(v.ms);
  if (v instanceof DateValue) return date(v.days);
  if (v instanceof DateTime) return dt(v.ms);
  if (v instanceof TimeOfDay) return { k: 'time', min: v.minutes };
  if (v instanceof Percent) return { k: 'pct', v: v.value };
  if (Array.isArray(v)) return { k: 'list', items: v.map((x) => fromVm(x as Value)) };
  return { k: 'obj', fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromVm(x as Value)])) };
}

/** +0 and -0 are the same number to people. */
const canon = (r: R): unknown => JSON.parse(JSON.stringify(r, (_k, x) => (Object.is(x, -0) ? 0 : x)));

// ---------- the generator ----------

type Ty = 'num' | 'bool' | 'str' | 'date' | 'dt' | 'dur';
/** What `it` is: nothing (outside helpers), an order item, a promo code. */
type Scope = 'none' | 'item' | 'code';

const lit = (...xs: string[]) => fc.constantFrom(...xs);
const memo = new Map<string, fc.Arbitrary<string>>();

function gen(t: Ty, depth: number, scope: Scope): fc.Arbitrary<string> {
  const key = `${t}/${depth}/${scope}`;
  let a = memo.get(key);
  if (!a) {
    a = build(t, depth, scope);
    memo.set(key, a);
  }
  return a;
}

function build(t: Ty, depth: number, scope: Scope): fc.Arbitrary<string> {
  const sub = (u: Ty, s: Scope = scope) => gen(u, Math.max(0, depth - 1), s);
  const f = (template: (...xs: string[]) => string, ...parts: Array<fc.Arbitrary<string>>) => fc.tuple(...parts).map((xs) => template(...xs));
  const leaves: Record<Ty, Array<fc.Arbitrary<string>>> = {
    num: [
      fc.integer({ min: -5, max: 20 }).map((n) => (n < 0 ? `(${n})` : String(n))),
      lit('2.5', '0.1', '0.5', '1000', '(-2.5)', '(-0.5)'),
      lit('order.total', 'order.subtotal', 'order.discount', 'customer.fields.score', 'count(order.items)', 'count(order.promoCodes)'),
      ...(scope === 'item' ? [lit('it.price', 'it.quantity', 'it.discount')] : []),
    ],
    bool: [
      lit('true', 'false', 'customer.email.valid', 'customer.email.filled', 'customer.phone.valid', 'customer.mobilePush', 'customer.webPush', 'order.fields.giftWrap'),
      lit('customer.inSegment("vip")', 'customer.inSegment("lapsed")', 'customer.subscribed(email)', 'customer.subscribed(sms, brand: "outlet")'),
      lit('(customer.subscription(email, topic: "offers") == subscribed)', '(customer.subscription(email, brand: "outlet") != pending)'),
      lit('(customer.fields.tier == gold)', '(customer.fields.tier in [silver, gold])', '(customer.fields.tier != bronze)'),
    ],
    str: [
      lit('"paid"', '"new"', '"PAID"', '"a"', '""', '"WELCOME10"', '"deliv"', '"ai"'),
      lit('order.status', 'order.currency', 'order.id', 'customer.firstName', 'customer.email.address', 'customer.phone.address'),
      ...(scope === 'item' ? [lit('it.status', 'it.productId')] : scope === 'code' ? [lit('it')] : []),
    ],
    date: [lit('2026-03-29', '2026-03-28', '2026-03-30', '1990-04-01', '2026-10-25', 'customer.fields.birthday', 'today()')],
    dt: [lit('2026-03-29T01:30', '2026-03-29T02:30', '2026-03-28T12:00Z', '2026-03-29T03:30+02:00', '2026-10-25T02:30', 'order.createdAt', 'order.fields.deliveryDate', 'now()')],
    dur: [lit('1d', '12h', '30m', '1d12h', '1w', '45s', '23h')],
  };
  if (depth === 0) return fc.oneof(...leaves[t]);
  const anyTy = fc.constantFrom<Ty>('num', 'bool', 'str', 'date', 'dt', 'dur').chain((u) => sub(u));
  const temporal = fc.oneof(sub('date'), sub('dt'));
  const cmp = lit('==', '!=', '<', '<=', '>', '>=');
  const compound: Record<Ty, Array<fc.Arbitrary<string>>> = {
    num: [
      f((a, o, b) => `(${a} ${o} ${b})`, sub('num'), lit('+', '-', '*', '/'), sub('num')),
      f((a) => `-(${a})`, sub('num')),
      f((fn, a) => `${fn}(${a})`, lit('abs', 'round', 'floor', 'ceil'), sub('num')),
      f((fn, a, b) => `${fn}(${a}, ${b})`, lit('min', 'max'), sub('num'), sub('num')),
      f((fn, a) => `${fn}(${a})`, lit('year', 'month', 'day', 'weekday'), temporal),
      f((b) => `count(order.items, ${b})`, sub('bool', 'item')),
      f((b) => `count(order.promoCodes, ${b})`, sub('bool', 'code')),
      f((n) => `sum(order.items, ${n})`, sub('num', 'item')),
      f((i, fld) => `order.items[${i}].${fld}`, lit('0', '1', '2', '3', 'count(order.promoCodes)'), lit('price', 'quantity', 'discount')),
      f((p, n) => `(${p} * ${n})`, lit('10%', '12.5%', '150%'), sub('num')),
    ],
    bool: [
      f((a, o, b) => `(${a} ${o} ${b})`, sub('num'), cmp, sub('num')),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('str'), cmp, sub('str')),
      f((a, o, b) => `(${a} ${o} ${b})`, temporal, cmp, temporal),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('dur'), cmp, sub('dur')),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('bool'), lit('==', '!='), sub('bool')),
      f((x) => `exists(${x})`, anyTy),
      f((fn, b) => `${fn}(order.items, ${b})`, lit('any', 'all'), sub('bool', 'item')),
      f((fn, b) => `${fn}(order.promoCodes, ${b})`, lit('any', 'all'), sub('bool', 'code')),
      f((a, b) => `contains(${a}, ${b})`, sub('str'), sub('str')),
      f((a, o, b, c) => `(${a} ${o} [${b}, ${c}])`, sub('str'), lit('in', 'not in'), sub('str'), sub('str')),
      f((a, o, b, c) => `(${a} ${o} [${b}, ${c}])`, sub('num'), lit('in', 'not in'), sub('num'), sub('num')),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('str'), lit('in', 'not in'), fc.oneof(sub('str'), lit('order.promoCodes'))),
      f((b) => `not (${b})`, sub('bool')),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('bool'), lit('and', 'or'), sub('bool')),
    ],
    str: [
      f((fn, a) => `${fn}(${a})`, lit('lower', 'upper'), sub('str')),
      f((a, b) => `(${a} + ${b})`, sub('str'), sub('str')),
      f((i) => `order.items[${i}].status`, lit('0', '2', '5')),
    ],
    // The checker types a date moved by a whole-days literal as a date, by anything else as a date-time.
    date: [f((a, o, b) => `(${a} ${o} ${b})`, sub('date'), lit('+', '-'), lit('1d', '2d', '1w'))],
    dt: [
      f((a, o, b) => `(${a} ${o} ${b})`, sub('dt'), lit('+', '-'), sub('dur')),
      f((a, b) => `(${a} + ${b})`, sub('dur'), sub('dt')),
      f((a, o, b) => `(${a} ${o} ${b})`, sub('date'), lit('+', '-'), fc.oneof(lit('12h', '30m', '1d12h', '45s', '23h'), f((x, y) => `(${x} + ${y})`, sub('dur'), sub('dur')))),
    ],
    dur: [
      f((a, o, b) => `(${a} ${o} ${b})`, sub('dur'), lit('+', '-'), sub('dur')),
      f((a, b) => `(${a} - ${b})`, sub('dt'), sub('dt')),
      f((a, b) => `(${a} - ${b})`, sub('date'), sub('date')),
      f((a, b) => `(${a} * ${b})`, sub('dur'), sub('num')),
      f((a, b) => `(${a} * ${b})`, sub('num'), sub('dur')),
      f((a, b) => `(${a} / ${b})`, sub('dur'), sub('num')),
      f((a) => `-(${a})`, sub('dur')),
    ],
  };
  return fc.oneof({ arbitrary: fc.oneof(...leaves[t]), weight: 2 }, { arbitrary: fc.oneof(...compound[t]), weight: 3 });
}

const expression = fc.constantFrom<Ty>('bool', 'bool', 'num', 'str', 'date', 'dt', 'dur').chain((t) => gen(t, 3, 'none'));

const SPARSE_ORDER = { id: 'o-2', status: 'new', total: 0, items: [{ id: 'x', productId: 'p9', status: 'new', price: 3, quantity: 4 }] };
const WORLDS = [
  { profile: ANN as Profile, order: ORDER },
  { profile: BARE as Profile, order: SPARSE_ORDER },
];
const NOWS = ['2026-03-28T23:30:00Z', '2026-03-29T01:00:00Z', '2026-10-25T00:30:00Z', '2026-06-15T12:00:00Z'].map(Date.parse);
const ZONES = ['Europe/Berlin', 'UTC', 'America/New_York'];

describe('the VM agrees with a reference evaluator over the AST', () => {
  it('random well-typed expressions', () => {
    fc.assert(
      fc.property(fc.array(expression, { minLength: 1, maxLength: 4 }), fc.nat(WORLDS.length - 1), fc.nat(NOWS.length - 1), fc.nat(ZONES.length - 1), (exprs, wi, ni, zi) => {
        const source = paramsFlow(exprs);
        const result = checked(source, VM_MANIFEST);
        const program = verifyFlow(compileProject(result)[0]!.bytes);
        const steps = program.blocks.find((b) => b.kind === 'steps');
        const astSteps = result.files[0]!.parse.ast.flows[0]!.body[0]!;
        if (steps?.kind !== 'steps' || steps.actions[0]?.kind !== 'send' || astSteps.kind !== 'Steps' || astSteps.actions[0]?.kind !== 'Send') throw new Error('unexpected flow shape');
        const chunks = steps.actions[0].params.map((p) => p.value);
        const asts = astSteps.actions[0].params!.entries.map((x) => x.value);
        const world = WORLDS[wi]!;
        const zone = new Zone(ZONES[zi]!);
        const w: World = { zone, now: NOWS[ni]!, profile: world.profile, customer: customerOf(world.profile), order: fromJson(world.order, ORDER_SHAPE) };
        const env = { now: w.now, zone: zone.name, customer: world.profile, contexts: { order: world.order } };
        exprs.forEach((text, i) => {
          const want = new Reference(w).eval(asts[i]!);
          let got = fromVm(evaluate(program, chunks[i]!, env));
          // A date field passed through untouched is still the event's ISO text in the VM (it
          // becomes a date where it is used as one): compare it as the moment or day it names.
          if (got.k === 'str' && want.k === 'dt') got = dt(Date.parse(got.v));
          if (got.k === 'str' && want.k === 'date') got = date(dayOfIso(got.v));
          expect(canon(got), `${text}\n  world ${wi}, now ${new Date(w.now).toISOString()}, zone ${zone.name}`).toEqual(canon(want));
        });
      }),
      { numRuns: 500 },
    );
  });
});
