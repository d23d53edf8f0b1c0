/**
 * The runtime value model of the expression VM, and conversions between it and JSON.
 *
 * Plain JavaScript values where JSON has them, small immutable classes where it has none:
 *
 * | language type        | runtime value                                                    |
 * |----------------------|------------------------------------------------------------------|
 * | text, enum word      | `string` (an enum word is its name: `gold`, `pending`)           |
 * | number               | `number` (always finite)                                         |
 * | true/false           | `boolean`                                                        |
 * | missing, `null`      | `null`                                                           |
 * | duration             | `Duration` (milliseconds)                                        |
 * | date                 | `DateValue` (a calendar day; midnight in the flow's time zone)   |
 * | date-time            | `DateTime` (epoch milliseconds)                                  |
 * | time of day          | `TimeOfDay` (minutes after midnight)                             |
 * | percent              | `Percent` (`10%` → 10)                                           |
 * | list                 | an array (elements as JSON gives them, normalized when read)     |
 * | object               | a plain object (fields normalized when read)                     |
 *
 * Event payloads are used as they come (no copy, no up-front conversion): a date arrives as an
 * ISO string and becomes a date where the code expects one (`order.fields.deliveryDate + 1d`,
 * `birthday == 2000-01-01`, `month(...)`), by its format (`parseTemporal`). `fromJson` converts by a
 * known type instead, for callers that have one. Browser-safe: Intl only, no Node modules.
 */
import type { Type } from '../../stdlib/types.js';
import { literalToEpoch, zonedToEpoch, zoneOffset } from '../../compiler/time.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;
/**
 * Dates and date-times run from year 1000 to year 9999 (four-digit years; compiler/time.ts reads
 * wall-clock times with Date.UTC, which takes years 0 to 99 for 1900 to 1999): a result outside is
 * missing.
 */
export const MIN_DAYS = -354_285; // 1000-01-01
export const MAX_DAYS = 2_932_896; // 9999-12-31
export const MIN_EPOCH_MS = MIN_DAYS * 86_400_000;
export const MAX_EPOCH_MS = (MAX_DAYS + 1) * 86_400_000 - 1;

/** The base of the typed runtime values (one `instanceof` tells them from JSON objects). */
export abstract class TypedValue {
  abstract readonly kind: 'duration' | 'date' | 'datetime' | 'time' | 'percent';
}

/** A length of time: `30m`, `1d12h`; may be negative (`-2d`, `a - b`). */
export class Duration extends TypedValue {
  readonly kind = 'duration' as const;
  constructor(readonly ms: number) {
    super();
  }
}

/** A calendar day (`2026-12-01`): days since 1970-01-01. As a moment: midnight in the flow's time zone. */
export class DateValue extends TypedValue {
  readonly kind = 'date' as const;
  constructor(readonly days: number) {
    super();
  }
  static of(year: number, month: number, day: number): DateValue {
    return new DateValue(civilToDays(year, month, day));
  }
  /** `2026-12-01` */
  override toString(): string {
    const { year, month, day } = daysToCivil(this.days);
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  }
}

/** An exact moment: epoch milliseconds. */
export class DateTime extends TypedValue {
  readonly kind = 'datetime' as const;
  constructor(readonly ms: number) {
    super();
  }
  /** ISO 8601 in UTC: `2026-03-29T01:30:00Z` (with milliseconds when there are any). */
  override toString(): string {
    const iso = new Date(this.ms).toISOString();
    return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
  }
}

/** A time of day (`10:00`): minutes after midnight. */
export class TimeOfDay extends TypedValue {
  readonly kind = 'time' as const;
  constructor(readonly minutes: number) {
    super();
  }
  override toString(): string {
    return `${pad(Math.floor(this.minutes / 60), 2)}:${pad(this.minutes % 60, 2)}`;
  }
}

/** A percentage (`12.5%` → 12.5). */
export class Percent extends TypedValue {
  readonly kind = 'percent' as const;
  constructor(readonly value: number) {
    super();
  }
}

/** A JSON object (an event context, an element of a list, the customer). Read-only. */
export interface ValueObject {
  readonly [field: string]: unknown;
}

/** Any runtime value; `null` is missing. */
export type Value = null | string | number | boolean | Duration | DateValue | DateTime | TimeOfDay | Percent | readonly unknown[] | ValueObject;

export type ValueKind = 'missing' | 'string' | 'number' | 'boolean' | 'duration' | 'date' | 'datetime' | 'time' | 'percent' | 'list' | 'object';

export function kindOf(v: Value): ValueKind {
  if (v === null) return 'missing';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
  }
  if (v instanceof TypedValue) return v.kind;
  return Array.isArray(v) ? 'list' : 'object';
}

/**
 * Any JavaScript value read from a payload, as a runtime value: `undefined`, non-finite numbers,
 * functions, symbols and bigints are missing; a JavaScript `Date` is a date-time.
 */
export function norm(x: unknown): Value {
  switch (typeof x) {
    case 'string':
    case 'boolean':
      return x;
    case 'number':
      return Number.isFinite(x) ? x : null;
    case 'object':
      if (x === null || Array.isArray(x) || x instanceof TypedValue) return x as Value;
      if (x instanceof Date) return Number.isFinite(x.getTime()) ? new DateTime(x.getTime()) : null;
      return x as ValueObject;
    default:
      return null;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `o.field` as a runtime value: own fields only (never `__proto__`, `constructor`...); missing when absent. */
export function field(o: Value, name: string): Value {
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o instanceof TypedValue) return null;
  const v = (o as Record<string, unknown>)[name];
  if (v === undefined) return null;
  // Primitive values never come from Object.prototype; objects might (`__proto__`).
  if (typeof v === 'object' && v !== null && !hasOwn.call(o, name)) return null;
  return norm(v);
}

// ---------- the calendar ----------

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year, no Date.UTC two-digit-year quirk). */
export function civilToDays(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function daysToCivil(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** ISO weekday of a day number: 1 Monday ... 7 Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDays(days: number): number {
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

// Memos of zone computations: evaluations of one flow ask about the same few days, minutes and
// texts over and over (`today()`, a birthday's midnight, an order's delivery date). Per zone,
// bounded, cleared when full.
const MEMO_LIMIT = 4096;

/** Per-zone maps of remembered results. */
class ZoneMemo<K, V> {
  private readonly zones = new Map<string, Map<K, V>>();
  of(zone: string): Map<K, V> {
    let m = this.zones.get(zone);
    if (!m) {
      m = new Map();
      this.zones.set(zone, m);
    }
    return m;
  }
}

function remember<K, V>(m: Map<K, V>, key: K, value: V): V {
  if (m.size >= MEMO_LIMIT) m.clear();
  m.set(key, value);
  return value;
}

const midnights = new ZoneMemo<number, number>();
const offsets = new ZoneMemo<number, number>();

/** Epoch ms of midnight at the start of a day in a zone (a midnight skipped by DST: the first moment of that day). */
export function midnight(days: number, zone: string): number {
  if (zone === 'UTC') return days * DAY_MS;
  const m = midnights.of(zone);
  const hit = m.get(days);
  if (hit !== undefined) return hit;
  const { year, month, day } = daysToCivil(days);
  return remember(m, days, zonedToEpoch(year, month, day, 0, 0, 0, zone));
}

/** The calendar day a moment falls on in a zone. */
export function dayOf(ms: number, zone: string): number {
  if (zone === 'UTC') return Math.floor(ms / DAY_MS);
  // The offset only changes at whole minutes (since 1972, at quarter hours): memoized per minute.
  const minute = Math.floor(ms / MINUTE_MS);
  const m = offsets.of(zone);
  let offset = m.get(minute);
  if (offset === undefined) offset = remember(m, minute, zoneOffset(minute * MINUTE_MS, zone));
  return Math.floor((ms + offset) / DAY_MS);
}

/** The moment a date or date-time stands for: a date is midnight at its start in `zone`. */
export function momentOf(v: DateValue | DateTime, zone: string): number {
  return v instanceof DateTime ? v.ms : midnight(v.days, zone);
}

/** A day number in range (years 1000 to 9999), as a date (else missing). */
export function dateOrMissing(days: number): DateValue | null {
  return days >= MIN_DAYS && days <= MAX_DAYS ? new DateValue(days) : null;
}

/** An epoch ms in range (years 1000 to 9999, UTC), as a date-time (else missing). */
export function dateTimeOrMissing(ms: number): DateTime | null {
  return ms >= MIN_EPOCH_MS && ms <= MAX_EPOCH_MS ? new DateTime(ms) : null;
}

// ---------- text → dates ----------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]!);
}

/** Cheap pre-test: could this text be an ISO date or date-time (`dddd-dd-dd...`)? */
export function looksTemporal(s: string): boolean {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

const parsedDates = new Map<string, DateValue | DateTime | null>();
const parsedDateTimes = new ZoneMemo<string, DateValue | DateTime | null>();

/**
 * An ISO 8601 text as a date or date-time, by its format, or null when it is neither:
 * `2026-12-01` → a date; `2026-12-01T10:00[:00[.000]]` → a date-time in `zone`;
 * with `Z` or `±hh:mm` → that exact moment. Calendar-checked (`2026-02-30` is not a date).
 */
export function parseTemporal(s: string, zone: string): DateValue | DateTime | null {
  if (!looksTemporal(s)) return null;
  // A date does not depend on the zone; a date-time without an offset does.
  const m = s.length === 10 ? parsedDates : parsedDateTimes.of(zone);
  const hit = m.get(s);
  if (hit !== undefined) return hit;
  return remember<string, DateValue | DateTime | null>(m, s, s.length === 10 ? parseDate(s) : parseDateTime(s, zone));
}

function parseDate(s: string): DateValue | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return validDay(y, mo, d) ? dateOrMissing(civilToDays(y, mo, d)) : null;
}

function parseDateTime(s: string, zone: string): DateTime | null {
  const m = DATETIME_RE.exec(s);
  if (!m || Number(m[1]) < 1000 || !validDay(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return null;
  const off = m[8];
  if (off && off !== 'Z' && off !== 'z' && (Number(off.slice(1, 3)) > 14 || Number(off.slice(4, 6)) > 59)) return null;
  // compiler/time.ts reads the fraction as milliseconds; it wants upper-case T and Z.
  return dateTimeOrMissing(literalToEpoch(s.replace(/[tz]/g, (c) => c.toUpperCase()), zone));
}

/** A value as a date or date-time where one is expected: typed values as they are, ISO text parsed. */
export function asTemporal(v: Value, zone: string): DateValue | DateTime | null {
  if (v instanceof DateValue || v instanceof DateTime) return v;
  if (typeof v === 'string') return parseTemporal(v, zone);
  return null;
}

/** The moment a value stands for (for `wait until`): epoch ms, or null when it is not a date or date-time. */
export function toEpoch(v: Value, zone: string): number | null {
  const t = asTemporal(v, zone);
  return t === null ? null : momentOf(t, zone);
}

// ---------- JSON ----------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A JSON payload as runtime values, converted by the type the code expects (from the catalog or
 * the manifest's custom fields): ISO strings → dates / date-times, numbers → durations (ms) or
 * percents, `"10:00"` → a time of day. Text that does not fit its type is missing. Without a type
 * (or `any`), values are kept as they are (dates stay text and are read by their format where the
 * code uses them as dates). Object fields without a declared type are kept as they are.
 */
export function fromJson(json: unknown, type?: Type, zone = 'UTC'): Value {
  const v = norm(json);
  if (!type || v === null) return v;
  switch (type.kind) {
    case 'date':
    case 'datetime': {
      const t = asTemporal(v, zone);
      if (t === null) return null;
      // A date-time where a date is expected keeps its exact moment; a date where a date-time is expected stays a day.
      return t;
    }
    case 'duration':
      return typeof v === 'number' ? new Duration(v) : v instanceof Duration ? v : null;
    case 'percent':
      return typeof v === 'number' ? new Percent(v) : v instanceof Percent ? v : null;
    case 'time': {
      if (v instanceof TimeOfDay) return v;
      const m = typeof v === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(v) : null;
      return m && Number(m[1]) < 24 && Number(m[2]) < 60 ? new TimeOfDay(Number(m[1]) * 60 + Number(m[2])) : null;
    }
    case 'string':
    case 'enum':
      return typeof v === 'string' ? v : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'array':
      return Array.isArray(v) ? v.map((x) => fromJson(x, type.element, zone)) : null;
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v) || v instanceof TypedValue) return null;
      const out: Record<string, Value> = {};
      for (const k of Object.keys(v)) {
        const f = type.fields[k];
        out[k] = f ? fromJson((v as Record<string, unknown>)[k], f.type, zone) : norm((v as Record<string, unknown>)[k]);
      }
      return out;
    }
    default:
      return v;
  }
}

/**
 * A runtime value as JSON (action parameters, webhook bodies, effects): a date as `2026-12-01`,
 * a date-time as ISO 8601 UTC (`...Z`), a duration as milliseconds, a percent as its number, a
 * time of day as `10:00`, missing as null. Lists and objects are converted deeply.
 */
export function toJson(v: unknown): Json {
  const x = norm(v);
  if (x === null || typeof x !== 'object') return x;
  if (x instanceof Duration) return x.ms;
  if (x instanceof Percent) return x.value;
  if (x instanceof TypedValue) return x.toString();
  if (Array.isArray(x)) return x.map(toJson);
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(x)) out[k] = toJson((x as Record<string, unknown>)[k]);
  return out;
}

/** A value as people read it (tests, the activity log): `2026-12-01`, `1d12h`, `10%`, `"text"`, `missing`. */
export function showValue(v: unknown): string {
  const x = norm(v);
  if (x === null) return 'missing';
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x !== 'object') return String(x);
  if (x instanceof Duration) return durationText(x.ms);
  if (x instanceof Percent) return `${x.value}%`;
  if (x instanceof TypedValue) return x.toString();
  if (Array.isArray(x)) return `[${x.map(showValue).join(', ')}]`;
  return `{${Object.keys(x)
    .map((k) => `${k}: ${showValue((x as Record<string, unknown>)[k])}`)
    .join(', ')}}`;
}

function durationText(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  let out = '';
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', MINUTE_MS],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > 0) out += `${rest}ms`;
  return sign + out;
}
