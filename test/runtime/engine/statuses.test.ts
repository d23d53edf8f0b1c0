/** Seed 000: activity statuses and reasons, and the did-not-enter reasons (contracts.md). */
import { describe, expect, it } from 'vitest';
import { sim, ann } from './helpers.js';

const T = '2026-06-01T10:00:00Z';
const reg = (id: string, extra: object = {}) => ({ id, type: 'CustomerRegistered', customer: 'c1', at: T, ...extra });

describe('entry refusals', () => {
  it('condition_not_applied: the when filter is false for the profile', () => {
    const flow = `flow f { on CustomerRegistered when customer.email.valid steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1'), reg('e2', { customer: 'c2' })], { customers: [ann, { id: 'c2', email: 'x@y.z', emailStatus: 'invalid' }] });
    expect(out.effects.map((e) => e['customer'])).toEqual(['c1']);
    expect(out.notEntered).toEqual([{ flow: 'f', customer: 'c2', event: 'e2', at: T, reason: 'condition_not_applied' }]);
  });

  it('the event profile updates the customer before matching', () => {
    const flow = `flow f { on CustomerRegistered when customer.email.valid steps s { send email "welcome" { name: customer.firstName } } }`;
    const out = sim(flow, [reg('e1', { profile: { firstName: 'Bo', email: 'bo@x.io', emailStatus: 'valid' } })]);
    expect(out.effects[0]).toMatchObject({ params: { name: 'Bo' } });
  });

  it('duplicate_event and invalid_event', () => {
    const flow = `flow f { on CustomerRegistered steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1'), reg('e1'), { id: 'bad', type: 'NoSuchEvent', customer: 'c1', at: T }, { id: 'x', customer: 'c1', at: T }]);
    expect(out.effects).toHaveLength(1);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([
      ['e1', 'duplicate_event'],
      ['bad', 'invalid_event'],
      ['x', 'invalid_event'],
    ]);
    expect(out.notEntered[2]!['message']).toBeTruthy();
  });

  it('flow_inactive outside active from/until', () => {
    const flow = `flow f { active from 2026-06-01 until 2026-06-02 on CustomerRegistered steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('before', { at: '2026-05-31T23:59:59Z' }), reg('in'), reg('after', { at: '2026-06-02T00:00:00Z' })]);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([
      ['before', 'flow_inactive'],
      ['after', 'flow_inactive'],
    ]);
    expect(out.activity.map((a) => a['event'])).toEqual(['in']);
  });

  it('trigger_mismatch: the action template is not one of the trigger\'s', () => {
    const flow = `flow f { on ActionIssued(templates: ["order-created"]) steps s { send email "welcome" } }`;
    const ev = (id: string, template: string) => ({ id, type: 'ActionIssued', customer: 'c1', at: T, action: { id: 'a-' + id, template, at: T } });
    const out = sim(flow, [ev('yes', 'order-created'), ev('no', 'email-clicked')]);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['no', 'trigger_mismatch']]);
  });

  it('events of another type are not recorded for the flow at all', () => {
    const flow = `flow f { on CustomerRegistered steps s { send email "welcome" } }`;
    expect(sim(flow, [{ id: 'o', type: 'NewOrder', customer: 'c1', at: T, order: { id: 'o1', status: 'new', total: 1, items: [] } }])).toEqual({ effects: [], activity: [], notEntered: [] });
  });
});

describe('activity statuses', () => {
  it('completed final_condition_failed when the last if matches nothing', () => {
    const flow = `flow f { on CustomerRegistered steps s { send email "welcome" } if customer.inSegment("lapsed") { steps t { send email "reminder" } } }`;
    const out = sim(flow, [reg('e1')], { customers: [ann] });
    expect(out.activity[0]).toMatchObject({ status: 'completed', reason: 'final_condition_failed' });
    expect(out.effects).toHaveLength(1);
  });

  it('completed all_steps_done by stop; the blocks after the if still run when there is an else-less if in the middle', () => {
    const flow = `flow f { on CustomerRegistered if customer.inSegment("vip") { stop } steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1'), reg('e2', { customer: 'c2' })], { customers: [ann, { id: 'c2' }] });
    expect(out.activity.map((a) => [a['customer'], a['status'], a['reason']])).toEqual([
      ['c1', 'completed', 'all_steps_done'],
      ['c2', 'completed', 'all_steps_done'],
    ]);
    expect(out.effects.map((e) => e['customer'])).toEqual(['c2']);
  });

  it('in_progress waiting with waitingUntil when the simulation ends before the wait', () => {
    const flow = `flow f { on CustomerRegistered wait 2d steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1')], { until: Date.parse('2026-06-02T10:00:00Z') });
    expect(out.activity[0]).toMatchObject({ status: 'in_progress', reason: 'waiting', waitingUntil: '2026-06-03T10:00:00Z' });
    expect(out.effects).toEqual([]);
  });

  it('wait until: the moment from the data; missing → dynamic_wait_missing; otherwise wait → a fixed wait', () => {
    const flow = (otherwise: string) =>
      `flow f { relevance 30d on NewOrder wait w until order.fields.deliveryDate + 1d ${otherwise} steps s { send email "thanks" } }`;
    const ord = (id: string, fields: object) => ({ id, type: 'NewOrder', customer: 'c1', at: T, order: { id: 'o' + id, status: 'new', total: 1, items: [], fields } });
    const out = sim(flow('otherwise stop'), [ord('a', { deliveryDate: '2026-06-05T08:00:00Z' }), ord('b', {})]);
    expect(out.effects.map((e) => [e['instance'], e['at']])).toEqual([['f/c1/a', '2026-06-06T08:00:00Z']]);
    expect(out.activity[1]).toMatchObject({ status: 'stopped', reason: 'dynamic_wait_missing' });
    const fallback = sim(flow('otherwise wait 3d'), [ord('b', {})]);
    expect(fallback.effects.map((e) => e['at'])).toEqual(['2026-06-04T10:00:00Z']);
  });

  it('outside_segment: a flow of a folder limited to a segment stops other customers', () => {
    const flow = `flow f { on CustomerRegistered steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1'), reg('e2', { customer: 'c2' })], { customers: [ann, { id: 'c2' }], segment: 'vip' });
    expect(out.activity.map((a) => [a['customer'], a['status'], a['reason']])).toEqual([
      ['c1', 'completed', 'all_steps_done'],
      ['c2', 'stopped', 'outside_segment'],
    ]);
  });

  it('stopped exit_event when an exit on event arrives during a wait', () => {
    const flow = `flow f { exit on NewOrder on CustomerRegistered steps s { send email "welcome" } wait 1d steps t { send email "reminder" } }`;
    const out = sim(flow, [reg('e1'), { id: 'o', type: 'NewOrder', customer: 'c1', at: '2026-06-01T12:00:00Z', order: { id: 'o1', status: 'new', total: 1, items: [] } }]);
    expect(out.activity[0]).toMatchObject({ status: 'stopped', reason: 'exit_event', waitingUntil: null });
    expect(out.effects).toHaveLength(1);
  });

  it('wait for: the event arrives (on-event branch) or the timeout runs', () => {
    const flow = `flow f { relevance 2d on CustomerRegistered wait w for NewOrder up to 2h { steps got { send email "thanks" { id: order.id } } } timeout { steps none { send email "reminder" } } }`;
    const order = { id: 'o', type: 'NewOrder', customer: 'c1', at: '2026-06-01T11:00:00Z', order: { id: 'o1', status: 'new', total: 1, items: [] } };
    const got = sim(flow, [reg('e1'), order]);
    expect(got.effects.map((e) => [e['block'], e['at'], e['params']])).toEqual([['got', '2026-06-01T11:00:00Z', { id: 'o1' }]]);
    const timeout = sim(flow, [reg('e1'), { ...order, at: '2026-06-01T13:00:00Z' }]);
    expect(timeout.effects.map((e) => [e['block'], e['at']])).toEqual([['none', '2026-06-01T12:00:00Z']]);
  });

  it('pause and stop control lines stop customers in the flow (flow_stopped) and refuse entries (flow_inactive)', () => {
    const flow = `flow f { on CustomerRegistered wait 1d steps s { send email "welcome" } }`;
    const out = sim(flow, [reg('e1'), { control: 'pause', flow: 'f', at: '2026-06-01T12:00:00Z' }, reg('e2', { at: '2026-06-01T13:00:00Z' })]);
    expect(out.activity[0]).toMatchObject({ status: 'stopped', reason: 'flow_stopped' });
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['e2', 'flow_inactive']]);
  });
});

describe('actions and effects', () => {
  it('every action kind becomes an effect with evaluated params and a unique idempotency key', () => {
    const flow = `flow f {
      on CustomerRegistered
      steps s {
        issue promo "WELCOME10"
        award 100 points to "main" expires in 30d
        set customer.fields.tier = gold
        add to segment "lapsed"
        remove from segment "vip"
        send sms "promo" { tier: customer.fields.tier }
      }
      if customer.inSegment("lapsed") { steps t { send email "a" } }
    }`;
    const out = sim(flow, [reg('e1'), reg('e2')], { customers: [ann] });
    const first = out.effects.filter((e) => e['instance'] === 'f/c1/e1');
    expect(first.map((e) => e['action'])).toEqual(['promo', 'points', 'set', 'segment_add', 'segment_remove', 'send', 'send']);
    expect(first[1]).toMatchObject({ amount: 100, account: 'main', expiresAt: '2026-07-01T10:00:00Z' });
    expect(first[2]).toMatchObject({ field: 'tier', value: 'gold' });
    // A group is evaluated as a whole before any effect goes out: the sms still sees the old tier.
    expect(first[5]).toMatchObject({ channel: 'sms', template: 'promo' });
    const keys = out.effects.map((e) => e['key']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe('f/c1/e1/s/0');
  });

  it('split: sticky and deterministic per customer; the control group completes', () => {
    const flow = `flow f { on CustomerRegistered split ab { 50% a { steps sa { send email "a" } } 30% b { steps sb { send email "b" } } } }`;
    const customers = Array.from({ length: 200 }, (_, i) => `c${i}`);
    const events = customers.map((c, i) => reg(`e${i}`, { customer: c }));
    const out1 = sim(flow, events);
    const again = sim(flow, events.map((e) => ({ ...e, id: e.id + 'x', at: '2026-06-02T10:00:00Z' })));
    const variant = (o: typeof out1) => o.activity.map((a) => (a['steps'] as Array<Record<string, unknown>>)[0]!['variant']);
    expect(variant(again)).toEqual(variant(out1));
    const counts = { a: 0, b: 0, control: 0 } as Record<string, number>;
    for (const v of variant(out1)) counts[v as string]!++;
    expect(counts['a']).toBeGreaterThan(70);
    expect(counts['b']).toBeGreaterThan(35);
    expect(counts['control']).toBeGreaterThan(15);
    expect(out1.activity.every((a) => a['status'] === 'completed' && a['reason'] === 'all_steps_done')).toBe(true);
  });
});
