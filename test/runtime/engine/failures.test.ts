/** When the store fails in the middle of an event or a timer, nothing is lost for good. */
import { describe, expect, it } from 'vitest';
import { Engine, VirtualClock } from '../../../runtime/engine/engine.js';
import { MemoryStore } from '../../../runtime/store/memory-store.js';
import type { InstanceRecord, Transition } from '../../../runtime/store/store.js';
import { programs } from './helpers.js';

/**
 * The embedded store, failing its next `failures` commits, and handing out copies of instances as
 * a serializing store (Redis) does: what the engine changed before a failed commit is not kept.
 */
class FlakyStore extends MemoryStore {
  failures = 0;
  override getInstance(id: string): InstanceRecord | undefined {
    const i = super.getInstance(id);
    return i && structuredClone(i);
  }
  override inFlightOfCustomer(customer: string): InstanceRecord[] {
    return super.inFlightOfCustomer(customer).map((i) => structuredClone(i));
  }
  override commit(t: Transition): void {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('store down');
    }
    super.commit(t);
  }
}

const FLOW = `flow f "F" { on CustomerRegistered steps a { send email "welcome" } wait 1h steps b { send email "welcome" } }`;
const T = (iso: string) => Date.parse(iso);
const ev = (id: string, customer: string) => ({ id, type: 'CustomerRegistered', customer, at: '2026-06-01T08:00:00Z' });

/** The engine on a store that fails when told to, its clock at 08:00 on June 1st. */
function flaky(flow: string) {
  const store = new FlakyStore();
  return { store, engine: new Engine(store, programs(flow), new VirtualClock(T('2026-06-01T08:00:00Z'))) };
}

describe('store failures', () => {
  it('an event whose processing failed is not taken for a duplicate when it is sent again', () => {
    const { store, engine } = flaky(FLOW);
    store.failures = 1;
    expect(() => engine.ingestSync(ev('e1', 'c1'))).toThrow('store down');
    expect(engine.ingestSync(ev('e1', 'c1'))).toEqual({ outcome: 'accepted' });
    expect(engine.ingestSync(ev('e1', 'c1'))).toEqual({ outcome: 'duplicate' });
    expect(store.listEffects().map((e) => e.key)).toEqual(['f/c1/e1/a/0']);
  });

  it('timers claimed in a batch and not handled because of a failure are not lost', () => {
    const { store, engine } = flaky(FLOW);
    for (const c of ['c1', 'c2', 'c3']) engine.ingestSync(ev(`e-${c}`, c));
    store.failures = 1;
    expect(() => engine.fireDueSync(T('2026-06-01T10:00:00Z'))).toThrow('store down');
    // The timer being handled when the store failed went back too, with the rest of the batch.
    expect(engine.fireDueSync(T('2026-06-01T10:00:00Z'))).toBe(3);
    expect(store.listEffects().filter((e) => e.block === 'b').map((e) => e.customer)).toEqual(['c1', 'c2', 'c3']);
  });

  // A limit's admission is made before the commit (a store call of its own): the journey run again
  // must find itself admitted, not take a second place (nor be refused for its own first one).
  for (const period of ['day', '7d']) {
    it(`a journey run again after a failed commit counts once at a limit (per ${period})`, () => {
      const flow = `flow f "F" { on CustomerRegistered limit cap 1 per ${period} { steps a { send email "welcome" } } else { steps b { send email "welcome" } } }`;
      const { store, engine } = flaky(flow);
      store.failures = 1;
      expect(() => engine.ingestSync(ev('e1', 'c1'))).toThrow('store down');
      expect(engine.ingestSync(ev('e1', 'c1'))).toEqual({ outcome: 'accepted' });
      expect(engine.ingestSync(ev('e2', 'c2'))).toEqual({ outcome: 'accepted' });
      expect(store.listEffects().map((e) => `${e.customer}:${e.block}`)).toEqual(['c1:a', 'c2:b']);
    });
  }

  // A matcher that remembers (the order's last status) must not remember an attempt that failed:
  // run again, the event finds the order as it was and launches.
  it('an event run again after a failed commit still launches a trigger that keeps state', () => {
    const flow = `flow f "F" { on OrderStatusChanged(status: "paid") steps a { send email "welcome" } }`;
    const { store, engine } = flaky(flow);
    const paid = { id: 'e1', type: 'OrderStatusChanged', customer: 'c1', at: '2026-06-01T08:00:00Z', order: { id: 'o1', status: 'paid', total: 10, items: [] } };
    store.failures = 1;
    expect(() => engine.ingestSync(paid)).toThrow('store down');
    expect(engine.ingestSync(paid)).toEqual({ outcome: 'accepted' });
    expect(store.listEffects().map((e) => e.key)).toEqual(['f/c1/e1/a/0']);
    expect(store.listNotEntered()).toEqual([]);
  });
});
