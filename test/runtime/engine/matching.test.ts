/** The catalog matchers in the engine (seed 002): per-item and per-product launches, state and snapshots from the store. */
import { describe, expect, it } from 'vitest';
import { sim } from './helpers.js';

const item = (id: string, status: string, price = 10) => ({ id, productId: 'p-' + id, status, price, quantity: 1 });
const order = (id: string, at: string, items: object[], type = 'OrderItemDelivered') => ({
  id,
  type,
  customer: 'c1',
  at,
  order: { id: 'o1', status: 'delivered', total: 20, items },
});

describe('002: Product in the order delivered fires once per delivered item', () => {
  const FLOW = `flow review "Ask for a review" { on OrderItemDelivered steps ask { send email "a" { product: item.productId } } }`;

  it('an order with two delivered items launches the flow twice, each with its own item', () => {
    const out = sim(FLOW, [order('e1', '2026-06-01T10:00:00Z', [item('i1', 'delivered'), item('i2', 'delivered')])]);
    expect(out.activity.map((a) => [a['instance'], a['status']])).toEqual([
      ['review/c1/e1/item:o1/i1', 'completed'],
      ['review/c1/e1/item:o1/i2', 'completed'],
    ]);
    expect(out.effects.map((e) => [e['key'], e['params']])).toEqual([
      ['review/c1/e1/item:o1/i1/ask/0', { product: 'p-i1' }],
      ['review/c1/e1/item:o1/i2/ask/0', { product: 'p-i2' }],
    ]);
  });

  it('an item already seen delivered does not fire again unless it changed; an item still in transit is a mismatch', () => {
    const out = sim(FLOW, [
      order('e1', '2026-06-01T10:00:00Z', [item('i1', 'delivered'), item('i2', 'shipped')]),
      order('e2', '2026-06-02T10:00:00Z', [item('i1', 'delivered'), item('i2', 'delivered')]),
      order('e3', '2026-06-03T10:00:00Z', [item('i1', 'delivered'), item('i2', 'delivered')]),
      order('e4', '2026-06-04T10:00:00Z', [item('i1', 'delivered', 12), item('i2', 'delivered')]),
    ]);
    expect(out.activity.map((a) => a['instance'])).toEqual(['review/c1/e1/item:o1/i1', 'review/c1/e2/item:o1/i2', 'review/c1/e4/item:o1/i1']);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['e3', 'trigger_mismatch']]);
    expect(out.notEntered[0]!['message']).toContain('did not change');
  });
});

describe('002: price dropped fires per product, against the price saved on the list', () => {
  const FLOW = `flow drop "Price drop" { on ListProductPriceDropped(by: 10%) steps tell { send email "a" { product: product.id } } }`;
  const line = (productId: string, price: number) => ({ list: 'wish', productId, quantity: 1, price });
  const feed = (id: string, at: string, prices: Record<string, number>) => ({
    id,
    type: 'ListProductPriceDropped',
    customer: 'c1',
    at,
    lines: [line('p1', 100), line('p2', 100)],
    products: Object.entries(prices).map(([pid, price]) => ({ id: pid, price })),
  });

  it('the first feed is judged against the saved price; later drops of 10% or more fire once per product', () => {
    const out = sim(FLOW, [
      feed('f1', '2026-06-01T10:00:00Z', { p1: 100, p2: 100 }),
      feed('f2', '2026-06-02T10:00:00Z', { p1: 80, p2: 95 }),
      feed('f3', '2026-06-03T10:00:00Z', { p1: 70, p2: 85 }),
    ]);
    expect(out.notEntered.map((n) => [n['event'], n['reason']])).toEqual([['f1', 'trigger_mismatch']]);
    expect(out.notEntered[0]!['message']).toContain('100 → 100 is less than 10%');
    expect(out.activity.map((a) => a['instance'])).toEqual(['drop/c1/f2/product:p1', 'drop/c1/f3/product:p1', 'drop/c1/f3/product:p2']);
    expect(out.effects.map((e) => e['params'])).toEqual([{ product: 'p1' }, { product: 'p1' }, { product: 'p2' }]);
  });

  it('a rise does not fire', () => {
    const out = sim(FLOW, [feed('f1', '2026-06-01T10:00:00Z', { p1: 100 }), feed('f2', '2026-06-02T10:00:00Z', { p1: 120 })]);
    expect(out.activity).toEqual([]);
    expect(out.notEntered.map((n) => n['reason'])).toEqual(['trigger_mismatch', 'trigger_mismatch']);
  });
});

describe('snapshots: the order and the profile before the event', () => {
  it('OrderStatusChanged fires when the stored order had another status, not again for the same status', () => {
    const flow = `flow paid { on OrderStatusChanged(status: "paid") steps s { send email "a" } }`;
    const ev = (id: string, status: string, day: number) => ({ id, type: 'OrderStatusChanged', customer: 'c1', at: `2026-06-0${day}T10:00:00Z`, order: { id: 'o1', status, total: 1, items: [] } });
    const out = sim(flow, [ev('e1', 'new', 1), ev('e2', 'paid', 2), ev('e3', 'paid', 3)]);
    expect(out.activity.map((a) => a['event'])).toEqual(['e2']);
    expect(out.notEntered.map((n) => [n['event'], n['reason'], n['message']])).toEqual([
      ['e1', 'trigger_mismatch', 'order status is new, not paid'],
      ['e3', 'trigger_mismatch', 'order was already paid'],
    ]);
  });

  it('SegmentEntered compares the profile before and after the event\'s profile update', () => {
    const flow = `flow hi { on SegmentEntered(segment: "vip") steps s { send email "a" } }`;
    const ev = (id: string, segments: string[]) => ({ id, type: 'SegmentEntered', customer: 'c1', at: '2026-06-01T10:00:00Z', profile: { segments } });
    const out = sim(flow, [ev('e1', ['lapsed']), ev('e2', ['lapsed', 'vip']), ev('e3', ['vip'])], { customers: [{ id: 'c1' }] });
    expect(out.activity.map((a) => a['event'])).toEqual(['e2']);
  });
});
