/**
 * A realistic day of a web shop, for `npm run demo` and bench/engine.bench.ts: customer profiles
 * and one day of events (contracts.md) for examples/shop. Deterministic: same seed, same data.
 *
 * The day is Tuesday 2026-11-24 (Black Friday week, so double_points_week is on). What happens:
 * - a nightly segment recalculation (customers enter "lapsed", a few become VIPs);
 * - a morning feed update: some products get cheaper, and the customers who keep them on a wish
 *   list or in a cart get ListProductPriceDropped;
 * - registrations (with a double opt-in for those who tick the marketing box, most confirm);
 * - sessions that end (CustomerLeftSite), some with a cart left behind, some with an order; some
 *   cart abandoners come back and order within hours;
 * - new orders, each with its loyalty points award and the checkout operation, then paid;
 * - older orders shipped (with a planned delivery date) and delivered (per delivered line, an
 *   OrderItemDelivered), a few cancelled;
 * - promotional points that expire soon, points spent on orders, unsubscribes;
 * - what real feeds also deliver: retried events (duplicate ids), a store upload of old orders
 *   (historical), and a few malformed events.
 *
 * Events use the catalog's envelope (stdlib/matchers.ts): `segment` for SegmentEntered,
 * `subscription` for SubscriptionStatusChanged, `operation` for OperationCalled, product segments
 * in `product.segments`.
 */

export const DEMO_DAY = '2026-11-24';
const DAY_MS = 86_400_000;
const H = 3_600_000;
const MIN = 60_000;

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;

interface Subscription {
  brand: string;
  channel: string;
  topic: string | null;
  status: 'subscribed' | 'pending' | 'unsubscribed';
}

interface Profile {
  id: string;
  firstName: string;
  lastName: string;
  email?: string;
  emailStatus?: 'valid' | 'invalid' | 'unknown';
  phone?: string;
  phoneStatus?: 'valid' | 'invalid' | 'unknown';
  segments: string[];
  zone: string;
  subscriptions: Subscription[];
  mobilePush: boolean;
  webPush: boolean;
  createdAt: string;
  fields: Json;
}

interface Product {
  id: string;
  name: string;
  price: number;
  currency: string;
  available: boolean;
  url: string;
  imageUrl: string;
  segments: string[];
  fields: Json;
}

export interface DemoData {
  day: string;
  /** Epoch ms of the day's start and end (UTC). */
  start: number;
  end: number;
  /** End of day plus a week: the `--until` of the demo. */
  until: string;
  customers: Json[];
  /** In time order (receivedAt, else at). */
  events: Json[];
  /** What the generator put in, for the summary: counts by kind. */
  made: Record<string, number>;
}

export interface DemoOptions {
  /** Existing customers in the database at the start of the day (default 5000). */
  customers?: number;
  seed?: number;
}

const FIRST = ['Ann', 'Ben', 'Clara', 'David', 'Eva', 'Felix', 'Greta', 'Hannah', 'Ivan', 'Jonas', 'Karin', 'Lea', 'Max', 'Nina', 'Oskar', 'Paula', 'Quentin', 'Rosa', 'Sami', 'Tina', 'Uwe', 'Vera', 'Wim', 'Yara', 'Zoe'];
const LAST = ['Lee', 'Meyer', 'Schulz', 'Novak', 'Rossi', 'Dubois', 'Kowalski', 'Jensen', 'Garcia', 'Weber', 'Becker', 'Hoffmann', 'Fischer', 'Wagner', 'Berg'];
const ADJ = ['Merino', 'Linen', 'Canvas', 'Leather', 'Wool', 'Cotton', 'Bamboo', 'Ceramic', 'Oak', 'Steel'];
const NOUN = ['scarf', 'tote bag', 'sneakers', 'jacket', 'mug', 'lamp', 'backpack', 'watch', 'blanket', 'socks', 'cable', 'wallet'];
const STORES = ['berlin-mitte', 'hamburg', 'munich', 'cologne', 'online'];

export function generateDemoDay(opts: DemoOptions = {}): DemoData {
  const N = opts.customers ?? 5000;
  const r = rng(opts.seed ?? 20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number) => r() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const money = (x: number) => Math.round(x * 100) / 100;
  const start = Date.parse(`${DEMO_DAY}T00:00:00Z`);
  const end = start + DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  // Shop traffic by hour (UTC; Berlin is UTC+1): quiet nights, a lunch bump, a busy evening.
  const HOURS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 9, 8, 7, 7, 8, 10, 12, 13, 12, 9, 5, 2];
  const hourSum = HOURS.reduce((a, b) => a + b, 0);
  const busyTime = (): number => {
    let x = r() * hourSum;
    let h = 0;
    while (x >= HOURS[h]!) x -= HOURS[h++]!;
    return start + h * H + Math.floor(r() * H);
  };
  const made: Record<string, number> = {};
  const count = (k: string, n = 1) => (made[k] = (made[k] ?? 0) + n);

  // ---------------------------------------------------------------- catalog
  const products: Product[] = [];
  for (let i = 1; i <= 150; i++) {
    const price = money(Math.exp(Math.log(4) + r() * (Math.log(450) - Math.log(4))));
    const segments: string[] = [];
    if (price >= 12 && i % 5 !== 0) segments.push('reviewable');
    if (chance(0.75)) segments.push('wishlist-eligible');
    if (chance(0.25)) segments.push('high-margin');
    const name = `${ADJ[i % ADJ.length]} ${NOUN[(i * 7) % NOUN.length]}`;
    products.push({
      id: `p${i}`,
      name,
      price,
      currency: 'EUR',
      available: chance(0.92),
      url: `https://shop.example.com/p/${i}`,
      imageUrl: `https://cdn.shop.example.com/p/${i}.jpg`,
      segments,
      fields: { brandName: pick(['Nordkind', 'Stadtlicht', 'Fjell', 'Kiez']), reviewable: segments.includes('reviewable'), margin: money(0.1 + r() * 0.5) },
    });
  }

  // ---------------------------------------------------------------- customers
  const profiles: Profile[] = [];
  const makeProfile = (id: string, createdAt: number, existing: boolean): Profile => {
    const firstName = pick(FIRST);
    const lastName = pick(LAST);
    const p: Profile = {
      id,
      firstName,
      lastName,
      segments: [],
      zone: pick(['de', 'de', 'de', 'at', 'ch']),
      subscriptions: [],
      mobilePush: chance(0.3),
      webPush: chance(0.25),
      createdAt: iso(createdAt),
      fields: {},
    };
    if (chance(0.93)) {
      p.email = `${firstName}.${lastName}.${id}@example.com`.toLowerCase();
      const s = r();
      p.emailStatus = s < 0.84 ? 'valid' : s < 0.9 ? 'invalid' : 'unknown';
    }
    if (chance(0.55)) {
      p.phone = `+4915${String(int(1_000_000, 9_999_999))}`;
      p.phoneStatus = chance(0.88) ? 'valid' : 'unknown';
    }
    const f = p.fields;
    if (chance(0.85)) f['birthday'] = `${int(1950, 2006)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
    f['marketingConsent'] = chance(0.6);
    if (chance(0.5)) f['preferredStore'] = pick(STORES);
    if (existing) {
      const t = r();
      f['tier'] = t < 0.6 ? 'bronze' : t < 0.85 ? 'silver' : t < 0.97 ? 'gold' : 'platinum';
      f['reviewsWritten'] = chance(0.2) ? int(1, 12) : 0;
      if (f['marketingConsent'] === true && chance(0.8)) p.segments.push('newsletter');
      if (chance(0.04)) p.segments.push('vip');
      if (chance(0.05)) p.segments.push('lapsed');
      if (chance(0.02)) p.segments.push('cart-abandoners');
      if (p.email) {
        const s = r();
        p.subscriptions.push({ brand: 'shop', channel: 'email', topic: null, status: s < 0.62 ? 'subscribed' : s < 0.97 ? 'unsubscribed' : 'pending' });
        if (chance(0.45)) p.subscriptions.push({ brand: 'shop', channel: 'email', topic: 'offers', status: 'subscribed' });
      }
      if (p.phone && chance(0.35)) p.subscriptions.push({ brand: 'shop', channel: 'sms', topic: null, status: 'subscribed' });
    }
    return p;
  };
  for (let i = 1; i <= N; i++) profiles.push(makeProfile(`c${i}`, start - int(30, 1500) * DAY_MS, true));
  const customers = profiles.map((p) => structuredClone(p) as unknown as Json);

  // ---------------------------------------------------------------- events
  const events: Json[] = [];
  let seq = 0;
  const ev = (type: string, customer: string, at: number, body: Json = {}, receivedAt?: number): Json => {
    const e: Json = { id: `e-${++seq}`, type, customer, at: iso(at), ...(receivedAt !== undefined ? { receivedAt: iso(receivedAt) } : {}), ...body };
    events.push(e);
    count(type);
    return e;
  };
  let actions = 0;
  const action = (template: string, at: number): Json => ({ id: `a-${++actions}`, template, at: iso(at), channel: pick(['website', 'website', 'mobile-app', 'store']) });
  let orders = 0;
  const orderItems = (at: number, status: string): Json[] =>
    Array.from({ length: chance(0.55) ? 1 : int(2, 5) }, (_, k) => {
      const p = pick(products);
      return { id: `l${k + 1}`, productId: p.id, status, price: p.price, quantity: chance(0.85) ? 1 : int(2, 3), statusChangedAt: iso(at) };
    });
  const makeOrder = (at: number, status: string, createdAt = at): Json => {
    const items = orderItems(at, status);
    const subtotal = money(items.reduce((s, it) => s + (it['price'] as number) * (it['quantity'] as number), 0));
    const discount = chance(0.2) ? money(subtotal * 0.1) : 0;
    return {
      id: `o-${++orders}`,
      status,
      total: money(subtotal - discount),
      subtotal,
      discount,
      currency: 'EUR',
      createdAt: iso(createdAt),
      updatedAt: iso(at),
      items,
      brand: 'shop',
      fields: { salesChannel: pick(['web', 'web', 'app', 'store']), giftWrap: chance(0.12) },
    };
  };
  const points: Record<string, number> = {};

  /** A new order now, with what the shop sends around it. */
  const newOrder = (c: Profile, at: number): void => {
    const order = makeOrder(at, 'new');
    ev('NewOrder', c.id, at, { brand: 'shop', order, action: action('order-created', at) });
    const amount = Math.floor(order['total'] as number);
    if (amount > 0) {
      points[c.id] = (points[c.id] ?? 0) + amount;
      ev('BalanceChanged', c.id, at + 5_000, { balance: { account: 'main', amount, balance: points[c.id], kind: 'award', at: iso(at), expiresAt: iso(at + 365 * DAY_MS) } });
    }
    ev('OperationCalled', c.id, at + 2_000, { operation: 'checkout-completed', params: { amount: order['total'], currency: 'EUR', orderId: order['id'] } });
    if (chance(0.1) && (points[c.id] ?? 0) > 50) {
      const spent = int(20, Math.min(500, points[c.id]!));
      points[c.id]! -= spent;
      ev('BalanceChanged', c.id, at + 1_000, { balance: { account: 'main', amount: -spent, balance: points[c.id], kind: 'deduction', at: iso(at) } });
    }
    if (chance(0.93)) {
      const paidAt = at + int(1, 20) * MIN;
      if (paidAt < end) ev('OrderStatusChanged', c.id, paidAt, { brand: 'shop', order: { ...order, status: 'paid', updatedAt: iso(paidAt), items: (order['items'] as Json[]).map((it) => ({ ...it, status: 'paid', statusChangedAt: iso(paidAt) })) }, action: action('order-created', paidAt) });
    } else {
      const cancelledAt = at + int(10, 180) * MIN;
      if (cancelledAt < end) ev('OrderStatusChanged', c.id, cancelledAt, { brand: 'shop', order: { ...order, status: 'cancelled', updatedAt: iso(cancelledAt) }, action: action('order-created', cancelledAt) });
    }
  };

  // 03:00 nightly segment recalculation.
  for (const c of profiles) {
    const t = start + 3 * H + int(0, 20) * MIN;
    if (!c.segments.includes('lapsed') && chance(0.025)) {
      c.segments = [...c.segments, 'lapsed'];
      ev('SegmentEntered', c.id, t, { segment: 'lapsed', profile: { segments: c.segments } });
    } else if (!c.segments.includes('vip') && chance(0.005)) {
      c.segments = [...c.segments, 'vip'];
      ev('SegmentEntered', c.id, t, { segment: 'vip', profile: { segments: c.segments } });
    }
  }

  // 06:00 feed update: price drops, sent to the customers with the product on a list.
  const dropped = [...products].sort(() => r() - 0.5).slice(0, 12);
  dropped.forEach((p, k) => {
    const pct = k === 11 ? 0.05 : 0.1 + r() * 0.25; // the last one: a small 5% change
    const newPrice = money(p.price * (1 - pct));
    const t = start + 6 * H + k * MIN;
    const holders = int(20, 80);
    for (let j = 0; j < holders; j++) {
      const c = pick(profiles);
      const list = chance(0.7) ? 'wishlist' : 'cart';
      ev('ListProductPriceDropped', c.id, t + j * 1000, {
        item: { list, productId: p.id, quantity: 1, price: p.price, addedAt: iso(start - int(1, 60) * DAY_MS) },
        product: { ...p, price: newPrice, oldPrice: p.price },
        // The feed as it was before this update (the matchers compare with it).
        previous: { products: { [p.id]: { ...p } } },
      });
    }
    p.price = newPrice;
  });

  // Registrations, with the double opt-in.
  const newcomers = Math.round(N * 0.06);
  for (let i = 0; i < newcomers; i++) {
    const t = busyTime();
    const c = makeProfile(`c${profiles.length + 1}`, t, false);
    profiles.push(c);
    const { id: _id, segments: _s, subscriptions: _sub, ...profile } = c;
    ev('CustomerRegistered', c.id, t, { profile });
    if (c.email && c.fields['marketingConsent'] === true) {
      const brand = chance(0.85) ? 'shop' : 'outlet';
      const sub: Subscription = { brand, channel: 'email', topic: null, status: 'pending' };
      c.subscriptions = [sub];
      ev('SubscriptionStatusChanged', c.id, t + 30_000, { brand, subscription: sub, profile: { subscriptions: c.subscriptions } });
      if (chance(0.55)) {
        const confirmed: Subscription = { ...sub, status: 'subscribed' };
        c.subscriptions = [confirmed];
        const ct = t + int(2, 600) * MIN;
        if (ct < end) ev('SubscriptionStatusChanged', c.id, ct, { brand, subscription: confirmed, profile: { subscriptions: c.subscriptions } });
      }
    }
  }

  // Sessions: browse, add to cart, leave; some order during the visit, some come back later.
  const sessions = Math.round(N * 0.5);
  for (let i = 0; i < sessions; i++) {
    const c = chance(0.9) ? profiles[int(0, N - 1)]! : pick(profiles);
    const endedAt = busyTime();
    const startedAt = endedAt - int(35, 90) * MIN;
    const acts = ['product_viewed'];
    if (chance(0.4)) acts.push('category_viewed');
    const added = chance(0.38);
    if (added) acts.push('product_added_to_list');
    const hasOrder = added && chance(0.3);
    if (hasOrder) newOrder(c, endedAt - 30 * MIN - int(1, 5) * MIN);
    ev('CustomerLeftSite', c.id, endedAt, { session: { id: `s-${i + 1}`, startedAt: iso(startedAt), endedAt: iso(endedAt), actions: acts, hasOrder, pageViews: int(2, 30) } });
    if (added && !hasOrder) {
      const x = r();
      const back = x < 0.12 ? endedAt + int(10, 110) * MIN : x < 0.2 ? endedAt + int(3, 20) * H : null;
      if (back !== null && back < end) newOrder(c, back);
    }
  }

  // Orders placed in the app or in stores, without a tracked session.
  for (let i = 0; i < Math.round(N * 0.08); i++) newOrder(pick(profiles), busyTime());

  // Big VIP orders (the personal shopper flow).
  for (const c of profiles.filter((p) => p.segments.includes('vip')).slice(0, 40)) {
    if (!chance(0.4)) continue;
    const t = busyTime();
    const order = makeOrder(t, 'new');
    const big = pick(products.filter((p) => p.price > 300)) ?? products[0]!;
    (order['items'] as Json[]).push({ id: 'l9', productId: big.id, status: 'new', price: big.price, quantity: 1, statusChangedAt: iso(t) });
    order['total'] = money((order['total'] as number) + big.price);
    ev('NewOrder', c.id, t, { brand: 'shop', order, action: action('order-created', t) });
  }

  // Older orders moving on: shipped (with the planned delivery date) and delivered.
  for (let i = 0; i < Math.round(N * 0.16); i++) {
    const c = pick(profiles.slice(0, N));
    const t = start + int(8, 17) * H + int(0, 59) * MIN;
    const order = makeOrder(t, 'shipped', t - int(1, 3) * DAY_MS);
    if (chance(0.9)) (order['fields'] as Json)['deliveryDate'] = iso(start + int(1, 4) * DAY_MS + int(9, 17) * H);
    ev('OrderStatusChanged', c.id, t, { brand: 'shop', order, action: action('order-created', t) });
  }
  for (let i = 0; i < Math.round(N * 0.12); i++) {
    const c = pick(profiles.slice(0, N));
    const t = start + int(9, 19) * H + int(0, 59) * MIN;
    const order = makeOrder(t, 'delivered', t - int(3, 7) * DAY_MS);
    ev('OrderStatusChanged', c.id, t, { brand: 'shop', order, action: action('order-created', t) });
    for (const it of order['items'] as Json[]) {
      const p = products[Number(String(it['productId']).slice(1)) - 1]!;
      ev('OrderItemDelivered', c.id, t + 1000, { item: { ...it, status: 'delivered', statusChangedAt: iso(t) }, product: p });
    }
  }

  // Promotional points that expire in 8 to 12 days (the points_expiring flow), and some in 3 days.
  for (let i = 0; i < Math.round(N * 0.03); i++) {
    const c = pick(profiles.slice(0, N));
    const t = start + 10 * H + int(0, 120) * MIN;
    const amount = pick([50, 100, 200]);
    points[c.id] = (points[c.id] ?? 0) + amount;
    const expiresAt = start + (chance(0.85) ? int(8, 12) : 3) * DAY_MS + 23 * H;
    ev('BalanceChanged', c.id, t, { balance: { account: 'main', amount, balance: points[c.id], kind: 'award', at: iso(t), expiresAt: iso(expiresAt) } });
  }

  // Unsubscribes (an email footer link).
  for (let i = 0; i < Math.round(N * 0.012); i++) {
    const c = pick(profiles.slice(0, N));
    if (!c.subscriptions.length) continue;
    const t = busyTime();
    c.subscriptions = c.subscriptions.map((s) => (s.channel === 'email' && s.topic === null ? { ...s, status: 'unsubscribed' as const } : s));
    ev('SubscriptionStatusChanged', c.id, t, { brand: 'shop', subscription: { brand: 'shop', channel: 'email', topic: null, status: 'unsubscribed' }, profile: { subscriptions: c.subscriptions } });
  }

  // Noise real feeds deliver: retries of the same event, an upload of old store orders, malformed lines.
  const retried = events.filter(() => chance(0.002));
  for (const e of retried) {
    const t = Date.parse(String(e['at'])) + int(5, 90) * 1000;
    events.push({ ...e, receivedAt: iso(t) });
    count('(retried event: same id)');
  }
  for (let i = 0; i < 25; i++) {
    const c = pick(profiles.slice(0, N));
    const at = start - int(8, 20) * DAY_MS;
    ev('NewOrder', c.id, at, { brand: 'shop', order: { ...makeOrder(at, 'new'), fields: { salesChannel: 'store' } }, action: action('order-created', at) }, start + 2 * H + i * 1000);
  }
  for (let i = 0; i < 6; i++) {
    const c = pick(profiles.slice(0, N));
    const t = busyTime();
    ev('NewOrder', c.id, t, { brand: 'shop', order: { id: `o-bad-${i}`, status: 'new', items: [] } });
  }

  const time = (e: Json) => Date.parse(String(e['receivedAt'] ?? e['at']));
  events.sort((a, b) => time(a) - time(b));
  return { day: DEMO_DAY, start, end, until: iso(end + 7 * DAY_MS), customers, events, made: { ...made, customers: N, 'new customers': newcomers } };
}

export function toJsonl(rows: readonly Json[]): string {
  return rows.map((x) => JSON.stringify(x)).join('\n') + '\n';
}
