/**
 * Diagram → SVG, laid out by dagre (layout.ts). Self-contained (no CSS, no fonts to load, no
 * script), deterministic (same diagrams → same bytes) and browser-safe: the CLI writes it, the
 * playground will show the same drawing. Nodes carry `data-block="<id>"` for the playground to
 * find them; the text is a monospace font so that sizes computed here fit on every machine.
 */
import { diagramHeading, nodeLabel, type Diagram, type DiagramNode } from './model.js';
import { layoutDiagram, type Layout, type Point, type Size } from './layout.js';
import { COLORS, styleOf, type NodeStyle } from './style.js';

const FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const FONT_SIZE = 12;
/** The advance of one character of a monospace font at FONT_SIZE (0.6 em), with a little room. */
const CHAR_W = 7.4;
const LINE_H = 16;
const PAD_X = 10;
const PAD_Y = 7;
const LABEL_FONT_SIZE = 11;
const LABEL_CHAR_W = 6.8;
const LABEL_LINE_H = 14;
/** Longer lines are wrapped (at spaces when there are some). */
const MAX_CHARS = 46;
const TITLE_H = 28;
const GAP = 24;
const EDGE_COLOR = '#4a5568';

const RADIUS: Readonly<Record<NodeStyle, number>> = { trigger: 14, exits: 2, steps: 3, wait: 10, decision: 3, parallel: 3, stop: 14, end: 14 };

/** Text for XML content and attribute values. Characters XML 1.0 forbids become spaces. */
export function xmlText(s: string): string {
  return s.replace(/[&<>"']|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&#39;';
      default:
        return ' ';
    }
  });
}

/** Columns a line takes: wide (East Asian) characters count two. */
export function textColumns(s: string): number {
  let n = 0;
  for (const ch of s) n += ch.codePointAt(0)! >= 0x2e80 ? 2 : 1;
  return n;
}

/** A line cut into lines of at most `max` columns, at spaces where it can. */
export function wrapLine(line: string, max = MAX_CHARS): string[] {
  if (textColumns(line) <= max) return [line];
  const out: string[] = [];
  let rest = line;
  while (textColumns(rest) > max) {
    const chars = [...rest];
    let cut = 0;
    for (let cols = 0; cut < chars.length; cut++) {
      cols += textColumns(chars[cut]!);
      if (cols > max) break;
    }
    const head = chars.slice(0, cut).join('');
    // At a space: the one right after the head, else the last one in it (unless too early).
    const space = chars[cut] === ' ' ? head.length : head.lastIndexOf(' ');
    const at = space > max / 3 ? space : head.length;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
    // Continuation lines are indented so that a wrapped line reads as one.
    if (rest) rest = '  ' + rest;
  }
  if (rest.trim()) out.push(rest);
  return out;
}

/** A node's text as drawn: its label, long lines wrapped. */
function drawnLines(n: DiagramNode): string[] {
  return nodeLabel(n).flatMap((l) => wrapLine(l));
}

function nodeSize(n: DiagramNode): Size {
  const lines = drawnLines(n);
  const cols = Math.max(...lines.map(textColumns), 8);
  return { width: Math.ceil(cols * CHAR_W + 2 * PAD_X), height: lines.length * LINE_H + 2 * PAD_Y };
}

function labelLines(label: string): string[] {
  return wrapLine(label, 30);
}

function labelSize(label: string): Size {
  const lines = labelLines(label);
  return { width: Math.ceil(Math.max(...lines.map(textColumns)) * LABEL_CHAR_W + 8), height: lines.length * LABEL_LINE_H + 4 };
}

/** `12.5`: coordinates are already rounded to a tenth by the layout. */
function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function pointsAttr(points: readonly Point[]): string {
  return points.map((p) => `${num(p.x)},${num(p.y)}`).join(' ');
}

function drawLayout(l: Layout, out: string[]): void {
  for (const { edge, points, labelBox } of l.edges) {
    out.push(`<g class="runnel-edge" data-from="${xmlText(edge.from)}" data-to="${xmlText(edge.to)}">`);
    out.push(`<polyline points="${pointsAttr(points)}" fill="none" stroke="${EDGE_COLOR}" stroke-width="1.2" marker-end="url(#runnel-arrow)"/>`);
    if (edge.label !== undefined && labelBox) {
      const lines = labelLines(edge.label);
      out.push(`<rect x="${num(labelBox.x)}" y="${num(labelBox.y)}" width="${num(labelBox.width)}" height="${num(labelBox.height)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>`);
      const cx = labelBox.x + labelBox.width / 2;
      lines.forEach((line, i) => {
        const y = labelBox.y + 2 + LABEL_LINE_H * i + LABEL_FONT_SIZE;
        out.push(`<text x="${num(cx)}" y="${num(y)}" text-anchor="middle" font-size="${LABEL_FONT_SIZE}" fill="#2d3748">${xmlText(line)}</text>`);
      });
    }
    out.push('</g>');
  }
  for (const { node, box } of l.nodes) {
    const style = styleOf(node.kind);
    const color = COLORS[style];
    const block = node.blockId !== undefined ? ` data-block="${xmlText(node.blockId)}"` : '';
    out.push(`<g class="runnel-node runnel-${style}" data-key="${xmlText(node.key)}" data-kind="${node.kind}"${block}>`);
    out.push(`<title>${xmlText(nodeLabel(node).join('\n'))}</title>`);
    const dash = style === 'exits' ? ' stroke-dasharray="4 3"' : '';
    out.push(
      `<rect x="${num(box.x)}" y="${num(box.y)}" width="${num(box.width)}" height="${num(box.height)}" rx="${RADIUS[style]}" fill="${color.fill}" stroke="${color.stroke}" stroke-width="1.2"${dash}/>`,
    );
    const cx = box.x + box.width / 2;
    const lines = drawnLines(node);
    // The block id heads the node: bold when written in the source, grey when derived.
    const idLines = node.blockId !== undefined ? wrapLine(node.blockId).length : 0;
    lines.forEach((line, i) => {
      const y = box.y + PAD_Y + LINE_H * i + FONT_SIZE;
      const look = i < idLines ? (node.explicit ? ' font-weight="bold" fill="#1a202c"' : ' fill="#718096"') : ' fill="#1a202c"';
      out.push(`<text x="${num(cx)}" y="${num(y)}" text-anchor="middle"${look} xml:space="preserve">${xmlText(line)}</text>`);
    });
    out.push('</g>');
  }
}

/** One SVG document: each flow laid out on its own, under its heading, one below the other. */
export function toSvg(diagrams: readonly Diagram[]): string {
  const layouts = diagrams.map((d) => layoutDiagram(d, nodeSize, labelSize));
  const headingWidth = (d: Diagram) => Math.ceil(textColumns(diagramHeading(d)) * 8.4) + 32;
  const width = Math.ceil(Math.max(120, ...layouts.map((l, i) => Math.max(l.width, headingWidth(diagrams[i]!)))));
  const body: string[] = [];
  let y = 0;
  layouts.forEach((l, i) => {
    const d = diagrams[i]!;
    if (i > 0) y += GAP;
    body.push(`<g class="runnel-flow" data-flow="${xmlText(d.flow)}" transform="translate(0,${num(y)})">`);
    body.push(`<text x="16" y="20" font-size="14" font-weight="bold" fill="#1a202c" xml:space="preserve">${xmlText(diagramHeading(d))}</text>`);
    body.push(`<g transform="translate(0,${TITLE_H})">`);
    drawLayout(l, body);
    body.push('</g>', '</g>');
    y += TITLE_H + l.height;
  });
  const height = Math.ceil(y);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="${FONT_SIZE}">`,
    '<defs>',
    `<marker id="runnel-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${EDGE_COLOR}"/></marker>`,
    '</defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
