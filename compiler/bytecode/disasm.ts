/**
 * The disassembler: a verified program printed for people (and golden tests). Stable: the same
 * bytes always print the same text. Each code chunk is listed instruction by instruction, with its
 * offset in the chunk, and with the expression it computes as a comment.
 */
import { ByteReader } from './bytes.js';
import { BUILTIN_TABLE, HEADER_SIZE, METHOD_TABLE, OP_NAMES, OPERANDS, type OpName } from './format.js';
import type { Constant, ProgramAction, ProgramBlock, ProgramKeep, ProgramOption, VerifiedProgram } from './program.js';
import { formatMinutes, WEEKDAY_NAMES } from '../time.js';

/** Longest reconstructed expression shown; longer ones are named by their chunk. */
const MAX_TEXT = 300;

export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let out = '';
  for (const [u, size] of units) {
    if (ms >= size) {
      out += `${Math.floor(ms / size)}${u}`;
      ms %= size;
    }
  }
  return out;
}

export function constantText(c: Constant): string {
  switch (c.tag) {
    case 'string':
      return JSON.stringify(c.value);
    case 'number':
      return String(c.value);
    case 'true':
    case 'false':
    case 'null':
      return c.tag;
    case 'duration':
      return durationText(c.ms);
    case 'date':
    case 'datetime':
      return c.raw;
    case 'time':
      return formatMinutes(c.minutes);
    case 'percent':
      return `${c.value}%`;
  }
}

interface Instr {
  at: number;
  name: OpName;
  operands: number[];
  size: number;
}

function decodeChunk(bytes: Uint8Array): Instr[] {
  const r = new ByteReader(bytes);
  const out: Instr[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    const name = OP_NAMES[r.u8()]!;
    const operands = OPERANDS[name].map((k) => (k === 'sv' ? r.svarint() : r.varint()));
    out.push({ at, name, operands, size: r.pos - at });
  }
  return out;
}

const INFIX: Partial<Record<OpName, string>> = {
  EQ: '==',
  NE: '!=',
  LT: '<',
  LE: '<=',
  GT: '>',
  GE: '>=',
  IN: 'in',
  NOT_IN: 'not in',
  ADD: '+',
  SUB: '-',
  MUL: '*',
  DIV: '/',
};

class Printer {
  private readonly texts = new Map<number, string>();
  constructor(private readonly p: VerifiedProgram) {}

  k(i: number): string {
    return constantText(this.p.constants[i]!);
  }

  /** A string constant without quotes (ids, names). */
  name(i: number | null): string {
    if (i === null) return '';
    const c = this.p.constants[i]!;
    return c.tag === 'string' ? c.value : constantText(c);
  }

  block(i: number): string {
    return `@${i} ${this.name(this.p.blocks[i]!.id)}`;
  }

  /** The expression a chunk computes, as text. */
  exprText(chunk: number): string {
    const cached = this.texts.get(chunk);
    if (cached !== undefined) return cached;
    // Readable source for real flows; for verified-but-hostile code (helper bodies used many times,
    // ten thousand nested `and`s) the chunk's name instead, so output stays small and nothing throws.
    this.texts.set(chunk, `code#${chunk}`);
    let text: string;
    try {
      const instrs = decodeChunk(this.p.code[chunk]!);
      text = this.range(instrs, 0, this.p.code[chunk]!.length);
    } catch {
      text = `code#${chunk}`;
    }
    if (text.length > MAX_TEXT) text = `code#${chunk}`;
    this.texts.set(chunk, text);
    return text;
  }

  /** Decompiles the instructions in [from, to) (chunk offsets) to one expression. */
  private range(instrs: Instr[], from: number, to: number): string {
    return this.items(instrs, from, to).map((x) => x.t).join(' ; ') || '?';
  }

  private items(instrs: Instr[], from: number, to: number): Array<{ t: string; atom: boolean }> {
    type Item = { t: string; atom: boolean };
    const stack: Item[] = [];
    const atom = (t: string): Item => ({ t, atom: true });
    const compound = (t: string): Item => ({ t, atom: false });
    const pop = (): Item => stack.pop() ?? atom('?');
    const wrap = (x: Item): string => (x.atom ? x.t : `(${x.t})`);
    const popN = (n: number): string[] => stack.splice(Math.max(0, stack.length - n), n).map((x) => x.t);
    let i = instrs.findIndex((x) => x.at === from);
    if (i < 0) return [atom('?')];
    while (i < instrs.length && instrs[i]!.at < to) {
      const x = instrs[i]!;
      const [a = 0, b = 0] = x.operands;
      switch (x.name) {
        case 'CONST':
          stack.push(atom(this.k(a)));
          break;
        case 'INT':
          stack.push(a < 0 ? compound(String(a)) : atom(String(a)));
          break;
        case 'TRUE':
        case 'FALSE':
        case 'NULL':
          stack.push(atom(x.name.toLowerCase()));
          break;
        case 'CUSTOMER':
          stack.push(atom('customer'));
          break;
        case 'CTX':
          stack.push(atom(this.name(a)));
          break;
        case 'EVENT':
          stack.push(atom(`(event).${this.name(a)}`));
          break;
        case 'AWAITED':
          stack.push(atom(`(${this.name(this.p.blocks[a]?.id ?? null)}).${this.name(b)}`));
          break;
        case 'IT':
          stack.push(atom('it'));
          break;
        case 'GET':
          stack.push(atom(`${wrap(pop())}.${this.name(a)}`));
          break;
        case 'INDEX': {
          const idx = pop();
          stack.push(atom(`${wrap(pop())}[${idx.t}]`));
          break;
        }
        case 'NEG':
          stack.push(compound(`-${wrap(pop())}`));
          break;
        case 'NOT':
          stack.push(compound(`not ${wrap(pop())}`));
          break;
        case 'AND':
        case 'OR': {
          const left = pop();
          const end = x.at + x.size + a;
          const right = this.items(instrs, x.at + x.size, end);
          const r = right.length === 1 ? right[0]! : atom('?');
          stack.push(compound(`${wrap(left)} ${x.name.toLowerCase()} ${wrap(r)}`));
          i = instrs.findIndex((y) => y.at >= end);
          if (i < 0) i = instrs.length;
          continue;
        }
        case 'LIST':
          stack.push(atom(`[${popN(a).join(', ')}]`));
          break;
        case 'CALL':
          stack.push(atom(`${BUILTIN_TABLE[a]?.name ?? '?'}(${popN(b).join(', ')})`));
          break;
        case 'METHOD': {
          const params = METHOD_TABLE[a]?.params ?? [];
          const shown = popN(b)
            .map((v, j) => (j === 0 ? v : v === 'null' ? '' : `${params[j]}: ${v}`))
            .filter((v) => v !== '');
          stack.push(atom(`customer.${METHOD_TABLE[a]?.name ?? '?'}(${shown.join(', ')})`));
          break;
        }
        case 'COUNT':
          stack.push(atom(`count(${pop().t})`));
          break;
        case 'ANY':
        case 'ALL':
        case 'COUNT_IF':
        case 'SUM': {
          const fn = x.name === 'COUNT_IF' ? 'count' : x.name.toLowerCase();
          stack.push(atom(`${fn}(${pop().t}, ${this.exprText(a)})`));
          break;
        }
        default: {
          const right = pop();
          const left = pop();
          stack.push(compound(`${wrap(left)} ${INFIX[x.name]} ${wrap(right)}`));
        }
      }
      i++;
    }
    return stack;
  }

  options(opts: ProgramOption[]): string {
    if (opts.length === 0) return '';
    return `(${opts.map((o) => `${this.name(o.name)}: ${'k' in o.value ? this.k(o.value.k) : `[${o.value.list.map((k) => this.k(k)).join(', ')}]`}`).join(', ')})`;
  }

  code(c: number | null): string {
    return c === null ? '' : `code#${c}`;
  }

  keeps(ks: ProgramKeep[]): string {
    if (ks.length === 0) return '(nothing)';
    return ks.map((k) => (k.source === null ? '' : `${this.name(this.p.blocks[k.source]!.id)}:`) + this.name(k.path)).join(', ');
  }

  action(a: ProgramAction): string {
    const pairs = (ps: Array<{ key: number; value: number }>) => (ps.length ? ` { ${ps.map((x) => `${this.name(x.key)}: code#${x.value}`).join(', ')} }` : '');
    switch (a.kind) {
      case 'send':
        return `send ${this.name(a.channel)} ${this.k(a.template)}${pairs(a.params)}`;
      case 'webhook':
        return `webhook ${this.name(a.method)} ${this.k(a.url)}${pairs(a.body)}`;
      case 'promo':
        return `promo ${this.k(a.pool)}`;
      case 'points':
        return `points code#${a.amount} to ${this.k(a.account)}${a.expiresMs !== null ? ` expires in ${durationText(a.expiresMs)}` : ''}`;
      case 'set':
        return `set ${this.name(a.field)} = code#${a.value}`;
      case 'segment_add':
      case 'segment_remove':
        return `${a.kind} ${this.k(a.segment)}`;
    }
  }

  days(mask: number): string {
    const days = WEEKDAY_NAMES.filter((_, i) => mask & (1 << i));
    return days.length === 7 ? 'day' : days.join(',');
  }

  blockLines(b: ProgramBlock, i: number): string[] {
    const head = `  @${i} ${this.name(b.id)}  ${b.kind}`;
    const to = (n: number) => `-> ${this.block(n)}`;
    switch (b.kind) {
      case 'steps':
        return [
          `${head}${b.title !== null ? ` ${this.k(b.title)}` : ''} relevance ${durationText(b.relevanceMs)}`,
          ...b.actions.map((a) => `      ${this.action(a)}`),
          `      ${to(b.next)}`,
        ];
      case 'wait_fixed':
        return [`${head} ${durationText(b.durationMs)}`, `      keeps ${this.keeps(b.keeps)}`, `      ${to(b.next)}`];
      case 'wait_until':
        return [
          `${head} code#${b.at}${b.otherwise.kind === 'none' ? '' : b.otherwise.kind === 'stop' ? ' otherwise stop' : ` otherwise wait ${durationText(b.otherwise.ms)}`}`,
          `      keeps ${this.keeps(b.keeps)}`,
          `      ${to(b.next)}`,
        ];
      case 'wait_within':
        return [
          `${head}${b.durationMs ? ` ${durationText(b.durationMs)}` : ''} within ${b.days === 127 ? '' : `${this.days(b.days)} `}${formatMinutes(b.from)}..${formatMinutes(b.to)}`,
          `      keeps ${this.keeps(b.keeps)}`,
          `      ${to(b.next)}`,
        ];
      case 'wait_event':
        return [
          `${head} for ${this.name(b.event)}${this.options(b.options)}${b.where !== null ? ` where code#${b.where}` : ''} up to ${durationText(b.timeoutMs)}`,
          `      keeps ${this.keeps(b.keeps)}`,
          `      event   ${to(b.onEvent)}`,
          `      timeout ${to(b.onTimeout)}`,
        ];
      case 'if':
        return [head, ...b.branches.map((br) => `      code#${br.cond} ${to(br.next)}`), `      ${b.hasElse ? 'else' : 'no match'} ${to(b.else)}`];
      case 'split': {
        const total = b.variants.reduce((s, v) => s + (this.p.constants[v.percent] as { value: number }).value, 0);
        return [
          head,
          ...b.variants.map((v) => `      ${this.k(v.percent)}% ${this.name(v.name)}${v.title !== null ? ` ${this.k(v.title)}` : ''} ${to(v.next)}`),
          `      ${Math.round((100 - total) * 1e9) / 1e9}% control ${to(b.controlNext)}`,
        ];
      }
      case 'parallel':
        return [head, ...b.branches.map((br) => `      branch${br.label !== null ? ` ${this.name(br.label)}` : ''} ${to(br.next)}`), `      join ${to(b.join)}`];
      case 'join':
        return [`${head} of ${this.block(b.parallel)}`, `      keeps ${this.keeps(b.keeps)}`, `      ${to(b.next)}`];
      case 'limit': {
        const period = 'unit' in b.period ? b.period.unit : durationText(b.period.ms);
        return [
          `${head} ${b.budget !== null ? `budget ${this.k(b.budget)} (${b.count} per ${period})` : `${b.count} per ${period}`}`,
          `      within ${to(b.next)}`,
          `      ${b.hasElse ? 'else' : 'over'} ${to(b.else)}`,
        ];
      }
      case 'stop':
      case 'end':
        return [head];
    }
  }

  chunkLines(c: number): string[] {
    const bytes = this.p.code[c]!;
    const info = this.p.codeInfo[c]!;
    const lines = [`  code#${c}  at ${info.offset}, ${bytes.length} bytes, max stack ${info.maxStack}${info.usesIt ? ', reads it' : ''}  ; ${this.exprText(c)}`];
    for (const x of decodeChunk(bytes)) {
      const ops = OPERANDS[x.name];
      const parts = x.operands.map((v, j) => {
        switch (ops[j]) {
          case 'k':
            return `#${v} ${this.k(v)}`;
          case 'b':
            return this.block(v);
          case 'c':
            return `code#${v}`;
          case 'off':
            return `+${v} (-> ${String(x.at + x.size + v).padStart(4, '0')})`;
          case 'f':
            return BUILTIN_TABLE[v]!.name;
          case 'm':
            return `customer.${METHOD_TABLE[v]!.name}`;
          default:
            return String(v);
        }
      });
      lines.push(`    ${String(x.at).padStart(4, '0')}  ${x.name.padEnd(9)}${parts.join(' ')}`.trimEnd());
    }
    return lines;
  }
}

/** The disassembly of a verified program. */
export function disassemble(p: VerifiedProgram, byteLength?: number): string {
  const pr = new Printer(p);
  const f = p.flow;
  const lines: string[] = [];
  lines.push('runnel flow bytecode');
  lines.push(`  format    ${p.formatVersion}`);
  lines.push(`  compiler  ${p.compilerVersion}`);
  if (byteLength !== undefined) lines.push(`  size      ${byteLength} bytes (header ${HEADER_SIZE})`);
  lines.push(`  hash      ${p.hash}`);
  lines.push('');
  lines.push(`flow ${pr.name(f.id)}${f.title !== null ? ` ${pr.k(f.title)}` : ''}`);
  lines.push(`  entry      ${f.entry.mode}${f.entry.mode === 'every' ? ` ${durationText(f.entry.periodMs)}` : ''}`);
  lines.push(`  relevance  ${durationText(f.relevanceMs)}`);
  const iso = (ms: number) => new Date(ms).toISOString();
  lines.push(
    `  active     ${f.activeFrom === null && f.activeUntil === null ? 'always' : [f.activeFrom !== null ? `from ${iso(f.activeFrom)}` : '', f.activeUntil !== null ? `until ${iso(f.activeUntil)}` : ''].filter(Boolean).join(' ')}`,
  );
  lines.push(`  timezone   ${pr.k(f.timezone)}`);
  lines.push(`  brand      ${f.brand !== null ? pr.k(f.brand) : 'all'}`);
  lines.push(`  segment    ${f.segment !== null ? pr.k(f.segment) : 'all customers'}`);
  lines.push(`  start      ${pr.block(f.entryBlock)}`);
  for (const x of f.exits) lines.push(`  exit on    ${pr.name(x.event)}${pr.options(x.options)}${x.where !== null ? ` where code#${x.where}` : ''}`);
  lines.push('');
  lines.push(`triggers (${p.triggers.length})`);
  for (const t of p.triggers) {
    if (t.kind === 'event') lines.push(`  on ${pr.name(t.event)}${pr.options(t.options)}${t.when !== null ? ` when code#${t.when}` : ''}`);
    else {
      const every = 'intervalMs' in t.every ? durationText(t.every.intervalMs) : 'weekdays' in t.every ? pr.days(t.every.weekdays) : `month on ${t.every.monthDays.map((d) => (d === 0 ? 'last' : String(d))).join(', ')}`;
      lines.push(`  every ${every}${t.times.length ? ` at ${t.times.map(formatMinutes).join(', ')}` : ''}${t.segment !== null ? ` for segment ${pr.k(t.segment)}` : ''}`);
    }
  }
  lines.push('');
  lines.push(`blocks (${p.blocks.length})`);
  p.blocks.forEach((b, i) => lines.push(...pr.blockLines(b, i)));
  lines.push('');
  lines.push(`code (${p.code.length})`);
  p.code.forEach((_, c) => lines.push(...pr.chunkLines(c)));
  lines.push('');
  lines.push(`constants (${p.constants.length})`);
  p.constants.forEach((c, i) => lines.push(`  #${String(i).padEnd(4)} ${c.tag.padEnd(9)}${constantText(c)}`));
  return lines.join('\n') + '\n';
}
