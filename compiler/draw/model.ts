/**
 * The neutral drawing of a flow: nodes and edges with their texts, no geometry and no syntax of
 * any output format. flow-to-diagram.ts builds it from a FlowGraph; mermaid.ts, dot.ts and svg.ts
 * (with layout.ts) print it. Browser-safe, like all of compiler/.
 */
import type { BlockKind } from '../lower/graph.js';
import { quoteString } from '../format/format-flow.js';

/** What a node stands for: a block of the flow, a trigger, or the note listing the exit events. */
export type DiagramNodeKind = BlockKind | 'trigger' | 'exits';

export interface DiagramNode {
  /** Unique within the diagram, and an identifier (`[A-Za-z_][A-Za-z0-9_]*`): a block's id, `on_1`... */
  key: string;
  kind: DiagramNodeKind;
  /** The block's id (written or derived); absent for triggers and the exits note. */
  blockId?: string;
  /** Whether the id was written in the source. */
  explicit?: boolean;
  /** What the block does, one line each, starting with its kind: `wait 2d`, `send email "welcome"`. */
  lines: string[];
}

export interface DiagramEdge {
  from: string;
  to: string;
  /** The branch: `then`, `else if ...`, `else`, `40% discount`, `20% control`, `event`, `timeout`, `within`... */
  label?: string;
}

export interface Diagram {
  /** The flow's id. */
  flow: string;
  title?: string;
  /**
   * Triggers first, then the exits note (if any), then the blocks in source order, the end block
   * last (left out when no path reaches it: every branch stops).
   */
  nodes: DiagramNode[];
  /** In a fixed order: the triggers' edges, then each block's in the order of its branches. */
  edges: DiagramEdge[];
}

/** A node's text, line by line: the block id first (for blocks), then what it does. */
export function nodeLabel(n: DiagramNode): string[] {
  return n.blockId !== undefined ? [n.blockId, ...n.lines] : n.lines;
}

/** The heading of a flow's drawing: `flow welcome "Welcome new customers"`. */
export function diagramHeading(d: Diagram): string {
  return d.title !== undefined ? `flow ${d.flow} ${quoteString(d.title)}` : `flow ${d.flow}`;
}
