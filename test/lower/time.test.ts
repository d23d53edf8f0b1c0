import { describe, expect, it } from 'vitest';
import { literalToEpoch, zonedToEpoch } from '../../compiler/time.js';

describe('compiler/time', () => {
  it('keeps years below 100 (Date.UTC would read them as 19xx)', () => {
    expect(new Date(literalToEpoch('0050-01-01T00:00Z', 'UTC')).toISOString()).toBe('0050-01-01T00:00:00.000Z');
    expect(new Date(zonedToEpoch(99, 6, 1, 12, 0, 0, 'UTC')).toISOString()).toBe('0099-06-01T12:00:00.000Z');
  });

  it('drops a time of day out of range into the day given, on the fast path of full years too (24:00 is midnight at its start)', () => {
    expect(new Date(zonedToEpoch(2026, 6, 1, 24, 0, 0, 'UTC')).toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(new Date(zonedToEpoch(2026, 6, 1, 10, 75, 0, 'UTC')).toISOString()).toBe('2026-06-01T11:15:00.000Z');
    expect(new Date(zonedToEpoch(2026, 6, 1, 10, 30, 0, 'UTC')).toISOString()).toBe('2026-06-01T10:30:00.000Z');
  });

  it('reads wall-clock times in the zone, across the 2026 daylight-saving changes in Berlin', () => {
    expect(new Date(literalToEpoch('2026-03-29T01:30', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T00:30:00.000Z');
    // 02:30 does not exist that night: it moves forward with the clock, to 03:30 CEST.
    expect(new Date(literalToEpoch('2026-03-29T02:30', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(literalToEpoch('2026-10-25T12:00', 'Europe/Berlin')).toISOString()).toBe('2026-10-25T11:00:00.000Z');
    expect(new Date(literalToEpoch('2026-12-01', 'Europe/Berlin')).toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});
