/**
 * The engine on the Redis store gives what it gives on the embedded store: the same random event
 * sequences over flows with fixed waits, `wait ... until`, `wait for ... up to`, `within` windows,
 * `split`, `parallel` with a `limit` and a `stop`, `entry once` / `entry every`, and `exit on`,
 * simulated once on a MemoryStore (simulate) and once on a RedisStore (simulateAsync), compared
 * whole (effects, activity with steps, did-not-enter records).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RedisStore } from '../../runtime/redis/redis-store.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { Engine, VirtualClock } from '../../runtime/engine/engine.js';
import { simulate, simulateAsync } from '../../runtime/engine/simulate.js';
import { useRedis } from '../helpers/use-redis.js';
import { jsonl, programs } from '../runtime/engine/helpers.js';

const FLOWS = `
flow order_journey {
  relevance 1d
  exit on OrderStatusChanged(status: "cancelled")
  on NewOrder
  steps thanks relevance 2h { send email "order-thanks" { orderId: order.id } }
  wait 1d
  if order.total >= 100 {
    steps big { award 100 points to "main" send email "thanks" }
  } else {
    steps small { send email "reminder" }
  }
  wait delivery until order.fields.deliveryDate + 1d otherwise wait 2d
  steps ask relevance 6h { send email "a" }
}

flow welcome {
  entry once
  on CustomerRegistered
  steps hello { issue promo "WELCOME10" send email "welcome" }
  if customer.email.valid {
    steps valid_mail { send email "c" }
  }
  wait first_order for NewOrder where order.total > 50 up to 3d {
    steps first { send email "thanks" }
  } timeout {
    steps nudge relevance 1h { send push "nudge" }
  }
  wait 2d within mon..fri 10:00..18:00
  steps tip relevance 4h { send email "session-follow-up" }
}

flow browse {
  relevance 12h
  entry every 1d
  on ProductViewed
  split offer {
    50% alpha { steps va { send email "b" } }
    30% beta { steps vb { send email "c" } }
  }
  parallel notify {
    branch mail { wait 1h steps m { send email "d" } }
    branch text {
      limit cap 1 per day { steps s { send sms "promo" } } else { stop }
    }
  }
  steps after relevance 30m { send email "reminder" }
}
`;

const PROGRAMS = programs(FLOWS);
const MIN = 60_000;
const BASE = Date.parse('2026-06-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

const eventArb = fc.record({
  customer: fc.constantFrom('c1', 'c2', 'c3', 'c4'),
  type: fc.constantFrom('NewOrder', 'NewOrder', 'OrderStatusChanged', 'CustomerRegistered', 'ProductViewed'),
  atMin: fc.integer({ min: 0, max: 5 * 24 * 60 }),
  lateMin: fc.constantFrom(0, 0, 0, 30, 150, 24 * 60),
  order: fc.integer({ min: 1, max: 2 }),
  status: fc.constantFrom('paid', 'cancelled'),
  total: fc.constantFrom(20, 60, 150),
  product: fc.integer({ min: 1, max: 2 }),
  dup: fc.boolean(),
  // A profile update in the event (stored with the event's first commit on Redis, see Store.readForEvent).
  emailStatus: fc.constantFrom(null, null, 'valid', 'invalid'),
});

type Spec = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function eventsText(specs: Spec[]): string {
  const lines: object[] = [];
  specs.forEach((s, i) => {
    const at = BASE + s.atMin * MIN;
    const e: Record<string, unknown> = { id: `e${i}`, type: s.type, customer: s.customer, at: iso(at), receivedAt: iso(at + s.lateMin * MIN) };
    if (s.type === 'NewOrder' || s.type === 'OrderStatusChanged') e['order'] = { id: `o-${s.customer}-${s.order}`, status: s.type === 'NewOrder' ? 'new' : s.status, total: s.total, items: [] };
    if (s.type === 'ProductViewed') {
      e['product'] = { id: `p${s.product}`, price: 10 };
      e['view'] = { productId: `p${s.product}`, price: 10 };
    }
    if (s.emailStatus !== null) e['profile'] = { email: `${s.customer}@example.com`, emailStatus: s.emailStatus };
    lines.push(e);
    if (s.dup) lines.push({ ...e, receivedAt: iso(at + (s.lateMin + 5) * MIN) });
  });
  return jsonl(lines);
}

const redis = useRedis();
let n = 0;


describe('the engine on Redis', () => {
  it('simulates exactly as on the embedded store (random event sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 25 }), async (specs) => {
        const text = eventsText(specs);
        const customers = jsonl([{ id: 'c1', segments: ['vip'] }, { id: 'c3' }]);
        const mem = simulate(PROGRAMS, text, customers);
        const memStore = new MemoryStore();
        expect((await simulateAsync(PROGRAMS, text, customers, { store: memStore })).output).toEqual(mem.output);
        const store = new RedisStore(redis.connection(), { prefix: `e${n++}` });
        const red = await simulateAsync(PROGRAMS, text, customers, { store });
        expect(red.errors).toEqual(mem.errors);
        expect(red.output).toEqual(mem.output);
        for (const c of ['c1', 'c2', 'c3', 'c4']) expect(await store.getCustomer(c)).toEqual(memStore.getCustomer(c));
      }),
      { numRuns: Number(process.env['RUNNEL_STORE_RUNS']) || 12 },
    );
  });

  it('a scheduled run passes over a customer its segment\u2019s index lists but whose profile is not in the segment (a stale index)', async () => {
    const store = new RedisStore(redis.connection(), { prefix: `stale${n++}` });
    await store.loadScripts();
    await store.putCustomer({ id: 'in', segments: ['vip'] });
    await store.putCustomer({ id: 'out', segments: ['vip'] });
    // Written behind the store's back (a build without the indexes): out left vip, its index entry stayed.
    const c = store.shardKey(store.shardOf('out'), 'c');
    const stamped = (await redis.connection().send(c, ['HGET', c, 'out'])) as string;
    await redis.connection().send(c, ['HSET', c, 'out', `${stamped.slice(0, 16)}{"id":"out","segments":[]}`]);
    expect((await store.listCustomers('vip')).sort()).toEqual(['in', 'out']);
    const daily = programs(`flow d "D" { every day at 10:00 for segment "vip" steps s { send email "welcome" } }`);
    const engine = new Engine(store, daily, new VirtualClock(Date.parse('2026-06-01T00:00:00Z')));
    await engine.fireDue(Date.parse('2026-06-01T10:00:01Z'));
    expect((await store.listEffects()).map((e) => e.customer)).toEqual(['in']);
  });

  it('a timer step whose commit ran but whose reply was lost is not undone: its claim is not given back over the next timer', async () => {
    const [flow] = programs(`flow two_waits {
  on NewOrder
  steps a { send email "a" }
  wait 1m
  steps b { send email "b" }
  wait 1m
  steps c { send email "c" }
}`);
    const store = new RedisStore(redis.connection(), { prefix: `lost${n++}`, leaseMs: 200 });
    await store.loadScripts();
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    const clock = new VirtualClock(t0);
    const engine = new Engine(store, [flow!], clock);
    await engine.ingest({ id: 'e1', type: 'NewOrder', customer: 'c1', at: iso(t0), order: { id: 'o1', status: 'new', total: 10, items: [] } });
    // Step b commits, then its reply is lost (the connection dropped and the resend failed too).
    const lossy = Object.create(store) as RedisStore;
    lossy.commit = async (t) => {
      await store.commit(t);
      throw new Error('reply lost');
    };
    await expect(new Engine(lossy, [flow!], clock).fireDue(t0 + MIN)).rejects.toThrow('reply lost');
    await new Promise((r) => setTimeout(r, 300)); // the claim's lease runs out
    await engine.fireDue(t0 + 2 * MIN);
    const [inst] = await store.listInstances();
    expect([inst?.status, inst?.reason]).toEqual(['completed', 'all_steps_done']);
    expect((await store.listEffects()).map((e) => e['template'])).toEqual(['a', 'b', 'c']);
  });

  it('an event costs two calls to one Redis: one script that marks it seen and reads all it needs, one commit that stores the profile update too; a timer two', async () => {
    const [flow] = programs(`flow remind {
  on CustomerRegistered
  steps hello { send email "welcome" }
  wait day 1d
  if customer.email.valid {
    steps later { send email "reminder" }
  }
}`);
    const store = new RedisStore(redis.connection(), { prefix: `calls${n++}` });
    await store.loadScripts();
    const calls: string[] = [];
    const counted = new Proxy(store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function' || typeof prop !== 'string') return v;
        return (...args: unknown[]) => {
          calls.push(prop);
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    const engine = new Engine(counted, [flow!], new VirtualClock(t0));
    const event = (id: string, customer: string, profile?: object) => ({ id, type: 'CustomerRegistered', customer, at: iso(t0), ...(profile ? { profile } : {}) });
    expect(await engine.ingest(event('e1', 'c1', { email: 'c1@example.com', emailStatus: 'valid' }))).toEqual({ outcome: 'accepted' });
    expect(calls).toEqual(['readForEvent', 'commit']);
    expect(await store.getCustomer('c1')).toEqual({ id: 'c1', email: 'c1@example.com', emailStatus: 'valid' });

    // An event no flow takes: nothing to commit, so the profile update is stored alone.
    calls.length = 0;
    const other = new Engine(counted, [], new VirtualClock(t0));
    expect(await other.ingest(event('e2', 'c2', { email: 'c2@example.com' }))).toEqual({ outcome: 'accepted' });
    expect(calls).toEqual(['readForEvent', 'putCustomer']);
    // The same event again: a duplicate, known from that one call.
    calls.length = 0;
    expect(await other.ingest(event('e2', 'c2', { email: 'other@example.com' }))).toEqual({ outcome: 'duplicate' });
    expect(calls).toEqual(['readForEvent', 'appendNotEntered']);
    expect(await store.getCustomer('c2')).toEqual({ id: 'c2', email: 'c2@example.com' });

    // The condition after the wait reads the profile the event stored; a timer costs one read
    // (instance, profile, launch record) and its commit, besides the claims.
    calls.length = 0;
    await engine.fireDue(t0 + 86_400_000);
    expect(calls).toEqual(['claimDueTimers', 'readForInstance', 'commit', 'claimDueTimers']);
    expect((await store.listEffects()).map((e) => e['template'])).toEqual(['welcome', 'reminder']);
  });

  it('within one event, a later launch or entry sees what an earlier commit of the event changed (launch record, profile)', async () => {
    const flows = programs(`
flow review_once {
  entry once
  on OrderItemDelivered
  steps ask { send email "reminder" { productId: item.productId } }
}
flow tier_on_order {
  on CustomerRegistered
  wait first for NewOrder up to 3d {
    steps promote { set customer.fields.tier = gold }
  }
}
flow gold_welcome {
  on NewOrder
  if customer.fields.tier == gold {
    steps hi { send email "welcome" }
  }
}`);
    const at = iso(BASE);
    const items = [
      { id: 'i1', productId: 'p1', status: 'delivered', price: 10, quantity: 1 },
      { id: 'i2', productId: 'p2', status: 'delivered', price: 20, quantity: 1 },
    ];
    const text = jsonl([
      { id: 'e1', type: 'OrderItemDelivered', customer: 'c1', at, order: { id: 'o1', status: 'delivered', total: 30, items } },
      { id: 'e2', type: 'CustomerRegistered', customer: 'c2', at },
      { id: 'e3', type: 'NewOrder', customer: 'c2', at: iso(BASE + MIN), order: { id: 'o2', status: 'new', total: 5, items: [] } },
    ]);
    const mem = simulate(flows, text, '');
    // What the embedded store does: one review (entry once), and the order that promoted c2 welcomes them.
    expect(mem.output.effects.map((e) => `${e['customer']} ${e['template'] ?? e['action']}`)).toEqual(['c1 reminder', 'c2 set', 'c2 welcome']);
    const red = await simulateAsync(flows, text, '', { store: new RedisStore(redis.connection(), { prefix: `fresh${n++}` }) });
    expect(red.output).toEqual(mem.output);
  });

  it('a timer fires for an instance whose kept data Redis’s own JSON reader refuses (a lone surrogate)', async () => {
    const flows = programs(`flow keep {
  on NewOrder
  steps a { send email "a" { orderId: order.id } }
  wait 1d
  steps b { send email "b" { orderId: order.id } }
}`);
    const text = jsonl([
      { id: 'e1', type: 'NewOrder', customer: 'c1', at: iso(BASE), order: { id: 'o\ud83d', status: 'new', total: 5, items: [] } },
      { id: 'e2', type: 'NewOrder', customer: 'c2', at: iso(BASE), order: { id: 'o2', status: 'new', total: 5, items: [] } },
    ]);
    const mem = simulate(flows, text, '');
    expect(mem.output.effects.map((e) => e['template'])).toEqual(['a', 'a', 'b', 'b']);
    const red = await simulateAsync(flows, text, '', { store: new RedisStore(redis.connection(), { prefix: `sur${n++}` }) });
    expect(red.errors).toEqual([]);
    expect(red.output).toEqual(mem.output);
  });

  it('two events of one customer processed at once each answer from their own reads', async () => {
    const [flowA, flowB] = programs(`
flow hello {
  on CustomerRegistered
  steps welcome { send email "welcome" }
}
flow thanks {
  on NewOrder
  steps thanks { send email "thanks" }
  if customer.email.valid {
    steps more { send email "c" }
  }
}`);
    const store = new RedisStore(redis.connection(), { prefix: `conc${n++}` });
    await store.loadScripts();
    // E1's commit waits until E2 is done.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gated = Object.create(store) as RedisStore;
    gated.commit = async (t) => {
      if (t.instance.flow === 'hello') await gate;
      return store.commit(t);
    };
    const t0 = BASE;
    const engine = new Engine(gated, [flowA!, flowB!], new VirtualClock(t0));
    const e1 = engine.ingest({ id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: iso(t0), profile: { email: 'c1@example.com', emailStatus: 'invalid' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(await engine.ingest({ id: 'e2', type: 'NewOrder', customer: 'c1', at: iso(t0), profile: { email: 'c1@example.com', emailStatus: 'valid' }, order: { id: 'o1', status: 'new', total: 5, items: [] } })).toEqual({ outcome: 'accepted' });
    release();
    expect(await e1).toEqual({ outcome: 'accepted' });
    // E2 saw its own update (valid: "c" sent), not what E1 read.
    expect((await store.listEffects()).map((e) => e['template'])).toEqual(['thanks', 'c', 'welcome']);
  });

  it('a profile written through the API while an event is processed is not overwritten: the event’s changes are merged into it', async () => {
    const [flow] = programs(`
flow tiering {
  on NewOrder
  steps promote { set customer.fields.tier = gold add to segment "vip" }
}`);
    const store = new RedisStore(redis.connection(), { prefix: `merge${n++}` });
    await store.loadScripts();
    await store.putCustomer({ id: 'c1', email: 'c1@example.com', emailStatus: 'valid', fields: { visits: 1 } });
    // Right after the event's reads, the HTTP API replaces the profile (the customer's address bounced).
    const racing = Object.create(store) as RedisStore;
    racing.readForEvent = async (customer, q) => {
      const reads = await store.readForEvent(customer, q);
      await store.putCustomer({ id: 'c1', email: 'c1@example.com', emailStatus: 'invalid', fields: { visits: 2 } });
      return reads;
    };
    const engine = new Engine(racing, [flow!], new VirtualClock(BASE));
    const order = { id: 'o1', status: 'new', total: 5, items: [] };
    // The event updates the profile too (its phone), and its step sets a field and a segment.
    expect(await engine.ingest({ id: 'e1', type: 'NewOrder', customer: 'c1', at: iso(BASE), profile: { phone: '+4915112345678' }, order })).toEqual({ outcome: 'accepted' });
    expect(await store.getCustomer('c1')).toEqual({ id: 'c1', email: 'c1@example.com', emailStatus: 'invalid', phone: '+4915112345678', fields: { visits: 2, tier: 'gold' }, segments: ['vip'] });
    // An event that launches nothing stores its profile update alone: merged the same way.
    expect(await engine.ingest({ id: 'e2', type: 'CustomerRegistered', customer: 'c1', at: iso(BASE), profile: { firstName: 'Ann' } })).toEqual({ outcome: 'accepted' });
    expect(await store.getCustomer('c1')).toEqual({ id: 'c1', email: 'c1@example.com', emailStatus: 'invalid', firstName: 'Ann', fields: { visits: 2 } });
  });
});
