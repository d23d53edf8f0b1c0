/**
 * The flow graph: what a checked flow means, with the syntax gone. One per flow: its settings
 * resolved to values (defaults filled in), its triggers, and its blocks with stable ids and
 * explicit successors. Structured bodies have become edges: after an `if` every branch continues
 * with the block after it. The bytecode emitter (compiler/bytecode/) encodes exactly this.
 */

/** A block id: the explicit one from the source, or a derived `<kind>_<6 base36>` (see ids.ts). */
export type BlockId = string;

// ---------- expressions ----------

/** Where a context value (`order`, `product`...) comes from. */
export type ContextSource =
  /** the event that started the flow */
  | { kind: 'trigger' }
  /** the event being matched right now: an `exit on ... where`, a `wait for ... where` */
  | { kind: 'event' }
  /** the event a `wait for` block received (inside its first branch) */
  | { kind: 'awaited'; block: BlockId };

export type LiteralValue =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  /** milliseconds */
  | { kind: 'duration'; ms: number }
  /** `2026-12-01`: midnight in the flow's time zone (resolved at run time) */
  | { kind: 'date'; raw: string }
  /** `2026-12-01T10:00`, with or without an offset (without: in the flow's time zone) */
  | { kind: 'datetime'; raw: string }
  /** a time of day, minutes after midnight */
  | { kind: 'time'; minutes: number }
  /** `10%` → 10 */
  | { kind: 'percent'; value: number };

/** A builtin function other than the collection helpers (see stdlib/builtins.ts). */
export type BuiltinName = string;
export type HelperName = 'any' | 'all' | 'count' | 'sum';
export type UnaryOp = 'neg' | 'not';
export type BinaryOp = 'and' | 'or' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | '+' | '-' | '*' | '/';

/** A lowered expression: names resolved (context, customer, element, or an enum word). */
export type LExpr =
  | { k: 'lit'; value: LiteralValue }
  | { k: 'customer' }
  | { k: 'ctx'; name: string; source: ContextSource }
  /** `it`: the element of the innermost collection helper */
  | { k: 'it' }
  | { k: 'member'; object: LExpr; name: string }
  | { k: 'index'; object: LExpr; index: LExpr }
  | { k: 'unary'; op: UnaryOp; operand: LExpr }
  | { k: 'binary'; op: BinaryOp; left: LExpr; right: LExpr }
  | { k: 'list'; elements: LExpr[] }
  | { k: 'builtin'; name: BuiltinName; args: LExpr[] }
  /** any/all/count/sum over a list; `body` (the predicate or summand) sees the element as `it` */
  | { k: 'helper'; name: HelperName; list: LExpr; body?: LExpr }
  /** a customer method; arguments in the method's parameter order, `undefined` for an omitted optional one */
  | { k: 'method'; name: string; args: Array<LExpr | undefined> };

/** An expression with its source text (for people: disassembly, activity log). */
export interface GExpr {
  text: string;
  expr: LExpr;
}

// ---------- settings and triggers ----------

/** A trigger option value, normalized: enum words and names are strings, lists always lists. */
export type OptionValue = string | number | boolean | { percent: number } | { durationMs: number } | OptionValue[];

export interface EventSpec {
  event: string;
  /** Sorted by option name. */
  options: Array<{ name: string; value: OptionValue }>;
}

export interface EventTriggerSpec extends EventSpec {
  kind: 'event';
  /** The entry filter (`when`): customer conditions only. */
  when?: GExpr;
}

export interface ScheduleSpec {
  kind: 'schedule';
  /** `every 6h`: a period in ms. */
  intervalMs?: number;
  /** Days of the week it runs on, 0 = Monday .. 6 = Sunday (not with `month`). */
  weekdays?: number[];
  /** `every month on 1, 15, last`: days of the month, 0 standing for the last day. */
  monthDays?: number[];
  /** Times of day, minutes after midnight, in the flow's time zone. */
  times: number[];
  segment?: string;
  /** The schedule as written (canonical): `every day at 09:00 for segment "vip"`. */
  text: string;
}

export type TriggerSpec = EventTriggerSpec | ScheduleSpec;

export interface ExitSpec extends EventSpec {
  where?: GExpr;
}

export interface FlowSettings {
  /** Launch limit; `always` when not set. */
  entry: { mode: 'once' | 'always' | 'every'; periodMs?: number };
  /** Default step-group relevance; 1 day when not set. */
  relevanceMs: number;
  /** Flow schedule as epoch ms (from inclusive, until exclusive); absent = open. */
  active: { from?: number; until?: number };
  /** The flow's, else the manifest's, else UTC. */
  timezone: string;
  /** Only events of this brand start the flow; absent = all brands. */
  brand?: string;
  /** The folder's segment restriction of runnel.json (`folders`), if the flow's file is in one. */
  segment?: string;
  exits: ExitSpec[];
}

// ---------- blocks ----------

export type Action =
  | { kind: 'send'; channel: string; template: string; params: Array<{ key: string; value: GExpr }> }
  | { kind: 'webhook'; method: string; url: string; body: Array<{ key: string; value: GExpr }> }
  | { kind: 'promo'; pool: string }
  | { kind: 'points'; amount: GExpr; account: string; expiresMs?: number }
  | { kind: 'set'; field: string; value: GExpr }
  | { kind: 'segment_add'; segment: string }
  | { kind: 'segment_remove'; segment: string };

/** A context path a waiting customer must keep: `order.total`, `order.items[].price`. */
export interface KeepPath {
  /** Absent: the trigger's event; else the `wait for` block whose awaited event it belongs to. */
  source?: BlockId;
  path: string;
}

/** Days and hours a timed wait may end in. */
export interface TimeWindowSpec {
  /** 0 = Monday .. 6 = Sunday, sorted; all seven when the source names no days. */
  days: number[];
  /** Minutes after midnight; `from` included, `to` excluded. */
  from: number;
  to: number;
}

export type LimitPeriod = { unit: 'hour' | 'day' | 'week' | 'month' } | { ms: number };

interface BlockBase {
  id: BlockId;
  /** Whether the id was written in the source (else derived). */
  explicit: boolean;
}

export interface StepsBlock extends BlockBase {
  kind: 'steps';
  title?: string;
  /** The block's own relevance, else the flow's. */
  relevanceMs: number;
  actions: Action[];
  next: BlockId;
}
export interface WaitFixedBlock extends BlockBase {
  kind: 'wait_fixed';
  durationMs: number;
  keeps: KeepPath[];
  next: BlockId;
}
export interface WaitUntilBlock extends BlockBase {
  kind: 'wait_until';
  at: GExpr;
  /** Without a value: `none` = stopped (dynamic_wait_missing), as `stop` says explicitly; `wait` = a fixed delay. */
  otherwise: { kind: 'none' } | { kind: 'stop' } | { kind: 'wait'; ms: number };
  keeps: KeepPath[];
  next: BlockId;
}
export interface WaitWithinBlock extends BlockBase {
  kind: 'wait_within';
  /** Waited first (0 = none), then until the window is open. */
  durationMs: number;
  window: TimeWindowSpec;
  keeps: KeepPath[];
  next: BlockId;
}
export interface WaitEventBlock extends BlockBase {
  kind: 'wait_event';
  event: EventSpec;
  /** Tested against the arriving event. */
  where?: GExpr;
  timeoutMs: number;
  keeps: KeepPath[];
  /** The event came in time. */
  onEvent: BlockId;
  /** It did not. */
  onTimeout: BlockId;
}
export interface IfBlock extends BlockBase {
  kind: 'if';
  branches: Array<{ condition: GExpr; next: BlockId }>;
  /** Where customers go when no condition holds (the `else` branch, or the block after the `if`). */
  else: BlockId;
  /** Whether the source had an `else` (without one, no match at the end of the flow is final_condition_failed). */
  hasElse: boolean;
}
export interface SplitBlock extends BlockBase {
  kind: 'split';
  variants: Array<{ name: string; title?: string; percent: number; next: BlockId }>;
  /** The remainder below 100%: the control group, which leaves the flow (completed). */
  control: { percent: number; next: BlockId };
}
export interface ParallelBlock extends BlockBase {
  kind: 'parallel';
  branches: Array<{ label?: string; next: BlockId }>;
  /** The join block where the branches meet. */
  join: BlockId;
}
export interface JoinBlock extends BlockBase {
  kind: 'join';
  /** The parallel block it closes. */
  parallel: BlockId;
  /** What a branch that arrived first must keep while it waits for the others. */
  keeps: KeepPath[];
  next: BlockId;
}
export interface LimitBlock extends BlockBase {
  kind: 'limit';
  /** `limit budget "sms"`: a runnel.json budget shared by every block naming it (count and period are the budget's). Absent: the block's own counter, kept under its id. */
  budget?: string;
  count: number;
  period: LimitPeriod;
  /** Within the budget. */
  next: BlockId;
  /** Over the budget: the `else` branch, or the block after the limit. */
  else: BlockId;
  hasElse: boolean;
}
export interface StopBlock extends BlockBase {
  kind: 'stop';
}
/** The end of the flow: every path that runs out of blocks arrives here (one per flow). */
export interface EndBlock extends BlockBase {
  kind: 'end';
}

export type GraphBlock =
  | StepsBlock
  | WaitFixedBlock
  | WaitUntilBlock
  | WaitWithinBlock
  | WaitEventBlock
  | IfBlock
  | SplitBlock
  | ParallelBlock
  | JoinBlock
  | LimitBlock
  | StopBlock
  | EndBlock;

export type BlockKind = GraphBlock['kind'];

export interface FlowGraph {
  id: string;
  title?: string;
  settings: FlowSettings;
  triggers: TriggerSpec[];
  /** The first block (the end block for a flow without blocks). */
  entry: BlockId;
  /** In source order (pre-order; a join after its branches), the end block last. Unreachable blocks are left out. */
  blocks: GraphBlock[];
}

/** The blocks a block leads to, in a fixed order. */
export function successors(b: GraphBlock): BlockId[] {
  switch (b.kind) {
    case 'steps':
    case 'wait_fixed':
    case 'wait_until':
    case 'wait_within':
    case 'join':
      return [b.next];
    case 'wait_event':
      return [b.onEvent, b.onTimeout];
    case 'if':
      return [...b.branches.map((x) => x.next), b.else];
    case 'split':
      return [...b.variants.map((v) => v.next), b.control.next];
    case 'parallel':
      return [...b.branches.map((x) => x.next), b.join];
    case 'limit':
      return [b.next, b.else];
    case 'stop':
    case 'end':
      return [];
  }
}

export function isWait(b: GraphBlock): b is WaitFixedBlock | WaitUntilBlock | WaitWithinBlock | WaitEventBlock {
  return b.kind === 'wait_fixed' || b.kind === 'wait_until' || b.kind === 'wait_within' || b.kind === 'wait_event';
}
