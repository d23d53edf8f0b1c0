/**
 * Quick fixes: the diagnostics' own fixes ("did you mean") as edits, plus the ones built from what
 * a diagnostic says. Each row applies the fix and checks the file no longer has that diagnostic.
 */
import { describe, expect, it } from 'vitest';
import { codeActions, diagnostics } from '../../compiler/services/index.js';
import { applyEdits, cursor, flow, projectOf, PATH } from './helpers.js';

interface Row {
  name: string;
  /** The `|` is where the editor asks (an empty range). */
  src: string;
  code: string;
  title: string;
  /** A piece of the text after the fix. */
  result: string;
}

const ROWS: Row[] = [
  { name: 'unknown event', src: 'flow f {\n  on NewOrd|r\n  stop\n}', code: 'RN0201', title: 'Replace with `NewOrder`', result: 'on NewOrder\n' },
  { name: 'unknown option', src: 'flow f {\n  on OrderStatusChanged(stauts|: "paid")\n  stop\n}', code: 'RN0202', title: 'Replace with `status`', result: '(status: "paid")' },
  { name: 'unknown option value', src: 'flow f {\n  on OrderStatusChanged(status: "paid", scope: any_itme|)\n  stop\n}', code: 'RN0305', title: 'Replace with `any_item`', result: 'scope: any_item)' },
  { name: 'unknown field', src: flow('if order.tot|l > 1 {\n    stop\n  }'), code: 'RN0203', title: 'Replace with `total`', result: 'order.total > 1' },
  { name: 'unknown custom field', src: flow('if customer.fields.tir|e == gold {\n    stop\n  }'), code: 'RN0203', title: 'Replace with `tier`', result: 'customer.fields.tier ==' },
  { name: 'unknown template', src: flow('steps a {\n    send email "welcom|"\n  }'), code: 'RN0204', title: 'Replace with "welcome"', result: 'send email "welcome"' },
  { name: 'unknown segment', src: flow('steps a {\n    add to segment "vipp|"\n  }'), code: 'RN0205', title: 'Replace with "vip"', result: 'segment "vip"' },
  { name: 'unknown pool', src: flow('steps a {\n    issue promo "CART|6"\n  }'), code: 'RN0206', title: 'Replace with "CART5"', result: 'promo "CART5"' },
  { name: 'unknown function', src: flow('if coutn|(order.items) > 1 {\n    stop\n  }'), code: 'RN0210', title: 'Replace with `count`', result: 'if count(order.items)' },
  { name: 'unknown customer method', src: flow('if customer.inSegmnt|("vip") {\n    stop\n  }'), code: 'RN0210', title: 'Replace with `inSegment`', result: 'customer.inSegment("vip")' },
  { name: 'unknown channel', src: flow('steps a {\n    send emial| "welcome"\n  }'), code: 'RN0213', title: 'Replace with `email`', result: 'send email "welcome"' },
  { name: 'unknown enum word', src: flow('if customer.subscription(email) == pendng| {\n    stop\n  }'), code: 'RN0209', title: 'Replace with `pending`', result: '== pending {' },
  { name: 'misspelt keyword', src: 'flow f {\n  entry onse|\n  on NewOrder\n  stop\n}', code: 'RN0104', title: 'Replace with `once`', result: 'entry once\n' },
  { name: 'single quotes', src: flow("steps a {\n    send email 'welc|ome'\n  }"), code: 'RN0101', title: 'Replace with "welcome"', result: 'send email "welcome"' },
  { name: '&& for and', src: flow('if customer.email.valid &|& customer.webPush {\n    stop\n  }'), code: 'RN0101', title: 'Replace with `and`', result: 'valid and customer' },
  { name: 'duration units out of order', src: flow('wait 12h1|d'), code: 'RN0105', title: 'Replace with 1d12h', result: 'wait 1d12h' },
  { name: 'unknown time zone', src: 'flow f {\n  timezone "Europe/Berln|"\n  on NewOrder\n  stop\n}', code: 'RN0214', title: 'Replace with "Europe/Berlin"', result: 'timezone "Europe/Berlin"' },
  { name: 'dynamic wait may be missing: otherwise stop', src: flow('wait until order.fields.deliveryDate| + 1d\n  stop'), code: 'RN0303', title: 'Add `otherwise stop`', result: 'deliveryDate + 1d otherwise stop\n' },
  { name: 'missing required option, no parentheses', src: 'flow f {\n  on SegmentEnt|ered\n  stop\n}', code: 'RN0216', title: 'Add `segment: "vip"`', result: 'on SegmentEntered(segment: "vip")\n' },
  { name: 'missing required option, other options given', src: 'flow f {\n  on OrderStatusChanged|(scope: order)\n  stop\n}', code: 'RN0216', title: 'Add `status: "shipped"`', result: 'OrderStatusChanged(scope: order, status: "shipped")' },
  { name: 'missing required option, empty parentheses', src: 'flow f {\n  on SegmentEnt|ered()\n  stop\n}', code: 'RN0216', title: 'Add `segment: "vip"`', result: 'SegmentEntered(segment: "vip")' },
];

describe('quick fixes', () => {
  for (const r of ROWS) {
    it(r.name, () => {
      const { text, offset } = cursor(r.src);
      const project = projectOf(text);
      const actions = codeActions(project, PATH, { start: offset, end: offset });
      const action = actions.find((a) => a.title === r.title);
      expect(action, `${r.title} in ${actions.map((a) => a.title).join(' | ')}`).toBeDefined();
      expect(action!.diagnosticCode).toBe(r.code);
      const fixed = applyEdits(text, action!.edits);
      expect(fixed).toContain(r.result);
      const after = diagnostics(projectOf(fixed), PATH).filter((d) => d.code === r.code);
      expect(after, JSON.stringify(after)).toEqual([]);
    });
  }

  it('the only fix of a diagnostic is the preferred one', () => {
    const { text, offset } = cursor('flow f {\n  on NewOrd|r\n  stop\n}');
    const [a] = codeActions(projectOf(text), PATH, { start: offset, end: offset });
    expect(a!.isPreferred).toBe(true);
  });

  it('a range selects the diagnostics it overlaps', () => {
    const text = flow('steps a {\n    send email "welcom"\n    add to segment "vipp"\n  }');
    const all = codeActions(projectOf(text), PATH, { start: 0, end: text.length });
    expect(all.map((a) => a.title)).toEqual(['Replace with "welcome"', 'Replace with "vip"']);
    const first = text.indexOf('welcom');
    expect(codeActions(projectOf(text), PATH, { start: first, end: first + 3 }).map((a) => a.title)).toEqual(['Replace with "welcome"']);
    const clean = text.indexOf('steps');
    expect(codeActions(projectOf(text), PATH, { start: clean, end: clean + 2 })).toEqual([]);
  });

  it('no diagnostic, no action; an unknown file, no action', () => {
    const text = flow('stop');
    expect(codeActions(projectOf(text), PATH, { start: 0, end: text.length })).toEqual([]);
    expect(codeActions(projectOf(text), 'other.flow', { start: 0, end: 1 })).toEqual([]);
  });
});
