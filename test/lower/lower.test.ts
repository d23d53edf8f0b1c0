import { describe, expect, it } from 'vitest';
import { checked, compiledOf, graphOf, TEST_MANIFEST } from '../bytecode/helpers.js';
import { compileProject, CompileError } from '../../compiler/bytecode/compile.js';
import type { FlowGraph, GraphBlock } from '../../compiler/lower/graph.js';
import { successors } from '../../compiler/lower/graph.js';
import { folderSegment } from '../../compiler/lower/lower.js';
import { buildManifest } from '../../compiler/manifest.js';

function block(g: FlowGraph, id: string): GraphBlock {
  const b = g.blocks.find((x) => x.id === id);
  if (!b) throw new Error(`no block ${id} in ${g.blocks.map((x) => x.id).join(', ')}`);
  return b;
}
function endOf(g: FlowGraph): string {
  return g.blocks.find((b) => b.kind === 'end')!.id;
}
function keepsOf(g: FlowGraph, id: string): string[] {
  const b = block(g, id);
  if (!('keeps' in b)) throw new Error(`${id} keeps nothing`);
  return b.keeps.map((k) => (k.source ? `${k.source}:${k.path}` : k.path));
}

describe('settings', () => {
  it('fills in the product defaults, with the manifest time zone', () => {
    const g = graphOf('flow f { on NewOrder\n steps s { send email "welcome" } }');
    expect(g.settings).toEqual({ entry: { mode: 'always' }, relevanceMs: 86_400_000, active: {}, timezone: 'Europe/Berlin', exits: [] });
    expect(g.id).toBe('f');
  });

  it('falls back to UTC without a manifest time zone', () => {
    const { timezone: _, ...noZone } = TEST_MANIFEST;
    expect(graphOf('flow f { on NewOrder\n steps s { send email "welcome" } }', noZone).settings.timezone).toBe('UTC');
  });

  it('resolves every setting to values', () => {
    const g = graphOf(`flow f "Title" {
      entry every 7d
      relevance 2h
      active from 2026-12-01 until 2027-03-01T10:30
      timezone "America/New_York"
      brand "shop"
      exit on NewOrder where order.total > 10
      on OrderStatusChanged(status: "paid")
      steps s { send email "welcome" }
    }`);
    expect(g.title).toBe('Title');
    expect(g.settings.entry).toEqual({ mode: 'every', periodMs: 7 * 86_400_000 });
    expect(g.settings.relevanceMs).toBe(7_200_000);
    expect(g.settings.timezone).toBe('America/New_York');
    expect(new Date(g.settings.active.from!).toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(new Date(g.settings.active.until!).toISOString()).toBe('2027-03-01T15:30:00.000Z');
    expect(g.settings.brand).toBe('shop');
    expect(g.settings.exits).toHaveLength(1);
    expect(g.settings.exits[0]!.event).toBe('NewOrder');
    // The exit condition reads the exit event's order, not the trigger's.
    expect(g.settings.exits[0]!.where!.expr).toMatchObject({ k: 'binary', left: { k: 'member', object: { k: 'ctx', name: 'order', source: { kind: 'event' } } } });
  });

  it('finds the segment restriction of a folder', () => {
    const m = buildManifest({ folders: { 'flows/vip': { segment: 'vip' }, 'flows/vip/gold': { segment: 'gold' } } });
    expect(folderSegment(m, 'flows/vip/a.flow')).toBe('vip');
    expect(folderSegment(m, 'flows/vip/gold/a.flow')).toBe('gold');
    expect(folderSegment(m, 'flows/vipx/a.flow')).toBeUndefined();
    expect(folderSegment(m, 'flows/a.flow')).toBeUndefined();
  });
});

describe('triggers', () => {
  it('normalizes option values and keeps the entry filter', () => {
    const g = graphOf(`flow f {
      on CustomerLeftSite(withOrder: no, actions: product_added_to_list) when customer.email.valid
      steps s { send email "welcome" }
    }`);
    expect(g.triggers).toEqual([
      {
        kind: 'event',
        event: 'CustomerLeftSite',
        // Sorted by name; a list option is a list even when one value is written alone.
        options: [
          { name: 'actions', value: ['product_added_to_list'] },
          { name: 'withOrder', value: 'no' },
        ],
        when: { text: 'customer.email.valid', expr: { k: 'member', name: 'valid', object: { k: 'member', name: 'email', object: { k: 'customer' } } } },
      },
    ]);
  });

  it('reads percent thresholds and schedules', () => {
    expect(graphOf('flow f { on ListProductPriceDropped(by: 10%)\n steps s { send email "welcome" } }').triggers[0]).toMatchObject({ options: [{ name: 'by', value: { percent: 10 } }] });
    const s = graphOf('flow f { every mon, thu at 09:30, 18:00 for segment "vip"\n steps s { send email "welcome" } }').triggers[0]!;
    expect(s).toEqual({ kind: 'schedule', weekdays: [0, 3], times: [570, 1080], segment: 'vip', text: 'every mon, thu at 09:30, 18:00 for segment "vip"' });
    expect(graphOf('flow f { every month on 1, last at 10:00\n steps s { send email "welcome" } }').triggers[0]).toMatchObject({ monthDays: [1, 0], times: [600] });
    expect(graphOf('flow f { every weekday at 8:00\n steps s { send email "welcome" } }').triggers[0]).toMatchObject({ weekdays: [0, 1, 2, 3, 4], times: [480] });
  });
});

describe('blocks and successors', () => {
  it('chains top-level blocks and ends at the end block', () => {
    const g = graphOf(`flow f { on NewOrder
      steps a { send email "a" }
      wait w 1d
      steps b { send email "b" }
    }`);
    expect(g.entry).toBe('a');
    expect(g.blocks.map((b) => [b.id, b.kind])).toEqual([
      ['a', 'steps'],
      ['w', 'wait_fixed'],
      ['b', 'steps'],
      [endOf(g), 'end'],
    ]);
    expect(successors(block(g, 'a'))).toEqual(['w']);
    expect(successors(block(g, 'b'))).toEqual([endOf(g)]);
    expect(block(g, 'a')).toMatchObject({ explicit: true, relevanceMs: 86_400_000, actions: [{ kind: 'send', channel: 'email', template: 'a', params: [] }] });
  });

  it('continues after an if from every branch; no else goes straight on', () => {
    const g = graphOf(`flow f { on NewOrder
      if order.total > 100 {
        steps big { send email "a" }
      } else if order.total > 10 {
        steps medium { send email "b" }
        stop
      }
      steps after { send email "c" }
    }`);
    const iff = g.blocks[0]!;
    expect(iff.kind).toBe('if');
    if (iff.kind !== 'if') return;
    expect(iff.branches.map((b) => [b.condition.text, b.next])).toEqual([
      ['order.total > 100', 'big'],
      ['order.total > 10', 'medium'],
    ]);
    expect(iff.else).toBe('after');
    expect(iff.hasElse).toBe(false);
    expect(successors(block(g, 'big'))).toEqual(['after']);
    const stop = successors(block(g, 'medium'))[0]!;
    expect(block(g, stop).kind).toBe('stop');
    expect(stop).toMatch(/^stop_[0-9a-z]{6}$/);
  });

  it('leaves out blocks after a stop', () => {
    const g = graphOf(`flow f { on NewOrder
      steps a { send email "a" }
      stop
      steps never { send email "b" }
    }`);
    expect(g.blocks.map((b) => b.kind)).toEqual(['steps', 'stop', 'end']);
  });

  it('lowers split, parallel, limit and wait blocks', () => {
    const g = graphOf(`flow f { on NewOrder
      split ab {
        40% x { steps sx { send email "a" } }
        35% y "Y" { }
      }
      parallel p {
        branch one { wait 1h }
        branch { steps sb { send email "b" } }
      }
      limit own 10 per 7d { steps inside { send sms "promo" } }
      limit shared budget "sms" { steps in2 { send sms "promo" } } else { stop }
      wait u until order.fields.deliveryDate + 1d otherwise wait 2d
      wait t 2d within mon..wed, fri 10:00..18:00
      wait t2 within sat..mon 22:00..06:00
    }`);
    const end = endOf(g);
    expect(block(g, 'ab')).toMatchObject({
      variants: [
        { name: 'x', percent: 40, next: 'sx' },
        { name: 'y', title: 'Y', percent: 35, next: 'p' },
      ],
      control: { percent: 25, next: end },
    });
    expect(successors(block(g, 'sx'))).toEqual(['p']);
    const p = block(g, 'p');
    if (p.kind !== 'parallel') throw new Error('not parallel');
    expect(p.branches[0]).toMatchObject({ label: 'one' });
    expect(p.branches[1]).toEqual({ next: 'sb' });
    expect(block(g, p.join)).toMatchObject({ kind: 'join', parallel: 'p', next: 'own' });
    expect(successors(block(g, 'sb'))).toEqual([p.join]);
    expect(successors(block(g, p.branches[0]!.next))).toEqual([p.join]);
    expect(block(g, 'own')).toMatchObject({ count: 10, period: { ms: 7 * 86_400_000 }, next: 'inside', else: 'shared', hasElse: false });
    expect(block(g, 'shared')).toMatchObject({ budget: 'sms', count: 1000, period: { unit: 'day' }, next: 'in2', hasElse: true });
    expect(block(g, 'u')).toMatchObject({ kind: 'wait_until', at: { text: 'order.fields.deliveryDate + 1d' }, otherwise: { kind: 'wait', ms: 2 * 86_400_000 } });
    expect(block(g, 't')).toMatchObject({ kind: 'wait_within', durationMs: 2 * 86_400_000, window: { days: [0, 1, 2, 4], from: 600, to: 1080 } });
    expect(block(g, 't2')).toMatchObject({ kind: 'wait_within', durationMs: 0, window: { days: [0, 5, 6], from: 1320, to: 360 } });
    expect(successors(block(g, 't2'))).toEqual([end]);
  });

  it('gives wait for two successors and binds the awaited event in the first', () => {
    const g = graphOf(`flow f { on CustomerLeftSite
      wait got for NewOrder where order.total > 20 up to 2h {
        steps thanks { send email "thanks" { id: order.id } }
      } timeout {
        steps nudge { send email "reminder" }
      }
      steps after { send email "a" }
    }`);
    const w = block(g, 'got');
    if (w.kind !== 'wait_event') throw new Error('not wait_event');
    expect(w).toMatchObject({ event: { event: 'NewOrder', options: [] }, timeoutMs: 7_200_000, onEvent: 'thanks', onTimeout: 'nudge' });
    expect(w.where!.expr).toMatchObject({ left: { object: { k: 'ctx', name: 'order', source: { kind: 'event' } } } });
    const thanks = block(g, 'thanks');
    if (thanks.kind !== 'steps' || thanks.actions[0]!.kind !== 'send') throw new Error('not steps');
    expect(thanks.actions[0]!.params[0]!.value.expr).toEqual({ k: 'member', name: 'id', object: { k: 'ctx', name: 'order', source: { kind: 'awaited', block: 'got' } } });
    expect(successors(block(g, 'thanks'))).toEqual(['after']);
    expect(successors(block(g, 'nudge'))).toEqual(['after']);
  });

  it('resolves names: context, customer methods, enum words, helpers with it', () => {
    const g = graphOf(`flow f { on NewOrder
      if customer.subscription(email, topic: "x") == pending and any(order.items, it.price > 1) and customer.fields.tier in [gold, silver] {
        steps s { send email "a" }
      }
    }`, { ...TEST_MANIFEST, topics: ['x'] });
    const iff = g.blocks[0]!;
    if (iff.kind !== 'if') throw new Error('not if');
    const text = JSON.stringify(iff.branches[0]!.condition.expr);
    expect(text).toContain('{"k":"method","name":"subscription","args":[{"k":"lit","value":{"kind":"string","value":"email"}},null,{"k":"lit","value":{"kind":"string","value":"x"}}]}');
    expect(text).toContain('{"k":"lit","value":{"kind":"string","value":"pending"}}');
    expect(text).toContain('{"k":"helper","name":"any","list":{"k":"member","object":{"k":"ctx","name":"order","source":{"kind":"trigger"}},"name":"items"},"body":{"k":"binary","op":">","left":{"k":"member","object":{"k":"it"},"name":"price"}');
    expect(text).toContain('{"k":"list","elements":[{"k":"lit","value":{"kind":"string","value":"gold"}},{"k":"lit","value":{"kind":"string","value":"silver"}}]}');
  });
});

describe('block ids', () => {
  it('keeps explicit ids and derives the others as <kind>_<6 base36>', () => {
    const g = graphOf(`flow f { on NewOrder
      steps { send email "a" }
      wait 1d
      if order.total > 1 { stop }
      split { 50% a { } }
      parallel { branch { } branch { } }
      limit 5 per day { }
      wait named 2d
    }`);
    expect(g.blocks.map((b) => b.id.replace(/_[0-9a-z]{6}$/, '_*'))).toEqual([
      'steps_*',
      'wait_*',
      'if_*',
      'stop_*',
      'split_*',
      'parallel_*',
      'join_*',
      'limit_*',
      'named',
      'end_*',
    ]);
    expect(g.blocks.filter((b) => b.explicit).map((b) => b.id)).toEqual(['named']);
  });

  it('tells identical siblings apart by occurrence, and only them', () => {
    const src = (extra: string) => `flow f { on NewOrder
      ${extra}
      wait 1d
      steps s1 { send email "a" }
      wait 1d
      wait 2d
    }`;
    const ids = (g: FlowGraph) => g.blocks.filter((b) => b.kind === 'wait_fixed').map((b) => b.id);
    const [a, b, c] = ids(graphOf(src('')));
    expect(new Set([a, b, c]).size).toBe(3);
    // A block inserted above (of another kind, or another wait) changes none of them.
    expect(ids(graphOf(src('steps first { send email "b" }')))).toEqual([a, b, c]);
    expect(ids(graphOf(src('wait 3d')))).toEqual([expect.any(String), a, b, c]);
    // Editing its own header gives a block a new id.
    const edited = ids(graphOf(src('').replace('wait 2d', 'wait 4d')));
    expect(edited.slice(0, 2)).toEqual([a, b]);
    expect(edited[2]).not.toBe(c);
  });
});

describe('liveness: what a wait keeps', () => {
  it('keeps exactly order.total when only that is read after the wait', () => {
    const g = graphOf(`flow f { on NewOrder
      steps before { send email "a" { id: order.id, n: count(order.items) } }
      wait w 1d
      steps after { send email "b" { total: order.total, name: customer.firstName } }
    }`);
    expect(keepsOf(g, 'w')).toEqual(['order.total']);
  });

  it('keeps element fields of lists read by helpers, and whole lists for count', () => {
    const g = graphOf(`flow f { on NewOrder
      wait w1 1d
      if any(order.items, it.price * it.quantity > 50) { steps a { send email "a" } }
      wait w2 1d
      steps b { send email "b" { n: count(order.items, true), first: order.items[0].productId } }
    }`);
    expect(keepsOf(g, 'w1')).toEqual(['order.items']);
    expect(keepsOf(g, 'w2')).toEqual(['order.items']);
    const g2 = graphOf(`flow f { on NewOrder
      wait w1 1d
      if any(order.items, it.price > 50) and exists(order.fields.deliveryDate) { steps a { send email "a" } }
    }`);
    expect(keepsOf(g2, 'w1')).toEqual(['order.fields.deliveryDate', 'order.items[].price']);
  });

  it('keeps what any path after the wait reads, and nothing after the last read', () => {
    const g = graphOf(`flow f { on NewOrder
      wait w1 1d
      if customer.email.valid {
        steps a { send email "a" { t: order.total } }
      } else {
        wait w2 1h
        steps b { send email "b" { c: order.currency } }
      }
      wait w3 1d
      steps c { send email "c" }
    }`);
    expect(keepsOf(g, 'w1')).toEqual(['order.currency', 'order.total']);
    expect(keepsOf(g, 'w2')).toEqual(['order.currency']);
    expect(keepsOf(g, 'w3')).toEqual([]);
  });

  it('keeps what exit conditions read at every wait, and what wait-for received under its id', () => {
    const g = graphOf(`flow f {
      exit on NewOrder where order.total > 100
      on CustomerLeftSite
      wait got for NewOrder where order.total > session.pageViews up to 2h {
        wait w1 1d
        steps thanks { send email "thanks" { id: order.id } }
      }
      wait w2 1h
    }`);
    expect(keepsOf(g, 'got')).toEqual(['session.pageViews']);
    expect(keepsOf(g, 'w1')).toEqual(['got:order.id']);
    expect(keepsOf(g, 'w2')).toEqual([]);
  });

  it('keeps for a branch that waits at the join what runs after it', () => {
    const g = graphOf(`flow f { on NewOrder
      parallel p { branch { steps a { send email "a" } } branch { wait 1h } }
      steps after { send email "b" { t: order.total } }
    }`);
    const p = block(g, 'p');
    if (p.kind !== 'parallel') throw new Error('not parallel');
    expect(keepsOf(g, p.join)).toEqual(['order.total']);
  });

  it('covers longer paths by shorter ones', () => {
    const g = graphOf(`flow f { on NewOrder
      wait w 1d
      steps s { webhook post "https://hooks.example.com/x" { o: order.total, all: order.items, one: order.items[1].price } }
    }`, { ...TEST_MANIFEST, webhooks: { allowedHosts: ['hooks.example.com'] } });
    expect(keepsOf(g, 'w')).toEqual(['order.items', 'order.total']);
  });
});

describe('schedules and date-times', () => {
  it('leaves a schedule that ends before it starts (offsets counted) to the checker', () => {
    expect(() => checked('flow f {\n active from 2026-01-01T10:00Z until 2026-01-01T12:00+05:00\n on NewOrder\n steps s { send email "a" } }')).toThrow(
      /RN0407 the flow would end before it starts/,
    );
  });

  it('reads date-times with fractions of a second', () => {
    const g = graphOf('flow f {\n active from 2026-01-01T10:00:00.250Z\n on NewOrder\n wait until 2026-12-01T10:00:30.5\n steps s { send email "a" } }');
    expect(new Date(g.settings.active.from!).toISOString()).toBe('2026-01-01T10:00:00.250Z');
    expect(g.blocks[0]).toMatchObject({ kind: 'wait_until', at: { expr: { k: 'lit', value: { kind: 'datetime', raw: '2026-12-01T10:00:30.5' } } } });
    expect(compiledOf('flow f {\n on NewOrder\n wait until 2026-12-01T10:00:30.5\n steps s { send email "a" } }').bytes.length).toBeGreaterThan(0);
  });
});
