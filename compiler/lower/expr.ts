/** Checked expressions → LExpr: every name resolved to a context, the customer, `it` or an enum word. */
import type * as A from '../ast.js';
import { findBuiltin } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS } from '../../stdlib/customer.js';
import { exprToString } from '../format/format-flow.js';
import type { BuiltinName, ContextSource, GExpr, HelperName, LExpr, LiteralValue } from './graph.js';
import { timeMinutes } from '../time.js';

/** Which context names an expression can see, and where each comes from. */
export type ContextScope = ReadonlyMap<string, ContextSource>;

export class LowerError extends Error {}

export function lowerGExpr(e: A.Expr, scope: ContextScope): GExpr {
  return { text: exprToString(e), expr: lowerExpr(e, scope, 0) };
}

function lit(value: LiteralValue): LExpr {
  return { k: 'lit', value };
}

export function lowerExpr(e: A.Expr, scope: ContextScope, helperDepth: number): LExpr {
  const sub = (x: A.Expr, depth = helperDepth): LExpr => lowerExpr(x, scope, depth);
  switch (e.kind) {
    case 'String':
      return lit({ kind: 'string', value: e.value });
    case 'Number':
      return lit({ kind: 'number', value: e.value });
    case 'Boolean':
      return lit({ kind: 'boolean', value: e.value });
    case 'Null':
      return lit({ kind: 'null' });
    case 'Duration':
      return lit({ kind: 'duration', ms: e.ms });
    case 'Date':
      return lit({ kind: 'date', raw: e.raw });
    case 'DateTime':
      return lit({ kind: 'datetime', raw: e.raw });
    case 'Time':
      return lit({ kind: 'time', minutes: timeMinutes(e.raw) });
    case 'Percent':
      return lit({ kind: 'percent', value: e.value });
    case 'Name': {
      if (e.name === 'customer') return { k: 'customer' };
      if (e.name === 'it' && helperDepth > 0) return { k: 'it' };
      const source = scope.get(e.name);
      if (source) return { k: 'ctx', name: e.name, source };
      // A bare word the checker accepted as an enum value: `pending`, `gold`.
      return lit({ kind: 'string', value: e.name });
    }
    case 'Member':
      return { k: 'member', object: sub(e.object), name: e.property.name };
    case 'Index':
      return { k: 'index', object: sub(e.object), index: sub(e.index) };
    case 'Unary': {
      if (e.op === '-' && e.operand.kind === 'Number') return lit({ kind: 'number', value: -e.operand.value });
      return { k: 'unary', op: e.op === 'not' ? 'not' : 'neg', operand: sub(e.operand) };
    }
    case 'Binary':
      return { k: 'binary', op: e.op, left: sub(e.left), right: sub(e.right) };
    case 'List':
      return { k: 'list', elements: e.elements.map((x) => sub(x)) };
    case 'Call':
      return lowerCall(e, scope, helperDepth);
    case 'Error':
      throw new LowerError('cannot lower an expression with a syntax error');
  }
}

function lowerCall(e: A.CallExpr, scope: ContextScope, helperDepth: number): LExpr {
  const sub = (x: A.Expr, depth = helperDepth): LExpr => lowerExpr(x, scope, depth);
  const callee = e.callee;
  if (callee.kind === 'Member' && callee.object.kind === 'Name' && callee.object.name === 'customer') {
    const method = CUSTOMER_METHODS.find((m) => m.name === callee.property.name);
    if (!method) throw new LowerError(`unknown customer method ${callee.property.name}`);
    const args: Array<LExpr | undefined> = method.params.map(() => undefined);
    const positional = method.params.map((p, i) => ({ p, i })).filter((x) => !x.p.named);
    let pos = 0;
    for (const a of e.args) {
      const i = a.name ? method.params.findIndex((p) => p.name === a.name!.name) : positional[pos++]?.i;
      if (i === undefined || i < 0) throw new LowerError(`bad argument to customer.${method.name}()`);
      args[i] = sub(a.value);
    }
    // Trailing omitted arguments are left out.
    while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
    return { k: 'method', name: method.name, args };
  }
  if (callee.kind !== 'Name') throw new LowerError('only functions and customer methods can be called');
  const fn = findBuiltin(callee.name);
  if (!fn) throw new LowerError(`unknown function ${callee.name}`);
  const args = e.args.map((a) => a.value);
  switch (fn.kind) {
    case 'predicate':
    case 'count':
    case 'sum': {
      const list = sub(args[0]!);
      const body = args[1] ? sub(args[1], helperDepth + 1) : undefined;
      return { k: 'helper', name: fn.name as HelperName, list, ...(body ? { body } : {}) };
    }
    default:
      return { k: 'builtin', name: fn.name as BuiltinName, args: args.map((a) => sub(a)) };
  }
}
