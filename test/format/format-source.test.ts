/** formatSource's contract: errors leave the text alone, `changed`, width, file ends. */
import { describe, expect, it } from 'vitest';
import { formatSource, exprToString, quoteString, sameTree } from '../../compiler/format/format-flow.js';
import { parse } from '../../compiler/parse.js';
import type { IfBlock } from '../../compiler/ast.js';

describe('formatSource', () => {
  it('refuses a file with syntax errors', () => {
    const r = formatSource('flow a {\n  on NewOrder\n  wait\n}\n');
    expect(r).toHaveProperty('error');
    if ('error' in r) expect(r.error).toMatch(/^cannot format a file with syntax errors: 4:1: /);
  });

  it('refuses lexer errors: unterminated strings and comments, stray characters', () => {
    for (const text of ['flow a { brand "x\n}', 'flow a {} /* open', "flow a { brand 'x' }", 'flow a { @ }']) {
      expect(formatSource(text)).toHaveProperty('error');
    }
  });

  it('reports whether the text changed', () => {
    expect(formatSource('flow a {}\n')).toEqual({ text: 'flow a {}\n', changed: false });
    expect(formatSource('flow   a {}')).toEqual({ text: 'flow a {}\n', changed: true });
  });

  it('prints an empty file as empty, and ends other files with exactly one newline', () => {
    expect(formatSource('')).toEqual({ text: '', changed: false });
    expect(formatSource('\n\n  \n')).toEqual({ text: '', changed: true });
    expect(formatSource('flow a {}\n\n\n')).toEqual({ text: 'flow a {}\n', changed: true });
    expect(formatSource('// c')).toEqual({ text: '// c\n', changed: true });
  });

  it('takes a line width', () => {
    const src = 'flow a {\n  on NewOrder when aaaa and bbbb and cccc\n}\n';
    expect(formatSource(src)).toEqual({ text: src, changed: false });
    const narrow = formatSource(src, { width: 20 });
    expect(narrow).toEqual({
      text: 'flow a {\n  on NewOrder\n    when aaaa\n      and bbbb\n      and cccc\n}\n',
      changed: true,
    });
  });

  it('keeps a comment that sits alone in a file between flows', () => {
    const r = formatSource('flow a {}\n// x\nflow b {}');
    expect(r).toEqual({ text: 'flow a {}\n\n// x\nflow b {}\n', changed: true });
  });
});

describe('expression helpers', () => {
  it('prints one line with minimal parentheses', () => {
    const ast = parse('flow a { if ((a - (b - c)) * -(d)) > 1 and not (x or y) {} }').ast;
    const cond = (ast.flows[0]!.body[0] as IfBlock).branches[0]!.condition;
    expect(exprToString(cond)).toBe('(a - (b - c)) * -d > 1 and not (x or y)');
  });

  it('refuses a string with an invalid escape (a syntax error) and leaves it alone', () => {
    expect(formatSource('flow a { brand "\\u{110000}" }')).toHaveProperty('error');
    expect(formatSource('flow a { brand "\\q" }')).toHaveProperty('error');
  });

  it('resolves JSON-style and braced Unicode escapes', () => {
    expect(formatSource('flow a { brand "\\u{41}\\u0042\\/" }')).toEqual({ text: 'flow a {\n  brand "AB/"\n}\n', changed: true });
  });

  it('reads CRLF files and writes LF', () => {
    expect(formatSource('flow a {\r\n  on X // c   \r\n  /* x\r\n  y */\r\n}\r\n')).toEqual({
      text: 'flow a {\n  on X // c\n  /* x\n  y */\n}\n',
      changed: true,
    });
  });

  it('escapes strings so that they read back the same', () => {
    expect(quoteString('a"b\\c\nd\te\r\u0001é')).toBe('"a\\"b\\\\c\\nd\\te\\r\\u{1}é"');
  });
});

describe('sameTree (the formatter\'s own safety check)', () => {
  const ast = (text: string) => parse(text).ast;
  it('ignores ids, spans and the order of settings', () => {
    expect(sameTree(ast('flow a { brand "b" entry once on X }'), ast('flow a {\n  entry once\n  brand "b"\n\n  on X\n}'))).toBe(true);
  });
  it('sees every other difference', () => {
    expect(sameTree(ast('flow a { on X when a - (b - c) }'), ast('flow a { on X when a - b - c }'))).toBe(false);
    expect(sameTree(ast('flow a { on X() }'), ast('flow a { on X }'))).toBe(false);
    expect(sameTree(ast('flow a { on X on Y }'), ast('flow a { on Y on X }'))).toBe(false);
    expect(sameTree(ast('flow a { exit on X exit on Y }'), ast('flow a { exit on Y exit on X }'))).toBe(false);
  });
});
