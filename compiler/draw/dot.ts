/**
 * Diagram → Graphviz DOT text (`dot -Tsvg`, `dot -Tpng`). Every id and text is a quoted DOT
 * string, escaped so that Graphviz reads it as plain text; several flows become one cluster each.
 */
import { diagramHeading, nodeLabel, type Diagram } from './model.js';
import { COLORS, styleOf, type NodeStyle } from './style.js';

/**
 * A DOT quoted string. Backslash and quote are escaped; in a label a backslash would otherwise
 * start an escape of its own (`\n`, `\l`, `\N`...). Control characters become spaces.
 */
export function dotString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, ' ')}"`;
}

const SHAPES: Readonly<Record<NodeStyle, string>> = {
  trigger: 'shape=box, style="rounded,filled", peripheries=2',
  exits: 'shape=note, style=filled',
  steps: 'shape=box, style=filled',
  wait: 'shape=box, style="rounded,filled"',
  decision: 'shape=hexagon, style=filled',
  parallel: 'shape=box, style="filled,bold"',
  stop: 'shape=octagon, style=filled',
  end: 'shape=doubleoctagon, style=filled',
};

function body(d: Diagram, prefix: string, indent: string): string[] {
  const id = (key: string) => dotString(prefix + key);
  const keys = new Set(d.nodes.map((n) => n.key));
  const out: string[] = [];
  for (const n of d.nodes) {
    const style = styleOf(n.kind);
    // `\n` between lines: a line break, centred (the lines themselves are escaped).
    const label = nodeLabel(n)
      .map((l) => dotString(l).slice(1, -1))
      .join('\\n');
    out.push(`${indent}${id(n.key)} [label="${label}", ${SHAPES[style]}, fillcolor="${COLORS[style].fill}", color="${COLORS[style].stroke}"];`);
  }
  for (const e of d.edges) {
    if (!keys.has(e.from) || !keys.has(e.to)) continue;
    out.push(`${indent}${id(e.from)} -> ${id(e.to)}${e.label !== undefined ? ` [label=${dotString(e.label)}]` : ''};`);
  }
  return out;
}

const HEAD = ['  rankdir=TB;', '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=10];'];

/** One digraph; with several diagrams, one cluster per flow (ids prefixed with the flow id). */
export function toDot(diagrams: readonly Diagram[]): string {
  const lines: string[] = [];
  if (diagrams.length === 1) {
    const d = diagrams[0]!;
    lines.push(`digraph ${dotString(d.flow)} {`, `  label=${dotString(diagramHeading(d))};`, '  labelloc=t;', ...HEAD, ...body(d, '', '  '), '}');
  } else {
    lines.push('digraph "runnel" {', ...HEAD);
    diagrams.forEach((d, i) => {
      lines.push(`  subgraph ${dotString(`cluster_${i + 1}`)} {`, `    label=${dotString(diagramHeading(d))};`, ...body(d, `${d.flow}/`, '    '), '  }');
    });
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}
