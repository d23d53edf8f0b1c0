/**
 * Completion, one table per context: the cursor is the `|` in each source. Most rows check that
 * some labels are offered and some are not; a few check kinds, ranges and insert texts.
 */
import { describe, expect, it } from 'vitest';
import { completion, type CompletionItem } from '../../compiler/services/index.js';
import { cursor, flow, projectOf, PATH } from './helpers.js';

function complete(src: string, manifest?: string | null): { items: CompletionItem[]; text: string; offset: number } {
  const { text, offset } = cursor(src);
  return { items: completion(projectOf(text, manifest), PATH, offset), text, offset };
}
const labels = (src: string, manifest?: string | null): string[] => complete(src, manifest).items.map((i) => i.label);

interface Row {
  name: string;
  src: string;
  has?: string[];
  not?: string[];
  /** Exactly these labels (in any order). */
  only?: string[];
}

function table(rows: Row[]): void {
  for (const r of rows) {
    it(r.name, () => {
      const got = labels(r.src);
      if (r.only) expect([...got].sort()).toEqual([...r.only].sort());
      for (const l of r.has ?? []) expect(got, `expected ${l} in ${got.join(', ')}`).toContain(l);
      for (const l of r.not ?? []) expect(got, `did not expect ${l}`).not.toContain(l);
    });
  }
}

const SETTINGS_TRIGGERS_BLOCKS = ['entry', 'relevance', 'active', 'timezone', 'brand', 'exit on', 'on', 'every', 'steps', 'wait', 'if', 'split', 'parallel', 'limit', 'stop'];
const ACTION_WORDS = ['send', 'webhook', 'issue promo', 'award', 'set', 'add to segment', 'remove from segment'];

describe('keywords where a statement starts', () => {
  table([
    { name: 'outside any flow: flow', src: '|', has: ['flow', 'flow { }'] },
    { name: 'flow level: settings, triggers and blocks', src: 'flow f {\n  |\n}', has: SETTINGS_TRIGGERS_BLOCKS, not: ['send', 'branch'] },
    { name: 'flow level after a trigger, new line: when too', src: 'flow f {\n  on NewOrder\n  |\n}', has: ['when', ...SETTINGS_TRIGGERS_BLOCKS] },
    { name: 'same line after a trigger: only when', src: 'flow f {\n  on NewOrder |\n}', only: ['when'] },
    { name: 'inside steps: actions only', src: flow('steps a {\n    |\n  }'), has: ACTION_WORDS, not: ['steps', 'wait', 'entry', 'on'] },
    { name: 'inside steps after an action', src: flow('steps a {\n    send email "welcome"\n    |\n  }'), has: ACTION_WORDS, not: ['if'] },
    { name: 'inside an if: blocks only', src: flow('if customer.email.valid {\n    |\n  }'), has: ['steps', 'wait', 'if', 'split', 'parallel', 'limit', 'stop'], not: ['entry', 'on', 'send'] },
    { name: 'after an if: else', src: flow('if customer.email.valid {\n    stop\n  }\n  |'), has: ['else', 'steps', 'wait'] },
    { name: 'after a limit: else', src: flow('limit 10 per day {\n    stop\n  }\n  |'), has: ['else'] },
    { name: 'after wait for: timeout', src: flow('wait for NewOrder up to 2h {\n    stop\n  } |'), has: ['timeout'] },
    { name: 'inside a wait for branch: blocks', src: flow('wait for NewOrder up to 2h {\n    |\n  }'), has: ['steps', 'stop'], not: ['send'] },
    { name: 'inside parallel: branch', src: flow('parallel p {\n    |\n  }'), has: ['branch', 'branch { }'], not: ['steps'] },
    { name: 'inside a parallel branch: blocks', src: flow('parallel p {\n    branch a {\n      |\n    }\n  }'), has: ['steps', 'wait'] },
    { name: 'inside split: a variant snippet', src: flow('split s {\n    |\n  }'), has: ['50% variant { }'], not: ['steps'] },
    { name: 'inside a split variant: blocks', src: flow('split s {\n    50% a {\n      |\n    }\n  }'), has: ['steps'] },
    { name: 'an unclosed steps block ends at the next block keyword', src: flow('steps a {\n    send email "welcome"\n  wait 1d\n  |'), has: ['steps', 'wait'], not: ['send'] },
    { name: 'a second flow', src: 'flow a {\n  on NewOrder\n  stop\n}\n\nflow b {\n  |\n}', has: ['entry', 'on'] },
    { name: 'after a flow: flow', src: 'flow a {\n  on NewOrder\n  stop\n}\n|', has: ['flow'] },
  ]);

  it('keywords carry their syntax and documentation, and replace the word typed so far', () => {
    const { items, offset } = complete('flow f {\n  rel|\n}');
    const rel = items.find((i) => i.label === 'relevance')!;
    expect(rel.kind).toBe('keyword');
    expect(rel.detail).toBe('relevance <duration>');
    expect(rel.documentation).toMatch(/How late a step group may still run/);
    expect(rel.range).toEqual({ start: offset - 3, end: offset });
  });

  it('the whole word under the cursor is replaced', () => {
    const { items, offset } = complete('flow f {\n  en|try once\n}');
    expect(items[0]!.range).toEqual({ start: offset - 2, end: offset + 3 });
  });

  it('snippets use snippet syntax', () => {
    const { items } = complete(flow('|'));
    const s = items.find((i) => i.label === 'steps { }')!;
    expect(s.kind).toBe('snippet');
    expect(s.insertText).toContain('${1:id}');
  });
});

describe('keywords inside a statement', () => {
  table([
    { name: 'entry', src: 'flow f {\n  entry |\n}', only: ['once', 'always', 'every'] },
    { name: 'active', src: 'flow f {\n  active |\n}', only: ['from', 'until'] },
    { name: 'active from <date>', src: 'flow f {\n  active from 2026-01-01 |\n}', has: ['until'] },
    { name: 'exit', src: 'flow f {\n  exit |\n}', only: ['on'] },
    { name: 'exit on <Event>', src: 'flow f {\n  exit on NewOrder |\n}', only: ['where'] },
    { name: 'wait', src: flow('wait |'), only: ['until', 'for', 'within'] },
    { name: 'wait <id>', src: flow('wait w |'), only: ['until', 'for', 'within'] },
    { name: 'wait <duration>', src: flow('wait 1d |'), only: ['within'] },
    { name: 'wait within: days', src: flow('wait within |'), has: ['mon', 'fri', 'sun'] },
    { name: 'wait within mon..: days', src: flow('wait within mon..|'), has: ['fri'] },
    { name: 'wait until <date>', src: flow('wait until order.createdAt + 1d |'), has: ['otherwise', 'and'] },
    { name: 'otherwise', src: flow('wait until order.createdAt otherwise |'), only: ['stop', 'wait'] },
    { name: 'wait for <Event>', src: flow('wait for NewOrder |'), only: ['where', 'up to'] },
    { name: 'wait for <Event> where <condition>', src: flow('wait for NewOrder where order.total > 1 |'), has: ['up to', 'and'] },
    { name: 'up', src: flow('wait for NewOrder up |'), only: ['to'] },
    { name: 'steps <id>', src: flow('steps a |'), only: ['relevance'] },
    { name: 'limit', src: flow('limit |'), only: ['budget'] },
    { name: 'limit <n>', src: flow('limit 100 |'), only: ['per'] },
    { name: 'limit <n> per', src: flow('limit 100 per |'), only: ['hour', 'day', 'week', 'month'] },
    { name: 'else', src: flow('if customer.email.valid {\n  } else |'), only: ['if'] },
    { name: 'every (schedule)', src: 'flow f {\n  every |\n}', has: ['day', 'weekday', 'month', 'mon', 'sun'] },
    { name: 'every day at <time>', src: 'flow f {\n  every day at 10:00 |\n}', only: ['for segment'] },
    { name: 'every day', src: 'flow f {\n  every day |\n}', only: ['at', 'for segment'] },
    { name: 'every month on', src: 'flow f {\n  every month on |\n}', only: ['last'] },
    { name: 'every ... for', src: 'flow f {\n  every day at 10:00 for |\n}', only: ['segment'] },
    { name: 'issue', src: flow('steps a {\n    issue |\n  }'), only: ['promo'] },
    { name: 'add', src: flow('steps a {\n    add |\n  }'), only: ['to segment'] },
    { name: 'remove', src: flow('steps a {\n    remove |\n  }'), only: ['from segment'] },
    { name: 'award <amount>', src: flow('steps a {\n    award 100 |\n  }'), has: ['points'] },
    { name: 'award <amount> points', src: flow('steps a {\n    award 100 points |\n  }'), only: ['to'] },
    { name: 'award ... to "<account>"', src: flow('steps a {\n    award 100 points to "main" |\n  }'), only: ['expires in'] },
    { name: 'expires', src: flow('steps a {\n    award 100 points to "main" expires |\n  }'), only: ['in'] },
    { name: 'set <field>', src: flow('steps a {\n    set customer.fields.tier |\n  }'), only: ['='] },
    { name: 'send: channels', src: flow('steps a {\n    send |\n  }'), only: ['email', 'sms', 'push', 'webpush', 'whatsapp', 'flashcall', 'viber'] },
    { name: 'webhook: methods', src: flow('steps a {\n    webhook |\n  }'), only: ['get', 'post', 'put', 'patch', 'delete'] },
    { name: 'after a value: operators', src: flow('if order.total > 10 |'), has: ['and', 'or', 'in', 'not in'] },
    { name: 'x not', src: flow('if order.status not |'), only: ['in'] },
  ]);
});

describe('event names', () => {
  table([
    { name: 'after on', src: 'flow f {\n  on |\n}', has: ['NewOrder', 'OrderStatusChanged', 'SegmentEntered', 'OperationCalled'], not: ['steps'] },
    { name: 'after on, typing', src: 'flow f {\n  on New|\n}', has: ['NewOrder'] },
    { name: 'after exit on', src: 'flow f {\n  exit on |\n  on NewOrder\n}', has: ['NewOrder', 'BalanceChanged'] },
    { name: 'after wait for', src: flow('wait for |'), has: ['NewOrder', 'ProductViewed'] },
    { name: 'after wait <id> for', src: flow('wait w for |'), has: ['NewOrder'] },
    { name: 'a schedule `on` is not an event', src: 'flow f {\n  every month on |\n}', not: ['NewOrder'] },
  ]);

  it('events carry their catalog entry', () => {
    const { items } = complete('flow f {\n  on |\n}');
    const e = items.find((i) => i.label === 'OrderStatusChanged')!;
    expect(e.kind).toBe('event');
    expect(e.detail).toMatch(/Orders/);
    expect(e.documentation).toMatch(/Binds: `order` \(Order\)/);
    expect(e.documentation).toMatch(/\| `status` \|/);
  });
});

describe('event options and their values', () => {
  table([
    { name: 'option names', src: 'flow f {\n  on OrderStatusChanged(|)\n}', only: ['status', 'scope', 'maxPerOrder'] },
    { name: 'option names not given yet', src: 'flow f {\n  on OrderStatusChanged(status: "paid", |)\n}', only: ['scope', 'maxPerOrder'] },
    { name: 'option names in exit on', src: 'flow f {\n  exit on BalanceChanged(|)\n  on NewOrder\n}', has: ['account', 'kinds'] },
    { name: 'option names in wait for', src: flow('wait for SegmentEntered(|'), has: ['segment'] },
    { name: 'enum values', src: 'flow f {\n  on OrderStatusChanged(scope: |)\n}', only: ['order', 'all_items', 'any_item'] },
    { name: 'enum values in a list', src: 'flow f {\n  on CustomerLeftSite(actions: [|])\n}', only: ['product_added_to_list', 'product_viewed', 'category_viewed'] },
    { name: 'enum values later in a list', src: 'flow f {\n  on CustomerLeftSite(actions: [product_viewed, |])\n}', has: ['category_viewed'] },
    { name: 'booleans', src: 'flow f {\n  on EmailChanged(withConfirmation: |)\n}', only: ['true', 'false'] },
    { name: 'declared names (segments)', src: 'flow f {\n  on SegmentEntered(segment: |)\n}', has: ['vip', 'lapsed'] },
    { name: 'declared names inside the quotes', src: 'flow f {\n  on SegmentEntered(segment: "|")\n}', has: ['vip', 'lapsed'] },
    { name: 'declared names: accounts', src: 'flow f {\n  on PointsAvailable(account: "|")\n}', only: ['main'] },
    { name: 'declared names: operations', src: 'flow f {\n  on OperationCalled(operation: "|")\n}', only: ['checkout-completed'] },
    { name: 'declared names: a field or a calculated field', src: 'flow f {\n  on CustomFieldChanged(field: "|")\n}', has: ['tier', 'mostViewedProduct'] },
  ]);

  it('option items insert `name: ` and say the type; required ones first', () => {
    const { items } = complete('flow f {\n  on OrderStatusChanged(|)\n}');
    const status = items.find((i) => i.label === 'status')!;
    expect(status.kind).toBe('option');
    expect(status.insertText).toBe('status: ');
    expect(status.detail).toMatch(/required/);
    expect(status.sortText! < items.find((i) => i.label === 'scope')!.sortText!).toBe(true);
  });

  it('declared names are quoted outside a string and bare inside one', () => {
    expect(complete('flow f {\n  on SegmentEntered(segment: |)\n}').items.find((i) => i.label === 'vip')!.insertText).toBe('"vip"');
    const inside = complete('flow f {\n  on SegmentEntered(segment: "v|")\n}');
    const vip = inside.items.find((i) => i.label === 'vip')!;
    expect(vip.insertText).toBe('vip');
    expect(vip.kind).toBe('segment');
    expect(vip.range).toEqual({ start: inside.offset - 1, end: inside.offset });
  });
});

describe('fields after a dot', () => {
  table([
    { name: 'order. (broken parse)', src: flow('if order.|'), has: ['total', 'status', 'items', 'fields', 'createdAt'] },
    { name: 'order. before a body', src: flow('if order.| {\n    stop\n  }'), has: ['total'] },
    { name: 'order.fields.: custom fields of runnel.json', src: flow('if order.fields.|'), only: ['deliveryDate', 'giftWrap', 'salesChannel'] },
    { name: 'order. while typing a field', src: flow('if order.to|'), has: ['total'] },
    { name: 'order.items[0].', src: flow('if order.items[0].|'), has: ['price', 'quantity', 'product'] },
    { name: 'nested objects: item.product.', src: flow('if item.product.|', 'on OrderItemDelivered'), has: ['name', 'price', 'categories'] },
    { name: 'product. with a product event', src: flow('if product.|', 'on ProductViewed'), has: ['name', 'price', 'available', 'fields'] },
    { name: 'product.fields.', src: flow('if product.fields.|', 'on ProductViewed'), only: ['brandName', 'reviewable', 'margin'] },
    { name: 'item. with OrderItemDelivered', src: flow('if item.|', 'on OrderItemDelivered'), has: ['price', 'quantity', 'status'] },
    { name: 'item. with a list event', src: flow('if item.|', 'on ProductAddedToList'), has: ['quantity'] },
    { name: 'balance.', src: flow('wait until balance.|', 'on PointsAvailable(account: "main")'), has: ['expiresAt', 'amount'] },
    { name: 'params. of an operation', src: flow('if params.|', 'on OperationCalled(operation: "checkout-completed")'), only: ['amount', 'currency', 'orderId'] },
    { name: 'order. not bound by the trigger', src: flow('if order.|', 'on ProductViewed'), only: [] },
    { name: 'order. not bound by every trigger', src: 'flow f {\n  on NewOrder\n  on ProductViewed\n  if order.|\n}', only: [] },
    { name: 'order. bound by both triggers', src: 'flow f {\n  on NewOrder\n  on OrderStatusChanged(status: "paid")\n  if order.|\n}', has: ['total'] },
    { name: 'order. in a scheduled flow', src: 'flow f {\n  every day at 10:00\n  if order.|\n}', only: [] },
    { name: 'customer.: fields and methods', src: flow('if customer.|'), has: ['email', 'phone', 'firstName', 'fields', 'mobilePush', 'inSegment', 'subscription', 'subscribed'] },
    { name: 'customer.email.', src: flow('if customer.email.|'), only: ['address', 'filled', 'valid', 'status'] },
    { name: 'customer.fields.', src: flow('if customer.fields.|'), has: ['tier', 'birthday', 'marketingConsent'] },
    { name: 'customer. in the entry filter: its conditions only', src: 'flow f {\n  on NewOrder when customer.|\n}', has: ['email', 'phone', 'mobilePush', 'webPush', 'inSegment'], not: ['firstName', 'fields'] },
    { name: 'it. in any()', src: flow('if any(order.items, it.|)'), has: ['price', 'quantity', 'status'] },
    { name: 'it. in sum()', src: flow('if sum(order.items, it.|) > 10'), has: ['price'] },
    { name: 'it. in count()', src: flow('if count(order.items, it.pr|) > 1'), has: ['price'] },
    { name: 'it. nested', src: flow('if any(order.items, all(it.product.categories, it.|))'), only: [] },
    { name: 'it. outside a list helper', src: flow('if it.|'), only: [] },
    { name: 'the awaited event of wait for', src: flow('wait for NewOrder up to 2h {\n    if order.|', 'on ProductViewed'), has: ['total'] },
    { name: 'the awaited event in where', src: flow('wait for NewOrder where order.| up to 2h {}', 'on ProductViewed'), has: ['total'] },
    { name: 'not in the timeout branch', src: flow('wait for NewOrder up to 2h {\n  } timeout {\n    if order.|', 'on ProductViewed'), only: [] },
    { name: 'the exit event in where', src: 'flow f {\n  exit on NewOrder where order.|\n  on ProductViewed\n}', has: ['total'] },
    { name: 'a field name that is a keyword', src: flow('if action.|'), has: ['at'] },
    { name: 'in a template parameter', src: flow('steps a {\n    send email "welcome" { total: order.|'), has: ['total'] },
    { name: 'in set', src: flow('steps a {\n    set customer.fields.|\n  }'), has: ['tier'] },
    { name: 'a dot after a literal', src: flow('if "x".|'), only: [] },
  ]);

  it('fields say their type, whether they may be missing, and their schema description', () => {
    const { items } = complete(flow('if order.|'));
    const total = items.find((i) => i.label === 'total')!;
    expect(total.kind).toBe('field');
    expect(total.detail).toBe('number');
    expect(total.documentation).toMatch(/order\.total: number/);
    expect(total.documentation).toMatch(/What the customer pays/);
    const fields = items.find((i) => i.label === 'fields')!;
    expect(fields.detail).toBe('OrderFields');
    const delivery = complete(flow('if order.fields.|')).items.find((i) => i.label === 'deliveryDate')!;
    expect(delivery.detail).toBe('datetime (optional)');
  });

  it('customer methods say their signature', () => {
    const m = complete(flow('if customer.|')).items.find((i) => i.label === 'subscription')!;
    expect(m.kind).toBe('method');
    expect(m.detail).toMatch(/^customer\.subscription\(channel: Channel/);
  });

  it('without runnel.json, no custom fields', () => {
    expect(labels(flow('if order.fields.|'), null)).toEqual([]);
    expect(labels(flow('if order.|'), null)).toContain('total');
  });
});

describe('names in runnel.json, in strings', () => {
  table([
    { name: 'email templates', src: flow('steps a {\n    send email "|"\n  }'), has: ['welcome', 'order-thanks'], not: ['promo'] },
    { name: 'sms templates only', src: flow('steps a {\n    send sms "|"\n  }'), only: ['cart-reminder', 'points-expiring-last-call', 'birthday', 'vip-big-order-thanks'] },
    { name: 'an unterminated string', src: flow('steps a {\n    send push "|\n  }'), only: ['price-drop', 'back-in-stock'] },
    { name: 'templates before the quote', src: flow('steps a {\n    send sms |\n  }'), has: ['birthday'] },
    { name: 'segments: add to segment', src: flow('steps a {\n    add to segment "|"\n  }'), has: ['vip', 'newsletter'] },
    { name: 'segments: remove from segment', src: flow('steps a {\n    remove from segment "c|"\n  }'), has: ['cart-abandoners'] },
    { name: 'segments: customer.inSegment', src: flow('if customer.inSegment("|")'), has: ['vip', 'lapsed'] },
    { name: 'segments: customer.inSegment without quotes', src: flow('if customer.inSegment(|)'), has: ['vip'] },
    { name: 'segments: for segment', src: 'flow f {\n  every day at 10:00 for segment "|"\n}', has: ['birthday-today'] },
    { name: 'promo pools', src: flow('steps a {\n    issue promo "|"\n  }'), only: ['WELCOME10', 'CART5', 'BIRTHDAY15', 'WINBACK20', 'VIP-GIFT'] },
    { name: 'points accounts', src: flow('steps a {\n    award 10 points to "|"\n  }'), only: ['main'] },
    { name: 'budgets', src: flow('limit budget "|"'), only: ['sms'] },
    { name: 'budgets, with an id', src: flow('limit cap budget |'), only: ['sms'] },
    { name: 'brands', src: 'flow f {\n  brand "|"\n}', only: ['shop', 'outlet'] },
    { name: 'brands: customer.subscription(brand:)', src: flow('if customer.subscription(email, brand: "|") == subscribed'), only: ['shop', 'outlet'] },
    { name: 'topics: customer.subscription(topic:)', src: flow('if customer.subscription(email, topic: |)'), only: ['news', 'offers'] },
    { name: 'time zones', src: 'flow f {\n  timezone "Europe/B|"\n}', has: ['Europe/Berlin', 'America/New_York'] },
    { name: 'a free-text string', src: flow('if order.status == "|"'), only: [] },
    { name: 'an enum field compared with a string', src: flow('if customer.fields.tier == "|"'), only: ['bronze', 'silver', 'gold', 'platinum'] },
    { name: 'a webhook URL', src: flow('steps a {\n    webhook post "|"\n  }'), only: [] },
  ]);

  it('kinds and details of declared names', () => {
    const pool = complete(flow('steps a {\n    issue promo "|"\n  }')).items[0]!;
    expect(pool.kind).toBe('pool');
    expect(pool.detail).toBe('promo-code pool in runnel.json');
    const account = complete(flow('steps a {\n    award 10 points to "|"\n  }')).items[0]!;
    expect(account.kind).toBe('account');
    const budget = complete(flow('limit budget "|"')).items[0]!;
    expect(budget.kind).toBe('budget');
    expect(budget.documentation).toMatch(/At most 1000 customers per day/);
    const template = complete(flow('steps a {\n    send sms "|"\n  }')).items[0]!;
    expect(template.kind).toBe('template');
    expect(template.detail).toBe('sms template in runnel.json');
  });

  it('the string contents are replaced; a missing closing quote is added', () => {
    const closed = complete(flow('steps a {\n    send email "wel|come"\n  }'));
    const w = closed.items.find((i) => i.label === 'welcome')!;
    expect(closed.text.slice(w.range.start, w.range.end)).toBe('welcome');
    expect(w.insertText).toBe('welcome');
    const open = complete(flow('steps a {\n    send email "wel|\n  }'));
    const w2 = open.items.find((i) => i.label === 'welcome')!;
    expect(open.text.slice(w2.range.start, w2.range.end)).toBe('wel');
    expect(w2.insertText).toBe('welcome"');
  });

  it('nothing after the closing quote', () => {
    expect(labels(flow('steps a {\n    send email "welcome"|\n  }'))).not.toContain('welcome');
  });
});

describe('expressions', () => {
  table([
    { name: 'names, functions and literals in a condition', src: flow('if |'), has: ['customer', 'order', 'action', 'exists', 'any', 'count', 'today', 'not', 'true'], not: ['product', 'steps'] },
    { name: 'the entry filter: the customer only', src: 'flow f {\n  on NewOrder when |\n}', only: ['customer', 'not'] },
    { name: 'the entry filter after and', src: 'flow f {\n  on NewOrder when customer.email.valid and |\n}', only: ['customer', 'not'] },
    { name: 'a scheduled flow: the customer only', src: 'flow f {\n  every day at 10:00\n  if |\n}', has: ['customer'], not: ['order'] },
    { name: 'it inside a list helper', src: flow('if any(order.items, |)'), has: ['it', 'order'] },
    { name: 'enum values after ==', src: flow('if customer.subscription(email) == |'), has: ['subscribed', 'pending', 'unsubscribed', 'customer'] },
    { name: 'enum values after !=', src: flow('if customer.fields.tier != |'), has: ['gold'] },
    { name: 'enum values in a list after in', src: flow('if customer.fields.tier in [gold, |]'), has: ['platinum'] },
    { name: 'enum values after not in', src: flow('if customer.fields.tier not in [|]'), has: ['bronze'] },
    { name: 'enum values in set', src: flow('steps a {\n    set customer.fields.tier = |\n  }'), has: ['bronze', 'gold'] },
    { name: 'channels in customer.subscription()', src: flow('if customer.subscription(|)'), only: ['email', 'sms', 'push', 'webpush', 'whatsapp', 'viber'] },
    { name: 'named arguments of customer.subscription()', src: flow('if customer.subscription(email, |)'), only: ['brand', 'topic'] },
    { name: 'wait until', src: flow('wait until |'), has: ['order', 'customer', 'today'] },
    { name: 'award amount', src: flow('steps a {\n    award |\n  }'), has: ['order', 'round'] },
    { name: 'a template parameter', src: flow('steps a {\n    send email "welcome" { coupon: |'), has: ['order', 'customer'] },
    { name: 'exit where: the exit event', src: 'flow f {\n  exit on BalanceChanged where |\n  on NewOrder\n}', has: ['balance', 'order'] },
    { name: 'inside parentheses', src: flow('if (order.total > 1 or |)'), has: ['order'] },
    { name: 'after not', src: flow('if not |'), has: ['customer'] },
  ]);

  it('enum values come first; functions say their signature', () => {
    const { items } = complete(flow('if customer.subscription(email) == |'));
    const sorted = [...items].sort((a, b) => (a.sortText ?? `~${a.label}`).localeCompare(b.sortText ?? `~${b.label}`));
    expect(sorted.slice(0, 3).map((i) => i.label)).toEqual(['pending', 'subscribed', 'unsubscribed']);
    const any = items.find((i) => i.label === 'any')!;
    expect(any.kind).toBe('function');
    expect(any.detail).toBe('any(list, predicate) -> boolean');
  });
});

describe('no completion', () => {
  table([
    { name: 'in a line comment', src: 'flow f {\n  on NewOrder // a comment |\n}', only: [] },
    { name: 'in a block comment', src: 'flow f {\n  /* on | */\n}', only: [] },
    { name: 'in a number', src: flow('wait 1|0d'), only: [] },
    { name: 'naming a flow', src: 'flow |', only: [] },
    { name: 'naming a block', src: flow('steps |'), only: [] },
  ]);
});
