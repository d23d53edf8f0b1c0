/**
 * The SVG drawing: well-formed XML, every block id on it, sizes that make sense (no NaN, every
 * node inside the viewBox), the same bytes every time; laid out by dagre with branches in source
 * order and without crossing edges on the example flows.
 */
import { describe, expect, it } from 'vitest';
import { flowDiagram, layoutDiagram, toSvg, wrapLine, type Diagram } from '../../compiler/draw/index.js';
import { crossings } from '../../compiler/draw/layout.js';
import { graphOf } from '../bytecode/helpers.js';
import { BENCH_MANIFEST, generateFlow } from '../../bench/gen-flow.js';
import { checkXml, shopGraphs } from './helpers.js';

const graphs = shopGraphs();

function numbersOf(svg: string): number[] {
  const out: number[] = [];
  for (const m of svg.matchAll(/\s(?:x|y|width|height|points|viewBox)="([^"]*)"/g)) out.push(...m[1]!.split(/[\s,]+/).map(Number));
  for (const m of svg.matchAll(/translate\(([^)]*)\)/g)) out.push(...m[1]!.split(',').map(Number));
  return out;
}

function checkSvg(svg: string, diagrams: Diagram[]): void {
  const elements = checkXml(svg);
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" ')).toBe(true);
  expect(svg).not.toMatch(/NaN|undefined|Infinity|null/);
  const nums = numbersOf(svg);
  expect(nums.length).toBeGreaterThan(10);
  for (const n of nums) expect(Number.isFinite(n)).toBe(true);
  const [, , w, h] = /viewBox="([^"]+)"/.exec(svg)![1]!.split(' ').map(Number) as [number, number, number, number];
  expect(svg).toContain(`width="${w}" height="${h}"`);
  expect(elements.get('g')).toBeGreaterThan(0);
  for (const d of diagrams) {
    expect(svg).toContain(`data-flow="${d.flow}"`);
    for (const n of d.nodes) {
      if (n.blockId === undefined) continue;
      // On the node (for the playground) and in its text (for people).
      expect(svg).toContain(`data-block="${n.blockId}"`);
      expect(svg).toMatch(new RegExp(`>${n.blockId}</text>`));
    }
  }
  // Every node inside the drawing.
  for (const m of svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
    const [x, y, rw, rh] = m.slice(1).map(Number) as [number, number, number, number];
    expect(x + rw).toBeLessThanOrEqual(w);
    expect(y + rh).toBeLessThanOrEqual(h);
  }
}

describe('svg of the example flows', () => {
  for (const g of graphs) {
    it(`${g.id}: well-formed, every block id shown, same bytes twice`, () => {
      const d = flowDiagram(g);
      const svg = toSvg([d]);
      checkSvg(svg, [d]);
      expect(toSvg([flowDiagram(g)])).toBe(svg);
      expect(elementsOfKind(svg, 'runnel-node')).toBe(d.nodes.length);
      expect(elementsOfKind(svg, 'runnel-edge')).toBe(d.edges.length);
    });
  }

  it('stacks several flows in one image', () => {
    const ds = graphs.slice(0, 3).map(flowDiagram);
    const svg = toSvg(ds);
    checkSvg(svg, ds);
    expect(svg.match(/class="runnel-flow"/g)).toHaveLength(3);
  });

  it('escapes every text', () => {
    const d = flowDiagram(graphOf('flow f "a <b> & \\"c\\" \'d\'" {\n  on CustomerRegistered\n  if customer.firstName == "<x>&" { stop }\n}\n'));
    const svg = toSvg([d]);
    checkSvg(svg, [d]);
    expect(svg).toContain('flow f &quot;a &lt;b&gt; &amp; \\&quot;c\\&quot; &#39;d&#39;&quot;');
    expect(svg).toContain('if customer.firstName == &quot;&lt;x&gt;&amp;&quot;');
  });
});

function elementsOfKind(svg: string, cls: string): number {
  return svg.match(new RegExp(`<g class="${cls}[ "]`, 'g'))?.length ?? 0;
}

/** Whether a point is on the outline of a box (within a pixel). */
function onBorder(p: { x: number; y: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  const near = (a: number, c: number) => Math.abs(a - c) <= 1;
  const inX = p.x >= b.x - 1 && p.x <= b.x + b.width + 1;
  const inY = p.y >= b.y - 1 && p.y <= b.y + b.height + 1;
  return (inX && (near(p.y, b.y) || near(p.y, b.y + b.height))) || (inY && (near(p.x, b.x) || near(p.x, b.x + b.width)));
}

describe('layout', () => {
  const size = () => ({ width: 140, height: 40 });
  const label = (s: string) => ({ width: s.length * 7, height: 16 });

  it('crosses no edge and keeps branches in source order on the example flows', () => {
    for (const g of graphs) {
      const d = flowDiagram(g);
      const l = layoutDiagram(d, size, label);
      expect(crossings(l.edges), g.id).toBe(0);
      const box = new Map(l.nodes.map((n) => [n.node.key, n.box]));
      // Branches into the same layer: left to right as written.
      const targets = new Map<string, string[]>();
      for (const e of d.edges) targets.set(e.from, [...(targets.get(e.from) ?? []), e.to]);
      for (const [from, ts] of targets) {
        for (let i = 0; i + 1 < ts.length; i++) {
          const a = box.get(ts[i]!)!;
          const b = box.get(ts[i + 1]!)!;
          if (a.y === b.y && ts[i] !== ts[i + 1]) expect(a.x, `${g.id}: ${from} → ${ts[i]}, ${ts[i + 1]}`).toBeLessThan(b.x);
        }
      }
    }
  });

  it('puts the triggers on top and every edge from its source to its target', () => {
    for (const g of graphs) {
      const l = layoutDiagram(flowDiagram(g), size, label);
      const box = new Map(l.nodes.map((n) => [n.node.key, n.box]));
      const top = Math.min(...l.nodes.map((n) => n.box.y));
      for (const n of l.nodes) if (n.node.kind === 'trigger') expect(n.box.y).toBe(top);
      for (const e of l.edges) {
        const from = box.get(e.edge.from)!;
        const to = box.get(e.edge.to)!;
        expect(onBorder(e.points[0]!, from), `${g.id}: ${e.edge.from} → ${e.edge.to} starts on its source`).toBe(true);
        expect(onBorder(e.points.at(-1)!, to), `${g.id}: ${e.edge.from} → ${e.edge.to} ends on its target`).toBe(true);
        expect(e.points.at(-1)!.y).toBeGreaterThan(e.points[0]!.y);
      }
    }
  });

  it('draws a large generated flow quickly and deterministically', () => {
    const text = generateFlow('big', 300, 7);
    const g = graphOf(text, BENCH_MANIFEST);
    const started = performance.now();
    const svg = toSvg([flowDiagram(g)]);
    expect(performance.now() - started).toBeLessThan(10_000);
    checkSvg(svg, [flowDiagram(g)]);
    expect(toSvg([flowDiagram(g)])).toBe(svg);
  });
});

describe('wrapLine', () => {
  it('keeps short lines, cuts long ones at spaces, hard-cuts long words', () => {
    expect(wrapLine('short')).toEqual(['short']);
    expect(wrapLine('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', '  cccc']);
    expect(wrapLine('x'.repeat(25), 10)).toEqual(['x'.repeat(10), '  ' + 'x'.repeat(8), '  ' + 'x'.repeat(7)]);
  });
});
