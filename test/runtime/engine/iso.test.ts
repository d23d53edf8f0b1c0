import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { iso } from '../../../runtime/engine/iso.js';

const reference = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('iso', () => {
  it('formats as toISOString without .000, whatever the cache holds (colliding slots, repeats)', () => {
    const moments = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: 0, max: 4000 }).map((k) => 1_780_000_000_000 + k * 1_024_000 + (k % 3) * 7));
    fc.assert(fc.property(fc.array(moments, { maxLength: 50 }), (ms) => ms.every((m) => iso(m) === reference(m) && iso(m) === reference(m))), { numRuns: 300 });
  });

  it('throws on a moment that is not a date, as Date does', () => {
    expect(() => iso(Number.NaN)).toThrow(RangeError);
    expect(() => iso(8.64e15 + 1)).toThrow(RangeError);
  });
});
