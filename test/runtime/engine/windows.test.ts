/** wait within: the next allowed window in the flow's time zone, across DST changes (Europe/Berlin). */
import { describe, expect, it } from 'vitest';
import { nextWindowOpen } from '../../../runtime/engine/windows.js';
import { daysToCivil } from '../../../runtime/vm/values.js';
import { sim } from './helpers.js';

const Z = 'Europe/Berlin';
const at = (s: string) => Date.parse(s);
const iso = (ms: number) => new Date(ms).toISOString();
const MON_FRI = 0b0011111;

describe('nextWindowOpen', () => {
  it('inside the window: at once; before it: when it opens; after it: the next allowed day', () => {
    // Wed 2026-06-10, CEST (UTC+2): 10:00..18:00 is 08:00Z..16:00Z.
    expect(iso(nextWindowOpen(at('2026-06-10T09:00:00Z'), MON_FRI, 600, 1080, Z))).toBe('2026-06-10T09:00:00.000Z');
    expect(iso(nextWindowOpen(at('2026-06-10T07:00:00Z'), MON_FRI, 600, 1080, Z))).toBe('2026-06-10T08:00:00.000Z');
    // Fri 18:00 local is closed (the end is excluded): Monday 10:00.
    expect(iso(nextWindowOpen(at('2026-06-12T16:00:00Z'), MON_FRI, 600, 1080, Z))).toBe('2026-06-15T08:00:00.000Z');
  });

  it('spring forward: Saturday 12:00 CET → Sunday 09:00 CEST is 07:00Z (the day has 23 hours)', () => {
    expect(iso(nextWindowOpen(at('2026-03-28T11:00:00Z'), 0, 540, 600, Z))).toBe('2026-03-29T07:00:00.000Z');
  });

  it('fall back: Saturday 12:00 CEST → Sunday 09:00 CET is 08:00Z', () => {
    expect(iso(nextWindowOpen(at('2026-10-24T10:00:00Z'), 0, 540, 600, Z))).toBe('2026-10-25T08:00:00.000Z');
  });

  it('a window that starts in the skipped hour: 02:30 moves forward by the gap to 03:30 CEST, as compiler/time.ts does', () => {
    expect(iso(nextWindowOpen(at('2026-03-28T23:00:00Z'), 0, 150, 300, Z))).toBe('2026-03-29T01:30:00.000Z');
  });

  it('a window across midnight (22:00..06:00) belongs to the day it starts on', () => {
    // Mon..Fri 22:00..06:00; Saturday 03:00 local is inside Friday's window.
    expect(iso(nextWindowOpen(at('2026-06-13T01:00:00Z'), MON_FRI, 1320, 360, Z))).toBe('2026-06-13T01:00:00.000Z');
    // Saturday 12:00 local: the next is Monday 22:00.
    expect(iso(nextWindowOpen(at('2026-06-13T10:00:00Z'), MON_FRI, 1320, 360, Z))).toBe('2026-06-15T20:00:00.000Z');
  });
});

describe('daysToCivil (what wait within steps days with)', () => {
  it('gives the calendar date Date gives, across leap days, centuries and before 1970', () => {
    // Every day from 1600 to 2400 (leap years, the 1700/1800/1900/2100 non-leap centuries, 2000).
    for (let day = -135_140; day <= 157_054; day++) {
      const d = new Date(day * 86_400_000);
      const want = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      const got = daysToCivil(day);
      if (got.year !== want.year || got.month !== want.month || got.day !== want.day) expect(got, `day ${day}`).toEqual(want);
    }
  });
});

describe('wait within in a flow', () => {
  it('runs in the flow time zone: the email goes out Sunday 09:00 Berlin across the spring change', () => {
    const flow = `flow f { timezone "Europe/Berlin" on CustomerRegistered wait 12h within 09:00..10:00 steps s { send email "welcome" } }`;
    const out = sim(flow, [{ id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: '2026-03-28T11:00:00Z' }]);
    expect(out.effects.map((e) => e['at'])).toEqual(['2026-03-29T07:00:00Z']);
    expect((out.activity[0]!['steps'] as Array<Record<string, unknown>>)[0]).toMatchObject({ kind: 'wait_within', until: '2026-03-29T07:00:00Z' });
  });
});
