/** The compact instance codec: lossless, small, and strict about what it reads. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeInstance, encodeInstance } from '../../../runtime/store/instance-codec.js';
import type { InstanceRecord } from '../../../runtime/store/store.js';

const HASH = 'ab'.repeat(32);

const waiting: InstanceRecord = {
  id: 'order_followup/c-1042/e-99817',
  flow: 'order_followup',
  version: HASH,
  customer: 'c-1042',
  event: 'e-99817',
  enteredAt: Date.parse('2026-06-01T08:00:00Z'),
  due: Date.parse('2026-06-02T08:00:00Z'),
  block: 3,
  contexts: { order: { id: 'o-77810' } },
  awaited: {},
  status: 'in_progress',
  reason: 'waiting',
  waitingUntil: Date.parse('2026-06-02T08:00:00Z'),
  waitingFor: null,
  launched: true,
  wait: 2,
};

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), tie('value'), { maxKeys: 3 })),
})).value;

const record: fc.Arbitrary<InstanceRecord> = fc
  .record({
    flow: fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/),
    version: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
    customer: fc.string({ minLength: 1 }),
    event: fc.string({ minLength: 1 }),
    launch: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    otherId: fc.option(fc.string(), { nil: undefined }),
    enteredAt: fc.integer({ min: 0, max: 4e12 }),
    due: fc.integer({ min: 0, max: 4e12 }),
    block: fc.nat(200),
    contexts: fc.dictionary(fc.constantFrom('order', 'item', 'product'), json),
    awaited: fc.dictionary(fc.string({ maxLength: 6 }), fc.dictionary(fc.constantFrom('order', 'session'), json)),
    status: fc.constantFrom('in_progress', 'completed', 'stopped', 'error'),
    reason: fc.string(),
    message: fc.option(fc.string(), { nil: undefined }),
    waitingUntil: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: null }),
    sameDue: fc.boolean(),
    waitingFor: fc.option(fc.nat(200), { nil: null }),
    launched: fc.boolean(),
    wait: fc.option(fc.nat(200), { nil: undefined }),
  })
  .map((r) => {
    const base = `${r.flow}/${r.customer}/${r.event}`;
    const i: InstanceRecord = {
      id: r.otherId ?? (r.launch !== undefined ? `${base}/${r.launch}` : base),
      flow: r.flow,
      version: r.version,
      customer: r.customer,
      event: r.event,
      enteredAt: r.enteredAt,
      due: r.sameDue && r.waitingUntil !== null ? r.waitingUntil : r.due,
      block: r.block,
      contexts: r.contexts,
      awaited: r.awaited,
      status: r.status as InstanceRecord['status'],
      reason: r.reason,
      waitingUntil: r.waitingUntil,
      waitingFor: r.waitingFor,
      launched: r.launched,
    };
    if (r.launch !== undefined) i.launch = r.launch;
    if (r.message !== undefined) i.message = r.message;
    if (r.wait !== undefined) i.wait = r.wait;
    return i;
  });

describe('instance codec', () => {
  it('round-trips any instance record exactly', () => {
    fc.assert(
      fc.property(record, (i) => {
        expect(decodeInstance(encodeInstance(i))).toEqual(i);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips parallel branches', () => {
    const i: InstanceRecord = { ...waiting, branches: { 'p/a': { parent: '', parallel: 4, join: 9, block: 6, due: 5, waitingUntil: 5, waitingFor: null, done: null, wait: 5 } } };
    expect(decodeInstance(encodeInstance(i))).toEqual(i);
  });

  it('keeps a waiting instance that keeps one field under 200 bytes', () => {
    const text = encodeInstance(waiting);
    expect(text.length).toBeLessThan(200);
    expect(text.length).toBeLessThan(JSON.stringify(waiting).length / 2);
  });

  it('refuses what it did not write, with a clear message', () => {
    expect(() => decodeInstance('{"id":1}')).toThrow(/not an instance record of version 1/);
    expect(() => decodeInstance('[1,"f",7,"c","e"]')).toThrow(/must be strings/);
    expect(() => decodeInstance('[1,"f","!!!","c","e",0,0,null,0,{},{},0,"x"]')).toThrow(/bad version character/);
    expect(() => decodeInstance(encodeInstance(waiting).replace(',0,"waiting"', ',9,"waiting"'))).toThrow(/unknown status 9/);
    expect(() => decodeInstance('[1,')).toThrow(SyntaxError);
  });
});
