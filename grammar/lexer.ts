/**
 * The lexer: text to tokens, with lexing errors as positioned problems (never exceptions).
 * Unterminated strings are tokens (UnterminatedString): the parser's token scan reports them.
 */
import { Lexer, type IToken } from 'chevrotain';
import { ALL_TOKENS, UnterminatedComment } from './tokens.js';

export interface LexProblem {
  kind: 'unexpected_character' | 'unterminated_comment';
  offset: number;
  length: number;
  text: string;
}

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  problems: LexProblem[];
}

// One lexer for the whole process: building it analyses every pattern.
const lexer = new Lexer(ALL_TOKENS, {
  positionTracking: 'full',
  ensureOptimizations: false,
});

export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  const problems: LexProblem[] = [];
  for (const e of result.errors) {
    problems.push({
      kind: 'unexpected_character',
      offset: e.offset,
      length: e.length,
      text: text.substr(e.offset, e.length),
    });
  }
  const comments = result.groups['comments'] ?? [];
  for (const c of comments) {
    if (c.tokenType === UnterminatedComment) {
      problems.push({ kind: 'unterminated_comment', offset: c.startOffset, length: 2, text: '/*' });
    }
  }
  return { tokens: result.tokens, comments, problems };
}
