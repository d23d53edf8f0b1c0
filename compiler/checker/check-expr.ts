/**
 * Types expressions. Every node gets a type in `ctx.types`; every problem is reported once (an
 * `error` type stops the cascade). Optional values propagate: `order.fields.deliveryDate + 2d` is
 * optional because the field is.
 */
import type * as A from '../ast.js';
import { T, typeToString, type Type } from '../../stdlib/types.js';
import { findBuiltin, BUILTINS } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS, ENTRY_FILTER_FIELDS, type MethodDef } from '../../stdlib/customer.js';
import { suggest, didYouMean } from '../suggest.js';
import { isValidDate, isValidDateTime, isValidTime, yearOutOfRange } from './literals.js';
import { arithmetic, assignable, comparable, isLoose, ordered, unify } from './type-rules.js';
import type { CheckContext, Scope, Ty } from './check-context.js';
import { withNames } from './check-context.js';
import { checkManifestRef } from './manifest-refs.js';

const ERR: Ty = { type: T.error, optional: false };
const ty = (type: Type, optional = false): Ty => ({ type, optional });

export class ExprChecker {
  constructor(private readonly ctx: CheckContext) {}

  private record(e: A.Expr, t: Ty): Ty {
    this.ctx.types.set(e.id, t.type);
    return t;
  }

  /** Types `e`; `expected` lets bare words resolve as enum values (`status == pending`). */
  check(e: A.Expr, scope: Scope, expected?: Type): Ty {
    return this.record(e, this.infer(e, scope, expected));
  }

  /** Types a condition: must be boolean. */
  condition(e: A.Expr, scope: Scope, where: string): Ty {
    const t = this.check(e, scope);
    if (!isLoose(t.type) && t.type.kind !== 'boolean') {
      this.ctx.diagnostics.report('RN0301', e.span, `${where} must be true or false, but this is ${article(t.type)}`, {
        label: `this is ${article(t.type)}`,
        ...(t.type.kind === 'string' || t.type.kind === 'number' ? { help: 'compare it with something: `x == "value"`, `x > 10`' } : {}),
      });
    }
    return t;
  }

  private infer(e: A.Expr, scope: Scope, expected?: Type): Ty {
    const d = this.ctx.diagnostics;
    switch (e.kind) {
      case 'String':
        return ty(T.string);
      case 'Number':
        return ty(T.number);
      case 'Boolean':
        return ty(T.boolean);
      case 'Null':
        return ty(T.null, true);
      case 'Duration':
        checkDurationLiteral(this.ctx, e);
        return ty(T.duration);
      case 'Percent':
        return ty(T.percent);
      case 'Date':
        if (yearOutOfRange(e.raw)) d.report('RN0407', e.span, `${e.raw} is out of range`, { label: 'years go from 1900 to 2200' });
        else if (!isValidDate(e.raw)) d.report('RN0105', e.span, `${e.raw} is not a calendar date`, { label: 'no such day' });
        return ty(T.date);
      case 'DateTime':
        if (yearOutOfRange(e.raw)) d.report('RN0407', e.span, `${e.raw} is out of range`, { label: 'years go from 1900 to 2200' });
        else if (!isValidDateTime(e.raw)) d.report('RN0105', e.span, `${e.raw} is not a valid date and time`, { label: 'no such moment' });
        return ty(T.datetime);
      case 'Time':
        if (!isValidTime(e.raw)) d.report('RN0105', e.span, `${e.raw} is not a time of day`, { label: 'hours go to 23, minutes to 59' });
        return ty(T.time);
      case 'Error':
        return ERR;
      case 'Name':
        return this.name(e, scope, expected);
      case 'Member':
        return this.member(e, scope);
      case 'Call':
        return this.call(e, scope);
      case 'Index': {
        const obj = this.check(e.object, scope);
        const idx = this.check(e.index, scope);
        if (!isLoose(idx.type) && idx.type.kind !== 'number') {
          d.report('RN0301', e.index.span, `a list index must be a number, not ${article(idx.type)}`);
        }
        if (isLoose(obj.type)) return ty(T.any, true);
        if (obj.type.kind !== 'array') {
          d.report('RN0301', e.object.span, `only lists can be indexed, and this is ${article(obj.type)}`);
          return ERR;
        }
        return ty(obj.type.element, true);
      }
      case 'Unary': {
        const inner = this.check(e.operand, scope);
        if (e.op === 'not') {
          if (!isLoose(inner.type) && inner.type.kind !== 'boolean') {
            d.report('RN0301', e.operand.span, `\`not\` needs true or false, but this is ${article(inner.type)}`);
          }
          return ty(T.boolean);
        }
        if (!isLoose(inner.type) && inner.type.kind !== 'number' && inner.type.kind !== 'duration') {
          d.report('RN0301', e.operand.span, `\`-\` needs a number, but this is ${article(inner.type)}`);
          return ERR;
        }
        return ty(inner.type, inner.optional);
      }
      case 'Binary':
        return this.binary(e, scope);
      case 'List': {
        const elementExpected = expected?.kind === 'array' ? expected.element : expected;
        const types = e.elements.map((x) => this.check(x, scope, elementExpected).type);
        return ty(T.arrayOf(unify(types)));
      }
    }
  }

  private name(e: A.NameRef, scope: Scope, expected?: Type): Ty {
    const d = this.ctx.diagnostics;
    const b = scope.names.get(e.name);
    if (b && b.kind !== 'unavailable') {
      if (scope.entryFilter && b.kind === 'context') {
        d.report('RN0401', e.span, `the entry filter cannot use event data (\`${e.name}\`)`, {
          label: 'event data',
          notes: ['`when` checks the customer only: email, phone, segments, subscriptions, mobile and web push'],
          help: 'move this condition into an `if` block at the start of the flow',
        });
        // Typed as usual from here, so that the rest of the condition is not reported again.
      }
      return ty(b.type, b.optional);
    }
    if (expected?.kind === 'enum' && expected.values.includes(e.name)) return ty(T.enumOf([e.name]));
    if (expected?.kind === 'array' && expected.element.kind === 'enum' && expected.element.values.includes(e.name)) {
      return ty(T.enumOf([e.name]));
    }
    if (b?.kind === 'unavailable') {
      d.report('RN0208', e.span, `\`${e.name}\` is not available here: ${b.why}`, {
        label: b.label ?? 'not bound by the trigger',
        help: b.help ?? 'use only the values the trigger binds, or check the field after a `wait for` that binds it',
      });
      return ERR;
    }
    if (findBuiltin(e.name)) {
      d.report('RN0209', e.span, `\`${e.name}\` is a function: call it, like ${findBuiltin(e.name)!.signature.split(' ->')[0]}`);
      return ERR;
    }
    if (e.name === 'it') {
      d.report('RN0209', e.span, '`it` is only defined inside any(), all(), count() and sum()', {
        label: 'outside a list helper',
        help: 'it stands for each element of the list: any(order.items, it.price > 100)',
      });
      return ERR;
    }
    const candidates = [...[...scope.names].filter(([, v]) => v.kind !== 'unavailable').map(([k]) => k)];
    if (expected?.kind === 'enum') candidates.push(...expected.values);
    const options = suggest(e.name, candidates);
    const help = didYouMean(options);
    d.report('RN0209', e.span, `unknown name \`${e.name}\``, {
      label: expected?.kind === 'enum' ? 'not a possible value here' : 'not defined',
      ...(expected?.kind === 'enum'
        ? { notes: [`expected one of: ${expected.values.join(', ')}`] }
        : { notes: [`available here: ${candidates.join(', ')}`] }),
      ...(help ? { help } : expected === undefined || expected.kind === 'string' ? { help: `if you meant the text "${e.name}", put it in double quotes` } : {}),
      fixes: options.length > 0 ? [{ message: `replace with \`${options[0]}\``, span: e.span, replacement: options[0]! }] : [],
    });
    return ERR;
  }

  private member(e: A.MemberExpr, scope: Scope): Ty {
    const d = this.ctx.diagnostics;
    const prop = e.property.name;
    if (!prop) {
      this.check(e.object, scope);
      return ERR; // the parser reported the missing name
    }
    // customer.email.valid and friends in an entry filter: only 002's customer conditions.
    if (scope.entryFilter && e.object.kind === 'Name' && e.object.name === 'customer' && !ENTRY_FILTER_FIELDS.has(prop)) {
      if (!CUSTOMER_METHODS.some((m) => m.name === prop)) {
        d.report('RN0401', e.span, `the entry filter cannot check \`customer.${prop}\``, {
          label: 'not an entry condition',
          notes: ['`when` can check: customer.email / customer.phone (filled, valid), customer.inSegment(...), customer.subscription(...), customer.subscribed(...), customer.mobilePush, customer.webPush'],
          help: 'move this condition into an `if` block at the start of the flow',
        });
        // Typed as usual from here, so that the rest of the condition is not reported again.
        return this.member(e, { ...scope, entryFilter: false });
      }
    }
    const obj = this.check(e.object, scope);
    const t = obj.type;
    if (isLoose(t)) return ty(T.any, true);
    if (t.kind === 'object') {
      const f = t.fields[prop];
      if (f) return ty(f.type, obj.optional || f.optional);
      if (t.open) return ty(T.any, true);
      if (t.name === 'Customer' && CUSTOMER_METHODS.some((m) => m.name === prop)) {
        d.report('RN0304', e.span, `\`customer.${prop}\` is a method: call it, like customer.${prop}(...)`);
        return ERR;
      }
      const names = Object.keys(t.fields);
      const options = suggest(prop, names);
      const help = didYouMean(options);
      const fixes = options.length > 0 ? [{ message: `replace with \`${options[0]}\``, span: e.property.span, replacement: options[0]! }] : [];
      const owner = CUSTOM_FIELD_OWNERS[t.name ?? ''];
      if (owner) {
        const key = `customFields.${owner}`;
        d.report('RN0203', e.property.span, `unknown ${owner} custom field \`${prop}\``, {
          label: 'not declared in runnel.json',
          notes: [names.length ? `declared under "${key}": ${names.join(', ')}` : `runnel.json declares no custom fields under "${key}"`],
          help: help ?? `declare it in runnel.json under "${key}"`,
          fixes,
        });
        return ERR;
      }
      const operation = /^params of (.+)$/.exec(t.name ?? '')?.[1];
      d.report('RN0203', e.property.span, `${t.name ?? 'this value'} has no field \`${prop}\``, {
        label: 'unknown field',
        notes: [`${t.name ?? 'it'} has: ${names.join(', ')}`],
        ...(help ? { help } : operation ? { help: `declare it in runnel.json under "operations.${operation}.properties"` } : {}),
        fixes,
      });
      return ERR;
    }
    if (t.kind === 'array' && (prop === 'length' || prop === 'size' || prop === 'count')) {
      d.report('RN0203', e.property.span, `lists have no field \`${prop}\``, { help: 'use count(list) for the number of elements' });
      return ERR;
    }
    d.report('RN0203', e.property.span, `${article(t)} has no fields, so \`.${prop}\` does not exist`, { label: 'no such field' });
    return ERR;
  }

  private call(e: A.CallExpr, scope: Scope): Ty {
    const d = this.ctx.diagnostics;
    if (e.callee.kind === 'Member') {
      const obj = e.callee.object;
      const objTy = this.check(obj, { ...scope, entryFilter: false });
      if (objTy.type.kind === 'object' && objTy.type.name === 'Customer') {
        const method = CUSTOMER_METHODS.find((m) => m.name === (e.callee as A.MemberExpr).property.name);
        if (method) return this.record(e.callee, this.method(e, method, scope));
        const options = suggest(e.callee.property.name, CUSTOMER_METHODS.map((m) => m.name));
        const help = didYouMean(options);
        d.report('RN0210', e.callee.property.span, `customer has no method \`${e.callee.property.name}\``, {
          notes: [`methods: ${CUSTOMER_METHODS.map((m) => m.name).join(', ')}`],
          ...(help ? { help } : {}),
          fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: e.callee.property.span, replacement: options[0]! }] : [],
        });
        this.checkArgs(e, scope);
        return ERR;
      }
      if (!isLoose(objTy.type)) {
        d.report('RN0210', e.callee.span, `${article(objTy.type)} has no methods`, {
          help: `functions are called with the value inside: ${BUILTINS.slice(0, 4).map((b) => b.name + '(...)').join(', ')}`,
        });
      }
      this.checkArgs(e, scope);
      return ERR;
    }
    if (e.callee.kind !== 'Name') {
      this.check(e.callee, scope);
      d.report('RN0210', e.callee.span, 'only functions can be called');
      this.checkArgs(e, scope);
      return ERR;
    }
    const name = e.callee.name;
    const fn = findBuiltin(name);
    if (!fn) {
      const options = suggest(name, BUILTINS.map((b) => b.name));
      const help = didYouMean(options);
      const lengthLike = ['length', 'len', 'size', 'length_of', 'lengthOf', 'countOf'].includes(name);
      d.report('RN0210', e.callee.span, `unknown function \`${name}\``, {
        label: 'not a function',
        notes: [`functions: ${BUILTINS.map((b) => b.name).join(', ')}`],
        ...(help ? { help } : lengthLike ? { help: 'count(list) gives the number of elements: count(order.items)' } : {}),
        fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: e.callee.span, replacement: options[0]! }] : [],
      });
      this.checkArgs(e, scope);
      return ERR;
    }
    this.ctx.types.set(e.callee.id, T.any);
    const args = e.args;
    const arity = (min: number, max: number): boolean => {
      const named = args.find((a) => a.name);
      if (named) {
        d.report('RN0304', named.span, `${name}() takes no named arguments`);
        return false;
      }
      if (args.length < min || args.length > max) {
        d.report('RN0304', e.span, `${name}() takes ${min === max ? min : `${min} or ${max}`} argument${max === 1 ? '' : 's'}, not ${args.length}`, {
          notes: [fn.signature],
        });
        return false;
      }
      return true;
    };
    if (fn.kind === 'exists') {
      if (arity(1, 1)) this.check(args[0]!.value, scope);
      else this.checkArgs(e, scope);
      return ty(T.boolean);
    }
    if (fn.kind === 'predicate' || fn.kind === 'count' || fn.kind === 'sum') {
      const ok = fn.kind === 'count' ? arity(1, 2) : arity(2, 2);
      if (!ok) {
        this.checkArgs(e, scope);
        return ty(fn.kind === 'predicate' ? T.boolean : T.number);
      }
      const list = this.check(args[0]!.value, scope);
      let element: Type = T.any;
      if (!isLoose(list.type)) {
        if (list.type.kind !== 'array') d.report('RN0304', args[0]!.value.span, `${name}() needs a list first, not ${article(list.type)}`);
        else element = list.type.element;
      }
      if (args[1]) {
        const inner = withNames(scope, [['it', { type: element, optional: false, kind: 'element' }]]);
        const body = this.check(args[1].value, inner);
        if (fn.kind === 'sum') {
          if (!isLoose(body.type) && body.type.kind !== 'number') d.report('RN0304', args[1].value.span, `sum() adds numbers, and this is ${article(body.type)}`);
        } else if (!isLoose(body.type) && body.type.kind !== 'boolean') {
          d.report('RN0304', args[1].value.span, `the condition of ${name}() must be true or false, and this is ${article(body.type)}`, {
            help:
              fn.kind === 'count' && body.type.kind === 'number'
                ? 'count() counts the elements for which a condition holds; to add numbers up, use sum(list, it.price)'
                : 'write a condition about the element `it`, like any(order.items, it.price > 100)',
          });
        }
      }
      return ty(fn.kind === 'predicate' ? T.boolean : T.number, list.optional);
    }
    if (fn.kind === 'clock') {
      if (!arity(0, 0)) this.checkArgs(e, scope);
      return ty(name === 'today' ? T.date : T.datetime);
    }
    if (fn.kind === 'datePart') {
      if (!arity(1, 1)) {
        this.checkArgs(e, scope);
        return ty(T.number);
      }
      const t = this.check(args[0]!.value, scope);
      if (!isLoose(t.type) && t.type.kind !== 'date' && t.type.kind !== 'datetime') {
        d.report('RN0304', args[0]!.value.span, `${name}() needs a date or a date-time, not ${article(t.type)}`, { notes: [fn.signature] });
      }
      return ty(T.number, t.optional);
    }
    const want: Type = fn.kind === 'string' || fn.kind === 'contains' ? T.string : T.number;
    const n = fn.kind === 'contains' || fn.kind === 'minmax' ? 2 : 1;
    if (!arity(n, n)) {
      this.checkArgs(e, scope);
      return ty(fn.kind === 'contains' ? T.boolean : want);
    }
    let optional = false;
    for (const a of args) {
      const t = this.check(a.value, scope);
      optional ||= t.optional;
      if (!isLoose(t.type) && !(t.type.kind === want.kind || (want.kind === 'string' && t.type.kind === 'enum'))) {
        d.report('RN0304', a.value.span, `${name}() needs ${article(want)}, not ${article(t.type)}`, { notes: [fn.signature] });
      }
    }
    return ty(fn.kind === 'contains' ? T.boolean : want, optional);
  }

  private checkArgs(e: A.CallExpr, scope: Scope): void {
    for (const a of e.args) this.check(a.value, scope);
  }

  private method(e: A.CallExpr, m: MethodDef, scope: Scope): Ty {
    const d = this.ctx.diagnostics;
    const positional = m.params.filter((p) => !p.named);
    let pos = 0;
    const seen = new Set<string>();
    for (const a of e.args) {
      const p = a.name ? m.params.find((x) => x.name === a.name!.name) : positional[pos++];
      if (!p) {
        d.report('RN0304', a.span, a.name ? `customer.${m.name}() has no argument \`${a.name.name}\`` : `customer.${m.name}() takes ${positional.length} positional argument${positional.length === 1 ? '' : 's'}`, {
          notes: [`customer.${m.name}(${m.params.map((x) => (x.named ? `${x.name}: ...` : x.name)).join(', ')})`],
        });
        this.check(a.value, scope);
        continue;
      }
      if (seen.has(p.name)) {
        d.report('RN0304', a.span, `the ${p.name} of customer.${m.name}() is given twice`, {
          notes: [`customer.${m.name}(${m.params.map((x) => (x.named ? `${x.name}: ...` : x.name)).join(', ')})`],
          help: 'remove one of them',
        });
        this.check(a.value, scope, p.type);
        continue;
      }
      seen.add(p.name);
      // The entry filter stays on: `when customer.inSegment(order.status)` still reads event data.
      const t = this.check(a.value, scope, p.type);
      if (!isLoose(t.type) && !assignable(t.type, p.type)) {
        d.report('RN0304', a.value.span, `the ${p.name} of customer.${m.name}() must be ${article(p.type)}, not ${article(t.type)}`);
      } else if (p.ref && a.value.kind === 'String') {
        checkManifestRef(this.ctx, p.ref, a.value.value, a.value.span);
      }
    }
    for (const p of m.params) {
      if (!p.optional && !seen.has(p.name)) d.report('RN0304', e.span, `customer.${m.name}() needs its ${p.name}`, { notes: [m.doc] });
    }
    return ty(m.returns);
  }

  private binary(e: A.BinaryExpr, scope: Scope): Ty {
    const d = this.ctx.diagnostics;
    switch (e.op) {
      case 'and':
      case 'or': {
        for (const side of [e.left, e.right]) {
          const t = this.check(side, scope);
          if (!isLoose(t.type) && t.type.kind !== 'boolean') {
            d.report('RN0301', side.span, `\`${e.op}\` joins conditions, but this is ${article(t.type)}`, { label: `${article(t.type)}, not true or false` });
          }
        }
        return ty(T.boolean);
      }
      case '==':
      case '!=': {
        const nullSide = e.left.kind === 'Null' ? e.right : e.right.kind === 'Null' ? e.left : undefined;
        if (nullSide) {
          // A missing value makes every comparison false, so `x != null` would never hold.
          this.check(nullSide, scope);
          const text = e.op === '==' ? 'not exists(...)' : 'exists(...)';
          d.report('RN0301', e.span, `comparing with null is always false`, {
            label: 'never true',
            notes: ['a comparison with a missing value is false, whatever the operator'],
            help: `write ${text} to test whether a value is there`,
          });
          return ty(T.boolean);
        }
        const { l, r } = this.sides(e, scope);
        if (!comparable(l.type, r.type)) this.mismatch(e, l.type, r.type);
        else this.enumLiteralCheck(e, l.type, r.type);
        return ty(T.boolean);
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const { l, r } = this.sides(e, scope);
        if (!ordered(l.type, r.type)) this.mismatch(e, l.type, r.type);
        return ty(T.boolean);
      }
      case 'in':
      case 'not in': {
        const l = this.check(e.left, scope);
        const r = this.check(e.right, scope, isLoose(l.type) ? undefined : T.arrayOf(l.type));
        if (isLoose(l.type) || isLoose(r.type)) return ty(T.boolean);
        if (r.type.kind === 'array') {
          if (!comparable(l.type, r.type.element)) this.mismatch(e, l.type, r.type);
        } else if (!(r.type.kind === 'string' && (l.type.kind === 'string' || l.type.kind === 'enum'))) {
          d.report('RN0301', e.right.span, `\`${e.op}\` needs a list on its right, not ${article(r.type)}`, { help: 'write a list like [a, b] or use a list field' });
        }
        return ty(T.boolean);
      }
      default: {
        const { l, r } = this.sides(e, scope);
        let t = arithmetic(e.op, l.type, r.type);
        if (!t) {
          this.mismatch(e, l.type, r.type);
          return ERR;
        }
        // A date moved by whole days stays a date; by hours or minutes it becomes a date-time
        // (midnight in the flow's time zone, plus the duration), as the VM computes it.
        if (t.kind === 'date') {
          const dur = l.type.kind === 'duration' ? e.left : e.right;
          if (!(dur.kind === 'Duration' && dur.ms % 86_400_000 === 0)) t = T.datetime;
        }
        return ty(t, l.optional || r.optional);
      }
    }
  }

  /** Types both sides; a bare word on one side may be an enum value of the other. */
  private sides(e: A.BinaryExpr, scope: Scope): { l: Ty; r: Ty } {
    const bare = (x: A.Expr) => x.kind === 'Name' && !scope.names.has(x.name) && !findBuiltin(x.name);
    // A bare word next to a value whose type is unknown (already reported) may well be one of
    // its enum values: not reported again.
    const word = (x: A.Expr, other: Ty): Ty | undefined => (bare(x) && isLoose(other.type) ? this.record(x, ty(T.any)) : undefined);
    if (bare(e.left)) {
      const r = this.check(e.right, scope);
      return { l: word(e.left, r) ?? this.check(e.left, scope, r.type), r };
    }
    const l = this.check(e.left, scope);
    return { l, r: word(e.right, l) ?? this.check(e.right, scope, l.type) };
  }

  /** `customer.subscription(email) == "pendng"`: a string literal against an enum must be a member. */
  private enumLiteralCheck(e: A.BinaryExpr, l: Type, r: Type): void {
    const pairs: Array<[Type, A.Expr]> = [
      [l, e.right],
      [r, e.left],
    ];
    for (const [i, [t, lit]] of pairs.entries()) {
      if (t.kind === 'enum' && lit.kind === 'String' && !t.values.includes(lit.value)) {
        const options = suggest(lit.value, t.values);
        const help = didYouMean(options, true);
        const other = i === 0 ? e.left : e.right;
        this.ctx.diagnostics.report('RN0301', lit.span, `"${lit.value}" is not a possible value of ${describeOperand(other, t)}`, {
          label: e.op === '==' ? 'never equal: the condition is always false' : 'never equal: the condition is always true',
          notes: [`possible values: ${t.values.join(', ')}`],
          ...(help ? { help } : {}),
          fixes: options.length ? [{ message: `replace with "${options[0]}"`, span: lit.span, replacement: JSON.stringify(options[0]) }] : [],
        });
      }
    }
  }

  private mismatch(e: A.BinaryExpr, l: Type, r: Type): void {
    const help = numberInString(e) ?? dateHint(l, r) ?? contactHint(e, l, r);
    this.ctx.diagnostics.report('RN0301', e.span, `cannot use \`${e.op}\` on ${article(l)} and ${article(r)}`, {
      label: `${typeToString(l)} ${e.op} ${typeToString(r)}`,
      ...(help ? { help } : {}),
    });
  }
}

/** How a message names the value an enum literal was compared with: `tier`, `the subscription status`. */
function describeOperand(e: A.Expr, t: Type): string {
  if (e.kind === 'Member') return `\`${e.property.name}\``;
  if (e.kind === 'Call' && e.callee.kind === 'Member') return `\`${e.callee.property.name}(...)\``;
  if (t.kind === 'enum' && t.name) return t.name;
  return 'this value';
}

/** Custom-field types (built by schema-types.ts) and the runnel.json key that declares them. */
const CUSTOM_FIELD_OWNERS: Record<string, string> = {
  CustomerFields: 'customer',
  OrderFields: 'order',
  OrderItemFields: 'item',
  ProductFields: 'product',
  CustomerActionFields: 'action',
};

/** A duration that names a unit twice (`1d2d`) is a typo, not a value. */
export function checkDurationLiteral(ctx: CheckContext, e: A.DurationLit): boolean {
  const units = [...e.raw.matchAll(/\d+([wdhms])/g)].map((m) => m[1]!);
  const twice = units.find((u, i) => units.indexOf(u) !== i);
  const notes = ['a duration is one number per unit, largest first: 1d12h, 2h30m'];
  if (twice) {
    ctx.diagnostics.report('RN0105', e.span, `${e.raw} names the unit \`${twice}\` twice`, { label: 'not a duration', notes, help: 'write each unit once' });
    return false;
  }
  const order = units.map((u) => 'wdhms'.indexOf(u));
  if (order.some((o, i) => i > 0 && o < order[i - 1]!)) {
    const sorted = [...e.raw.matchAll(/\d+[wdhms]/g)].map((m) => m[0]).sort((a, b) => 'wdhms'.indexOf(a.slice(-1)) - 'wdhms'.indexOf(b.slice(-1))).join('');
    ctx.diagnostics.report('RN0105', e.span, `${e.raw} lists its units out of order`, {
      label: 'largest unit first',
      notes,
      help: `write ${sorted}`,
      fixes: [{ message: `replace with ${sorted}`, span: e.span, replacement: sorted }],
    });
    return false;
  }
  return true;
}

function numberInString(e: A.BinaryExpr): string | undefined {
  for (const side of [e.left, e.right]) {
    if (side.kind === 'String' && /^-?\d+(\.\d+)?$/.test(side.value)) return `remove the quotes to write the number ${side.value}`;
  }
  return undefined;
}

/** `customer.email == "a@b.c"`: the address is a field of the contact. */
function contactHint(e: A.BinaryExpr, l: Type, r: Type): string | undefined {
  for (const [t, side, other] of [
    [l, e.left, r],
    [r, e.right, l],
  ] as const) {
    if (t.kind === 'object' && t.name === 'Contact' && other.kind === 'string' && side.kind === 'Member') {
      return `compare the address itself: \`${side.object.kind === 'Name' ? side.object.name + '.' : ''}${side.property.name}.address\``;
    }
  }
  return undefined;
}

function dateHint(l: Type, r: Type): string | undefined {
  if ((l.kind === 'date' || l.kind === 'datetime') && r.kind === 'number') return 'add a duration to a date: `+ 2d`, not `+ 2`';
  return undefined;
}

/** `a number`, `an Order`, `a list of OrderItem`. */
export function article(t: Type): string {
  const s = typeToString(t);
  if (t.kind === 'error' || t.kind === 'any') return 'an unknown value';
  if (t.kind === 'enum' && !t.name) return s;
  return (/^[aeiouAEIOU]/.test(s) ? 'an ' : 'a ') + s;
}
