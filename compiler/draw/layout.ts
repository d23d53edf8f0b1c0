/**
 * Places a diagram with dagre (a layered layout for directed graphs): top to bottom, triggers
 * first. The caller says how big each node and edge label is; dagre says where everything goes.
 * Same diagram and sizes → same positions (dagre has no randomness; nodes and edges are added in
 * the diagram's fixed order).
 */
import dagre from '@dagrejs/dagre';
import type { Diagram, DiagramEdge, DiagramNode } from './model.js';

export interface Size {
  width: number;
  height: number;
}
export interface Point {
  x: number;
  y: number;
}
/** A rectangle by its top-left corner. */
export interface Box extends Point, Size {}

export interface PlacedNode {
  node: DiagramNode;
  box: Box;
}
export interface PlacedEdge {
  edge: DiagramEdge;
  /** From the border of the source node to the border of the target node. */
  points: Point[];
  /** Where the label goes (when the edge has one). */
  labelBox?: Box;
}
export interface Layout extends Size {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export interface LayoutOptions {
  /** Space between nodes side by side, between layers, around the drawing (px). */
  nodeSep?: number;
  rankSep?: number;
  margin?: number;
}

/** Rounded to a tenth: tidy output, and no float noise between runs or machines. */
function r(n: number): number {
  return Math.round(n * 10) / 10;
}

interface Segment {
  a: Point;
  b: Point;
  edge: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

/** Which side of the line p→q the point t is on: -1, 0 or 1. */
function side(p: Point, q: Point, t: Point): number {
  return Math.sign((q.x - p.x) * (t.y - p.y) - (q.y - p.y) * (t.x - p.x));
}

/** Whether two segments cross (touching at an end, as edges into one node do, is not crossing). */
function cross(s: Segment, t: Segment): boolean {
  return side(s.a, s.b, t.a) * side(s.a, s.b, t.b) < 0 && side(t.a, t.b, s.a) * side(t.a, t.b, s.b) < 0;
}

/**
 * How many times edges cross each other. Segments sorted by their top, each compared only with
 * those that start above its bottom: in a layered drawing, the few between the same two layers.
 */
export function crossings(edges: readonly PlacedEdge[]): number {
  const segs: Segment[] = [];
  edges.forEach((e, edge) => {
    for (let i = 0; i + 1 < e.points.length; i++) {
      const a = e.points[i]!;
      const b = e.points[i + 1]!;
      segs.push({ a, b, edge, minX: Math.min(a.x, b.x), maxX: Math.max(a.x, b.x), minY: Math.min(a.y, b.y), maxY: Math.max(a.y, b.y) });
    }
  });
  segs.sort((s, t) => s.minY - t.minY || s.minX - t.minX);
  let n = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    for (let j = i + 1; j < segs.length && segs[j]!.minY <= s.maxY; j++) {
      const t = segs[j]!;
      if (t.edge !== s.edge && t.minX <= s.maxX && s.minX <= t.maxX && cross(s, t)) n++;
    }
  }
  return n;
}

/**
 * Lays the diagram out. Flows are structured (every branch is a nested body), so dagre's first
 * ordering of each layer, a depth-first walk taking branches in source order, keeps `then` left of
 * `else`, `event` left of `timeout`, variants as written, and rarely crosses edges; its crossing
 * reduction would reorder branches to no gain. When that order does cross edges, the drawing with
 * the reduction is taken instead if it crosses fewer.
 */
export function layoutDiagram(
  d: Diagram,
  nodeSize: (n: DiagramNode) => Size,
  labelSize: (label: string) => Size,
  options: LayoutOptions = {},
): Layout {
  const inOrder = runLayout(d, nodeSize, labelSize, options, true);
  const n = crossings(inOrder.edges);
  if (n === 0) return inOrder;
  const reduced = runLayout(d, nodeSize, labelSize, options, false);
  return crossings(reduced.edges) < n ? reduced : inOrder;
}

function runLayout(
  d: Diagram,
  nodeSize: (n: DiagramNode) => Size,
  labelSize: (label: string) => Size,
  options: LayoutOptions,
  sourceOrder: boolean,
): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const margin = options.margin ?? 16;
  g.setGraph({ rankdir: 'TB', nodesep: options.nodeSep ?? 28, ranksep: options.rankSep ?? 36, edgesep: 14, marginx: margin, marginy: margin });
  g.setDefaultEdgeLabel(() => ({}));
  const keys = new Set<string>();
  for (const n of d.nodes) {
    const s = nodeSize(n);
    g.setNode(n.key, { width: s.width, height: s.height });
    keys.add(n.key);
  }
  const drawn = d.edges.filter((e) => keys.has(e.from) && keys.has(e.to));
  drawn.forEach((e, i) => {
    const s = e.label !== undefined ? labelSize(e.label) : { width: 0, height: 0 };
    g.setEdge(e.from, e.to, { width: s.width, height: s.height, labelpos: 'c' }, `e${i}`);
  });
  dagre.layout(g, { disableOptimalOrderHeuristic: sourceOrder });
  const nodes = d.nodes.map((n): PlacedNode => {
    const l = g.node(n.key) as { x: number; y: number; width: number; height: number };
    return { node: n, box: { x: r(l.x - l.width / 2), y: r(l.y - l.height / 2), width: r(l.width), height: r(l.height) } };
  });
  const edges = drawn.map((e, i): PlacedEdge => {
    const l = g.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: Point[]; x?: number; y?: number; width?: number; height?: number };
    const placed: PlacedEdge = { edge: e, points: (l.points ?? []).map((p) => ({ x: r(p.x), y: r(p.y) })) };
    if (e.label !== undefined && l.x !== undefined && l.y !== undefined) {
      const w = l.width ?? 0;
      const h = l.height ?? 0;
      placed.labelBox = { x: r(l.x - w / 2), y: r(l.y - h / 2), width: r(w), height: r(h) };
    }
    return placed;
  });
  const size = g.graph() as { width?: number; height?: number };
  return { width: r(size.width ?? 0), height: r(size.height ?? 0), nodes, edges };
}
