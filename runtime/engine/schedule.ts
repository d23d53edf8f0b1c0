/**
 * Run times of scheduled flows (`every day at 10:00`, `every mon, thu at 09:30`, `every month on 1,
 * last at 10:00`, `every 6h`): docs/language.md, "Scheduled triggers". Pure and browser-safe (Intl
 * only, through compiler/time.ts); times are epoch ms.
 *
 * - Interval (`every 6h`): the runs are `anchor + k * intervalMs` for k = 0, 1, 2... where `anchor`
 *   is when the flow was launched (or loaded). `times` is not used (the compiler leaves it empty
 *   and reports `at` with an interval).
 * - Weekly (`weekdays`, a bit mask, bit 0 = Monday) and monthly (`monthDays`, 1..31, 0 = the last
 *   day of the month): every allowed calendar day of the flow's zone at every time of `times`
 *   (minutes after midnight), wall clock in that zone. A month day past the month's length is
 *   skipped (the 31st in April); 0 is the last day. The anchor is not used.
 * - Daylight saving: a wall time resolves as `zonedToEpoch` does everywhere in Runnel. A time that
 *   a change skips moves forward by the length of the gap (Berlin, 2026-03-29: 02:30 runs at 03:30
 *   CEST, 01:30Z); a time that happens twice (the autumn change) runs once, at its second
 *   occurrence (the standard-time one: Berlin, 2026-10-25: 02:30 CET, 01:30Z). Two times of one
 *   day that resolve to the same instant (02:00 and 03:00 on the spring day) run once.
 */
import { zonedToEpoch, zoneOffset } from '../../compiler/time.js';

/** The `every` of a schedule trigger (compiler/bytecode/program.ts, ProgramTrigger kind `schedule`). */
export type ScheduleEvery = { intervalMs: number } | { weekdays: number } | { monthDays: number[] };

/** What `runsBetween` returns at most, by default. */
export const MAX_RUNS = 1000;

const DAY_MS = 86_400_000;
/** The longest stretch without an allowed day: a monthly schedule on the 31st only (Jan 31 to Mar 31) is 59 days. */
const MAX_GAP_DAYS = 62;

/** The calendar day of the flow's zone that `ms` falls on, as UTC midnight of that date. */
function localDay(ms: number, zone: string): number {
  const wall = ms + zoneOffset(ms, zone);
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** Whether a calendar day (UTC midnight of the date) is one of the schedule's days. */
function allowedDay(every: { weekdays: number } | { monthDays: number[] }, day: number): boolean {
  const d = new Date(day);
  if ('weekdays' in every) {
    const monday0 = (d.getUTCDay() + 6) % 7;
    return (every.weekdays & (1 << monday0)) !== 0;
  }
  const date = d.getUTCDate();
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  // A day beyond the month's length never equals a date of it, so it is skipped.
  return every.monthDays.some((m) => (m === 0 ? date === last : m === date));
}

/** The run instants of one calendar day (UTC midnight of the date), ascending, without repeats. */
function runsOfDay(times: readonly number[], zone: string, day: number): number[] {
  const d = new Date(day);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + 1;
  const dd = d.getUTCDate();
  const out = new Set<number>();
  for (const t of times) {
    if (!Number.isInteger(t) || t < 0 || t >= 24 * 60) continue;
    out.add(zonedToEpoch(y, mo, dd, Math.floor(t / 60), t % 60, 0, zone));
  }
  return [...out].sort((a, b) => a - b);
}

/** A wall time of a day is never earlier than that date's midnight as UTC minus this (UTC+14 is the farthest zone, plus a DST gap's shift, with room). */
const EARLIEST_BEFORE_MIDNIGHT_MS = 26 * 3_600_000;

/**
 * Calendar runs strictly after `after`, ascending and without repeats, while `keep(run)` holds,
 * at most `limit` of them. Days are visited in order from the day before `after`'s. A day's runs
 * are not always after the previous day's (a time skipped by a DST change just before midnight
 * moves into the next day), so they wait in `pending` until no later day can bring an earlier one.
 */
function calendarRuns(
  every: { weekdays: number } | { monthDays: number[] },
  times: readonly number[],
  zone: string,
  after: number,
  limit: number,
  keep: (run: number) => boolean,
): number[] {
  const out: number[] = [];
  if (limit <= 0 || !times.length || !Number.isFinite(after)) return out;
  let pending: number[] = [];
  let last = after;
  let idle = 0;
  for (let day = localDay(after, zone) - DAY_MS; ; day += DAY_MS) {
    if (allowedDay(every, day)) {
      idle = 0;
      const runs = runsOfDay(times, zone, day).filter((r) => r > after);
      if (runs.length) pending = [...pending, ...runs].sort((a, b) => a - b);
    } else if (++idle > MAX_GAP_DAYS + 2 && !pending.length) {
      // No allowed day for longer than any schedule leaves: there is none (an empty mask or day list).
      return out;
    }
    // Runs of the next days are all at or after this bound.
    const bound = day + DAY_MS - EARLIEST_BEFORE_MIDNIGHT_MS;
    while (pending.length && pending[0]! < bound) {
      const run = pending.shift()!;
      if (run <= last) continue;
      if (!keep(run)) return out;
      out.push(run);
      last = run;
      if (out.length >= limit) return out;
    }
  }
}

/**
 * The first run strictly after `after` (epoch ms). `anchor`: when the flow was launched (interval
 * schedules count from it; the anchor itself is a run). `Infinity` when the schedule never runs (a
 * calendar schedule without times or days, an interval that is not a positive number).
 */
export function nextRun(every: ScheduleEvery, times: readonly number[], zone: string, after: number, anchor: number): number {
  if (Number.isNaN(after)) return NaN;
  if ('intervalMs' in every) {
    const step = every.intervalMs;
    if (!(step > 0) || !Number.isFinite(step) || !Number.isFinite(anchor)) return Infinity;
    if (after < anchor) return anchor;
    return anchor + (Math.floor((after - anchor) / step) + 1) * step;
  }
  const [run] = calendarRuns(every, times, zone, after, 1, () => true);
  return run ?? Infinity;
}

/**
 * The runs in (`from`, `to`], ascending: what a scheduler that was down between the two missed.
 * At most `limit` (default MAX_RUNS), the earliest ones; a caller that gets exactly `limit` runs
 * should assume there were more.
 */
export function runsBetween(
  every: ScheduleEvery,
  times: readonly number[],
  zone: string,
  from: number,
  to: number,
  anchor: number,
  limit: number = MAX_RUNS,
): number[] {
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from || limit <= 0) return [];
  if ('intervalMs' in every) {
    const out: number[] = [];
    for (let run = nextRun(every, times, zone, from, anchor); run <= to && out.length < limit; run += every.intervalMs) out.push(run);
    return out;
  }
  return calendarRuns(every, times, zone, from, limit, (run) => run <= to);
}
