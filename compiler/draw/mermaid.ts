/**
 * Diagram → Mermaid flowchart text (for Markdown: GitHub, GitLab and most wikis draw it). Node
 * ids are the diagram keys (block ids), renamed only when Mermaid reserves the word; every text
 * is quoted and escaped with Mermaid's entity codes. Several flows become one subgraph each.
 */
import { diagramHeading, nodeLabel, type Diagram, type DiagramNode } from './model.js';
import { COLORS, STYLE_ORDER, styleOf, type NodeStyle } from './style.js';

/** Words a Mermaid flowchart does not take as a node id. */
const RESERVED = new Set([
  'end',
  'graph',
  'flowchart',
  'subgraph',
  'direction',
  'style',
  'linkstyle',
  'classdef',
  'class',
  'click',
  'call',
  'href',
  'callback',
  'default',
  'interpolate',
  'acctitle',
  'accdescr',
]);

const ENTITIES: Record<string, string> = {
  '#': '#35;',
  '"': '#quot;',
  '&': '#amp;',
  '<': '#lt;',
  '>': '#gt;',
  '|': '#124;',
  '`': '#96;',
};

/** Text for inside `"..."`: Mermaid's entity codes for what it would read as syntax or HTML. */
export function mermaidText(s: string): string {
  return s.replace(/[#"&<>|`]|[\u0000-\u001f\u007f]/g, (c) => ENTITIES[c] ?? ' ');
}

function shape(n: DiagramNode, text: string): string {
  switch (styleOf(n.kind)) {
    case 'trigger':
      return `(["${text}"])`;
    case 'exits':
      return `>"${text}"]`;
    case 'wait':
      return `("${text}")`;
    case 'decision':
      return `{{"${text}"}}`;
    case 'parallel':
      return `[["${text}"]]`;
    case 'stop':
    case 'end':
      return `(("${text}"))`;
    case 'steps':
      return `["${text}"]`;
  }
}

/** Mermaid ids for a diagram's keys: `prefix + key`, a reserved word renamed. */
function idsOf(d: Diagram, prefix: string): Map<string, string> {
  const keys = new Set(d.nodes.map((n) => n.key));
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const n of d.nodes) {
    let id = prefix + n.key;
    if (RESERVED.has(id.toLowerCase())) {
      id = `${id}_`;
      while (keys.has(id) || used.has(id)) id += '_';
    }
    used.add(id);
    ids.set(n.key, id);
  }
  return ids;
}

function body(d: Diagram, prefix: string, indent: string, used: Set<NodeStyle>): string[] {
  const ids = idsOf(d, prefix);
  const out: string[] = [];
  for (const n of d.nodes) {
    const style = styleOf(n.kind);
    used.add(style);
    out.push(`${indent}${ids.get(n.key)}${shape(n, nodeLabel(n).map(mermaidText).join('<br>'))}:::${style}Node`);
  }
  for (const e of d.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (from === undefined || to === undefined) continue;
    out.push(`${indent}${from} -->${e.label !== undefined ? `|"${mermaidText(e.label)}"|` : ''} ${to}`);
  }
  return out;
}

/** One flowchart; with several diagrams, one subgraph per flow (ids prefixed `f1_`, `f2_`...). */
export function toMermaid(diagrams: readonly Diagram[]): string {
  const used = new Set<NodeStyle>();
  const lines: string[] = [];
  if (diagrams.length === 1) {
    const d = diagrams[0]!;
    lines.push('---', `title: ${JSON.stringify(diagramHeading(d))}`, '---', 'flowchart TD', ...body(d, '', '  ', used));
  } else {
    lines.push('flowchart TD');
    diagrams.forEach((d, i) => {
      lines.push(`  subgraph f${i + 1} ["${mermaidText(diagramHeading(d))}"]`, ...body(d, `f${i + 1}_`, '    ', used), '  end');
    });
  }
  for (const s of STYLE_ORDER) if (used.has(s)) lines.push(`  classDef ${s}Node fill:${COLORS[s].fill},stroke:${COLORS[s].stroke}`);
  return lines.join('\n') + '\n';
}
