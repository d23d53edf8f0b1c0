/**
 * The expression VM: runs one code chunk of a flow program (docs/bytecode.md, "Expression code")
 * against an instance's data and gives its value. Conditions (`if`, `when`, `where`), `wait until`
 * moments, action parameters and point amounts are all chunks.
 *
 * It runs the program as the verifier decoded it (compiler/bytecode/verify.ts), never source. Each
 * chunk is decoded once into instruction arrays (cached per program); constants are turned into
 * runtime values once per time zone. Evaluation is bounded: a step budget per call (every
 * instruction, list element and compared element costs a step) and a nesting limit for the
 * collection helpers, so even bytecode that never went through the verifier cannot loop or run
 * away. Everything that goes wrong is an EvalError naming the chunk and the byte offset; bad
 * *data* (a field of the wrong kind) is not an error, it behaves like a missing value.
 */
import { ByteReader } from '../../compiler/bytecode/bytes.js';
import { BUILTIN_TABLE, METHOD_TABLE, OP, OP_NAMES, OPERANDS } from '../../compiler/bytecode/format.js';
import type { Constant, Program } from '../../compiler/bytecode/program.js';
import { BUILTINS, METHODS, type Builtin, type BuiltinContext, type Method } from './builtins.js';
import { customerView } from './customer.js';
import { add, compare, div, equals, member, mul, neg, sub } from './ops.js';
import { DateTime, DateValue, Duration, Percent, TimeOfDay, field, norm, parseTemporal, toEpoch, toJson, type Json, type Value, type ValueObject } from './values.js';

/** Instructions (and elements) one evaluation may take. */
export const DEFAULT_BUDGET = 100_000;
/** How deeply collection helpers may run inside each other (the verifier allows 32). */
export const MAX_HELPER_DEPTH = 64;

/** What an expression can read. Every part but `now` is optional: what is absent is missing. */
export interface EvalEnv {
  /** The virtual clock: epoch ms (`now()`, `today()`). */
  now: number;
  /** The time zone for dates, `today()` and date parts; default: the flow's (program.flow.timezone). */
  zone?: string;
  /** The customer profile (contracts.md), as JSON. */
  customer?: unknown;
  /** The triggering event's context values by name (`order`, `item`...), or what a wait kept of them (CTX). */
  contexts?: Readonly<Record<string, unknown>>;
  /** The event being matched now, by context name: an `exit on ... where`, a `wait for ... where` (EVENT). */
  event?: Readonly<Record<string, unknown>>;
  /** What each `wait for` block received, by block id, then context name (AWAITED). */
  awaited?: Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
  /** The brand `customer.subscription()` uses without `brand:`; default: the flow's brand (null: any brand). */
  brand?: string | null;
  /** Step budget for this evaluation; default DEFAULT_BUDGET. */
  budget?: number;
}

/** Why an evaluation failed, and where: the chunk, the byte offset of the instruction in it, and in the file when known. */
export class EvalError extends Error {
  override readonly name = 'EvalError';
  constructor(
    readonly chunk: number,
    /** Byte offset of the failing instruction within the chunk. */
    readonly offset: number,
    readonly reason: string,
    /** Byte offset in the .flowb file (a verified program knows where its chunks are). */
    readonly fileOffset?: number,
  ) {
    super(`code#${chunk} at ${offset}${fileOffset !== undefined ? ` (file offset ${fileOffset})` : ''}: ${reason}`);
  }
}

// ---------- decoding ----------

/** A chunk decoded to parallel arrays, one entry per instruction. */
interface Decoded {
  readonly count: number;
  readonly op: Uint8Array;
  /** First operand: k, n, f, m, c, or (AND/OR) the instruction index jumped to. */
  readonly a: Int32Array;
  /** Second operand: CALL / METHOD argument count. */
  readonly b: Int32Array;
  /** INT: the value. */
  readonly num: Float64Array;
  /** Byte offset of each instruction (and, at [count], the chunk's length). */
  readonly at: Uint32Array;
  /** How many values each instruction takes from the stack. */
  readonly pops: Int32Array;
  /** GET field, CTX / EVENT / AWAITED context name. */
  readonly name: Array<string | undefined>;
  /** AWAITED: the block id. */
  readonly block: Array<string | undefined>;
  readonly builtin: Array<Builtin | undefined>;
  readonly method: Array<Method | undefined>;
}

/** Operands are indexes and counts; anything larger cannot be valid. */
const MAX_OPERAND = 0x7fff_ffff;

const BUILTIN_IMPLS: ReadonlyArray<Builtin | undefined> = BUILTIN_TABLE.map((b) => BUILTINS[b.name]);
const METHOD_IMPLS: ReadonlyArray<Method | undefined> = METHOD_TABLE.map((m) => METHODS[m.name]);

class Prepared {
  /** A machine ready for the next evaluation. */
  spare: Machine | undefined = undefined;
  private readonly decoded: Array<Decoded | EvalError | undefined>;
  private readonly constantsByZone = new Map<string, Value[]>();
  readonly zone: string;
  readonly brand: string | null;
  private readonly codeOffsets: ReadonlyArray<number> | undefined;

  constructor(readonly program: Program) {
    this.decoded = new Array(program.code.length);
    this.zone = this.text(program.flow?.timezone) ?? 'UTC';
    this.brand = program.flow?.brand === null || program.flow?.brand === undefined ? null : (this.text(program.flow.brand) ?? null);
    const info = (program as { codeInfo?: Array<{ offset: number }> }).codeInfo;
    this.codeOffsets = Array.isArray(info) ? info.map((x) => x.offset) : undefined;
  }

  text(k: number | undefined): string | undefined {
    if (k === undefined) return undefined;
    const c = this.program.constants[k];
    return c?.tag === 'string' ? c.value : undefined;
  }

  error(chunk: number, offset: number, reason: string): EvalError {
    const base = this.codeOffsets?.[chunk];
    return new EvalError(chunk, offset, reason, base === undefined ? undefined : base + offset);
  }

  constants(zone: string): Value[] {
    let values = this.constantsByZone.get(zone);
    if (!values) {
      values = this.program.constants.map((c) => constantValue(c, zone));
      this.constantsByZone.set(zone, values);
    }
    return values;
  }

  chunk(index: number): Decoded {
    let d = this.decoded[index];
    if (d === undefined) {
      const bytes = this.program.code[index];
      d = bytes ? this.decode(index, bytes) : this.error(index, 0, `no code chunk #${index} (${this.program.code.length} chunks)`);
      this.decoded[index] = d;
    }
    if (d instanceof EvalError) throw d;
    return d;
  }

  private decode(index: number, bytes: Uint8Array): Decoded | EvalError {
    const r = new ByteReader(bytes);
    const ops: number[] = [];
    const as: number[] = [];
    const bs: number[] = [];
    const ats: number[] = [];
    const pops: number[] = [];
    const nums: number[] = [];
    const names: Array<string | undefined> = [];
    const blocks: Array<string | undefined> = [];
    const builtins: Array<Builtin | undefined> = [];
    const methods: Array<Method | undefined> = [];
    const jumps: Array<{ instr: number; target: number }> = [];
    const nConst = this.program.constants.length;
    let at = 0;
    try {
      while (!r.atEnd) {
        at = r.pos;
        const op = r.u8();
        const name = OP_NAMES[op];
        if (!name) return this.error(index, at, `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
        const operands = OPERANDS[name].map((kind) => (kind === 'sv' ? r.svarint() : r.varint()));
        const [a = 0, b = 0] = operands;
        if (op !== OP.INT && (a > MAX_OPERAND || b > MAX_OPERAND)) return this.error(index, at, `${name} operand ${Math.max(a, b)} is out of range`);
        let nm: string | undefined;
        let blk: string | undefined;
        let fn: Builtin | undefined;
        let mt: Method | undefined;
        switch (op) {
          case OP.CONST:
            if (a >= nConst) return this.error(index, at, `CONST #${a} is out of range (${nConst} constants)`);
            break;
          case OP.GET:
          case OP.CTX:
          case OP.EVENT:
            nm = this.text(a);
            if (nm === undefined) return this.error(index, at, `${name} needs a string constant, not #${a}`);
            break;
          case OP.AWAITED: {
            const block = this.program.blocks[a];
            blk = block ? this.text(block.id) : undefined;
            nm = this.text(b);
            if (blk === undefined || nm === undefined) return this.error(index, at, `AWAITED needs a block and a context name, not @${a} #${b}`);
            break;
          }
          case OP.AND:
          case OP.OR:
            jumps.push({ instr: ops.length, target: r.pos + a });
            break;
          case OP.CALL:
            fn = BUILTIN_IMPLS[a];
            if (!fn || BUILTIN_TABLE[a]!.arity !== b) return this.error(index, at, `CALL of builtin #${a} with ${b} arguments`);
            break;
          case OP.METHOD: {
            const def = METHOD_TABLE[a];
            mt = METHOD_IMPLS[a];
            if (!def || !mt || b < def.minArgs || b > def.maxArgs) return this.error(index, at, `METHOD #${a} with ${b} arguments`);
            break;
          }
          case OP.ANY:
          case OP.ALL:
          case OP.COUNT_IF:
          case OP.SUM:
            if (a >= this.program.code.length) return this.error(index, at, `${name} of code#${a}, which does not exist`);
            break;
        }
        ops.push(op);
        pops.push(popsOf(op, a, b));
        nums.push(op === OP.INT ? a : 0);
        as.push(op === OP.INT ? 0 : a);
        bs.push(b);
        ats.push(at);
        names.push(nm);
        blocks.push(blk);
        builtins.push(fn);
        methods.push(mt);
      }
    } catch {
      return this.error(index, at, 'truncated or malformed instruction');
    }
    ats.push(bytes.length);
    const a = Int32Array.from(as);
    // Byte offset → instruction index, filled once: looking each jump target up in `ats` would
    // make decoding quadratic in the number of jumps (a hostile chunk of 80k `and`s took seconds).
    const indexAt = new Int32Array(bytes.length + 1).fill(-1);
    for (let i = 0; i < ats.length; i++) indexAt[ats[i]!] = i;
    for (const j of jumps) {
      const target = j.target >= 0 && j.target <= bytes.length ? indexAt[j.target]! : -1;
      if (target < 0) return this.error(index, ats[j.instr]!, `jump to byte ${j.target}, which is not an instruction boundary of the chunk`);
      a[j.instr] = target;
    }
    return {
      count: ops.length,
      op: Uint8Array.from(ops),
      a,
      b: Int32Array.from(bs),
      num: Float64Array.from(nums),
      at: Uint32Array.from(ats),
      pops: Int32Array.from(pops),
      name: names,
      block: blocks,
      builtin: builtins,
      method: methods,
    };
  }
}

/** How many values an instruction takes from the stack. */
function popsOf(op: number, a: number, b: number): number {
  switch (op) {
    case OP.GET:
    case OP.NEG:
    case OP.NOT:
    case OP.AND:
    case OP.OR:
    case OP.COUNT:
    case OP.ANY:
    case OP.ALL:
    case OP.COUNT_IF:
    case OP.SUM:
      return 1;
    case OP.INDEX:
    case OP.EQ:
    case OP.NE:
    case OP.LT:
    case OP.LE:
    case OP.GT:
    case OP.GE:
    case OP.IN:
    case OP.NOT_IN:
    case OP.ADD:
    case OP.SUB:
    case OP.MUL:
    case OP.DIV:
      return 2;
    case OP.LIST:
      return a;
    case OP.CALL:
    case OP.METHOD:
      return b;
    default:
      return 0;
  }
}

/** A constant as a runtime value; a date-time without an offset is read in `zone`. */
function constantValue(c: Constant, zone: string): Value {
  switch (c.tag) {
    case 'string':
      return c.value;
    case 'number':
      return Number.isFinite(c.value) ? c.value : null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'duration':
      return new Duration(c.ms);
    case 'date':
    case 'datetime': {
      const t = parseTemporal(c.raw, zone);
      return c.tag === 'date' ? (t instanceof DateValue ? t : null) : t instanceof DateTime ? t : null;
    }
    case 'time':
      return new TimeOfDay(c.minutes);
    case 'percent':
      return new Percent(c.value);
    default:
      return null;
  }
}

const IDLE_ENV: EvalEnv = { now: 0 };
const prepared = new WeakMap<Program, Prepared>();

function prepare(program: Program): Prepared {
  let p = prepared.get(program);
  if (!p) {
    p = new Prepared(program);
    prepared.set(program, p);
  }
  return p;
}

/**
 * Decodes every chunk of a program now (evaluation otherwise does it on first use) and returns the
 * chunks that cannot run, as EvalErrors: none for a program the verifier accepted.
 */
export function prepareProgram(program: Program): EvalError[] {
  const p = prepare(program);
  const errors: EvalError[] = [];
  for (let i = 0; i < program.code.length; i++) {
    try {
      p.chunk(i);
    } catch (e) {
      if (e instanceof EvalError) errors.push(e);
      else throw e;
    }
  }
  return errors;
}

// ---------- running ----------

/**
 * One evaluation's state. Machines are reused (one spare per program) to spare the allocations:
 * `reset` sets everything an evaluation reads.
 */
class Machine implements BuiltinContext {
  private readonly stack: Value[] = [];
  private readonly its: Value[] = [];
  /** Steps taken; an object so that the operators can charge compared elements. */
  private readonly used = { n: 0 };
  private view: ValueObject | undefined = undefined;
  zone = 'UTC';
  now = 0;
  brand: string | null = null;
  private env: EvalEnv = { now: 0 };
  private consts: Value[] = [];
  private budget = DEFAULT_BUDGET;
  private lastZone: string | undefined = undefined;

  constructor(private readonly p: Prepared) {}

  reset(env: EvalEnv): this {
    const zone = env.zone ?? this.p.zone;
    if (zone !== this.lastZone) {
      this.consts = this.p.constants(zone);
      this.lastZone = zone;
    }
    this.env = env;
    this.zone = zone;
    this.now = env.now;
    this.brand = env.brand !== undefined ? env.brand : this.p.brand;
    this.budget = typeof env.budget === 'number' && env.budget >= 0 ? env.budget : DEFAULT_BUDGET; // NaN too
    this.view = undefined;
    this.used.n = 0;
    // Empty after every evaluation that finished; only a failed one leaves values behind.
    if (this.stack.length !== 0) this.stack.length = 0;
    if (this.its.length !== 0) this.its.length = 0;
    return this;
  }

  /** Forgets the environment (so a spare machine keeps no payload alive). */
  release(): void {
    this.env = IDLE_ENV;
    this.view = undefined;
    if (this.stack.length !== 0) this.stack.length = 0;
    if (this.its.length !== 0) this.its.length = 0;
  }

  customer(): ValueObject {
    return (this.view ??= customerView(this.env.customer ?? null));
  }

  private context(map: Readonly<Record<string, unknown>> | undefined, name: string): Value {
    return map === undefined || map === null ? null : field(map as ValueObject, name);
  }

  private exhausted(ci: number, d: Decoded, pc: number): EvalError {
    return this.p.error(ci, d.at[pc]!, `step budget of ${this.budget} exhausted`);
  }

  /**
   * Runs chunk `ci` on the shared stack and returns its one value. The case labels are the opcode
   * numbers of format.ts written out, so that the switch is a jump table (the table test checks
   * that every opcode runs).
   */
  run(ci: number): Value {
    const d = this.p.chunk(ci);
    const st = this.stack;
    const its = this.its;
    const used = this.used;
    const budget = this.budget;
    const zone = this.zone;
    const base = st.length;
    const { op, a, pops } = d;
    let pc = 0;
    try {
      while (pc < d.count) {
        if (++used.n > budget) throw this.exhausted(ci, d, pc);
        if (st.length - base < pops[pc]!) {
          const have = st.length - base;
          throw this.p.error(ci, d.at[pc]!, `stack underflow: ${OP_NAMES[op[pc]!]} needs ${pops[pc]} value${pops[pc] === 1 ? '' : 's'}, the stack holds ${have}`);
        }
        switch (op[pc]) {
          case 0x01: // CONST
            st.push(this.consts[a[pc]!]!);
            break;
          case 0x02: // INT
            st.push(d.num[pc]!);
            break;
          case 0x03: // TRUE
            st.push(true);
            break;
          case 0x04: // FALSE
            st.push(false);
            break;
          case 0x05: // NULL
            st.push(null);
            break;
          case 0x06: // CUSTOMER
            st.push(this.customer());
            break;
          case 0x07: // CTX
            st.push(this.context(this.env.contexts, d.name[pc]!));
            break;
          case 0x08: // EVENT
            st.push(this.context(this.env.event, d.name[pc]!));
            break;
          case 0x09: { // AWAITED
            const got = this.env.awaited;
            const blk = got && Object.prototype.hasOwnProperty.call(got, d.block[pc]!) ? got[d.block[pc]!] : undefined;
            st.push(this.context(blk ?? undefined, d.name[pc]!));
            break;
          }
          case 0x0a: // IT
            if (its.length === 0) throw this.p.error(ci, d.at[pc]!, '`it` outside a collection helper');
            st.push(its[its.length - 1]!);
            break;
          case 0x0b: // GET
            st.push(field(st.pop()!, d.name[pc]!));
            break;
          case 0x0c: { // INDEX
            const i = st.pop()!;
            st.push(index(st.pop()!, i));
            break;
          }
          case 0x0d: // NEG
            st.push(neg(st.pop()!));
            break;
          case 0x0e: // NOT
            st.push(st.pop() !== true);
            break;
          case 0x10: // EQ
          case 0x11: { // NE
            const r = st.pop()!;
            const l = st.pop()!;
            // The common case first: two numbers or two identical texts.
            const e = typeof l === 'number' && typeof r === 'number' ? l === r : l === r && typeof l === 'string' ? true : equals(l, r, zone, used);
            if (used.n > budget) throw this.exhausted(ci, d, pc);
            st.push(e === undefined ? false : op[pc] === 0x10 ? e : !e);
            break;
          }
          case 0x12: // LT
          case 0x13: // LE
          case 0x14: // GT
          case 0x15: { // GE
            const r = st.pop()!;
            const l = st.pop()!;
            const c = typeof l === 'number' && typeof r === 'number' ? l - r : compare(l, r, zone);
            const o = op[pc];
            st.push(c === undefined ? false : o === 0x12 ? c < 0 : o === 0x13 ? c <= 0 : o === 0x14 ? c > 0 : c >= 0);
            break;
          }
          case 0x16: // IN
          case 0x17: { // NOT_IN
            const r = st.pop()!;
            // A list costs its length, charged before it is searched.
            if (Array.isArray(r) && (used.n += r.length) > budget) throw this.exhausted(ci, d, pc);
            const m = member(st.pop()!, r, zone, used);
            if (used.n > budget) throw this.exhausted(ci, d, pc);
            st.push(m === undefined ? false : op[pc] === 0x16 ? m : !m);
            break;
          }
          case 0x18: { // ADD
            const r = st.pop()!;
            const l = st.pop()!;
            st.push(typeof l === 'number' && typeof r === 'number' ? finite(l + r) : add(l, r, zone));
            break;
          }
          case 0x19: { // SUB
            const r = st.pop()!;
            const l = st.pop()!;
            st.push(typeof l === 'number' && typeof r === 'number' ? finite(l - r) : sub(l, r, zone));
            break;
          }
          case 0x1a: { // MUL
            const r = st.pop()!;
            st.push(mul(st.pop()!, r));
            break;
          }
          case 0x1b: { // DIV
            const r = st.pop()!;
            st.push(div(st.pop()!, r));
            break;
          }
          case 0x20: // AND
            if (st.pop() !== true) {
              st.push(false);
              pc = a[pc]!;
              continue;
            }
            break;
          case 0x21: // OR
            if (st.pop() === true) {
              st.push(true);
              pc = a[pc]!;
              continue;
            }
            break;
          case 0x22: { // LIST
            const n = a[pc]!;
            if ((used.n += n) > budget) throw this.exhausted(ci, d, pc);
            st.push(st.splice(st.length - n, n));
            break;
          }
          case 0x23: { // CALL
            const n = d.b[pc]!;
            const y = n >= 2 ? st.pop()! : null;
            const x = n >= 1 ? st.pop()! : null;
            st.push(d.builtin[pc]!(this, x, y));
            break;
          }
          case 0x24: { // METHOD
            const n = d.b[pc]!;
            const z = n >= 3 ? st.pop()! : null;
            const y = n >= 2 ? st.pop()! : null;
            const x = n >= 1 ? st.pop()! : null;
            st.push(d.method[pc]!(this, x, y, z));
            break;
          }
          case 0x25: { // COUNT
            const l = st.pop();
            st.push(Array.isArray(l) ? l.length : 0);
            break;
          }
          case 0x28: // ANY
          case 0x29: // ALL
          case 0x2a: // COUNT_IF
          case 0x2b: // SUM
            st.push(this.helper(ci, d, pc, st.pop()!));
            break;
          default:
            throw this.p.error(ci, d.at[pc]!, `unknown opcode 0x${op[pc]!.toString(16)}`);
        }
        pc++;
      }
    } catch (e) {
      if (e instanceof EvalError) throw e;
      // Not expected (an Intl failure on a bad time zone, say): still an EvalError, never a crash.
      throw this.p.error(ci, d.at[Math.min(pc, d.count)]!, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (st.length - base !== 1) throw this.p.error(ci, d.at[d.count]!, `the chunk leaves ${st.length - base} values on the stack, not 1`);
    return st.pop()!;
  }

  /** any / all / count / sum (instruction pc of chunk ci): the body chunk once per element, `it` the element. A missing list (or not a list) is empty. */
  private helper(ci: number, d: Decoded, pc: number, list: Value): Value {
    const op = d.op[pc]!;
    const body = d.a[pc]!;
    const items = Array.isArray(list) ? list : EMPTY;
    const its = this.its;
    if (items.length > 0 && its.length >= MAX_HELPER_DEPTH) throw this.p.error(ci, d.at[pc]!, `collection helpers nest deeper than ${MAX_HELPER_DEPTH}`);
    let count = 0;
    let total = 0;
    for (let i = 0; i < items.length; i++) {
      if (++this.used.n > this.budget) throw this.exhausted(ci, d, pc);
      its.push(norm(items[i]));
      const v = this.run(body);
      its.pop();
      switch (op) {
        case 0x28: // ANY
          if (v === true) return true;
          break;
        case 0x29: // ALL
          if (v !== true) return false;
          break;
        case 0x2a: // COUNT_IF
          if (v === true) count++;
          break;
        default:
          // A summand that is missing (or not a number) adds nothing.
          if (typeof v === 'number') total += v;
      }
    }
    switch (op) {
      case 0x28: // ANY
        return false;
      case 0x29: // ALL
        return true;
      case 0x2a: // COUNT_IF
        return count;
      default:
        return Number.isFinite(total) ? total : null;
    }
  }
}

const EMPTY: readonly unknown[] = [];

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** `list[i]` (an integer from 0; missing out of range); also `object["field"]`. */
function index(o: Value, i: Value): Value {
  if (Array.isArray(o)) return typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < o.length ? norm(o[i]) : null;
  return typeof i === 'string' ? field(o, i) : null;
}

// ---------- entry points ----------

/**
 * Evaluates code chunk `chunk` of `program` (as verifyFlow returned it) and gives its value: a
 * runtime value (values.ts); null is missing. Throws EvalError, and nothing else, when the code
 * cannot run (bad bytecode, the step budget exhausted).
 */
export function evaluate(program: Program, chunk: number, env: EvalEnv): Value {
  const p = prepare(program);
  if (!Number.isInteger(chunk) || chunk < 0 || chunk >= program.code.length) throw p.error(chunk, 0, `no code chunk #${chunk} (${program.code.length} chunks)`);
  const m = p.spare ?? new Machine(p);
  p.spare = undefined; // in use (an evaluation inside an evaluation gets its own machine)
  try {
    return m.reset(env).run(chunk);
  } catch (e) {
    if (e instanceof EvalError) throw e;
    throw p.error(chunk, 0, `internal error: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    m.release();
    p.spare = m;
  }
}

/** A condition (`if`, `when`, `where`): holds only when the value is `true`; missing counts as false. */
export function evaluateCondition(program: Program, chunk: number, env: EvalEnv): boolean {
  return evaluate(program, chunk, env) === true;
}

/**
 * A `wait until` moment: epoch ms, or null when the value is missing (or not a date): the engine
 * then applies the block's `otherwise`. A date is midnight at its start in the flow's time zone.
 */
export function evaluateMoment(program: Program, chunk: number, env: EvalEnv): number | null {
  const v = evaluate(program, chunk, env);
  try {
    return toEpoch(v, env.zone ?? prepare(program).zone);
  } catch (e) {
    throw conversionError(program, chunk, e);
  }
}

/** An action parameter, webhook body value or field value, as JSON (values.ts toJson). */
export function evaluateJson(program: Program, chunk: number, env: EvalEnv): Json {
  const v = evaluate(program, chunk, env);
  try {
    return toJson(v);
  } catch (e) {
    throw conversionError(program, chunk, e);
  }
}

/**
 * Converting a result (an unknown time zone, data nested too deep) fails as an EvalError too.
 * (Written out in each caller, not passed a closure: one closure per action parameter showed in
 * allocation profiles of `node scripts/run-bench.mjs engine`.)
 */
function conversionError(program: Program, chunk: number, e: unknown): EvalError {
  if (e instanceof EvalError) return e;
  return prepare(program).error(chunk, 0, `cannot convert the result: ${e instanceof Error ? e.message : String(e)}`);
}

