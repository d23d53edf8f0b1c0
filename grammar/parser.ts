/**
 * The CST parser: the whole language of docs/language.md, with Chevrotain's error recovery on so
 * that one syntax error does not hide the rest of the file. Only syntax lives here; names, types
 * and structure rules are the checker's job.
 */
import { CstParser, EOF, type IParserErrorMessageProvider, type TokenType, type IToken, type CstNode } from 'chevrotain';
import * as T from './tokens.js';

/** How a token is named in error messages: keywords and punctuation as written, literals by kind. */
export function describeTokenType(t: TokenType): string {
  switch (t) {
    case EOF:
      return 'the end of the file';
    case T.Identifier:
    case T.Name:
      return 'a name';
    case T.StringLiteral:
    case T.UnterminatedString:
      return 'a string';
    case T.NumberLiteral:
      return 'a number';
    case T.DurationLiteral:
      return 'a duration (like 30m, 2h, 3d)';
    case T.DateLiteral:
      return 'a date (like 2026-12-01)';
    case T.DateTimeLiteral:
      return 'a date and time';
    case T.TimeLiteral:
      return 'a time of day (like 10:00)';
    case T.PercentLiteral:
      return 'a percentage (like 50%)';
  }
  const pattern = t.PATTERN;
  if (pattern instanceof RegExp) return '`' + pattern.source.replace(/\\/g, '') + '`';
  return t.name;
}

export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return 'the end of the file';
  if (tok.tokenType === T.Identifier) return `\`${tok.image}\``;
  if (tok.tokenType === T.StringLiteral || tok.tokenType === T.UnterminatedString) return `the string ${tok.image}`;
  return '`' + tok.image + '`';
}

/** What each rule stands for when nothing fits: "expected a block". */
const RULE_PHRASES: Record<string, string> = {
  flowItem: 'a setting, a trigger (`on`, `every`) or a block (`steps`, `wait`, `if`, `split`, `parallel`, `limit`, `stop`)',
  block: 'a block (`steps`, `wait`, `if`, `split`, `parallel`, `limit`, `stop`)',
  action: 'an action (`send`, `webhook`, `issue promo`, `award`, `set`, `add to segment`, `remove from segment`)',
  operand: 'a value (a name, a string, a number, a duration, a date...)',
  dateValue: 'a date (like 2026-12-01) or a date and time (2026-12-01T10:00)',
  monthDay: 'a day of the month (1 to 31) or `last`',
  objectEntry: 'a name or a string before `:`',
  limitBlock: 'a count and period (`limit 1000 per day`) or a budget (`limit budget "sms"`)',
  waitBlock: 'a duration, `until`, `for` or `within` after `wait`',
  entrySetting: '`once`, `always` or `every <duration>` after `entry`',
  scheduleTrigger: 'a schedule (`every day at 10:00`, `every mon, thu at 9:30`, `every month on 1 at 10:00`)',
};

/** Keywords the parser expected where it met a token (for "did you mean"), by that token. */
const expectedAt = new WeakMap<IToken, string[]>();
export function expectedKeywords(token: IToken): string[] {
  return expectedAt.get(token) ?? [];
}
const KEYWORD_SET = new Set<TokenType>(T.KEYWORDS);
function remember(actual: IToken, types: TokenType[]): void {
  const words = types.filter((t) => KEYWORD_SET.has(t)).map((t) => (t.PATTERN as RegExp).source);
  if (words.length) expectedAt.set(actual, [...new Set([...(expectedAt.get(actual) ?? []), ...words])]);
}

const ACTION_KEYWORDS = new Set<TokenType>([T.Send, T.Webhook, T.Issue, T.Award, T.Set, T.Add, T.Remove]);
/** An action where a block belongs: the one mistake worth its own sentence. */
function actionHint(actual: IToken): string {
  return ACTION_KEYWORDS.has(actual.tokenType) ? ` (\`${actual.image}\` is an action: actions go inside a \`steps { ... }\` block)` : '';
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    remember(actual, [expected]);
    return `expected ${describeTokenType(expected)} but found ${describeToken(actual)}${expected === T.RBrace ? actionHint(actual) : ''}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}: expected \`flow\``;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const phrase = RULE_PHRASES[ruleName] ?? 'something else';
    remember(actual[0]!, expectedPathsPerAlt.flatMap((alt) => alt.map((path) => path[0]!)).filter(Boolean));
    return `expected ${phrase} but found ${describeToken(actual[0]!)}${actionHint(actual[0]!)}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const phrase = RULE_PHRASES[ruleName] ?? 'something else';
    return `expected ${phrase} but found ${describeToken(actual[0]!)}`;
  },
};

export class FlowParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.flowDecl));
  });

  flowDecl = this.RULE('flowDecl', () => {
    this.CONSUME(T.Flow);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'title' }));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.flowItem));
    this.CONSUME(T.RBrace);
  });

  flowItem = this.RULE('flowItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.entrySetting) },
      { ALT: () => this.SUBRULE(this.relevanceSetting) },
      { ALT: () => this.SUBRULE(this.activeSetting) },
      { ALT: () => this.SUBRULE(this.timezoneSetting) },
      { ALT: () => this.SUBRULE(this.brandSetting) },
      { ALT: () => this.SUBRULE(this.exitSetting) },
      { ALT: () => this.SUBRULE(this.eventTrigger) },
      { ALT: () => this.SUBRULE(this.scheduleTrigger) },
      { ALT: () => this.SUBRULE(this.block) },
    ]);
  });

  // ---------- settings ----------

  entrySetting = this.RULE('entrySetting', () => {
    this.CONSUME(T.Entry);
    this.OR([
      { ALT: () => this.CONSUME(T.Once) },
      { ALT: () => this.CONSUME(T.Always) },
      {
        ALT: () => {
          this.CONSUME(T.Every);
          this.CONSUME(T.DurationLiteral);
        },
      },
    ]);
  });

  relevanceSetting = this.RULE('relevanceSetting', () => {
    this.CONSUME(T.Relevance);
    this.CONSUME(T.DurationLiteral);
  });

  activeSetting = this.RULE('activeSetting', () => {
    this.CONSUME(T.Active);
    this.OPTION(() => {
      this.CONSUME(T.From);
      this.SUBRULE1(this.dateValue, { LABEL: 'from' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Until);
      this.SUBRULE2(this.dateValue, { LABEL: 'until' });
    });
  });

  dateValue = this.RULE('dateValue', () => {
    this.OR([{ ALT: () => this.CONSUME(T.DateTimeLiteral) }, { ALT: () => this.CONSUME(T.DateLiteral) }]);
  });

  timezoneSetting = this.RULE('timezoneSetting', () => {
    this.CONSUME(T.Timezone);
    this.CONSUME(T.StringLiteral);
  });

  brandSetting = this.RULE('brandSetting', () => {
    this.CONSUME(T.Brand);
    this.CONSUME(T.StringLiteral);
  });

  exitSetting = this.RULE('exitSetting', () => {
    this.CONSUME(T.Exit);
    this.CONSUME(T.On);
    this.SUBRULE(this.eventRef);
    this.OPTION(() => {
      this.CONSUME(T.Where);
      this.SUBRULE(this.expression, { LABEL: 'where' });
    });
  });

  // ---------- triggers ----------

  eventTrigger = this.RULE('eventTrigger', () => {
    this.CONSUME(T.On);
    this.SUBRULE(this.eventRef);
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expression, { LABEL: 'when' });
    });
  });

  eventRef = this.RULE('eventRef', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY(() => {
        this.SUBRULE(this.optionArg);
        this.OPTION2(() => this.CONSUME(T.Comma));
      });
      this.CONSUME(T.RParen);
    });
  });

  optionArg = this.RULE('optionArg', () => {
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  scheduleTrigger = this.RULE('scheduleTrigger', () => {
    this.CONSUME(T.Every);
    this.OR([
      { ALT: () => this.CONSUME(T.DurationLiteral, { LABEL: 'interval' }) },
      {
        ALT: () => {
          this.CONSUME1(T.Identifier, { LABEL: 'unit' });
          this.MANY(() => {
            this.CONSUME1(T.Comma);
            this.CONSUME2(T.Identifier, { LABEL: 'unit' });
          });
        },
      },
    ]);
    this.OPTION({
      // `on` here starts the days of the month; a new `on Event` trigger starts with a name.
      GATE: () => this.LA(2).tokenType === T.NumberLiteral || this.LA(2).tokenType === T.Identifier && this.LA(2).image === 'last',
      DEF: () => {
        this.CONSUME(T.On);
        this.SUBRULE1(this.monthDay);
        this.MANY2(() => {
          this.CONSUME2(T.Comma);
          this.SUBRULE2(this.monthDay);
        });
      },
    });
    this.OPTION2(() => {
      this.CONSUME(T.At);
      this.CONSUME1(T.TimeLiteral, { LABEL: 'time' });
      this.MANY3(() => {
        this.CONSUME3(T.Comma);
        this.CONSUME2(T.TimeLiteral, { LABEL: 'time' });
      });
    });
    this.OPTION3(() => {
      this.CONSUME(T.For);
      this.CONSUME(T.Segment);
      this.CONSUME(T.StringLiteral, { LABEL: 'segment' });
    });
  });

  monthDay = this.RULE('monthDay', () => {
    this.OR([{ ALT: () => this.CONSUME(T.NumberLiteral) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });

  // ---------- blocks ----------

  block = this.RULE('block', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.stepsBlock) },
      { ALT: () => this.SUBRULE(this.waitBlock) },
      { ALT: () => this.SUBRULE(this.ifBlock) },
      { ALT: () => this.SUBRULE(this.splitBlock) },
      { ALT: () => this.SUBRULE(this.parallelBlock) },
      { ALT: () => this.SUBRULE(this.limitBlock) },
      { ALT: () => this.CONSUME(T.Stop) },
    ]);
  });

  blockBody = this.RULE('blockBody', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.block));
    this.CONSUME(T.RBrace);
  });

  stepsBlock = this.RULE('stepsBlock', () => {
    this.CONSUME(T.Steps);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'id' }));
    this.OPTION2(() => this.CONSUME(T.StringLiteral, { LABEL: 'title' }));
    this.OPTION3(() => {
      this.CONSUME(T.Relevance);
      this.CONSUME(T.DurationLiteral, { LABEL: 'relevance' });
    });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.action));
    this.CONSUME(T.RBrace);
  });

  waitBlock = this.RULE('waitBlock', () => {
    this.CONSUME(T.Wait);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'id' }));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Until);
          this.SUBRULE(this.expression, { LABEL: 'until' });
          this.OPTION2(() => {
            this.CONSUME(T.Otherwise);
            this.OR2([
              { ALT: () => this.CONSUME(T.Stop, { LABEL: 'otherwiseStop' }) },
              {
                ALT: () => {
                  this.CONSUME2(T.Wait);
                  this.CONSUME1(T.DurationLiteral, { LABEL: 'otherwiseWait' });
                },
              },
            ]);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.For);
          this.SUBRULE(this.eventRef);
          this.OPTION3(() => {
            this.CONSUME(T.Where);
            this.SUBRULE2(this.expression, { LABEL: 'where' });
          });
          this.CONSUME(T.Up);
          this.CONSUME(T.To);
          this.CONSUME2(T.DurationLiteral, { LABEL: 'timeout' });
          this.SUBRULE1(this.blockBody, { LABEL: 'onEvent' });
          this.OPTION4(() => {
            this.CONSUME(T.Timeout);
            this.SUBRULE2(this.blockBody, { LABEL: 'onTimeout' });
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME3(T.DurationLiteral, { LABEL: 'duration' });
          this.OPTION5(() => this.SUBRULE1(this.timeWindow));
        },
      },
      { ALT: () => this.SUBRULE2(this.timeWindow) },
    ]);
  });

  timeWindow = this.RULE('timeWindow', () => {
    this.CONSUME(T.Within);
    this.OPTION(() => {
      this.SUBRULE1(this.dayRange);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.dayRange);
      });
    });
    this.CONSUME1(T.TimeLiteral, { LABEL: 'from' });
    this.CONSUME(T.DotDot);
    this.CONSUME2(T.TimeLiteral, { LABEL: 'to' });
  });

  dayRange = this.RULE('dayRange', () => {
    this.CONSUME1(T.Identifier, { LABEL: 'from' });
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.CONSUME2(T.Identifier, { LABEL: 'to' });
    });
  });

  ifBlock = this.RULE('ifBlock', () => {
    this.CONSUME1(T.If);
    this.SUBRULE1(this.expression, { LABEL: 'condition' });
    this.SUBRULE1(this.blockBody, { LABEL: 'body' });
    this.MANY({
      GATE: () => this.LA(2).tokenType === T.If,
      DEF: () => {
        this.CONSUME1(T.Else);
        this.CONSUME2(T.If);
        this.SUBRULE2(this.expression, { LABEL: 'condition' });
        this.SUBRULE2(this.blockBody, { LABEL: 'body' });
      },
    });
    this.OPTION(() => {
      this.CONSUME2(T.Else);
      this.SUBRULE3(this.blockBody, { LABEL: 'otherwise' });
    });
  });

  splitBlock = this.RULE('splitBlock', () => {
    this.CONSUME(T.Split);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'id' }));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.splitVariant));
    this.CONSUME(T.RBrace);
  });

  splitVariant = this.RULE('splitVariant', () => {
    this.CONSUME(T.PercentLiteral);
    // After a percentage any word is a variant name, even one the language uses (`40% points`).
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLiteral, { LABEL: 'title' }));
    this.SUBRULE(this.blockBody);
  });

  parallelBlock = this.RULE('parallelBlock', () => {
    this.CONSUME(T.Parallel);
    this.OPTION(() => this.CONSUME1(T.Identifier, { LABEL: 'id' }));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.parallelBranch));
    this.CONSUME(T.RBrace);
  });

  parallelBranch = this.RULE('parallelBranch', () => {
    this.CONSUME(T.Branch);
    this.OPTION(() => this.CONSUME(T.Identifier, { LABEL: 'id' }));
    this.SUBRULE(this.blockBody);
  });

  limitBlock = this.RULE('limitBlock', () => {
    this.CONSUME(T.Limit);
    this.OPTION(() => this.CONSUME1(T.Identifier, { LABEL: 'id' }));
    this.OR([
      {
        // `limit 1000 per day`: the block's own budget.
        ALT: () => {
          this.CONSUME(T.NumberLiteral, { LABEL: 'count' });
          this.CONSUME(T.Per);
          this.OR2([
            { ALT: () => this.CONSUME(T.DurationLiteral, { LABEL: 'period' }) },
            { ALT: () => this.CONSUME2(T.Identifier, { LABEL: 'period' }) },
          ]);
        },
      },
      {
        // `limit budget "sms"`: a budget of runnel.json, shared by every block that names it.
        ALT: () => {
          this.CONSUME(T.Budget);
          this.CONSUME(T.StringLiteral, { LABEL: 'budget' });
        },
      },
    ]);
    this.SUBRULE1(this.blockBody, { LABEL: 'body' });
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE2(this.blockBody, { LABEL: 'otherwise' });
    });
  });

  // ---------- actions ----------

  action = this.RULE('action', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.sendAction) },
      { ALT: () => this.SUBRULE(this.webhookAction) },
      { ALT: () => this.SUBRULE(this.issuePromoAction) },
      { ALT: () => this.SUBRULE(this.awardAction) },
      { ALT: () => this.SUBRULE(this.setAction) },
      { ALT: () => this.SUBRULE(this.segmentAddAction) },
      { ALT: () => this.SUBRULE(this.segmentRemoveAction) },
    ]);
  });

  sendAction = this.RULE('sendAction', () => {
    this.CONSUME(T.Send);
    this.CONSUME(T.Name, { LABEL: 'channel' });
    this.CONSUME(T.StringLiteral, { LABEL: 'template' });
    this.OPTION(() => this.SUBRULE(this.objectLiteral));
  });

  webhookAction = this.RULE('webhookAction', () => {
    this.CONSUME(T.Webhook);
    this.CONSUME(T.Name, { LABEL: 'method' });
    this.CONSUME(T.StringLiteral, { LABEL: 'url' });
    this.OPTION(() => this.SUBRULE(this.objectLiteral));
  });

  issuePromoAction = this.RULE('issuePromoAction', () => {
    this.CONSUME(T.Issue);
    this.CONSUME(T.Promo);
    this.CONSUME(T.StringLiteral, { LABEL: 'pool' });
  });

  awardAction = this.RULE('awardAction', () => {
    this.CONSUME(T.Award);
    this.SUBRULE(this.expression, { LABEL: 'amount' });
    this.CONSUME(T.Points);
    this.CONSUME(T.To);
    this.CONSUME(T.StringLiteral, { LABEL: 'account' });
    this.OPTION(() => {
      this.CONSUME(T.Expires);
      this.CONSUME(T.In);
      this.CONSUME(T.DurationLiteral, { LABEL: 'expires' });
    });
  });

  setAction = this.RULE('setAction', () => {
    this.CONSUME(T.Set);
    this.SUBRULE(this.operand, { LABEL: 'target' });
    this.CONSUME(T.Assign);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  segmentAddAction = this.RULE('segmentAddAction', () => {
    this.CONSUME(T.Add);
    this.CONSUME(T.To);
    this.CONSUME(T.Segment);
    this.CONSUME(T.StringLiteral, { LABEL: 'segment' });
  });

  segmentRemoveAction = this.RULE('segmentRemoveAction', () => {
    this.CONSUME(T.Remove);
    this.CONSUME(T.From);
    this.CONSUME(T.Segment);
    this.CONSUME(T.StringLiteral, { LABEL: 'segment' });
  });

  objectLiteral = this.RULE('objectLiteral', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.SUBRULE(this.objectEntry);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RBrace);
  });

  objectEntry = this.RULE('objectEntry', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Name, { LABEL: 'key' }) },
      { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'key' }) },
    ]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  // ---------- expressions ----------
  // Flat: operands separated by binary operators. The AST builder applies precedence (precedence
  // climbing), so an operand costs four rule calls instead of ten levels of precedence rules.

  expression = this.RULE('expression', () => {
    this.SUBRULE1(this.operand, { LABEL: 'operand' });
    this.MANY(() => {
      // Operators inline (not a rule of their own): one CST node fewer per operator. In this
      // position `not` can only start `not in`.
      this.OR(
        (this.binaryAlternatives ??= [
          { ALT: () => this.CONSUME(T.Or, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.And, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.EqEq, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.NotEq, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.LtEq, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.GtEq, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.Lt, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.Gt, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME1(T.In, { LABEL: 'op' }) },
          {
            ALT: () => {
              this.CONSUME(T.Not, { LABEL: 'op' });
              this.CONSUME2(T.In, { LABEL: 'notIn' });
            },
          },
          { ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) },
          { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) },
        ]),
      );
      this.SUBRULE2(this.operand, { LABEL: 'operand' });
    });
  });
  private binaryAlternatives: Parameters<CstParser['OR']>[0] | undefined;

  /**
   * One operand: prefix operators, a primary value, then member / call / index suffixes. One rule
   * (not three nested ones): every value in a flow is an operand, and each rule level costs a CST
   * node per value.
   */
  operand = this.RULE('operand', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Not, { LABEL: 'prefix' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'prefix' }) }]);
    });
    this.OR2(
      (this.primaryAlternatives ??= [
        { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.NumberLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.PercentLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.DurationLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.DateTimeLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.DateLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.TimeLiteral, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.True, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.False, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.Null, { LABEL: 'literal' }) },
        { ALT: () => this.CONSUME(T.Name, { LABEL: 'name' }) },
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.expression, { LABEL: 'inner' });
            this.CONSUME(T.RParen);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.LBracket);
            this.MANY2(() => {
              this.SUBRULE2(this.expression, { LABEL: 'element' });
              this.OPTION(() => this.CONSUME(T.Comma));
            });
            this.CONSUME(T.RBracket);
          },
        },
      ]),
    );
    this.MANY3(() => {
      this.OR3([
        { ALT: () => this.SUBRULE(this.memberSuffix, { LABEL: 'suffix' }) },
        { ALT: () => this.SUBRULE(this.callSuffix, { LABEL: 'suffix' }) },
        { ALT: () => this.SUBRULE(this.indexSuffix, { LABEL: 'suffix' }) },
      ]);
    });
  });
  private primaryAlternatives: Parameters<CstParser['OR']>[0] | undefined;

  memberSuffix = this.RULE('memberSuffix', () => {
    this.CONSUME(T.Dot);
    this.CONSUME(T.Name, { LABEL: 'property' });
  });

  callSuffix = this.RULE('callSuffix', () => {
    this.CONSUME(T.LParen);
    this.MANY(() => {
      this.SUBRULE(this.callArg);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RParen);
  });

  callArg = this.RULE('callArg', () => {
    this.OPTION(() => {
      this.CONSUME(T.Name, { LABEL: 'name' });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  indexSuffix = this.RULE('indexSuffix', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.expression, { LABEL: 'index' });
    this.CONSUME(T.RBracket);
  });
}

/** One parser for the process, reused for every file (Chevrotain's advice). */
let instance: FlowParser | undefined;
export function getParser(): FlowParser {
  return (instance ??= new FlowParser());
}

export type { CstNode };
