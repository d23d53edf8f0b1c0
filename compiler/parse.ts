/** Text → AST plus the syntax diagnostics, comments and tokens (for the formatter and the editor). */
import type { IToken, IRecognitionException } from 'chevrotain';
import { lex } from '../grammar/lexer.js';
import { getParser } from '../grammar/parser.js';
import { AstBuilder, badEscapes } from './cst-to-ast.js';
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

/** The first token that opens a bracket deeper than MAX_NESTING. */
function tooDeep(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === 'LBrace' || name === 'LParen' || name === 'LBracket') {
      if (++depth > MAX_NESTING) return t;
    } else if (name === 'RBrace' || name === 'RParen' || name === 'RBracket') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

export function parse(text: string, diagnostics = new DiagnosticBag()): ParseResult {
  const lexed = lex(text);
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    diagnostics.report('RN0106', { start: deep.startOffset, end: deep.startOffset + 1 }, `brackets are nested more than ${MAX_NESTING} levels deep`, {
      label: 'too deep',
      notes: ['the file is not read any further'],
      help: 'split the flow, or flatten the conditions (`else if` instead of nesting)',
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
    } else if (p.kind === 'unterminated_string') {
      diagnostics.report('RN0102', span, 'this string has no closing quote', {
        label: 'string starts here',
        help: 'add a `"` at the end of the string; strings cannot span lines (use \\n)',
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
  let lastOffset = -1;
  for (const e of parser.errors) {
    const span = errorSpan(e, text.length);
    // Recovery can report a cascade at one spot; the first says it best.
    if (span.start === lastOffset) continue;
    lastOffset = span.start;
    diagnostics.report('RN0104', span, e.message);
  }
  const builder = new AstBuilder(text.length);
  const ast = builder.file(cst);
  // Only in a file that parsed: in a recovered one, operands and operators may not line up.
  if (parser.errors.length === 0) for (const p of builder.problems) diagnostics.report('RN0104', p.span, p.message, { help: p.help });
  for (const t of lexed.tokens) {
    if (t.tokenType.name !== 'StringLiteral' && t.tokenType.name !== 'UnterminatedString') continue;
    if (!t.image.includes('\\')) continue;
    for (const b of badEscapes(t.image)) {
      const start = t.startOffset + b.offset;
      diagnostics.report('RN0105', { start, end: start + b.length }, b.why, {
        label: 'invalid escape',
        help: 'escapes are \\" \\\\ \\n \\t \\r \\uXXXX and \\u{X}; write \\\\ for a backslash',
      });
    }
  }
  return { ast, comments: lexed.comments, tokens: lexed.tokens, diagnostics };
}
