/** Seed 002: backdated events, step relevance, the 7-day historical window. */
import { describe, expect, it } from 'vitest';
import { sim } from './helpers.js';

const order = (id: string, at: string, receivedAt: string) => ({
  id,
  type: 'NewOrder',
  customer: 'c1',
  at,
  receivedAt,
  order: { id: 'o-' + id, status: 'new', total: 120.5, items: [] },
});

const THANKS = `flow order_thanks "Thank you for your order" {
  relevance 1d
  on NewOrder
  steps thanks {
    send email "order-thanks"
  }
}`;

const THANKS_LATER = `flow order_thanks_later "Thank you, three days later" {
  relevance 1d
  on NewOrder
  wait 3d
  steps thanks {
    send email "order-thanks"
  }
}`;

describe('002: an order dated June 6 20:00 received June 10 10:00', () => {
  it('with relevance 1d and no wait: nothing is sent, stopped relevance_expired', () => {
    const out = sim(THANKS, [order('e1', '2026-06-06T20:00:00Z', '2026-06-10T10:00:00Z')]);
    expect(out.effects).toEqual([]);
    expect(out.notEntered).toEqual([]);
    expect(out.activity).toHaveLength(1);
    expect(out.activity[0]).toMatchObject({ flow: 'order_thanks', customer: 'c1', status: 'stopped', reason: 'relevance_expired', steps: [], waitingUntil: null });
  });

  it('with a 3-day wait first: the step is due June 9 20:00 (until June 10 20:00), so it sends at once on June 10 10:00', () => {
    const out = sim(THANKS_LATER, [order('e1', '2026-06-06T20:00:00Z', '2026-06-10T10:00:00Z')]);
    expect(out.effects).toHaveLength(1);
    expect(out.effects[0]).toMatchObject({ at: '2026-06-10T10:00:00Z', flow: 'order_thanks_later', customer: 'c1', block: 'thanks', action: 'send', channel: 'email', template: 'order-thanks', params: {} });
    expect(out.activity[0]).toMatchObject({ status: 'completed', reason: 'all_steps_done', enteredAt: '2026-06-10T10:00:00Z' });
    const steps = out.activity[0]!['steps'] as Array<Record<string, unknown>>;
    expect(steps.map((s) => [s['block'], s['kind']])).toEqual([
      [expect.stringMatching(/^wait_/), 'wait_fixed'],
      ['thanks', 'steps'],
    ]);
    expect(steps[0]!['until']).toBe('2026-06-09T20:00:00Z');
  });

  it('the window edges: received June 10 20:00 exactly still sends, 20:00:01 does not', () => {
    expect(sim(THANKS_LATER, [order('e1', '2026-06-06T20:00:00Z', '2026-06-10T20:00:00Z')]).effects).toHaveLength(1);
    const late = sim(THANKS_LATER, [order('e1', '2026-06-06T20:00:00Z', '2026-06-10T20:00:01Z')]);
    expect(late.effects).toEqual([]);
    expect(late.activity[0]).toMatchObject({ status: 'stopped', reason: 'relevance_expired' });
  });

  it('received before the step is due: the customer waits for it (timer on the schedule of the event time)', () => {
    const out = sim(THANKS_LATER, [order('e1', '2026-06-06T20:00:00Z', '2026-06-08T10:00:00Z')]);
    expect(out.effects).toHaveLength(1);
    expect(out.effects[0]!['at']).toBe('2026-06-09T20:00:00Z');
  });

  it('a step-level relevance wins over the flow one', () => {
    const flow = `flow f { relevance 1d on NewOrder wait 3d steps thanks relevance 2h { send email "order-thanks" } }`;
    expect(sim(flow, [order('e1', '2026-06-06T20:00:00Z', '2026-06-09T21:00:00Z')]).effects).toHaveLength(1);
    expect(sim(flow, [order('e1', '2026-06-06T20:00:00Z', '2026-06-09T22:30:00Z')]).activity[0]).toMatchObject({ reason: 'relevance_expired' });
  });
});

describe('002: historical events, 7 days before the upload', () => {
  const FLOW = `flow f { relevance 30d on NewOrder steps thanks { send email "order-thanks" } }`;

  it('uploaded on 10/20: an event of 10/12 is refused (historical_too_old), one of 10/13 enters', () => {
    const out = sim(FLOW, [order('old', '2026-10-12T12:00:00Z', '2026-10-20T12:00:00Z'), order('ok', '2026-10-13T12:00:00Z', '2026-10-20T12:00:00Z')]);
    expect(out.notEntered).toEqual([{ flow: 'f', customer: 'c1', event: 'old', at: '2026-10-20T12:00:00Z', reason: 'historical_too_old' }]);
    expect(out.effects.map((e) => e['instance'])).toEqual(['f/c1/ok']);
  });

  it('the bound is exactly 7 days (at >= receivedAt - 7d enters)', () => {
    const out = sim(FLOW, [order('edge', '2026-10-13T12:00:00Z', '2026-10-20T12:00:00Z'), order('past', '2026-10-13T11:59:59Z', '2026-10-20T12:00:00Z')]);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['past', 'historical_too_old']]);
  });
});
