/** Range checks for date, time and duration literals. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isValidDate(raw: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Years a journey can happen in: also keeps Date.UTC away from its two-digit-year mapping.
  if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]!);
}

/** A date's year outside 1900..2200: a typo, not a plan. */
export function yearOutOfRange(raw: string): boolean {
  const y = Number(raw.slice(0, 4));
  return y < 1900 || y > 2200;
}

export function isValidTime(raw: string): boolean {
  const m = /^(\d{1,2}):(\d{2})/.exec(raw);
  return !!m && Number(m[1]) < 24 && Number(m[2]) < 60;
}

export function isValidDateTime(raw: string): boolean {
  if (!isValidDate(raw)) return false;
  const t = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(raw);
  if (!t || Number(t[1]) > 23 || Number(t[2]) > 59 || Number(t[3] ?? 0) > 59) return false;
  const off = /([+-])(\d{2}):(\d{2})$/.exec(raw.slice(16));
  return !off || (Number(off[2]) <= 14 && Number(off[3]) < 60);
}

/** A date or date-time literal that names a real moment in a plausible year. */
export function isValidDateLiteral(v: { kind: 'Date' | 'DateTime'; raw: string }): boolean {
  return !yearOutOfRange(v.raw) && (v.kind === 'Date' ? isValidDate(v.raw) : isValidDateTime(v.raw));
}

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export function formatMs(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / 1000}s`;
}


let zones: Set<string> | undefined;
/** IANA time zones known to this JavaScript engine (browser-safe: Intl only). */
export function timeZones(): Set<string> {
  if (!zones) {
    const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
    zones = new Set(intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : []);
    zones.add('UTC');
  }
  return zones;
}

export function isValidTimeZone(name: string): boolean {
  if (timeZones().has(name)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
