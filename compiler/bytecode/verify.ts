/**
 * The verifier: reads .flowb bytes into a Program, accepting only what is safe to run. It checks
 * the header (magic, version, flags, length, SHA-256 of the content), every section's structure
 * (truncation, counts, tags), every reference (constant, code chunk, block, builtin, method) and
 * every expression by abstract interpretation (known opcodes, forward jumps to instruction
 * boundaries, stack depth never below zero nor above the limit and the same wherever paths meet,
 * one value left), and the graph (successors in range, no cycles, joins paired with parallels).
 *
 * It throws nothing but VerifyError, whose offset says where in the file the problem is.
 */
import { findEvent } from '../../stdlib/catalog.js';
import { isValidDate, isValidDateTime, isValidTimeZone } from '../checker/literals.js';
import { ByteReader, VerifyError } from './bytes.js';
import {
  ACTION_NAMES,
  BLOCK_NAMES,
  BUILTIN_TABLE,
  CONST_NAMES,
  CONTEXT_NAMES,
  ENTRY_MODES,
  FORMAT_VERSION,
  HASH_OFFSET,
  HEADER_SIZE,
  LIMIT_PERIOD_DURATION,
  LIMIT_UNITS,
  LIMITS,
  MAGIC,
  MAX_DURATION_MS,
  METHOD_TABLE,
  OP_NAMES,
  OPERANDS,
  OTHERWISE,
  SCHEDULE,
  SECTION,
  TRIGGER,
} from './format.js';
import type {
  Constant,
  ProgramAction,
  ProgramBlock,
  ProgramBlockBody,
  ProgramExit,
  ProgramFlow,
  ProgramKeep,
  ProgramOption,
  ProgramTrigger,
  VerifiedProgram,
} from './program.js';
import { programSuccessors } from './program.js';
import { sha256, toHex } from './sha256.js';

export { VerifyError };

const SECTION_NAMES: Record<number, string> = { 1: 'constants', 2: 'code', 3: 'flow', 4: 'triggers', 5: 'blocks' };
const KEEP_PATH = new RegExp(`^(${CONTEXT_NAMES.join('|')})(\\.[^.\\[\\]]+|\\[\\])*$`);
const MINUTES_PER_DAY = 1440;

interface ChunkInfo {
  /** File offset of the chunk's first instruction. */
  offset: number;
  maxStack: number;
  usesIt: boolean;
  /** How deeply collection helpers nest inside it. */
  nesting: number;
}

class Verifier {
  private readonly r: ByteReader;
  private constants: Constant[] = [];
  private code: Uint8Array[] = [];
  private info: ChunkInfo[] = [];
  private blockCount = 0;
  /** Checks that need the whole block table: run after it is read. */
  private readonly pending: Array<(blocks: ProgramBlock[]) => void> = [];

  constructor(private readonly bytes: Uint8Array) {
    this.r = new ByteReader(bytes, HEADER_SIZE);
  }

  // ---------- header ----------

  header(): { formatVersion: number; hash: string } {
    const b = this.bytes;
    for (let i = 0; i < MAGIC.length; i++) {
      if (i >= b.length) throw new VerifyError(b.length, 'truncated: the file ends inside the magic number "RNFB"');
      if (b[i] !== MAGIC[i]) throw new VerifyError(i, 'not a runnel flow: the file does not start with "RNFB"');
    }
    if (b.length < HEADER_SIZE) throw new VerifyError(b.length, `truncated: the header takes ${HEADER_SIZE} bytes, the file has ${b.length}`);
    const h = new ByteReader(b, 4);
    const version = h.u16();
    if (version !== FORMAT_VERSION) throw new VerifyError(4, `unsupported format version ${version} (this runnel reads version ${FORMAT_VERSION}): rebuild the flow`);
    const flags = h.u16();
    if (flags !== 0) throw new VerifyError(6, `unknown header flags 0x${flags.toString(16).padStart(4, '0')}`);
    const length = h.u32();
    const actual = b.length - HEADER_SIZE;
    if (length > actual) throw new VerifyError(b.length, `truncated: the header announces ${length} bytes of content, the file has ${actual}`);
    if (length < actual) throw new VerifyError(HEADER_SIZE + length, `${actual - length} unexpected bytes after the content the header announces`);
    const stored = b.subarray(HASH_OFFSET, HEADER_SIZE);
    const computed = sha256(b.subarray(HEADER_SIZE));
    if (!stored.every((x, i) => x === computed[i])) {
      throw new VerifyError(HASH_OFFSET, `content hash mismatch: the file was changed after it was built (header says ${toHex(stored).slice(0, 12)}…, content is ${toHex(computed).slice(0, 12)}…)`);
    }
    return { formatVersion: version, hash: toHex(computed) };
  }

  // ---------- helpers ----------

  private section(tag: number): void {
    const at = this.r.pos;
    const got = this.r.u8(`the start of the ${SECTION_NAMES[tag]} section`);
    if (got !== tag) this.r.fail(`expected the ${SECTION_NAMES[tag]} section (tag ${tag}), found tag ${got}`, at);
  }

  private constIndex(what: string): number {
    return this.r.index(this.constants.length, `${what}: constant`);
  }

  /** A constant index that must name a string; returns the index. */
  private str(what: string): number {
    const at = this.r.pos;
    const k = this.constIndex(what);
    if (this.constants[k]!.tag !== 'string') this.r.fail(`${what}: constant #${k} is a ${this.constants[k]!.tag}, not a string`, at);
    return k;
  }

  private optStr(what: string): number | null {
    const at = this.r.pos;
    const k = this.r.optIndex(this.constants.length, `${what}: constant`);
    if (k !== null && this.constants[k]!.tag !== 'string') this.r.fail(`${what}: constant #${k} is a ${this.constants[k]!.tag}, not a string`, at);
    return k;
  }

  private text(k: number): string {
    const c = this.constants[k]!;
    return c.tag === 'string' ? c.value : '';
  }

  /** A code chunk evaluated on its own (not as a helper body): it may not read `it`. */
  private rootChunk(what: string): number {
    const at = this.r.pos;
    const c = this.r.index(this.code.length, `${what}: code chunk`);
    if (this.info[c]!.usesIt) this.r.fail(`${what}: code#${c} reads \`it\` outside a collection helper`, at);
    return c;
  }

  private optRootChunk(what: string): number | null {
    const at = this.r.pos;
    const c = this.r.optIndex(this.code.length, `${what}: code chunk`);
    if (c !== null && this.info[c]!.usesIt) this.r.fail(`${what}: code#${c} reads \`it\` outside a collection helper`, at);
    return c;
  }

  /** A duration operand of a block or setting: at most MAX_DURATION_MS. */
  private duration(what: string): number {
    const at = this.r.pos;
    const v = this.r.varint(what);
    if (v > MAX_DURATION_MS) this.r.fail(`${what} of ${v} ms is longer than ten years`, at);
    return v;
  }

  /** A duration that must be above 0. */
  private positive(what: string): number {
    const at = this.r.pos;
    const v = this.duration(what);
    if (v === 0) this.r.fail(`${what} must be above 0`, at);
    return v;
  }

  private successor(what: string): number {
    return this.r.index(this.blockCount, `${what}: block`);
  }

  private flag(what: string): boolean {
    const at = this.r.pos;
    const v = this.r.u8(what);
    if (v > 1) this.r.fail(`${what} must be 0 or 1, not ${v}`, at);
    return v === 1;
  }

  private minutes(what: string): number {
    const at = this.r.pos;
    const v = this.r.varint(what);
    if (v >= MINUTES_PER_DAY) this.r.fail(`${what} ${v} is not a time of day (minutes below 1440)`, at);
    return v;
  }

  private eventName(what: string): number {
    const at = this.r.pos;
    const k = this.str(what);
    if (!findEvent(this.text(k))) this.r.fail(`${what}: unknown event "${this.text(k)}"`, at);
    return k;
  }

  private options(what: string): ProgramOption[] {
    const n = this.r.count(`${what} options`, 3);
    const out: ProgramOption[] = [];
    for (let i = 0; i < n; i++) {
      const name = this.str(`${what} option name`);
      const at = this.r.pos;
      const shape = this.r.u8('an option value shape');
      if (shape === 1) out.push({ name, value: { k: this.constIndex('an option value') } });
      else if (shape === 2) {
        const m = this.r.count('option list values');
        const list: number[] = [];
        for (let j = 0; j < m; j++) list.push(this.constIndex('an option value'));
        out.push({ name, value: { list } });
      } else this.r.fail(`unknown option value shape ${shape}`, at);
    }
    return out;
  }

  private keeps(): ProgramKeep[] {
    const n = this.r.count('kept paths', 2);
    const out: ProgramKeep[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.r.pos;
      const source = this.r.optIndex(this.blockCount, 'the source of a kept path: block');
      if (source !== null) {
        this.pending.push((blocks) => {
          if (blocks[source]!.kind !== 'wait_event') throw new VerifyError(at, `a kept path names block ${source} as its source, which is not a wait_event block`);
        });
      }
      const pathAt = this.r.pos;
      const path = this.str('a kept path');
      if (!KEEP_PATH.test(this.text(path))) this.r.fail(`"${this.text(path)}" is not a context path`, pathAt);
      out.push({ source, path });
    }
    return out;
  }

  // ---------- sections ----------

  compilerVersion(): string {
    const at = this.r.pos;
    const n = this.r.u8('the length of the compiler version');
    if (n === 0 || n > LIMITS.maxCompilerVersion) this.r.fail(`the compiler version must be 1 to ${LIMITS.maxCompilerVersion} characters, not ${n}`, at);
    const b = this.r.take(n, 'the compiler version');
    if (!b.every((c) => c >= 0x20 && c < 0x7f)) this.r.fail('the compiler version is not printable ASCII', at + 1);
    return String.fromCharCode(...b);
  }

  readConstants(): void {
    this.section(SECTION.constants);
    const n = this.r.count('constants');
    for (let i = 0; i < n; i++) {
      const at = this.r.pos;
      const tag = this.r.u8('a constant tag');
      const name = CONST_NAMES[tag];
      let c: Constant;
      switch (name) {
        case 'string':
          c = { tag: 'string', value: this.r.string('a string constant') };
          break;
        case 'int':
          c = { tag: 'number', value: this.r.svarint('an integer constant') };
          break;
        case 'float': {
          const v = this.r.f64('a number constant');
          if (!Number.isFinite(v)) this.r.fail('a number constant is not finite', at);
          if (Number.isSafeInteger(v) && Math.abs(v) < 2 ** 52 && !Object.is(v, -0)) this.r.fail('an integer is stored as a float constant (not canonical)', at);
          c = { tag: 'number', value: v };
          break;
        }
        case 'true':
        case 'false':
        case 'null':
          c = { tag: name };
          break;
        case 'duration':
          c = { tag: 'duration', ms: this.r.varint('a duration') };
          break;
        case 'date': {
          const raw = this.r.string('a date constant');
          if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || !isValidDate(raw)) this.r.fail(`"${raw}" is not a date`, at);
          c = { tag: 'date', raw };
          break;
        }
        case 'datetime': {
          const raw = this.r.string('a date-time constant');
          if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(raw) || !isValidDateTime(raw)) this.r.fail(`"${raw}" is not a date-time`, at);
          c = { tag: 'datetime', raw };
          break;
        }
        case 'time':
          c = { tag: 'time', minutes: this.minutes('a time constant') };
          break;
        case 'percent': {
          const v = this.r.f64('a percent constant');
          if (!Number.isFinite(v)) this.r.fail('a percent constant is not finite', at);
          c = { tag: 'percent', value: v };
          break;
        }
        default:
          this.r.fail(`unknown constant tag ${tag}`, at);
      }
      this.constants.push(c);
    }
  }

  readCode(): void {
    this.section(SECTION.code);
    const n = this.r.count('code chunks');
    for (let i = 0; i < n; i++) {
      const lenAt = this.r.pos;
      const len = this.r.varint('the length of a code chunk');
      if (len > this.r.remaining) this.r.fail(`truncated: code#${i} of ${len} bytes runs past the end`, lenAt);
      const start = this.r.pos;
      const bytes = this.r.take(len, `code#${i}`);
      this.info.push(this.chunk(i, bytes, start));
      this.code.push(bytes);
    }
  }

  /** Decodes and abstractly interprets one code chunk. */
  private chunk(index: number, bytes: Uint8Array, fileOffset: number): ChunkInfo {
    const r = new ByteReader(bytes, 0, bytes.length, fileOffset);
    const where = `code#${index}`;
    let depth = 0;
    let maxStack = 0;
    let usesIt = false;
    let nesting = 0;
    const boundaries = new Set<number>();
    const arriving = new Map<number, { depth: number; from: number }>();
    while (!r.atEnd) {
      const at = r.pos;
      boundaries.add(at);
      const jump = arriving.get(at);
      if (jump && jump.depth !== depth) r.fail(`${where}: the stack holds ${depth} values here but ${jump.depth} when jumped to from offset ${fileOffset + jump.from}`, at);
      const op = r.u8();
      const name = OP_NAMES[op];
      if (!name) r.fail(`${where}: unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
      const operands: number[] = [];
      for (const kind of OPERANDS[name]) operands.push(kind === 'sv' ? r.svarint(`${where}: an operand of ${name}`) : r.varint(`${where}: an operand of ${name}`));
      let pops = 0;
      let pushes = 1;
      switch (name) {
        case 'CONST':
          if (operands[0]! >= this.constants.length) r.fail(`${where}: CONST #${operands[0]} is out of range (${this.constants.length} constants)`, at);
          break;
        case 'INT':
          if (Math.abs(operands[0]!) >= 2 ** 31) r.fail(`${where}: INT ${operands[0]} is out of range`, at);
          break;
        case 'TRUE':
        case 'FALSE':
        case 'NULL':
        case 'CUSTOMER':
          break;
        case 'IT':
          usesIt = true;
          break;
        case 'CTX':
        case 'EVENT':
        case 'AWAITED': {
          const k = operands[name === 'AWAITED' ? 1 : 0]!;
          if (k >= this.constants.length || this.constants[k]!.tag !== 'string' || !CONTEXT_NAMES.includes(this.text(k))) {
            r.fail(`${where}: ${name} needs a context name (${CONTEXT_NAMES.join(', ')}), not constant #${k}`, at);
          }
          if (name === 'AWAITED') {
            const b = operands[0]!;
            this.pending.push((blocks) => {
              if (b >= blocks.length || blocks[b]!.kind !== 'wait_event') throw new VerifyError(at, `${where}: AWAITED names block ${b}, which is not a wait_event block`);
            });
          }
          break;
        }
        case 'GET':
          if (operands[0]! >= this.constants.length || this.constants[operands[0]!]!.tag !== 'string') r.fail(`${where}: GET needs a field name, not constant #${operands[0]}`, at);
          pops = 1;
          break;
        case 'NEG':
        case 'NOT':
        case 'COUNT':
          pops = 1;
          break;
        case 'ANY':
        case 'ALL':
        case 'COUNT_IF':
        case 'SUM': {
          const c = operands[0]!;
          if (c >= index) r.fail(`${where}: ${name} refers to code#${c}, which does not come before it`, at);
          nesting = Math.max(nesting, this.info[c]!.nesting + 1);
          if (nesting > LIMITS.maxHelperNesting) r.fail(`${where}: collection helpers nest more than ${LIMITS.maxHelperNesting} deep`, at);
          pops = 1;
          break;
        }
        case 'INDEX':
        case 'EQ':
        case 'NE':
        case 'LT':
        case 'LE':
        case 'GT':
        case 'GE':
        case 'IN':
        case 'NOT_IN':
        case 'ADD':
        case 'SUB':
        case 'MUL':
        case 'DIV':
          pops = 2;
          break;
        case 'AND':
        case 'OR': {
          const target = r.pos + operands[0]!;
          if (target > bytes.length) r.fail(`${where}: ${name} jumps to offset ${fileOffset + target}, past the end of its code`, at);
          if (depth < 1) r.fail(`${where}: stack underflow at ${name}`, at);
          // Jumping: the value is replaced by the result (same depth); falling through: popped.
          const prev = arriving.get(target);
          if (prev && prev.depth !== depth) r.fail(`${where}: jumps to offset ${fileOffset + target} arrive with different stack depths`, at);
          arriving.set(target, { depth, from: at });
          pops = 1;
          pushes = 0;
          break;
        }
        case 'LIST':
          if (operands[0]! > LIMITS.maxStack) r.fail(`${where}: LIST of ${operands[0]} values is longer than the stack`, at);
          pops = operands[0]!;
          break;
        case 'CALL': {
          const [f, n] = operands as [number, number];
          const def = BUILTIN_TABLE[f];
          if (!def) r.fail(`${where}: unknown builtin function #${f}`, at);
          if (n !== def.arity) r.fail(`${where}: ${def.name}() takes ${def.arity} argument${def.arity === 1 ? '' : 's'}, not ${n}`, at);
          pops = n;
          break;
        }
        case 'METHOD': {
          const [m, n] = operands as [number, number];
          const def = METHOD_TABLE[m];
          if (!def) r.fail(`${where}: unknown customer method #${m}`, at);
          if (n < def.minArgs || n > def.maxArgs) r.fail(`${where}: customer.${def.name}() takes ${def.minArgs} to ${def.maxArgs} arguments, not ${n}`, at);
          pops = n;
          break;
        }
      }
      if (depth < pops) r.fail(`${where}: stack underflow: ${name} needs ${pops} value${pops === 1 ? '' : 's'}, the stack holds ${depth}`, at);
      depth = depth - pops + pushes;
      if (depth > LIMITS.maxStack) r.fail(`${where}: stack overflow: more than ${LIMITS.maxStack} values`, at);
      maxStack = Math.max(maxStack, depth);
    }
    for (const [target, jump] of arriving) {
      if (target < bytes.length && !boundaries.has(target)) {
        throw new VerifyError(fileOffset + jump.from, `${where}: jump to offset ${fileOffset + target} is not on an instruction boundary`);
      }
      if (target === bytes.length && jump.depth !== depth) throw new VerifyError(fileOffset + jump.from, `${where}: the stack holds ${depth} values at the end but ${jump.depth} when jumped there`);
    }
    if (depth !== 1) throw new VerifyError(fileOffset, `${where}: leaves ${depth} values on the stack, not 1`);
    return { offset: fileOffset, maxStack, usesIt, nesting };
  }

  readFlow(): ProgramFlow {
    this.section(SECTION.flow);
    const id = this.str('the flow id');
    const title = this.optStr('the flow title');
    const modeAt = this.r.pos;
    const modeByte = this.r.u8('the entry mode');
    const mode = ENTRY_MODES[modeByte];
    if (!mode) this.r.fail(`unknown entry mode ${modeByte}`, modeAt);
    const periodAt = this.r.pos;
    const periodMs = this.duration('the entry period');
    if ((mode === 'every') !== periodMs > 0) this.r.fail(mode === 'every' ? '`entry every` needs a period above 0' : `entry ${mode} has no period`, periodAt);
    const relevanceMs = this.positive('the relevance window');
    const optTime = (what: string): number | null => {
      const at = this.r.pos;
      const present = this.r.varint(what);
      if (present > 1) this.r.fail(`${what}: presence must be 0 or 1`, at);
      return present ? this.r.svarint(what) : null;
    };
    const activeFrom = optTime('the start of the flow schedule');
    const untilAt = this.r.pos;
    const activeUntil = optTime('the end of the flow schedule');
    if (activeFrom !== null && activeUntil !== null && activeUntil <= activeFrom) this.r.fail('the flow schedule ends before it starts', untilAt);
    const tzAt = this.r.pos;
    const timezone = this.str('the time zone');
    if (!isValidTimeZone(this.text(timezone))) this.r.fail(`unknown time zone "${this.text(timezone)}"`, tzAt);
    const brand = this.optStr('the brand');
    const segment = this.optStr('the segment restriction');
    const entryAt = this.r.pos;
    const entryBlock = this.r.varint('the entry block');
    this.pending.push((blocks) => {
      if (entryBlock >= blocks.length) throw new VerifyError(entryAt, `the entry block ${entryBlock} is out of range (${blocks.length} blocks)`);
    });
    const n = this.r.count('exit criteria', 3);
    const exits: ProgramExit[] = [];
    for (let i = 0; i < n; i++) {
      const event = this.eventName('an exit event');
      const options = this.options('an exit event');
      exits.push({ event, options, where: this.optRootChunk('an exit condition') });
    }
    return { id, title, entry: { mode, periodMs }, relevanceMs, activeFrom, activeUntil, timezone, brand, segment, entryBlock, exits };
  }

  readTriggers(): ProgramTrigger[] {
    this.section(SECTION.triggers);
    const n = this.r.count('triggers', 3);
    const out: ProgramTrigger[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.r.pos;
      const kind = this.r.u8('a trigger kind');
      if (kind === TRIGGER.event) {
        const event = this.eventName('a trigger');
        const options = this.options('a trigger');
        out.push({ kind: 'event', event, options, when: this.optRootChunk('an entry filter') });
      } else if (kind === TRIGGER.schedule) {
        const modeAt = this.r.pos;
        const mode = this.r.u8('a schedule kind');
        let every: Extract<ProgramTrigger, { kind: 'schedule' }>['every'];
        if (mode === SCHEDULE.interval) every = { intervalMs: this.positive('a schedule interval') };
        else if (mode === SCHEDULE.weekly) {
          const maskAt = this.r.pos;
          const weekdays = this.r.u8('schedule days');
          if (weekdays === 0 || weekdays > 127) this.r.fail(`schedule days 0x${weekdays.toString(16)} name no day or a day past Sunday`, maskAt);
          every = { weekdays };
        } else if (mode === SCHEDULE.monthly) {
          const m = this.r.count('days of the month');
          if (m === 0) this.r.fail('a monthly schedule needs days of the month', modeAt);
          const monthDays: number[] = [];
          for (let j = 0; j < m; j++) {
            const dayAt = this.r.pos;
            const d = this.r.u8('a day of the month');
            if (d > 31) this.r.fail(`${d} is not a day of the month`, dayAt);
            monthDays.push(d);
          }
          every = { monthDays };
        } else this.r.fail(`unknown schedule kind ${mode}`, modeAt);
        const t = this.r.count('schedule times');
        const times: number[] = [];
        for (let j = 0; j < t; j++) times.push(this.minutes('a schedule time'));
        out.push({ kind: 'schedule', every, times, segment: this.optStr('a schedule segment') });
      } else this.r.fail(`unknown trigger kind ${kind}`, at);
    }
    return out;
  }

  private action(): ProgramAction {
    const at = this.r.pos;
    const tag = this.r.u8('an action kind');
    const kind = ACTION_NAMES[tag];
    const pairs = (what: string): Array<{ key: number; value: number }> => {
      const n = this.r.count(what, 2);
      const out: Array<{ key: number; value: number }> = [];
      for (let i = 0; i < n; i++) out.push({ key: this.str(`a ${what} key`), value: this.rootChunk(`a ${what} value`) });
      return out;
    };
    switch (kind) {
      case 'send':
        return { kind, channel: this.str('a channel'), template: this.str('a template'), params: pairs('template parameter') };
      case 'webhook':
        return { kind, method: this.str('an HTTP method'), url: this.str('a URL'), body: pairs('webhook body') };
      case 'promo':
        return { kind, pool: this.str('a promo pool') };
      case 'points': {
        const amount = this.rootChunk('a points amount');
        const account = this.str('a points account');
        const expires = this.duration('a points lifetime');
        return { kind, amount, account, expiresMs: expires === 0 ? null : expires };
      }
      case 'set':
        return { kind, field: this.str('a custom field'), value: this.rootChunk('a field value') };
      case 'segment_add':
      case 'segment_remove':
        return { kind, segment: this.str('a segment') };
      default:
        return this.r.fail(`unknown action kind ${tag}`, at);
    }
  }

  private block(index: number): ProgramBlock {
    const id = this.str('a block id');
    const kindAt = this.r.pos;
    const tag = this.r.u8('a block kind');
    const kind = BLOCK_NAMES[tag];
    const next = (what = 'the next block') => this.successor(what);
    let body: ProgramBlockBody;
    switch (kind) {
      case 'steps': {
        const title = this.optStr('a step group title');
        const relevanceMs = this.positive('a relevance window');
        const n = this.r.count('actions', 2);
        const actions: ProgramAction[] = [];
        for (let i = 0; i < n; i++) actions.push(this.action());
        body = { kind, title, relevanceMs, actions, next: next() };
        break;
      }
      case 'wait_fixed':
        body = { kind, durationMs: this.duration('a wait duration'), keeps: this.keeps(), next: next() };
        break;
      case 'wait_until': {
        const at = this.rootChunk('a wait-until moment');
        const oAt = this.r.pos;
        const o = this.r.u8('what a wait does without a moment');
        let otherwise: Extract<ProgramBlockBody, { kind: 'wait_until' }>['otherwise'];
        if (o === OTHERWISE.none) otherwise = { kind: 'none' };
        else if (o === OTHERWISE.stop) otherwise = { kind: 'stop' };
        else if (o === OTHERWISE.wait) otherwise = { kind: 'wait', ms: this.positive('an otherwise-wait duration') };
        else this.r.fail(`unknown otherwise kind ${o}`, oAt);
        body = { kind, at, otherwise, keeps: this.keeps(), next: next() };
        break;
      }
      case 'wait_within': {
        const durationMs = this.duration('a wait duration');
        const daysAt = this.r.pos;
        const days = this.r.u8('window days');
        if (days === 0 || days > 127) this.r.fail(`window days 0x${days.toString(16)} name no day or a day past Sunday`, daysAt);
        const from = this.minutes('a window start');
        const toAt = this.r.pos;
        const to = this.minutes('a window end');
        if (to === from) this.r.fail('an empty time window', toAt);
        body = { kind, durationMs, days, from, to, keeps: this.keeps(), next: next() };
        break;
      }
      case 'wait_event': {
        const event = this.eventName('an awaited event');
        const options = this.options('an awaited event');
        const where = this.optRootChunk('a wait-for condition');
        const timeoutMs = this.positive('a wait-for timeout');
        const keeps = this.keeps();
        body = { kind, event, options, where, timeoutMs, keeps, onEvent: next('the event branch'), onTimeout: next('the timeout branch') };
        break;
      }
      case 'if': {
        const at = this.r.pos;
        const n = this.r.count('if branches', 2);
        if (n === 0) this.r.fail('an if block without conditions', at);
        const branches: Array<{ cond: number; next: number }> = [];
        for (let i = 0; i < n; i++) branches.push({ cond: this.rootChunk('a condition'), next: next('a branch') });
        body = { kind, branches, else: next('the else branch'), hasElse: this.flag('has-else') };
        break;
      }
      case 'split': {
        const n = this.r.count('split variants', 4);
        const variants: Array<{ name: number; title: number | null; percent: number; next: number }> = [];
        let total = 0;
        for (let i = 0; i < n; i++) {
          const name = this.str('a variant name');
          const title = this.optStr('a variant title');
          const pAt = this.r.pos;
          const percent = this.constIndex('a variant share');
          const c = this.constants[percent]!;
          if (c.tag !== 'number' || !(c.value > 0 && c.value <= 100)) this.r.fail('a variant share must be a number above 0 and at most 100', pAt);
          total += c.value;
          if (total > 100 + 1e-9) this.r.fail(`the variants add up to more than 100%`, pAt);
          variants.push({ name, title, percent, next: next('a variant') });
        }
        body = { kind, variants, controlNext: next('the control group') };
        break;
      }
      case 'parallel': {
        const at = this.r.pos;
        const n = this.r.count('parallel branches', 2);
        if (n === 0) this.r.fail('a parallel block without branches', at);
        const branches: Array<{ label: number | null; next: number }> = [];
        for (let i = 0; i < n; i++) branches.push({ label: this.optStr('a branch label'), next: next('a branch') });
        const joinAt = this.r.pos;
        const join = next('the join');
        this.pending.push((blocks) => {
          const j = blocks[join]!;
          if (j.kind !== 'join' || j.parallel !== index) throw new VerifyError(joinAt, `parallel block ${index} names block ${join} as its join, which does not close it`);
        });
        body = { kind, branches, join };
        break;
      }
      case 'join': {
        const pAt = this.r.pos;
        const parallel = this.successor('the parallel a join closes');
        this.pending.push((blocks) => {
          const p = blocks[parallel]!;
          if (p.kind !== 'parallel' || p.join !== index) throw new VerifyError(pAt, `join block ${index} names block ${parallel} as its parallel, which does not lead to it`);
        });
        body = { kind, parallel, keeps: this.keeps(), next: next() };
        break;
      }
      case 'limit': {
        const budget = this.optStr('a budget name');
        const count = this.r.varint('a limit count');
        const pAt = this.r.pos;
        const p = this.r.u8('a limit period');
        let period: Extract<ProgramBlockBody, { kind: 'limit' }>['period'];
        if (p >= 1 && p <= LIMIT_UNITS.length) period = { unit: LIMIT_UNITS[p - 1]! };
        else if (p === LIMIT_PERIOD_DURATION) period = { ms: this.positive('a limit period') };
        else this.r.fail(`unknown limit period ${p}`, pAt);
        body = { kind, budget, count, period, next: next('the branch within the limit'), else: next('the branch over the limit'), hasElse: this.flag('has-else') };
        break;
      }
      case 'stop':
      case 'end':
        body = { kind };
        break;
      default:
        this.r.fail(`unknown block kind ${tag}`, kindAt);
    }
    return { id, ...body };
  }

  readBlocks(): ProgramBlock[] {
    this.section(SECTION.blocks);
    const at = this.r.pos;
    this.blockCount = this.r.count('blocks', 2);
    if (this.blockCount === 0) this.r.fail('a flow needs at least one block', at);
    const blocks: ProgramBlock[] = [];
    const starts: number[] = [];
    const ids = new Map<string, number>();
    for (let i = 0; i < this.blockCount; i++) {
      starts.push(this.r.pos);
      const b = this.block(i);
      const id = this.text(b.id);
      if (ids.has(id)) throw new VerifyError(starts[i]!, `block id "${id}" is used by blocks ${ids.get(id)} and ${i}`);
      ids.set(id, i);
      blocks.push(b);
    }
    if (!this.r.atEnd) this.r.fail(`${this.r.remaining} unexpected bytes after the last block`);
    for (const check of this.pending) check(blocks);
    // Flows never loop: every path must reach a block without successors.
    const state = new Uint8Array(blocks.length); // 0 new, 1 on the path, 2 done
    for (let root = 0; root < blocks.length; root++) {
      if (state[root] !== 0) continue;
      const stack: Array<{ b: number; next: number }> = [{ b: root, next: 0 }];
      state[root] = 1;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const succ = programSuccessors(blocks[top.b]!);
        if (top.next >= succ.length) {
          state[top.b] = 2;
          stack.pop();
          continue;
        }
        const s = succ[top.next++]!;
        if (state[s] === 1) throw new VerifyError(starts[top.b]!, `block ${top.b} ("${this.text(blocks[top.b]!.id)}") leads back to block ${s}: flows cannot loop`);
        if (state[s] === 0) {
          state[s] = 1;
          stack.push({ b: s, next: 0 });
        }
      }
    }
    return blocks;
  }

  run(): VerifiedProgram {
    const { formatVersion, hash } = this.header();
    const compilerVersion = this.compilerVersion();
    this.readConstants();
    this.readCode();
    const flow = this.readFlow();
    const triggers = this.readTriggers();
    const blocks = this.readBlocks();
    return {
      formatVersion,
      hash,
      compilerVersion,
      constants: this.constants,
      code: this.code.map((c) => c.slice()),
      codeInfo: this.info.map(({ offset, maxStack, usesIt }) => ({ offset, maxStack, usesIt })),
      flow,
      triggers,
      blocks,
    };
  }
}

/**
 * Verifies .flowb bytes and decodes them. Throws VerifyError (and nothing else) for anything
 * corrupt, truncated, hostile, or from another format version.
 */
export function verifyFlow(bytes: Uint8Array): VerifiedProgram {
  if (!(bytes instanceof Uint8Array)) throw new VerifyError(0, 'not a byte array');
  return new Verifier(bytes).run();
}

/** The same, by its other name: the decoder is the verifier. */
export const decodeFlow = verifyFlow;
