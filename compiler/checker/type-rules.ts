/** Which types compare, combine and assign: the expression language's typing rules. */
import { T, type Type } from '../../stdlib/types.js';
import type { BinaryOp } from '../ast.js';

export const isLoose = (t: Type): boolean => t.kind === 'any' || t.kind === 'error';

/** Can `a` and `b` be compared with == and != ? */
export function comparable(a: Type, b: Type): boolean {
  if (isLoose(a) || isLoose(b) || a.kind === 'null' || b.kind === 'null') return true;
  if (a.kind === 'enum' && b.kind === 'enum') return a.values.some((v) => b.values.includes(v));
  if ((a.kind === 'enum' && b.kind === 'string') || (a.kind === 'string' && b.kind === 'enum')) return true;
  if ((a.kind === 'date' || a.kind === 'datetime') && (b.kind === 'date' || b.kind === 'datetime')) return true;
  if (a.kind === 'array' && b.kind === 'array') return comparable(a.element, b.element);
  return a.kind === b.kind;
}

const ORDERED = new Set(['number', 'date', 'datetime', 'duration', 'time', 'percent', 'string']);

/** Can `a` and `b` be compared with < <= > >= ? */
export function ordered(a: Type, b: Type): boolean {
  if (isLoose(a) || isLoose(b)) return true;
  if (!ORDERED.has(a.kind)) return false;
  if ((a.kind === 'date' || a.kind === 'datetime') && (b.kind === 'date' || b.kind === 'datetime')) return true;
  return a.kind === b.kind;
}

/** Result of + - * / or undefined when the operands do not combine. */
export function arithmetic(op: BinaryOp, a: Type, b: Type): Type | undefined {
  if (isLoose(a) || isLoose(b)) return isLoose(a) ? (isLoose(b) ? T.any : b.kind === 'duration' && (op === '+' || op === '-') ? T.any : b) : a;
  const k = `${a.kind} ${op} ${b.kind}`;
  switch (k) {
    case 'number + number':
    case 'number - number':
    case 'number * number':
    case 'number / number':
      return T.number;
    case 'date + duration':
    case 'date - duration':
      return T.date;
    case 'datetime + duration':
    case 'datetime - duration':
    case 'duration + datetime':
      return T.datetime;
    case 'duration + date':
      return T.date;
    case 'datetime - datetime':
    case 'date - date':
    case 'date - datetime':
    case 'datetime - date':
    case 'duration + duration':
    case 'duration - duration':
    case 'duration * number':
    case 'number * duration':
    case 'duration / number':
      return T.duration;
    case 'string + string':
      return T.string;
    case 'percent * number':
    case 'number * percent':
      return T.number;
  }
  return undefined;
}

/** May a value of type `src` be stored where `dst` is expected? */
export function assignable(src: Type, dst: Type): boolean {
  if (isLoose(src) || isLoose(dst) || src.kind === 'null') return true;
  if (dst.kind === 'enum') return src.kind === 'enum' && src.values.every((v) => dst.values.includes(v));
  if (dst.kind === 'string' && src.kind === 'enum') return true;
  if (dst.kind === 'datetime' && src.kind === 'date') return true;
  if (dst.kind === 'array') return src.kind === 'array' && assignable(src.element, dst.element);
  if (dst.kind === 'object') return src.kind === 'object';
  return src.kind === dst.kind;
}

/** The type of a list literal's elements: the first element's, widened to `any` on disagreement. */
export function unify(types: Type[]): Type {
  const known = types.filter((t) => !isLoose(t) && t.kind !== 'null');
  if (known.length === 0) return T.any;
  const first = known[0]!;
  if (known.every((t) => comparable(t, first))) {
    if (first.kind === 'enum') {
      const values = [...new Set(known.flatMap((t) => (t.kind === 'enum' ? t.values : [])))];
      return known.every((t) => t.kind === 'enum') ? T.enumOf(values) : T.string;
    }
    return first;
  }
  return T.any;
}
