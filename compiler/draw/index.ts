/** Drawing flows: FlowGraph → Diagram (the neutral model) → Mermaid, DOT or SVG text. Browser-safe. */
export * from './model.js';
export { flowDiagram, blockLines, blockEdges } from './flow-to-diagram.js';
export { toMermaid, mermaidText } from './mermaid.js';
export { toDot, dotString } from './dot.js';
export { toSvg, xmlText, wrapLine } from './svg.js';
export { layoutDiagram, crossings, type Layout, type PlacedNode, type PlacedEdge, type Box, type Point, type Size, type LayoutOptions } from './layout.js';
export { styleOf, COLORS, type NodeStyle } from './style.js';

import type { FlowGraph } from '../lower/graph.js';
import { flowDiagram } from './flow-to-diagram.js';
import { toMermaid } from './mermaid.js';
import { toDot } from './dot.js';
import { toSvg } from './svg.js';

export type GraphFormat = 'svg' | 'mermaid' | 'dot';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['svg', 'mermaid', 'dot'];

/** The flows drawn in one document of the format. */
export function drawFlows(graphs: readonly FlowGraph[], format: GraphFormat): string {
  const diagrams = graphs.map(flowDiagram);
  return format === 'svg' ? toSvg(diagrams) : format === 'mermaid' ? toMermaid(diagrams) : toDot(diagrams);
}
