/**
 * The Store contract (runtime/store/store.ts), written once and run against every store: the
 * embedded MemoryStore (the reference semantics) and the RedisStore on one Redis and on a Redis
 * Cluster. Every call is awaited, so the same cases drive a synchronous and an asynchronous store.
 *
 *   storeContract('MemoryStore', async () => new MemoryStore());
 *
 * The last cases run random sequences of every Store method on the store under test and on a
 * fresh MemoryStore side by side and compare every answer.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { BadCursorError, type ActivityStep, type EffectRecord, type InstanceRecord, type NotEnteredRecord, type Store, type Transition } from '../../runtime/store/store.js';
import type { CustomerProfile } from '../../runtime/vm/customer.js';

export interface ContractOptions {
  /** Runs of each property (default 25; the environment variable RUNNEL_STORE_RUNS overrides it). */
  runs?: number;
  /** Longest sequence of timer operations in the timer property (default 60; a fast store takes longer ones). */
  timerOps?: number;
}

export const HASH = 'ab'.repeat(32);

export function inst(id: string, customer: string, over: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    id,
    flow: 'f',
    version: HASH,
    customer,
    event: id,
    enteredAt: 1000,
    due: 1000,
    block: 0,
    contexts: {},
    awaited: {},
    status: 'in_progress',
    reason: 'in_step',
    waitingUntil: null,
    waitingFor: null,
    launched: false,
    ...over,
  };
}

export function step(block: string, at: number, extra: Partial<ActivityStep> = {}): ActivityStep {
  return { block, kind: 'steps', at, version: HASH, ...extra };
}

export function effect(key: string, customer: string, at = 5): EffectRecord {
  return { key, at, flow: 'f', version: HASH, customer, instance: `f/${customer}/e`, block: 'b', action: 'send', channel: 'email', template: 't', params: {} };
}

export function tx(instance: InstanceRecord, over: Partial<Transition> = {}): Transition {
  return { instance, timers: [], effects: [], activity: [], ...over };
}

/** Many customers, so that their records spread over many shards. */
const CUSTOMERS = Array.from({ length: 40 }, (_, i) => `cust-${i}`);

export function storeContract(name: string, make: () => Promise<Store>, opts: ContractOptions = {}): void {
  // RUNNEL_STORE_RUNS=500 for a deeper search.
  const runs = Number(process.env['RUNNEL_STORE_RUNS']) || (opts.runs ?? 25);

  describe(`Store contract: ${name}`, () => {
    it('keeps named meta documents (the flow registry) as given', async () => {
      const s = await make();
      expect(await s.getMeta('flows')).toBeUndefined();
      await s.putMeta('flows', '{"a":1}');
      await s.putMeta('flows', '{"a":2,"t":"ü\\u0000"}');
      expect(await s.getMeta('flows')).toBe('{"a":2,"t":"ü\\u0000"}');
      expect(await s.getMeta('other')).toBeUndefined();
    });

    it('keeps customer profiles; lists them in the order first stored, by segment', async () => {
      const s = await make();
      expect(await s.getCustomer('c1')).toBeUndefined();
      for (const c of CUSTOMERS) await s.putCustomer({ id: c, segments: c.endsWith('3') ? ['vip'] : [] });
      await s.putCustomer({ id: 'cust-0', segments: ['vip'], fields: { tier: 'gold', n: 1.5 } });
      expect(await s.getCustomer('cust-0')).toEqual({ id: 'cust-0', segments: ['vip'], fields: { tier: 'gold', n: 1.5 } });
      expect(await s.listCustomers()).toEqual(CUSTOMERS);
      expect(await s.listCustomers('vip')).toEqual(['cust-0', 'cust-3', 'cust-13', 'cust-23', 'cust-33']);
      expect(await s.listCustomers('nobody')).toEqual([]);
    });

    it("lists a segment's customers as their profiles are now, however the profile was written", async () => {
      const s = await make();
      for (const c of CUSTOMERS.slice(0, 6)) await s.putCustomer({ id: c, segments: ['vip'] });
      // Written as it is (no base), from a read (a base), and by a step's commit: out, out, out and in again.
      await s.putCustomer({ id: 'cust-1', segments: [] });
      await s.putCustomer({ id: 'cust-2', segments: ['new'] }, (await s.getCustomer('cust-2'))!);
      await s.commit(tx(inst('f/cust-3/e1', 'cust-3'), { profile: { id: 'cust-3' }, profileBase: (await s.getCustomer('cust-3'))! }));
      await s.putCustomer({ id: 'cust-1', segments: ['vip', 'new'] });
      expect(await s.listCustomers('vip')).toEqual(['cust-0', 'cust-1', 'cust-4', 'cust-5']);
      expect(await s.listCustomers('new')).toEqual(['cust-1', 'cust-2']);
      // A change made from an older read, merged into the profile stored since: the merged segments count.
      const old = (await s.getCustomer('cust-4'))!;
      await s.putCustomer({ id: 'cust-4', segments: ['vip', 'api'] });
      await s.commit(tx(inst('f/cust-4/e1', 'cust-4'), { profile: { id: 'cust-4', segments: [] }, profileBase: old }));
      expect(await s.getCustomer('cust-4')).toEqual({ id: 'cust-4', segments: ['api'] });
      expect(await s.listCustomers('vip')).toEqual(['cust-0', 'cust-1', 'cust-5']);
      expect(await s.listCustomers('api')).toEqual(['cust-4']);
    });

    it('pages the instances newest first, of one flow when asked, and refuses a cursor it did not hand out', async () => {
      const s = await make();
      const made: string[] = [];
      for (let i = 0; i < 25; i++) {
        const c = CUSTOMERS[i % CUSTOMERS.length]!;
        const id = `${i % 3 ? 'f' : 'g'}/${c}/e${i}`;
        await s.commit(tx(inst(id, c, { flow: i % 3 ? 'f' : 'g' })));
        made.push(id);
      }
      // Commits of instances already made do not move them.
      await s.commit(tx(inst(made[0]!, CUSTOMERS[0]!, { flow: 'g', status: 'completed', reason: 'all_steps_done' })));
      const newest = [...made].reverse();
      expect(await allRecent(s, 4)).toEqual(newest);
      expect(await allRecent(s, 100)).toEqual(newest);
      expect(await allRecent(s, 1, 'g')).toEqual(newest.filter((id) => id.startsWith('g/')));
      expect(await allRecent(s, 3, 'nope')).toEqual([]);
      const first = await s.recentInstances({ limit: 5 });
      expect(first.instances.map((i) => i.id)).toEqual(newest.slice(0, 5));
      expect((await s.recentInstances({ limit: 5, before: first.next! })).instances.map((i) => i.id)).toEqual(newest.slice(5, 10));
      for (const bad of ['', 'x', '-1', '1e3', '99999999999999999999.0', '5.99999']) await expect(async () => s.recentInstances({ limit: 5, before: bad })).rejects.toThrow(BadCursorError);
    });

    it('merges a profile change made from an older read into the profile stored since (commit and putCustomer)', async () => {
      const s = await make();
      const read = { id: 'c1', email: 'c1@example.com', segments: ['vip', 'new'], fields: { tier: 'bronze', visits: 3 } };
      await s.putCustomer(read);
      const base = (await s.getCustomer('c1'))!;
      // Someone else (the HTTP API) writes the profile after it was read...
      await s.putCustomer({ id: 'c1', email: 'c1@example.com', emailStatus: 'invalid', segments: ['vip', 'new', 'api'], fields: { tier: 'bronze', visits: 4 } });
      // ...and a step's commit made from that read sets a field and moves segments.
      const t = tx(inst('f/c1/e1', 'c1'), { profile: { ...base, segments: ['vip', 'flow'], fields: { ...base.fields, tier: 'gold' } }, profileBase: base });
      await s.commit(t);
      const merged = { id: 'c1', email: 'c1@example.com', emailStatus: 'invalid', segments: ['vip', 'api', 'flow'], fields: { tier: 'gold', visits: 4 } };
      expect(await s.getCustomer('c1')).toEqual(merged);
      // The transition says what was stored (the engine reads on from it).
      expect(t.profile).toEqual(merged);
      // A base that is still what is stored: written as it is.
      const now = (await s.getCustomer('c1'))!;
      await s.putCustomer({ ...now, fields: { tier: 'silver' } }, now);
      expect(await s.getCustomer('c1')).toEqual({ ...merged, fields: { tier: 'silver' } });
      // Made from "no profile", while one was stored since: merged into it.
      await s.putCustomer({ id: 'c2', emailStatus: 'valid' });
      await s.putCustomer({ id: 'c2', fields: { source: 'event' } }, null);
      expect(await s.getCustomer('c2')).toEqual({ id: 'c2', emailStatus: 'valid', fields: { source: 'event' } });
      // Without a base: written as it is (the HTTP API's PUT replaces the profile).
      await s.putCustomer({ id: 'c2' });
      expect(await s.getCustomer('c2')).toEqual({ id: 'c2' });
    });

    it('keeps instances losslessly; lists them by customer and in creation order', async () => {
      const s = await make();
      const rich = inst('f/c1/e1/item:o1/i1', 'c1', {
        event: 'e1',
        launch: 'item:o1/i1',
        contexts: { order: { id: 'o1', total: 12.5, items: [{ id: 'i1' }] } },
        awaited: { w1: { order: { id: 'o2' } } },
        status: 'error',
        reason: 'eval_error',
        message: 'boom',
        waitingUntil: 5000,
        due: 4000,
        waitingFor: 3,
        wait: 3,
        launched: true,
        branches: { 'p/a': { parent: '', parallel: 1, join: 5, block: 2, due: 10, waitingUntil: 10, waitingFor: null, done: null, wait: 2 } },
      });
      await s.putInstance(rich);
      expect(await s.getInstance(rich.id)).toEqual(rich);
      expect(await s.getInstance('missing')).toBeUndefined();
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const id = `f/${CUSTOMERS[i % 7]}/e${i}`;
        ids.push(id);
        await s.putInstance(inst(id, CUSTOMERS[i % 7]!, { flow: i % 2 ? 'odd' : 'even' }));
      }
      // Updating keeps the creation order.
      await s.putInstance(inst(ids[0]!, CUSTOMERS[0]!, { flow: 'even', status: 'completed', reason: 'all_steps_done' }));
      expect((await s.listInstances()).map((i) => i.id)).toEqual([rich.id, ...ids]);
      expect((await s.listInstances({ flow: 'odd' })).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 2));
      expect((await s.listInstances({ customer: CUSTOMERS[0]! })).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 7 === 0));
      expect((await s.listInstances({ customer: CUSTOMERS[0]!, flow: 'even' })).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 7 === 0 && i % 2 === 0));
      expect((await s.instancesOfCustomer(CUSTOMERS[3]!)).map((i) => i.id)).toEqual(ids.filter((_, i) => i % 7 === 3));
      expect((await s.instancesOfCustomer(CUSTOMERS[0]!))[0]!.status).toBe('completed');
      expect(await s.instancesOfCustomer('nobody')).toEqual([]);
    });

    it('keeps the instances in flight per customer: in progress only, in the order they (re)entered', async () => {
      const s = await make();
      const i = (id: string, status: InstanceRecord['status']) => inst(id, 'c1', { status, reason: 'x' });
      await s.putInstance(i('a', 'in_progress'));
      await s.putInstance(i('b', 'stopped'));
      await s.putInstance(i('c', 'in_progress'));
      await s.putInstance(i('d', 'in_progress'));
      await s.putInstance(i('c', 'completed'));
      await s.putInstance(i('a', 'in_progress'));
      expect((await s.inFlightOfCustomer('c1')).map((x) => x.id)).toEqual(['a', 'd']);
      expect(await s.inFlightOfCustomer('nobody')).toEqual([]);
      await s.putInstance(i('b', 'in_progress'));
      expect((await s.inFlightOfCustomer('c1')).map((x) => x.id)).toEqual(['a', 'd', 'b']);
      await s.putInstance(i('a', 'stopped'));
      await s.putInstance(i('d', 'completed'));
      await s.putInstance(i('b', 'error'));
      expect(await s.inFlightOfCustomer('c1')).toEqual([]);
    });

    it('lists the instances in progress of every customer, in creation order, of one flow when asked', async () => {
      const s = await make();
      const made: Array<[string, string, InstanceRecord['status']]> = CUSTOMERS.slice(0, 12).flatMap((c, k) => [
        [`f/${c}/e1`, c, k % 3 === 0 ? 'completed' : 'in_progress'],
        [`g/${c}/e1`, c, 'in_progress'],
      ]);
      for (const [id, c, status] of made) await s.putInstance(inst(id, c, { flow: id.slice(0, 1), status, reason: 'x' }));
      // One leaves and one comes back: creation order is kept.
      await s.putInstance(inst(`g/${CUSTOMERS[1]}/e1`, CUSTOMERS[1]!, { flow: 'g', status: 'stopped', reason: 'x' }));
      await s.putInstance(inst(`f/${CUSTOMERS[0]}/e1`, CUSTOMERS[0]!, { flow: 'f', status: 'in_progress', reason: 'x' }));
      const live = made.filter(([id]) => id !== `g/${CUSTOMERS[1]}/e1`).filter(([id, , status]) => status === 'in_progress' || id === `f/${CUSTOMERS[0]}/e1`).map(([id]) => id);
      expect((await s.listInFlight()).map((i) => i.id)).toEqual(live);
      expect((await s.listInFlight({ flow: 'f' })).map((i) => i.id)).toEqual(live.filter((id) => id.startsWith('f/')));
      expect(await s.listInFlight({ flow: 'none' })).toEqual([]);
    });

    it('keeps a customer’s instances in order whatever characters their ids hold', async () => {
      const s = await make();
      const ids = ['f/c1/3:ab', 'f/c1/line\nbreak', 'f/c1/12:', 'f/c1/é:ü\u0000'];
      for (const id of ids) await s.commit(tx(inst(id, 'c1')));
      expect((await s.instancesOfCustomer('c1')).map((i) => i.id)).toEqual(ids);
      await s.commit(tx(inst(ids[1]!, 'c1', { status: 'completed', reason: 'all_steps_done' })));
      await s.commit(tx(inst(ids[3]!, 'c1', { status: 'stopped', reason: 'exit_event' })));
      expect((await s.inFlightOfCustomer('c1')).map((i) => i.id)).toEqual([ids[0], ids[2]]);
      expect((await s.instancesOfCustomer('c1')).map((i) => i.id)).toEqual(ids);
      await s.commit(tx(inst(ids[0]!, 'c1', { status: 'completed', reason: 'all_steps_done' })));
      await s.commit(tx(inst(ids[2]!, 'c1', { status: 'completed', reason: 'all_steps_done' })));
      expect(await s.inFlightOfCustomer('c1')).toEqual([]);
    });

    it('keeps activity per instance in the order it ran', async () => {
      const s = await make();
      await s.putInstance(inst('x', 'c1'));
      await s.appendActivity('x', step('a', 1));
      await s.appendActivity('x', step('b', 2, { until: 9, variant: 'control', branch: -1, path: 'p/a', within: true }));
      expect(await s.listActivity('x')).toEqual([step('a', 1), step('b', 2, { until: 9, variant: 'control', branch: -1, path: 'p/a', within: true })]);
      expect(await s.listActivity('nobody')).toEqual([]);
    });

    it('keeps launch records per flow and customer, dedupes event ids', async () => {
      const s = await make();
      await s.putLaunchRecord('f', 'c1', { launches: 1, lastStepAt: 5 });
      await s.putLaunchRecord('g', 'c1', { launches: 2, lastStepAt: null });
      expect(await s.getLaunchRecord('f', 'c1')).toEqual({ launches: 1, lastStepAt: 5 });
      expect(await s.getLaunchRecord('g', 'c1')).toEqual({ launches: 2, lastStepAt: null });
      expect(await s.getLaunchRecord('f', 'c2')).toBeUndefined();
      expect(await s.markEventSeen('e1')).toBe(true);
      expect(await s.markEventSeen('e1')).toBe(false);
      expect(await s.markEventSeen('e2')).toBe(true);
      await s.forgetEventSeen('e2');
      expect(await s.markEventSeen('e2')).toBe(true);
      expect(await s.markEventSeen('e2')).toBe(false);
    });

    it('claims due timers in due order, ties in the order they were set, up to a limit', async () => {
      const s = await make();
      await s.addTimer({ instance: 'a', due: 30 });
      await s.addTimer({ instance: 'b', due: 10 });
      await s.addTimer({ instance: 'c', due: 10 });
      await s.addTimer({ instance: 'd', due: 50 });
      expect(await s.nextTimerDue()).toBe(10);
      expect(await s.claimDueTimers(30, 2)).toEqual([
        { instance: 'b', due: 10 },
        { instance: 'c', due: 10 },
      ]);
      expect(await s.claimDueTimers(30)).toEqual([{ instance: 'a', due: 30 }]);
      expect(await s.claimDueTimers(40)).toEqual([]);
      expect(await s.nextTimerDue()).toBe(50);
      expect(await s.claimDueTimers(50, 0)).toEqual([]);
      expect(await s.claimDueTimers(Infinity)).toEqual([{ instance: 'd', due: 50 }]);
      expect(await s.nextTimerDue()).toBeNull();
    });

    it('one timer per key: setting replaces (and goes after equal dues), removing removes', async () => {
      const s = await make();
      await s.addTimer({ instance: 'a', due: 30 });
      await s.addTimer({ instance: 'a', due: 20 });
      await s.addTimer({ instance: 'b', due: 25 });
      await s.removeTimer('b');
      await s.removeTimer('never');
      await s.addTimer({ instance: 'c', due: 20 });
      await s.addTimer({ instance: 'a', due: 20 });
      expect(await s.claimDueTimers(100)).toEqual([
        { instance: 'c', due: 20 },
        { instance: 'a', due: 20 },
      ]);
    });

    it('orders timers of instances on many shards globally: by due, ties in the order they were set', async () => {
      const s = await make();
      const keys: string[] = [];
      for (let i = 0; i < CUSTOMERS.length; i++) {
        const id = `f/${CUSTOMERS[i]}/e`;
        await s.commit(tx(inst(id, CUSTOMERS[i]!, { waitingUntil: 100 }), { timers: [{ key: id, due: 100 + (i % 3) }, { key: `${id}\u0000p/b`, due: 100 }] }));
        keys.push(id, `${id}\u0000p/b`);
      }
      expect(await s.nextTimerDue()).toBe(100);
      const expected = [
        ...keys.filter((k, j) => k.includes('\u0000') || (j / 2) % 3 === 0),
        ...keys.filter((k, j) => !k.includes('\u0000') && (j / 2) % 3 === 1),
        ...keys.filter((k, j) => !k.includes('\u0000') && (j / 2) % 3 === 2),
      ];
      // Ties at 100 come out in the order set: the instance's own timer, then its branch's, customer by customer.
      const got: string[] = [];
      for (;;) {
        const batch = await s.claimDueTimers(1000, 7);
        if (!batch.length) break;
        expect(batch.length).toBeLessThanOrEqual(7);
        got.push(...batch.map((t) => t.instance));
      }
      expect(got).toEqual(expected);
      expect(await s.nextTimerDue()).toBeNull();
    });

    it('claims more than a script call takes at once (over 100) in order', async () => {
      const s = await make();
      for (let i = 0; i < 250; i++) await s.addTimer({ instance: `k${i}`, due: 1000 - (i % 50) });
      const got = await s.claimDueTimers(1000, 230);
      expect(got.length).toBe(230);
      const sorted = [...got].sort((a, b) => a.due - b.due || Number(a.instance.slice(1)) - Number(b.instance.slice(1)));
      expect(got).toEqual(sorted);
      expect(await s.claimDueTimers(1000, 1000)).toHaveLength(20);
    });

    it('timers come out sorted whatever order they go in (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 40 }), async (dues) => {
          const s = await make();
          for (const [i, due] of dues.entries()) await s.addTimer({ instance: `i${i}`, due });
          const out = (await s.claimDueTimers(1000, 1000)).map((t) => t.due);
          expect(out).toEqual([...dues].sort((a, b) => a - b));
        }),
        { numRuns: runs },
      );
    });

    it('timers agree with a sorted-list model under sets, replacements, removals and claims (property)', async () => {
      const op = fc.oneof(
        fc.record({ add: fc.integer({ min: 0, max: 20 }), due: fc.integer({ min: 0, max: 100 }) }),
        fc.record({ remove: fc.integer({ min: 0, max: 20 }) }),
        fc.record({ claim: fc.integer({ min: 0, max: 100 }), limit: fc.integer({ min: 1, max: 5 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: opts.timerOps ?? 60 }), async (ops) => {
          const s = await make();
          let model: Array<{ instance: string; due: number; seq: number }> = [];
          let seq = 0;
          for (const o of ops) {
            if ('add' in o) {
              const instance = `i${o.add}`;
              model = model.filter((t) => t.instance !== instance);
              model.push({ instance, due: o.due, seq: seq++ });
              await s.addTimer({ instance, due: o.due });
            } else if ('remove' in o) {
              model = model.filter((t) => t.instance !== `i${o.remove}`);
              await s.removeTimer(`i${o.remove}`);
            } else {
              model.sort((a, b) => a.due - b.due || a.seq - b.seq);
              const taken = model.filter((t) => t.due <= o.claim).slice(0, o.limit);
              model = model.filter((t) => !taken.includes(t));
              expect(await s.claimDueTimers(o.claim, o.limit)).toEqual(taken.map((t) => ({ instance: t.instance, due: t.due })));
            }
            expect(await s.nextTimerDue()).toBe(model.length ? Math.min(...model.map((t) => t.due)) : null);
          }
        }),
        { numRuns: runs },
      );
    });

    it('keeps the outbox and the did-not-enter records in the order appended', async () => {
      const s = await make();
      const want: EffectRecord[] = [];
      for (let i = 0; i < 12; i++) {
        const c = CUSTOMERS[(i * 7) % CUSTOMERS.length]!;
        if (i % 3 === 0) {
          const es = [effect(`k${i}a`, c), effect(`k${i}b`, c)];
          await s.commit(tx(inst(`f/${c}/e${i}`, c), { effects: es.map((e) => ({ ...e })) }));
          want.push(...es);
        } else {
          const e = effect(`k${i}`, c, i);
          await s.appendEffect({ ...e });
          want.push(e);
        }
      }
      expect(await s.listEffects()).toEqual(want);
      const ne: NotEnteredRecord[] = [
        { flow: 'f', customer: 'c1', event: 'e1', at: 5, reason: 'launch_limit', message: 'entry once: launched before' },
        { flow: null, customer: null, event: null, at: null, reason: 'invalid_event', message: 'bad' },
        { flow: 'g', customer: 'c2', event: 'e2', at: 6, reason: 'duplicate_event' },
      ];
      for (const r of ne) await s.appendNotEntered({ ...r });
      expect(await s.listNotEntered()).toEqual(ne);
    });

    it('records a refusal once (an event processed again after a crash); a repeated event\u2019s duplicate_event records, a run\u2019s refusals and records of no customer each time', async () => {
      const s = await make();
      const limit: NotEnteredRecord = { flow: 'f', customer: 'c1', event: 'e1', at: 5, reason: 'launch_limit', message: 'entry once' };
      const dup: NotEnteredRecord = { flow: 'f', customer: 'c1', event: 'e1', at: 6, reason: 'duplicate_event' };
      const invalid: NotEnteredRecord = { flow: null, customer: null, event: null, at: null, reason: 'invalid_event', message: 'bad' };
      const other: NotEnteredRecord = { flow: 'f', customer: 'c2', event: 'e1', at: 5, reason: 'launch_limit' };
      // A scheduled run made again refuses again: each is recorded.
      const run: NotEnteredRecord = { flow: 'f', customer: 'c3', event: 'run:2026-06-01T10:00:00Z', at: 5, reason: 'launch_limit' };
      for (const r of [limit, dup, invalid, { ...limit, at: 9 }, dup, invalid, other, other, run, run]) await s.appendNotEntered({ ...r });
      expect(await s.listNotEntered()).toEqual([limit, dup, invalid, dup, invalid, other, run, run]);
      expect((await s.flowStats('f')).didNotEnter).toEqual({ duplicate_event: 2, launch_limit: 4 });
    });

    it('admits at most max members per period key, each once however often it asks', async () => {
      const s = await make();
      const day = 86_400_000;
      expect(await s.countAdmitted('p')).toBe(0);
      expect(await s.admitInPeriod('p', 'b\u0000j1', 2, day)).toBe(true);
      expect(await s.admitInPeriod('p', 'b\u0000j1', 2, day)).toBe(true);
      expect(await s.countAdmitted('p')).toBe(1);
      expect(await s.admitInPeriod('p', 'b\u0000j2', 2, day)).toBe(true);
      expect(await s.admitInPeriod('p', 'b\u0000j3', 2, day)).toBe(false);
      // Admitted before, admitted again when full; refused before, still refused.
      expect(await s.admitInPeriod('p', 'b\u0000j1', 2, day)).toBe(true);
      expect(await s.admitInPeriod('p', 'b\u0000j3', 2, day)).toBe(false);
      expect(await s.countAdmitted('p')).toBe(2);
      // Another period is another key.
      expect(await s.admitInPeriod('p2', 'b\u0000j3', 2, day)).toBe(true);
      expect(await s.countAdmitted('p2')).toBe(1);
    });

    it('admits in rolling windows at most max in (at - window, at], each member once while it is in the window', async () => {
      const s = await make();
      const keep = 1_000_000;
      expect(await s.admitInWindow('w', 'a', 0, 100, 2, keep)).toBe(true);
      expect(await s.admitInWindow('w', 'b', 50, 100, 2, keep)).toBe(true);
      expect(await s.admitInWindow('w', 'c', 99, 100, 2, keep)).toBe(false);
      // Asked again (a retry): admitted, not counted again.
      expect(await s.admitInWindow('w', 'b', 60, 100, 2, keep)).toBe(true);
      expect(await s.admitInWindow('w', 'c', 100, 100, 2, keep)).toBe(true);
      expect(await s.admitInWindow('w', 'd', 100, 100, 2, keep)).toBe(false);
      expect(await s.admitInWindow('w', 'e', 150, 100, 2, keep)).toBe(true);
      expect(await s.admitInWindow('w', 'f', 151, 100, 2, keep)).toBe(false);
      // Two members at the same time are two.
      expect(await s.admitInWindow('same', 'a', 7, 10, 3, keep)).toBe(true);
      expect(await s.admitInWindow('same', 'b', 7, 10, 3, keep)).toBe(true);
      expect(await s.admitInWindow('same', 'c', 7, 10, 3, keep)).toBe(true);
      expect(await s.admitInWindow('same', 'd', 7, 10, 3, keep)).toBe(false);
      expect(await s.admitInWindow('other', 'a', 100, 100, 1, keep)).toBe(true);
    });

    it('keeps match states, orders and products', async () => {
      const s = await make();
      await s.putMatchState('match\u0000f\u00000\u0000NewOrder\u0000c1', { orders: { o1: { fired: 1 } } } as never);
      expect(await s.getMatchState('match\u0000f\u00000\u0000NewOrder\u0000c1')).toEqual({ orders: { o1: { fired: 1 } } });
      expect(await s.getMatchState('x')).toBeUndefined();
      await s.putOrder({ id: 'o1', status: 'new' });
      await s.putOrder({ id: 'o1', status: 'paid' });
      await s.putProduct({ id: 'p1', price: 3 });
      expect([await s.getOrder('o1'), await s.getProduct('p1'), await s.getProduct('p2'), await s.getOrder('o2')]).toEqual([{ id: 'o1', status: 'paid' }, { id: 'p1', price: 3 }, undefined, undefined]);
    });

    it('commits a whole step: instance, timers, effects, activity, launch record, profile', async () => {
      const s = await make();
      const id = 'f/c1/e1';
      await s.putCustomer({ id: 'c0' });
      await s.putCustomer({ id: 'c1', segments: [] });
      await s.commit(
        tx(inst(id, 'c1', { waitingUntil: 500, reason: 'waiting' }), {
          timers: [
            { key: id, due: 500 },
            { key: `${id}\u0000p/a`, due: 300 },
          ],
          effects: [effect('k1', 'c1'), effect('k2', 'c1')],
          activity: [step('a', 1), step('w', 2, { until: 500 })],
          launch: { flow: 'f', record: { launches: 1, lastStepAt: 1 } },
          profile: { id: 'c1', segments: ['vip'] },
        }),
      );
      expect(await s.getInstance(id)).toEqual(inst(id, 'c1', { waitingUntil: 500, reason: 'waiting' }));
      expect((await s.inFlightOfCustomer('c1')).map((i) => i.id)).toEqual([id]);
      expect(await s.nextTimerDue()).toBe(300);
      expect(await s.listEffects()).toEqual([effect('k1', 'c1'), effect('k2', 'c1')]);
      expect(await s.listActivity(id)).toEqual([step('a', 1), step('w', 2, { until: 500 })]);
      expect(await s.getLaunchRecord('f', 'c1')).toEqual({ launches: 1, lastStepAt: 1 });
      expect(await s.getCustomer('c1')).toEqual({ id: 'c1', segments: ['vip'] });
      // The profile keeps its place among customers.
      expect(await s.listCustomers()).toEqual(['c0', 'c1']);

      // The timer fires: the claim is acknowledged by the next commit, which ends the instance.
      expect(await s.claimDueTimers(300)).toEqual([{ instance: `${id}\u0000p/a`, due: 300 }]);
      await s.commit(
        tx(inst(id, 'c1', { status: 'completed', reason: 'all_steps_done' }), {
          timers: [
            { key: `${id}\u0000p/a`, due: null },
            { key: id, due: null },
          ],
          activity: [step('z', 3)],
        }),
      );
      expect(await s.nextTimerDue()).toBeNull();
      expect(await s.claimDueTimers(Infinity)).toEqual([]);
      expect(await s.inFlightOfCustomer('c1')).toEqual([]);
      expect((await s.listActivity(id)).map((a) => a.block)).toEqual(['a', 'w', 'z']);
      expect((await s.instancesOfCustomer('c1')).map((i) => i.status)).toEqual(['completed']);
    });

    it('behaves as the embedded store under random sequences of every method (differential property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 50 }), async (ops) => {
          const s = await make();
          const ref = new MemoryStore();
          const stored = new Set<string>();
          for (const o of ops) {
            // Timers and activity belong to stored instances: set by hand for an instance id before
            // the instance is stored, a sharded store keeps them by the id, apart (docs/redis.md).
            if (o.op === 'addTimer' && o.key.startsWith('f/') && !stored.has(o.key.split('\u0000')[0]!)) continue;
            if (o.op === 'appendActivity' && !stored.has(o.id)) continue;
            if (o.op === 'commit' || o.op === 'putInstance') stored.add(o.instance.id);
            const [a, b] = await Promise.all([apply(s, structuredClone(o)), apply(ref, structuredClone(o))]);
            expect(a, `${o.op} ${JSON.stringify(o)}`).toEqual(b);
          }
          for (const o of observers) expect(await apply(s, o), o.op).toEqual(await apply(ref, o));
        }),
        { numRuns: runs },
      );
    });
  });
}

// ---------------------------------------------------------------- the differential property

const CUST = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
/** Instance ids begin with their flow's id (as the engine makes them; Store.recentInstances relies on it). */
const IDS = Array.from({ length: 8 }, (_, i) => `${i % 3 ? 'f' : 'g'}/${CUST[i % CUST.length]}/e${i}`);
const customerOf = (id: string) => id.split('/')[1]!;

type Op =
  | { op: 'putCustomer'; profile: CustomerProfile; base?: CustomerProfile | null }
  | { op: 'getCustomer'; id: string }
  | { op: 'listCustomers'; segment?: string }
  | { op: 'recent'; flow?: string; limit: number }
  | { op: 'commit'; instance: InstanceRecord; t: Omit<Transition, 'instance'> }
  | { op: 'putInstance'; instance: InstanceRecord }
  | { op: 'getInstance'; id: string }
  | { op: 'instancesOfCustomer'; customer: string }
  | { op: 'inFlightOfCustomer'; customer: string }
  | { op: 'listInstances'; flow?: string; customer?: string }
  | { op: 'appendActivity'; id: string; step: ActivityStep }
  | { op: 'listActivity'; id: string }
  | { op: 'putLaunchRecord'; flow: string; customer: string; launches: number; lastStepAt: number | null }
  | { op: 'getLaunchRecord'; flow: string; customer: string }
  | { op: 'markEventSeen'; id: string }
  | { op: 'addTimer'; key: string; due: number }
  | { op: 'removeTimer'; key: string }
  | { op: 'claimDueTimers'; upTo: number; limit: number }
  | { op: 'nextTimerDue' }
  | { op: 'appendEffect'; effect: EffectRecord }
  | { op: 'listEffects' }
  | { op: 'appendNotEntered'; record: NotEnteredRecord }
  | { op: 'listNotEntered' }
  | { op: 'admitInPeriod'; key: string; member: string; max: number }
  | { op: 'countAdmitted'; key: string }
  | { op: 'admitInWindow'; key: string; member: string; at: number; windowMs: number; max: number }
  | { op: 'putMatchState'; key: string; state: Record<string, unknown> }
  | { op: 'getMatchState'; key: string }
  | { op: 'putOrder'; order: { id: string; [k: string]: unknown } }
  | { op: 'getOrder'; id: string }
  | { op: 'putProduct'; product: { id: string; [k: string]: unknown } }
  | { op: 'getProduct'; id: string };

const observers: Op[] = [
  { op: 'listCustomers' },
  { op: 'listInstances' },
  { op: 'recent', limit: 3 },
  { op: 'recent', flow: 'g', limit: 2 },
  { op: 'listEffects' },
  { op: 'listNotEntered' },
  { op: 'nextTimerDue' },
  ...CUST.map((c): Op => ({ op: 'inFlightOfCustomer', customer: c })),
  ...IDS.map((id): Op => ({ op: 'listActivity', id })),
  { op: 'claimDueTimers', upTo: Infinity, limit: 1000 },
];

const id = fc.constantFrom(...IDS);
const cust = fc.constantFrom(...CUST);
const due = fc.integer({ min: 0, max: 50 });
const timerKey = (base: string) => fc.constantFrom(base, `${base}\u0000p/a`, `${base}\u0000p/b`);
const jsonish = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)), { maxKeys: 3 });
const instanceOf = (i: string) =>
  fc.record({ status: fc.constantFrom('in_progress', 'in_progress', 'completed', 'stopped', 'error'), block: fc.nat(9), waitingUntil: fc.option(due, { nil: null }), contexts: jsonish }).map(
    (r) => inst(i, customerOf(i), { status: r.status as InstanceRecord['status'], block: r.block, waitingUntil: r.waitingUntil, flow: i.split('/')[0]!, contexts: { order: r.contexts } }),
  );
const profile = fc.record({ id: cust, segments: fc.subarray(['s1', 's2']), fields: jsonish });
/** A profile write's base (what it was made from): none given, "no profile", or a profile (rarely the stored one: then it merges). */
const baseOf = (c: string) => fc.option(fc.option(fc.record({ segments: fc.subarray(['s1', 's2']), fields: jsonish }).map((r): CustomerProfile => ({ id: c, ...r })), { nil: null }), { nil: undefined });
const stepArb = fc.record({ block: fc.constantFrom('a', 'b', 'w'), at: due }).map((r) => step(r.block, r.at));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  profile.chain((p) => baseOf(p.id).map((base): Op => ({ op: 'putCustomer', profile: p, ...(base !== undefined ? { base } : {}) }))),
  cust.map((c): Op => ({ op: 'getCustomer', id: c })),
  fc.option(fc.constantFrom('s1', 's2'), { nil: undefined }).map((segment): Op => (segment ? { op: 'listCustomers', segment } : { op: 'listCustomers' })),
  fc.record({ flow: fc.option(fc.constantFrom('f', 'g'), { nil: undefined }), limit: fc.integer({ min: 1, max: 4 }) }).map((r): Op => ({ op: 'recent', limit: r.limit, ...(r.flow ? { flow: r.flow } : {}) })),
  id.chain((i) =>
    fc
      .record({
        instance: instanceOf(i),
        timers: fc.array(fc.record({ key: timerKey(i), due: fc.option(due, { nil: null }) }), { maxLength: 3 }),
        effects: fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }),
        activity: fc.array(stepArb, { maxLength: 2 }),
        launch: fc.option(fc.record({ launches: fc.nat(3), lastStepAt: fc.option(due, { nil: null }) }), { nil: undefined }),
        profile: fc.option(fc.record({ segments: fc.subarray(['s1', 's2']) }), { nil: undefined }),
        profileBase: baseOf(customerOf(i)),
      })
      .map(
        (r): Op => ({
          op: 'commit',
          instance: r.instance,
          t: {
            timers: r.timers,
            effects: r.effects.map((k, j) => effect(`${i}/${k}${j}`, customerOf(i))),
            activity: r.activity,
            ...(r.launch ? { launch: { flow: r.instance.flow, record: r.launch } } : {}),
            ...(r.profile ? { profile: { id: customerOf(i), segments: r.profile.segments }, ...(r.profileBase !== undefined ? { profileBase: r.profileBase } : {}) } : {}),
          },
        }),
      ),
  ),
  id.chain(instanceOf).map((instance): Op => ({ op: 'putInstance', instance })),
  fc.constantFrom(...IDS, 'nope').map((i): Op => ({ op: 'getInstance', id: i })),
  cust.map((c): Op => ({ op: 'instancesOfCustomer', customer: c })),
  cust.map((c): Op => ({ op: 'inFlightOfCustomer', customer: c })),
  fc.record({ flow: fc.option(fc.constantFrom('f', 'g'), { nil: undefined }), customer: fc.option(cust, { nil: undefined }) }).map((r): Op => ({ op: 'listInstances', ...(r.flow ? { flow: r.flow } : {}), ...(r.customer ? { customer: r.customer } : {}) })),
  fc.record({ id, step: stepArb }).map((r): Op => ({ op: 'appendActivity', id: r.id, step: r.step })),
  id.map((i): Op => ({ op: 'listActivity', id: i })),
  fc.record({ flow: fc.constantFrom('f', 'g'), customer: cust, launches: fc.nat(3), lastStepAt: fc.option(due, { nil: null }) }).map((r): Op => ({ op: 'putLaunchRecord', ...r })),
  fc.record({ flow: fc.constantFrom('f', 'g'), customer: cust }).map((r): Op => ({ op: 'getLaunchRecord', ...r })),
  fc.constantFrom('e1', 'e2', 'e3').map((e): Op => ({ op: 'markEventSeen', id: e })),
  fc.record({ key: fc.oneof(fc.constantFrom('t1', 't2', 't3', 't4'), id.chain(timerKey)), due }).map((r): Op => ({ op: 'addTimer', ...r })),
  fc.oneof(fc.constantFrom('t1', 't2', 't3', 't4'), id.chain(timerKey)).map((key): Op => ({ op: 'removeTimer', key })),
  fc.record({ upTo: due, limit: fc.integer({ min: 1, max: 4 }) }).map((r): Op => ({ op: 'claimDueTimers', ...r })),
  fc.constant<Op>({ op: 'nextTimerDue' }),
  fc.record({ c: cust, k: fc.constantFrom('p', 'q') }).map((r): Op => ({ op: 'appendEffect', effect: effect(`${r.c}/${r.k}`, r.c) })),
  fc.constant<Op>({ op: 'listEffects' }),
  fc.record({ customer: fc.option(cust, { nil: null }), reason: fc.constantFrom('launch_limit', 'condition_not_applied') }).map(
    (r): Op => ({ op: 'appendNotEntered', record: { flow: 'f', customer: r.customer, event: 'e', at: 3, reason: r.reason as NotEnteredRecord['reason'] } }),
  ),
  fc.constant<Op>({ op: 'listNotEntered' }),
  fc.record({ key: fc.constantFrom('n1', 'n2'), member: fc.constantFrom('m1', 'm2', 'm3', 'm4'), max: fc.integer({ min: 1, max: 3 }) }).map((r): Op => ({ op: 'admitInPeriod', ...r })),
  fc.constantFrom('n1', 'n2').map((key): Op => ({ op: 'countAdmitted', key })),
  fc.record({ key: fc.constantFrom('w1', 'w2'), member: fc.constantFrom('m1', 'm2', 'm3', 'm4'), at: due, windowMs: fc.integer({ min: 1, max: 20 }), max: fc.integer({ min: 1, max: 3 }) }).map((r): Op => ({ op: 'admitInWindow', ...r })),
  fc.record({ key: fc.constantFrom('m1', 'm2'), state: jsonish }).map((r): Op => ({ op: 'putMatchState', ...r })),
  fc.constantFrom('m1', 'm2').map((key): Op => ({ op: 'getMatchState', key })),
  fc.record({ id: fc.constantFrom('o1', 'o2'), v: jsonish }).map((r): Op => ({ op: 'putOrder', order: { ...r.v, id: r.id } })),
  fc.constantFrom('o1', 'o2').map((i): Op => ({ op: 'getOrder', id: i })),
  fc.record({ id: fc.constantFrom('p1', 'p2'), v: jsonish }).map((r): Op => ({ op: 'putProduct', product: { ...r.v, id: r.id } })),
  fc.constantFrom('p1', 'p2').map((i): Op => ({ op: 'getProduct', id: i })),
);

/** Every page of recentInstances, walked to the end: the ids, newest first (cursors differ by store; what they lead to must not). */
export async function allRecent(s: Store, limit: number, flow?: string): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await s.recentInstances({ limit, ...(flow !== undefined ? { flow } : {}), ...(before !== undefined ? { before } : {}) });
    expect(page.instances.length).toBeLessThanOrEqual(limit);
    ids.push(...page.instances.map((i) => i.id));
    if (page.next === null) return ids;
    before = page.next;
  }
  throw new Error('recentInstances did not come to an end');
}

async function apply(s: Store, o: Op): Promise<unknown> {
  switch (o.op) {
    case 'putCustomer':
      return s.putCustomer(o.profile, ...(o.base !== undefined ? [o.base] : []));
    case 'getCustomer':
      return s.getCustomer(o.id);
    case 'listCustomers':
      return s.listCustomers(o.segment);
    case 'recent':
      return allRecent(s, o.limit, o.flow);
    case 'commit':
      return s.commit({ instance: o.instance, ...o.t });
    case 'putInstance':
      return s.putInstance(o.instance);
    case 'getInstance':
      return s.getInstance(o.id);
    case 'instancesOfCustomer':
      return s.instancesOfCustomer(o.customer);
    case 'inFlightOfCustomer':
      return s.inFlightOfCustomer(o.customer);
    case 'listInstances':
      return s.listInstances({ ...(o.flow ? { flow: o.flow } : {}), ...(o.customer ? { customer: o.customer } : {}) });
    case 'appendActivity':
      return s.appendActivity(o.id, o.step);
    case 'listActivity':
      return s.listActivity(o.id);
    case 'putLaunchRecord':
      return s.putLaunchRecord(o.flow, o.customer, { launches: o.launches, lastStepAt: o.lastStepAt });
    case 'getLaunchRecord':
      return s.getLaunchRecord(o.flow, o.customer);
    case 'markEventSeen':
      return s.markEventSeen(o.id);
    case 'addTimer':
      return s.addTimer({ instance: o.key, due: o.due });
    case 'removeTimer':
      return s.removeTimer(o.key);
    case 'claimDueTimers':
      return s.claimDueTimers(o.upTo, o.limit);
    case 'nextTimerDue':
      return s.nextTimerDue();
    case 'appendEffect':
      return s.appendEffect(o.effect);
    case 'listEffects':
      return s.listEffects();
    case 'appendNotEntered':
      return s.appendNotEntered(o.record);
    case 'listNotEntered':
      return s.listNotEntered();
    case 'admitInPeriod':
      return s.admitInPeriod(o.key, o.member, o.max, 60_000);
    case 'countAdmitted':
      return s.countAdmitted(o.key);
    case 'admitInWindow':
      return s.admitInWindow(o.key, o.member, o.at, o.windowMs, o.max, 60_000);
    case 'putMatchState':
      return s.putMatchState(o.key, o.state as never);
    case 'getMatchState':
      return s.getMatchState(o.key);
    case 'putOrder':
      return s.putOrder(o.order);
    case 'getOrder':
      return s.getOrder(o.id);
    case 'putProduct':
      return s.putProduct(o.product);
    case 'getProduct':
      return s.getProduct(o.id);
  }
}

/**
 * Store.readForEvent, for the stores that have it: one call answers what the single reads answer
 * (profile, instances in flight, launch records, matcher states, which instance ids exist), and a
 * matcher-state key of another customer is refused rather than read from the wrong place.
 */
export function readForEventContract(name: string, make: () => Promise<Store>): void {
  describe(`Store.readForEvent: ${name}`, () => {
    const key = (flow: string, trigger: number, customer: string) => `match\u0000${flow}\u0000${trigger}\u0000NewOrder\u0000${customer}`;

    it('answers what the single reads answer', async () => {
      const s = await make();
      if (!s.readForEvent) throw new Error(`${name} has no readForEvent`);
      await s.putCustomer({ id: 'c1', email: 'a@example.com', fields: { tier: 'gold' } } as CustomerProfile);
      await s.commit(tx(inst('x', 'c1')));
      await s.commit(tx(inst('y', 'c1', { status: 'completed', reason: 'all_steps_done' })));
      await s.commit(tx(inst('w', 'c1')));
      await s.commit(tx(inst('z', 'c2')));
      await s.putLaunchRecord('f', 'c1', { launches: 2, lastStepAt: 7 });
      await s.putLaunchRecord('g', 'c2', { launches: 1, lastStepAt: null });
      await s.putMatchState(key('f', 0, 'c1'), { seen: { o1: 'paid' } } as never);
      await s.putMatchState(key('f', 1, 'c2'), { seen: { o2: 'paid' } } as never);

      const q = { launches: ['f', 'g'], matches: [key('f', 0, 'c1'), key('f', 1, 'c1')], instances: ['x', 'y', 'nope'] };
      const r = await s.readForEvent('c1', q);
      expect(r.profile).toEqual(await s.getCustomer('c1'));
      expect(r.inFlight).toEqual(await s.inFlightOfCustomer('c1'));
      expect(r.inFlight.map((i) => i.id)).toEqual(['x', 'w']);
      expect([...r.launches]).toEqual([
        ['f', { launches: 2, lastStepAt: 7 }],
        ['g', undefined],
      ]);
      expect([...r.matches]).toEqual([
        [key('f', 0, 'c1'), { seen: { o1: 'paid' } }],
        [key('f', 1, 'c1'), undefined],
      ]);
      expect(await s.getMatchState(key('f', 1, 'c2'))).toEqual({ seen: { o2: 'paid' } });
      expect([...r.instances]).toEqual([
        ['x', true],
        ['y', true],
        ['nope', false],
      ]);

      const nobody = await s.readForEvent('c9', { launches: ['f'], matches: [], instances: [] });
      expect(nobody).toEqual({ profile: undefined, inFlight: [], launches: new Map([['f', undefined]]), matches: new Map(), instances: new Map() });
    });

    it('readForInstance answers what the single reads answer, from a store that never saw the instance too', async () => {
      const s = await make();
      if (!s.readForInstance) throw new Error(`${name} has no readForInstance`);
      await s.putCustomer({ id: 'c1', email: 'a@example.com' } as CustomerProfile);
      await s.commit(tx(inst('f/c1/e1', 'c1', { flow: 'f' }), { launch: { flow: 'f', record: { launches: 1, lastStepAt: 3 } } }));
      await s.commit(tx(inst('g/c2/e2', 'c2', { flow: 'g' })));
      const one = await s.readForInstance('f/c1/e1');
      expect(one).toEqual({ instance: await s.getInstance('f/c1/e1'), profile: await s.getCustomer('c1'), launch: { launches: 1, lastStepAt: 3 } });
      // No profile, no launch record.
      expect(await s.readForInstance('g/c2/e2')).toEqual({ instance: await s.getInstance('g/c2/e2'), profile: undefined, launch: undefined });
      expect(await s.readForInstance('nope')).toBeUndefined();
    });

    it('readForInstance finds the profile and launch record of flows and customers with quotes, backslashes and other letters in their ids', async () => {
      const s = await make();
      if (!s.readForInstance) throw new Error(`${name} has no readForInstance`);
      // Redis reads plain ids by a pattern and the others by a JSON decode: both ways must agree.
      for (const [flow, customer] of [['f', 'c"q'], ['f', 'c\\b'], ['f', 'é ü/x'], ['f', ''], ['f', 'plain-1']]) {
        const id = `${flow}/${customer}/e1`;
        await s.putCustomer({ id: customer, email: 'a@example.com' } as CustomerProfile);
        await s.commit(tx(inst(id, customer!, { flow: flow! }), { launch: { flow: flow!, record: { launches: 2, lastStepAt: 4 } } }));
        expect(await s.readForInstance(id), id).toEqual({ instance: await s.getInstance(id), profile: await s.getCustomer(customer!), launch: { launches: 2, lastStepAt: 4 } });
      }
    });

    it('marks the event seen in the same call when asked (as markEventSeen), and reports a duplicate', async () => {
      const s = await make();
      const q = { launches: [], matches: [], instances: [] };
      expect((await s.readForEvent!('c1', { ...q, markSeen: 'e1' })).firstSeen).toBe(true);
      expect((await s.readForEvent!('c1', { ...q, markSeen: 'e1' })).firstSeen).toBe(false);
      expect(await s.markEventSeen('e1')).toBe(false);
      await s.forgetEventSeen('e1');
      expect((await s.readForEvent!('c2', { ...q, markSeen: 'e1' })).firstSeen).toBe(true);
      expect((await s.readForEvent!('c1', q)).firstSeen).toBeUndefined();
    });

    it('refuses a matcher-state key of another customer', async () => {
      const s = await make();
      // A key of the same shard would be read correctly; every other one must not be read silently.
      const other = Array.from({ length: 200 }, (_, i) => key('f', 0, `x${i}`));
      const results = await Promise.allSettled(other.map((k) => s.readForEvent!('c1', { launches: [], matches: [k], instances: [] })));
      const refused = results.filter((x) => x.status === 'rejected');
      expect(refused.length).toBeGreaterThan(150);
      expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/matcher state .* is not of customer c1/);
    });
  });
}
