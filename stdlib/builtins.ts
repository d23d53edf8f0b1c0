/**
 * Builtin functions of the expression language. Bounded by construction: the collection helpers
 * take one predicate over one list, evaluated once per element; there is no recursion.
 * Inside a predicate, `it` is the element.
 */
export type BuiltinKind =
  | 'exists' // exists(x): the value is present
  | 'predicate' // any/all(list, pred)
  | 'count' // count(list[, pred])
  | 'sum' // sum(list, numeric expr)
  | 'string' // lower/upper(string)
  | 'contains' // contains(string, string)
  | 'number' // abs/round/floor/ceil(number)
  | 'minmax' // min/max(number, number)
  | 'clock' // today(), now(): the time the step runs, in the flow's time zone
  | 'datePart'; // year/month/day/weekday(date or date-time), in the flow's time zone

export interface BuiltinDef {
  name: string;
  kind: BuiltinKind;
  signature: string;
  doc: string;
}

export const BUILTINS: readonly BuiltinDef[] = [
  { name: 'exists', kind: 'exists', signature: 'exists(value) -> boolean', doc: 'True when the value is present (optional fields may be missing).' },
  { name: 'any', kind: 'predicate', signature: 'any(list, predicate) -> boolean', doc: 'True when the predicate holds for at least one element; `it` is the element: any(order.items, it.price > 100).' },
  { name: 'all', kind: 'predicate', signature: 'all(list, predicate) -> boolean', doc: 'True when the predicate holds for every element (true for an empty list).' },
  { name: 'count', kind: 'count', signature: 'count(list[, predicate]) -> number', doc: 'The number of elements, or of elements for which the predicate holds.' },
  { name: 'sum', kind: 'sum', signature: 'sum(list, expression) -> number', doc: 'The sum of the expression over the elements: sum(order.items, it.price * it.quantity).' },
  { name: 'lower', kind: 'string', signature: 'lower(string) -> string', doc: 'The string in lower case.' },
  { name: 'upper', kind: 'string', signature: 'upper(string) -> string', doc: 'The string in upper case.' },
  { name: 'contains', kind: 'contains', signature: 'contains(string, part) -> boolean', doc: 'True when the string contains the part (case-sensitive).' },
  { name: 'abs', kind: 'number', signature: 'abs(number) -> number', doc: 'The absolute value.' },
  { name: 'round', kind: 'number', signature: 'round(number) -> number', doc: 'Rounded to the nearest whole number.' },
  { name: 'floor', kind: 'number', signature: 'floor(number) -> number', doc: 'Rounded down.' },
  { name: 'ceil', kind: 'number', signature: 'ceil(number) -> number', doc: 'Rounded up.' },
  { name: 'min', kind: 'minmax', signature: 'min(a, b) -> number', doc: 'The smaller of two numbers.' },
  { name: 'max', kind: 'minmax', signature: 'max(a, b) -> number', doc: 'The larger of two numbers.' },
  { name: 'today', kind: 'clock', signature: 'today() -> date', doc: "The date when the block runs, in the flow's time zone." },
  { name: 'now', kind: 'clock', signature: 'now() -> datetime', doc: 'The moment the block runs (the virtual clock in a simulation).' },
  { name: 'year', kind: 'datePart', signature: 'year(date) -> number', doc: "The year of a date or date-time, in the flow's time zone." },
  { name: 'month', kind: 'datePart', signature: 'month(date) -> number', doc: 'The month, 1 (January) to 12.' },
  { name: 'day', kind: 'datePart', signature: 'day(date) -> number', doc: 'The day of the month, 1 to 31.' },
  { name: 'weekday', kind: 'datePart', signature: 'weekday(date) -> number', doc: 'The day of the week, 1 (Monday) to 7 (Sunday).' },
];

const byName = new Map(BUILTINS.map((b) => [b.name, b]));
export function findBuiltin(name: string): BuiltinDef | undefined {
  return byName.get(name);
}
