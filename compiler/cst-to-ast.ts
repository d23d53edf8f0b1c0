/**
 * CST → AST. The CST may come from error recovery, so every child can be missing: each missing
 * piece becomes an empty name or an `Error` expression (the parser already reported it).
 */
import type { CstNode, IToken, CstElement } from 'chevrotain';
import * as A from './ast.js';
import { Bang, FOREIGN_SPELLINGS, Not } from '../grammar/tokens.js';

type Children = Record<string, CstElement[] | undefined>;

const isToken = (e: CstElement | undefined): e is IToken => e !== undefined && (e as IToken).tokenType !== undefined;
const isNode = (e: CstElement | undefined): e is CstNode => e !== undefined && (e as CstNode).children !== undefined;

/** The only child of an alternative node (`flowItem`, `block`, `action`): its label and element. */
function onlyChild(c: Children): [string, CstElement | undefined] | undefined {
  for (const key in c) return [key, c[key]?.[0]];
  return undefined;
}

const COMPARISON = A.PRECEDENCE['=='];
const operatorEnd = (o: CstElement | undefined): number => (o && isToken(o) && !Number.isNaN(o.endOffset ?? NaN) ? (o.endOffset as number) + 1 : 0);

const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** `1d12h` → milliseconds. */
export function durationToMs(raw: string): number {
  let ms = 0;
  for (const m of raw.matchAll(/(\d+)([wdhms])/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Escapes a string may hold: \" \\ \/ \n \r \t, \uXXXX (as in JSON) and \u{X...} (any code point). */
const ESCAPE = /\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|["\\/nrt])/y;

/** Invalid escapes in a string literal's source text, as offsets within it. */
export function badEscapes(image: string): Array<{ offset: number; length: number; text: string; why: string }> {
  const out: Array<{ offset: number; length: number; text: string; why: string }> = [];
  for (let i = 0; i < image.length; i++) {
    if (image[i] !== '\\') continue;
    ESCAPE.lastIndex = i;
    const m = ESCAPE.exec(image);
    if (!m) {
      const text = image.slice(i, i + 2);
      out.push({ offset: i, length: text.length, text, why: text.length < 2 ? 'a backslash ends the string' : `unknown escape \`${text}\`` });
      i++;
      continue;
    }
    const esc = m[1]!;
    if (esc.startsWith('u{') && parseInt(esc.slice(2, -1), 16) > 0x10ffff) {
      out.push({ offset: i, length: m[0].length, text: m[0], why: `\`${m[0]}\` is beyond the last Unicode code point (10FFFF)` });
    } else if (esc.length === 5 && esc[0] === 'u') {
      // JSON writes characters beyond U+FFFF as a surrogate pair: \uD83D\uDE00. Half a pair is no character.
      const cu = parseInt(esc.slice(1), 16);
      if (cu >= 0xd800 && cu <= 0xdbff) {
        ESCAPE.lastIndex = i + 6;
        const low = ESCAPE.exec(image);
        const lowCu = low && low[1]!.length === 5 ? parseInt(low[1]!.slice(1), 16) : -1;
        if (lowCu >= 0xdc00 && lowCu <= 0xdfff) {
          i += 11;
          continue;
        }
      }
      if (cu >= 0xd800 && cu <= 0xdfff) {
        out.push({ offset: i, length: 6, text: m[0], why: `\`${m[0]}\` is half of a surrogate pair, not a character` });
      }
    }
    i += m[0].length - 1;
  }
  return out;
}

/** The value of a string literal: the text between the quotes with escapes resolved. */
export function unquote(image: string): string {
  const quote = image[0];
  const body = image.length >= 2 && image.endsWith(quote!) ? image.slice(1, -1) : image.slice(1);
  if (!body.includes('\\')) return body;
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u': {
        const cp = parseInt(e[1] === '{' ? e.slice(2, -1) : e.slice(1), 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\uFFFD';
      }
      default:
        return e; // \" \\ \/ (anything else was reported as an invalid escape)
    }
  });
}

/** A problem the AST builder sees that the grammar cannot express (chained comparisons). */
export interface BuildProblem {
  span: A.Span;
  message: string;
  help: string;
}

export class AstBuilder {
  private nextId = 1;
  readonly problems: BuildProblem[] = [];

  constructor(private readonly textLength: number) {}

  private id(): number {
    return this.nextId++;
  }

  private tokSpan(t: IToken | undefined): A.Span {
    if (!t || Number.isNaN(t.startOffset) || t.isInsertedInRecovery) return { start: this.textLength, end: this.textLength };
    return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }

  private nodeSpan(n: CstNode | undefined): A.Span {
    const loc = n?.location;
    if (!loc || Number.isNaN(loc.startOffset)) return { start: this.textLength, end: this.textLength };
    const end = Number.isNaN(loc.endOffset ?? NaN) ? loc.startOffset : (loc.endOffset as number);
    return { start: loc.startOffset, end: end + 1 };
  }

  private tok(c: Children, label: string, i = 0): IToken | undefined {
    const e = c[label]?.[i];
    return isToken(e) && !e.isInsertedInRecovery ? e : undefined;
  }
  private toks(c: Children, label: string): IToken[] {
    const out: IToken[] = [];
    for (const e of c[label] ?? []) if (isToken(e) && !e.isInsertedInRecovery) out.push(e);
    return out;
  }
  private node(c: Children, label: string, i = 0): CstNode | undefined {
    const e = c[label]?.[i];
    return isNode(e) ? e : undefined;
  }
  private nodes(c: Children, label: string): CstNode[] {
    const list = c[label];
    if (!list) return [];
    // Labels hold either nodes or tokens, never both: most lists need no copy.
    return list.every(isNode) ? (list as CstNode[]) : list.filter(isNode);
  }

  // ---------- leaves ----------

  ident(t: IToken | undefined, fallback?: A.Span): A.Ident {
    return { kind: 'Ident', id: this.id(), span: t ? this.tokSpan(t) : (fallback ?? this.tokSpan(t)), name: t?.image ?? '' };
  }
  string(t: IToken | undefined): A.StringLit {
    return { kind: 'String', id: this.id(), span: this.tokSpan(t), value: t ? unquote(t.image) : '' };
  }
  duration(t: IToken | undefined): A.DurationLit {
    const raw = t?.image ?? '';
    return { kind: 'Duration', id: this.id(), span: this.tokSpan(t), raw, ms: durationToMs(raw) };
  }
  number(t: IToken | undefined): A.NumberLit {
    const raw = t?.image ?? '0';
    return { kind: 'Number', id: this.id(), span: this.tokSpan(t), raw, value: Number(raw) };
  }
  time(t: IToken | undefined): A.TimeLit {
    return { kind: 'Time', id: this.id(), span: this.tokSpan(t), raw: t?.image ?? '' };
  }
  percent(t: IToken | undefined): A.PercentLit {
    const raw = t?.image ?? '0%';
    return { kind: 'Percent', id: this.id(), span: this.tokSpan(t), raw, value: Number(raw.slice(0, -1)) };
  }
  dateValue(n: CstNode | undefined): A.DateLit | A.DateTimeLit | undefined {
    if (!n) return undefined;
    const c = n.children as Children;
    const dt = this.tok(c, 'DateTimeLiteral');
    if (dt) return { kind: 'DateTime', id: this.id(), span: this.tokSpan(dt), raw: dt.image };
    const d = this.tok(c, 'DateLiteral');
    if (d) return { kind: 'Date', id: this.id(), span: this.tokSpan(d), raw: d.image };
    return undefined;
  }

  // ---------- file and flow ----------

  file(n: CstNode): A.SourceFile {
    const c = n.children as Children;
    return {
      kind: 'File',
      id: this.id(),
      span: { start: 0, end: this.textLength },
      flows: this.nodes(c, 'flowDecl').map((f) => this.flow(f)),
    };
  }

  flow(n: CstNode): A.FlowDecl {
    const c = n.children as Children;
    const title = this.tok(c, 'title');
    const flow: A.FlowDecl = {
      kind: 'Flow',
      id: this.id(),
      span: this.nodeSpan(n),
      name: this.ident(this.tok(c, 'name'), this.tokSpan(this.tok(c, 'Flow'))),
      ...(title ? { title: this.string(title) } : {}),
      settings: [],
      triggers: [],
      body: [],
    };
    for (const item of this.nodes(c, 'flowItem')) {
      const ic = item.children as Children;
      const [key, sub] = onlyChild(ic) ?? [];
      if (!key || !isNode(sub)) continue;
      switch (key) {
        case 'entrySetting':
        case 'relevanceSetting':
        case 'activeSetting':
        case 'timezoneSetting':
        case 'brandSetting':
        case 'exitSetting':
          flow.settings.push(this.setting(key, sub));
          break;
        case 'eventTrigger':
          flow.triggers.push(this.eventTrigger(sub));
          break;
        case 'scheduleTrigger':
          flow.triggers.push(this.scheduleTrigger(sub));
          break;
        case 'block': {
          const b = this.block(sub);
          if (b) flow.body.push(b);
          break;
        }
      }
    }
    return flow;
  }

  private setting(key: string, n: CstNode): A.Setting {
    const c = n.children as Children;
    const base = { id: this.id(), span: this.nodeSpan(n) };
    switch (key) {
      case 'entrySetting': {
        const mode = c['Once'] ? 'once' : c['Always'] ? 'always' : 'every';
        return {
          kind: 'EntrySetting',
          ...base,
          mode,
          ...(mode === 'every' ? { period: this.duration(this.tok(c, 'DurationLiteral')) } : {}),
        };
      }
      case 'relevanceSetting':
        return { kind: 'RelevanceSetting', ...base, duration: this.duration(this.tok(c, 'DurationLiteral')) };
      case 'activeSetting': {
        const from = this.dateValue(this.node(c, 'from'));
        const until = this.dateValue(this.node(c, 'until'));
        return { kind: 'ActiveSetting', ...base, ...(from ? { from } : {}), ...(until ? { until } : {}) };
      }
      case 'timezoneSetting':
        return { kind: 'TimezoneSetting', ...base, zone: this.string(this.tok(c, 'StringLiteral')) };
      case 'brandSetting':
        return { kind: 'BrandSetting', ...base, brand: this.string(this.tok(c, 'StringLiteral')) };
      default: {
        const where = this.node(c, 'where');
        return {
          kind: 'ExitSetting',
          ...base,
          event: this.eventRef(this.node(c, 'eventRef'), n),
          ...(where ? { where: this.expression(where) } : {}),
        };
      }
    }
  }

  // ---------- triggers ----------

  private eventTrigger(n: CstNode): A.EventTrigger {
    const c = n.children as Children;
    const when = this.node(c, 'when');
    return {
      kind: 'EventTrigger',
      id: this.id(),
      span: this.nodeSpan(n),
      event: this.eventRef(this.node(c, 'eventRef'), n),
      ...(when ? { when: this.expression(when) } : {}),
    };
  }

  eventRef(n: CstNode | undefined, parent: CstNode): A.EventRef {
    const c = (n?.children ?? {}) as Children;
    return {
      kind: 'EventRef',
      id: this.id(),
      span: n ? this.nodeSpan(n) : this.nodeSpan(parent),
      name: this.ident(this.tok(c, 'name'), this.nodeSpan(parent)),
      parens: !!c['LParen'],
      options: this.nodes(c, 'optionArg').map((o) => {
        const oc = o.children as Children;
        return {
          kind: 'OptionArg',
          id: this.id(),
          span: this.nodeSpan(o),
          name: this.ident(this.tok(oc, 'name'), this.nodeSpan(o)),
          value: this.expression(this.node(oc, 'value'), o),
        };
      }),
    };
  }

  private scheduleTrigger(n: CstNode): A.ScheduleTrigger {
    const c = n.children as Children;
    const interval = this.tok(c, 'interval');
    const segment = this.tok(c, 'segment');
    return {
      kind: 'ScheduleTrigger',
      id: this.id(),
      span: this.nodeSpan(n),
      ...(interval ? { interval: this.duration(interval) } : {}),
      units: this.toks(c, 'unit').map((t) => this.ident(t)),
      monthDays: this.nodes(c, 'monthDay').map((m) => {
        const mc = m.children as Children;
        const num = this.tok(mc, 'NumberLiteral');
        return num ? this.number(num) : this.ident(this.tok(mc, 'Identifier'), this.nodeSpan(m));
      }),
      times: this.toks(c, 'time').map((t) => this.time(t)),
      ...(segment ? { segment: this.string(segment) } : {}),
    };
  }

  // ---------- blocks ----------

  private blocks(n: CstNode | undefined): A.Block[] {
    if (!n) return [];
    const out: A.Block[] = [];
    for (const b of this.nodes(n.children as Children, 'block')) {
      const blk = this.block(b);
      if (blk) out.push(blk);
    }
    return out;
  }

  private optIdent(c: Children, label: string): { blockId?: A.Ident } {
    const t = this.tok(c, label);
    return t ? { blockId: this.ident(t) } : {};
  }

  block(n: CstNode): A.Block | undefined {
    const c = n.children as Children;
    const stop = this.tok(c, 'Stop');
    if (stop) return { kind: 'Stop', id: this.id(), span: this.tokSpan(stop) };
    const [key, sub] = onlyChild(c) ?? [];
    if (!key || !isNode(sub)) return undefined;
    const sc = sub.children as Children;
    const span = this.nodeSpan(sub);
    switch (key) {
      case 'stepsBlock': {
        const title = this.tok(sc, 'title');
        const rel = this.tok(sc, 'relevance');
        return {
          kind: 'Steps',
          id: this.id(),
          span,
          ...this.optIdent(sc, 'id'),
          ...(title ? { title: this.string(title) } : {}),
          ...(rel ? { relevance: this.duration(rel) } : {}),
          actions: this.nodes(sc, 'action')
            .map((a) => this.action(a))
            .filter((a): a is A.Action => !!a),
        };
      }
      case 'waitBlock':
        return this.waitBlock(sub);
      case 'ifBlock': {
        const conds = this.nodes(sc, 'condition');
        const bodies = this.nodes(sc, 'body');
        const otherwise = this.node(sc, 'otherwise');
        const branches: A.IfBranch[] = conds.map((cond, i) => ({
          kind: 'IfBranch',
          id: this.id(),
          span: { start: this.nodeSpan(cond).start, end: this.nodeSpan(bodies[i] ?? cond).end },
          condition: this.expression(cond),
          body: this.blocks(bodies[i]),
        }));
        if (branches.length === 0) {
          branches.push({ kind: 'IfBranch', id: this.id(), span, condition: this.errorExpr(span), body: this.blocks(bodies[0]) });
        }
        return { kind: 'If', id: this.id(), span, branches, ...(otherwise ? { otherwise: this.blocks(otherwise) } : {}) };
      }
      case 'splitBlock':
        return {
          kind: 'Split',
          id: this.id(),
          span,
          ...this.optIdent(sc, 'id'),
          variants: this.nodes(sc, 'splitVariant').map((v) => {
            const vc = v.children as Children;
            const title = this.tok(vc, 'title');
            return {
              kind: 'SplitVariant',
              id: this.id(),
              span: this.nodeSpan(v),
              percent: this.percent(this.tok(vc, 'PercentLiteral')),
              name: this.ident(this.tok(vc, 'name'), this.nodeSpan(v)),
              ...(title ? { title: this.string(title) } : {}),
              body: this.blocks(this.node(vc, 'blockBody')),
            };
          }),
        };
      case 'parallelBlock':
        return {
          kind: 'Parallel',
          id: this.id(),
          span,
          ...this.optIdent(sc, 'id'),
          branches: this.nodes(sc, 'parallelBranch').map((b) => {
            const bc = b.children as Children;
            return {
              kind: 'ParallelBranch',
              id: this.id(),
              span: this.nodeSpan(b),
              ...this.optIdent(bc, 'id'),
              body: this.blocks(this.node(bc, 'blockBody')),
            };
          }),
        };
      case 'limitBlock': {
        const periodTok = this.tok(sc, 'period');
        const budgetTok = this.tok(sc, 'budget');
        const otherwise = this.node(sc, 'otherwise');
        return {
          kind: 'Limit',
          id: this.id(),
          span,
          ...this.optIdent(sc, 'id'),
          ...(budgetTok
            ? { budget: this.string(budgetTok) }
            : {
                count: this.number(this.tok(sc, 'count')),
                period: periodTok && /^\d/.test(periodTok.image) ? this.duration(periodTok) : this.ident(periodTok, span),
              }),
          body: this.blocks(this.node(sc, 'body')),
          ...(otherwise ? { otherwise: this.blocks(otherwise) } : {}),
        };
      }
    }
    return undefined;
  }

  private waitBlock(n: CstNode): A.Block {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const base = { id: this.id(), span, ...this.optIdent(c, 'id') };
    if (c['Until']) {
      const waitTok = this.tok(c, 'otherwiseWait');
      return {
        kind: 'WaitUntil',
        ...base,
        at: this.expression(this.node(c, 'until'), n),
        ...(c['otherwiseStop']
          ? { otherwise: { kind: 'stop' as const } }
          : waitTok
            ? { otherwise: { kind: 'wait' as const, duration: this.duration(waitTok) } }
            : {}),
      };
    }
    if (c['For']) {
      const where = this.node(c, 'where');
      const onTimeout = this.node(c, 'onTimeout');
      return {
        kind: 'WaitForEvent',
        ...base,
        event: this.eventRef(this.node(c, 'eventRef'), n),
        ...(where ? { where: this.expression(where) } : {}),
        timeout: this.duration(this.tok(c, 'timeout')),
        onEvent: this.blocks(this.node(c, 'onEvent')),
        ...(onTimeout ? { onTimeout: this.blocks(onTimeout) } : {}),
      };
    }
    const dur = this.tok(c, 'duration');
    const win = this.node(c, 'timeWindow');
    return {
      kind: 'WaitFixed',
      ...base,
      ...(dur ? { duration: this.duration(dur) } : {}),
      ...(win ? { within: this.timeWindow(win) } : {}),
    };
  }

  private timeWindow(n: CstNode): A.TimeWindow {
    const c = n.children as Children;
    return {
      kind: 'TimeWindow',
      id: this.id(),
      span: this.nodeSpan(n),
      days: this.nodes(c, 'dayRange').map((d) => {
        const dc = d.children as Children;
        const to = this.tok(dc, 'to');
        return {
          kind: 'DayRange',
          id: this.id(),
          span: this.nodeSpan(d),
          from: this.ident(this.tok(dc, 'from'), this.nodeSpan(d)),
          ...(to ? { to: this.ident(to) } : {}),
        };
      }),
      from: this.time(this.tok(c, 'from')),
      to: this.time(this.tok(c, 'to')),
    };
  }

  // ---------- actions ----------

  private action(n: CstNode): A.Action | undefined {
    const [key, sub] = onlyChild(n.children as Children) ?? [];
    if (!key || !isNode(sub)) return undefined;
    const c = sub.children as Children;
    const span = this.nodeSpan(sub);
    const obj = this.node(c, 'objectLiteral');
    switch (key) {
      case 'sendAction':
        return {
          kind: 'Send',
          id: this.id(),
          span,
          channel: this.ident(this.tok(c, 'channel'), span),
          template: this.string(this.tok(c, 'template')),
          ...(obj ? { params: this.objectLiteral(obj) } : {}),
        };
      case 'webhookAction':
        return {
          kind: 'Webhook',
          id: this.id(),
          span,
          method: this.ident(this.tok(c, 'method'), span),
          url: this.string(this.tok(c, 'url')),
          ...(obj ? { body: this.objectLiteral(obj) } : {}),
        };
      case 'issuePromoAction':
        return { kind: 'IssuePromo', id: this.id(), span, pool: this.string(this.tok(c, 'pool')) };
      case 'awardAction': {
        const exp = this.tok(c, 'expires');
        return {
          kind: 'AwardPoints',
          id: this.id(),
          span,
          amount: this.expression(this.node(c, 'amount'), sub),
          account: this.string(this.tok(c, 'account')),
          ...(exp ? { expires: this.duration(exp) } : {}),
        };
      }
      case 'setAction': {
        const target = this.node(c, 'target');
        return {
          kind: 'Set',
          id: this.id(),
          span,
          // The target is an operand; a prefix operator there (`set -x = 1`) is not a field: the checker says so.
          target: target ? this.operandWithPrefixes(target) : this.errorExpr(span),
          value: this.expression(this.node(c, 'value'), sub),
        };
      }
      case 'segmentAddAction':
        return { kind: 'SegmentAdd', id: this.id(), span, segment: this.string(this.tok(c, 'segment')) };
      case 'segmentRemoveAction':
        return { kind: 'SegmentRemove', id: this.id(), span, segment: this.string(this.tok(c, 'segment')) };
    }
    return undefined;
  }

  private objectLiteral(n: CstNode): A.ObjectLit {
    const c = n.children as Children;
    return {
      kind: 'Object',
      id: this.id(),
      span: this.nodeSpan(n),
      entries: this.nodes(c, 'objectEntry').map((e) => {
        const ec = e.children as Children;
        const key = this.tok(ec, 'key');
        return {
          kind: 'ObjectEntry',
          id: this.id(),
          span: this.nodeSpan(e),
          key: key && key.image.startsWith('"') ? this.string(key) : this.ident(key, this.nodeSpan(e)),
          value: this.expression(this.node(ec, 'value'), e),
        };
      }),
    };
  }

  // ---------- expressions ----------

  private errorExpr(span: A.Span): A.ErrorExpr {
    return { kind: 'Error', id: this.id(), span };
  }

  /**
   * `expression` CST node → Expr: precedence climbing over the flat `operand (operator operand)*`.
   * Prefix `-` binds tightest; prefix `not` takes everything down to the comparisons, so
   * `not a == b` is `not (a == b)` and `not a and b` is `(not a) and b`.
   */
  expression(n: CstNode | undefined, parent?: CstNode): A.Expr {
    if (!n) return this.errorExpr(this.nodeSpan(parent));
    const c = n.children as Children;
    const operands = this.nodes(c, 'operand');
    // One token per operator (`not in` is labelled by its `not`); recovery may have invented some.
    const operators = c['op'] ?? [];
    let next = 0; // the operand being read
    let prefixPos = 0; // how many of its prefix operators are applied already
    const opAfter = (i: number): A.BinaryOp | undefined => {
      const t = operators[i];
      if (!isToken(t) || t.isInsertedInRecovery) return undefined;
      if (t.tokenType === Not || t.tokenType === Bang) return 'not in';
      // `&&` and `||` are read as `and` and `or` (and reported): the category is the meaning.
      return (FOREIGN_SPELLINGS.get(t.tokenType) ?? t.image) as A.BinaryOp;
    };
    const operand = (): A.Expr => {
      const node = operands[next];
      if (!node) return this.errorExpr(this.nodeSpan(n));
      const prefixes = this.toks(node.children as Children, 'prefix');
      const t = prefixes[prefixPos];
      if (t) {
        prefixPos++;
        const not = t.image !== '-'; // `not`, or `!` read as `not`
        const inner = not ? climb(A.NOT_PRECEDENCE + 1) : operand();
        return { kind: 'Unary', id: this.id(), span: { start: t.startOffset, end: inner.span.end }, op: not ? 'not' : '-', operand: inner };
      }
      prefixPos = 0;
      next++;
      return this.postfix(node);
    };
    const climb = (minPrec: number): A.Expr => {
      let left = operand();
      let chained = false; // `left` is a comparison built in this loop (not in parentheses)
      for (;;) {
        const op = opAfter(next - 1);
        if (!op || next >= operands.length) return left;
        const prec = A.PRECEDENCE[op];
        if (prec < minPrec) return left;
        if (prec === COMPARISON && chained) {
          this.problems.push({
            span: { start: left.span.start, end: Math.max(left.span.end, operatorEnd(operators[next - 1])) },
            message: `comparisons cannot be chained: \`${op}\` after another comparison`,
            help: 'join two comparisons with `and`: `a < b and b < c`, or add parentheses',
          });
        }
        const wasChained = prec === COMPARISON && chained;
        const right = climb(prec + 1);
        const span = { start: left.span.start, end: right.span.end };
        // A chained comparison is reported once, here: as an Error node the checker says no more.
        left = wasChained ? this.errorExpr(span) : { kind: 'Binary', id: this.id(), span, op, left, right };
        chained = prec === COMPARISON;
      }
    };
    return climb(0);
  }

  private operandWithPrefixes(n: CstNode): A.Expr {
    let expr = this.postfix(n);
    const prefixes = this.toks(n.children as Children, 'prefix');
    for (let i = prefixes.length - 1; i >= 0; i--) {
      const t = prefixes[i]!;
      expr = { kind: 'Unary', id: this.id(), span: { start: t.startOffset, end: expr.span.end }, op: t.image === '-' ? '-' : 'not', operand: expr };
    }
    return expr;
  }

  /** An operand's value and its suffixes (its prefix operators are the caller's: they bind looser). */
  postfix(n: CstNode): A.Expr {
    const c = n.children as Children;
    let expr = this.primary(n);
    for (const s of this.nodes(c, 'suffix')) {
      const sc = s.children as Children;
      const end = this.nodeSpan(s).end;
      const span = { start: expr.span.start, end: Math.max(end, expr.span.end) };
      if (s.name === 'memberSuffix') {
        const prop = this.tok(sc, 'property');
        expr = { kind: 'Member', id: this.id(), span, object: expr, property: this.ident(prop, { start: span.end, end: span.end }) };
      } else if (s.name === 'callSuffix') {
        expr = {
          kind: 'Call',
          id: this.id(),
          span,
          callee: expr,
          args: this.nodes(sc, 'callArg').map((a) => {
            const ac = a.children as Children;
            const name = this.tok(ac, 'name');
            return {
              kind: 'CallArg',
              id: this.id(),
              span: this.nodeSpan(a),
              ...(name ? { name: this.ident(name) } : {}),
              value: this.expression(this.node(ac, 'value'), a),
            };
          }),
        };
      } else {
        expr = { kind: 'Index', id: this.id(), span, object: expr, index: this.expression(this.node(sc, 'index'), s) };
      }
    }
    return expr;
  }

  /** The primary value of an operand node: a literal, a name, `( ... )` or `[ ... ]`. */
  private primary(n: CstNode): A.Expr {
    const c = n.children as Children;
    const lit = this.tok(c, 'literal');
    if (lit) {
      const span = this.tokSpan(lit);
      switch (lit.tokenType.name) {
        case 'StringLiteral':
        case 'UnterminatedString':
        case 'SingleQuotedString':
          return this.string(lit);
        case 'NumberLiteral':
          return this.number(lit);
        case 'PercentLiteral':
          return this.percent(lit);
        case 'DurationLiteral':
          return this.duration(lit);
        case 'DateTimeLiteral':
          return { kind: 'DateTime', id: this.id(), span, raw: lit.image };
        case 'DateLiteral':
          return { kind: 'Date', id: this.id(), span, raw: lit.image };
        case 'TimeLiteral':
          return this.time(lit);
        case 'True':
          return { kind: 'Boolean', id: this.id(), span, value: true };
        case 'False':
          return { kind: 'Boolean', id: this.id(), span, value: false };
        case 'Null':
          return { kind: 'Null', id: this.id(), span };
      }
    }
    const name = this.tok(c, 'name');
    if (name) return { kind: 'Name', id: this.id(), span: this.tokSpan(name), name: name.image };
    const inner = this.node(c, 'inner');
    if (inner) return this.expression(inner, n);
    const open = this.tok(c, 'LBracket');
    if (open) {
      const elements = this.nodes(c, 'element').map((e) => this.expression(e, n));
      const close = this.tok(c, 'RBracket');
      const end = close ? this.tokSpan(close).end : (elements[elements.length - 1]?.span.end ?? this.tokSpan(open).end);
      return { kind: 'List', id: this.id(), span: { start: open.startOffset, end }, elements };
    }
    return this.errorExpr(this.nodeSpan(n));
  }
}
