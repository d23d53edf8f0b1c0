/**
 * The Wadler-style layout of a `Doc`: a group prints flat (its lines as spaces) when it fits in
 * what is left of the line, up to the next possible break after it; otherwise its lines become
 * newlines. Trailing spaces are trimmed from every line. Browser-safe: no node imports.
 */
import type { Doc, GroupCmd } from './doc.js';

export interface PrintOptions {
  /** Line width; default 100. */
  width?: number;
  /** Spaces per indentation level; default 2. */
  indentWidth?: number;
}

const enum Mode {
  Break,
  Flat,
}

type Cmd = [indent: number, mode: Mode, doc: Doc];

/** Width of a text in columns (code points; good enough for source text). */
function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Marks every group that contains a hard line (directly or nested) as broken. */
function propagateBreaks(doc: Doc, broken: Set<GroupCmd>, seen: Map<object, boolean>): boolean {
  if (typeof doc === 'string') return false;
  const cached = seen.get(doc);
  if (cached !== undefined) return cached;
  let result = false;
  if (Array.isArray(doc)) {
    for (const d of doc) if (propagateBreaks(d, broken, seen)) result = true;
  } else {
    switch (doc.type) {
      case 'breakParent':
        result = true;
        break;
      case 'line':
        result = doc.hard;
        break;
      case 'indent':
        result = propagateBreaks(doc.contents, broken, seen);
        break;
      case 'group': {
        const inner = propagateBreaks(doc.contents, broken, seen);
        if (inner || doc.shouldBreak) broken.add(doc);
        result = inner;
        break;
      }
      case 'ifBreak': {
        const a = propagateBreaks(doc.breakContents, broken, seen);
        const b = propagateBreaks(doc.flatContents, broken, seen);
        result = a || b;
        break;
      }
      case 'lineSuffix':
        result = false;
        break;
    }
  }
  seen.set(doc, result);
  return result;
}

/**
 * Whether `next` printed flat, followed by the rest of the commands in their own modes up to the
 * first line that breaks (or could break), fits in `width` columns.
 */
function fits(next: Cmd, rest: readonly Cmd[], width: number, broken: Set<GroupCmd>): boolean {
  let remaining = width;
  const stack: Cmd[] = [next];
  let restIdx = rest.length;
  while (remaining >= 0) {
    let cmd = stack.pop();
    if (!cmd) {
      if (restIdx === 0) return true;
      cmd = rest[--restIdx]!;
    }
    const [ind, mode, doc] = cmd;
    if (typeof doc === 'string') {
      const nl = doc.indexOf('\n');
      if (nl >= 0) return remaining - textWidth(doc.slice(0, nl)) >= 0;
      remaining -= textWidth(doc);
      continue;
    }
    if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) stack.push([ind, mode, doc[i]!]);
      continue;
    }
    switch (doc.type) {
      case 'indent':
        stack.push([ind, mode, doc.contents]);
        break;
      case 'group':
        // `next` is measured flat; the rest keeps its mode, so it may break at its first line.
        stack.push([ind, broken.has(doc) ? Mode.Break : mode, doc.contents]);
        break;
      case 'ifBreak':
        stack.push([ind, mode, mode === Mode.Break ? doc.breakContents : doc.flatContents]);
        break;
      case 'line':
        if (mode === Mode.Break || doc.hard) return true;
        if (!doc.soft) remaining -= 1;
        break;
      case 'lineSuffix':
      case 'breakParent':
        break;
    }
  }
  return false;
}

export function printDoc(doc: Doc, options: PrintOptions = {}): string {
  const width = options.width ?? 100;
  const indentWidth = options.indentWidth ?? 2;
  const broken = new Set<GroupCmd>();
  propagateBreaks(doc, broken, new Map());

  const out: string[] = [];
  let pos = 0;
  const stack: Cmd[] = [[0, Mode.Break, doc]];

  const trimTrailing = (): void => {
    while (out.length > 0) {
      const last = out[out.length - 1]!;
      const trimmed = last.replace(/[ \t]+$/, '');
      if (trimmed.length > 0) {
        out[out.length - 1] = trimmed;
        return;
      }
      out.pop();
    }
  };

  while (stack.length > 0) {
    const [ind, mode, d] = stack.pop()!;
    if (typeof d === 'string') {
      out.push(d);
      const nl = d.lastIndexOf('\n');
      pos = nl >= 0 ? textWidth(d.slice(nl + 1)) : pos + textWidth(d);
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) stack.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.type) {
      case 'indent':
        stack.push([ind + 1, mode, d.contents]);
        break;
      case 'group': {
        if (broken.has(d)) {
          stack.push([ind, Mode.Break, d.contents]);
        } else if (mode === Mode.Flat) {
          stack.push([ind, Mode.Flat, d.contents]);
        } else {
          const flat: Cmd = [ind, Mode.Flat, d.contents];
          stack.push(fits(flat, stack, width - pos, broken) ? flat : [ind, Mode.Break, d.contents]);
        }
        break;
      }
      case 'ifBreak':
        stack.push([ind, mode, mode === Mode.Break ? d.breakContents : d.flatContents]);
        break;
      case 'lineSuffix':
        out.push(d.contents);
        pos += textWidth(d.contents);
        break;
      case 'breakParent':
        break;
      case 'line':
        if (mode === Mode.Flat && !d.hard) {
          if (!d.soft) {
            out.push(' ');
            pos += 1;
          }
        } else {
          trimTrailing();
          const pad = ' '.repeat(ind * indentWidth);
          out.push('\n' + pad);
          pos = pad.length;
        }
        break;
    }
  }
  trimTrailing();
  return out.join('');
}
