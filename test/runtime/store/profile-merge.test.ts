/** The three-way profile merge a store applies when a profile was written between a read and the change made from it. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeProfile } from '../../../runtime/store/profile-merge.js';
import type { CustomerProfile } from '../../../runtime/vm/customer.js';

describe('mergeProfile', () => {
  const base: CustomerProfile = { id: 'c1', email: 'a@example.com', emailStatus: 'valid', segments: ['vip', 'new'], fields: { tier: 'bronze', visits: 3 } };

  it('keeps what the other writer changed and what the change changed, each property on its own', () => {
    const mine: CustomerProfile = { ...base, fields: { ...base.fields, tier: 'gold' }, segments: ['vip', 'flow'] };
    const current: CustomerProfile = { ...base, emailStatus: 'invalid', fields: { tier: 'bronze', visits: 4 }, segments: ['vip', 'new', 'api'] };
    expect(mergeProfile(base, mine, current)).toEqual({ id: 'c1', email: 'a@example.com', emailStatus: 'invalid', segments: ['vip', 'api', 'flow'], fields: { tier: 'gold', visits: 4 } });
  });

  it('the change wins a property both changed (the later write), and removes what it removed', () => {
    const mine: CustomerProfile = { id: 'c1', email: 'b@example.com', segments: ['vip', 'new'], fields: { visits: 3 } };
    const current: CustomerProfile = { ...base, email: 'c@example.com', fields: { tier: 'silver', visits: 3 } };
    expect(mergeProfile(base, mine, current)).toEqual({ id: 'c1', email: 'b@example.com', segments: ['vip', 'new'], fields: { visits: 3 } });
  });

  it('made from no profile, into one stored since; or into none (deleted since)', () => {
    expect(mergeProfile(null, { id: 'c1', phone: '+49151', fields: { a: 1 } }, base)).toEqual({ ...base, phone: '+49151', fields: { ...base.fields, a: 1 } });
    expect(mergeProfile(base, { ...base, fields: { ...base.fields, tier: 'gold' } }, null)).toEqual({ id: 'c1', fields: { tier: 'gold' } });
  });

  it('keeps a custom field named __proto__ as a field (JSON from events may carry any key)', () => {
    const mine = JSON.parse('{"id":"c1","fields":{"__proto__":{"x":1},"k":1}}') as CustomerProfile;
    const got = mergeProfile({ id: 'c1' }, mine, { id: 'c1', email: 'a@example.com' });
    expect(JSON.stringify(got)).toBe('{"id":"c1","email":"a@example.com","fields":{"__proto__":{"x":1},"k":1}}');
    expect(Object.getPrototypeOf(got.fields)).toBe(Object.prototype);
  });

  it('does not modify its arguments', () => {
    const mine: CustomerProfile = { ...base, segments: ['flow'], fields: { tier: 'gold' } };
    const current: CustomerProfile = { ...base, segments: ['api'] };
    const before = JSON.stringify([base, mine, current]);
    mergeProfile(base, mine, current);
    expect(JSON.stringify([base, mine, current])).toBe(before);
  });

  // Property: nobody wrote in between (current is the base), so the change is stored as made; a
  // change that changed nothing leaves what the other writer stored; and each custom field the
  // change did not touch is as the other writer left it.
  const json = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
  const profile = fc.record(
    { id: fc.constant('c1'), email: fc.string(), phone: fc.string(), segments: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd')), fields: fc.dictionary(fc.constantFrom('x', 'y', 'z'), json) },
    { requiredKeys: ['id'] },
  ) as fc.Arbitrary<CustomerProfile>;

  it('with nobody in between, stores the change as made; an empty change keeps the other write; untouched fields follow the other write (property)', () => {
    fc.assert(
      fc.property(profile, profile, profile, (b, m, c) => {
        expect(mergeProfile(b, m, structuredClone(b))).toEqual(m);
        expect(mergeProfile(b, b, c)).toEqual(c);
        const got = mergeProfile(b, m, c);
        for (const k of ['x', 'y', 'z']) {
          if (JSON.stringify(b.fields?.[k]) === JSON.stringify(m.fields?.[k]) && got.fields !== undefined) expect(got.fields[k]).toEqual(c.fields?.[k]);
          else if (m.fields?.[k] !== undefined) expect(got.fields?.[k]).toEqual(m.fields[k]);
        }
        for (const s of m.segments ?? []) if (!(b.segments ?? []).includes(s)) expect(got.segments).toContain(s);
        for (const s of b.segments ?? []) if (!(m.segments ?? []).includes(s)) expect(got.segments ?? []).not.toContain(s);
      }),
    );
  });
});
