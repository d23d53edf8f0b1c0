/**
 * A fast path for ajv-formats' `date-time` check: every event has one or more, and the regular
 * expressions and splits of the general check stood out in CPU profiles of the engine bench. The
 * usual form, `YYYY-MM-DDTHH:MM:SS[.fff]Z`, is checked here by character codes; anything else
 * (offsets, lower case, leap seconds, invalid dates) goes to the general check, so the answers are
 * exactly those of ajv-formats (test/schemas/fast-date-time.test.ts compares them).
 */
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** True when `s` is a plainly valid UTC date-time; false means "ask the general check". */
export function plainUtcDateTime(s: string): boolean {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */) return false;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 /* T */ || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return false;
  const y1 = two(s, 0);
  const y2 = two(s, 2);
  const month = two(s, 5);
  const day = two(s, 8);
  const hour = two(s, 11);
  const minute = two(s, 14);
  const second = two(s, 17);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (n > 20) {
    // A fraction: a dot and at least one digit, then the Z.
    if (s.charCodeAt(19) !== 46 || n === 21) return false;
    for (let i = 20; i < n - 1; i++) if (digit(s, i) < 0) return false;
  }
  const year = y1 * 100 + y2;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS[month]!);
}

/** `general` with the fast path in front (for ajv.addFormat). */
export function fastDateTime(general: (s: string) => boolean): (s: string) => boolean {
  return (s) => plainUtcDateTime(s) || general(s);
}
