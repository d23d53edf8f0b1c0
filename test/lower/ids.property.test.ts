import { rng } from '../../bench/gen-flow.js';
/**
 * Property: a block's derived id does not change when an UNRELATED part of the flow changes
 * (another block inserted, deleted or edited anywhere, a setting or trigger added). Related are
 * only: the edited block itself, what is nested in it, and its identical siblings after it (their
 * occurrence counter shifts), with what is nested in those.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as A from '../../compiler/ast.js';
import { parse } from '../../compiler/parse.js';
import { blockIds, childBodies } from '../../compiler/lower/ids.js';

type Node =
  | { kind: 'steps'; key: number; id?: string; title?: number; tmpl: number }
  | { kind: 'wait'; key: number; id?: string; d: number }
  | { kind: 'until'; key: number; id?: string; d: number }
  | { kind: 'waitfor'; key: number; id?: string; h: number; body: Node[]; timeout: Node[] }
  | { kind: 'if'; key: number; n: number; then: Node[]; else: Node[] }
  | { kind: 'split'; key: number; id?: string; a: Node[]; b: Node[] }
  | { kind: 'parallel'; key: number; id?: string; x: Node[]; y: Node[] }
  | { kind: 'limit'; key: number; id?: string; n: number; body: Node[]; else: Node[] };


class Gen {
  key = 0;
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  id(key: number): string | undefined {
    return this.r() < 0.25 ? `b${key}` : undefined;
  }
  node(depth: number): Node {
    const key = ++this.key;
    const pick = this.int(depth >= 3 ? 3 : 8);
    const id = this.id(key);
    const opt = <T extends object>(o: T): T => (id ? { ...o, id } : o);
    switch (pick) {
      case 0: {
        const title = this.r() < 0.5 ? this.int(3) : undefined;
        return opt({ kind: 'steps' as const, key, tmpl: this.int(3), ...(title !== undefined ? { title } : {}) });
      }
      case 1:
        return opt({ kind: 'wait' as const, key, d: 1 + this.int(3) });
      case 2:
        return opt({ kind: 'until' as const, key, d: 1 + this.int(3) });
      case 3:
        return opt({ kind: 'waitfor' as const, key, h: 1 + this.int(3), body: this.body(depth + 1), timeout: this.body(depth + 1) });
      case 4:
        return { kind: 'if', key, n: this.int(3), then: this.body(depth + 1), else: this.body(depth + 1) };
      case 5:
        return opt({ kind: 'split' as const, key, a: this.body(depth + 1), b: this.body(depth + 1) });
      case 6:
        return opt({ kind: 'parallel' as const, key, x: this.body(depth + 1), y: this.body(depth + 1) });
      default:
        return opt({ kind: 'limit' as const, key, n: 1 + this.int(3), body: this.body(depth + 1), else: this.body(depth + 1) });
    }
  }
  body(depth: number): Node[] {
    const n = this.int(depth === 0 ? 6 : 3);
    return Array.from({ length: n }, () => this.node(depth));
  }
}

function bodiesOf(n: Node): Node[][] {
  switch (n.kind) {
    case 'waitfor':
      return [n.body, n.timeout];
    case 'if':
      return [n.then, n.else];
    case 'split':
      return [n.a, n.b];
    case 'parallel':
      return [n.x, n.y];
    case 'limit':
      return [n.body, n.else];
    default:
      return [];
  }
}

function render(n: Node, pad: string): string {
  const id = 'id' in n && n.id ? ` ${n.id}` : '';
  const body = (b: Node[]) => (b.length ? `{\n${b.map((x) => render(x, pad + '  ')).join('\n')}\n${pad}}` : '{ }');
  switch (n.kind) {
    case 'steps':
      return `${pad}steps${id}${n.title !== undefined ? ` "T${n.title}"` : ''} { send email "t${n.tmpl}" }`;
    case 'wait':
      return `${pad}wait${id} ${n.d}d`;
    case 'until':
      return `${pad}wait${id} until order.fields.deliveryDate + ${n.d}d otherwise stop`;
    case 'waitfor':
      return `${pad}wait${id} for NewOrder up to ${n.h}h ${body(n.body)} timeout ${body(n.timeout)}`;
    case 'if':
      return `${pad}if order.total > ${n.n} ${body(n.then)} else ${body(n.else)}`;
    case 'split':
      return `${pad}split${id} {\n${pad}  50% a ${body(n.a)}\n${pad}  30% b ${body(n.b)}\n${pad}}`;
    case 'parallel':
      return `${pad}parallel${id} {\n${pad}  branch ${body(n.x)}\n${pad}  branch ${body(n.y)}\n${pad}}`;
    case 'limit':
      return `${pad}limit${id} ${n.n} per day ${body(n.body)} else ${body(n.else)}`;
  }
}

function source(body: Node[], extra: string): string {
  return `flow f {\n${extra}  on NewOrder\n${body.map((n) => render(n, '  ')).join('\n')}\n}\n`;
}

/** What the id of a derived block depends on besides its place: kind and header. */
function identity(n: Node): string {
  switch (n.kind) {
    case 'steps':
      return n.title !== undefined ? `steps T${n.title}` : `steps t${n.tmpl}`;
    case 'wait':
      return `wait ${n.d}`;
    case 'until':
      return `until ${n.d}`;
    case 'waitfor':
      return `waitfor ${n.h}`;
    case 'if':
      return `if ${n.n}`;
    case 'split':
      return 'split';
    case 'parallel':
      return 'parallel';
    case 'limit':
      return `limit ${n.n}`;
  }
}

const explicit = (n: Node): boolean => 'id' in n && !!n.id;

/** Ids by node key: model and AST walked in the same order. */
function idsByKey(body: Node[], extra = ''): Map<number, string> {
  const text = source(body, extra);
  const parsed = parse(text);
  if (parsed.diagnostics.hasErrors) throw new Error(`generated flow does not parse:\n${text}\n${parsed.diagnostics.items.map((d) => d.message).join('\n')}`);
  const flow = parsed.ast.flows[0]!;
  const { ids } = blockIds(flow);
  const out = new Map<number, string>();
  const walk = (model: Node[], ast: A.Block[]): void => {
    model.forEach((m, i) => {
      const b = ast[i]!;
      out.set(m.key, ids.get(b)!);
      const mb = bodiesOf(m);
      // The AST's `if` has a synthetic else body; split/parallel/limit/wait-for bodies line up.
      const ab = childBodies(b).map((c) => c.body);
      mb.forEach((x, j) => walk(x, ab[j]!));
    });
  };
  walk(body, flow.body);
  return out;
}

function allKeys(ns: Node[], out: number[] = []): number[] {
  for (const n of ns) {
    out.push(n.key);
    for (const b of bodiesOf(n)) allKeys(b, out);
  }
  return out;
}

/** Every body of the tree (the top level first). */
function allBodies(top: Node[]): Node[][] {
  const out: Node[][] = [top];
  const walk = (ns: Node[]) => ns.forEach((n) => bodiesOf(n).forEach((b) => (out.push(b), walk(b))));
  walk(top);
  return out;
}

function clone(ns: Node[]): Node[] {
  return JSON.parse(JSON.stringify(ns)) as Node[];
}

type Mutation = { kind: 'insert' | 'delete' | 'edit'; bodyIndex: number; at: number } | { kind: 'setting' | 'trigger' };

/** Applies a mutation to a copy; returns the new tree and the keys whose ids may change. */
function mutate(tree: Node[], m: Mutation, g: Gen): { tree: Node[]; extra: string; related: Set<number> } {
  const next = clone(tree);
  const related = new Set<number>();
  if (!('bodyIndex' in m)) {
    return { tree: next, extra: m.kind === 'setting' ? '  relevance 2h\n  entry once\n' : '  on OrderStatusChanged(status: "paid")\n', related };
  }
  const bodies = allBodies(next);
  const body = bodies[m.bodyIndex % bodies.length]!;
  const relate = (n: Node) => allKeys([n]).forEach((k) => related.add(k));
  let before: string | undefined;
  let after: string | undefined;
  let at: number;
  let derived: boolean;
  if (m.kind === 'insert' || body.length === 0) {
    at = m.at % (body.length + 1);
    const n = g.node(2);
    body.splice(at, 0, n);
    after = identity(n);
    derived = !explicit(n);
    at++;
  } else {
    at = m.at % body.length;
    const target = body[at]!;
    derived = !explicit(target);
    before = identity(target);
    if (m.kind === 'delete') {
      relate(target);
      body.splice(at, 1);
    } else {
      // Edit the header: a new value (maybe equal to a sibling's).
      if (target.kind === 'steps') target.tmpl = (target.tmpl + 1) % 3;
      else if (target.kind === 'wait' || target.kind === 'until') target.d = (target.d % 3) + 1;
      else if (target.kind === 'waitfor') target.h = (target.h % 3) + 1;
      else if (target.kind === 'if' || target.kind === 'limit') target.n = (target.n % 3) + 1;
      after = identity(target);
      if (derived) relate(target);
      at++;
    }
  }
  // Identical derived siblings after the change point count differently now.
  if (derived) for (const s of body.slice(at)) if (!explicit(s) && (identity(s) === before || identity(s) === after)) relate(s);
  return { tree: next, extra: '', related };
}

describe('derived block ids', () => {
  it('do not change when an unrelated part of the flow changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.oneof(
          fc.record({ kind: fc.constantFrom('insert' as const, 'delete' as const, 'edit' as const), bodyIndex: fc.nat(40), at: fc.nat(10) }),
          fc.record({ kind: fc.constantFrom('setting' as const, 'trigger' as const) }),
        ),
        (seed, m) => {
          const g = new Gen(rng(seed));
          const tree = g.body(0);
          const before = idsByKey(tree);
          const { tree: changed, extra, related } = mutate(tree, m, g);
          const after = idsByKey(changed, extra);
          // Ids are unique in a flow.
          expect(new Set(after.values()).size).toBe(after.size);
          for (const [key, id] of before) {
            if (related.has(key) || !after.has(key)) continue;
            expect(after.get(key), `block ${key} (${m.kind})\n${source(tree, '')}\n--- after ---\n${source(changed, extra)}`).toBe(id);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('are the same for the same source, and have the documented shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const tree = new Gen(rng(seed)).body(0);
        const a = idsByKey(tree);
        expect(idsByKey(clone(tree))).toEqual(a);
        for (const id of a.values()) expect(id).toMatch(/^(b\d+|(steps|wait|if|split|parallel|limit)_[0-9a-z]{6})$/);
      }),
      { numRuns: 100 },
    );
  });
});
