import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../stdlib/events.js';
import { CATEGORY_TITLES, EVENT_NAMES, eventsByCategory, findEvent, findOption } from '../../stdlib/catalog.js';
import { ACTIONS, CHANNELS, WEBHOOK_METHODS, findAction } from '../../stdlib/actions.js';
import type { ContextName, ContextTypeName, ManifestRefKind, OptionType } from '../../stdlib/catalog-types.js';

/** The catalog section of the design brief (language.md), in its order. */
const LANGUAGE_MD_EVENTS = [
  'ActionIssued', 'ProductActionIssued', 'CustomerLeftSite', 'ProductAddedToList', 'ProductListChanged',
  'AuthCodeRequested',
  'OrderStatusChanged', 'NewOrder', 'OrderChanged', 'OrderItemDelivered', 'OrderItemPaid',
  'SegmentEntered', 'SegmentExited',
  'CustomerCreated', 'CustomerRegistered', 'CustomersMerged', 'EmailChanged', 'EmailBecameValid',
  'EmailConfirmed', 'PhoneChanged', 'PhoneConfirmed', 'CustomerDataChanged', 'CustomerModifiedData',
  'CustomFieldChanged', 'SubscriptionStatusChanged',
  'ListProductBackInStock', 'ListProductOutOfStock', 'ListProductPriceDropped', 'ListProductPriceIncreased',
  'ListProductFieldChanged',
  'ViewedProductBackInStock', 'ViewedProductOutOfStock', 'ViewedProductPriceDropped',
  'ViewedProductPriceIncreased', 'ViewedProductFieldChanged', 'ProductViewed', 'PreferredProductChanged',
  'PreferredProductPriceDropped',
  'BalanceNegative', 'PointsAvailable', 'BalanceChanged', 'PromoCodeIssued', 'PromoCodeApplied',
  'ReferralPromoCodeUsed', 'DiscountCardStatusChanged', 'DiscountCardReplaced',
  'CampaignMessageStatus',
  'OperationCalled',
];

const CONTEXT_TYPES: Record<ContextName, ContextTypeName[]> = {
  order: ['Order'],
  item: ['OrderItem', 'ProductListItem', 'CustomerActionProduct'],
  product: ['Product'],
  action: ['CustomerAction'],
  view: ['ProductView'],
  session: ['Session'],
  promo: ['PromoCode'],
  balance: ['CustomerBalanceChange'],
  card: ['DiscountCardInfo'],
  params: ['CustomParameters'],
};

const REF_KINDS: ManifestRefKind[] = [
  'segment', 'productSegment', 'template', 'actionTemplate', 'customerField', 'orderField', 'productField',
  'calculatedField', 'operation', 'pointAccount', 'promoPool', 'brand', 'campaign', 'topic',
];

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function* enumValueLists(t: OptionType): Generator<readonly string[]> {
  if (t.kind === 'enum') yield t.values;
  if (t.kind === 'list') yield* enumValueLists(t.of);
}

function* refKinds(t: OptionType): Generator<ManifestRefKind> {
  if (t.kind === 'ref') {
    yield t.ref;
    yield* t.also ?? [];
  }
  if (t.kind === 'list') yield* refKinds(t.of);
}

describe('event catalog', () => {
  it('has every language.md event exactly once, and nothing else', () => {
    for (const name of LANGUAGE_MD_EVENTS) {
      expect(EVENTS.filter((e) => e.name === name), name).toHaveLength(1);
    }
    expect([...EVENT_NAMES].sort()).toEqual([...LANGUAGE_MD_EVENTS].sort());
  });

  it('has unique names, titles and docs', () => {
    expect(new Set(EVENT_NAMES).size).toBe(EVENTS.length);
    for (const e of EVENTS) {
      expect(e.name, e.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(e.title.trim(), e.name).not.toBe('');
      expect(e.doc.trim(), e.name).not.toBe('');
    }
  });

  it('types options soundly', () => {
    for (const e of EVENTS) {
      const names = e.options.map((o) => o.name);
      expect(new Set(names).size, `${e.name} option names`).toBe(names.length);
      for (const o of e.options) {
        const where = `${e.name}.${o.name}`;
        expect(o.name, where).toMatch(CAMEL);
        expect(o.doc.trim(), where).not.toBe('');
        if (o.required) expect(o.default, `${where}: required options have no default`).toBeUndefined();
        if (o.default !== undefined) expect(o.default.trim(), where).not.toBe('');
        for (const values of enumValueLists(o.type)) {
          expect(values.length, where).toBeGreaterThan(0);
          expect(new Set(values).size, where).toBe(values.length);
          for (const v of values) expect(v, where).toMatch(SNAKE);
        }
        for (const r of refKinds(o.type)) expect(REF_KINDS, where).toContain(r);
      }
    }
  });

  it('binds known contexts, and dynamic waits only read bound contexts', () => {
    for (const e of EVENTS) {
      for (const [name, type] of Object.entries(e.binds)) {
        expect(CONTEXT_TYPES[name as ContextName], `${e.name}.${name}`).toContain(type);
      }
      expect(new Set(e.dynamicWaits).size, e.name).toBe(e.dynamicWaits.length);
      for (const w of e.dynamicWaits) expect(Object.keys(e.binds), `${e.name} waits on ${w}`).toContain(w);
    }
  });

  it('names matchers as identifiers', () => {
    for (const e of EVENTS) expect(e.matcher, e.name).toMatch(IDENT);
  });

  it('keeps the product-specific semantics of 002', () => {
    expect(findEvent('OrderItemDelivered')?.cardinality).toBe('per_item');
    expect(findEvent('OrderItemPaid')?.cardinality).toBe('per_item');
    expect(findEvent('ProductListChanged')?.cardinality).toBe('once_per_batch');
    expect(findEvent('OrderStatusChanged')?.backdated).toBe('latest_only');
    expect(findEvent('OrderChanged')?.backdated).toBe('latest_only');
    expect(findEvent('ListProductPriceDropped')?.referencePrice).toBe('list');
    expect(findEvent('ViewedProductPriceDropped')?.referencePrice).toBe('view');
    expect(findEvent('PreferredProductPriceDropped')?.referencePrice).toBe('previous');
    expect(findEvent('DiscountCardStatusChanged')?.binds.card).toBe('DiscountCardInfo');
    for (const name of ['AuthCodeRequested', 'OrderStatusChanged', 'NewOrder', 'CustomerRegistered',
      'PhoneConfirmed', 'SubscriptionStatusChanged']) {
      expect(findEvent(name)?.transactional, name).toBe(true);
    }
    const at = findEvent('ActionIssued')!;
    expect(findOption(at, 'templates')).toMatchObject({
      type: { kind: 'list', of: { kind: 'ref', ref: 'actionTemplate' } },
      required: true,
    });
    expect(findOption(findEvent('OrderStatusChanged')!, 'scope')?.type).toEqual({
      kind: 'enum',
      values: ['order', 'all_items', 'any_item'],
    });
    expect(findOption(findEvent('ListProductPriceDropped')!, 'by')?.type).toEqual({ kind: 'threshold' });
    // Every price-change event has a reference price and a threshold; every regional one is a product event.
    for (const e of EVENTS) {
      if (e.referencePrice) expect(findOption(e, 'by')?.type.kind, e.name).toBe('threshold');
      if (e.regional) expect(['list_product', 'viewed_product'], e.name).toContain(e.category);
    }
  });
});

describe('catalog lookups', () => {
  it('finds events by exact name', () => {
    expect(findEvent('NewOrder')?.title).toBe('New order');
    expect(findEvent('neworder')).toBeUndefined();
    expect(findEvent('Nope')).toBeUndefined();
  });

  it('groups every event under its category, in catalog order', () => {
    const groups = eventsByCategory();
    const flat = [...groups.values()].flat();
    expect(flat.map((e) => e.name)).toEqual(EVENT_NAMES);
    for (const [category, events] of groups) {
      expect(CATEGORY_TITLES[category]).toBeTruthy();
      for (const e of events) expect(e.category).toBe(category);
    }
    expect(groups.get('segment')?.map((e) => e.name)).toEqual(['SegmentEntered', 'SegmentExited']);
  });
});

describe('actions', () => {
  it('lists channels and methods', () => {
    expect(CHANNELS).toEqual(['email', 'sms', 'push', 'webpush', 'whatsapp', 'flashcall', 'viber']);
    expect(WEBHOOK_METHODS).toEqual(['get', 'post', 'put', 'patch', 'delete']);
  });

  it('describes every action with a contracts.md effect code', () => {
    const effects = ACTIONS.map((a) => a.effect);
    expect(new Set(effects)).toEqual(
      new Set(['send', 'webhook', 'promo', 'points', 'set', 'segment_add', 'segment_remove']),
    );
    expect(new Set(ACTIONS.map((a) => a.name)).size).toBe(ACTIONS.length);
    for (const a of ACTIONS) {
      expect(a.doc.trim(), a.name).not.toBe('');
      expect(a.syntax.startsWith(a.keywords.join(' ')), a.name).toBe(true);
      expect(a.example.startsWith(a.keywords.join(' ')), a.name).toBe(true);
      expect(findAction(a.name)).toBe(a);
    }
  });
});
