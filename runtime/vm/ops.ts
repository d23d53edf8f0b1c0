/**
 * The operators of the expression language over runtime values (docs/language.md, "Operators" and
 * "Missing values"). Total functions: they never throw; a value of the wrong kind (bad data that
 * slipped past validation) behaves like a missing one.
 *
 * - Comparisons answer true, false, or `undefined` = cannot compare (a missing value, or kinds that
 *   do not compare). The VM turns `undefined` into false for every operator, `!=` included.
 * - Arithmetic gives missing (null) when a side is missing, when the kinds do not combine, on a
 *   division by zero, and when the result is not a finite number or falls outside the calendar.
 * - Text in ISO format meets dates as a date or date-time (`parseTemporal`); two such texts compare
 *   as moments.
 */
import {
  DateTime,
  DateValue,
  DAY_MS,
  Duration,
  Percent,
  TimeOfDay,
  TypedValue,
  asTemporal,
  dateOrMissing,
  dateTimeOrMissing,
  daysToCivil,
  looksTemporal,
  midnight,
  momentOf,
  norm,
  parseTemporal,
  type Value,
} from './values.js';
import { zonedToEpoch } from '../../compiler/time.js';

const isPlainObject = (v: Value): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof TypedValue);

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function durationOrMissing(ms: number): Duration | null {
  return Number.isFinite(ms) ? new Duration(ms) : null;
}

/** Compares two dates / date-times: days when both are dates, else moments (a date is its midnight in `zone`). */
function compareTemporal(a: DateValue | DateTime, b: DateValue | DateTime, zone: string): number {
  if (a instanceof DateValue && b instanceof DateValue) return a.days - b.days;
  return momentOf(a, zone) - momentOf(b, zone);
}

const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/**
 * Orders two values: negative, 0, positive, or undefined when they do not compare. Numbers,
 * durations, dates and date-times (with each other), times of day, percents, and text (by UTF-16
 * code units; two ISO texts by the moments they stand for). Booleans, lists and objects have no order.
 */
export function compare(a: Value, b: Value, zone: string): number | undefined {
  if (a === null || b === null) return undefined;
  if (typeof a === 'number') return typeof b === 'number' ? sign(a - b) : undefined;
  if (typeof a === 'string') {
    if (typeof b === 'string') {
      if (a === b) return 0;
      if (looksTemporal(a) && looksTemporal(b)) {
        const ta = parseTemporal(a, zone);
        const tb = ta && parseTemporal(b, zone);
        if (ta && tb) return sign(compareTemporal(ta, tb, zone));
      }
      return a < b ? -1 : 1;
    }
    if (b instanceof DateValue || b instanceof DateTime) {
      const ta = parseTemporal(a, zone);
      return ta ? sign(compareTemporal(ta, b, zone)) : undefined;
    }
    return undefined;
  }
  if (a instanceof DateValue || a instanceof DateTime) {
    const tb = asTemporal(b, zone);
    return tb ? sign(compareTemporal(a, tb, zone)) : undefined;
  }
  if (a instanceof Duration) return b instanceof Duration ? sign(a.ms - b.ms) : undefined;
  if (a instanceof TimeOfDay) return b instanceof TimeOfDay ? sign(a.minutes - b.minutes) : undefined;
  if (a instanceof Percent) return b instanceof Percent ? sign(a.value - b.value) : undefined;
  return undefined;
}

/**
 * Whether two values are equal, or undefined when they cannot be compared (a missing side, or
 * kinds that never compare). Lists and objects compare element by element and field by field;
 * inside them, two missing values are equal. `steps` is charged one per element visited.
 */
export function equals(a: Value, b: Value, zone: string, steps?: { n: number }): boolean | undefined {
  if (a === null || b === null) return undefined;
  switch (typeof a) {
    case 'string':
      if (typeof b === 'string') {
        if (a === b) return true;
        if (looksTemporal(a) && looksTemporal(b)) {
          const ta = parseTemporal(a, zone);
          const tb = ta && parseTemporal(b, zone);
          if (ta && tb) return compareTemporal(ta, tb, zone) === 0;
        }
        return false;
      }
      if (b instanceof DateValue || b instanceof DateTime) {
        const ta = parseTemporal(a, zone);
        return ta ? compareTemporal(ta, b, zone) === 0 : undefined;
      }
      return undefined;
    case 'number':
      return typeof b === 'number' ? a === b : undefined;
    case 'boolean':
      return typeof b === 'boolean' ? a === b : undefined;
  }
  if (a instanceof TypedValue) {
    if (a instanceof DateValue || a instanceof DateTime) {
      const tb = asTemporal(b, zone);
      return tb ? compareTemporal(a, tb, zone) === 0 : undefined;
    }
    const c = compare(a, b, zone);
    return c === undefined ? undefined : c === 0;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return undefined;
    if (steps) steps.n += a.length;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!nestedEquals(norm(a[i]), norm(b[i]), zone, steps)) return false;
    return true;
  }
  if (!isPlainObject(b)) return undefined;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (steps) steps.n += ka.length;
  // Fields that are missing (absent, null, undefined) do not count.
  const present = (o: Record<string, unknown>, keys: string[]) => keys.filter((k) => norm(o[k]) !== null);
  const pa = present(a as Record<string, unknown>, ka);
  const pb = present(b, kb);
  if (pa.length !== pb.length) return false;
  for (const k of pa) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!nestedEquals(norm((a as Record<string, unknown>)[k]), norm(b[k]), zone, steps)) return false;
  }
  return true;
}

function nestedEquals(a: Value, b: Value, zone: string, steps?: { n: number }): boolean {
  if (a === null || b === null) return a === b;
  return equals(a, b, zone, steps) === true;
}

/**
 * `a in b`: b a list holding an element equal to a, or b a text containing the text a. Undefined
 * (so `in` and `not in` are both false) when either side is missing or b is neither. `steps` is
 * charged for elements compared deeply (the caller charges the list's own length).
 */
export function member(a: Value, b: Value, zone: string, steps?: { n: number }): boolean | undefined {
  if (a === null || b === null) return undefined;
  if (Array.isArray(b)) {
    for (const x of b) if (equals(a, norm(x), zone, steps) === true) return true;
    return false;
  }
  if (typeof b === 'string') return typeof a === 'string' ? b.includes(a) : undefined;
  return undefined;
}

// ---------- arithmetic ----------

/**
 * A date plus a signed duration. Whole days move on the calendar, so a date stays a date and
 * midnight stays midnight across a DST change (`2026-03-29 + 1d` is `2026-03-30`). A remainder
 * below a day makes it a date-time: that wall-clock time on the day reached (`2026-03-29 + 9h` is
 * 09:00 on the 29th in the flow's time zone, although the day before 09:00 has only 8 hours in
 * Berlin; `2026-03-29 - 12h` is 12:00 on the 28th). A wall-clock time a DST change skips moves
 * forward with it (02:30 on 2026-03-29 in Berlin is 03:30).
 */
export function addToDate(d: DateValue, ms: number, zone: string): DateValue | DateTime | null {
  const whole = Math.floor(ms / DAY_MS);
  const rest = ms - whole * DAY_MS; // in [0, 1 day)
  const day = dateOrMissing(d.days + whole);
  if (day === null || rest === 0) return day;
  const { year, month, day: dom } = daysToCivil(day.days);
  const seconds = Math.floor(rest / 1000);
  const wall = zonedToEpoch(year, month, dom, Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60, zone);
  return dateTimeOrMissing(wall + (rest - seconds * 1000));
}

/** Date / date-time ± duration (sign = 1 or -1). */
function shift(t: DateValue | DateTime, ms: number, zone: string): Value {
  if (!Number.isFinite(ms)) return null;
  return t instanceof DateValue ? addToDate(t, ms, zone) : dateTimeOrMissing(t.ms + ms);
}

/** A side of + or - that may be a date: typed dates as they are, ISO text parsed when the other side is a duration or a date. */
function temporalSide(v: Value, zone: string): DateValue | DateTime | null {
  return asTemporal(v, zone);
}

export function add(a: Value, b: Value, zone: string): Value {
  if (a === null || b === null) return null;
  if (typeof a === 'number') {
    if (typeof b === 'number') return finite(a + b);
    return null;
  }
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (a instanceof Duration) {
    if (b instanceof Duration) return durationOrMissing(a.ms + b.ms);
    const t = temporalSide(b, zone);
    return t ? shift(t, a.ms, zone) : null;
  }
  if (b instanceof Duration) {
    const t = temporalSide(a, zone);
    return t ? shift(t, b.ms, zone) : null;
  }
  return null;
}

export function sub(a: Value, b: Value, zone: string): Value {
  if (a === null || b === null) return null;
  if (typeof a === 'number') return typeof b === 'number' ? finite(a - b) : null;
  if (a instanceof Duration) return b instanceof Duration ? durationOrMissing(a.ms - b.ms) : null;
  const ta = temporalSide(a, zone);
  if (!ta) return null;
  if (b instanceof Duration) return shift(ta, -b.ms, zone);
  const tb = temporalSide(b, zone);
  if (!tb) return null;
  // Two dates: calendar days between them (so `(a - b) + b == a`); otherwise exact time between the moments.
  if (ta instanceof DateValue && tb instanceof DateValue) return durationOrMissing((ta.days - tb.days) * DAY_MS);
  return durationOrMissing(momentOf(ta, zone) - momentOf(tb, zone));
}

export function mul(a: Value, b: Value): Value {
  if (a === null || b === null) return null;
  if (typeof a === 'number') {
    if (typeof b === 'number') return finite(a * b);
    if (b instanceof Duration) return durationOrMissing(a * b.ms);
    if (b instanceof Percent) return finite((b.value * a) / 100);
    return null;
  }
  if (typeof b !== 'number') return null;
  if (a instanceof Duration) return durationOrMissing(a.ms * b);
  if (a instanceof Percent) return finite((a.value * b) / 100);
  return null;
}

export function div(a: Value, b: Value): Value {
  if (a === null || b === null || typeof b !== 'number' || b === 0) return null;
  if (typeof a === 'number') return finite(a / b);
  if (a instanceof Duration) return durationOrMissing(a.ms / b);
  return null;
}

export function neg(a: Value): Value {
  if (typeof a === 'number') return -a;
  if (a instanceof Duration) return new Duration(-a.ms);
  if (a instanceof Percent) return new Percent(-a.value);
  return null;
}
