/**
 * The expression VM: evaluates a flow program's expression code against an instance's data.
 * Browser-safe. See docs/bytecode.md, "Expression VM".
 */
export { evaluate, evaluateCondition, evaluateMoment, evaluateJson, prepareProgram, EvalError, DEFAULT_BUDGET, MAX_HELPER_DEPTH, type EvalEnv } from './eval.js';
export {
  Duration,
  DateValue,
  DateTime,
  TimeOfDay,
  Percent,
  TypedValue,
  kindOf,
  norm,
  field,
  fromJson,
  toJson,
  toEpoch,
  showValue,
  parseTemporal,
  asTemporal,
  midnight,
  dayOf,
  DAY_MS,
  type Value,
  type ValueKind,
  type ValueObject,
  type Json,
} from './values.js';
export { equals, compare, member, add, sub, mul, div, neg, addToDate } from './ops.js';
export { customerView, subscriptionStatus, inSegment, type CustomerProfile, type CustomerSubscription } from './customer.js';
export { BUILTINS, METHODS, roundHalfAway, type BuiltinContext } from './builtins.js';
