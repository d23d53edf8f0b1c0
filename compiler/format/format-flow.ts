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
import type * as A from '../ast.js';
import { PRECEDENCE, NOT_PRECEDENCE } from '../ast.js';
import { parse } from '../parse.js';
import { attachComments, blankLineBefore, type Attachments, type CommentInfo } from './comments.js';
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
  let lineNo = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      lineNo++;
      lineStart = i + 1;
    }
  }
  return `${lineNo}:${offset - lineStart + 1}`;
}

export function formatSource(text: string, options: FormatOptions = {}): FormatResult {
  const parsed = parse(text);
  if (parsed.diagnostics.hasErrors) {
    const errors = parsed.diagnostics.items.filter((d) => d.severity === 'error');
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return { error: `cannot format a file with syntax errors: ${lineCol(text, first.span.start)}: ${first.message}${more}` };
  }
  const attachments = attachComments(text, parsed.ast, parsed.comments, parsed.tokens);
  const doc = new FlowPrinter(text, attachments).file(parsed.ast);
  const printed = printDoc(doc, { width: options.width ?? 100, indentWidth: 2 }).trimEnd();
  const out = printed.length > 0 ? printed + '\n' : '';
  return { text: out, changed: out !== text };
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

/** An expression, in parentheses if it binds looser than `minPrec`. */
export function exprDoc(e: A.Expr, minPrec = 0): Doc {
  const d = exprInner(e);
  return precedenceOf(e) < minPrec ? ['(', d, ')'] : d;
}

function exprInner(e: A.Expr): Doc {
  switch (e.kind) {
    case 'String':
      return quoteString(e.value);
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
      return [exprDoc(e.object, PREC_POSTFIX), '.', e.property.name];
    case 'Call':
      return [
        exprDoc(e.callee, PREC_POSTFIX),
        bracketed(
          '(',
          ')',
          e.args.map((a) => (a.name ? [a.name.name, ': ', exprDoc(a.value)] : exprDoc(a.value))),
        ),
      ];
    case 'Index':
      return [exprDoc(e.object, PREC_POSTFIX), '[', exprDoc(e.index), ']'];
    case 'Unary':
      if (e.op === 'not') return ['not ', exprDoc(e.operand, NOT_PRECEDENCE)];
      return ['-', e.operand.kind === 'Unary' && e.operand.op === '-' ? ' ' : '', exprDoc(e.operand, PREC_UNARY_MINUS)];
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
        return group([indent(exprDoc(first!, p)), indent(rest.map((o) => [line, e.op, ' ', exprDoc(o, p + 1)]))]);
      }
      // Comparisons are non-associative: both operands bind tighter.
      const leftMin = p === PRECEDENCE['=='] ? p + 1 : p;
      return [exprDoc(e.left, leftMin), ' ', e.op, ' ', exprDoc(e.right, p + 1)];
    }
    case 'List':
      return bracketed('[', ']', e.elements.map((x) => exprDoc(x)));
    case 'Error':
      throw new Error('formatter: cannot print an expression the parser could not read');
  }
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

type BlankPolicy = 'keep' | 'none' | 'force';

class FlowPrinter {
  constructor(
    private readonly text: string,
    private readonly att: Attachments,
  ) {}

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
    if (all.length === 0) return [head, hardline, '}'];
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
    const settings = sortSettings(f.settings).flatMap((s) => this.withPolicy(this.entries(s, this.setting(s)), 'none'));
    const triggers = f.triggers.map((t) => this.entries(t, this.trigger(t)));
    const blocks = f.body.map((b) => this.entries(b, this.block(b)));
    const entries: Entry[] = [...settings];
    triggers.forEach((u, i) => entries.push(...this.withPolicy(u, i === 0 && entries.length > 0 ? 'force' : 'keep')));
    const beforeBlocks = entries.length;
    blocks.forEach((u, i) => entries.push(...this.withPolicy(u, i === 0 && beforeBlocks > 0 ? 'force' : 'keep')));
    return ['flow ', f.name.name, f.title ? [' ', quoteString(f.title.value)] : '', ' ', this.body(f, entries)];
  }

  // ---------- settings and triggers ----------

  private eventRef(e: A.EventRef): Doc {
    if (!e.parens && e.options.length === 0) return e.name.name;
    return [e.name.name, bracketed('(', ')', e.options.map((o) => [o.name.name, ': ', exprDoc(o.value)]))];
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
        return ['timezone ', quoteString(s.zone.value)];
      case 'BrandSetting':
        return ['brand ', quoteString(s.brand.value)];
      case 'ExitSetting':
        return group(['exit on ', this.eventRef(s.event), s.where ? indent([line, 'where ', exprDoc(s.where)]) : '']);
    }
  }

  private trigger(t: A.Trigger): Doc {
    if (t.kind === 'EventTrigger') {
      return group(['on ', this.eventRef(t.event), t.when ? indent([line, 'when ', exprDoc(t.when)]) : '']);
    }
    return [
      'every ',
      t.interval ? t.interval.raw : t.units.map((u) => u.name).join(', '),
      t.monthDays.length > 0 ? [' on ', t.monthDays.map((d) => (d.kind === 'Number' ? d.raw : d.name)).join(', ')] : '',
      t.times.length > 0 ? [' at ', t.times.map((x) => x.raw).join(', ')] : '',
      t.segment ? [' for segment ', quoteString(t.segment.value)] : '',
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
          b.title ? [' ', quoteString(b.title.value)] : '',
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
          indent(exprDoc(b.at)),
          b.otherwise ? (b.otherwise.kind === 'stop' ? ' otherwise stop' : [' otherwise wait ', b.otherwise.duration.raw]) : '',
        ];
      case 'WaitForEvent':
        return [
          'wait',
          this.id(b),
          ' for ',
          this.eventRef(b.event),
          b.where ? [' where ', indent(exprDoc(b.where))] : '',
          ' up to ',
          b.timeout.raw,
          ' ',
          this.blocksBody(b.onEvent),
          b.onTimeout ? [' timeout ', this.blocksBody(b.onTimeout)] : '',
        ];
      case 'If':
        return [
          b.branches.map((br, i) => [i === 0 ? 'if ' : ' else if ', indent(exprDoc(br.condition)), ' ', this.blocksBody(br.body)]),
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
                v.title ? [' ', quoteString(v.title.value)] : '',
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
          b.count.raw,
          ' per ',
          b.period.kind === 'Duration' ? b.period.raw : b.period.name,
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
        return ['send ', a.channel.name, ' ', quoteString(a.template.value), a.params ? [' ', this.object(a.params)] : ''];
      case 'Webhook':
        return ['webhook ', a.method.name, ' ', quoteString(a.url.value), a.body ? [' ', this.object(a.body)] : ''];
      case 'IssuePromo':
        return ['issue promo ', quoteString(a.pool.value)];
      case 'AwardPoints':
        return [
          'award ',
          exprDoc(a.amount),
          ' points to ',
          quoteString(a.account.value),
          a.expires ? [' expires in ', a.expires.raw] : '',
        ];
      case 'Set':
        return ['set ', exprDoc(a.target, PREC_POSTFIX), ' = ', indent(exprDoc(a.value))];
      case 'SegmentAdd':
        return ['add to segment ', quoteString(a.segment.value)];
      case 'SegmentRemove':
        return ['remove from segment ', quoteString(a.segment.value)];
    }
  }

  private objectKey(k: A.Ident | A.StringLit): string {
    return k.kind === 'String' ? quoteString(k.value) : k.name;
  }

  /** `{ a: 1, b: x }` if it fits and holds no comments, else one entry per line with trailing commas. */
  private object(o: A.ObjectLit): Doc {
    const hasComments = this.att.bodies.has(o) || o.entries.some((e) => this.att.nodes.has(e));
    if (!hasComments) {
      if (o.entries.length === 0) return '{}';
      const items = o.entries.map((e) => [this.objectKey(e.key), ': ', exprDoc(e.value)]);
      return group(['{', indent([line, join([',', line], items)]), ifBreak(','), line, '}']);
    }
    const entries = o.entries.flatMap((e) =>
      this.entries(e, [this.objectKey(e.key), ': ', exprDoc(e.value), ',']).map((x) => ({ ...x, blank: false })),
    );
    return this.body(o, entries, true);
  }
}
