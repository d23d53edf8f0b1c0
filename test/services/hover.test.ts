/** Hover: what the word under the mouse (the `|`) is. */
import { describe, expect, it } from 'vitest';
import { hover } from '../../compiler/services/index.js';
import { blockIds } from '../../compiler/lower/ids.js';
import { parse } from '../../compiler/parse.js';
import { cursor, flow, projectOf, PATH } from './helpers.js';

function hoverAt(src: string, manifest?: string | null): { contents: string; covered: string } | null {
  const { text, offset } = cursor(src);
  const h = hover(projectOf(text, manifest), PATH, offset);
  return h && { contents: h.contents, covered: text.slice(h.range.start, h.range.end) };
}

interface Row {
  name: string;
  src: string;
  /** Patterns the Markdown must contain. */
  has: Array<string | RegExp>;
  /** The text the hover's range covers. */
  covers?: string;
}

function table(rows: Row[]): void {
  for (const r of rows) {
    it(r.name, () => {
      const h = hoverAt(r.src);
      expect(h, 'a hover').not.toBeNull();
      for (const p of r.has) {
        if (typeof p === 'string') expect(h!.contents).toContain(p);
        else expect(h!.contents).toMatch(p);
      }
      if (r.covers !== undefined) expect(h!.covered).toBe(r.covers);
    });
  }
}

describe('context fields', () => {
  table([
    { name: 'a field: type and schema description', src: flow('if order.to|tal > 10 {\n    stop\n  }'), has: ['order.total: number', 'What the customer pays for the order'], covers: 'total' },
    { name: 'an optional field says so', src: flow('if exists(order.fields.delivery|Date) {\n    stop\n  }'), has: ['order.fields.deliveryDate: datetime (optional)', 'May be missing'] },
    { name: 'a custom field with an enum: its values', src: flow('if customer.fields.ti|er == gold {\n    stop\n  }'), has: ['customer.fields.tier', '`bronze`', '`platinum`'] },
    { name: 'a context value: its type, the triggers that bind it and the type description', src: flow('if ord|er.total > 10 {\n    stop\n  }'), has: ['order: Order', 'Bound by NewOrder', 'An order placed by the customer'], covers: 'order' },
    { name: 'bound by several triggers', src: 'flow f {\n  on NewOrder\n  on OrderChanged\n  if ord|er.total > 1 {\n    stop\n  }\n}', has: ['Bound by NewOrder, OrderChanged'] },
    { name: 'bound by an awaited event', src: flow('wait for NewOrder up to 2h {\n    if ord|er.total > 1 {\n      stop\n    }\n  }', 'on ProductViewed'), has: ['Bound by the awaited event NewOrder'] },
    { name: 'the customer', src: flow('if custo|mer.email.valid {\n    stop\n  }'), has: ['customer: Customer', 'always available', 'A customer profile'] },
    { name: 'the customer view: customer.email', src: flow('if customer.em|ail.valid {\n    stop\n  }'), has: ['customer.email: Contact'] },
    { name: 'customer.email.valid', src: flow('if customer.email.va|lid {\n    stop\n  }'), has: ['customer.email.valid: boolean', 'filled and its status is valid'] },
    { name: 'it: the element type', src: flow('if any(order.items, i|t.price > 100) {\n    stop\n  }'), has: ['it: OrderItem'] },
    { name: 'a field of it', src: flow('if any(order.items, it.pr|ice > 100) {\n    stop\n  }'), has: ['it.price: number'] },
    { name: 'a field whose name is a keyword', src: flow('wait until action.a|t + 1d otherwise stop'), has: ['action.at: datetime'] },
    { name: 'a value the trigger does not bind', src: flow('if ord|er.total > 10 {\n    stop\n  }', 'on ProductViewed'), has: ['Not available here'] },
    { name: 'an enum word: the values it is one of', src: flow('if customer.subscription(email) == pend|ing {\n    stop\n  }'), has: ['A value of SubscriptionStatus', '`unsubscribed`'] },
  ]);
});

describe('events and options', () => {
  table([
    {
      name: 'an event: the catalog entry',
      src: 'flow f {\n  on OrderStatus|Changed(status: "paid")\n  stop\n}',
      has: ['**OrderStatusChanged**', '*Order status changed*', '| `status` |', 'Binds: `order` (Order), `action` (CustomerAction)', 'Dynamic waits: `order`, `action`', 'Fires: once per event'],
      covers: 'OrderStatusChanged',
    },
    { name: 'an event without dynamic waits', src: 'flow f {\n  on CustomerLeft|Site\n  stop\n}', has: ['Binds: `session` (Session)', 'Dynamic waits: customer dates only'] },
    { name: 'the event of exit on', src: 'flow f {\n  exit on New|Order\n  on ProductViewed\n  stop\n}', has: ['**NewOrder**'] },
    { name: 'the event of wait for', src: flow('wait for New|Order up to 2h {\n  }'), has: ['**NewOrder**'] },
    { name: 'an unknown event: did you mean', src: 'flow f {\n  on NewOrd|r\n  stop\n}', has: ['Unknown event', '`NewOrder`'] },
    { name: 'an option: its type, default and doc', src: 'flow f {\n  on OrderStatusChanged(status: "paid", sco|pe: any_item)\n  stop\n}', has: ['`scope`: one of `order`, `all_items`, `any_item`', 'default:'], covers: 'scope' },
    { name: 'a value of an option: the option', src: 'flow f {\n  on OrderStatusChanged(status: "paid", scope: any_it|em)\n  stop\n}', has: ['`scope`: one of'], covers: 'any_item' },
    { name: 'a value in a list option', src: 'flow f {\n  on CustomerLeftSite(actions: [product_vi|ewed])\n  stop\n}', has: ['`actions`:'] },
    { name: 'a required option', src: 'flow f {\n  on SegmentEntered(segm|ent: "vip")\n  stop\n}', has: ['**required**', 'a quoted segment name'] },
  ]);
});

describe('blocks and keywords', () => {
  it('a block keyword: what it does and its derived id, as the lowering computes it', () => {
    const src = flow('st|eps {\n    send email "welcome"\n  }');
    const h = hoverAt(src)!;
    const { text } = cursor(src);
    const f = parse(text).ast.flows[0]!;
    const id = blockIds(f).ids.get(f.body[0]!)!;
    expect(id).toMatch(/^steps_/);
    expect(h.contents).toContain('**step group**');
    expect(h.contents).toContain(`Block id: \`${id}\` (derived`);
    expect(h.covered).toBe('steps');
  });

  table([
    { name: 'an explicit block id', src: flow('wait remind|er 1d'), has: ['**wait**', 'Block id: `reminder`'], covers: 'reminder' },
    { name: 'wait keyword with an id', src: flow('wa|it reminder 1d'), has: ['Block id: `reminder`'] },
    { name: 'a dynamic wait', src: flow('wa|it until order.createdAt + 1d'), has: ['**dynamic wait**', 'Block id: `wait_'] },
    { name: 'wait for', src: flow('wa|it w for NewOrder up to 1d {\n  }'), has: ['**wait for an event**'] },
    { name: 'if: derived id', src: flow('i|f customer.email.valid {\n    stop\n  }'), has: ['**condition**', 'Block id: `if_'] },
    { name: 'split', src: flow('spl|it ab {\n    50% a {\n      stop\n    }\n  }'), has: ['**A/B test**', 'Block id: `ab`'] },
    { name: 'parallel', src: flow('paral|lel {\n    branch a {\n      stop\n    }\n  }'), has: ['**flow splitter**'] },
    { name: 'limit', src: flow('lim|it 10 per day {\n    stop\n  }'), has: ['**limitation**'] },
    { name: 'stop', src: flow('st|op'), has: ['**stop**', 'Block id: `stop_'] },
    { name: 'a setting keyword', src: 'flow f {\n  ent|ry once\n  on NewOrder\n  stop\n}', has: ['entry once | entry always', 'launch limit'] },
    { name: 'a word of a setting', src: 'flow f {\n  entry on|ce\n  on NewOrder\n  stop\n}', has: ['launch limit'] },
    { name: 'relevance', src: 'flow f {\n  relev|ance 1d\n  on NewOrder\n  stop\n}', has: ['relevance <duration>'] },
    { name: 'on', src: 'flow f {\n  o|n NewOrder\n  stop\n}', has: ['on <Event>'] },
    { name: 'exit on', src: 'flow f {\n  exit o|n NewOrder\n  on ProductViewed\n  stop\n}', has: ['exit on <Event>'] },
    { name: 'when', src: 'flow f {\n  on NewOrder wh|en customer.email.valid\n  stop\n}', has: ['The entry filter'] },
    { name: 'every', src: 'flow f {\n  eve|ry day at 10:00\n  stop\n}', has: ['A scheduled trigger'] },
    { name: 'otherwise', src: flow('wait until order.createdAt other|wise stop'), has: ['What to do when the date'] },
    { name: 'within', src: flow('wait 1d with|in mon..fri 10:00..18:00'), has: ['A timed delay'] },
    { name: 'timeout', src: flow('wait for NewOrder up to 1d {\n  } time|out {\n  }'), has: ['did not arrive in time'] },
    { name: 'else of an if', src: flow('if customer.email.valid {\n    stop\n  } el|se {\n    stop\n  }'), has: ['no condition holds'] },
    { name: 'an action keyword: the action', src: flow('steps a {\n    sen|d email "welcome"\n  }'), has: ['send <channel> "<template>"', 'Example:'] },
    { name: 'any keyword of an action', src: flow('steps a {\n    award 10 poi|nts to "main"\n  }'), has: ['award <amount> points to "<account>"'] },
    { name: 'a channel: its templates', src: flow('steps a {\n    send s|ms "birthday"\n  }'), has: ['The sms channel', '`birthday`'] },
    { name: 'a builtin function: its signature', src: flow('if an|y(order.items, it.price > 1) {\n    stop\n  }'), has: ['any(list, predicate) -> boolean', '`it` is the element'] },
    { name: 'a builtin function, cursor right after it', src: flow('if count|(order.items) > 1 {\n    stop\n  }'), has: ['count(list[, predicate]) -> number'] },
    { name: 'a customer method', src: flow('if customer.subscri|ption(email) == pending {\n    stop\n  }'), has: ['customer.subscription(channel: Channel, brand?: string, topic?: string) -> SubscriptionStatus'] },
    { name: 'a duration', src: flow('wait 1d1|2h'), has: ['1d12h: duration', '1 day 12 hours'] },
    { name: 'a flow id', src: 'flow wel|come "Welcome" {\n  on CustomerRegistered\n  stop\n}', has: ['flow welcome "Welcome"', 'Triggers: `on CustomerRegistered`'] },
  ]);
});

describe('names of runnel.json', () => {
  table([
    { name: 'a declared template', src: flow('steps a {\n    send email "wel|come"\n  }'), has: ['**email template** `"welcome"`', 'Declared in runnel.json under `templates.email`'], covers: '"welcome"' },
    { name: 'a template declared for another channel', src: flow('steps a {\n    send sms "wel|come"\n  }'), has: ['**Not declared**', 'under `templates.sms`'] },
    { name: 'a declared segment', src: flow('steps a {\n    add to segment "v|ip"\n  }'), has: ['**segment** `"vip"`', 'Declared'] },
    { name: 'an undeclared segment: the declared ones', src: flow('steps a {\n    add to segment "vi|pp"\n  }'), has: ['**Not declared**', 'RN0205', 'Declared: `vip`'] },
    { name: 'a segment in customer.inSegment', src: flow('if customer.inSegment("v|ip") {\n    stop\n  }'), has: ['**segment** `"vip"`'] },
    { name: 'a segment of a schedule', src: 'flow f {\n  every day at 10:00 for segment "v|ip"\n  stop\n}', has: ['**segment** `"vip"`'] },
    { name: 'a segment option', src: 'flow f {\n  on SegmentEntered(segment: "la|psed")\n  stop\n}', has: ['**segment** `"lapsed"`'] },
    { name: 'a calculated field option (accepted besides custom fields)', src: 'flow f {\n  on CustomFieldChanged(field: "mostViewed|Product")\n  stop\n}', has: ['**calculated field**'] },
    { name: 'a promo pool', src: flow('steps a {\n    issue promo "CA|RT5"\n  }'), has: ['**promo-code pool** `"CART5"`'] },
    { name: 'a points account', src: flow('steps a {\n    award 10 points to "ma|in"\n  }'), has: ['**points account** `"main"`'] },
    { name: 'a budget: its limit', src: flow('limit budget "s|ms" {\n    stop\n  }'), has: ['**budget** `"sms"`', 'At most 1000 customers per day'] },
    { name: 'a brand', src: 'flow f {\n  brand "sh|op"\n  on NewOrder\n  stop\n}', has: ['**brand** `"shop"`'] },
    { name: 'a brand argument', src: flow('if customer.subscription(email, brand: "out|let") == subscribed {\n    stop\n  }'), has: ['**brand** `"outlet"`'] },
    { name: 'a time zone', src: 'flow f {\n  timezone "Europe/Ber|lin"\n  on NewOrder\n  stop\n}', has: ['An IANA time zone'] },
  ]);

  it('outside a project nothing is declared', () => {
    const h = hoverAt(flow('steps a {\n    add to segment "v|ip"\n  }'), null)!;
    expect(h.contents).toContain('not in a project');
  });
});

describe('no hover', () => {
  for (const [name, src] of [
    ['in a comment', 'flow f {\n  // on New|Order\n  on NewOrder\n  stop\n}'],
    ['on punctuation', flow('steps a {|\n  }')],
    ['in a free-text string', flow('if order.status == "pa|id" {\n    stop\n  }')],
    ['past the end', 'flow f {\n  on NewOrder\n  stop\n}\n\n|'],
  ] as const) {
    it(name, () => expect(hoverAt(src)).toBeNull());
  }
});

describe('a broken file', () => {
  it('still explains what it can read', () => {
    const h = hoverAt('flow f {\n  on NewOrder\n  if order.to|tal > {\n  steps {\n')!;
    expect(h.contents).toContain('order.total: number');
  });

  it('a derived id is not guessed from what the parser could not read', () => {
    const h = hoverAt('flow f {\n  on NewOrder\n  i|f order.total > {\n    stop\n  }\n}\n');
    expect(h?.contents ?? '').not.toMatch(/Block id: `if_/);
  });
});
