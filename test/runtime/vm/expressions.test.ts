/**
 * The expression VM on real compiled flows: a table of expressions, each compiled by the real
 * compiler (as a template parameter, so any type can be checked) and evaluated against fixed JSON
 * contexts. Together the cases run every opcode, every builtin and every customer method (checked
 * at the end).
 */
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../../compiler/bytecode/bytes.js';
import { BUILTIN_TABLE, METHOD_TABLE, OP, OP_NAMES, OPERANDS } from '../../../compiler/bytecode/format.js';
import type { Program } from '../../../compiler/bytecode/program.js';
import { evaluate, evaluateCondition, evaluateJson, evaluateMoment, showValue, type EvalEnv } from '../../../runtime/vm/index.js';
import { ACTION, ANN, BARE, NOW, ORDER, SMALL_ORDER, compileExprs, compileFlow, type CompiledExprs } from './helpers.js';

interface Case {
  expr: string;
  /** The value as showValue prints it: `3`, `"paid"`, `missing`, `2026-03-29`, `1d12h`. */
  want: string;
  customer?: object;
  order?: object;
  zone?: string;
  /** Another trigger (with its contexts), or flow settings: compiled in a flow of their own. */
  trigger?: string;
  settings?: string;
  contexts?: Record<string, unknown>;
}

const CASES: Case[] = [
  // literals and arithmetic
  { expr: '1 + 2', want: '3' },
  { expr: '2.5 * 4', want: '10' },
  { expr: '10 / 4', want: '2.5' },
  { expr: 'order.total - 20.5', want: '100' },
  { expr: '-order.total', want: '-120.5' },
  { expr: 'order.total / 0', want: 'missing' },
  { expr: 'order.subtotal - order.discount', want: '120.5' },
  { expr: '"a" + "b"', want: '"ab"' },
  { expr: 'null', want: 'missing' },
  { expr: 'order.currency + "!"', want: 'missing' },
  { expr: 'customer.fields.score * 2', want: '84' },
  { expr: 'customer.fields.score * 2', want: 'missing', customer: BARE },
  // comparisons
  { expr: 'order.total == 120.5', want: 'true' },
  { expr: 'order.total != 120.5', want: 'false' },
  { expr: 'order.total < 200', want: 'true' },
  { expr: 'order.total <= 120', want: 'false' },
  { expr: 'order.total > 120', want: 'true' },
  { expr: 'order.total >= 120.5', want: 'true' },
  { expr: 'order.status == "paid"', want: 'true' },
  { expr: 'order.status != "new"', want: 'true' },
  { expr: '"apple" < "banana"', want: 'true' },
  { expr: '10:00 < 11:30', want: 'true' },
  // missing values: every comparison is false, != included
  { expr: 'order.currency == "EUR"', want: 'false' },
  { expr: 'order.currency != "EUR"', want: 'false' },
  { expr: 'order.currency < "ZZZ"', want: 'false' },
  { expr: 'customer.fields.birthday == 2000-01-01', want: 'false', customer: BARE },
  { expr: 'customer.fields.birthday != 2000-01-01', want: 'false', customer: BARE },
  { expr: 'order.fields.giftWrap == true', want: 'false' },
  { expr: 'not order.fields.giftWrap', want: 'true' },
  { expr: 'false or order.fields.giftWrap', want: 'missing' },
  { expr: 'exists(order.currency)', want: 'false' },
  { expr: 'exists(order.status)', want: 'true' },
  { expr: 'order.currency in ["EUR", "USD"]', want: 'false' },
  { expr: 'order.currency not in ["EUR"]', want: 'false' },
  { expr: 'order.items[0].discount + 1', want: 'missing' },
  { expr: 'sum(order.items, it.discount)', want: '1' },
  { expr: 'count(order.promoCodes)', want: '0', order: SMALL_ORDER },
  { expr: 'any(order.promoCodes, it == "WELCOME10")', want: 'false', order: SMALL_ORDER },
  { expr: 'all(order.promoCodes, it == "WELCOME10")', want: 'true', order: SMALL_ORDER },
  { expr: 'sum(order.items, it.price)', want: '0', order: SMALL_ORDER },
  { expr: 'order.fields.deliveryDate + 1d', want: 'missing', order: SMALL_ORDER },
  // and, or, not
  { expr: 'order.total > 100 and order.status == "paid"', want: 'true' },
  { expr: 'order.total > 200 and order.status == "paid"', want: 'false' },
  { expr: 'order.total > 200 or order.status == "paid"', want: 'true' },
  { expr: 'order.currency == "EUR" or order.total > 100', want: 'true' },
  { expr: 'not (order.total > 100)', want: 'false' },
  // in, not in: lists and text
  { expr: 'order.status in ["paid", "delivered"]', want: 'true' },
  { expr: 'order.status not in ["paid", "delivered"]', want: 'false' },
  { expr: '"WELCOME10" in order.promoCodes', want: 'true' },
  { expr: '"ai" in order.status', want: 'true' },
  { expr: 'order.total not in [1, 2]', want: 'true' },
  // fields and indexes
  { expr: 'order.items[0].price', want: '60.25' },
  { expr: 'order.items[5].price', want: 'missing' },
  { expr: 'order.items[order.items[1].quantity].productId', want: '"p2"' },
  { expr: 'customer.email.address', want: '"ann@example.com"' },
  // collection helpers with `it`
  { expr: 'any(order.items, it.price > 100)', want: 'true' },
  { expr: 'all(order.items, it.price > 1)', want: 'true' },
  { expr: 'all(order.items, it.status == "delivered")', want: 'false' },
  { expr: 'count(order.items)', want: '3' },
  { expr: 'count(order.items, it.status == "delivered")', want: '2' },
  { expr: 'sum(order.items, it.price * it.quantity)', want: '275.5' },
  { expr: 'any(order.items, any(order.promoCodes, it == "WELCOME10"))', want: 'true' },
  { expr: 'count(order.items, count(order.items, it.price > 10) == 2)', want: '3' },
  // builtins
  { expr: 'lower("PaId") == order.status', want: 'true' },
  { expr: 'upper(order.status)', want: '"PAID"' },
  { expr: 'lower(order.currency)', want: 'missing' },
  { expr: 'contains(customer.email.address, "@example.com")', want: 'true' },
  { expr: 'contains(order.currency, "E")', want: 'false' },
  { expr: 'abs(-3.5)', want: '3.5' },
  { expr: 'round(2.5)', want: '3' },
  { expr: 'round(-2.5)', want: '-3' },
  { expr: 'round(order.total)', want: '121' },
  { expr: 'floor(-1.5)', want: '-2' },
  { expr: 'ceil(1.2)', want: '2' },
  { expr: 'min(order.total / 10, 5)', want: '5' },
  { expr: 'max(order.total / 10, 5)', want: '12.05' },
  { expr: 'min(customer.fields.score, 10)', want: 'missing', customer: BARE },
  { expr: 'today()', want: '2026-03-29' },
  { expr: 'today()', want: '2026-03-28', zone: 'UTC' },
  { expr: 'now()', want: '2026-03-28T23:30:00Z' },
  { expr: 'day(now())', want: '29' },
  { expr: 'day(now())', want: '28', zone: 'UTC' },
  { expr: 'weekday(today())', want: '7' },
  { expr: 'year(customer.fields.birthday)', want: '1990' },
  { expr: 'month(customer.fields.birthday)', want: '4' },
  { expr: 'day(customer.fields.birthday)', want: '1' },
  { expr: 'weekday(customer.fields.birthday)', want: '7' },
  { expr: 'year(customer.fields.birthday)', want: 'missing', customer: BARE },
  { expr: 'month(order.createdAt)', want: '3' },
  { expr: 'month(today()) == month(2026-03-01)', want: 'true' },
  // customer helpers
  { expr: 'customer.inSegment("vip")', want: 'true' },
  { expr: 'customer.inSegment("lapsed")', want: 'false' },
  { expr: 'customer.inSegment("vip")', want: 'false', customer: BARE },
  { expr: 'customer.subscription(email)', want: '"subscribed"' },
  { expr: 'customer.subscription(email, brand: "outlet")', want: '"pending"' },
  { expr: 'customer.subscription(sms)', want: '"pending"' },
  { expr: 'customer.subscription(push)', want: '"unsubscribed"' },
  { expr: 'customer.subscription(email, topic: "news")', want: '"unsubscribed"' },
  { expr: 'customer.subscription(email, brand: "shop", topic: "offers")', want: '"subscribed"' },
  { expr: 'customer.subscription(email)', want: '"unsubscribed"', customer: BARE },
  { expr: 'customer.subscribed(email, brand: "shop")', want: 'true' },
  { expr: 'customer.subscribed(email, brand: "outlet")', want: 'false' },
  { expr: 'customer.subscription(email)', want: '"pending"', settings: 'brand "outlet"' },
  { expr: 'customer.subscribed(sms)', want: 'false', settings: 'brand "shop"' },
  { expr: 'customer.email.valid', want: 'true' },
  { expr: 'customer.email.valid', want: 'false', customer: BARE },
  { expr: 'customer.email.filled', want: 'false', customer: BARE },
  { expr: 'customer.email.status', want: '"unknown"', customer: BARE },
  { expr: 'customer.phone.filled', want: 'true' },
  { expr: 'customer.phone.valid', want: 'false' },
  { expr: 'customer.mobilePush', want: 'true' },
  { expr: 'customer.webPush', want: 'false' },
  { expr: 'customer.mobilePush', want: 'false', customer: BARE },
  // enum words compare by name
  { expr: 'customer.fields.tier == gold', want: 'true' },
  { expr: 'customer.fields.tier == "gold"', want: 'true' },
  { expr: 'customer.fields.tier in [silver, gold]', want: 'true' },
  { expr: 'customer.fields.tier != bronze', want: 'true' },
  { expr: 'customer.fields.tier != bronze', want: 'false', customer: BARE },
  { expr: 'customer.subscription(email, brand: "outlet") == pending', want: 'true' },
  { expr: 'card.status in [blocked, not_activated]', want: 'true', trigger: 'DiscountCardStatusChanged', contexts: { card: { number: '42', status: 'blocked' } } },
  { expr: 'balance.kind == award', want: 'true', trigger: 'PointsAvailable', contexts: { balance: { account: 'main', amount: 100, kind: 'award', expiresAt: '2026-04-30T00:00:00Z' } } },
  { expr: 'balance.expiresAt - 7d', want: '2026-04-23T00:00:00Z', trigger: 'PointsAvailable', contexts: { balance: { account: 'main', amount: 100, kind: 'award', expiresAt: '2026-04-30T00:00:00Z' } } },
  { expr: 'params.amount > 10 and not exists(params.coupon)', want: 'true', trigger: 'OperationCalled(operation: "checkout-completed")', contexts: { params: { amount: 12 } } },
  // dates, durations, percents; Berlin's DST starts 2026-03-29 at 02:00 (the day has 23 hours)
  { expr: 'customer.fields.birthday + 1d', want: '1990-04-02' },
  { expr: 'order.fields.deliveryDate + 1d', want: '2026-03-30T10:00:00Z' },
  { expr: 'order.fields.deliveryDate - 7d', want: '2026-03-22T10:00:00Z' },
  { expr: '2026-03-29 + 1d', want: '2026-03-30' },
  { expr: '2026-03-29 + 1d == 2026-03-30', want: 'true' },
  { expr: '2026-03-30 - 2026-03-29', want: '1d' },
  { expr: '2026-03-30T00:00 - 2026-03-29T00:00', want: '23h' },
  { expr: '2026-03-29 + 12h', want: '2026-03-29T10:00:00Z' },
  { expr: '2026-03-29 + 12h == 2026-03-29T12:00', want: 'true' },
  { expr: '2026-03-29 + 2h30m == 2026-03-29T03:30', want: 'true' },
  { expr: '2026-03-29 - 12h == 2026-03-28T12:00', want: 'true' },
  { expr: 'customer.fields.birthday + 9h', want: '1990-04-01T07:00:00Z' },
  { expr: '2026-03-29T01:30 + 1h', want: '2026-03-29T01:30:00Z' },
  { expr: '2026-03-29T01:30 + 1h == 2026-03-29T03:30', want: 'true' },
  { expr: '2026-03-28T12:00 + 1d == 2026-03-29T13:00', want: 'true' },
  { expr: '2026-03-29T12:00 - 2026-03-28T12:00', want: '23h' },
  { expr: '2026-03-29T12:00Z - 2026-03-29T12:00+02:00', want: '2h' },
  { expr: 'now() - order.createdAt', want: '13h30m' },
  { expr: 'now() - order.createdAt > 12h', want: 'true' },
  { expr: 'order.fields.deliveryDate > now()', want: 'true' },
  { expr: 'customer.fields.birthday < 2000-01-01', want: 'true' },
  { expr: '2026-03-29 == 2026-03-29T00:00', want: 'true' },
  { expr: '2026-03-29 < 2026-03-29T00:30', want: 'true' },
  { expr: '2026-03-29T00:00Z > 2026-03-29', want: 'true' },
  { expr: '2026-03-29T00:00Z > 2026-03-29', want: 'false', zone: 'UTC' },
  { expr: 'today() + 1d', want: '2026-03-30' },
  { expr: '1d + 12h', want: '1d12h' },
  { expr: '2h * 3', want: '6h' },
  { expr: '3 * 30m', want: '1h30m' },
  { expr: '1d / 4', want: '6h' },
  { expr: '-2d', want: '-2d' },
  { expr: '10% * order.total', want: '12.05' },
  { expr: 'order.total * 12.5%', want: '15.0625' },
];

function env(c: Case): EvalEnv {
  return {
    now: NOW,
    ...(c.zone ? { zone: c.zone } : {}),
    customer: c.customer ?? ANN,
    contexts: c.contexts ?? { order: c.order ?? ORDER, action: ACTION },
  };
}

const groups = new Map<string, Case[]>();
for (const c of CASES) {
  const key = `${c.trigger ?? 'NewOrder'}|${c.settings ?? ''}`;
  groups.set(key, [...(groups.get(key) ?? []), c]);
}
const compiled = new Map<Case, { program: Program; chunk: number }>();
for (const cases of groups.values()) {
  const { trigger, settings } = cases[0]!;
  const exprs = [...new Set(cases.map((c) => c.expr))];
  const { program, chunks }: CompiledExprs = compileExprs(exprs, { ...(trigger ? { trigger } : {}), ...(settings ? { settings } : {}) });
  for (const c of cases) compiled.set(c, { program, chunk: chunks[exprs.indexOf(c.expr)]! });
}

describe('expressions on compiled flows', () => {
  it('has at least 60 cases', () => expect(CASES.length).toBeGreaterThanOrEqual(60));

  it.each(CASES.map((c) => [`${c.expr}${c.customer === BARE ? ' (bare customer)' : ''}${c.order === SMALL_ORDER ? ' (small order)' : ''}${c.zone ? ` (${c.zone})` : ''}${c.settings ? ` (${c.settings})` : ''}`, c] as const))('%s', (_name, c) => {
    const { program, chunk } = compiled.get(c)!;
    expect(showValue(evaluate(program, chunk, env(c)))).toBe(c.want);
  });
});

describe('conditions, moments and JSON', () => {
  const { program, chunks } = compileExprs(['order.total > 100', 'order.fields.giftWrap', '2026-03-29 + 1d', 'order.fields.deliveryDate', 'order.fields.deliveryDate + 1d', 'order.items[0]', 'customer.fields.birthday']);
  const e: EvalEnv = { now: NOW, customer: ANN, contexts: { order: ORDER } };

  it('a condition holds only when true; missing is false', () => {
    expect(evaluateCondition(program, chunks[0]!, e)).toBe(true);
    expect(evaluateCondition(program, chunks[1]!, e)).toBe(false);
  });

  it('a date is midnight at its start in the flow time zone (a calendar day later across DST)', () => {
    // 2026-03-30 00:00 CEST = 2026-03-29T22:00Z (the day before was 23 hours long).
    expect(new Date(evaluateMoment(program, chunks[2]!, e)!).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(new Date(evaluateMoment(program, chunks[2]!, { ...e, zone: 'UTC' })!).toISOString()).toBe('2026-03-30T00:00:00.000Z');
    expect(evaluateMoment(program, chunks[3]!, e)).toBe(Date.parse('2026-03-29T10:00:00Z'));
    expect(evaluateMoment(program, chunks[4]!, { ...e, contexts: { order: SMALL_ORDER } })).toBeNull();
    // A date in the data: 1990-04-01 00:00 CEST.
    expect(new Date(evaluateMoment(program, chunks[6]!, e)!).toISOString()).toBe('1990-03-31T22:00:00.000Z');
  });

  it('parameters as JSON', () => {
    expect(evaluateJson(program, chunks[2]!, e)).toBe('2026-03-30');
    expect(evaluateJson(program, chunks[4]!, e)).toBe('2026-03-30T10:00:00Z');
    expect(evaluateJson(program, chunks[5]!, e)).toEqual(ORDER.items[0]);
    expect(evaluateJson(program, chunks[1]!, e)).toBeNull();
  });
});

describe('the event being matched and awaited events', () => {
  const program = compileFlow(`flow w "W" {
  exit on OrderStatusChanged(status: "cancelled") where order.total > 100 and order.status == "cancelled"
  on NewOrder
  wait got for NewOrder where order.total > 20 up to 1d {
    steps thanks {
      send email "a" { id: order.id, first: order.total }
    }
  }
}`);
  const exitWhere = program.flow.exits[0]!.where!;
  const wait = program.blocks.find((b) => b.kind === 'wait_event')!;
  if (wait.kind !== 'wait_event') throw new Error('no wait');
  const steps = program.blocks.find((b) => b.kind === 'steps')!;
  if (steps.kind !== 'steps' || steps.actions[0]!.kind !== 'send') throw new Error('no send');
  const [idParam] = steps.actions[0]!.params;
  const base: EvalEnv = { now: NOW, customer: ANN, contexts: { order: ORDER } };

  it('exit on ... where reads the exit event (EVENT)', () => {
    expect(evaluateCondition(program, exitWhere, { ...base, event: { order: { status: 'cancelled', total: 150 } } })).toBe(true);
    expect(evaluateCondition(program, exitWhere, { ...base, event: { order: { status: 'cancelled', total: 50 } } })).toBe(false);
    expect(evaluateCondition(program, exitWhere, base)).toBe(false);
  });

  it('wait for ... where reads the arriving event, not the trigger', () => {
    expect(evaluateCondition(program, wait.where!, { ...base, event: { order: { total: 30 } } })).toBe(true);
    expect(evaluateCondition(program, wait.where!, { ...base, event: { order: { total: 10 } } })).toBe(false);
  });

  it('inside the branch, the awaited event replaces the trigger’s values (AWAITED by block id)', () => {
    expect(evaluate(program, idParam!.value, { ...base, awaited: { got: { order: { id: 'o-2' } } } })).toBe('o-2');
    expect(evaluate(program, idParam!.value, base)).toBeNull();
    expect(evaluate(program, idParam!.value, { ...base, awaited: { other: { order: { id: 'o-3' } } } })).toBeNull();
  });

  it('the table and these flows run every opcode, builtin and method', () => {
    const ops = new Set<number>();
    const builtins = new Set<number>();
    const methods = new Set<number>();
    const programs = new Set<Program>([...[...compiled.values()].map((x) => x.program), program]);
    for (const p of programs) {
      for (const code of p.code) {
        const r = new ByteReader(code);
        while (!r.atEnd) {
          const op = r.u8();
          const operands = OPERANDS[OP_NAMES[op]!].map((k) => (k === 'sv' ? r.svarint() : r.varint()));
          ops.add(op);
          if (op === OP.CALL) builtins.add(operands[0]!);
          if (op === OP.METHOD) methods.add(operands[0]!);
        }
      }
    }
    expect([...Object.values(OP)].filter((o) => !ops.has(o)).map((o) => OP_NAMES[o])).toEqual([]);
    expect(BUILTIN_TABLE.filter((_, i) => !builtins.has(i)).map((b) => b.name)).toEqual([]);
    expect(METHOD_TABLE.filter((_, i) => !methods.has(i)).map((m) => m.name)).toEqual([]);
  });
});
