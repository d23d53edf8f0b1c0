/**
 * The formatter (`runnel fmt`, the editor's "format document"): parses a file and prints the
 * canonical layout from the AST, keeping every comment. A file with syntax errors is never touched.
 *
 * Layout: settings in a fixed order, then triggers, then blocks, each group separated by one blank
 * line; blank lines between triggers, blocks, actions, split variants and parallel branches are kept
 * where the source had one or more (collapsed to one); K&R braces, `{}` for empty bodies; minimal
 * parentheses from the precedence table; long conditions break before `and`/`or`; long option lists,
 * call arguments, lists and object literals break one item per line with a trailing comma.
 */
import { LineMap } from '../line-map.js';
import type * as A from '../ast.js';
import { PRECEDENCE, NOT_PRECEDENCE } from '../ast.js';
import { parse } from '../parse.js';
import { attachComments, blankLineBefore, commentText, type Attachments, type CommentInfo } from './comments.js';
import { group, hardline, ifBreak, indent, join, line, lineSuffix, softline, type Doc } from './doc.js';
import { printDoc } from './print-doc.js';

export interface FormatOptions {
  /** Line width; default 100. */
  width?: number;
}

export type FormatResult = { text: string; changed: boolean } | { error: string };

/** The order settings are printed in. */
export const SETTING_ORDER: readonly A.Setting['kind'][] = [
  'EntrySetting',
  'RelevanceSetting',
  'ActiveSetting',
  'TimezoneSetting',
  'BrandSetting',
  'ExitSetting',
];

/** The settings of a flow in canonical order (stable: two `exit on` keep their order). */
export function sortSettings<S extends { kind: A.Setting['kind'] }>(settings: readonly S[]): S[] {
  return settings
    .map((s, i) => ({ s, i }))
    .sort((a, b) => SETTING_ORDER.indexOf(a.s.kind) - SETTING_ORDER.indexOf(b.s.kind) || a.i - b.i)
    .map((x) => x.s);
}

function lineCol(text: string, offset: number): string {
  const { line, column } = new LineMap(text).position(offset);
  return `${line}:${column}`;
}

export function formatSource(text: string, options: FormatOptions = {}): FormatResult {
  const parsed = parse(text);
  if (parsed.diagnostics.hasErrors) {
    const errors = parsed.diagnostics.items.filter((d) => d.severity === 'error');
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return { error: `cannot format a file with syntax errors: ${lineCol(text, first.span.start)}: ${first.message}${more}` };
  }
  let out: string;
  try {
    const attachments = attachComments(text, parsed.ast, parsed.comments, parsed.tokens);
    const doc = new FlowPrinter(text, attachments).file(parsed.ast);
    const printed = printDoc(doc, { width: options.width ?? 100, indentWidth: 2 }).trimEnd();
    out = printed.length > 0 ? printed + '\n' : '';
  } catch (e) {
    return { error: `internal formatter error: ${e instanceof Error ? e.message : String(e)}` };
  }
  // A formatter must never change what a file means or drop a comment: check before answering.
  const check = parse(out);
  if (
    check.diagnostics.hasErrors ||
    !sameTree(parsed.ast, check.ast) ||
    commentKey(parsed.comments.map((c) => c.image)) !== commentKey(check.comments.map((c) => c.image))
  ) {
    return { error: 'internal formatter error: the formatted text would not mean the same; the file was left as it is' };
  }
  return { text: out, changed: out !== text };
}

function commentKey(images: string[]): string {
  return JSON.stringify(images.map(commentText).sort());
}

/** Whether two trees are equal without ids and spans, with settings in canonical order. */
export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameTree(x, bb[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = (r: Record<string, unknown>): string[] =>
    Object.keys(r).filter((k) => k !== 'id' && k !== 'span' && r[k] !== undefined);
  const ka = keys(ra);
  if (ka.length !== keys(rb).length) return false;
  for (const k of ka) {
    if (!(k in rb)) return false;
    if (k === 'settings' && ra['kind'] === 'Flow') {
      if (!sameTree(sortSettings(ra[k] as A.Setting[]), sortSettings(rb[k] as A.Setting[]))) return false;
    } else if (!sameTree(ra[k], rb[k])) return false;
  }
  return true;
}

// ---------- expressions ----------

const PREC_UNARY_MINUS = 7;
const PREC_POSTFIX = 8;
const PREC_PRIMARY = 9;

function precedenceOf(e: A.Expr): number {
  switch (e.kind) {
    case 'Binary':
      return PRECEDENCE[e.op];
    case 'Unary':
      return e.op === 'not' ? NOT_PRECEDENCE : PREC_UNARY_MINUS;
    case 'Member':
    case 'Call':
    case 'Index':
      return PREC_POSTFIX;
    default:
      return PREC_PRIMARY;
  }
}

/** A string literal with JSON-style escapes (`\u{..}` for other control characters). */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default: {
        const cp = ch.codePointAt(0)!;
        out += cp < 0x20 || cp === 0x7f ? `\\u{${cp.toString(16)}}` : ch;
      }
    }
  }
  return out + '"';
}

/** `(a, b)`, `[a, b]`: flat if it fits, else one item per line with a trailing comma. */
function bracketed(open: string, close: string, items: Doc[]): Doc {
  if (items.length === 0) return open + close;
  return group([open, indent([softline, join([',', line], items)]), ifBreak(','), softline, close]);
}

/** How string literals print: re-escaped from their value unless the printer knows better. */
export type StringPrinter = (s: A.StringLit) => string;
const quoteValue: StringPrinter = (s) => quoteString(s.value);

/** An expression, in parentheses if it binds looser than `minPrec`. */
export function exprDoc(e: A.Expr, minPrec = 0, str: StringPrinter = quoteValue): Doc {
  const d = exprInner(e, str);
  return precedenceOf(e) < minPrec ? ['(', d, ')'] : d;
}

function exprInner(e: A.Expr, str: StringPrinter): Doc {
  const sub = (x: A.Expr, minPrec = 0): Doc => exprDoc(x, minPrec, str);
  switch (e.kind) {
    case 'String':
      return str(e);
    case 'Number':
    case 'Duration':
    case 'Date':
    case 'DateTime':
    case 'Time':
    case 'Percent':
      return e.raw;
    case 'Boolean':
      return e.value ? 'true' : 'false';
    case 'Null':
      return 'null';
    case 'Name':
      return e.name;
    case 'Member':
      return [sub(e.object, PREC_POSTFIX), '.', e.property.name];
    case 'Call':
      return [
        sub(e.callee, PREC_POSTFIX),
        bracketed(
          '(',
          ')',
          e.args.map((a) => (a.name ? [a.name.name, ': ', sub(a.value)] : sub(a.value))),
        ),
      ];
    case 'Index':
      return [sub(e.object, PREC_POSTFIX), '[', sub(e.index), ']'];
    case 'Unary':
      if (e.op === 'not') return ['not ', sub(e.operand, NOT_PRECEDENCE)];
      return ['-', e.operand.kind === 'Unary' && e.operand.op === '-' ? ' ' : '', sub(e.operand, PREC_UNARY_MINUS)];
    case 'Binary': {
      const p = PRECEDENCE[e.op];
      if (e.op === 'and' || e.op === 'or') {
        // A left-associative chain `a and b and c`: one group that breaks before each operator.
        const operands: A.Expr[] = [];
        let cur: A.Expr = e;
        while (cur.kind === 'Binary' && cur.op === e.op) {
          operands.unshift(cur.right);
          cur = cur.left;
        }
        operands.unshift(cur);
        const [first, ...rest] = operands;
        // The first operand is indented too, so that a nested chain that breaks (`a and b` in
        // `a and b or c`) sits deeper than this chain's operators.
        return group([indent(sub(first!, p)), indent(rest.map((o) => [line, e.op, ' ', sub(o, p + 1)]))]);
      }
      // Comparisons are non-associative: both operands bind tighter.
      const leftMin = p === PRECEDENCE['=='] ? p + 1 : p;
      return [sub(e.left, leftMin), ' ', e.op, ' ', sub(e.right, p + 1)];
    }
    case 'List':
      return bracketed('[', ']', e.elements.map((x) => sub(x)));
    case 'Error':
      throw new Error('formatter: cannot print an expression the parser could not read');
  }
}

/**
 * A condition after a keyword (`if`, `else if`, `until`, `where`, `set x =`): an `and`/`or` chain
 * that breaks puts its operators one level deeper than the body that follows.
 */
function conditionDoc(e: A.Expr, str: StringPrinter): Doc {
  return e.kind === 'Binary' && (e.op === 'and' || e.op === 'or') ? indent(exprDoc(e, 0, str)) : exprDoc(e, 0, str);
}

/** An expression on one line (for messages and hovers). */
export function exprToString(e: A.Expr): string {
  return printDoc(exprDoc(e), { width: Number.MAX_SAFE_INTEGER });
}

// ---------- statements ----------

/** One printed line group of a body: a comment or a statement, with "a blank line before it". */
interface Entry {
  blank: boolean;
  doc: Doc;
}

/** For the first entry of a unit: keep the source's blank line, drop it, or force one; `compact`: no blank lines at all. */
type BlankPolicy = 'keep' | 'none' | 'force' | 'compact';

class FlowPrinter {
  constructor(
    private readonly text: string,
    private readonly att: Attachments,
  ) {}

  // Every valid escape reads back as itself, so strings print from their value.
  private readonly str: StringPrinter = (s) => quoteString(s.value);

  private expr(e: A.Expr, minPrec = 0): Doc {
    return exprDoc(e, minPrec, this.str);
  }

  /** A statement with its leading and trailing comments, as entries of its body. */
  private entries(node: A.Node, doc: Doc): Entry[] {
    const own = blankLineBefore(this.text, node.span.start);
    const nc = this.att.nodes.get(node);
    if (!nc) return [{ blank: own, doc }];
    const out: Entry[] = [];
    const outside = nc.leading.filter((c) => !c.inside);
    const inside = nc.leading.filter((c) => c.inside);
    for (const c of outside) out.push({ blank: c.blankBefore, doc: c.text });
    inside.forEach((c, i) => out.push({ blank: i === 0 ? own : false, doc: c.text }));
    const trailing = nc.trailing.length > 0 ? lineSuffix(' ' + nc.trailing.map((c) => c.text).join(' ')) : '';
    out.push({ blank: inside.length > 0 ? false : own, doc: [doc, trailing] });
    return out;
  }

  private withPolicy(unit: Entry[], policy: BlankPolicy): Entry[] {
    if (policy === 'keep' || unit.length === 0) return unit;
    if (policy === 'compact') return unit.map((e) => ({ ...e, blank: false }));
    return [{ ...unit[0]!, blank: policy === 'force' }, ...unit.slice(1)];
  }

  private joinEntries(entries: Entry[]): Doc {
    return entries.map((e, i) => (i === 0 ? e.doc : e.blank ? [hardline, hardline, e.doc] : [hardline, e.doc]));
  }

  private commentEntries(cs: CommentInfo[]): Entry[] {
    return cs.map((c) => ({ blank: c.blankBefore, doc: c.text }));
  }

  /** `{ ... }` with the body's own comments; `{}` when there is nothing inside. */
  private body(key: object, entries: Entry[], flatComments = false): Doc {
    const bc = this.att.bodies.get(key);
    const dangling = this.commentEntries(bc?.dangling ?? []).map((e) => (flatComments ? { ...e, blank: false } : e));
    const all = [...entries, ...dangling];
    const brace = bc?.brace ?? [];
    if (all.length === 0 && brace.length === 0) return '{}';
    const head: Doc[] = ['{'];
    if (brace.length > 0) head.push(lineSuffix(' ' + brace.map((c) => c.text).join(' ')));
    if (all.length === 0) {
      // `{ /* note */ }` stays on one line; a line comment needs the `}` on the next.
      const inline = brace.every((c) => !c.isLine && !c.text.includes('\n'));
      return inline ? ['{ ', brace.map((c) => c.text).join(' '), ' }'] : [head, hardline, '}'];
    }
    return [head, indent([hardline, this.joinEntries(all)]), hardline, '}'];
  }

  private blocksBody(blocks: A.Block[]): Doc {
    return this.body(
      blocks,
      blocks.flatMap((b) => this.entries(b, this.block(b))),
    );
  }

  file(f: A.SourceFile): Doc {
    const entries = f.flows.flatMap((fl, i) => this.withPolicy(this.entries(fl, this.flow(fl)), i === 0 ? 'none' : 'force'));
    const bc = this.att.bodies.get(f);
    const all = [...entries, ...this.commentEntries(bc?.dangling ?? [])];
    return this.joinEntries(all);
  }

  private flow(f: A.FlowDecl): Doc {
    const settings = sortSettings(f.settings).flatMap((s) => this.withPolicy(this.entries(s, this.setting(s)), 'compact'));
    const triggers = f.triggers.map((t) => this.entries(t, this.trigger(t)));
    const blocks = f.body.map((b) => this.entries(b, this.block(b)));
    const entries: Entry[] = [...settings];
    triggers.forEach((u, i) => entries.push(...this.withPolicy(u, i === 0 && entries.length > 0 ? 'force' : 'keep')));
    const beforeBlocks = entries.length;
    blocks.forEach((u, i) => entries.push(...this.withPolicy(u, i === 0 && beforeBlocks > 0 ? 'force' : 'keep')));
    return ['flow ', f.name.name, f.title ? [' ', this.str(f.title)] : '', ' ', this.body(f, entries)];
  }

  // ---------- settings and triggers ----------

  private eventRef(e: A.EventRef): Doc {
    if (!e.parens && e.options.length === 0) return e.name.name;
    return [e.name.name, bracketed('(', ')', e.options.map((o) => [o.name.name, ': ', this.expr(o.value)]))];
  }

  private setting(s: A.Setting): Doc {
    switch (s.kind) {
      case 'EntrySetting':
        return s.mode === 'every' ? ['entry every ', s.period?.raw ?? ''] : ['entry ', s.mode];
      case 'RelevanceSetting':
        return ['relevance ', s.duration.raw];
      case 'ActiveSetting':
        return ['active', s.from ? [' from ', s.from.raw] : '', s.until ? [' until ', s.until.raw] : ''];
      case 'TimezoneSetting':
        return ['timezone ', this.str(s.zone)];
      case 'BrandSetting':
        return ['brand ', this.str(s.brand)];
      case 'ExitSetting':
        return group(['exit on ', this.eventRef(s.event), s.where ? indent([line, 'where ', this.expr(s.where)]) : '']);
    }
  }

  private trigger(t: A.Trigger): Doc {
    if (t.kind === 'EventTrigger') {
      return group(['on ', this.eventRef(t.event), t.when ? indent([line, 'when ', this.expr(t.when)]) : '']);
    }
    return [
      'every ',
      t.interval ? t.interval.raw : t.units.map((u) => u.name).join(', '),
      t.monthDays.length > 0 ? [' on ', t.monthDays.map((d) => (d.kind === 'Number' ? d.raw : d.name)).join(', ')] : '',
      t.times.length > 0 ? [' at ', t.times.map((x) => x.raw).join(', ')] : '',
      t.segment ? [' for segment ', this.str(t.segment)] : '',
    ];
  }

  // ---------- blocks ----------

  private id(b: { blockId?: A.Ident }): string {
    return b.blockId ? ' ' + b.blockId.name : '';
  }

  private block(b: A.Block): Doc {
    switch (b.kind) {
      case 'Steps':
        return [
          'steps',
          this.id(b),
          b.title ? [' ', this.str(b.title)] : '',
          b.relevance ? [' relevance ', b.relevance.raw] : '',
          ' ',
          this.body(
            b.actions,
            b.actions.flatMap((a) => this.entries(a, this.action(a))),
          ),
        ];
      case 'WaitFixed':
        return ['wait', this.id(b), b.duration ? [' ', b.duration.raw] : '', b.within ? [' ', this.timeWindow(b.within)] : ''];
      case 'WaitUntil':
        return [
          'wait',
          this.id(b),
          ' until ',
          conditionDoc(b.at, this.str),
          b.otherwise ? (b.otherwise.kind === 'stop' ? ' otherwise stop' : [' otherwise wait ', b.otherwise.duration.raw]) : '',
        ];
      case 'WaitForEvent':
        return [
          'wait',
          this.id(b),
          ' for ',
          this.eventRef(b.event),
          b.where ? [' where ', conditionDoc(b.where, this.str)] : '',
          ' up to ',
          b.timeout.raw,
          ' ',
          this.blocksBody(b.onEvent),
          b.onTimeout ? [' timeout ', this.blocksBody(b.onTimeout)] : '',
        ];
      case 'If':
        return [
          b.branches.map((br, i) => [i === 0 ? 'if ' : ' else if ', conditionDoc(br.condition, this.str), ' ', this.blocksBody(br.body)]),
          b.otherwise ? [' else ', this.blocksBody(b.otherwise)] : '',
        ];
      case 'Split':
        return [
          'split',
          this.id(b),
          ' ',
          this.body(
            b.variants,
            b.variants.flatMap((v) =>
              this.entries(v, [
                v.percent.raw,
                ' ',
                v.name.name,
                v.title ? [' ', this.str(v.title)] : '',
                ' ',
                this.blocksBody(v.body),
              ]),
            ),
          ),
        ];
      case 'Parallel':
        return [
          'parallel',
          this.id(b),
          ' ',
          this.body(
            b.branches,
            b.branches.flatMap((br) => this.entries(br, ['branch', this.id(br), ' ', this.blocksBody(br.body)])),
          ),
        ];
      case 'Limit':
        return [
          'limit',
          this.id(b),
          ' ',
          b.budget
            ? ['budget ', this.str(b.budget)]
            : [b.count?.raw ?? '', ' per ', b.period ? (b.period.kind === 'Duration' ? b.period.raw : b.period.name) : ''],
          ' ',
          this.blocksBody(b.body),
          b.otherwise ? [' else ', this.blocksBody(b.otherwise)] : '',
        ];
      case 'Stop':
        return 'stop';
    }
  }

  private timeWindow(w: A.TimeWindow): Doc {
    const days = w.days.map((d) => (d.to ? `${d.from.name}..${d.to.name}` : d.from.name)).join(', ');
    return ['within ', days ? days + ' ' : '', w.from.raw, '..', w.to.raw];
  }

  // ---------- actions ----------

  private action(a: A.Action): Doc {
    switch (a.kind) {
      case 'Send':
        return ['send ', a.channel.name, ' ', this.str(a.template), a.params ? [' ', this.object(a.params)] : ''];
      case 'Webhook':
        return ['webhook ', a.method.name, ' ', this.str(a.url), a.body ? [' ', this.object(a.body)] : ''];
      case 'IssuePromo':
        return ['issue promo ', this.str(a.pool)];
      case 'AwardPoints':
        return [
          'award ',
          this.expr(a.amount),
          ' points to ',
          this.str(a.account),
          a.expires ? [' expires in ', a.expires.raw] : '',
        ];
      case 'Set':
        return ['set ', this.expr(a.target, PREC_POSTFIX), ' = ', conditionDoc(a.value, this.str)];
      case 'SegmentAdd':
        return ['add to segment ', this.str(a.segment)];
      case 'SegmentRemove':
        return ['remove from segment ', this.str(a.segment)];
    }
  }

  private objectKey(k: A.Ident | A.StringLit): string {
    return k.kind === 'String' ? this.str(k) : k.name;
  }

  /** `{ a: 1, b: x }` if it fits and holds no comments, else one entry per line with trailing commas. */
  private object(o: A.ObjectLit): Doc {
    const hasComments = this.att.bodies.has(o) || o.entries.some((e) => this.att.nodes.has(e));
    if (!hasComments) {
      if (o.entries.length === 0) return '{}';
      const items = o.entries.map((e) => [this.objectKey(e.key), ': ', this.expr(e.value)]);
      return group(['{', indent([line, join([',', line], items)]), ifBreak(','), line, '}']);
    }
    const entries = o.entries.flatMap((e) =>
      this.entries(e, [this.objectKey(e.key), ': ', this.expr(e.value), ',']).map((x) => ({ ...x, blank: false })),
    );
    return this.body(o, entries, true);
  }
}
