/**
 * The .flowb format: numbers, tags and tables shared by the emitter, encoder, verifier and
 * disassembler. docs/bytecode.md describes the layout for people.
 */

export const MAGIC = [0x52, 0x4e, 0x46, 0x42] as const; // "RNFB"
export const FORMAT_VERSION = 1;
/** magic(4) + format version(2) + flags(2) + content length(4) + SHA-256(32). */
export const HEADER_SIZE = 44;
export const HASH_OFFSET = 12;

/** Limits the verifier enforces (and the emitter stays within). */
export const LIMITS = {
  /** Values an expression may hold on its stack at once. */
  maxStack: 256,
  /** Collection helpers nested inside each other's predicates. */
  maxHelperNesting: 32,
  /** Length of the compiler version string. */
  maxCompilerVersion: 64,
} as const;

/** Section tags, in the order they appear. */
export const SECTION = { constants: 1, code: 2, flow: 3, triggers: 4, blocks: 5 } as const;

// ---------- constants ----------

export const CONST = {
  string: 1,
  int: 2,
  float: 3,
  true: 4,
  false: 5,
  null: 6,
  duration: 7,
  date: 8,
  datetime: 9,
  time: 10,
  percent: 11,
} as const;
export type ConstTag = keyof typeof CONST;
export const CONST_NAMES: Record<number, ConstTag> = Object.fromEntries(Object.entries(CONST).map(([k, v]) => [v, k as ConstTag]));

// ---------- blocks and actions ----------

export const BLOCK = {
  steps: 1,
  wait_fixed: 2,
  wait_until: 3,
  wait_within: 4,
  wait_event: 5,
  if: 6,
  split: 7,
  parallel: 8,
  join: 9,
  limit: 10,
  stop: 11,
  end: 12,
} as const;
export type BlockKindName = keyof typeof BLOCK;
export const BLOCK_NAMES: Record<number, BlockKindName> = Object.fromEntries(Object.entries(BLOCK).map(([k, v]) => [v, k as BlockKindName]));

export const ACTION = { send: 1, webhook: 2, promo: 3, points: 4, set: 5, segment_add: 6, segment_remove: 7 } as const;
export type ActionKindName = keyof typeof ACTION;
export const ACTION_NAMES: Record<number, ActionKindName> = Object.fromEntries(Object.entries(ACTION).map(([k, v]) => [v, k as ActionKindName]));

export const ENTRY_MODES = ['always', 'once', 'every'] as const;
export const LIMIT_UNITS = ['hour', 'day', 'week', 'month'] as const;
/** Limit period byte: 1..4 a calendar unit (LIMIT_UNITS), 5 a duration. */
export const LIMIT_PERIOD_DURATION = 5;
export const OTHERWISE = { none: 0, stop: 1, wait: 2 } as const;
export const TRIGGER = { event: 1, schedule: 2 } as const;
export const SCHEDULE = { interval: 1, weekly: 2, monthly: 3 } as const;

/** Context names a CTX / EVENT / AWAITED instruction may name. */
export const CONTEXT_NAMES: readonly string[] = ['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params'];

// ---------- expression code ----------

/**
 * Opcodes. Operands are unsigned LEB128 varints unless said otherwise (`sv`: zigzag signed).
 * `k` a constant index, `c` a code chunk index, `b` a block index, `off` a forward jump distance
 * in bytes from the end of the instruction.
 */
export const OP = {
  CONST: 0x01, // k            → value
  INT: 0x02, // sv             → number
  TRUE: 0x03, //               → true
  FALSE: 0x04, //              → false
  NULL: 0x05, //               → null (missing)
  CUSTOMER: 0x06, //           → the customer
  CTX: 0x07, // k              → context value of the triggering event (k names it: "order")
  EVENT: 0x08, // k            → context value of the event being matched (exit on / wait for `where`)
  AWAITED: 0x09, // b k        → context value of the event that wait_event block b received
  IT: 0x0a, //                 → the element of the innermost collection helper
  GET: 0x0b, // k       obj    → obj.field (k names the field); missing when obj is
  INDEX: 0x0c, //      list i  → list[i]; missing out of range
  NEG: 0x0d, //        x       → -x
  NOT: 0x0e, //        x       → not x (x !== true)
  EQ: 0x10,
  NE: 0x11,
  LT: 0x12,
  LE: 0x13,
  GT: 0x14,
  GE: 0x15,
  IN: 0x16,
  NOT_IN: 0x17,
  ADD: 0x18,
  SUB: 0x19,
  MUL: 0x1a,
  DIV: 0x1b, //        a b     → a op b
  AND: 0x20, // off    a       → if a is not true: push false, jump; else continue (the right side follows)
  OR: 0x21, // off     a       → if a is true: push true, jump; else continue
  LIST: 0x22, // n     x1..xn  → [x1..xn]
  CALL: 0x23, // f n   args    → builtin f (BUILTIN_TABLE) on n arguments
  METHOD: 0x24, // m n args    → customer method m (METHOD_TABLE) on n arguments (missing ones: NULL)
  COUNT: 0x25, //      list    → number of elements
  ANY: 0x28, // c      list    → true when chunk c is true for some element (`it` = the element)
  ALL: 0x29, // c      list    → true when chunk c is true for every element
  COUNT_IF: 0x2a, // c list    → number of elements for which chunk c is true
  SUM: 0x2b, // c      list    → sum of chunk c over the elements
} as const;
export type OpName = keyof typeof OP;
export const OP_NAMES: Record<number, OpName> = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k as OpName]));

export const BINARY_OPS: Record<string, OpName> = {
  '==': 'EQ',
  '!=': 'NE',
  '<': 'LT',
  '<=': 'LE',
  '>': 'GT',
  '>=': 'GE',
  in: 'IN',
  'not in': 'NOT_IN',
  '+': 'ADD',
  '-': 'SUB',
  '*': 'MUL',
  '/': 'DIV',
};

/** Operand shapes, for the decoder and disassembler. */
export type Operand = 'k' | 'sv' | 'b' | 'c' | 'off' | 'n' | 'f' | 'm';
export const OPERANDS: Record<OpName, readonly Operand[]> = {
  CONST: ['k'],
  INT: ['sv'],
  TRUE: [],
  FALSE: [],
  NULL: [],
  CUSTOMER: [],
  CTX: ['k'],
  EVENT: ['k'],
  AWAITED: ['b', 'k'],
  IT: [],
  GET: ['k'],
  INDEX: [],
  NEG: [],
  NOT: [],
  EQ: [],
  NE: [],
  LT: [],
  LE: [],
  GT: [],
  GE: [],
  IN: [],
  NOT_IN: [],
  ADD: [],
  SUB: [],
  MUL: [],
  DIV: [],
  AND: ['off'],
  OR: ['off'],
  LIST: ['n'],
  CALL: ['f', 'n'],
  METHOD: ['m', 'n'],
  COUNT: [],
  ANY: ['c'],
  ALL: ['c'],
  COUNT_IF: ['c'],
  SUM: ['c'],
};

/** Builtin functions by CALL index, with their argument counts. Append only: the index is the format. */
export const BUILTIN_TABLE: ReadonlyArray<{ name: string; arity: number }> = [
  { name: 'exists', arity: 1 },
  { name: 'lower', arity: 1 },
  { name: 'upper', arity: 1 },
  { name: 'contains', arity: 2 },
  { name: 'abs', arity: 1 },
  { name: 'round', arity: 1 },
  { name: 'floor', arity: 1 },
  { name: 'ceil', arity: 1 },
  { name: 'min', arity: 2 },
  { name: 'max', arity: 2 },
  { name: 'today', arity: 0 },
  { name: 'now', arity: 0 },
  { name: 'year', arity: 1 },
  { name: 'month', arity: 1 },
  { name: 'day', arity: 1 },
  { name: 'weekday', arity: 1 },
];

/** Customer methods by METHOD index, with how many arguments they take. Append only. */
export const METHOD_TABLE: ReadonlyArray<{ name: string; minArgs: number; maxArgs: number; params: readonly string[] }> = [
  { name: 'inSegment', minArgs: 1, maxArgs: 1, params: ['segment'] },
  { name: 'subscription', minArgs: 1, maxArgs: 3, params: ['channel', 'brand', 'topic'] },
  { name: 'subscribed', minArgs: 1, maxArgs: 3, params: ['channel', 'brand', 'topic'] },
];

/**
 * The longest duration a block may carry: ten years, the largest any setting allows in the
 * checker (`entry every 3650d`, points lifetimes). The verifier refuses more, so the engine's date
 * arithmetic never leaves the range of a JavaScript Date.
 */
export const MAX_DURATION_MS = 3650 * 86_400_000;
