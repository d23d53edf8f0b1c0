import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fastDateTime, plainUtcDateTime } from '../../schemas/fast-date-time.js';
import { validateEvent } from '../../schemas/index.js';

type Plugin = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: Plugin }).default ?? (addFormatsModule as unknown as Plugin));
const general = (() => {
  const ajv = new Ajv();
  addFormats(ajv);
  return (ajv.formats['date-time'] as { validate: (s: string) => boolean }).validate;
})();
const fast = fastDateTime(general);

describe('fast date-time check', () => {
  it('answers as ajv-formats does on edge cases', () => {
    const cases = [
      '2026-11-23T09:00:00Z', '2026-11-23T09:00:00.123Z', '2026-11-23T09:00:00.Z', '2026-11-23T09:00:00.1234567Z',
      '2024-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T23:60:00Z',
      '2026-12-31T23:59:60Z', '2026-12-31T22:59:60Z', '2026-01-01t09:00:00z', '2026-01-01 09:00:00Z', '2026-01-01T09:00:00+02:00',
      '2026-01-01T09:00:00', '2026-1-01T09:00:00Z', '２０２６-01-01T09:00:00Z', '2026-01-01T09:00:0aZ', '', 'Z', '2026-01-01T09:00:00ZZ',
    ];
    for (const c of cases) expect([c, fast(c)]).toEqual([c, general(c)]);
  });

  it('answers as ajv-formats does on random date-times and near misses', () => {
    const d = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const shaped = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), d(13), d(32), fc.constantFrom('T', 't', ' ', 'X'), d(24), d(60), d(61), fc.constantFrom('', '.', '.5', '.123'), fc.constantFrom('Z', 'z', '+01:00', '', 'ZZ'))
      .map(([y, mo, da, sep, h, mi, s, frac, tz]) => `${String(y).padStart(4, '0')}-${mo}-${da}${sep}${h}:${mi}:${s}${frac}${tz}`);
    fc.assert(fc.property(fc.oneof(shaped, fc.string({ maxLength: 30 })), (s) => fast(s) === general(s)), { numRuns: 5000 });
  });

  it('takes the fast path only for plainly valid UTC date-times', () => {
    expect(plainUtcDateTime('2026-11-23T09:00:00Z')).toBe(true);
    expect(plainUtcDateTime('2026-11-23T09:00:00+01:00')).toBe(false);
    expect(validateEvent({ id: 'e1', type: 'NewOrder', customer: 'c1', at: '2026-02-30T09:00:00Z', order: { id: 'o1' } }).ok).toBe(false);
  });
});
