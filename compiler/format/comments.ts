/**
 * Comment attachment for the formatter. Every comment token is attached to the nearest statement
 * (flow, setting, trigger, block, action, split variant, parallel branch, object entry) or to a
 * body (the `{ ... }` of a statement), so that printing the tree from the AST keeps every comment:
 *
 * - leading: own-line comments before a statement, and comments inside its header or expressions
 *   (`inside`), which the printer moves before it;
 * - trailing: comments after a statement on the line where it ends (`wait 1d // why`);
 * - brace: comments on the line of a body's `{`, before its first statement (`if x { // why`);
 * - dangling: comments after the last statement of a body (or in an empty body), and comments
 *   between two bodies of one statement (`} // c` before `else`, `else if /* c *\/ x`), which go to
 *   the end of the preceding body.
 *
 * Bodies are keyed by the AST object that holds them (the flow, an `ObjectLit`, or the block array:
 * `IfBranch.body`, `IfBlock.otherwise`, `StepsBlock.actions`...); the file itself is the root body.
 */
import type { IToken } from 'chevrotain';
import type * as A from '../ast.js';

export interface CommentInfo {
  /** The comment as printed: line comments without trailing spaces, block comments with LF newlines. */
  text: string;
  start: number;
  end: number;
  /** A blank line separated it from what came before it in the source. */
  blankBefore: boolean;
  /** It was inside the statement it leads (in its header or an expression). */
  inside: boolean;
  isLine: boolean;
}

export interface NodeComments {
  leading: CommentInfo[];
  trailing: CommentInfo[];
}

export interface BodyComments {
  brace: CommentInfo[];
  dangling: CommentInfo[];
}

export interface Attachments {
  nodes: Map<object, NodeComments>;
  bodies: Map<object, BodyComments>;
}

interface CBody {
  key: object;
  /** Offset of `{`, or -1 for the file. */
  open: number;
  /** Offset of `}`, or the text length for the file. */
  close: number;
  children: CNode[];
}

interface CNode {
  key: object;
  start: number;
  end: number;
  bodies: CBody[];
}

/** The text as printed for a comment token. */
export function commentText(image: string): string {
  if (image.startsWith('//')) return image.replace(/[ \t\f\uFEFF]+$/, '');
  return image.replace(/\r\n?/g, '\n');
}

/** Whether a blank line separates `offset` from the previous non-blank character. */
export function blankLineBefore(text: string, offset: number): boolean {
  let newlines = 0;
  for (let i = offset - 1; i >= 0; i--) {
    const ch = text[i]!;
    if (ch === '\n') {
      if (++newlines >= 2) return true;
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\f' && ch !== '\uFEFF') {
      return false;
    }
  }
  return false;
}

function hasNewline(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text[i] === '\n') return true;
  return false;
}

/** The statements of a body, in source order, and the keys of the bodies of a statement. */
function bodiesOf(node: A.Node): Array<{ key: object; children: A.Node[] }> {
  switch (node.kind) {
    case 'Flow':
      return [{ key: node, children: [...node.settings, ...node.triggers, ...node.body] }];
    case 'Steps':
      return [{ key: node.actions, children: node.actions }];
    case 'WaitForEvent':
      return [
        { key: node.onEvent, children: node.onEvent },
        ...(node.onTimeout ? [{ key: node.onTimeout, children: node.onTimeout }] : []),
      ];
    case 'If':
      return [
        ...node.branches.map((b) => ({ key: b.body, children: b.body })),
        ...(node.otherwise ? [{ key: node.otherwise, children: node.otherwise }] : []),
      ];
    case 'Split':
      return [{ key: node.variants, children: node.variants }];
    case 'SplitVariant':
    case 'ParallelBranch':
      return [{ key: node.body, children: node.body }];
    case 'Parallel':
      return [{ key: node.branches, children: node.branches }];
    case 'Limit':
      return [
        { key: node.body, children: node.body },
        ...(node.otherwise ? [{ key: node.otherwise, children: node.otherwise }] : []),
      ];
    case 'Send':
      return node.params ? [{ key: node.params, children: node.params.entries }] : [];
    case 'Webhook':
      return node.body ? [{ key: node.body, children: node.body.entries }] : [];
    default:
      return [];
  }
}

class BraceIndex {
  private readonly starts: number[];
  /** For each `{` token index, the index of its `}`. */
  private readonly match = new Map<number, number>();

  constructor(private readonly tokens: IToken[]) {
    this.starts = tokens.map((t) => t.startOffset);
    const stack: number[] = [];
    tokens.forEach((t, i) => {
      if (t.image === '{' && t.tokenType.name === 'LBrace') stack.push(i);
      else if (t.image === '}' && t.tokenType.name === 'RBrace') {
        const open = stack.pop();
        if (open !== undefined) this.match.set(open, i);
      }
    });
  }

  /** The `{`/`}` pairs at the top level of the span, in order. */
  pairsIn(start: number, end: number): Array<[number, number]> {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    const pairs: Array<[number, number]> = [];
    for (let i = lo; i < this.tokens.length && this.starts[i]! < end; ) {
      const close = this.match.get(i);
      if (close !== undefined) {
        pairs.push([this.starts[i]!, this.starts[close]!]);
        i = close + 1;
      } else {
        i++;
      }
    }
    return pairs;
  }
}

function buildNode(node: A.Node, braces: BraceIndex): CNode {
  const specs = bodiesOf(node);
  const pairs = specs.length > 0 ? braces.pairsIn(node.span.start, node.span.end) : [];
  if (pairs.length !== specs.length) {
    throw new Error(`formatter: expected ${specs.length} bodies in ${node.kind} but found ${pairs.length}`);
  }
  return {
    key: node,
    start: node.span.start,
    end: node.span.end,
    bodies: specs.map((s, i) => ({
      key: s.key,
      open: pairs[i]![0],
      close: pairs[i]![1],
      children: [...s.children].sort((a, b) => a.span.start - b.span.start).map((c) => buildNode(c, braces)),
    })),
  };
}

export function attachComments(text: string, file: A.SourceFile, comments: IToken[], tokens: IToken[]): Attachments {
  const braces = new BraceIndex(tokens);
  const root: CBody = {
    key: file,
    open: -1,
    close: text.length,
    children: file.flows.map((f) => buildNode(f, braces)),
  };
  const nodes = new Map<object, NodeComments>();
  const bodies = new Map<object, BodyComments>();
  const forNode = (key: object): NodeComments => {
    let n = nodes.get(key);
    if (!n) nodes.set(key, (n = { leading: [], trailing: [] }));
    return n;
  };
  const forBody = (key: object): BodyComments => {
    let b = bodies.get(key);
    if (!b) bodies.set(key, (b = { brace: [], dangling: [] }));
    return b;
  };

  const placeInBody = (body: CBody, c: CommentInfo): void => {
    const inside = body.children.find((ch) => ch.start <= c.start && c.start < ch.end);
    if (inside) return placeInNode(inside, c);
    let prev: CNode | undefined;
    let next: CNode | undefined;
    for (const ch of body.children) {
      if (ch.end <= c.start) prev = ch;
      else if (ch.start >= c.end && !next) next = ch;
    }
    if (prev && !hasNewline(text, prev.end, c.start)) {
      forNode(prev.key).trailing.push(c);
    } else if (!prev && body.open >= 0 && !hasNewline(text, body.open + 1, c.start)) {
      forBody(body.key).brace.push(c);
    } else if (next) {
      forNode(next.key).leading.push(c);
    } else {
      forBody(body.key).dangling.push(c);
    }
  };

  const placeInNode = (node: CNode, c: CommentInfo): void => {
    const body = node.bodies.find((b) => b.open < c.start && c.start < b.close);
    if (body) return placeInBody(body, c);
    const before = node.bodies.filter((b) => b.close < c.start);
    if (before.length > 0) {
      // Between two bodies (`} // c` before `else`, `else if /* c */ x {`): end of the previous body.
      forBody(before[before.length - 1]!.key).dangling.push(c);
      return;
    }
    forNode(node.key).leading.push({ ...c, inside: true });
  };

  const sorted = [...comments].sort((a, b) => a.startOffset - b.startOffset);
  for (const tok of sorted) {
    const start = tok.startOffset;
    const end = (tok.endOffset ?? start) + 1;
    placeInBody(root, {
      text: commentText(tok.image),
      start,
      end,
      blankBefore: blankLineBefore(text, start),
      inside: false,
      isLine: tok.image.startsWith('//'),
    });
  }
  return { nodes, bodies };
}
