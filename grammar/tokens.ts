/**
 * Tokens of the flow language. Keywords are "soft" where they can also name things: they belong to
 * the `Name` category, so `action.at`, `promo.code` and option names like `for` still parse.
 * Operator words (and, or, not, in, true, false, null) are reserved.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Name],
});

const keywordTokens: TokenType[] = [];
function keyword(word: string, soft = true): TokenType {
  const t = createToken({
    name: word.charAt(0).toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    ...(soft ? { categories: [Name] } : {}),
  });
  keywordTokens.push(t);
  return t;
}

export const Flow = keyword('flow');
export const Entry = keyword('entry');
export const Once = keyword('once');
export const Always = keyword('always');
export const Every = keyword('every');
export const Relevance = keyword('relevance');
export const Active = keyword('active');
export const From = keyword('from');
export const Until = keyword('until');
export const Timezone = keyword('timezone');
export const Brand = keyword('brand');
export const Exit = keyword('exit');
export const On = keyword('on');
export const When = keyword('when');
export const Where = keyword('where');
export const Steps = keyword('steps');
export const Wait = keyword('wait');
export const Otherwise = keyword('otherwise');
export const Stop = keyword('stop');
export const Within = keyword('within');
export const For = keyword('for');
export const Up = keyword('up');
export const To = keyword('to');
export const Timeout = keyword('timeout');
export const If = keyword('if');
export const Else = keyword('else');
export const Split = keyword('split');
export const Parallel = keyword('parallel');
export const Branch = keyword('branch');
export const Limit = keyword('limit');
export const Per = keyword('per');
export const Budget = keyword('budget');
export const At = keyword('at');
export const Send = keyword('send');
export const Webhook = keyword('webhook');
export const Issue = keyword('issue');
export const Promo = keyword('promo');
export const Award = keyword('award');
export const Points = keyword('points');
export const Expires = keyword('expires');
export const Set = keyword('set');
export const Add = keyword('add');
export const Remove = keyword('remove');
export const Segment = keyword('segment');
export const And = keyword('and', false);
export const Or = keyword('or', false);
export const Not = keyword('not', false);
export const In = keyword('in', false);
export const True = keyword('true', false);
export const False = keyword('false', false);
export const Null = keyword('null', false);

// Literals. Order matters: the longest specific form first.
export const DateTimeLiteral = createToken({
  name: 'DateTimeLiteral',
  pattern: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const DateLiteral = createToken({
  name: 'DateLiteral',
  pattern: /\d{4}-\d{2}-\d{2}/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const DurationLiteral = createToken({
  name: 'DurationLiteral',
  pattern: /\d+[wdhms](?:\d+[wdhms])*(?![A-Za-z0-9_])/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const TimeLiteral = createToken({
  name: 'TimeLiteral',
  pattern: /\d{1,2}:\d{2}(?![0-9])/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const PercentLiteral = createToken({
  name: 'PercentLiteral',
  pattern: /\d+(?:\.\d+)?%/,
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
});
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?/ });
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
/** A string that runs to the end of the line: reported by the lexer, parsed as a string. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\.)*/,
  categories: [StringLiteral],
});

/**
 * Spellings from other languages, read as what they mean so that one slip gives one error (with a
 * fix) instead of a cascade: `&&` `||` `!` and single-quoted strings.
 */
export const AmpAmp = createToken({ name: 'AmpAmp', pattern: /&&/, categories: [And] });
export const PipePipe = createToken({ name: 'PipePipe', pattern: /\|\|/, categories: [Or] });
export const Bang = createToken({ name: 'Bang', pattern: /!/, categories: [Not] });
export const SingleQuotedString = createToken({
  name: 'SingleQuotedString',
  pattern: /'(?:[^'\\\r\n]|\\.)*'/,
  categories: [StringLiteral],
});
/** Spellings the parser accepts but the checker reports, with the right one. */
export const FOREIGN_SPELLINGS: ReadonlyMap<TokenType, string> = new Map([
  [AmpAmp, 'and'],
  [PipePipe, 'or'],
  [Bang, 'not'],
]);

export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: 'comments' });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: 'comments' });
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
});
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\uFEFF]+/, group: Lexer.SKIPPED });

export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/ });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/ });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/ });
export const Lt = createToken({ name: 'Lt', pattern: /</ });
export const Gt = createToken({ name: 'Gt', pattern: />/ });
export const Assign = createToken({ name: 'Assign', pattern: /=/ });
export const Arrow = createToken({ name: 'Arrow', pattern: /=>/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const Star = createToken({ name: 'Star', pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', pattern: /\// });

export const KEYWORDS: readonly TokenType[] = keywordTokens;

/** Every token, in the order the lexer tries them. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  SingleQuotedString,
  DateTimeLiteral,
  DateLiteral,
  DurationLiteral,
  TimeLiteral,
  PercentLiteral,
  NumberLiteral,
  ...keywordTokens,
  Identifier,
  Name,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  DotDot,
  Dot,
  EqEq,
  NotEq,
  AmpAmp,
  PipePipe,
  Bang,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Arrow,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
];
