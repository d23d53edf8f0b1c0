import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EVENTS } from '../../stdlib/events.js';
import { findEvent } from '../../stdlib/catalog.js';
import { MATCHERS, matchTrigger, type MatchResult, type MatchState, type OptionValue, type TriggerEvent } from '../../stdlib/matchers.js';
import type { OptionValue as LoweredOptionValue } from '../../compiler/lower/graph.js';
import type { Order, OrderItem, Product, ProductListItem } from '../../schemas/index.js';

// The compiler's option values are accepted as they are.
const _compat = (v: LoweredOptionValue): OptionValue => v;
void _compat;

let seq = 0;
function ev(type: string, extra: Partial<TriggerEvent> = {}): TriggerEvent {
  return { id: `e${++seq}`, type, customer: 'c1', at: '2026-06-06T20:00:00Z', ...extra };
}

function run(event: string, options: Record<string, OptionValue>, e: Partial<TriggerEvent>, state: MatchState = {}): MatchResult {
  const def = findEvent(event);
  if (!def) throw new Error(event);
  return matchTrigger(def, options, ev(event, e), state);
}

/** Runs events one after another, threading the state; returns the number of launches of each. */
function sequence(event: string, options: Record<string, OptionValue>, events: Array<Partial<TriggerEvent>>): number[] {
  let state: MatchState = {};
  return events.map((e) => {
    const r = run(event, options, e, state);
    state = r.state;
    return r.fires.length;
  });
}

const item = (id: string, status: string, extra: Partial<OrderItem> = {}): OrderItem => ({
  id,
  productId: `p-${id}`,
  status,
  price: 10,
  quantity: 1,
  ...extra,
});
const order = (items: OrderItem[], extra: Partial<Order> = {}): Order => ({ id: 'o1', status: 'new', total: 20, items, ...extra });
const line = (productId: string, price: number, extra: Partial<ProductListItem> = {}): ProductListItem => ({
  list: 'cart',
  productId,
  quantity: 1,
  price,
  ...extra,
});
const product = (id: string, extra: Partial<Product> = {}): Product => ({ id, ...extra });

describe('registry', () => {
  it('implements every matcher named in the catalog, and nothing else', () => {
    const used = new Set(EVENTS.map((e) => e.matcher));
    for (const name of used) expect(MATCHERS[name], name).toBeTypeOf('function');
    expect(new Set(Object.keys(MATCHERS))).toEqual(used);
  });

  it('fires every event once with its default options when the payload is ordinary', () => {
    // `simple` events: the type alone decides
    for (const def of EVENTS.filter((e) => e.matcher === 'simple')) {
      const r = matchTrigger(def, {}, ev(def.name, { action: { id: 'a', template: 't', at: '2026-01-01T00:00:00Z' } }), {});
      expect(r.fires, def.name).toHaveLength(1);
      expect(r.fires[0]!.key).toBe('once');
    }
  });

  it('rejects an event of another type, and never mutates the given state', () => {
    const def = findEvent('NewOrder')!;
    const r = matchTrigger(def, {}, ev('OrderChanged'), {});
    expect(r.fires).toEqual([]);
    expect(r.reason).toMatch(/not NewOrder/);
    const state: MatchState = { orders: { o1: { fired: 1 } } };
    const frozen = JSON.stringify(state);
    run('OrderChanged', { maxPerOrder: 5 }, { order: order([]) }, state);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('binds only the contexts the event declares', () => {
    const r = run('NewOrder', {}, { order: order([]), action: { id: 'a', template: 'order', at: '2026-01-01T00:00:00Z' }, product: product('x') });
    expect(Object.keys(r.fires[0]!.context).sort()).toEqual(['action', 'order']);
  });
});

describe('OrderItemDelivered / OrderItemPaid (itemStatus, per item)', () => {
  it('an order with two delivered items launches twice, each with its item and product', () => {
    const p1 = product('p-i1', { segments: ['shoes'] });
    const r = run('OrderItemDelivered', {}, { order: order([item('i1', 'delivered', { product: p1 }), item('i2', 'delivered')]) });
    expect(r.fires.map((f) => f.key)).toEqual(['item:o1/i1', 'item:o1/i2']);
    expect(r.fires[0]!.context).toEqual({ item: expect.objectContaining({ id: 'i1' }), product: p1 });
    expect((r.fires[1]!.context['item'] as OrderItem).id).toBe('i2');
  });

  it('fires again on an item only when something on it changes', () => {
    const o = order([item('i1', 'delivered'), item('i2', 'delivered')]);
    const changed = order([item('i1', 'delivered', { price: 8 }), item('i2', 'delivered')]);
    const withField = order([item('i1', 'delivered', { price: 8 }), item('i2', 'delivered', { fields: { gift: true } })]);
    expect(sequence('OrderItemDelivered', {}, [{ order: o }, { order: o }, { order: changed }, { order: withField }])).toEqual([2, 0, 1, 1]);
  });

  it('includes arriving in the status directly, not items in other statuses, not unchanged items', () => {
    expect(run('OrderItemPaid', {}, { order: order([item('i1', 'paid'), item('i2', 'new')]) }).fires).toHaveLength(1);
    const prev = order([item('i1', 'delivered')]);
    const r = run('OrderItemDelivered', {}, { order: prev, previous: { order: prev } });
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/did not change/);
    expect(run('OrderItemDelivered', {}, { item: item('i9', 'delivered') }).fires[0]!.key).toBe('item:/i9');
  });

  it('statuses and project status categories, product segments', () => {
    const o = order([item('i1', 'shipped-to-door'), item('i2', 'delivered')]);
    expect(run('OrderItemDelivered', { statuses: ['shipped-to-door'] }, { order: o }).fires.map((f) => f.key)).toEqual(['item:o1/i1']);
    expect(run('OrderItemDelivered', {}, { order: o, statusCategories: { 'shipped-to-door': 'delivered' } }).fires).toHaveLength(2);
    const seg = order([item('i1', 'delivered', { product: product('p-i1', { segments: ['shoes'] }) }), item('i2', 'delivered')]);
    expect(run('OrderItemDelivered', { productSegments: ['shoes'] }, { order: seg }).fires.map((f) => f.key)).toEqual(['item:o1/i1']);
  });
});

describe('OrderStatusChanged (orderStatus)', () => {
  it('scope order: fires on moving to the status, not while staying in it', () => {
    const o = (status: string) => ({ order: order([], { status }) });
    expect(sequence('OrderStatusChanged', { status: 'paid' }, [o('new'), o('paid'), o('paid'), o('shipped'), o('paid')])).toEqual([0, 1, 0, 0, 1]);
    expect(run('OrderStatusChanged', { status: 'paid' }, { ...o('paid'), previous: { order: order([], { status: 'paid' }) } }).fires).toHaveLength(0);
  });

  it('all_items: only once every item the order came with reached the status, gradually too', () => {
    const opts = { status: 'delivered', scope: 'all_items' };
    const o = (a: string, b: string) => ({ order: order([item('i1', a), item('i2', b)]) });
    expect(sequence('OrderStatusChanged', opts, [o('new', 'new'), o('delivered', 'new'), o('delivered', 'delivered')])).toEqual([0, 0, 1]);
    expect(sequence('OrderStatusChanged', opts, [o('delivered', 'delivered')])).toEqual([1]);
    // an item added after creation does not count, but the created ones must all get there
    const created = { previous: { orderCreatedItems: ['i1', 'i2'], order: order([item('i1', 'new'), item('i2', 'new')]) } };
    const r = run('OrderStatusChanged', opts, { ...created, order: order([item('i1', 'delivered'), item('i2', 'new'), item('i3', 'delivered')]) });
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/i2/);
  });

  it('all_items: a cancelled item prevents the launch', () => {
    const opts = { status: 'delivered', scope: 'all_items' };
    const o = (a: string, b: string) => ({ order: order([item('i1', a), item('i2', b)]) });
    expect(sequence('OrderStatusChanged', opts, [o('new', 'new'), o('delivered', 'cancelled'), o('delivered', 'delivered')])).toEqual([0, 0, 0]);
    const r = run('OrderStatusChanged', opts, o('delivered', 'cancelled'));
    expect(r.reason).toMatch(/cancelled/);
  });

  it('any_item and maxPerOrder count launches per order', () => {
    const opts = { status: 'delivered', scope: 'any_item', maxPerOrder: 2 };
    const o = (a: string, b: string, c: string) => ({ order: order([item('i1', a), item('i2', b), item('i3', c)]) });
    const steps = [o('new', 'new', 'new'), o('delivered', 'new', 'new'), o('delivered', 'delivered', 'new'), o('delivered', 'delivered', 'delivered')];
    expect(sequence('OrderStatusChanged', opts, steps)).toEqual([0, 1, 1, 0]);
    expect(sequence('OrderStatusChanged', { status: 'delivered', scope: 'any_item' }, steps)).toEqual([0, 1, 1, 1]);
    // counted per order: another order has its own count
    let state: MatchState = {};
    for (const s of steps) state = run('OrderStatusChanged', opts, s, state).state;
    const other = run('OrderStatusChanged', opts, { order: order([item('i1', 'delivered')], { id: 'o2' }) }, state);
    expect(other.fires).toHaveLength(1);
    expect(other.state.orders?.['o1']?.fired).toBe(2);
  });
});

describe('OrderChanged (orderChange)', () => {
  it('any change fires, maxPerOrder limits, an identical snapshot does not', () => {
    const o = { order: order([]) };
    expect(sequence('OrderChanged', {}, [o, o, o])).toEqual([1, 1, 1]);
    expect(sequence('OrderChanged', { maxPerOrder: 2 }, [o, o, o])).toEqual([1, 1, 0]);
    expect(run('OrderChanged', {}, { ...o, previous: { order: order([]) } }).fires).toHaveLength(0);
  });

  it('selected fields: only a change of one of them fires', () => {
    const o = (d: string, note: string) => order([], { fields: { deliveryDate: d, note } });
    expect(run('OrderChanged', { fields: ['deliveryDate'] }, { order: o('b', 'x'), previous: { order: o('a', 'x') } }).fires).toHaveLength(1);
    expect(run('OrderChanged', { fields: ['deliveryDate'] }, { order: o('a', 'y'), previous: { order: o('a', 'x') } }).fires).toHaveLength(0);
    expect(run('OrderChanged', { fields: ['deliveryDate'] }, { order: o('a', 'y'), changedFields: ['deliveryDate'] }).fires).toHaveLength(1);
    expect(sequence('OrderChanged', { fields: ['deliveryDate'] }, [{ order: o('a', 'x') }, { order: o('a', 'y') }, { order: o('b', 'y') }])).toEqual([0, 0, 1]);
  });
});

describe('list products: price changes (listPriceChange, viewedPriceChange)', () => {
  const drop = (saved: number, before: Partial<Product> | undefined, now: Partial<Product>, by: OptionValue, event = 'ListProductPriceDropped') =>
    run(event, { by }, {
      item: line('p1', saved),
      product: product('p1', now),
      ...(before ? { previous: { products: { p1: product('p1', before) } } } : {}),
    });

  it('a drop of 10% against the saved list price fires, 5% does not', () => {
    const r = drop(100, { price: 100 }, { price: 90 }, { percent: 10 });
    expect(r.fires).toHaveLength(1);
    expect(r.fires[0]!.key).toBe('product:p1');
    expect(r.fires[0]!.context).toEqual({ item: line('p1', 100), product: product('p1', { price: 90 }) });
    expect(drop(100, { price: 100 }, { price: 95 }, { percent: 10 }).fires).toHaveLength(0);
  });

  it('compares with the saved price, not the previous feed price', () => {
    // the feed was already below the saved price; a further small drop crosses 10% of the saved price
    expect(drop(100, { price: 92 }, { price: 90 }, { percent: 10 }).fires).toHaveLength(1);
  });

  it('does not react to a price being filled in', () => {
    // the snapshot says the product had no price before
    const r = drop(100, {}, { price: 50 }, { percent: 10 });
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/filled in/);
    // remembered: the first event had no price, the next one fills it in, the one after changes it
    const e = (price?: number) => ({ item: line('p1', 100), product: product('p1', price === undefined ? {} : { price }) });
    expect(sequence('ListProductPriceDropped', { by: { percent: 10 } }, [e(), e(50), e(40)])).toEqual([0, 0, 1]);
  });

  it('needs no earlier feed price: with none known, it compares with the saved list price', () => {
    // seed 002: the reference is the price the customer added the product at (item.price); no
    // snapshot and nothing remembered is not "filled in" (that needs the product to have had no price)
    const r = drop(100, undefined, { price: 80 }, { percent: 10 });
    expect(r.fires).toHaveLength(1);
    expect(r.fires[0]!.context).toEqual({ item: line('p1', 100), product: product('p1', { price: 80 }) });
    const small = drop(100, undefined, { price: 95 }, { percent: 10 });
    expect(small.fires).toHaveLength(0);
    expect(small.reason).toMatch(/less than 10%/);
    expect(drop(100, undefined, { price: 110 }, { percent: 10 }, 'ListProductPriceIncreased').fires).toHaveLength(1);
    // the same for viewed products (the price at view time)
    const viewed = run('ViewedProductPriceDropped', { by: { percent: 10 } }, { view: { productId: 'p1', price: 200 }, product: product('p1', { price: 170 }) });
    expect(viewed.fires).toHaveLength(1);
  });

  it('a batch without feed snapshots fires per product that dropped by the threshold (conformance price-drop-per-product)', () => {
    const r = run('ListProductPriceDropped', { by: { percent: 10 } }, {
      lines: [line('p1', 100, { list: 'wishlist' }), line('p2', 100, { list: 'wishlist' }), line('p3', 50, { list: 'wishlist' })],
      products: [product('p1', { price: 80 }), product('p2', { price: 95 }), product('p3', { price: 40 })],
    });
    expect(r.fires.map((f) => f.key)).toEqual(['product:p1', 'product:p3']);
    expect(r.fires.map((f) => (f.context['item'] as ProductListItem).productId)).toEqual(['p1', 'p3']);
    expect(r.fires.map((f) => (f.context['product'] as Product).price)).toEqual([80, 40]);
  });

  it('with an earlier feed price known, the price must have moved in the direction', () => {
    // unchanged (a repeated feed update) or risen: no drop, even below the saved price
    expect(drop(100, { price: 80 }, { price: 80 }, { percent: 10 }).reason).toMatch(/did not drop \(80 → 80\)/);
    expect(drop(100, { price: 70 }, { price: 80 }, { percent: 10 }).fires).toHaveLength(0);
    expect(drop(100, { price: 90 }, { price: 80 }, { percent: 10 }).fires).toHaveLength(1);
  });

  it('previous-price triggers (preferred product) still need the earlier price', () => {
    const r = run('PreferredProductPriceDropped', { field: 'fav', by: { percent: 10 } }, { field: 'fav', product: product('p1', { price: 50 }) });
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/no earlier price/);
  });

  it('fires again on further drops and on a new drop after a rise (remembered state)', () => {
    const e = (price: number) => ({ item: line('p1', 100), product: product('p1', { price }) });
    expect(sequence('ListProductPriceDropped', { by: { percent: 10 } }, [e(100), e(90), e(85), e(85), e(95), e(88)])).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('amount thresholds (a plain number, or { amount })', () => {
    expect(drop(100, { price: 100 }, { price: 94 }, 5).fires).toHaveLength(1);
    expect(drop(100, { price: 100 }, { price: 96 }, 5).fires).toHaveLength(0);
    expect(drop(100, { price: 100 }, { price: 95 }, { amount: 5 }).fires).toHaveLength(1);
  });

  it('price increased mirrors it', () => {
    expect(drop(100, { price: 100 }, { price: 110 }, { percent: 10 }, 'ListProductPriceIncreased').fires).toHaveLength(1);
    expect(drop(100, { price: 100 }, { price: 105 }, { percent: 10 }, 'ListProductPriceIncreased').fires).toHaveLength(0);
    expect(drop(100, { price: 100 }, { price: 90 }, { percent: 10 }, 'ListProductPriceIncreased').fires).toHaveLength(0);
  });

  it('viewed products compare with the price at view time', () => {
    const r = run('ViewedProductPriceDropped', { by: { percent: 10 } }, {
      view: { productId: 'p1', price: 200 },
      product: product('p1', { price: 170 }),
      previous: { products: { p1: product('p1', { price: 180 }) } },
    });
    expect(r.fires).toHaveLength(1);
    expect(Object.keys(r.fires[0]!.context).sort()).toEqual(['product', 'view']);
  });

  it('fires per product, and only for products on the list', () => {
    const r = run('ListProductPriceDropped', { by: { percent: 10 } }, {
      lines: [line('p1', 100), line('p2', 50)],
      products: [product('p1', { price: 80 }), product('p2', { price: 40 }), product('p3', { price: 1 })],
      previous: { products: { p1: product('p1', { price: 100 }), p2: product('p2', { price: 50 }), p3: product('p3', { price: 9 }) } },
    });
    expect(r.fires.map((f) => f.key)).toEqual(['product:p1', 'product:p2']);
  });

  it('preferred product: against its previous price, for the selected calculated field', () => {
    const base = { product: product('p1', { price: 90 }), previous: { products: { p1: product('p1', { price: 100, oldPrice: 200 }) } } };
    expect(run('PreferredProductPriceDropped', { field: 'fav', by: { percent: 10 } }, { ...base, field: 'fav' }).fires).toHaveLength(1);
    expect(run('PreferredProductPriceDropped', { field: 'fav', by: { percent: 11 } }, { ...base, field: 'fav' }).fires).toHaveLength(0);
    expect(run('PreferredProductPriceDropped', { field: 'fav', by: { percent: 10 } }, { ...base, field: 'other' }).fires).toHaveLength(0);
    expect(
      run('PreferredProductPriceDropped', { field: 'fav', by: { percent: 10 } }, { ...base, customerProfile: { fields: { fav: 'p1' } } }).fires,
    ).toHaveLength(1);
  });

  it('property: a drop fires iff the price fell and is at least the threshold below the saved price', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 100 }), (saved, before, now, pct) => {
        const r = drop(saved, { price: before }, { price: now }, { percent: pct });
        const expected = now < before && ((saved - now) / saved) * 100 >= pct - 1e-9;
        expect(r.fires.length).toBe(expected ? 1 : 0);
      }),
    );
  });

  it('property: without an earlier price, a drop fires iff the price is at least the threshold below the saved price', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 100 }), (saved, now, pct) => {
        const r = drop(saved, undefined, { price: now }, { percent: pct });
        const expected = ((saved - now) / saved) * 100 >= pct - 1e-9 && now < saved;
        expect(r.fires.length).toBe(expected ? 1 : 0);
      }),
    );
  });
});

describe('stock and regional rules (listStock, viewedStock)', () => {
  const stock = (now: Partial<Product>, before: Partial<Product> | undefined, zone?: string, event = 'ListProductBackInStock') =>
    run(event, {}, {
      item: line('p1', 10),
      product: product('p1', now),
      ...(zone ? { customerProfile: { zone } } : {}),
      ...(before ? { previous: { products: { p1: product('p1', before) } } } : {}),
    });

  it('back in stock from out of stock or from no data; not when already in stock', () => {
    expect(stock({ available: true }, { available: false }).fires).toHaveLength(1);
    expect(stock({ available: true }, {}).fires).toHaveLength(1);
    expect(stock({ available: true }, { available: true }).fires).toHaveLength(0);
    expect(stock({ available: false }, { available: true }, undefined, 'ListProductOutOfStock').fires).toHaveLength(1);
    expect(stock({ available: false }, {}, undefined, 'ListProductOutOfStock').fires).toHaveLength(1);
  });

  it('fires every time and per product', () => {
    const e = (a: boolean) => ({ item: line('p1', 10), product: product('p1', { available: a }) });
    expect(sequence('ListProductBackInStock', {}, [e(false), e(true), e(true), e(false), e(true)])).toEqual([0, 1, 0, 0, 1]);
    const two = run('ListProductBackInStock', {}, {
      lines: [line('p1', 1), line('p2', 1)],
      products: [product('p1', { available: true }), product('p2', { available: true })],
    });
    expect(two.fires.map((f) => f.key)).toEqual(['product:p1', 'product:p2']);
  });

  it('customer zone with regional data for it: that region decides', () => {
    const r = stock({ available: false, regions: { eu: { available: true } } }, { available: false, regions: { eu: { available: false } } }, 'eu');
    expect(r.fires).toHaveLength(1);
    // main feed changed, region did not
    expect(stock({ available: true, regions: { eu: { available: false } } }, { available: false, regions: { eu: { available: false } } }, 'eu').fires).toHaveLength(0);
  });

  it('regional data but none for the zone: no launch', () => {
    const r = stock({ available: true, regions: { us: { available: true } } }, { available: false, regions: { us: { available: false } } }, 'eu');
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/none for zone eu/);
  });

  it('zone data without availability, or no regional data: the main feed', () => {
    expect(stock({ available: true, regions: { eu: { price: 5 } } }, { available: false, regions: { eu: { price: 5 } } }, 'eu').fires).toHaveLength(1);
    expect(stock({ available: true }, { available: false }, 'eu').fires).toHaveLength(1);
    // no zone: main feed even with regional data
    expect(stock({ available: true, regions: { us: { available: false } } }, { available: false }).fires).toHaveLength(1);
  });

  it('regional prices for price events', () => {
    const r = run('ListProductPriceDropped', { by: { percent: 10 } }, {
      item: line('p1', 100),
      customerProfile: { zone: 'eu' },
      product: product('p1', { price: 100, regions: { eu: { price: 80 } } }),
      previous: { products: { p1: product('p1', { price: 100, regions: { eu: { price: 100 } } }) } },
    });
    expect(r.fires).toHaveLength(1);
    const excluded = run('ListProductPriceDropped', { by: { percent: 10 } }, {
      item: line('p1', 100),
      customerProfile: { zone: 'eu' },
      product: product('p1', { price: 50, regions: { us: { price: 50 } } }),
      previous: { products: { p1: product('p1', { price: 100, regions: { us: { price: 100 } } }) } },
    });
    expect(excluded.fires).toHaveLength(0);
  });

  it('viewed products and product segments', () => {
    const base = { view: { productId: 'p1', price: 10 }, product: product('p1', { available: true, segments: ['shoes'] }) };
    expect(run('ViewedProductBackInStock', {}, base).fires).toHaveLength(1);
    expect(run('ViewedProductBackInStock', { productSegments: ['shoes', 'hats'] }, base).fires).toHaveLength(1);
    expect(run('ViewedProductBackInStock', { productSegments: ['hats'] }, base).fires).toHaveLength(0);
    expect(run('ViewedProductOutOfStock', {}, base).fires).toHaveLength(0);
  });
});

describe('product custom fields (listFieldChange, viewedFieldChange, preferredProductChange)', () => {
  it('several selected fields changing at once fire once per product; other fields do not', () => {
    const before = product('p1', { fields: { size: 'M', color: 'red', note: 'a' } });
    const r = run('ListProductFieldChanged', { fields: ['size', 'color'] }, {
      item: line('p1', 1),
      product: product('p1', { fields: { size: 'L', color: 'blue', note: 'a' } }),
      previous: { products: { p1: before } },
    });
    expect(r.fires).toHaveLength(1);
    const other = run('ListProductFieldChanged', { fields: ['size'] }, {
      item: line('p1', 1),
      product: product('p1', { fields: { size: 'M', color: 'red', note: 'b' } }),
      previous: { products: { p1: before } },
    });
    expect(other.fires).toHaveLength(0);
  });

  it('fill, change and removal all count (remembered state)', () => {
    const e = (fields: Record<string, unknown>) => ({ view: { productId: 'p1', price: 1 }, product: product('p1', { fields }) });
    expect(sequence('ViewedProductFieldChanged', { fields: ['size'] }, [e({}), e({ size: 'M' }), e({ size: 'L' }), e({ size: 'L' }), e({})])).toEqual([0, 1, 1, 0, 1]);
  });

  it('preferred product data changed', () => {
    expect(run('PreferredProductChanged', { field: 'fav' }, { field: 'fav', product: product('p1', { price: 2 }), previous: { products: { p1: product('p1', { price: 1 }) } } }).fires).toHaveLength(1);
    expect(run('PreferredProductChanged', { field: 'fav' }, { field: 'fav', product: product('p1', { price: 1 }), previous: { products: { p1: product('p1', { price: 1 }) } } }).fires).toHaveLength(0);
    expect(run('PreferredProductChanged', { field: 'fav' }, { field: 'top' }).fires).toHaveLength(0);
  });
});

describe('product lists (listLineAdded, listChanged)', () => {
  it('ProductAddedToList: a new line fires, a quantity increase does not', () => {
    expect(run('ProductAddedToList', {}, { item: line('p1', 10), product: product('p1') }).fires).toHaveLength(1);
    expect(run('ProductAddedToList', {}, { item: line('p1', 10, { quantity: 2 }), previous: { item: line('p1', 10) } }).fires).toHaveLength(0);
    const r = run('ProductAddedToList', {}, {
      lines: [line('p1', 10, { quantity: 3 }), line('p2', 5)],
      previous: { lines: [line('p1', 10)] },
    });
    expect(r.fires.map((f) => f.key)).toEqual(['product:p2']);
    // the same product on another list is a new line
    expect(run('ProductAddedToList', {}, { item: line('p1', 10, { list: 'wishlist' }), previous: { lines: [line('p1', 10)] } }).fires).toHaveLength(1);
  });

  it('ProductListChanged: several changes at once fire once', () => {
    const r = run('ProductListChanged', {}, {
      lines: [line('p1', 10, { quantity: 2 }), line('p2', 5)],
      products: [product('p1'), product('p2')],
      previous: { lines: [line('p1', 10)] },
    });
    expect(r.fires).toHaveLength(1);
    expect(r.fires[0]!.key).toBe('batch');
    expect(r.fires[0]!.context).toEqual({ item: line('p1', 10, { quantity: 2 }), product: product('p1') });
  });

  it('ProductListChanged: not on removals (even with an addition), clearing, or no change', () => {
    expect(run('ProductListChanged', {}, { lines: [line('p1', 10, { quantity: 0 }), line('p2', 5)] }).fires).toHaveLength(0);
    expect(run('ProductListChanged', {}, { lines: [line('p1', 10, { quantity: 0 }), line('p2', 5, { quantity: 0 })] }).fires).toHaveLength(0);
    expect(run('ProductListChanged', {}, { item: line('p1', 10), previous: { item: line('p1', 10) } }).fires).toHaveLength(0);
    expect(run('ProductListChanged', {}, { item: line('p1', 10, { total: 30, quantity: 3 }), previous: { item: line('p1', 10) } }).fires).toHaveLength(1);
  });
});

describe('customer actions and sessions', () => {
  const action = (template: string) => ({ id: 'a1', template, at: '2026-01-01T00:00:00Z' });

  it('ActionIssued: one of the templates', () => {
    expect(run('ActionIssued', { templates: ['open', 'click'] }, { action: action('click') }).fires).toHaveLength(1);
    expect(run('ActionIssued', { templates: ['open'] }, { action: action('click') }).fires).toHaveLength(0);
    expect(run('ActionIssued', { templates: ['click'] }, {}).fires).toHaveLength(0);
  });

  it('ProductActionIssued: template and a product', () => {
    expect(run('ProductActionIssued', { templates: ['view'] }, { action: action('view'), item: { productId: 'p1' } }).fires).toHaveLength(1);
    const r = run('ProductActionIssued', { templates: ['view'] }, { action: action('view') });
    expect(r.fires).toHaveLength(0);
    expect(r.reason).toMatch(/not tied to a product/);
  });

  it('CustomerLeftSite: actions and withOrder', () => {
    const s = (actions: Array<'product_added_to_list' | 'product_viewed' | 'category_viewed'>, hasOrder: boolean) => ({
      session: { id: 's', endedAt: '2026-01-01T00:00:00Z', actions, hasOrder },
    });
    expect(run('CustomerLeftSite', {}, s([], false)).fires).toHaveLength(1);
    expect(run('CustomerLeftSite', { actions: ['product_viewed'] }, s(['product_viewed', 'category_viewed'], false)).fires).toHaveLength(1);
    expect(run('CustomerLeftSite', { actions: ['product_added_to_list'] }, s(['product_viewed'], false)).fires).toHaveLength(0);
    expect(run('CustomerLeftSite', { withOrder: 'yes' }, s([], false)).fires).toHaveLength(0);
    expect(run('CustomerLeftSite', { withOrder: 'yes' }, s([], true)).fires).toHaveLength(1);
    expect(run('CustomerLeftSite', { withOrder: 'no' }, s([], true)).fires).toHaveLength(0);
    expect(run('CustomerLeftSite', { withOrder: 'any' }, s([], true)).fires).toHaveLength(1);
  });
});

describe('segments and profile', () => {
  it('SegmentEntered / SegmentExited', () => {
    expect(run('SegmentEntered', { segment: 'vip' }, { segment: 'vip' }).fires).toHaveLength(1);
    expect(run('SegmentEntered', { segment: 'vip' }, { segment: ['new', 'vip'] }).fires).toHaveLength(1);
    expect(run('SegmentEntered', { segment: 'vip' }, { segment: 'new' }).fires).toHaveLength(0);
    const diff = { customerProfile: { segments: ['a', 'vip'] }, previous: { customer: { segments: ['a', 'old'] } } };
    expect(run('SegmentEntered', { segment: 'vip' }, diff).fires).toHaveLength(1);
    expect(run('SegmentExited', { segment: 'vip' }, diff).fires).toHaveLength(0);
    expect(run('SegmentExited', { segment: 'old' }, diff).fires).toHaveLength(1);
  });

  it('EmailChanged: from one address to another; not filling in or wiping; withConfirmation', () => {
    const c = (before: object, now: object, options: Record<string, OptionValue> = {}) =>
      run('EmailChanged', options, { customerProfile: now, previous: { customer: before } }).fires.length;
    expect(c({ email: 'a@x' }, { email: 'b@x' })).toBe(1);
    expect(c({}, { email: 'b@x' })).toBe(0);
    expect(c({ email: 'a@x' }, {})).toBe(0);
    expect(c({ email: 'a@x' }, { email: 'a@x' })).toBe(0);
    expect(c({ email: 'a@x' }, { email: 'a@x', emailConfirmation: 'unconfirmed' })).toBe(0);
    expect(c({ email: 'a@x' }, { email: 'a@x', emailConfirmation: 'unconfirmed' }, { withConfirmation: true })).toBe(1);
    expect(c({ email: 'a@x', emailConfirmation: 'unconfirmed' }, { email: 'a@x', emailConfirmation: 'confirmed' }, { withConfirmation: true })).toBe(0);
    expect(run('PhoneChanged', {}, { customerProfile: { phone: '+2' }, previous: { customer: { phone: '+1' } } }).fires).toHaveLength(1);
  });

  it('CustomFieldChanged: fill, change, wipe of the selected field', () => {
    const f = (before: Record<string, unknown>, now: Record<string, unknown>) =>
      run('CustomFieldChanged', { field: 'tier' }, { customerProfile: { fields: now }, previous: { customer: { fields: before } } }).fires.length;
    expect(f({}, { tier: 'gold' })).toBe(1);
    expect(f({ tier: 'silver' }, { tier: 'gold' })).toBe(1);
    expect(f({ tier: 'gold' }, {})).toBe(1);
    expect(f({ tier: 'gold', x: 1 }, { tier: 'gold', x: 2 })).toBe(0);
    expect(run('CustomFieldChanged', { field: 'tier' }, { field: 'tier' }).fires).toHaveLength(1);
    expect(run('CustomFieldChanged', { field: 'tier' }, { field: 'birthday' }).fires).toHaveLength(0);
  });

  it('SubscriptionStatusChanged: channel, status, brand, topic', () => {
    const sub = (extra: object = {}) => ({ subscription: { brand: 'main', channel: 'email', topic: null, status: 'subscribed' as const, ...extra } });
    const opts = { channel: 'email', status: 'subscribed' };
    expect(run('SubscriptionStatusChanged', opts, sub()).fires).toHaveLength(1);
    expect(run('SubscriptionStatusChanged', { ...opts, channel: 'sms' }, sub()).fires).toHaveLength(0);
    expect(run('SubscriptionStatusChanged', { ...opts, status: 'pending' }, sub()).fires).toHaveLength(0);
    expect(run('SubscriptionStatusChanged', { ...opts, brand: 'main' }, sub()).fires).toHaveLength(1);
    expect(run('SubscriptionStatusChanged', { ...opts, brand: 'other' }, sub()).fires).toHaveLength(0);
    expect(run('SubscriptionStatusChanged', opts, sub({ topic: 'news' })).fires).toHaveLength(0);
    expect(run('SubscriptionStatusChanged', { ...opts, topic: 'news' }, sub({ topic: 'news' })).fires).toHaveLength(1);
    // again after leaving it: yes; already in it, implicit → explicit, through a merge: no
    expect(run('SubscriptionStatusChanged', opts, sub({ previousStatus: 'unsubscribed' })).fires).toHaveLength(1);
    expect(run('SubscriptionStatusChanged', opts, sub({ previousStatus: 'subscribed', previousImplicit: true })).reason).toMatch(/implicit/);
    expect(run('SubscriptionStatusChanged', opts, sub({ viaMerge: true })).fires).toHaveLength(0);
    const fromProfile = {
      customerProfile: { subscriptions: [{ brand: 'main', channel: 'email', topic: null, status: 'subscribed' as const }] },
      previous: { customer: { subscriptions: [{ brand: 'main', channel: 'email', topic: null, status: 'subscribed' as const }] } },
    };
    expect(run('SubscriptionStatusChanged', opts, fromProfile).fires).toHaveLength(0);
  });
});

describe('loyalty, campaigns, operations', () => {
  const bal = (extra: object) => ({ balance: { account: 'main', amount: 10, kind: 'award' as const, ...extra } });

  it('balance kinds and accounts', () => {
    expect(run('BalanceChanged', { account: 'main' }, bal({ kind: 'zeroing' })).fires).toHaveLength(1);
    expect(run('BalanceChanged', { account: 'main', kinds: ['award', 'deduction'] }, bal({ kind: 'zeroing' })).fires).toHaveLength(0);
    expect(run('BalanceChanged', { account: 'main', kinds: ['deduction'] }, bal({ kind: 'deduction' })).fires).toHaveLength(1);
    expect(run('BalanceChanged', { account: 'gift' }, bal({})).fires).toHaveLength(0);
    expect(run('PointsAvailable', {}, bal({ account: 'gift' })).fires).toHaveLength(1);
    expect(run('PointsAvailable', { account: 'main' }, bal({ account: 'gift' })).fires).toHaveLength(0);
  });

  it('BalanceNegative: the balance after the change is negative, also after an award', () => {
    expect(run('BalanceNegative', {}, bal({ kind: 'deduction', balance: -5 })).fires).toHaveLength(1);
    expect(run('BalanceNegative', {}, bal({ kind: 'award', balance: -1 })).fires).toHaveLength(1);
    expect(run('BalanceNegative', {}, bal({ balance: 0 })).fires).toHaveLength(0);
    expect(run('BalanceNegative', { account: 'gift' }, bal({ balance: -5 })).fires).toHaveLength(0);
  });

  it('PromoCodeIssued: pools and kinds', () => {
    const promo = (pool: string, kind: 'single_use' | 'multi_use' | 'referral') => ({ promo: { code: 'X', pool, kind } });
    expect(run('PromoCodeIssued', {}, promo('WELCOME10', 'single_use')).fires).toHaveLength(1);
    expect(run('PromoCodeIssued', {}, promo('WELCOME10', 'multi_use')).fires).toHaveLength(0);
    expect(run('PromoCodeIssued', { pools: ['WELCOME10'] }, promo('WELCOME10', 'referral')).fires).toHaveLength(1);
    expect(run('PromoCodeIssued', { pools: ['OTHER'] }, promo('WELCOME10', 'referral')).fires).toHaveLength(0);
    expect(run('PromoCodeIssued', { kinds: ['referral'] }, promo('WELCOME10', 'single_use')).fires).toHaveLength(0);
  });

  it('DiscountCardStatusChanged: statuses', () => {
    const card = (status: 'activated' | 'blocked' | 'not_activated') => ({ card: { number: '1', status } });
    expect(run('DiscountCardStatusChanged', {}, card('blocked')).fires).toHaveLength(1);
    expect(run('DiscountCardStatusChanged', { statuses: ['activated'] }, card('blocked')).fires).toHaveLength(0);
    expect(run('DiscountCardStatusChanged', { statuses: ['activated', 'blocked'] }, card('blocked')).fires).toHaveLength(1);
    expect(run('DiscountCardStatusChanged', {}, { ...card('blocked'), previous: { card: { number: '1', status: 'blocked' } } }).fires).toHaveLength(0);
    expect(Object.keys(run('DiscountCardStatusChanged', {}, card('blocked')).fires[0]!.context)).toEqual(['card']);
  });

  it('CampaignMessageStatus: campaign and status', () => {
    expect(run('CampaignMessageStatus', { campaign: 'spring', status: 'sent' }, { campaign: { name: 'spring', status: 'sent' } }).fires).toHaveLength(1);
    expect(run('CampaignMessageStatus', { campaign: 'spring', status: 'sent' }, { campaign: { name: 'spring', status: 'generated' } }).fires).toHaveLength(0);
    expect(run('CampaignMessageStatus', { campaign: 'spring', status: 'sent' }, { campaign: { name: 'fall', status: 'sent' } }).fires).toHaveLength(0);
  });

  it('OperationCalled: the operation name', () => {
    const r = run('OperationCalled', { operation: 'checkout-completed' }, { operation: 'checkout-completed', params: { amount: 5 } });
    expect(r.fires).toHaveLength(1);
    expect(r.fires[0]!.context).toEqual({ params: { amount: 5 } });
    expect(run('OperationCalled', { operation: 'checkout-completed' }, { operation: 'other' }).fires).toHaveLength(0);
  });
});
