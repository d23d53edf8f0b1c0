/**
 * FlowGraph → Diagram: what the canvas shows. The triggers are the start nodes, each leading to the
 * first block; every block is a node labelled with its id and what it does; branches are edges
 * labelled as the source names them. The exit events are a note of their own, unconnected.
 */
import type { FlowGraph, GraphBlock } from '../lower/graph.js';
import { quoteString } from '../format/format-flow.js';
import type { Diagram, DiagramEdge, DiagramNode } from './model.js';
import { actionText, durationText, eventText, periodText, triggerLines, windowText } from './text.js';

/** `40`, `33.3`: a share as the source writes it. */
function percentText(p: number): string {
  return `${Math.round(p * 1e6) / 1e6}%`;
}

/** What a block does, one line each, starting with its kind. */
export function blockLines(b: GraphBlock): string[] {
  switch (b.kind) {
    case 'steps':
      return [b.title !== undefined ? `steps ${quoteString(b.title)}` : 'steps', ...b.actions.map(actionText)];
    case 'wait_fixed':
      return [`wait ${durationText(b.durationMs)}`];
    case 'wait_until': {
      const otherwise = b.otherwise.kind === 'stop' ? ['otherwise stop'] : b.otherwise.kind === 'wait' ? [`otherwise wait ${durationText(b.otherwise.ms)}`] : [];
      return [`wait until ${b.at.text}`, ...otherwise];
    }
    case 'wait_within':
      return [`wait ${b.durationMs > 0 ? durationText(b.durationMs) + ' ' : ''}${windowText(b.window)}`];
    case 'wait_event':
      return [`wait for ${eventText(b.event)}`, ...(b.where ? [`where ${b.where.text}`] : []), `up to ${durationText(b.timeoutMs)}`];
    case 'if':
      return [b.branches[0] ? `if ${b.branches[0].condition.text}` : 'if'];
    case 'split':
      return ['split'];
    case 'parallel':
      return ['parallel'];
    case 'join':
      return ['join'];
    case 'limit':
      return b.budget !== undefined
        ? [`limit budget ${quoteString(b.budget)}`, `${b.count} per ${periodText(b.period)}`]
        : [`limit ${b.count} per ${periodText(b.period)}`];
    case 'stop':
      return ['stop'];
    case 'end':
      return ['end'];
  }
}

/** A block's outgoing edges, labelled, in the order of its branches. */
export function blockEdges(b: GraphBlock): DiagramEdge[] {
  const e = (to: string, label?: string): DiagramEdge => (label !== undefined ? { from: b.id, to, label } : { from: b.id, to });
  switch (b.kind) {
    case 'steps':
    case 'wait_fixed':
    case 'wait_until':
    case 'wait_within':
    case 'join':
      return [e(b.next)];
    case 'wait_event':
      return [e(b.onEvent, 'event'), e(b.onTimeout, 'timeout')];
    case 'if':
      return [...b.branches.map((br, i) => e(br.next, i === 0 ? 'then' : `else if ${br.condition.text}`)), e(b.else, 'else')];
    case 'split':
      return [
        ...b.variants.map((v) => e(v.next, `${percentText(v.percent)} ${v.name}`)),
        // A split whose variants take 100% has no control group: no edge for it.
        ...(b.control.percent > 0 ? [e(b.control.next, `${percentText(b.control.percent)} control`)] : []),
      ];
    case 'parallel':
      // The branches only; the join they all reach is drawn through them.
      return b.branches.map((br, i) => e(br.next, br.label ?? `branch ${i + 1}`));
    case 'limit':
      return [e(b.next, 'within'), e(b.else, 'else')];
    case 'stop':
    case 'end':
      return [];
  }
}

/** `name`, or `name_2`, `name_3`... : the first that no block id takes. */
function freeKey(name: string, taken: Set<string>): string {
  let key = name;
  for (let n = 2; taken.has(key); n++) key = `${name}_${n}`;
  taken.add(key);
  return key;
}

export function flowDiagram(graph: FlowGraph): Diagram {
  const taken = new Set(graph.blocks.map((b) => b.id));
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  graph.triggers.forEach((t, i) => {
    const key = freeKey(`on_${i + 1}`, taken);
    // runnel.json's `folders` rule is not in the file: the drawing says it where customers enter.
    const segment = graph.settings.segment !== undefined ? [`only customers in segment ${quoteString(graph.settings.segment)}`] : [];
    nodes.push({ key, kind: 'trigger', lines: [...triggerLines(t), ...segment] });
    edges.push({ from: key, to: graph.entry });
  });
  if (graph.settings.exits.length > 0) {
    const key = freeKey('exits', taken);
    nodes.push({ key, kind: 'exits', lines: graph.settings.exits.map((x) => `exit on ${eventText(x)}${x.where ? ` where ${x.where.text}` : ''}`) });
  }
  for (const b of graph.blocks) edges.push(...blockEdges(b));
  const reached = new Set(edges.map((x) => x.to));
  for (const b of graph.blocks) {
    // The end block that no path reaches (every branch stops) is left out: nothing leads to it.
    if (b.kind === 'end' && !reached.has(b.id)) continue;
    nodes.push({ key: b.id, kind: b.kind, blockId: b.id, explicit: b.explicit, lines: blockLines(b) });
  }
  return { flow: graph.id, ...(graph.title !== undefined ? { title: graph.title } : {}), nodes, edges };
}
