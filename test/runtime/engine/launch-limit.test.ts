/** Seed 001: launch limits, with the August 10 / 13 / 17 / 20 example. */
import { describe, expect, it } from 'vitest';
import { sim } from './helpers.js';

const FLOW = `flow session_follow_up "Follow up a visit, at most weekly" {
  entry every 7d
  on CustomerLeftSite
  steps email_now {
    send email "session-follow-up"
  }
  wait 3d
  steps promo_later {
    issue promo "CART5"
  }
}`;

const left = (id: string, at: string) => ({ id, type: 'CustomerLeftSite', customer: 'c1', at, session: { id: 's-' + id, endedAt: at, actions: ['product_viewed'], hasOrder: false } });

describe('001: entry every 7d, email at session end, promo 3 days later', () => {
  const out = sim(FLOW, [
    left('aug10', '2026-08-10T13:00:00Z'),
    left('aug17', '2026-08-17T13:00:00Z'),
    left('aug20early', '2026-08-20T12:59:59Z'),
    left('aug20', '2026-08-20T13:00:00Z'),
  ]);

  it('the first journey: email on August 10 13:00, promo on August 13 13:00 (the limit does not affect it)', () => {
    const first = out.effects.filter((e) => e['instance'] === 'session_follow_up/c1/aug10');
    expect(first.map((e) => [e['at'], e['action']])).toEqual([
      ['2026-08-10T13:00:00Z', 'send'],
      ['2026-08-13T13:00:00Z', 'promo'],
    ]);
  });

  it('re-entry is refused until August 20 13:00 exactly (the period runs from the last successful step)', () => {
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([
      ['aug17', 'launch_limit'],
      ['aug20early', 'launch_limit'],
    ]);
    expect(out.activity.map((a) => [a['instance'], a['status'], a['reason']])).toEqual([
      ['session_follow_up/c1/aug10', 'completed', 'all_steps_done'],
      ['session_follow_up/c1/aug20', 'completed', 'all_steps_done'],
    ]);
  });

  it('several groups in one pass count as one launch; entry once refuses a second pass', () => {
    const once = FLOW.replace('entry every 7d', 'entry once');
    const r = sim(once, [left('a', '2026-08-10T13:00:00Z'), left('b', '2027-01-01T00:00:00Z')]);
    expect(r.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['b', 'launch_limit']]);
  });

  it('a pass whose step expired is no launch: the customer may enter again', () => {
    const flow = `flow f { entry once relevance 1h on CustomerLeftSite steps s { send email "session-follow-up" } }`;
    // The first event arrives a day late: relevance_expired, no launch.
    const r = sim(flow, [{ ...left('late', '2026-08-10T13:00:00Z'), receivedAt: '2026-08-11T13:00:00Z' }, left('next', '2026-08-12T13:00:00Z')]);
    expect(r.activity.map((a) => [a['event'], a['reason']])).toEqual([
      ['late', 'relevance_expired'],
      ['next', 'all_steps_done'],
    ]);
  });

  it('entry always: every event enters', () => {
    const r = sim(FLOW.replace('entry every 7d', 'entry always'), [left('a', '2026-08-10T13:00:00Z'), left('b', '2026-08-11T13:00:00Z')]);
    expect(r.notEntered).toEqual([]);
    expect(r.activity).toHaveLength(2);
  });
});
