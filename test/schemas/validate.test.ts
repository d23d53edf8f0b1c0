import { describe, it, expect } from 'vitest';
import {
  createValidator,
  validateContext,
  validateControl,
  validateCustomer,
  validateEvent,
  validateManifest,
  type ValidationResult,
} from '../../schemas/index.js';
import { clone, contractControlLines, contractEvent, contractManifest, contractProfile } from './fixtures.js';

function errorsOf(result: ValidationResult): Array<{ path: string; message: string }> {
  return result.ok ? [] : result.errors;
}

function paths(result: ValidationResult): string[] {
  return errorsOf(result).map((e) => e.path);
}

describe('contracts.md examples', () => {
  it('the manifest validates', () => {
    expect(validateManifest(contractManifest)).toEqual({ ok: true });
  });

  it('the event validates', () => {
    expect(validateEvent(contractEvent)).toEqual({ ok: true });
  });

  it('the customer profile validates, as a profile and as an event profile update', () => {
    expect(validateCustomer(contractProfile)).toEqual({ ok: true });
    const { id: _id, ...partial } = contractProfile;
    expect(validateEvent({ ...contractEvent, profile: partial })).toEqual({ ok: true });
    expect(validateEvent({ ...contractEvent, profile: { emailStatus: 'invalid' } })).toEqual({ ok: true });
  });

  it('the control lines validate', () => {
    for (const line of contractControlLines) expect(validateControl(line)).toEqual({ ok: true });
  });

  it('an empty manifest is valid (files outside a project)', () => {
    expect(validateManifest({})).toEqual({ ok: true });
  });

  it('the manifest extensions validate', () => {
    const manifest = {
      ...contractManifest,
      $schema: 'https://schemas.runnel.dev/manifest.schema.json',
      templates: { ...contractManifest.templates, whatsapp: ['w'], flashcall: [], viber: ['v'] },
      productSegments: ['shoes'],
      actionTemplates: ['order-created'],
      calculatedFields: ['mostViewedProduct'],
      campaigns: ['spring-sale'],
      topics: ['news'],
      budgets: { sms: { limit: 1000, period: 'day' } },
      webhooks: { allowPrivateNetworks: false, allowedHosts: ['hooks.example.com'] },
    };
    expect(validateManifest(manifest)).toEqual({ ok: true });
  });

  it('events carrying every context object validate', () => {
    const event = {
      id: 'e-2',
      type: 'ListProductPriceDropped',
      customer: 'c1',
      at: '2026-06-06T20:00:00Z',
      brand: 'main',
      item: { list: 'cart', productId: 'p1', quantity: 1, price: 100, addedAt: '2026-06-01T10:00:00Z' },
      product: {
        id: 'p1',
        name: 'Boots',
        price: 80,
        available: true,
        expiresAt: '2026-12-31T00:00:00Z',
        regions: { eu: { available: true, price: 79 } },
        fields: { color: 'red' },
      },
      view: { productId: 'p1', price: 100 },
      session: { id: 's1', endedAt: '2026-06-06T20:30:00Z', actions: ['product_viewed'], hasOrder: false },
      promo: { code: 'WELCOME-1', pool: 'WELCOME10', kind: 'single_use' },
      balance: { account: 'main', amount: -50, balance: -10, kind: 'deduction' },
      card: { number: '0001', status: 'activated' },
      params: { amount: 10 },
    };
    expect(validateEvent(event)).toEqual({ ok: true });
  });
});

describe('invalid documents report the right JSON pointer', () => {
  it('a misspelt top-level manifest key, with a suggestion', () => {
    const result = validateManifest({ ...contractManifest, segmnts: ['vip'] });
    expect(errorsOf(result)).toEqual([{ path: '/segmnts', message: expect.stringContaining('did you mean "segments"') }]);
  });

  it('a misspelt template channel', () => {
    const result = validateManifest({ ...contractManifest, templates: { emial: ['welcome'] } });
    expect(errorsOf(result)).toEqual([{ path: '/templates/emial', message: expect.stringContaining('"email"') }]);
  });

  it('template names that are not strings, and duplicates', () => {
    const result = validateManifest({ templates: { email: ['welcome', 3, 'welcome'] } });
    expect(paths(result).sort()).toEqual(['/templates/email/1', '/templates/email/2']);
  });

  it('a folder path is escaped in the pointer', () => {
    const result = validateManifest({ folders: { 'flows/vip': { segmnt: 'vip' } } });
    expect(paths(result).sort()).toEqual(['/folders/flows~1vip/segment', '/folders/flows~1vip/segmnt']);
  });

  it('a budget with a bad period and a fractional limit', () => {
    const result = validateManifest({ budgets: { sms: { limit: 1.5, period: 'year' } } });
    expect(paths(result).sort()).toEqual(['/budgets/sms/limit', '/budgets/sms/period']);
  });

  it('an unknown custom field owner', () => {
    expect(paths(validateManifest({ customFields: { client: {} } }))).toEqual(['/customFields/client']);
  });

  it('a wrong type for order.total', () => {
    const event = clone(contractEvent) as { order: { total: unknown } };
    event.order.total = 'abc';
    const result = validateEvent(event);
    expect(errorsOf(result)).toEqual([{ path: '/order/total', message: 'must be a number, not "abc"' }]);
  });

  it('a missing order item field', () => {
    const event = clone(contractEvent) as { order: { items: Array<Record<string, unknown>> } };
    delete event.order.items[0]!.quantity;
    expect(paths(validateEvent(event))).toEqual(['/order/items/0/quantity']);
  });

  it('a bad emailStatus, in a profile and in an event profile update', () => {
    const result = validateCustomer({ ...contractProfile, emailStatus: 'vaild' });
    expect(errorsOf(result)).toEqual([
      { path: '/emailStatus', message: 'must be one of "valid", "invalid", "unknown"; did you mean "valid"?' },
    ]);
    expect(paths(validateEvent({ ...contractEvent, profile: { emailStatus: 'bad' } }))).toEqual([
      '/profile/emailStatus',
    ]);
  });

  it('a bad subscription status and topic', () => {
    const result = validateCustomer({
      id: 'c1',
      subscriptions: [{ brand: 'main', channel: 'email', topic: 5, status: 'maybe' }],
    });
    expect(paths(result).sort()).toEqual(['/subscriptions/0/status', '/subscriptions/0/topic']);
  });

  it('a customer profile without id', () => {
    const { id: _id, ...rest } = contractProfile;
    expect(paths(validateCustomer(rest))).toEqual(['/id']);
  });

  it('a missing event id', () => {
    const { id: _id, ...rest } = contractEvent;
    expect(errorsOf(validateEvent(rest))).toEqual([{ path: '/id', message: '"id" is required' }]);
  });

  it('an event time without a time zone', () => {
    expect(paths(validateEvent({ ...contractEvent, at: '2026-06-06 20:00' }))).toEqual(['/at']);
  });

  it('enum-typed context fields', () => {
    const event = {
      ...contractEvent,
      card: { number: '1', status: 'lost' },
      promo: { code: 'X', kind: 'once' },
      balance: { account: 'main', amount: 1, kind: 'bonus' },
      session: { id: 's', endedAt: '2026-06-06T20:30:00Z', actions: ['page_viewed'], hasOrder: false },
    };
    expect(paths(validateEvent(event)).sort()).toEqual([
      '/balance/kind',
      '/card/status',
      '/promo/kind',
      '/session/actions/0',
    ]);
  });

  it('not an object at all', () => {
    expect(errorsOf(validateEvent([]))).toEqual([{ path: '', message: 'must be an object, not a list' }]);
    expect(paths(validateManifest('shop'))).toEqual(['']);
  });

  it('control lines need a source (launch) or a flow (pause, resume, stop)', () => {
    expect(paths(validateControl({ control: 'launch', at: '2026-06-07T00:00:00Z' }))).toEqual(['/source']);
    expect(paths(validateControl({ control: 'pause', at: '2026-06-07T00:00:00Z' }))).toEqual(['/flow']);
    expect(paths(validateControl({ control: 'restart', at: '2026-06-07T00:00:00Z' }))).toEqual(['/control']);
  });

  it('validateContext checks an item once its type is known', () => {
    expect(validateContext('ProductListItem', { list: 'cart', productId: 'p1', quantity: 1, price: 5 })).toEqual({
      ok: true,
    });
    expect(paths(validateContext('OrderItem', { id: 'i1', productId: 'p1', status: 'new', price: 1 }))).toEqual([
      '/quantity',
    ]);
  });
});

describe('createValidator', () => {
  it('compiles every schema in strict mode and returns a fresh instance each time', () => {
    const ajv = createValidator();
    for (const id of [
      'https://schemas.runnel.dev/manifest.schema.json',
      'https://schemas.runnel.dev/event.schema.json',
      'https://schemas.runnel.dev/control.schema.json',
      'https://schemas.runnel.dev/context/Customer.schema.json',
      'https://schemas.runnel.dev/context/Order.schema.json',
    ]) {
      expect(typeof ajv.getSchema(id)).toBe('function');
    }
    expect(createValidator()).not.toBe(ajv);
  });

  it('validates formats', () => {
    const validate = createValidator().getSchema('https://schemas.runnel.dev/context/PromoCode.schema.json')!;
    expect(validate({ code: 'X', issuedAt: 'yesterday' })).toBe(false);
    expect(validate({ code: 'X', issuedAt: '2026-06-06T20:00:00+02:00' })).toBe(true);
  });
});
