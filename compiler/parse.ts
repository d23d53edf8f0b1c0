/** Text → AST plus the syntax diagnostics, comments and tokens (for the formatter and the editor). */
import type { IToken, IRecognitionException } from 'chevrotain';
import { lex } from '../grammar/lexer.js';
import { getParser } from '../grammar/parser.js';
import { AstBuilder, badEscapes, unquote } from './cst-to-ast.js';
import {
  SingleQuotedString, FOREIGN_SPELLINGS, StringLiteral, UnterminatedString, LBrace, LParen, LBracket, RBrace, RParen, RBracket,
  Or, And, Not, EqEq, NotEq, Lt, LtEq, Gt, GtEq, In, Plus, Minus, Star, Slash, Dot, AmpAmp, PipePipe, Bang,
} from '../grammar/tokens.js';
import { expectedKeywords } from '../grammar/parser.js';
import { suggest, didYouMean } from './suggest.js';
import type { Fix } from './diagnostics.js';
import type { SourceFile, Span } from './ast.js';
import { DiagnosticBag } from './diagnostics.js';

export interface ParseResult {
  ast: SourceFile;
  comments: IToken[];
  tokens: IToken[];
  diagnostics: DiagnosticBag;
}

function errorSpan(e: IRecognitionException, textLength: number): Span {
  const t = e.token;
  if (t && !Number.isNaN(t.startOffset) && t.tokenType?.name !== 'EOF') {
    return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }
  // At the end of the file: point at the previous token's end, where something is missing.
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  if (prev && !Number.isNaN(prev.endOffset ?? NaN)) {
    const end = (prev.endOffset as number) + 1;
    return { start: end, end };
  }
  return { start: textLength, end: textLength };
}

/**
 * Brackets may nest this deep. Far beyond any real flow, and well inside every stack the parser,
 * checker and formatter (all recursive) run on: Node's main thread, its workers, a browser worker.
 */
export const MAX_NESTING = 64;

const OPENERS = new Set([LBrace, LParen, LBracket]);
const CLOSERS = new Set([RBrace, RParen, RBracket]);

/**
 * Operators between two braces. Chains of them (`a or b or ...`, `not not ...`, `a.b.c...`) nest
 * as deep as they are long in every recursive stage; 500 is far beyond any real condition.
 */
export const MAX_OPERATORS = 500;
const OPERATORS = new Set([Or, And, Not, EqEq, NotEq, Lt, LtEq, Gt, GtEq, In, Plus, Minus, Star, Slash, Dot, AmpAmp, PipePipe, Bang]);

/**
 * One pass over the tokens for what the grammar does not see: nesting depth (returns the first
 * token past MAX_NESTING), spellings from other languages, single quotes, invalid escapes.
 */
function scanTokens(tokens: IToken[], diagnostics: DiagnosticBag): { token: IToken; why: 'nesting' | 'operators' } | undefined {
  let depth = 0;
  let operators = 0;
  let tooDeep: { token: IToken; why: 'nesting' | 'operators' } | undefined;
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === LBrace || type === RBrace) operators = 0;
    else if (OPERATORS.has(type) && ++operators > MAX_OPERATORS && !tooDeep) tooDeep = { token: t, why: 'operators' };
    if (OPENERS.has(type)) {
      if (++depth > MAX_NESTING && !tooDeep) tooDeep = { token: t, why: 'nesting' };
    } else if (CLOSERS.has(type)) {
      depth = Math.max(0, depth - 1);
    } else if (type === StringLiteral || type === UnterminatedString) {
      if (t.image.includes('\\')) reportEscapes(t, diagnostics);
      if (type === UnterminatedString) {
        diagnostics.report('RN0102', { start: t.startOffset, end: t.startOffset + t.image.length }, 'this string has no closing quote', {
          label: 'string starts here',
          help: 'add a `"` at the end of the string; strings cannot span lines (use \\n)',
        });
      }
    } else if (type === SingleQuotedString) {
      const span = { start: t.startOffset, end: t.startOffset + t.image.length };
      const fixed = JSON.stringify(unquote(t.image));
      diagnostics.report('RN0101', span, 'strings are written between double quotes', {
        label: 'single quotes',
        help: `write ${fixed}`,
        fixes: [{ message: `replace with ${fixed}`, span, replacement: fixed }],
      });
    } else {
      const right = FOREIGN_SPELLINGS.get(type);
      if (right) {
        const span = { start: t.startOffset, end: t.startOffset + t.image.length };
        diagnostics.report('RN0101', span, `write \`${right}\` instead of \`${t.image}\``, {
          label: `\`${right}\` in a flow`,
          fixes: [{ message: `replace with \`${right}\``, span, replacement: right }],
        });
      }
    }
  }
  return tooDeep;
}

function reportEscapes(t: IToken, diagnostics: DiagnosticBag): void {
  for (const b of badEscapes(t.image)) {
    const start = t.startOffset + b.offset;
    diagnostics.report('RN0105', { start, end: start + b.length }, b.why, {
      label: 'invalid escape',
      help: 'escapes are \\" \\\\ \\n \\t \\r \\uXXXX and \\u{X}; write \\\\ for a backslash',
    });
  }
}

/** A misspelt keyword where the parser expected keywords: `entry onse` → `once`. */
function keywordFix(e: IRecognitionException, span: Span): { help: string; fixes: Fix[] } | undefined {
  const t = e.token;
  if (!t || t.tokenType?.name !== 'Identifier') return undefined;
  const options = suggest(t.image, expectedKeywords(t));
  const help = didYouMean(options);
  if (!help || options.length === 0) return undefined;
  return { help, fixes: [{ message: `replace with \`${options[0]}\``, span, replacement: options[0]! }] };
}

export function parse(text: string, diagnostics = new DiagnosticBag()): ParseResult {
  const lexed = lex(text);
  const deep = scanTokens(lexed.tokens, diagnostics);
  if (deep) {
    const at = deep.token.startOffset;
    const nesting = deep.why === 'nesting';
    diagnostics.report('RN0106', { start: at, end: at + deep.token.image.length }, nesting ? `brackets are nested more than ${MAX_NESTING} levels deep` : `more than ${MAX_OPERATORS} operators in one expression`, {
      label: 'too deep',
      notes: ['the file is not read any further'],
      help: nesting ? 'split the flow, or flatten the conditions (`else if` instead of nesting)' : 'split the condition over several `if` blocks, or use a segment',
    });
    return { ast: { kind: 'File', id: 0, span: { start: 0, end: text.length }, flows: [] }, comments: lexed.comments, tokens: lexed.tokens, diagnostics };
  }
  for (const p of lexed.problems) {
    const span = { start: p.offset, end: p.offset + p.length };
    if (p.kind === 'unexpected_character') {
      diagnostics.report('RN0101', span, `unexpected character \`${p.text}\``, {
        label: 'not part of the flow language',
        ...(p.text.startsWith("'")
          ? { help: 'strings are written between double quotes: "like this"' }
          : {}),
      });
    } else {
      diagnostics.report('RN0103', span, 'this comment is never closed', {
        label: 'comment starts here',
        help: 'add `*/` where the comment should end',
      });
    }
  }
  const parser = getParser();
  parser.input = lexed.tokens;
  const cst = parser.file();
  // An unterminated comment swallows the rest of the file: what the parser misses after it is no news.
  const swallowedFrom = Math.min(...lexed.problems.filter((p) => p.kind === 'unterminated_comment').map((p) => p.offset), Infinity);
  let lastOffset = -1;
  for (const e of parser.errors) {
    const span = errorSpan(e, text.length);
    // Recovery can report a cascade at one spot; the first says it best.
    if (span.start === lastOffset || span.start >= swallowedFrom) continue;
    lastOffset = span.start;
    const keyword = keywordFix(e, span);
    diagnostics.report('RN0104', span, e.message, keyword ?? {});
  }
  const builder = new AstBuilder(text.length);
  const ast = builder.file(cst);
  // Only in a file that parsed: in a recovered one, operands and operators may not line up.
  if (parser.errors.length === 0) for (const p of builder.problems) diagnostics.report('RN0104', p.span, p.message, { help: p.help });
  return { ast, comments: lexed.comments, tokens: lexed.tokens, diagnostics };
}
