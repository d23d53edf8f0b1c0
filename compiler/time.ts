/**
 * Wall-clock time in a time zone, with Intl only (browser-safe). The compiler resolves the flow
 * schedule (`active from ... until ...`) with it; the runtime resolves date literals the same way.
 */
export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** `mon` → 0 ... `sun` → 6, or -1. */
export function weekdayIndex(name: string): number {
  return (WEEKDAY_NAMES as readonly string[]).indexOf(name);
}

/** `9:30` → 570 (minutes after midnight). */
export function timeMinutes(raw: string): number {
  const m = /^(\d{1,2}):(\d{2})/.exec(raw);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

export function formatMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Date.UTC with full years: Date.UTC itself reads years 0 to 99 as 1900 to 1999. */
function utc(year: number, month0: number, day: number, hour: number, minute: number, second: number): number {
  // Years from 100 on, with a time of day in range, need no Date object (the engine's hot path:
  // every wall-clock wait). Otherwise the time's carry into another day is dropped, as it always was.
  if (year >= 100 && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60) return Date.UTC(year, month0, day, hour, minute, second);
  const d = new Date(Date.UTC(2000, month0, day, hour, minute, second));
  d.setUTCFullYear(year, month0, day);
  return d.getTime();
}

/** Offsets by zone, per quarter hour (the engine asks for the same few days again and again). */
const QUARTER_MS = 15 * 60_000;
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_MAX = 200_000;

/**
 * The zone's offset from UTC at instant `ms`, in ms (Berlin in winter: +3_600_000). Memoized per
 * quarter hour when the offset is the same at both ends of it (offset changes since 1970 fall on
 * quarter hours, so a quarter hour holds at most one; one that holds a change is not cached).
 */
export function zoneOffset(ms: number, zone: string): number {
  if (zone === 'UTC') return 0;
  let byQuarter = offsetCache.get(zone);
  if (!byQuarter) offsetCache.set(zone, (byQuarter = new Map()));
  const q = Math.floor(ms / QUARTER_MS);
  const hit = byQuarter.get(q);
  if (hit !== undefined) return hit;
  const start = rawZoneOffset(q * QUARTER_MS, zone);
  if (rawZoneOffset(q * QUARTER_MS + QUARTER_MS - 1000, zone) !== start) return rawZoneOffset(ms, zone);
  if (byQuarter.size >= OFFSET_CACHE_MAX) byQuarter.clear();
  byQuarter.set(q, start);
  return start;
}

function rawZoneOffset(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = utc(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']! % 24, parts['minute']!, parts['second']!);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of a wall-clock time in a zone (a time skipped by a DST change moves forward with it). */
export function zonedToEpoch(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  const wall = utc(year, month - 1, day, hour, minute, second);
  let t = wall - zoneOffset(wall, zone);
  const again = wall - zoneOffset(t, zone);
  if (again !== t) t = Math.max(t, again);
  return t;
}

/**
 * `2026-12-01` (midnight), `2026-12-01T10:00[:30[.5]]` (wall clock in `zone`), or with `Z` / `+01:00`
 * (exact): epoch ms. NaN for text that is none of these.
 */
export function literalToEpoch(raw: string, zone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(raw);
  if (!m) return NaN;
  const [y, mo, d, h = '0', mi = '0', s = '0', frac, off] = m.slice(1);
  const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
  if (off) {
    const sign = off === 'Z' ? 0 : off.startsWith('-') ? -1 : 1;
    const offMs = off === 'Z' ? 0 : sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6))) * 60_000;
    return utc(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + ms - offMs;
  }
  return zonedToEpoch(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), zone) + ms;
}
