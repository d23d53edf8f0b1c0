/** The embedded store (the Store contract runs on it too: test/redis/memory-store.test.ts, its timer property with longer sequences). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore } from '../../../runtime/store/memory-store.js';

describe('MemoryStore', () => {
  it('claims due timers in due order, ties in the order they were added, up to a limit', () => {
    const s = new MemoryStore();
    s.addTimer({ instance: 'a', due: 30 });
    s.addTimer({ instance: 'b', due: 10 });
    s.addTimer({ instance: 'c', due: 10 });
    s.addTimer({ instance: 'd', due: 50 });
    expect(s.nextTimerDue()).toBe(10);
    expect(s.claimDueTimers(30, 2)).toEqual([{ instance: 'b', due: 10 }, { instance: 'c', due: 10 }]);
    expect(s.claimDueTimers(30)).toEqual([{ instance: 'a', due: 30 }]);
    expect(s.claimDueTimers(40)).toEqual([]);
    expect(s.nextTimerDue()).toBe(50);
  });

  it('one timer per instance: adding replaces, removing removes', () => {
    const s = new MemoryStore();
    s.addTimer({ instance: 'a', due: 30 });
    s.addTimer({ instance: 'a', due: 20 });
    s.addTimer({ instance: 'b', due: 25 });
    s.removeTimer('b');
    expect(s.claimDueTimers(100)).toEqual([{ instance: 'a', due: 20 }]);
  });

  it('timers come out sorted whatever order they go in (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 50 }), (dues) => {
        const s = new MemoryStore();
        dues.forEach((due, i) => s.addTimer({ instance: `i${i}`, due }));
        const out = s.claimDueTimers(1000, 1000).map((t) => t.due);
        expect(out).toEqual([...dues].sort((a, b) => a - b));
      }),
    );
  });

  it('dedupes event ids, keeps launch records, and owns what it is given (no copies)', () => {
    const s = new MemoryStore();
    expect(s.markEventSeen('e1')).toBe(true);
    expect(s.markEventSeen('e1')).toBe(false);
    s.putLaunchRecord('f', 'c1', { launches: 1, lastStepAt: 5 });
    expect(s.getLaunchRecord('f', 'c1')).toEqual({ launches: 1, lastStepAt: 5 });
    expect(s.getLaunchRecord('f', 'c2')).toBeUndefined();
    const profile = { id: 'c1', segments: ['vip'] };
    s.putCustomer(profile);
    // The store owns its records: it hands back what it was given, without cloning.
    expect(s.getCustomer('c1')).toBe(profile);
    expect(s.getCustomer('c1')).toEqual({ id: 'c1', segments: ['vip'] });
  });

  it('lists instances by customer and in creation order', () => {
    const s = new MemoryStore();
    const inst = (id: string, customer: string) => ({ id, flow: 'f', version: 'v', customer, event: id, enteredAt: 0, due: 0, block: 0, contexts: {}, awaited: {}, status: 'in_progress' as const, reason: 'in_step', waitingUntil: null, waitingFor: null, launched: false });
    s.putInstance(inst('i1', 'c1'));
    s.putInstance(inst('i2', 'c2'));
    s.putInstance({ ...inst('i1', 'c1'), status: 'completed' });
    expect(s.instancesOfCustomer('c1').map((i) => [i.id, i.status])).toEqual([['i1', 'completed']]);
    expect(s.listInstances().map((i) => i.id)).toEqual(['i1', 'i2']);
  });

  it('keeps the instances in flight per customer: in progress only, in creation order', () => {
    const s = new MemoryStore();
    const inst = (id: string, status: 'in_progress' | 'completed' | 'stopped') => ({ id, flow: 'f', version: 'v', customer: 'c1', event: id, enteredAt: 0, due: 0, block: 0, contexts: {}, awaited: {}, status, reason: 'x', waitingUntil: null, waitingFor: null, launched: false });
    s.putInstance(inst('a', 'in_progress'));
    s.putInstance(inst('b', 'stopped'));
    s.putInstance(inst('c', 'in_progress'));
    s.putInstance(inst('d', 'in_progress'));
    s.putInstance(inst('c', 'completed'));
    s.putInstance(inst('a', 'in_progress'));
    expect(s.inFlightOfCustomer('c1').map((i) => i.id)).toEqual(['a', 'd']);
    expect(s.inFlightOfCustomer('nobody')).toEqual([]);
    s.putInstance(inst('a', 'stopped'));
    s.putInstance(inst('d', 'completed'));
    expect(s.inFlightOfCustomer('c1')).toEqual([]);
  });

  it('keeps match states, orders and products', () => {
    const s = new MemoryStore();
    const state = { orders: { o1: { fired: 1 } } };
    s.putMatchState('m', state);
    expect(s.getMatchState('m')).toEqual({ orders: { o1: { fired: 1 } } });
    expect(s.getMatchState('x')).toBeUndefined();
    s.putOrder({ id: 'o1', status: 'new' });
    s.putProduct({ id: 'p1', price: 3 });
    expect([s.getOrder('o1'), s.getProduct('p1'), s.getProduct('p2')]).toEqual([{ id: 'o1', status: 'new' }, { id: 'p1', price: 3 }, undefined]);
  });
});
