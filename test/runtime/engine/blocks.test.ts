/** parallel / join and limit blocks (docs/language.md "parallel", "limit"; docs/bytecode.md). */
import { describe, expect, it } from 'vitest';
import { MANIFEST, sim } from './helpers.js';

const reg = (id: string, customer: string, at: string) => ({ id, type: 'CustomerRegistered', customer, at });
const T = '2026-06-01T10:00:00Z';

describe('parallel: every branch runs, the join waits for all', () => {
  const FLOW = `flow f {
    on CustomerRegistered
    parallel notify {
      branch by_email {
        steps email { send email "a" }
        stop
      }
      branch by_push {
        wait 1h
        steps push { send push "nudge" }
      }
    }
    steps after { send email "c" }
  }`;

  it('a stop ends its branch only; the blocks after the join run once the other branch arrives', () => {
    const out = sim(FLOW, [reg('e1', 'c1', T)]);
    expect(out.effects.map((e) => [e['block'], e['at']])).toEqual([
      ['email', '2026-06-01T10:00:00Z'],
      ['push', '2026-06-01T11:00:00Z'],
      ['after', '2026-06-01T11:00:00Z'],
    ]);
    const a = out.activity[0]!;
    expect(a).toMatchObject({ status: 'completed', reason: 'all_steps_done', waitingUntil: null });
    expect((a['steps'] as Array<Record<string, unknown>>).map((s) => [s['kind'], s['path'] ?? null, s['at']])).toEqual([
      ['parallel', null, '2026-06-01T10:00:00Z'],
      ['steps', 'notify/by_email', '2026-06-01T10:00:00Z'],
      ['stop', 'notify/by_email', '2026-06-01T10:00:00Z'],
      ['wait_fixed', 'notify/by_push', '2026-06-01T10:00:00Z'],
      ['steps', 'notify/by_push', '2026-06-01T11:00:00Z'],
      ['join', null, '2026-06-01T11:00:00Z'],
      ['steps', null, '2026-06-01T11:00:00Z'],
    ]);
  });

  it('while a branch waits, the instance is waiting until that branch wakes', () => {
    const out = sim(FLOW, [reg('e1', 'c1', T)], { until: Date.parse('2026-06-01T10:30:00Z') });
    expect(out.activity[0]).toMatchObject({ status: 'in_progress', reason: 'waiting', waitingUntil: '2026-06-01T11:00:00Z' });
    expect(out.effects.map((e) => e['block'])).toEqual(['email']);
  });

  it('if every branch stops, nothing continues after the join', () => {
    const flow = `flow f { on CustomerRegistered parallel p { branch a { steps x { send email "a" } stop } branch b { wait 1h stop } } steps after { send email "c" } }`;
    const out = sim(flow, [reg('e1', 'c1', T)]);
    expect(out.effects.map((e) => e['block'])).toEqual(['x']);
    expect(out.activity[0]).toMatchObject({ status: 'completed', reason: 'all_steps_done' });
  });

  it('nested parallels and effect keys stay unique', () => {
    const flow = `flow f { on CustomerRegistered parallel p { branch a { parallel q { branch x { steps s1 { send email "a" } } branch y { wait 2h steps s2 { send email "b" } } } steps s3 { send email "c" } } branch b { wait 1h steps s4 { send email "d" } } } steps s5 { send email "welcome" } }`;
    const out = sim(flow, [reg('e1', 'c1', T)]);
    expect(out.effects.map((e) => [e['block'], e['at']])).toEqual([
      ['s1', '2026-06-01T10:00:00Z'],
      ['s4', '2026-06-01T11:00:00Z'],
      ['s2', '2026-06-01T12:00:00Z'],
      ['s3', '2026-06-01T12:00:00Z'],
      ['s5', '2026-06-01T12:00:00Z'],
    ]);
    expect(new Set(out.effects.map((e) => e['key'])).size).toBe(5);
  });

  it('an exit event ends every branch', () => {
    const flow = `flow f { exit on NewOrder on CustomerRegistered parallel p { branch a { wait 1h steps x { send email "a" } } branch b { wait 2h steps y { send email "b" } } } }`;
    const order = { id: 'o', type: 'NewOrder', customer: 'c1', at: '2026-06-01T10:30:00Z', order: { id: 'o1', status: 'new', total: 1, items: [] } };
    const out = sim(flow, [reg('e1', 'c1', T), order]);
    expect(out.effects).toEqual([]);
    expect(out.activity[0]).toMatchObject({ status: 'stopped', reason: 'exit_event', waitingUntil: null });
  });
});

describe('limit: per calendar period in the flow time zone, rolling windows, shared budgets', () => {
  const FLOW = `flow f {
    timezone "Europe/Berlin"
    on CustomerRegistered
    limit cap 2 per day {
      steps paid { send sms "promo" }
    } else {
      steps free { send email "a" }
    }
  }`;

  it('2 per day: two customers through, the third to else; the counter resets at midnight in Berlin', () => {
    const out = sim(FLOW, [
      reg('e1', 'c1', '2026-03-10T10:00:00Z'),
      reg('e2', 'c2', '2026-03-10T10:00:00Z'),
      reg('e3', 'c3', '2026-03-10T10:00:00Z'),
      reg('e4', 'c4', '2026-03-10T22:59:00Z'), // 23:59 in Berlin: still the 10th
      reg('e5', 'c5', '2026-03-10T23:30:00Z'), // 00:30 on the 11th in Berlin
      reg('e6', 'c6', '2026-03-11T12:00:00Z'),
      reg('e7', 'c7', '2026-03-11T13:00:00Z'),
    ]);
    expect(out.effects.map((e) => [e['customer'], e['block']])).toEqual([
      ['c1', 'paid'],
      ['c2', 'paid'],
      ['c3', 'free'],
      ['c4', 'free'],
      ['c5', 'paid'],
      ['c6', 'paid'],
      ['c7', 'free'],
    ]);
    expect((out.activity[2]!['steps'] as Array<Record<string, unknown>>)[0]).toMatchObject({ block: 'cap', kind: 'limit', within: false });
  });

  it('without else, customers over the limit go straight on', () => {
    const flow = `flow f { on CustomerRegistered limit 1 per hour { steps paid { send sms "promo" } } steps after { send email "a" } }`;
    const out = sim(flow, [reg('e1', 'c1', T), reg('e2', 'c2', T)]);
    expect(out.effects.map((e) => [e['customer'], e['block']])).toEqual([
      ['c1', 'paid'],
      ['c1', 'after'],
      ['c2', 'after'],
    ]);
  });

  it('per 7d is a rolling window', () => {
    const flow = `flow f { on CustomerRegistered limit 1 per 7d { steps paid { send sms "promo" } } else { steps free { send email "a" } } }`;
    const out = sim(flow, [reg('e1', 'c1', '2026-06-01T10:00:00Z'), reg('e2', 'c2', '2026-06-08T09:59:00Z'), reg('e3', 'c3', '2026-06-08T10:00:01Z')]);
    expect(out.effects.map((e) => [e['customer'], e['block']])).toEqual([
      ['c1', 'paid'],
      ['c2', 'free'],
      ['c3', 'paid'],
    ]);
  });

  it('a runnel.json budget is shared by every block naming it, across flows', () => {
    const manifest = { ...MANIFEST, budgets: { sms: { limit: 2, period: 'day' } } };
    const flows = `
      flow f1 { on CustomerRegistered limit budget "sms" { steps s1 { send sms "promo" } } else { steps e1 { send email "a" } } }
      flow f2 { on NewOrder limit budget "sms" { steps s2 { send sms "promo" } } else { steps e2 { send email "a" } } }`;
    const order = (id: string, customer: string, at: string) => ({ id, type: 'NewOrder', customer, at, order: { id: 'o-' + id, status: 'new', total: 1, items: [] } });
    const out = sim(
      flows,
      [reg('r1', 'c1', '2026-06-01T08:00:00Z'), order('o1', 'c2', '2026-06-01T09:00:00Z'), reg('r2', 'c3', '2026-06-01T10:00:00Z'), order('o2', 'c4', '2026-06-01T11:00:00Z'), reg('r3', 'c5', '2026-06-02T08:00:00Z')],
      { manifest },
    );
    expect(out.effects.map((e) => [e['flow'], e['customer'], e['block']])).toEqual([
      ['f1', 'c1', 's1'],
      ['f2', 'c2', 's2'],
      ['f1', 'c3', 'e1'],
      ['f2', 'c4', 'e2'],
      ['f1', 'c5', 's1'],
    ]);
  });
});
