/**
 * The neutral drawing (compiler/draw/flow-to-diagram.ts): every block kind's text, every branch's
 * label, triggers as start nodes, exits noted; and the escaping of the three text formats.
 */
import { describe, expect, it } from 'vitest';
import { graphOf, TEST_MANIFEST } from '../bytecode/helpers.js';
import { dotString, flowDiagram, mermaidText, nodeLabel, toDot, toMermaid, xmlText, type Diagram } from '../../compiler/draw/index.js';

const WEIRD = 'we<ird>&"q"#1|`x`\'';
const MANIFEST = { ...TEST_MANIFEST, templates: { ...TEST_MANIFEST.templates, email: [...TEST_MANIFEST.templates.email, WEIRD] } };

const ALL_KINDS = `flow all_kinds "All <kinds> & \\"more\\"" {
  exit on NewOrder where order.total > 10
  on CustomerRegistered when customer.email.valid

  steps hello "Hi" { send email "we<ird>&\\"q\\"#1|\`x\`'" }
  wait pause 2d
  wait until customer.fields.birthday + 2d otherwise wait 1d
  wait hours 1h within mon..fri 09:00..17:00
  wait for NewOrder where order.total > 100 up to 3d {
    steps { send email "a" }
  } timeout {
    stop
  }
  if customer.fields.tier == gold {
    steps { send email "b" }
  } else if customer.fields.tier == silver {
    steps { send email "c" }
  } else {
    steps { send email "d" }
  }
  split test {
    30% left { steps { send email "a" } }
    30% right "Right one" { steps { send email "b" } }
  }
  parallel fan {
    branch one { steps { send email "a" } }
    branch { wait 1d }
  }
  limit cap 5 per day {
    steps { send sms "promo" }
  } else {
    steps { send email "reminder" }
  }
  limit budget "sms" { steps { send sms "promo" } }
}
`;

function byLines(d: Diagram): Map<string, string[]> {
  return new Map(d.nodes.map((n) => [n.key, nodeLabel(n)]));
}

describe('flowDiagram', () => {
  const graph = graphOf(ALL_KINDS, MANIFEST);
  const d = flowDiagram(graph);
  const edge = (from: string, label?: string) => d.edges.filter((e) => e.from === from && e.label === label).map((e) => e.to);

  it('has a node for every block, labelled with its id, and the triggers and exits first', () => {
    expect(d.flow).toBe('all_kinds');
    expect(d.title).toBe('All <kinds> & "more"');
    expect(d.nodes.map((n) => n.blockId).filter(Boolean)).toEqual(graph.blocks.map((b) => b.id));
    expect(d.nodes[0]).toEqual({ key: 'on_1', kind: 'trigger', lines: ['on CustomerRegistered', 'when customer.email.valid'] });
    expect(d.nodes[1]).toEqual({ key: 'exits', kind: 'exits', lines: ['exit on NewOrder where order.total > 10'] });
    expect(d.edges[0]).toEqual({ from: 'on_1', to: graph.entry });
    for (const n of d.nodes.filter((x) => x.blockId)) expect(nodeLabel(n)[0]).toBe(n.blockId);
  });

  it('says what each block does, starting with its kind', () => {
    const lines = [...byLines(d).values()].map((l) => l.slice(1).join(' | '));
    expect(lines).toEqual(
      expect.arrayContaining([
        `steps "Hi" | send email ${JSON.stringify(WEIRD)}`,
        'wait 2d',
        'wait until customer.fields.birthday + 2d | otherwise wait 1d',
        'wait 1h within mon..fri 09:00..17:00',
        'wait for NewOrder | where order.total > 100 | up to 3d',
        'if customer.fields.tier == gold',
        'split',
        'parallel',
        'join',
        'limit 5 per day',
        'limit budget "sms" | 1000 per day',
        'stop',
        'end',
      ]),
    );
  });

  it('labels every branch', () => {
    const id = (kind: string, nth = 0) => graph.blocks.filter((b) => b.kind === kind)[nth]!.id;
    const wait = id('wait_event');
    expect(edge(wait, 'event')).toHaveLength(1);
    expect(edge(wait, 'timeout')).toHaveLength(1);
    const ifId = id('if');
    expect(d.edges.filter((e) => e.from === ifId).map((e) => e.label)).toEqual(['then', 'else if customer.fields.tier == silver', 'else']);
    expect(d.edges.filter((e) => e.from === 'test').map((e) => e.label)).toEqual(['30% left', '30% right', '40% control']);
    expect(edge('test', '40% control')).toEqual([graph.blocks.at(-1)!.id]);
    expect(d.edges.filter((e) => e.from === 'fan').map((e) => e.label)).toEqual(['one', 'branch 2']);
    expect(d.edges.filter((e) => e.from === 'cap').map((e) => e.label)).toEqual(['within', 'else']);
  });

  it('keeps keys unique: a trigger does not take a block id', () => {
    const g = graphOf('flow f {\n  on CustomerRegistered\n  steps on_1 { send email "a" }\n}\n');
    const keys = flowDiagram(g).nodes.map((n) => n.key);
    expect(keys[0]).toBe('on_1_2');
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('leaves out the end block when every path stops, and draws no control edge at 100%', () => {
    const g = graphOf('flow f {\n  on CustomerRegistered\n  split s {\n    50% a { stop }\n    50% b { stop }\n  }\n}\n');
    const dd = flowDiagram(g);
    expect(dd.nodes.some((n) => n.kind === 'end')).toBe(false);
    expect(dd.edges.map((e) => e.label)).toEqual([undefined, '50% a', '50% b']);
  });

  it('notes the segment of a folder rule on the triggers', () => {
    const g = { ...graph, settings: { ...graph.settings, segment: 'vip' } };
    expect(flowDiagram(g).nodes[0]!.lines).toContain('only customers in segment "vip"');
  });
});

describe('escaping', () => {
  it('mermaid: entity codes for what Mermaid would read as syntax', () => {
    expect(mermaidText(WEIRD)).toBe('we#lt;ird#gt;#amp;#quot;q#quot;#35;1#124;#96;x#96;\'');
    expect(mermaidText('a\nb')).toBe('a b');
  });

  it('dot: quotes and backslashes escaped', () => {
    expect(dotString('a"b\\n')).toBe('"a\\"b\\\\n"');
    expect(dotString('a\nb')).toBe('"a b"');
  });

  it('xml: the five specials, and characters XML forbids', () => {
    expect(xmlText(`<a href="x">&'</a>\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt; ');
  });

  it('leaves no raw special character inside a quoted label', () => {
    const d = flowDiagram(graphOf(ALL_KINDS, MANIFEST));
    const mermaid = toMermaid([d]);
    for (const line of mermaid.split('\n').filter((l) => l.includes('["') || l.includes('|"'))) {
      const quoted = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
      for (const q of quoted) expect(q.replaceAll('<br>', '')).not.toMatch(/[<>&|`]/);
    }
    const dot = toDot([d]);
    expect(dot).toContain(String.raw`send email \"we<ird>&\\\"q\\\"#1|`);
  });
});

describe('several flows in one drawing', () => {
  const a = flowDiagram(graphOf('flow a {\n  on CustomerRegistered\n  steps s { send email "a" }\n}\n'));
  const b = flowDiagram(graphOf('flow b {\n  on CustomerRegistered\n  steps s { send email "b" }\n}\n'));

  it('mermaid: one subgraph per flow, ids kept apart', () => {
    const text = toMermaid([a, b]);
    expect(text).toContain('subgraph f1 ["flow a"]');
    expect(text).toContain('subgraph f2 ["flow b"]');
    expect(text).toContain('f1_on_1 --> f1_s');
    expect(text).toContain('f2_on_1 --> f2_s');
  });

  it('dot: one cluster per flow', () => {
    const text = toDot([a, b]);
    expect(text).toContain('subgraph "cluster_1" {');
    expect(text).toContain('"a/on_1" -> "a/s";');
    expect(text).toContain('"b/on_1" -> "b/s";');
  });

  it('mermaid renames a block id that Mermaid reserves', () => {
    const d = flowDiagram(graphOf('flow f {\n  on CustomerRegistered\n  wait end 1d\n}\n'));
    expect(toMermaid([d])).toContain('on_1 --> end_\n');
  });
});
