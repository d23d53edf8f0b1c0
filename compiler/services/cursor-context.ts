/**
 * What the text before the cursor expects next: a keyword, an event name, an option, a field after
 * a dot, a template name in a string... Read from the tokens alone, by a small tolerant parser that
 * follows the grammar (grammar/parser.ts) over the tokens before the cursor and stops where they
 * end. It never fails on broken text: a missing token is taken as written, an unexpected one is
 * skipped, a statement keyword closes what was left open. No parse tree, no checker: fast enough
 * to run on every keystroke of a 150-block flow.
 *
 * The parser's recovered tree is no help exactly where completion matters most (`order.` with
 * nothing after the dot is a syntax error), and Chevrotain's content assist is gone in version 12.
 */
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import * as T from '../../grammar/tokens.js';

/** What a pair of braces (or the flow's top) holds. */
export type ContainerKind = 'flow' | 'blocks' | 'actions' | 'split' | 'parallel' | 'object';

/** A path as written: `order.items`, `it.price`, `customer.subscription(email)`, `order.items[0]`. */
export interface PathExpr {
  root: string;
  steps: PathStep[];
}
export type PathStep = { kind: 'field'; name: string } | { kind: 'call' } | { kind: 'index' };

/** What names an expression at the cursor can see, besides the flow's triggers. */
export interface ExprScope {
  /** Inside `when`: the customer only. */
  entryFilter: boolean;
  /** Events whose context is bound here (`wait for` ... `{`, `exit on` ... `where`), innermost last; `timeout` marks the branch where it did not come. */
  events: Array<{ event: string; mode: 'bound' | 'timeout' }>;
  /** The lists of the enclosing any() / all() / count() / sum(), outermost first: `it` is an element of the last. */
  its: PathExpr[];
}

/** A call around the cursor: `customer.inSegment(|`, `customer.subscription(email, brand: |`. */
export interface CallInfo {
  callee: PathExpr | undefined;
  /** Position among the arguments (named ones count too). */
  arg: number;
  name?: string;
}

/** Names of runnel.json (or of the engine) that go in a string at the cursor. */
export type StringRef = 'template' | 'segment' | 'promoPool' | 'pointAccount' | 'budget' | 'brand' | 'timezone';

export type Slot =
  /** Outside any flow: `flow`. */
  | { kind: 'top' }
  /** Where a statement may start; `follow` are words that continue the statement before it. */
  | { kind: 'statement'; container: ContainerKind; follow: string[] }
  /** One of a fixed set of words (keywords, days, periods...). */
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'event' }
  | { kind: 'optionName'; event: string; given: string[] }
  | { kind: 'optionValue'; event: string; option: string; inList: boolean }
  | { kind: 'channel' }
  | { kind: 'webhookMethod' }
  | { kind: 'string'; ref: StringRef; channel?: string }
  /** The start of a value: names, functions, enum values of `expected`. */
  | { kind: 'expression'; scope: ExprScope; expected?: PathExpr; call?: CallInfo }
  /** Right after a complete value: an operator, or what follows the expression. */
  | { kind: 'afterOperand'; scope: ExprScope; container: ContainerKind; follow: string[]; canEnd: boolean }
  /** After a dot. */
  | { kind: 'member'; path: PathExpr | undefined; scope: ExprScope }
  | { kind: 'none' };

export interface CursorContext {
  slot: Slot;
  /** Token index of the `flow` keyword of the flow around the cursor. */
  flowStart?: number;
}

const NONE: Slot = { kind: 'none' };
const EMPTY_SCOPE: ExprScope = { entryFilter: false, events: [], its: [] };

export const DAY_WORDS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const SCHEDULE_WORDS = ['day', 'weekday', 'weekend', 'month', ...DAY_WORDS] as const;
export const PERIOD_WORDS = ['hour', 'day', 'week', 'month'] as const;

class Found {
  constructor(readonly slot: Slot) {}
}

const LITERALS: TokenType[] = [
  T.StringLiteral,
  T.NumberLiteral,
  T.PercentLiteral,
  T.DurationLiteral,
  T.DateTimeLiteral,
  T.DateLiteral,
  T.TimeLiteral,
  T.True,
  T.False,
  T.Null,
];
const COMPARISONS: TokenType[] = [T.EqEq, T.NotEq, T.LtEq, T.GtEq, T.Lt, T.Gt, T.In];
const ARITHMETIC: TokenType[] = [T.Or, T.And, T.Plus, T.Minus, T.Star, T.Slash];

/** Keywords that start something other than an action: inside `steps { }` they mean its `}` is missing. */
const NOT_ACTIONS: TokenType[] = [T.Steps, T.Wait, T.If, T.Split, T.Parallel, T.Limit, T.Stop, T.Entry, T.Relevance, T.Active, T.Timezone, T.Brand, T.Exit, T.On, T.Every, T.Flow];

const LIST_HELPERS = new Set(['any', 'all', 'count', 'sum']);

interface After {
  follow: string[];
  canEnd: boolean;
}

class Sketch {
  private pos = 0;
  flowStart: number | undefined;
  private container: ContainerKind = 'flow';
  /** What may continue the statement parsed last (for the next statement slot). */
  private follow: string[] = [];
  private depth = 0;

  constructor(
    private readonly toks: readonly IToken[],
    private readonly end: number,
  ) {}

  // ---------- token access ----------

  private get atEnd(): boolean {
    return this.pos >= this.end;
  }
  private peek(k = 0): IToken | undefined {
    const i = this.pos + k;
    return i < this.end ? this.toks[i] : undefined;
  }
  private is(type: TokenType, k = 0): boolean {
    const t = this.peek(k);
    return !!t && tokenMatcher(t, type);
  }
  private isAny(types: readonly TokenType[], k = 0): boolean {
    const t = this.peek(k);
    return !!t && types.some((x) => tokenMatcher(t, x));
  }
  private accept(type: TokenType): boolean {
    if (this.is(type)) {
      this.pos++;
      return true;
    }
    return false;
  }
  /** At the cursor: report what is expected here. */
  private stopIfEnd(slot: Slot): void {
    if (this.atEnd) throw new Found(slot);
  }

  // ---------- file and statements ----------

  file(): never {
    for (;;) {
      this.stopIfEnd({ kind: 'top' });
      if (this.is(T.Flow)) this.flow();
      else this.pos++;
    }
  }

  private flow(): void {
    this.flowStart = this.pos;
    this.pos++;
    this.stopIfEnd(NONE);
    this.accept(T.Identifier);
    this.stopIfEnd(NONE);
    this.accept(T.StringLiteral);
    this.stopIfEnd(NONE);
    this.accept(T.LBrace);
    this.statements('flow', EMPTY_SCOPE);
  }

  /** Statements of one container, up to its `}` (or a keyword that shows the `}` is missing). */
  private statements(kind: ContainerKind, scope: ExprScope): void {
    const outer = this.container;
    this.container = kind;
    this.follow = [];
    try {
      for (;;) {
        this.stopIfEnd({ kind: 'statement', container: kind, follow: this.follow });
        if (this.accept(T.RBrace)) return;
        if (this.is(T.Flow)) return;
        if (kind === 'actions' && this.isAny(NOT_ACTIONS)) return;
        if (kind === 'object' && !(this.is(T.Colon, 1) || this.is(T.Comma) || this.peek(1) === undefined)) return;
        const before = this.pos;
        this.follow = [];
        if (!this.statement(kind, scope)) this.pos++;
        if (this.pos === before) this.pos++;
      }
    } finally {
      this.container = outer;
      // What continues the statement around this container is its own business, not the inner ones'.
      this.follow = [];
    }
  }

  /** One statement; false when the token starts none. */
  private statement(kind: ContainerKind, scope: ExprScope): boolean {
    if (kind === 'split') return this.variant(scope);
    if (kind === 'parallel') return this.branch(scope);
    if (kind === 'object') return this.objectEntry(scope);
    const t = this.peek()!;
    switch (t.tokenType) {
      case T.Entry:
        this.pos++;
        this.stopIfEnd({ kind: 'words', words: ['once', 'always', 'every'] });
        if (this.accept(T.Every)) {
          this.stopIfEnd(NONE);
          this.accept(T.DurationLiteral);
        } else if (!this.accept(T.Once)) this.accept(T.Always);
        return true;
      case T.Relevance:
        this.pos++;
        this.stopIfEnd(NONE);
        this.accept(T.DurationLiteral);
        return true;
      case T.Active:
        return this.active();
      case T.Timezone:
      case T.Brand:
        this.pos++;
        this.stopIfEnd({ kind: 'string', ref: t.tokenType === T.Brand ? 'brand' : 'timezone' });
        this.accept(T.StringLiteral);
        return true;
      case T.Exit: {
        this.pos++;
        this.stopIfEnd({ kind: 'words', words: ['on'] });
        this.accept(T.On);
        const event = this.eventRef();
        if (this.atEnd) {
          this.follow = ['where'];
          return true;
        }
        if (this.accept(T.Where)) this.expression(withEvent(scope, event, 'bound'), { follow: [], canEnd: true });
        return true;
      }
      case T.On:
        this.pos++;
        this.eventRef();
        if (this.atEnd) {
          this.follow = ['when'];
          return true;
        }
        if (this.accept(T.When)) this.expression({ ...scope, entryFilter: true }, { follow: [], canEnd: true });
        return true;
      case T.Every:
        return this.schedule();
      case T.Steps:
        return this.steps(scope);
      case T.Wait:
        return this.wait(scope);
      case T.If:
        return this.ifBlock(scope);
      case T.Split:
      case T.Parallel:
        this.pos++;
        this.stopIfEnd(NONE);
        this.accept(T.Identifier);
        this.stopIfEnd(NONE);
        if (this.accept(T.LBrace)) this.statements(t.tokenType === T.Split ? 'split' : 'parallel', scope);
        return true;
      case T.Limit:
        return this.limit(scope);
      case T.Stop:
        this.pos++;
        return true;
      case T.Send:
      case T.Webhook:
        return this.send(t.tokenType === T.Send, scope);
      case T.Issue:
        this.pos++;
        this.stopIfEnd({ kind: 'words', words: ['promo'] });
        this.accept(T.Promo);
        this.stopIfEnd({ kind: 'string', ref: 'promoPool' });
        this.accept(T.StringLiteral);
        return true;
      case T.Award:
        return this.award(scope);
      case T.Set: {
        this.pos++;
        this.stopIfEnd({ kind: 'expression', scope });
        const target = this.operand(scope);
        this.stopIfEnd({ kind: 'words', words: ['='] });
        if (this.accept(T.Assign)) this.expression(scope, { follow: [], canEnd: true }, target);
        return true;
      }
      case T.Add:
      case T.Remove: {
        const add = t.tokenType === T.Add;
        this.pos++;
        this.stopIfEnd({ kind: 'words', words: [add ? 'to segment' : 'from segment'] });
        this.accept(add ? T.To : T.From);
        this.stopIfEnd({ kind: 'words', words: ['segment'] });
        this.accept(T.Segment);
        this.stopIfEnd({ kind: 'string', ref: 'segment' });
        this.accept(T.StringLiteral);
        return true;
      }
    }
    return false;
  }

  private active(): boolean {
    this.pos++;
    this.stopIfEnd({ kind: 'words', words: ['from', 'until'] });
    let until = false;
    if (this.accept(T.From)) {
      this.stopIfEnd(NONE);
      if (!this.accept(T.DateTimeLiteral)) this.accept(T.DateLiteral);
    }
    if (this.accept(T.Until)) {
      until = true;
      this.stopIfEnd(NONE);
      if (!this.accept(T.DateTimeLiteral)) this.accept(T.DateLiteral);
    }
    if (!until) this.follow = ['until'];
    return true;
  }

  private schedule(): boolean {
    this.pos++;
    this.stopIfEnd({ kind: 'words', words: SCHEDULE_WORDS });
    const units: string[] = [];
    if (!this.accept(T.DurationLiteral)) {
      while (this.is(T.Identifier)) {
        units.push(this.peek()!.image);
        this.pos++;
        if (!this.is(T.Comma)) break;
        this.pos++;
        this.stopIfEnd({ kind: 'words', words: DAY_WORDS });
      }
    }
    const month = units.includes('month');
    let days = false;
    let at = false;
    if (this.is(T.On) && month) {
      const next = this.peek(1);
      if (!next) {
        this.pos++;
        throw new Found({ kind: 'words', words: ['last'] });
      }
      if (tokenMatcher(next, T.NumberLiteral) || (tokenMatcher(next, T.Identifier) && next.image === 'last')) {
        this.pos++;
        days = true;
        while (this.is(T.NumberLiteral) || this.is(T.Identifier)) {
          this.pos++;
          if (!this.accept(T.Comma)) break;
          this.stopIfEnd({ kind: 'words', words: ['last'] });
        }
      }
    }
    if (this.accept(T.At)) {
      at = true;
      this.stopIfEnd(NONE);
      while (this.accept(T.TimeLiteral)) {
        if (!this.accept(T.Comma)) break;
        this.stopIfEnd(NONE);
      }
    }
    if (this.accept(T.For)) {
      this.stopIfEnd({ kind: 'words', words: ['segment'] });
      this.accept(T.Segment);
      this.stopIfEnd({ kind: 'string', ref: 'segment' });
      this.accept(T.StringLiteral);
      return true;
    }
    this.follow = [...(month && !days ? ['on'] : []), ...(at ? [] : ['at']), 'for segment'];
    return true;
  }

  private steps(scope: ExprScope): boolean {
    this.pos++;
    this.stopIfEnd(NONE);
    let relevance = false;
    this.accept(T.Identifier);
    this.accept(T.StringLiteral);
    if (this.accept(T.Relevance)) {
      relevance = true;
      this.stopIfEnd(NONE);
      this.accept(T.DurationLiteral);
    }
    this.stopIfEnd(relevance ? NONE : { kind: 'words', words: ['relevance'] });
    if (this.accept(T.LBrace)) this.statements('actions', scope);
    return true;
  }

  private wait(scope: ExprScope): boolean {
    this.pos++;
    const how = { kind: 'words', words: ['until', 'for', 'within'] } as const;
    this.stopIfEnd(how);
    if (this.accept(T.Identifier)) this.stopIfEnd(how);
    if (this.accept(T.Until)) {
      this.expression(scope, { follow: ['otherwise'], canEnd: true });
      if (this.atEnd) {
        this.follow = ['otherwise'];
        return true;
      }
      if (this.accept(T.Otherwise)) {
        this.stopIfEnd({ kind: 'words', words: ['stop', 'wait'] });
        if (!this.accept(T.Stop) && this.accept(T.Wait)) {
          this.stopIfEnd(NONE);
          this.accept(T.DurationLiteral);
        }
      }
      return true;
    }
    if (this.accept(T.For)) {
      const event = this.eventRef();
      this.stopIfEnd({ kind: 'words', words: ['where', 'up to'] });
      if (this.accept(T.Where)) this.expression(withEvent(scope, event, 'bound'), { follow: ['up to'], canEnd: false });
      this.stopIfEnd({ kind: 'words', words: ['up to'] });
      if (this.accept(T.Up)) {
        this.stopIfEnd({ kind: 'words', words: ['to'] });
        this.accept(T.To);
        this.stopIfEnd(NONE);
        this.accept(T.DurationLiteral);
      }
      this.stopIfEnd(NONE);
      if (this.accept(T.LBrace)) this.statements('blocks', withEvent(scope, event, 'bound'));
      if (this.atEnd) {
        this.follow = ['timeout'];
        return true;
      }
      if (this.accept(T.Timeout)) {
        this.stopIfEnd(NONE);
        if (this.accept(T.LBrace)) this.statements('blocks', withEvent(scope, event, 'timeout'));
      }
      return true;
    }
    if (this.accept(T.DurationLiteral)) {
      if (this.atEnd) {
        this.follow = ['within'];
        return true;
      }
    }
    if (this.is(T.Within)) this.window();
    return true;
  }

  private window(): void {
    this.pos++;
    this.stopIfEnd({ kind: 'words', words: DAY_WORDS });
    while (this.is(T.Identifier)) {
      this.pos++;
      this.stopIfEnd(NONE);
      if (this.accept(T.DotDot)) {
        this.stopIfEnd({ kind: 'words', words: DAY_WORDS });
        this.accept(T.Identifier);
        this.stopIfEnd(NONE);
      }
      if (!this.accept(T.Comma)) break;
      this.stopIfEnd({ kind: 'words', words: DAY_WORDS });
    }
    this.stopIfEnd(NONE);
    this.accept(T.TimeLiteral);
    this.stopIfEnd(NONE);
    this.accept(T.DotDot);
    this.stopIfEnd(NONE);
    this.accept(T.TimeLiteral);
  }

  private ifBlock(scope: ExprScope): boolean {
    this.pos++;
    this.expression(scope, { follow: [], canEnd: false });
    if (this.accept(T.LBrace)) this.statements('blocks', scope);
    for (;;) {
      if (this.atEnd) {
        this.follow = ['else'];
        return true;
      }
      if (!this.accept(T.Else)) return true;
      this.stopIfEnd({ kind: 'words', words: ['if'] });
      if (this.accept(T.If)) {
        this.expression(scope, { follow: [], canEnd: false });
        if (this.accept(T.LBrace)) this.statements('blocks', scope);
        continue;
      }
      if (this.accept(T.LBrace)) this.statements('blocks', scope);
      this.follow = [];
      return true;
    }
  }

  private limit(scope: ExprScope): boolean {
    this.pos++;
    this.stopIfEnd({ kind: 'words', words: ['budget'] });
    if (this.accept(T.Identifier)) this.stopIfEnd({ kind: 'words', words: ['budget'] });
    if (this.accept(T.NumberLiteral)) {
      this.stopIfEnd({ kind: 'words', words: ['per'] });
      this.accept(T.Per);
      this.stopIfEnd({ kind: 'words', words: PERIOD_WORDS });
      if (!this.accept(T.DurationLiteral)) this.accept(T.Identifier);
    } else if (this.accept(T.Budget)) {
      this.stopIfEnd({ kind: 'string', ref: 'budget' });
      this.accept(T.StringLiteral);
    }
    this.stopIfEnd(NONE);
    if (this.accept(T.LBrace)) this.statements('blocks', scope);
    if (this.atEnd) {
      this.follow = ['else'];
      return true;
    }
    if (this.accept(T.Else)) {
      this.stopIfEnd(NONE);
      if (this.accept(T.LBrace)) this.statements('blocks', scope);
      this.follow = [];
    }
    return true;
  }

  private variant(scope: ExprScope): boolean {
    if (!this.accept(T.PercentLiteral)) return false;
    this.stopIfEnd(NONE);
    this.accept(T.Name);
    this.stopIfEnd(NONE);
    this.accept(T.StringLiteral);
    this.stopIfEnd(NONE);
    if (this.accept(T.LBrace)) this.statements('blocks', scope);
    return true;
  }

  private branch(scope: ExprScope): boolean {
    if (!this.accept(T.Branch)) return false;
    this.stopIfEnd(NONE);
    this.accept(T.Identifier);
    this.stopIfEnd(NONE);
    if (this.accept(T.LBrace)) this.statements('blocks', scope);
    return true;
  }

  private send(send: boolean, scope: ExprScope): boolean {
    this.pos++;
    this.stopIfEnd(send ? { kind: 'channel' } : { kind: 'webhookMethod' });
    const channel = this.is(T.Name) ? this.peek()!.image : undefined;
    this.accept(T.Name);
    this.stopIfEnd(send ? { kind: 'string', ref: 'template', ...(channel ? { channel } : {}) } : NONE);
    this.accept(T.StringLiteral);
    if (this.accept(T.LBrace)) this.statements('object', scope);
    return true;
  }

  private award(scope: ExprScope): boolean {
    this.pos++;
    this.expression(scope, { follow: ['points'], canEnd: false });
    this.stopIfEnd({ kind: 'words', words: ['points'] });
    this.accept(T.Points);
    this.stopIfEnd({ kind: 'words', words: ['to'] });
    this.accept(T.To);
    this.stopIfEnd({ kind: 'string', ref: 'pointAccount' });
    this.accept(T.StringLiteral);
    if (this.atEnd) {
      this.follow = ['expires in'];
      return true;
    }
    if (this.accept(T.Expires)) {
      this.stopIfEnd({ kind: 'words', words: ['in'] });
      this.accept(T.In);
      this.stopIfEnd(NONE);
      this.accept(T.DurationLiteral);
    }
    return true;
  }

  private objectEntry(scope: ExprScope): boolean {
    if (this.accept(T.Comma)) return true;
    if (!this.is(T.Name) && !this.is(T.StringLiteral)) return false;
    this.pos++;
    this.stopIfEnd(NONE);
    if (this.accept(T.Colon)) this.expression(scope, { follow: [], canEnd: true });
    return true;
  }

  // ---------- events ----------

  /** `Name(option: value, ...)`; returns the name. */
  private eventRef(): string | undefined {
    this.stopIfEnd({ kind: 'event' });
    if (!this.is(T.Identifier)) return undefined;
    const event = this.peek()!.image;
    this.pos++;
    if (!this.accept(T.LParen)) return event;
    const given: string[] = [];
    for (;;) {
      this.stopIfEnd({ kind: 'optionName', event, given });
      if (this.accept(T.RParen)) break;
      if (this.accept(T.Comma)) continue;
      if (this.is(T.LBrace) || this.is(T.RBrace)) break;
      if (!this.is(T.Name)) {
        this.pos++;
        continue;
      }
      const option = this.peek()!.image;
      this.pos++;
      this.stopIfEnd(NONE);
      if (!this.accept(T.Colon)) continue;
      given.push(option);
      this.stopIfEnd({ kind: 'optionValue', event, option, inList: false });
      if (this.accept(T.LBracket)) {
        for (;;) {
          this.stopIfEnd({ kind: 'optionValue', event, option, inList: true });
          if (this.accept(T.RBracket)) break;
          if (this.is(T.LBrace) || this.is(T.RBrace) || this.is(T.RParen)) break;
          this.pos++;
        }
      } else if (!this.is(T.RParen) && !this.is(T.Comma)) {
        // One value: a word, a string, a number, a percentage... (a minus sign may come first)
        this.accept(T.Minus);
        this.stopIfEnd({ kind: 'optionValue', event, option, inList: false });
        if (!this.is(T.LBrace) && !this.is(T.RBrace)) this.pos++;
      }
    }
    return event;
  }

  // ---------- expressions ----------

  /** A whole expression; its path when it is one operand. */
  private expression(scope: ExprScope, after: After, expected?: PathExpr): PathExpr | undefined {
    let left = this.operand(scope, expected);
    let single = true;
    for (;;) {
      if (this.atEnd) throw new Found({ kind: 'afterOperand', scope, container: this.container, ...after });
      let comparison = false;
      if (this.is(T.Not)) {
        if (!this.peek(1)) {
          this.pos++;
          throw new Found({ kind: 'words', words: ['in'] });
        }
        if (!this.is(T.In, 1)) return single ? left : undefined;
        this.pos += 2;
        comparison = true;
      } else if (this.isAny(COMPARISONS)) {
        this.pos++;
        comparison = true;
      } else if (this.isAny(ARITHMETIC)) {
        this.pos++;
      } else return single ? left : undefined;
      single = false;
      // After a comparison, the left side's enum values are what may come (`status == pending`).
      left = this.operand(scope, comparison ? left : undefined);
    }
  }

  /** One operand: prefixes, a value, then `.name`, `(...)` and `[...]` suffixes. */
  private operand(scope: ExprScope, expected?: PathExpr): PathExpr | undefined {
    // Brackets nested beyond what the parser accepts (parse.ts, MAX_NESTING): nothing to offer.
    if (++this.depth > 100) throw new Found(NONE);
    try {
      return this.operandInner(scope, expected);
    } finally {
      this.depth--;
    }
  }

  private operandInner(scope: ExprScope, expected?: PathExpr): PathExpr | undefined {
    while (this.is(T.Not) || this.is(T.Minus)) this.pos++;
    this.stopIfEnd({ kind: 'expression', scope, ...(expected ? { expected } : {}) });
    let path: PathExpr | undefined;
    if (this.isAny(LITERALS)) {
      this.pos++;
    } else if (this.is(T.Name)) {
      path = { root: this.peek()!.image, steps: [] };
      this.pos++;
    } else if (this.accept(T.LParen)) {
      this.expression(scope, { follow: [], canEnd: false }, expected);
      this.accept(T.RParen);
    } else if (this.accept(T.LBracket)) {
      this.list(scope, expected);
    } else return undefined;
    for (;;) {
      if (this.atEnd) return path;
      if (this.accept(T.Dot)) {
        this.stopIfEnd({ kind: 'member', path, scope });
        if (this.is(T.Name)) {
          path = path && { root: path.root, steps: [...path.steps, { kind: 'field', name: this.peek()!.image }] };
          this.pos++;
        } else path = undefined;
      } else if (this.accept(T.LParen)) {
        this.callArgs(path, scope);
        path = path && { root: path.root, steps: [...path.steps, { kind: 'call' }] };
      } else if (this.accept(T.LBracket)) {
        this.expression(scope, { follow: [], canEnd: false });
        this.accept(T.RBracket);
        path = path && { root: path.root, steps: [...path.steps, { kind: 'index' }] };
      } else return path;
    }
  }

  private list(scope: ExprScope, expected?: PathExpr): void {
    for (;;) {
      this.stopIfEnd({ kind: 'expression', scope, ...(expected ? { expected } : {}) });
      if (this.accept(T.RBracket)) return;
      if (this.accept(T.Comma)) continue;
      if (this.is(T.LBrace) || this.is(T.RBrace) || this.is(T.RParen)) return;
      const before = this.pos;
      this.expression(scope, { follow: [], canEnd: false }, expected);
      if (this.pos === before) this.pos++;
    }
  }

  private callArgs(callee: PathExpr | undefined, scope: ExprScope): void {
    let arg = 0;
    let first: PathExpr | undefined;
    const helper = callee && callee.steps.length === 0 && LIST_HELPERS.has(callee.root);
    for (;;) {
      const argScope = helper && arg >= 1 && first ? { ...scope, its: [...scope.its, first] } : scope;
      this.stopIfEnd({ kind: 'expression', scope: argScope, call: { callee, arg } });
      if (this.accept(T.RParen)) return;
      if (this.accept(T.Comma)) {
        arg++;
        continue;
      }
      if (this.is(T.LBrace) || this.is(T.RBrace)) return;
      let name: string | undefined;
      if (this.is(T.Name) && this.is(T.Colon, 1)) {
        name = this.peek()!.image;
        this.pos += 2;
        this.stopIfEnd({ kind: 'expression', scope: argScope, call: { callee, arg, name } });
      }
      const before = this.pos;
      const p = this.expression(argScope, { follow: [], canEnd: false });
      if (arg === 0) first = p;
      if (this.pos === before) this.pos++;
    }
  }
}

function withEvent(scope: ExprScope, event: string | undefined, mode: 'bound' | 'timeout'): ExprScope {
  return event ? { ...scope, events: [...scope.events, { event, mode }] } : scope;
}

/**
 * What is expected after the first `count` tokens (the ones before the cursor's word). Never
 * throws: a surprise in the sketch parser gives no context rather than an error in the editor.
 */
export function cursorContext(tokens: readonly IToken[], count: number): CursorContext {
  const sketch = new Sketch(tokens, Math.min(count, tokens.length));
  try {
    sketch.file();
  } catch (e) {
    if (e instanceof Found) return { slot: e.slot, ...(sketch.flowStart !== undefined ? { flowStart: sketch.flowStart } : {}) };
    return { slot: NONE };
  }
  return { slot: NONE };
}

/** The triggers of the flow whose `flow` keyword is token `flowStart`: event names (and operations), and whether it is scheduled. */
export interface FlowTriggers {
  events: Array<{ name: string; operation?: string }>;
  scheduled: boolean;
}

export function flowTriggers(tokens: readonly IToken[], flowStart: number): FlowTriggers {
  const out: FlowTriggers = { events: [], scheduled: false };
  let depth = 0;
  let opened = false;
  for (let i = flowStart + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (type === T.LBrace || type === T.LParen || type === T.LBracket) {
      depth++;
      opened = true;
      continue;
    }
    if (type === T.RBrace || type === T.RParen || type === T.RBracket) {
      depth--;
      if (opened && depth <= 0) break;
      continue;
    }
    if (type === T.Flow && depth <= 1) break;
    if (depth !== 1) continue;
    const prev = tokens[i - 1];
    if (prev && (prev.tokenType === T.Dot || prev.tokenType === T.Exit || prev.tokenType === T.Entry)) continue;
    if (type === T.Every) out.scheduled = true;
    if (type === T.On) {
      const name = tokens[i + 1];
      if (!name || name.tokenType !== T.Identifier || name.image === 'last') continue;
      const event: { name: string; operation?: string } = { name: name.image };
      if (tokens[i + 2]?.tokenType === T.LParen) {
        for (let j = i + 3, d = 1; j < tokens.length && d > 0; j++) {
          const x = tokens[j]!;
          if (x.tokenType === T.LParen) d++;
          else if (x.tokenType === T.RParen) d--;
          else if (x.tokenType === T.LBrace || x.tokenType === T.RBrace) break;
          else if (d === 1 && x.image === 'operation' && tokens[j + 1]?.tokenType === T.Colon) {
            const v = tokens[j + 2];
            if (v && (tokenMatcher(v, T.StringLiteral) || tokenMatcher(v, T.Name))) event.operation = v.image.replace(/^["']|["']$/g, '');
          }
        }
      }
      out.events.push(event);
    }
  }
  return out;
}
