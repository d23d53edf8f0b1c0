/** Versions (launch, history, moving customers by block id), scheduled runs and what a waiting customer keeps. */
import { describe, expect, it } from 'vitest';
import { Engine, VirtualClock } from '../../../runtime/engine/engine.js';
import { MemoryStore } from '../../../runtime/store/memory-store.js';
import type { CustomerProfile } from '../../../runtime/vm/customer.js';
import { programs } from './helpers.js';
import { promised } from '../../conformance/harness.js';

const T = (iso: string) => Date.parse(iso);

function engineWith(text: string, start: string, customers: object[] = [], opts: ConstructorParameters<typeof Engine>[3] = {}) {
  const store = new MemoryStore();
  for (const c of customers) store.putCustomer(c as CustomerProfile);
  const clock = new VirtualClock(T(start));
  return { store, clock, engine: new Engine(store, programs(text), clock, opts) };
}

const order = (id: string, customer: string, at: string, extra: object = {}) => ({
  id,
  type: 'NewOrder',
  customer,
  at,
  order: { id: `o-${id}`, status: 'new', total: 120, items: [{ id: 'i1', productId: 'p1', status: 'new', price: 60, quantity: 2 }], ...extra },
});

describe('a waiting customer keeps only what the flow reads later', () => {
  it('keeps order.id alone while waiting, and the rest of the order is gone', () => {
    const { store, clock, engine } = engineWith(
      `flow f "F" { on NewOrder steps a { send email "welcome" { total: order.total } } wait w 1d steps b { send email "welcome" { id: order.id } } }`,
      '2026-06-01T08:00:00Z',
    );
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    const [inst] = store.listInstances();
    expect(inst!.reason).toBe('waiting');
    expect(inst!.contexts).toEqual({ order: { id: 'o-e1' } });
    clock.advanceTo(T('2026-06-03T00:00:00Z'));
    engine.fireDueSync(clock.now());
    expect(store.listEffects().map((e) => e['params'])).toEqual([{ total: 120 }, { id: 'o-e1' }]);
  });

  it('keeps each item cut down to the field read after the wait (`order.items[].price`)', () => {
    const { store, engine } = engineWith(
      `flow f "F" { on NewOrder wait 1d steps b { send email "welcome" { n: sum(order.items, it.price) } } }`,
      '2026-06-01T08:00:00Z',
    );
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    expect(store.listInstances()[0]!.contexts).toEqual({ order: { items: [{ price: 60 }] } });
  });

  it('keeps nothing of the event when nothing after the wait reads it', () => {
    const { store, engine } = engineWith(`flow f "F" { on NewOrder wait 1d steps b { send email "welcome" } }`, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    expect(store.listInstances()[0]!.contexts).toEqual({});
  });
});

describe('versions', () => {
  const V1 = `flow f "F" { on NewOrder steps a { send email "welcome" } wait w 1d steps b { send email "welcome" } }`;
  const V2 = `flow f "F" { on NewOrder steps a { send email "welcome" } wait w 1d steps b2 { send email "order-thanks" } }`;
  const V3 = `flow f "F" { on NewOrder steps a { send email "welcome" } wait other 1d steps b { send email "welcome" } }`;

  it('records the history with launch and end times; relaunching the current version changes nothing', () => {
    const { engine, clock } = engineWith(V1, '2026-06-01T08:00:00Z');
    clock.advanceTo(T('2026-06-02T00:00:00Z'));
    engine.launchSync(programs(V2)[0]!);
    engine.launchSync(programs(V2)[0]!);
    const h = engine.versions('f');
    expect(h.map((v) => [v.status, new Date(v.launchedAt).toISOString(), v.endedAt === null ? null : new Date(v.endedAt).toISOString()])).toEqual([
      ['replaced', '2026-06-01T08:00:00.000Z', '2026-06-02T00:00:00.000Z'],
      ['active', '2026-06-02T00:00:00.000Z', null],
    ]);
    expect(h[0]!.version).not.toBe(h[1]!.version);
  });

  it('moves a waiting customer by the wait block id; the next step runs on the new version', () => {
    const { engine, clock, store } = engineWith(V1, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    clock.advanceTo(T('2026-06-01T12:00:00Z'));
    const v2 = programs(V2)[0]!;
    engine.launchSync(v2);
    expect(store.listInstances()[0]!.version).toBe(v2.hash);
    engine.fireDueSync(T('2026-06-03T00:00:00Z'));
    const steps = store.listActivity(store.listInstances()[0]!.id);
    expect(steps.map((s) => s.block)).toEqual(['a', 'w', 'b2']);
    expect(steps[2]!.version).toBe(v2.hash);
    expect(steps[0]!.version).not.toBe(v2.hash);
    expect(store.listEffects().map((e) => e['template'])).toEqual(['welcome', 'order-thanks']);
  });

  it('stops a customer whose wait block the new version deleted (wait_block_deleted), and its timer does nothing', () => {
    const { engine, clock, store } = engineWith(V1, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    clock.advanceTo(T('2026-06-01T12:00:00Z'));
    engine.launchSync(programs(V3)[0]!);
    const [inst] = store.listInstances();
    expect([inst!.status, inst!.reason]).toEqual(['stopped', 'wait_block_deleted']);
    expect(inst!.message).toContain('w');
    engine.fireDueSync(T('2026-06-03T00:00:00Z'));
    expect(store.listEffects()).toHaveLength(1);
  });

  it('moves customers whose parallel branches all wait (the forked path rests at its join)', () => {
    const P1 = `flow f "F" { on NewOrder parallel p { branch a { wait wa 1h steps sa { send email "welcome" } } branch b { wait wb 2h steps sb { send email "welcome" } } } steps after { send email "welcome" } }`;
    const P2 = P1.replace('steps after { send email "welcome" }', 'steps after { send email "order-thanks" }');
    const { engine, clock, store } = engineWith(P1, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    clock.advanceTo(T('2026-06-01T08:30:00Z'));
    const v2 = programs(P2)[0]!;
    engine.launchSync(v2);
    expect([store.listInstances()[0]!.status, store.listInstances()[0]!.version]).toEqual(['in_progress', v2.hash]);
    engine.fireDueSync(T('2026-06-01T12:00:00Z'));
    expect(store.listInstances()[0]!.reason).toBe('all_steps_done');
    expect(store.listEffects().map((e) => e['template'])).toEqual(['welcome', 'welcome', 'order-thanks']);
  });

  it('moves a customer parked before a step group not due yet (an event dated in the future) by that group\'s id', () => {
    const { engine, clock, store } = engineWith(V1, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T10:00:00Z'));
    expect(store.listInstances()[0]!.reason).toBe('waiting');
    clock.advanceTo(T('2026-06-01T09:00:00Z'));
    engine.launchSync(programs(V2)[0]!);
    expect(store.listInstances()[0]!.status).toBe('in_progress');
    engine.fireDueSync(T('2026-06-03T00:00:00Z'));
    expect(store.listEffects().map((e) => e['template'])).toEqual(['welcome', 'order-thanks']);
  });

  it('a stopped flow cannot be resumed; launching a version brings it back', () => {
    const { engine, store, clock } = engineWith(V1, '2026-06-01T08:00:00Z');
    engine.setFlowStatusSync('f', 'stopped');
    expect(() => engine.setFlowStatusSync('f', 'active')).toThrow(/is stopped; launch a version/);
    expect(() => engine.setFlowStatusSync('f', 'paused')).toThrow(/is stopped/);
    engine.setFlowStatusSync('f', 'stopped');
    clock.advanceTo(T('2026-06-01T09:00:00Z'));
    engine.launchSync(programs(V1)[0]!);
    expect(engine.versions('f').at(-1)).toMatchObject({ status: 'active', endedAt: null });
    engine.ingestSync(order('e1', 'c1', '2026-06-01T09:00:00Z'));
    expect(store.listInstances().map((i) => i.status)).toEqual(['in_progress']);
  });

  it('new customers enter the launched version only', () => {
    const { engine, clock, store } = engineWith(V1, '2026-06-01T08:00:00Z');
    clock.advanceTo(T('2026-06-01T12:00:00Z'));
    const v2 = programs(V2)[0]!;
    engine.launchSync(v2);
    engine.ingestSync(order('e1', 'c1', '2026-06-01T12:00:00Z'));
    expect(store.listInstances().map((i) => i.version)).toEqual([v2.hash]);
  });
});

describe('scheduled flows', () => {
  const DAILY = `flow d "D" { every day at 10:00 for segment "vip" steps s { send email "welcome" } }`;
  const vip = [
    { id: 'c1', segments: ['vip'] },
    { id: 'c2', segments: [] },
  ];

  it('runs at each run time for the customers of the segment, one instance each', () => {
    const { engine, store } = engineWith(DAILY, '2026-06-01T00:00:00Z', vip);
    engine.fireDueSync(T('2026-06-03T12:00:00Z'));
    expect(store.listEffects().map((e) => [e.customer, new Date(e.at).toISOString()])).toEqual([
      ['c1', '2026-06-01T10:00:00.000Z'],
      ['c1', '2026-06-02T10:00:00.000Z'],
      ['c1', '2026-06-03T10:00:00.000Z'],
    ]);
    expect(store.listInstances().map((i) => i.id)).toEqual(['d/c1/run:2026-06-01T10:00:00Z', 'd/c1/run:2026-06-02T10:00:00Z', 'd/c1/run:2026-06-03T10:00:00Z']);
  });

  it('after downtime, `latest-run` makes up one run (the latest), not a burst', () => {
    const { engine, store } = engineWith(DAILY, '2026-06-01T00:00:00Z', vip, { missedRuns: 'latest-run' });
    engine.fireDueSync(T('2026-06-05T12:00:00Z'));
    expect(store.listEffects().map((e) => new Date(e.at).toISOString())).toEqual(['2026-06-05T10:00:00.000Z']);
    engine.fireDueSync(T('2026-06-06T12:00:00Z'));
    expect(store.listEffects()).toHaveLength(2);
  });

  it('does not run while paused, and does not make up the paused runs on resume', () => {
    const { engine, store, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vip);
    engine.setFlowStatusSync('d', 'paused');
    engine.fireDueSync(T('2026-06-03T12:00:00Z'));
    clock.advanceTo(T('2026-06-03T12:00:00Z'));
    engine.setFlowStatusSync('d', 'active');
    engine.fireDueSync(T('2026-06-04T12:00:00Z'));
    expect(store.listEffects().map((e) => new Date(e.at).toISOString())).toEqual(['2026-06-04T10:00:00.000Z']);
  });

  it('a run already made is not made again (a runtime restarted with an older next-run time)', () => {
    const { engine, store } = engineWith(DAILY, '2026-06-01T00:00:00Z', vip);
    engine.fireDueSync(T('2026-06-01T12:00:00Z'));
    const [program] = programs(DAILY);
    engine.restore(program!, { status: 'active', launchedAt: T('2026-06-01T00:00:00Z'), endedAt: null, nextRuns: { '0': T('2026-06-01T10:00:00Z') } });
    engine.fireDueSync(T('2026-06-01T12:00:00Z'));
    expect(store.listEffects()).toHaveLength(1);
  });

  it('timers due before a run fire first, at their own time', () => {
    const { engine, store } = engineWith(`flow d "D" { every day at 10:00 steps s { send email "welcome" } wait 1h steps t { send email "welcome" } }`, '2026-06-01T00:00:00Z', [{ id: 'c1' }]);
    engine.fireDueSync(T('2026-06-02T10:30:00Z'));
    expect(store.listEffects().map((e) => `${e.block}@${new Date(e.at).toISOString().slice(5, 16)}`)).toEqual(['s@06-01T10:00', 't@06-01T11:00', 's@06-02T10:00']);
  });
});

describe('firing on a budget (a runtime between batches of events)', () => {
  const DAILY = `flow d "D" { every day at 10:00 for segment "vip" steps s { send email "welcome" } wait 1h steps t { send email "welcome" } }`;
  const vips = Array.from({ length: 25 }, (_, i) => ({ id: `c${String(i).padStart(2, '0')}`, segments: ['vip'] }));
  const effects = (store: MemoryStore) => store.listEffects().map((e) => `${e.customer}/${e.block}@${new Date(e.at).toISOString().slice(5, 16)}`);

  it('enters a run over a large segment a budget at a time, as the run made at once would', () => {
    const whole = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    whole.engine.fireDueSync(T('2026-06-01T12:00:00Z'));
    const sliced = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    const done: number[] = [];
    for (let n; (n = sliced.engine.fireDueSync(T('2026-06-01T12:00:00Z'), { budget: 10 })) > 0; ) done.push(n);
    // The run begun (1) and 9 customers, 10 more, the last 6 and 4 of the 25 timers of its `wait 1h`, then the other 21 timers.
    expect(done).toEqual([10, 10, 10, 10, 10, 1]);
    expect(effects(sliced.store)).toEqual(effects(whole.store));
    expect(effects(sliced.store)).toHaveLength(50);
    expect(sliced.store.listInstances().map((i) => [i.id, i.status, i.reason])).toEqual(whole.store.listInstances().map((i) => [i.id, i.status, i.reason]));
  });

  it('takes events between the slices of a run; the run goes on with the customers of its segment at its time', () => {
    const { engine, store, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    clock.advanceTo(T('2026-06-01T10:00:00Z'));
    expect(engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 5 })).toBe(5);
    // A customer who joins the segment after the run's time is not in it.
    store.putCustomer({ id: 'late', segments: ['vip'] });
    engine.ingestSync(order('e1', 'c00', '2026-06-01T10:00:01Z'));
    engine.fireDueSync(T('2026-06-01T10:00:01Z'));
    expect(new Set(store.listEffects().filter((e) => e.block === 's').map((e) => e.customer))).toEqual(new Set(vips.map((c) => c.id)));
  });

  it('passes over a customer who left the run\u2019s segment before the run reached them', () => {
    const { engine, store, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    clock.advanceTo(T('2026-06-01T10:00:00Z'));
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 5 });
    store.putCustomer({ id: 'c20', segments: [] });
    store.putCustomer({ id: 'c00', segments: [] }); // entered already: stays entered
    while (engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 5 }) > 0);
    const entered = new Set(store.listInstances().map((i) => i.customer));
    expect(entered.has('c20')).toBe(false);
    expect(entered.has('c00')).toBe(true);
    expect(entered.size).toBe(24);
  });

  it('a run paused half way enters no one more, and is not taken up again on resume', () => {
    const { engine, store, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    clock.advanceTo(T('2026-06-01T10:00:00Z'));
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 });
    engine.setFlowStatusSync('d', 'paused');
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 });
    engine.setFlowStatusSync('d', 'active');
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 });
    expect(store.listInstances()).toHaveLength(7);
    expect(store.listInstances().every((i) => i.reason === 'flow_stopped')).toBe(true);
  });

  it('remakeRuns makes the latest run again for the customers kept, passing over those it entered; not a run paused half way, nor one before `since`', async () => {
    const { engine, store, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    clock.advanceTo(T('2026-06-01T10:00:00Z'));
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 });
    const entered = () => store.listInstances().filter((i) => i.id.endsWith('run:2026-06-01T10:00:00Z')).map((i) => i.customer);
    const first = entered();
    expect(first).toHaveLength(7);
    // Another engine on the same store (a runtime taking over), as of 10:30, for the customers of even number.
    const taker = new Engine(store, programs(DAILY), new VirtualClock(T('2026-06-01T10:30:00Z')));
    const [program] = programs(DAILY);
    taker.restore(program!, { status: 'active', launchedAt: T('2026-06-01T00:00:00Z'), endedAt: null, nextRuns: { '0': T('2026-06-02T10:00:00Z') }, lastRuns: { '0': T('2026-06-01T10:00:00Z') } });
    const even = (c: string) => Number(c.slice(1)) % 2 === 0;
    const evenOf = (segment: string | undefined) => store.listCustomers(segment).filter(even);
    expect(await taker.remakeRuns(evenOf, T('2026-06-01T09:30:00Z'))).toBe(13);
    while ((await taker.fireDue(T('2026-06-01T10:30:00Z'), { budget: 5 })) > 0);
    expect(entered().sort()).toEqual([...new Set([...first, ...vips.map((c) => c.id).filter(even)])].sort());
    expect(new Set(entered()).size).toBe(entered().length);
    // A run begun before `since` is not made again.
    const all = (segment: string | undefined) => store.listCustomers(segment);
    expect(await taker.remakeRuns(all, T('2026-06-01T10:00:01Z'))).toBe(0);
    // Nor one paused half way, even once resumed.
    taker.setFlowStatusSync('d', 'paused');
    taker.setFlowStatusSync('d', 'active');
    expect(await taker.remakeRuns(all, 0)).toBe(0);
  });

  it('a run under way is stored as the next run (a restart makes it again), while the engine\u2019s own next run is the one after it', () => {
    const { engine, clock } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    clock.advanceTo(T('2026-06-01T10:00:00Z'));
    engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 });
    expect(engine.runsUnderwayCount()).toBe(1);
    expect(engine.nextRuns('d')).toEqual({ '0': T('2026-06-02T10:00:00Z') });
    expect(engine.runsToStore('d')).toEqual({ nextRuns: { '0': T('2026-06-01T10:00:00Z') }, lastRuns: { '0': T('2026-06-01T10:00:00Z') } });
    while (engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 8 }) > 0);
    expect(engine.runsUnderwayCount()).toBe(0);
    expect(engine.runsToStore('d').nextRuns).toEqual({ '0': T('2026-06-02T10:00:00Z') });
  });

  it('enters the customers of a run several at once over a store that answers later, each once, in slices', async () => {
    const store = new MemoryStore();
    for (const c of vips) store.putCustomer(c as CustomerProfile);
    const clock = new VirtualClock(T('2026-06-01T00:00:00Z'));
    const engine = new Engine(promised(store), programs(DAILY), clock);
    const done: number[] = [];
    for (let n; (n = await engine.fireDue(T('2026-06-01T10:00:00Z'), { budget: 10, concurrency: 4 })) > 0; ) done.push(n);
    expect(done).toEqual([10, 10, 6]);
    expect(store.listEffects().map((e) => e.customer).sort()).toEqual(vips.map((c) => c.id));
    expect(new Set(store.listInstances().map((i) => i.id)).size).toBe(25);
  });

  it('a failure among customers entering at once ends the run once all of them settled, none left running', async () => {
    const store = new MemoryStore();
    for (const c of vips) store.putCustomer(c as CustomerProfile);
    const later = promised(store);
    let commits = 0;
    let afterFailure = 0;
    let failed = false;
    const failing = new Proxy(later, {
      get(target, key, receiver) {
        if (key !== 'commit') return Reflect.get(target, key, receiver) as unknown;
        return async (t: Parameters<MemoryStore['commit']>[0]) => {
          if (++commits === 3) {
            failed = true;
            throw new Error('store down');
          }
          // The others of the group take longer than the failure.
          await new Promise((r) => setTimeout(r, 20));
          if (failed) afterFailure++;
          return later.commit(t);
        };
      },
    });
    const engine = new Engine(failing, programs(DAILY), new VirtualClock(T('2026-06-01T00:00:00Z')));
    await expect(engine.fireDue(T('2026-06-01T10:00:00Z'), { budget: 10, concurrency: 4 })).rejects.toThrow('store down');
    // The three others of its group committed before fireDue failed, none after.
    const settled = store.listInstances().length;
    expect(settled).toBe(3);
    expect(afterFailure).toBe(3);
    await new Promise((r) => setTimeout(r, 50));
    expect(store.listInstances()).toHaveLength(settled);
    expect(await engine.fireDue(T('2026-06-01T10:00:00Z'), { budget: 10, concurrency: 4 })).toBe(0);
  });

  it('a store failure in a run ends the run there (as a run made at once), and the engine goes on', () => {
    const { engine, store } = engineWith(DAILY, '2026-06-01T00:00:00Z', vips);
    const commit = store.commit.bind(store);
    let calls = 0;
    store.commit = (t) => {
      if (++calls === 4) throw new Error('store down');
      commit(t);
    };
    expect(() => engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 10 })).toThrow('store down');
    expect(engine.fireDueSync(T('2026-06-01T10:00:00Z'), { budget: 10 })).toBe(0);
    expect(store.listInstances()).toHaveLength(3);
  });
});

describe('timers claimed in batches', () => {
  it('a timer set while firing a batch, due before the rest of it, fires first', () => {
    const { engine, store } = engineWith(`flow f "F" { on NewOrder wait 1h steps s1 { send email "welcome" } wait 30m steps s2 { send email "welcome" } }`, '2026-06-01T08:00:00Z');
    engine.ingestSync(order('e1', 'c1', '2026-06-01T08:00:00Z'));
    engine.ingestSync(order('e2', 'c2', '2026-06-01T08:45:00Z'));
    engine.fireDueSync(T('2026-06-01T12:00:00Z'));
    expect(store.listEffects().map((e) => `${e.customer}/${e.block}@${new Date(e.at).toISOString().slice(11, 16)}`)).toEqual(['c1/s1@09:00', 'c1/s2@09:30', 'c2/s1@09:45', 'c2/s2@10:15']);
  });
});
