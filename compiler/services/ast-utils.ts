/** Finding AST nodes by offset, for the services that work on the parsed file (hover, code actions). */
import type * as A from '../ast.js';

type AnyNode = A.Node & { span: A.Span };

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string' && typeof (v as { span?: unknown }).span === 'object';
}

/** The child nodes of a node, in source order as far as the AST keeps it. */
export function childNodes(node: A.Node): A.Node[] {
  const out: A.Node[] = [];
  for (const key in node) {
    if (key === 'span') continue;
    const v = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
  return out;
}

/**
 * The nodes around a range, outermost first: every node whose span holds [start, end). Among
 * siblings that hold it, the narrowest wins (recovered trees can overlap).
 */
export function nodesAt(root: A.Node, start: number, end: number): A.Node[] {
  const chain: A.Node[] = [root];
  let node: A.Node = root;
  for (let depth = 0; depth < 200; depth++) {
    let best: A.Node | undefined;
    for (const c of childNodes(node)) {
      if (c.span.start <= start && end <= c.span.end && c.span.start < c.span.end) {
        if (!best || c.span.end - c.span.start < best.span.end - best.span.start) best = c;
      }
    }
    if (!best) break;
    chain.push(best);
    node = best;
  }
  return chain;
}

/** The flow around an offset (the last one that starts before it). */
export function flowAt(file: A.SourceFile, offset: number): A.FlowDecl | undefined {
  let found: A.FlowDecl | undefined;
  for (const f of file.flows) if (f.span.start <= offset) found = f;
  return found;
}

export const BLOCK_KINDS: ReadonlySet<string> = new Set(['Steps', 'WaitFixed', 'WaitUntil', 'WaitForEvent', 'If', 'Split', 'Parallel', 'Limit', 'Stop']);

export function isBlock(n: A.Node): n is A.Block {
  return BLOCK_KINDS.has(n.kind);
}

/** Every node of a tree, depth first (for searches by span). */
export function* walk(node: A.Node): Generator<A.Node> {
  const stack: A.Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    yield n;
    const kids = childNodes(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
}
