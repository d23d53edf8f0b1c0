/** The examples of contracts.md, verbatim. */
export const contractManifest = {
  name: 'shop',
  timezone: 'UTC',
  brands: ['main'],
  templates: { email: ['welcome', 'confirm-subscription'], sms: ['promo'], push: [], webpush: [] },
  segments: ['vip', 'cart-abandoners'],
  pointAccounts: ['main'],
  promoPools: ['WELCOME10'],
  customFields: {
    customer: {
      tier: { type: 'string', enum: ['bronze', 'silver', 'gold'] },
      birthday: { type: 'string', format: 'date' },
    },
    order: { deliveryDate: { type: 'string', format: 'date-time' } },
    product: {},
    action: {},
  },
  operations: {
    'checkout-completed': {
      type: 'object',
      properties: { amount: { type: 'number' } },
      required: ['amount'],
    },
  },
  folders: { 'flows/vip': { segment: 'vip' } },
};

export const contractEvent = {
  id: 'e-1001',
  type: 'NewOrder',
  customer: 'c1',
  at: '2026-06-06T20:00:00Z',
  receivedAt: '2026-06-10T10:00:00Z',
  order: {
    id: 'o-77',
    status: 'new',
    total: 120.5,
    items: [{ id: 'i1', productId: 'p1', status: 'new', price: 60.25, quantity: 2 }],
  },
  action: { id: 'a-5', template: 'order-created', at: '2026-06-06T20:00:00Z' },
};

export const contractProfile = {
  id: 'c1',
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann@example.com',
  emailStatus: 'valid',
  phone: '+15550100',
  phoneStatus: 'valid',
  segments: ['vip'],
  zone: 'eu',
  subscriptions: [{ brand: 'main', channel: 'email', topic: null, status: 'subscribed' }],
  mobilePush: true,
  webPush: false,
  fields: { tier: 'gold', birthday: '1990-04-01' },
};

export const contractControlLines = [
  { control: 'launch', at: '2026-06-07T00:00:00Z', source: 'path/to/v2.flow' },
  { control: 'pause', flow: 'confirm_subscription', at: '2026-06-07T00:00:00Z' },
  { control: 'resume', flow: 'confirm_subscription', at: '2026-06-08T00:00:00Z' },
  { control: 'stop', flow: 'confirm_subscription', at: '2026-06-09T00:00:00Z' },
];

/** A deep copy to mutate in a test. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
