/**
 * The builtin functions (CALL) and customer methods (METHOD) of the VM, by name; eval.ts lines
 * them up with the bytecode's BUILTIN_TABLE / METHOD_TABLE indexes. The collection helpers
 * (any, all, count, sum) are opcodes of their own, in eval.ts.
 */
import { inSegment, subscriptionStatus } from './customer.js';
import { DateValue, asTemporal, dateOrMissing, dateTimeOrMissing, dayOf, daysToCivil, weekdayOfDays, type Value, type ValueObject } from './values.js';

/** What a builtin may read besides its arguments. */
export interface BuiltinContext {
  /** The flow's time zone (clock and date parts). */
  readonly zone: string;
  /** The virtual clock, epoch ms. */
  readonly now: number;
  /** The brand `subscription()` falls back to (the flow's), or null for any. */
  readonly brand: string | null;
  /** The customer view (built on first use). */
  customer(): ValueObject;
}

export type Builtin = (cx: BuiltinContext, a: Value, b: Value) => Value;
export type Method = (cx: BuiltinContext, a: Value, b: Value, c: Value) => Value;

const number1 =
  (f: (n: number) => number): Builtin =>
  (_cx, a) =>
    typeof a === 'number' ? f(a) : null;

/** Rounds half away from zero: round(2.5) = 3, round(-2.5) = -3. */
export function roundHalfAway(n: number): number {
  const r = Math.round(Math.abs(n));
  return n < 0 ? -r : r;
}

/** The calendar day of a date or date-time (a date-time's day in the zone), or null. */
function dayNumber(cx: BuiltinContext, v: Value): number | null {
  const t = asTemporal(v, cx.zone);
  if (t === null) return null;
  return t instanceof DateValue ? t.days : dayOf(t.ms, cx.zone);
}

const datePart =
  (part: (days: number) => number): Builtin =>
  (cx, a) => {
    const d = dayNumber(cx, a);
    return d === null ? null : part(d);
  };

const minmax =
  (pick: (a: number, b: number) => number): Builtin =>
  (_cx, a, b) =>
    typeof a === 'number' && typeof b === 'number' ? pick(a, b) : null;

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  exists: (_cx, a) => a !== null,
  lower: (_cx, a) => (typeof a === 'string' ? a.toLowerCase() : null),
  upper: (_cx, a) => (typeof a === 'string' ? a.toUpperCase() : null),
  contains: (_cx, a, b) => typeof a === 'string' && typeof b === 'string' && a.includes(b),
  abs: number1(Math.abs),
  round: number1(roundHalfAway),
  floor: number1(Math.floor),
  ceil: number1(Math.ceil),
  min: minmax(Math.min),
  max: minmax(Math.max),
  today: (cx) => (dateTimeOrMissing(cx.now) === null ? null : dateOrMissing(dayOf(cx.now, cx.zone))),
  now: (cx) => dateTimeOrMissing(cx.now),
  year: datePart((d) => daysToCivil(d).year),
  month: datePart((d) => daysToCivil(d).month),
  day: datePart((d) => daysToCivil(d).day),
  weekday: datePart(weekdayOfDays),
};

export const METHODS: Readonly<Record<string, Method>> = {
  inSegment: (cx, segment) => inSegment(cx.customer(), segment),
  subscription: (cx, channel, brand, topic) => subscriptionStatus(cx.customer(), channel, brand, topic, cx.brand),
  subscribed: (cx, channel, brand, topic) => subscriptionStatus(cx.customer(), channel, brand, topic, cx.brand) === 'subscribed',
};
