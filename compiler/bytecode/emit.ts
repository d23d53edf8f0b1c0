/**
 * FlowGraph → Program: constants pooled (first use first), expressions compiled to code chunks
 * for the stack machine (identical chunks shared), blocks and their successors turned into indexes.
 * Deterministic: the same graph always gives the same program.
 */
import type { FlowGraph, GraphBlock, KeepPath, LExpr, LiteralValue, OptionValue, EventSpec } from '../lower/graph.js';
import { ByteWriter } from './bytes.js';
import { BINARY_OPS, BUILTIN_TABLE, METHOD_TABLE, OP } from './format.js';
import type { Constant, Program, ProgramAction, ProgramBlock, ProgramKeep, ProgramOption, ProgramTrigger } from './program.js';
import { COMPILER_VERSION } from './version.js';

export class EmitError extends Error {}

class Emitter {
  readonly constants: Constant[] = [];
  private readonly constIndex = new Map<string, number>();
  readonly code: Uint8Array[] = [];
  private readonly codeIndex = new Map<string, number>();
  private readonly blockIndex: Map<string, number>;

  constructor(private readonly graph: FlowGraph) {
    this.blockIndex = new Map(graph.blocks.map((b, i) => [b.id, i]));
  }

  constant(c: Constant): number {
    let key: string;
    switch (c.tag) {
      case 'string':
        key = `s${c.value}`;
        break;
      case 'number':
        key = `n${Object.is(c.value, -0) ? '-0' : String(c.value)}`;
        break;
      case 'duration':
        key = `d${c.ms}`;
        break;
      case 'date':
      case 'datetime':
        key = `${c.tag}${c.raw}`;
        break;
      case 'time':
        key = `t${c.minutes}`;
        break;
      case 'percent':
        key = `p${c.value}`;
        break;
      default:
        key = c.tag;
    }
    let i = this.constIndex.get(key);
    if (i === undefined) {
      i = this.constants.length;
      this.constants.push(c);
      this.constIndex.set(key, i);
    }
    return i;
  }

  str(s: string): number {
    return this.constant({ tag: 'string', value: s });
  }

  optStr(s: string | undefined): number | null {
    return s === undefined ? null : this.str(s);
  }

  block(id: string): number {
    const i = this.blockIndex.get(id);
    if (i === undefined) throw new EmitError(`no block ${id}`);
    return i;
  }

  private literal(v: LiteralValue): Constant {
    switch (v.kind) {
      case 'string':
        return { tag: 'string', value: v.value };
      case 'number':
        return { tag: 'number', value: v.value };
      case 'boolean':
        return { tag: v.value ? 'true' : 'false' };
      case 'null':
        return { tag: 'null' };
      case 'duration':
        return { tag: 'duration', ms: v.ms };
      case 'date':
        return { tag: 'date', raw: v.raw };
      case 'datetime':
        return { tag: 'datetime', raw: v.raw };
      case 'time':
        return { tag: 'time', minutes: v.minutes };
      case 'percent':
        return { tag: 'percent', value: v.value };
    }
  }

  /** Compiles an expression into a code chunk (shared with an identical one) and returns its index. */
  chunk(e: LExpr): number {
    const w = new ByteWriter();
    this.expr(e, w);
    const bytes = w.finish();
    let key = '';
    for (const b of bytes) key += String.fromCharCode(b);
    let i = this.codeIndex.get(key);
    if (i === undefined) {
      i = this.code.length;
      this.code.push(bytes);
      this.codeIndex.set(key, i);
    }
    return i;
  }

  private expr(e: LExpr, w: ByteWriter): void {
    switch (e.k) {
      case 'lit': {
        const v = e.value;
        if (v.kind === 'boolean') w.u8(v.value ? OP.TRUE : OP.FALSE);
        else if (v.kind === 'null') w.u8(OP.NULL);
        else if (v.kind === 'number' && Number.isInteger(v.value) && Math.abs(v.value) < 2 ** 31 && !Object.is(v.value, -0)) w.u8(OP.INT).svarint(v.value);
        else w.u8(OP.CONST).varint(this.constant(this.literal(v)));
        return;
      }
      case 'customer':
        w.u8(OP.CUSTOMER);
        return;
      case 'ctx':
        if (e.source.kind === 'trigger') w.u8(OP.CTX).varint(this.str(e.name));
        else if (e.source.kind === 'event') w.u8(OP.EVENT).varint(this.str(e.name));
        else w.u8(OP.AWAITED).varint(this.block(e.source.block)).varint(this.str(e.name));
        return;
      case 'it':
        w.u8(OP.IT);
        return;
      case 'member':
        this.expr(e.object, w);
        w.u8(OP.GET).varint(this.str(e.name));
        return;
      case 'index':
        this.expr(e.object, w);
        this.expr(e.index, w);
        w.u8(OP.INDEX);
        return;
      case 'unary':
        this.expr(e.operand, w);
        w.u8(e.op === 'not' ? OP.NOT : OP.NEG);
        return;
      case 'binary': {
        this.expr(e.left, w);
        if (e.op === 'and' || e.op === 'or') {
          const right = new ByteWriter();
          this.expr(e.right, right);
          const bytes = right.finish();
          w.u8(e.op === 'and' ? OP.AND : OP.OR).varint(bytes.length).bytes(bytes);
          return;
        }
        this.expr(e.right, w);
        w.u8(OP[BINARY_OPS[e.op]!]);
        return;
      }
      case 'list':
        for (const x of e.elements) this.expr(x, w);
        w.u8(OP.LIST).varint(e.elements.length);
        return;
      case 'builtin': {
        const f = BUILTIN_TABLE.findIndex((b) => b.name === e.name);
        if (f < 0) throw new EmitError(`builtin ${e.name} has no bytecode index`);
        for (const a of e.args) this.expr(a, w);
        w.u8(OP.CALL).varint(f).varint(e.args.length);
        return;
      }
      case 'method': {
        const m = METHOD_TABLE.findIndex((x) => x.name === e.name);
        if (m < 0) throw new EmitError(`customer method ${e.name} has no bytecode index`);
        for (const a of e.args) {
          if (a) this.expr(a, w);
          else w.u8(OP.NULL);
        }
        w.u8(OP.METHOD).varint(m).varint(e.args.length);
        return;
      }
      case 'helper': {
        if (!e.body) {
          if (e.name !== 'count') throw new EmitError(`${e.name}() needs a predicate`);
          this.expr(e.list, w);
          w.u8(OP.COUNT);
          return;
        }
        // The body first: a chunk may only refer to chunks before it.
        const c = this.chunk(e.body);
        this.expr(e.list, w);
        const op = e.name === 'any' ? OP.ANY : e.name === 'all' ? OP.ALL : e.name === 'count' ? OP.COUNT_IF : OP.SUM;
        w.u8(op).varint(c);
        return;
      }
    }
  }

  optionConst(v: OptionValue): number {
    if (typeof v === 'string') return this.str(v);
    if (typeof v === 'number') return this.constant({ tag: 'number', value: v });
    if (typeof v === 'boolean') return this.constant({ tag: v ? 'true' : 'false' });
    if (Array.isArray(v)) throw new EmitError('nested option lists are not supported');
    if ('percent' in v) return this.constant({ tag: 'percent', value: v.percent });
    return this.constant({ tag: 'duration', ms: v.durationMs });
  }

  options(spec: EventSpec): ProgramOption[] {
    return spec.options.map((o) => ({
      name: this.str(o.name),
      value: Array.isArray(o.value) ? { list: o.value.map((x) => this.optionConst(x)) } : { k: this.optionConst(o.value) },
    }));
  }

  keeps(keeps: KeepPath[]): ProgramKeep[] {
    return keeps.map((k) => ({ source: k.source === undefined ? null : this.block(k.source), path: this.str(k.path) }));
  }

  blockOf(b: GraphBlock): ProgramBlock {
    const id = this.str(b.id);
    switch (b.kind) {
      case 'steps':
        return {
          id,
          kind: 'steps',
          title: this.optStr(b.title),
          relevanceMs: b.relevanceMs,
          actions: b.actions.map((a): ProgramAction => {
            switch (a.kind) {
              case 'send':
                return { kind: 'send', channel: this.str(a.channel), template: this.str(a.template), params: a.params.map((p) => ({ key: this.str(p.key), value: this.chunk(p.value.expr) })) };
              case 'webhook':
                return { kind: 'webhook', method: this.str(a.method), url: this.str(a.url), body: a.body.map((p) => ({ key: this.str(p.key), value: this.chunk(p.value.expr) })) };
              case 'promo':
                return { kind: 'promo', pool: this.str(a.pool) };
              case 'points':
                return { kind: 'points', amount: this.chunk(a.amount.expr), account: this.str(a.account), expiresMs: a.expiresMs ?? null };
              case 'set':
                return { kind: 'set', field: this.str(a.field), value: this.chunk(a.value.expr) };
              case 'segment_add':
              case 'segment_remove':
                return { kind: a.kind, segment: this.str(a.segment) };
            }
          }),
          next: this.block(b.next),
        };
      case 'wait_fixed':
        return { id, kind: 'wait_fixed', durationMs: b.durationMs, keeps: this.keeps(b.keeps), next: this.block(b.next) };
      case 'wait_until':
        return { id, kind: 'wait_until', at: this.chunk(b.at.expr), otherwise: b.otherwise.kind === 'wait' ? { kind: 'wait', ms: b.otherwise.ms } : { kind: b.otherwise.kind }, keeps: this.keeps(b.keeps), next: this.block(b.next) };
      case 'wait_within':
        return {
          id,
          kind: 'wait_within',
          durationMs: b.durationMs,
          days: b.window.days.reduce((m, d) => m | (1 << d), 0),
          from: b.window.from,
          to: b.window.to,
          keeps: this.keeps(b.keeps),
          next: this.block(b.next),
        };
      case 'wait_event':
        return {
          id,
          kind: 'wait_event',
          event: this.str(b.event.event),
          options: this.options(b.event),
          where: b.where ? this.chunk(b.where.expr) : null,
          timeoutMs: b.timeoutMs,
          keeps: this.keeps(b.keeps),
          onEvent: this.block(b.onEvent),
          onTimeout: this.block(b.onTimeout),
        };
      case 'if':
        return { id, kind: 'if', branches: b.branches.map((br) => ({ cond: this.chunk(br.condition.expr), next: this.block(br.next) })), else: this.block(b.else), hasElse: b.hasElse };
      case 'split':
        return {
          id,
          kind: 'split',
          variants: b.variants.map((v) => ({ name: this.str(v.name), title: this.optStr(v.title), percent: this.constant({ tag: 'number', value: v.percent }), next: this.block(v.next) })),
          controlNext: this.block(b.control.next),
        };
      case 'parallel':
        return { id, kind: 'parallel', branches: b.branches.map((br) => ({ label: this.optStr(br.label), next: this.block(br.next) })), join: this.block(b.join) };
      case 'join':
        return { id, kind: 'join', parallel: this.block(b.parallel), keeps: this.keeps(b.keeps), next: this.block(b.next) };
      case 'limit':
        return { id, kind: 'limit', budget: this.optStr(b.budget), count: b.count, period: b.period, next: this.block(b.next), else: this.block(b.else), hasElse: b.hasElse };
      case 'stop':
        return { id, kind: 'stop' };
      case 'end':
        return { id, kind: 'end' };
    }
  }
}

/** Builds the program of a flow graph. */
export function emitProgram(graph: FlowGraph, compilerVersion = COMPILER_VERSION): Program {
  const em = new Emitter(graph);
  const s = graph.settings;
  const flowId = em.str(graph.id);
  const title = em.optStr(graph.title);
  const timezone = em.str(s.timezone);
  const brand = em.optStr(s.brand);
  const segment = em.optStr(s.segment);
  const exits = s.exits.map((x) => ({ event: em.str(x.event), options: em.options(x), where: x.where ? em.chunk(x.where.expr) : null }));
  const triggers = graph.triggers.map((t): ProgramTrigger => {
    if (t.kind === 'event') return { kind: 'event', event: em.str(t.event), options: em.options(t), when: t.when ? em.chunk(t.when.expr) : null };
    const every = t.intervalMs !== undefined ? { intervalMs: t.intervalMs } : t.monthDays ? { monthDays: t.monthDays } : { weekdays: (t.weekdays ?? []).reduce((m, d) => m | (1 << d), 0) };
    return { kind: 'schedule', every, times: t.times, segment: em.optStr(t.segment) };
  });
  const blocks = graph.blocks.map((b) => em.blockOf(b));
  return {
    compilerVersion,
    constants: em.constants,
    code: em.code,
    flow: {
      id: flowId,
      title,
      entry: { mode: s.entry.mode, periodMs: s.entry.periodMs ?? 0 },
      relevanceMs: s.relevanceMs,
      activeFrom: s.active.from ?? null,
      activeUntil: s.active.until ?? null,
      timezone,
      brand,
      segment,
      entryBlock: em.block(graph.entry),
      exits,
    },
    triggers,
    blocks,
  };
}
