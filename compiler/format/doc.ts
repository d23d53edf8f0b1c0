/**
 * A small document IR in the style of prettier's: text, concatenation (arrays), line breaks that
 * are spaces when their group fits on the line, indentation and groups. `print-doc.ts` lays it out.
 * Browser-safe: no node imports.
 */

export type Doc = string | Doc[] | DocCommand;

export interface LineCmd {
  type: 'line';
  /** Always a newline; forces every enclosing group to break. */
  hard: boolean;
  /** Prints nothing (instead of a space) when its group is flat. */
  soft: boolean;
}
export interface IndentCmd {
  type: 'indent';
  contents: Doc;
}
export interface GroupCmd {
  type: 'group';
  contents: Doc;
  /** Break even if the contents fit. */
  shouldBreak: boolean;
}
export interface IfBreakCmd {
  type: 'ifBreak';
  breakContents: Doc;
  flatContents: Doc;
}
/** Text printed at the current position but counted as zero width when measuring (trailing comments). */
export interface LineSuffixCmd {
  type: 'lineSuffix';
  contents: string;
}
/** Forces the enclosing groups to break. */
export interface BreakParentCmd {
  type: 'breakParent';
}

export type DocCommand = LineCmd | IndentCmd | GroupCmd | IfBreakCmd | LineSuffixCmd | BreakParentCmd;

/** A space, or a newline when the enclosing group breaks. */
export const line: LineCmd = { type: 'line', hard: false, soft: false };
/** Nothing, or a newline when the enclosing group breaks. */
export const softline: LineCmd = { type: 'line', hard: false, soft: true };
export const breakParent: BreakParentCmd = { type: 'breakParent' };
/** Always a newline. */
export const hardline: Doc = [{ type: 'line', hard: true, soft: false }, breakParent];

export function text(s: string): Doc {
  return s;
}

export function concat(...parts: Doc[]): Doc {
  return parts;
}

export function indent(contents: Doc): IndentCmd {
  return { type: 'indent', contents };
}

export function group(contents: Doc, opts: { shouldBreak?: boolean } = {}): GroupCmd {
  return { type: 'group', contents, shouldBreak: opts.shouldBreak ?? false };
}

export function ifBreak(breakContents: Doc, flatContents: Doc = ''): IfBreakCmd {
  return { type: 'ifBreak', breakContents, flatContents };
}

export function lineSuffix(contents: string): LineSuffixCmd {
  return { type: 'lineSuffix', contents };
}

/** `parts` with `sep` between each two. */
export function join(sep: Doc, parts: readonly Doc[]): Doc[] {
  const out: Doc[] = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(sep);
    out.push(p);
  });
  return out;
}
