/** Run times of scheduled flows (runtime/engine/schedule.ts; docs/language.md, "Scheduled triggers"). */
import { describe, expect, it } from 'vitest';
import { MAX_RUNS, nextRun, runsBetween, type ScheduleEvery } from '../../../runtime/engine/schedule.js';
import { zoneOffset } from '../../../compiler/time.js';

const ms = (iso: string) => {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`bad date ${iso}`);
  return t;
};
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const hm = (h: number, m = 0) => h * 60 + m;

const EVERY_DAY: ScheduleEvery = { weekdays: 0b1111111 };
const WEEKDAY: ScheduleEvery = { weekdays: 0b0011111 }; // mon..fri
const BERLIN = 'Europe/Berlin';

/** The runs one after the other with nextRun, up to `to`. */
function chain(every: ScheduleEvery, times: number[], zone: string, from: number, to: number, anchor = 0): number[] {
  const out: number[] = [];
  for (let t = nextRun(every, times, zone, from, anchor); t <= to; t = nextRun(every, times, zone, t, anchor)) out.push(t);
  return out;
}

describe('nextRun: every day', () => {
  it('every day at 10:00 (UTC): today if before 10:00, else tomorrow', () => {
    expect(iso(nextRun(EVERY_DAY, [hm(10)], 'UTC', ms('2026-06-01T09:59:59Z'), 0))).toBe('2026-06-01T10:00:00Z');
    expect(iso(nextRun(EVERY_DAY, [hm(10)], 'UTC', ms('2026-06-01T10:00:01Z'), 0))).toBe('2026-06-02T10:00:00Z');
  });

  it('`after` exactly on a run time gives the next one', () => {
    expect(iso(nextRun(EVERY_DAY, [hm(10)], 'UTC', ms('2026-06-01T10:00:00Z'), 0))).toBe('2026-06-02T10:00:00Z');
    expect(iso(nextRun(EVERY_DAY, [hm(9), hm(18)], BERLIN, ms('2026-06-01T07:00:00Z'), 0))).toBe('2026-06-01T16:00:00Z');
    expect(iso(nextRun({ intervalMs: 6 * 3_600_000 }, [], 'UTC', ms('2026-06-01T16:00:00Z'), ms('2026-06-01T10:00:00Z')))).toBe('2026-06-01T22:00:00Z');
  });

  it('every day at 09:00, 18:00 (Berlin, summer time): twice a day, in order', () => {
    const times = [hm(18), hm(9)]; // order in `times` does not matter
    expect(iso(nextRun(EVERY_DAY, times, BERLIN, ms('2026-06-01T06:00:00Z'), 0))).toBe('2026-06-01T07:00:00Z');
    expect(iso(nextRun(EVERY_DAY, times, BERLIN, ms('2026-06-01T12:00:00Z'), 0))).toBe('2026-06-01T16:00:00Z');
    expect(iso(nextRun(EVERY_DAY, times, BERLIN, ms('2026-06-01T16:30:00Z'), 0))).toBe('2026-06-02T07:00:00Z');
    expect(runsBetween(EVERY_DAY, times, BERLIN, ms('2026-06-01T00:00:00Z'), ms('2026-06-03T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-06-01T07:00:00Z',
      '2026-06-01T16:00:00Z',
      '2026-06-02T07:00:00Z',
      '2026-06-02T16:00:00Z',
    ]);
  });

  it('a time just before midnight in a zone east of UTC is on the previous UTC day', () => {
    expect(iso(nextRun(EVERY_DAY, [hm(0, 30)], BERLIN, ms('2026-06-01T12:00:00Z'), 0))).toBe('2026-06-01T22:30:00Z');
  });
});

describe('nextRun: days of the week', () => {
  it('every weekday at 9:00 in Berlin: from Friday after 9:00 to Monday, across the weekend', () => {
    // 2026-06-05 is a Friday; 10:00 CEST = 08:00Z.
    expect(iso(nextRun(WEEKDAY, [hm(9)], BERLIN, ms('2026-06-05T08:00:00Z'), 0))).toBe('2026-06-08T07:00:00Z');
    // Saturday and Sunday too.
    expect(iso(nextRun(WEEKDAY, [hm(9)], BERLIN, ms('2026-06-06T07:00:00Z'), 0))).toBe('2026-06-08T07:00:00Z');
    expect(iso(nextRun(WEEKDAY, [hm(9)], BERLIN, ms('2026-06-07T23:00:00Z'), 0))).toBe('2026-06-08T07:00:00Z');
    // Friday before 9:00 CEST: that Friday.
    expect(iso(nextRun(WEEKDAY, [hm(9)], BERLIN, ms('2026-06-05T06:59:00Z'), 0))).toBe('2026-06-05T07:00:00Z');
  });

  it('the day is the zone\'s, not UTC\'s: Monday 00:30 in Berlin is Sunday 22:30Z', () => {
    const monday = { weekdays: 0b0000001 };
    expect(iso(nextRun(monday, [hm(0, 30)], BERLIN, ms('2026-06-03T00:00:00Z'), 0))).toBe('2026-06-07T22:30:00Z');
  });

  it('every mon, thu at 09:30 (UTC): a week has two runs', () => {
    const monThu = { weekdays: (1 << 0) | (1 << 3) };
    expect(runsBetween(monThu, [hm(9, 30)], 'UTC', ms('2026-06-01T00:00:00Z'), ms('2026-06-15T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-06-01T09:30:00Z',
      '2026-06-04T09:30:00Z',
      '2026-06-08T09:30:00Z',
      '2026-06-11T09:30:00Z',
    ]);
  });

  it('every sat at 11:00: weekly', () => {
    const sat = { weekdays: 1 << 5 };
    expect(chain(sat, [hm(11)], 'UTC', ms('2026-06-01T00:00:00Z'), ms('2026-06-30T00:00:00Z')).map(iso)).toEqual([
      '2026-06-06T11:00:00Z',
      '2026-06-13T11:00:00Z',
      '2026-06-20T11:00:00Z',
      '2026-06-27T11:00:00Z',
    ]);
  });
});

describe('nextRun: days of the month', () => {
  it('every month on 31: April (and the other 30-day months, and February) are skipped', () => {
    expect(iso(nextRun({ monthDays: [31] }, [hm(10)], 'UTC', ms('2026-03-31T10:00:00Z'), 0))).toBe('2026-05-31T10:00:00Z');
    expect(runsBetween({ monthDays: [31] }, [hm(10)], 'UTC', ms('2026-01-01T00:00:00Z'), ms('2027-01-01T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-01-31T10:00:00Z',
      '2026-03-31T10:00:00Z',
      '2026-05-31T10:00:00Z',
      '2026-07-31T10:00:00Z',
      '2026-08-31T10:00:00Z',
      '2026-10-31T10:00:00Z',
      '2026-12-31T10:00:00Z',
    ]);
  });

  it('every month on 1, 15', () => {
    expect(runsBetween({ monthDays: [15, 1] }, [hm(10)], 'UTC', ms('2026-01-31T00:00:00Z'), ms('2026-03-02T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-02-01T10:00:00Z',
      '2026-02-15T10:00:00Z',
      '2026-03-01T10:00:00Z',
    ]);
  });

  it('`last` in February: the 29th in the leap year 2028, the 28th in 2026 and 2027', () => {
    const last = { monthDays: [0] };
    expect(iso(nextRun(last, [hm(10)], 'UTC', ms('2028-02-01T00:00:00Z'), 0))).toBe('2028-02-29T10:00:00Z');
    expect(iso(nextRun(last, [hm(10)], 'UTC', ms('2028-02-28T10:00:00Z'), 0))).toBe('2028-02-29T10:00:00Z');
    expect(iso(nextRun(last, [hm(10)], 'UTC', ms('2027-02-01T00:00:00Z'), 0))).toBe('2027-02-28T10:00:00Z');
    expect(iso(nextRun(last, [hm(10)], 'UTC', ms('2026-02-01T00:00:00Z'), 0))).toBe('2026-02-28T10:00:00Z');
    expect(iso(nextRun(last, [hm(10)], 'UTC', ms('2026-02-28T10:00:00Z'), 0))).toBe('2026-03-31T10:00:00Z');
  });

  it('`last` and the same date name one day: it runs once', () => {
    // January: 31 is the last day; February: only `last` (28th) exists, 30 and 31 do not.
    expect(runsBetween({ monthDays: [0, 31, 30] }, [hm(10)], 'UTC', ms('2026-01-01T00:00:00Z'), ms('2026-03-01T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-01-30T10:00:00Z',
      '2026-01-31T10:00:00Z',
      '2026-02-28T10:00:00Z',
    ]);
  });

  it('the month day is the zone\'s: `last` at 00:30 in Berlin is the evening before in UTC', () => {
    expect(iso(nextRun({ monthDays: [0] }, [hm(0, 30)], BERLIN, ms('2026-06-01T00:00:00Z'), 0))).toBe('2026-06-29T22:30:00Z');
  });
});

describe('nextRun: daylight saving (Berlin, 2026)', () => {
  it('spring forward, March 29: 02:30 does not exist and moves forward with the change, as zonedToEpoch resolves it (03:30 CEST)', () => {
    // Before: 02:30 CET = 01:30Z; the change day: 02:30 is skipped, so 03:30 CEST = 01:30Z; after: 02:30 CEST = 00:30Z.
    expect(runsBetween(EVERY_DAY, [hm(2, 30)], BERLIN, ms('2026-03-27T12:00:00Z'), ms('2026-03-30T12:00:00Z'), 0).map(iso)).toEqual([
      '2026-03-28T01:30:00Z',
      '2026-03-29T01:30:00Z',
      '2026-03-30T00:30:00Z',
    ]);
    const run = nextRun(EVERY_DAY, [hm(2, 30)], BERLIN, ms('2026-03-28T12:00:00Z'), 0);
    expect(run).toBeGreaterThanOrEqual(ms('2026-03-29T01:00:00Z')); // not before 03:00 CEST, the end of the gap
    expect(zoneOffset(run, BERLIN)).toBe(2 * 3_600_000); // after the change
  });

  it('spring forward: 02:00 and 03:00 are the same instant that day, and run once', () => {
    expect(runsBetween(EVERY_DAY, [hm(2), hm(3)], BERLIN, ms('2026-03-28T12:00:00Z'), ms('2026-03-29T12:00:00Z'), 0).map(iso)).toEqual(['2026-03-29T01:00:00Z']);
  });

  it('fall back, October 25: 02:30 happens twice and runs once (at the second, CET)', () => {
    expect(runsBetween(EVERY_DAY, [hm(2, 30)], BERLIN, ms('2026-10-24T12:00:00Z'), ms('2026-10-26T12:00:00Z'), 0).map(iso)).toEqual([
      '2026-10-25T01:30:00Z',
      '2026-10-26T01:30:00Z',
    ]);
    // After the first 02:30 (CEST, 00:30Z): the second one; after the second: the next day.
    expect(iso(nextRun(EVERY_DAY, [hm(2, 30)], BERLIN, ms('2026-10-25T00:30:00Z'), 0))).toBe('2026-10-25T01:30:00Z');
    expect(iso(nextRun(EVERY_DAY, [hm(2, 30)], BERLIN, ms('2026-10-25T01:30:00Z'), 0))).toBe('2026-10-26T01:30:00Z');
  });

  it('a time outside the changed hour keeps its wall clock on both sides', () => {
    expect(runsBetween(EVERY_DAY, [hm(10)], BERLIN, ms('2026-10-24T00:00:00Z'), ms('2026-10-27T00:00:00Z'), 0).map(iso)).toEqual([
      '2026-10-24T08:00:00Z',
      '2026-10-25T09:00:00Z',
      '2026-10-26T09:00:00Z',
    ]);
  });
});

describe('nextRun: every 6h, from the anchor', () => {
  const SIX_H = 6 * 3_600_000;
  const anchor = ms('2026-06-01T10:17:00Z');

  it('runs at anchor + k * 6h; `times` and the zone do not matter', () => {
    expect(iso(nextRun({ intervalMs: SIX_H }, [], 'UTC', anchor, anchor))).toBe('2026-06-01T16:17:00Z');
    expect(iso(nextRun({ intervalMs: SIX_H }, [], BERLIN, ms('2026-06-02T00:00:00Z'), anchor))).toBe('2026-06-02T04:17:00Z');
    expect(iso(nextRun({ intervalMs: SIX_H }, [hm(9)], BERLIN, ms('2026-06-02T00:00:00Z'), anchor))).toBe('2026-06-02T04:17:00Z');
  });

  it('before the anchor the first run is the anchor itself (the launch)', () => {
    expect(nextRun({ intervalMs: SIX_H }, [], 'UTC', anchor - 1, anchor)).toBe(anchor);
  });

  it('elapsed time, not wall clock: across the spring change it stays 6 hours apart', () => {
    const a = ms('2026-03-28T22:00:00Z');
    const runs = runsBetween({ intervalMs: SIX_H }, [], BERLIN, a, a + 2 * 86_400_000, a);
    expect(runs).toHaveLength(8);
    runs.forEach((r, i) => expect(r).toBe(a + (i + 1) * SIX_H));
  });

  it('runsBetween is (from, to]', () => {
    expect(runsBetween({ intervalMs: SIX_H }, [], 'UTC', anchor, anchor + 86_400_000, anchor).map(iso)).toEqual([
      '2026-06-01T16:17:00Z',
      '2026-06-01T22:17:00Z',
      '2026-06-02T04:17:00Z',
      '2026-06-02T10:17:00Z',
    ]);
  });
});

describe('runsBetween', () => {
  it('agrees with nextRun chained, over a year of Berlin schedules (both changes included)', () => {
    const from = ms('2026-01-01T00:00:00Z');
    const to = ms('2027-01-01T00:00:00Z');
    const cases: Array<[ScheduleEvery, number[]]> = [
      [WEEKDAY, [hm(9)]],
      [{ weekdays: (1 << 6) | (1 << 2) }, [hm(2, 30), hm(23, 59), hm(0)]],
      [{ monthDays: [0, 1, 29, 31] }, [hm(2, 15), hm(12)]],
    ];
    for (const [every, times] of cases) {
      const runs = runsBetween(every, times, BERLIN, from, to, 0);
      expect(runs).toEqual(chain(every, times, BERLIN, from, to));
      for (let i = 1; i < runs.length; i++) expect(runs[i]!).toBeGreaterThan(runs[i - 1]!);
    }
  });

  it('is capped (the earliest runs), and empty for an empty or reversed range', () => {
    const runs = runsBetween(EVERY_DAY, [hm(9)], 'UTC', ms('2026-01-01T00:00:00Z'), ms('2036-01-01T00:00:00Z'), 0);
    expect(runs).toHaveLength(MAX_RUNS);
    expect(iso(runs[0]!)).toBe('2026-01-01T09:00:00Z');
    expect(runsBetween(EVERY_DAY, [hm(9)], 'UTC', ms('2026-01-01T00:00:00Z'), ms('2026-01-10T00:00:00Z'), 0, 3)).toHaveLength(3);
    expect(runsBetween(EVERY_DAY, [hm(9)], 'UTC', ms('2026-01-02T00:00:00Z'), ms('2026-01-01T00:00:00Z'), 0)).toEqual([]);
    expect(runsBetween({ intervalMs: 3_600_000 }, [], 'UTC', 0, 10 * 3_600_000 * MAX_RUNS, 0)).toHaveLength(MAX_RUNS);
  });

  it('a schedule that never runs: Infinity from nextRun, nothing from runsBetween', () => {
    expect(nextRun({ weekdays: 0 }, [hm(9)], 'UTC', 0, 0)).toBe(Infinity);
    expect(nextRun({ monthDays: [] }, [hm(9)], 'UTC', 0, 0)).toBe(Infinity);
    expect(nextRun(EVERY_DAY, [], 'UTC', 0, 0)).toBe(Infinity);
    expect(runsBetween(EVERY_DAY, [], 'UTC', 0, 86_400_000 * 10, 0)).toEqual([]);
  });
});
