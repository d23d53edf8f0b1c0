/**
 * The typed AST. Every node has a numeric `id` (the checker's results are keyed by it, as in
 * cel-go) and a `span` of source offsets. Settings, triggers and blocks are grouped per flow, so
 * the formatter can print them in canonical order without changing the tree.
 */

export interface Span {
  /** Offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

interface NodeBase {
  id: number;
  span: Span;
}

export interface Ident extends NodeBase {
  kind: 'Ident';
  name: string;
}

// ---------- File and flow ----------

export interface SourceFile extends NodeBase {
  kind: 'File';
  flows: FlowDecl[];
}

export interface FlowDecl extends NodeBase {
  kind: 'Flow';
  name: Ident;
  title?: StringLit;
  settings: Setting[];
  triggers: Trigger[];
  body: Block[];
}

// ---------- Settings ----------

export type Setting = EntrySetting | RelevanceSetting | ActiveSetting | TimezoneSetting | BrandSetting | ExitSetting;

export interface EntrySetting extends NodeBase {
  kind: 'EntrySetting';
  mode: 'once' | 'always' | 'every';
  period?: DurationLit;
}
export interface RelevanceSetting extends NodeBase {
  kind: 'RelevanceSetting';
  duration: DurationLit;
}
export interface ActiveSetting extends NodeBase {
  kind: 'ActiveSetting';
  from?: DateLit | DateTimeLit;
  until?: DateLit | DateTimeLit;
}
export interface TimezoneSetting extends NodeBase {
  kind: 'TimezoneSetting';
  zone: StringLit;
}
export interface BrandSetting extends NodeBase {
  kind: 'BrandSetting';
  brand: StringLit;
}
export interface ExitSetting extends NodeBase {
  kind: 'ExitSetting';
  event: EventRef;
  where?: Expr;
}

// ---------- Triggers ----------

export type Trigger = EventTrigger | ScheduleTrigger;

/** `NewOrder(status: paid, maxPerOrder: 1)`: an event name with its options. */
export interface EventRef extends NodeBase {
  kind: 'EventRef';
  name: Ident;
  options: OptionArg[];
  /** Whether the source had parentheses (kept so `Foo()` and `Foo` print as written). */
  parens: boolean;
}
export interface OptionArg extends NodeBase {
  kind: 'OptionArg';
  name: Ident;
  value: Expr;
}

export interface EventTrigger extends NodeBase {
  kind: 'EventTrigger';
  event: EventRef;
  when?: Expr;
}

/** `every day at 10:00 for segment "vip"`, `every mon, thu at 09:30`, `every month on 1, last at 10:00`. */
export interface ScheduleTrigger extends NodeBase {
  kind: 'ScheduleTrigger';
  /** A period (`every 6h`) or words (`day`, `weekday`, `mon`, `month`...). */
  interval?: DurationLit;
  units: Ident[];
  /** Days of the month with `month`: numbers, or `last`. */
  monthDays: Array<NumberLit | Ident>;
  times: TimeLit[];
  segment?: StringLit;
}

// ---------- Blocks ----------

export type Block =
  | StepsBlock
  | WaitFixedBlock
  | WaitUntilBlock
  | WaitForEventBlock
  | IfBlock
  | SplitBlock
  | ParallelBlock
  | LimitBlock
  | StopBlock;

export interface StepsBlock extends NodeBase {
  kind: 'Steps';
  blockId?: Ident;
  title?: StringLit;
  relevance?: DurationLit;
  actions: Action[];
}

/** Days and hours a timed wait may end in: `within mon..fri 10:00..18:00`. */
export interface TimeWindow extends NodeBase {
  kind: 'TimeWindow';
  days: DayRange[];
  from: TimeLit;
  to: TimeLit;
}
export interface DayRange extends NodeBase {
  kind: 'DayRange';
  from: Ident;
  to?: Ident;
}

/** `wait 1d`, `wait 1d within mon..fri 10:00..18:00`, `wait within 10:00..12:00`. */
export interface WaitFixedBlock extends NodeBase {
  kind: 'WaitFixed';
  blockId?: Ident;
  duration?: DurationLit;
  within?: TimeWindow;
}

export interface WaitUntilBlock extends NodeBase {
  kind: 'WaitUntil';
  blockId?: Ident;
  at: Expr;
  otherwise?: { kind: 'stop' } | { kind: 'wait'; duration: DurationLit };
}

export interface WaitForEventBlock extends NodeBase {
  kind: 'WaitForEvent';
  blockId?: Ident;
  event: EventRef;
  where?: Expr;
  timeout: DurationLit;
  onEvent: Block[];
  onTimeout?: Block[];
}

export interface IfBlock extends NodeBase {
  kind: 'If';
  branches: IfBranch[];
  otherwise?: Block[];
}
export interface IfBranch extends NodeBase {
  kind: 'IfBranch';
  condition: Expr;
  body: Block[];
}

export interface SplitBlock extends NodeBase {
  kind: 'Split';
  blockId?: Ident;
  variants: SplitVariant[];
}
export interface SplitVariant extends NodeBase {
  kind: 'SplitVariant';
  percent: PercentLit;
  name: Ident;
  title?: StringLit;
  body: Block[];
}

export interface ParallelBlock extends NodeBase {
  kind: 'Parallel';
  blockId?: Ident;
  branches: ParallelBranch[];
}
export interface ParallelBranch extends NodeBase {
  kind: 'ParallelBranch';
  blockId?: Ident;
  body: Block[];
}

export interface LimitBlock extends NodeBase {
  kind: 'Limit';
  blockId?: Ident;
  /** `limit 1000 per day`: the block's own budget (count and period), or... */
  count?: NumberLit;
  /** `per day` (a word) or `per 7d` (a duration). */
  period?: DurationLit | Ident;
  /** ...`limit budget "sms"`: a budget declared in runnel.json, shared by every block naming it. */
  budget?: StringLit;
  body: Block[];
  otherwise?: Block[];
}

export interface StopBlock extends NodeBase {
  kind: 'Stop';
}

// ---------- Actions ----------

export type Action = SendAction | WebhookAction | IssuePromoAction | AwardPointsAction | SetAction | SegmentAction;

export interface SendAction extends NodeBase {
  kind: 'Send';
  channel: Ident;
  template: StringLit;
  params?: ObjectLit;
}
export interface WebhookAction extends NodeBase {
  kind: 'Webhook';
  method: Ident;
  url: StringLit;
  body?: ObjectLit;
}
export interface IssuePromoAction extends NodeBase {
  kind: 'IssuePromo';
  pool: StringLit;
}
export interface AwardPointsAction extends NodeBase {
  kind: 'AwardPoints';
  amount: Expr;
  account: StringLit;
  expires?: DurationLit;
}
export interface SetAction extends NodeBase {
  kind: 'Set';
  target: Expr;
  value: Expr;
}
export interface SegmentAction extends NodeBase {
  kind: 'SegmentAdd' | 'SegmentRemove';
  segment: StringLit;
}

// ---------- Expressions ----------

export type Expr =
  | StringLit
  | NumberLit
  | BooleanLit
  | NullLit
  | DurationLit
  | DateLit
  | DateTimeLit
  | TimeLit
  | PercentLit
  | NameRef
  | MemberExpr
  | CallExpr
  | IndexExpr
  | UnaryExpr
  | BinaryExpr
  | ListLit
  | ErrorExpr;

export interface StringLit extends NodeBase {
  kind: 'String';
  value: string;
}
export interface NumberLit extends NodeBase {
  kind: 'Number';
  value: number;
  raw: string;
}
export interface BooleanLit extends NodeBase {
  kind: 'Boolean';
  value: boolean;
}
export interface NullLit extends NodeBase {
  kind: 'Null';
}
export interface DurationLit extends NodeBase {
  kind: 'Duration';
  /** As written: `1d12h`. */
  raw: string;
  /** Total milliseconds. */
  ms: number;
}
export interface DateLit extends NodeBase {
  kind: 'Date';
  raw: string;
}
export interface DateTimeLit extends NodeBase {
  kind: 'DateTime';
  raw: string;
}
export interface TimeLit extends NodeBase {
  kind: 'Time';
  raw: string;
}
export interface PercentLit extends NodeBase {
  kind: 'Percent';
  value: number;
  raw: string;
}
export interface NameRef extends NodeBase {
  kind: 'Name';
  name: string;
}
export interface MemberExpr extends NodeBase {
  kind: 'Member';
  object: Expr;
  property: Ident;
}
export interface CallArg extends NodeBase {
  kind: 'CallArg';
  name?: Ident;
  value: Expr;
}
export interface CallExpr extends NodeBase {
  kind: 'Call';
  callee: Expr;
  args: CallArg[];
}
export interface IndexExpr extends NodeBase {
  kind: 'Index';
  object: Expr;
  index: Expr;
}
export interface UnaryExpr extends NodeBase {
  kind: 'Unary';
  op: '-' | 'not';
  operand: Expr;
}
export type BinaryOp = 'or' | 'and' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | '+' | '-' | '*' | '/';
export interface BinaryExpr extends NodeBase {
  kind: 'Binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
}
export interface ListLit extends NodeBase {
  kind: 'List';
  elements: Expr[];
}
/** Stands for an expression the parser could not read (a diagnostic was already reported). */
export interface ErrorExpr extends NodeBase {
  kind: 'Error';
}

/** `{ coupon: promo.code, "utm-source": "flow" }` in send and webhook actions. */
export interface ObjectLit extends NodeBase {
  kind: 'Object';
  entries: ObjectEntry[];
}
export interface ObjectEntry extends NodeBase {
  kind: 'ObjectEntry';
  key: Ident | StringLit;
  value: Expr;
}

export type Node =
  | SourceFile
  | FlowDecl
  | Setting
  | Trigger
  | EventRef
  | OptionArg
  | Block
  | IfBranch
  | SplitVariant
  | ParallelBranch
  | TimeWindow
  | DayRange
  | Action
  | Expr
  | CallArg
  | ObjectLit
  | ObjectEntry
  | Ident;

/** Binding strength of binary operators, loosest first; the formatter adds parentheses from it. */
export const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  in: 4,
  'not in': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
};
/** `not` binds between `and` and the comparisons. */
export const NOT_PRECEDENCE = 3;
