/**
 * `wait within`: the first moment at or after `t` inside a window of allowed days and times of
 * day, in a time zone. DST-safe: wall-clock times go through compiler/time.ts (a time a DST change
 * skips moves forward). Browser-safe.
 */
import { zoneOffset, zonedToEpoch } from '../../compiler/time.js';
import { daysToCivil, weekdayOfDays } from '../vm/values.js';

const DAY = 86_400_000;

/** The calendar day (year, month, day) and weekday (0 Monday) of instant `ms` in `zone`. */
export function localDay(ms: number, zone: string): { y: number; m: number; d: number; weekday: number } {
  const local = new Date(ms + zoneOffset(ms, zone));
  return { y: local.getUTCFullYear(), m: local.getUTCMonth() + 1, d: local.getUTCDate(), weekday: (local.getUTCDay() + 6) % 7 };
}

/**
 * `days`: a mask, bit 0 Monday (0 = every day); `from`/`to`: minutes after midnight; `to < from`
 * is a window across midnight (it belongs to the day it starts on).
 */
export function nextWindowOpen(t: number, days: number, from: number, to: number, zone: string): number {
  const mask = days === 0 ? 0x7f : days;
  const start = localDay(t, zone);
  // Calendar arithmetic on a UTC date: day k after (or before) the local day of t.
  const baseDay = Math.floor(Date.UTC(start.y, start.m - 1, start.d) / DAY);
  for (let k = -1; k <= 8; k++) {
    const day = baseDay + k;
    // The mask's bit 0 is Monday (weekdayOfDays: 1 Monday ... 7 Sunday).
    if (!(mask & (1 << (weekdayOfDays(day) - 1)))) continue;
    const d = daysToCivil(day);
    const open = zonedToEpoch(d.year, d.month, d.day, Math.floor(from / 60), from % 60, 0, zone);
    const e = to <= from ? daysToCivil(day + 1) : d;
    const close = zonedToEpoch(e.year, e.month, e.day, Math.floor(to / 60), to % 60, 0, zone);
    if (open <= t && t < close) return t;
    if (open > t && open < close) return open;
  }
  // Unreachable for a verified program (some day is allowed and from != to).
  return t;
}

/**
 * The calendar period of `limit ... per hour|day|week|month` that instant `ms` falls in, in `zone`,
 * as a key: `2026-03-29` (day), `W2026-03-23` (the week's Monday), `2026-03` (month), and for
 * hours the local hour with its UTC offset (so the hour a DST change repeats counts twice).
 */
export function calendarPeriodKey(ms: number, unit: 'hour' | 'day' | 'week' | 'month', zone: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const { y, m, d, weekday } = localDay(ms, zone);
  switch (unit) {
    case 'hour': {
      const off = zoneOffset(ms, zone);
      const local = new Date(ms + off);
      return `${y}-${pad(m)}-${pad(d)}T${pad(local.getUTCHours())}${off >= 0 ? '+' : '-'}${Math.abs(off / 60_000)}`;
    }
    case 'day':
      return `${y}-${pad(m)}-${pad(d)}`;
    case 'week': {
      const monday = new Date(Date.UTC(y, m - 1, d) - weekday * DAY);
      return `W${monday.getUTCFullYear()}-${pad(monday.getUTCMonth() + 1)}-${pad(monday.getUTCDate())}`;
    }
    case 'month':
      return `${y}-${pad(m)}`;
  }
}
