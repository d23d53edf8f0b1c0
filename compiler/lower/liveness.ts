/**
 * Which context fields a waiting customer must keep: a backwards liveness analysis over the flow
 * graph. A path is live at a block when some block reachable from it (or an `exit on ... where`,
 * which can fire during any wait) reads it. `customer` is never stored (it is read fresh), and the
 * event being matched (`where` of `exit on` / `wait for`) is at hand, so neither is kept.
 *
 * Paths: `order.total`; `order.items[].price` (each element's price: the list is kept with its
 * elements cut down to `price`); a prefix covers everything below it (`order.items` keeps the
 * whole list). Data a `wait for` received is kept under that block's id.
 */
import type { BlockId, FlowGraph, GraphBlock, KeepPath, LExpr } from './graph.js';
import { successors } from './graph.js';

interface Use {
  source?: BlockId;
  segs: string[];
}

/** The context path an expression denotes as a whole, if it is one; uses inside indexes go to `out`. */
function pathOf(e: LExpr, it: Use | undefined, out: Use[]): Use | undefined {
  switch (e.k) {
    case 'ctx':
      if (e.source.kind === 'trigger') return { segs: [e.name] };
      if (e.source.kind === 'awaited') return { source: e.source.block, segs: [e.name] };
      return undefined;
    case 'it':
      return it;
    case 'member': {
      const p = pathOf(e.object, it, out);
      return p ? { ...p, segs: [...p.segs, e.name] } : undefined;
    }
    case 'index': {
      usesOf(e.index, it, out);
      const p = pathOf(e.object, it, out);
      return p ? { ...p, segs: [...p.segs, '[]'] } : undefined;
    }
    default:
      return undefined;
  }
}

function isPrefix(a: string[], b: string[]): boolean {
  return a.length <= b.length && a.every((s, i) => b[i] === s);
}

/** Every context path `e` reads. */
export function usesOf(e: LExpr, it: Use | undefined, out: Use[]): void {
  switch (e.k) {
    case 'ctx':
    case 'it':
    case 'member':
    case 'index': {
      const p = pathOf(e, it, out);
      if (p) out.push(p);
      else if (e.k === 'member' || e.k === 'index') usesOf(e.object, it, out);
      return;
    }
    case 'lit':
    case 'customer':
      return;
    case 'unary':
      usesOf(e.operand, it, out);
      return;
    case 'binary':
      usesOf(e.left, it, out);
      usesOf(e.right, it, out);
      return;
    case 'list':
      e.elements.forEach((x) => usesOf(x, it, out));
      return;
    case 'builtin':
      e.args.forEach((x) => usesOf(x, it, out));
      return;
    case 'method':
      e.args.forEach((x) => x && usesOf(x, it, out));
      return;
    case 'helper': {
      const list = pathOf(e.list, it, out);
      if (!list) usesOf(e.list, it, out);
      if (!e.body) {
        if (list) out.push(list);
        return;
      }
      const element: Use | undefined = list ? { ...list, segs: [...list.segs, '[]'] } : undefined;
      const inner: Use[] = [];
      usesOf(e.body, element, inner);
      out.push(...inner);
      // A predicate that reads nothing of the element still needs the list (its length).
      if (list && !inner.some((u) => u.source === list.source && isPrefix(element!.segs, u.segs))) out.push(list);
      return;
    }
  }
}

function pathText(segs: string[]): string {
  return segs.map((s, i) => (s === '[]' || i === 0 ? s : `.${s}`)).join('');
}

function key(u: Use): string {
  return `${u.source ?? ''}\u0000${pathText(u.segs)}`;
}

/** The uses of a block itself (what it reads when it runs). */
function blockUses(b: GraphBlock): Use[] {
  const out: Use[] = [];
  const add = (e: LExpr | undefined) => e && usesOf(e, undefined, out);
  switch (b.kind) {
    case 'steps':
      for (const a of b.actions) {
        if (a.kind === 'send') a.params.forEach((p) => add(p.value.expr));
        else if (a.kind === 'webhook') a.body.forEach((p) => add(p.value.expr));
        else if (a.kind === 'points') add(a.amount.expr);
        else if (a.kind === 'set') add(a.value.expr);
      }
      break;
    case 'wait_until':
      add(b.at.expr);
      break;
    case 'wait_event':
      add(b.where?.expr);
      break;
    case 'if':
      b.branches.forEach((br) => add(br.condition.expr));
      break;
    default:
      break;
  }
  return out;
}

/** Drops paths covered by a shorter one of the same source; sorts (trigger data first, then by path). */
export function minimize(uses: Iterable<Use>): KeepPath[] {
  const all = [...new Map([...uses].map((u) => [key(u), u])).values()];
  const kept = all.filter((u) => !all.some((v) => v !== u && v.source === u.source && v.segs.length < u.segs.length && isPrefix(v.segs, u.segs)));
  return kept
    .map((u): KeepPath => ({ ...(u.source ? { source: u.source } : {}), path: pathText(u.segs) }))
    .sort((a, b) => {
      const sa = a.source ?? '';
      const sb = b.source ?? '';
      if (sa !== sb) return sa < sb ? -1 : 1;
      return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
    });
}

/** Fills `keeps` of every wait and join block of the graph (which must be acyclic). */
export function computeKeeps(graph: FlowGraph): void {
  const byId = new Map(graph.blocks.map((b) => [b.id, b]));
  const exitUses: Use[] = [];
  for (const x of graph.settings.exits) if (x.where) usesOf(x.where.expr, undefined, exitUses);
  const liveIn = new Map<BlockId, Map<string, Use>>();
  const liveOut = (b: GraphBlock): Map<string, Use> => {
    const out = new Map<string, Use>();
    for (const s of successors(b)) for (const [k, u] of liveIn.get(s) ?? []) out.set(k, u);
    return out;
  };
  // Post-order over the DAG (iterative: flows can be long chains).
  const done = new Set<BlockId>();
  const stack: Array<{ id: BlockId; expanded: boolean }> = graph.blocks.map((b) => ({ id: b.id, expanded: false })).reverse();
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (done.has(top.id)) continue;
    const b = byId.get(top.id)!;
    if (!top.expanded) {
      stack.push({ id: top.id, expanded: true });
      for (const s of successors(b)) if (!done.has(s)) stack.push({ id: s, expanded: false });
      continue;
    }
    done.add(top.id);
    const live = liveOut(b);
    for (const u of blockUses(b)) live.set(key(u), u);
    // A `wait for` is where its awaited event's data starts to exist.
    if (b.kind === 'wait_event') for (const [k, u] of live) if (u.source === b.id) live.delete(k);
    liveIn.set(b.id, live);
  }
  for (const b of graph.blocks) {
    if (b.kind === 'wait_fixed' || b.kind === 'wait_until' || b.kind === 'wait_within' || b.kind === 'join') {
      b.keeps = minimize([...liveOut(b).values(), ...exitUses]);
    } else if (b.kind === 'wait_event') {
      // While waiting it also tests arriving events against `where`.
      const where: Use[] = [];
      if (b.where) usesOf(b.where.expr, undefined, where);
      b.keeps = minimize([...liveOut(b).values(), ...where, ...exitUses].filter((u) => u.source !== b.id));
    }
  }
}
