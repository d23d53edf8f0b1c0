/**
 * The verifier rejects corrupt and hostile bytecode with a VerifyError (never anything else):
 * random flips and truncations of real files (the hash covers everything after the header, and
 * every header field is checked), structural damage behind a valid hash, and each rule on its own.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileShop, compiledOf } from './helpers.js';
import { verifyFlow, VerifyError } from '../../compiler/bytecode/verify.js';
import { encodeProgram } from '../../compiler/bytecode/encode.js';
import { emitProgram } from '../../compiler/bytecode/emit.js';
import { disassemble } from '../../compiler/bytecode/disasm.js';
import { HEADER_SIZE, OP } from '../../compiler/bytecode/format.js';
import { sha256 } from '../../compiler/bytecode/sha256.js';
import type { Program, ProgramBlock } from '../../compiler/bytecode/program.js';

const shop = compileShop();
/** More runs for a deeper local search: FUZZ_RUNS=200000 npx vitest run test/bytecode/verify.test.ts */
const runs = (n: number) => Number(process.env['FUZZ_RUNS'] ?? n);
const samples = shop.map((f) => f.bytes);

/** Runs the verifier; returns the VerifyError, or null when it accepted. Any other throw fails the test. */
function outcome(bytes: Uint8Array): VerifyError | null {
  try {
    verifyFlow(bytes);
    return null;
  } catch (e) {
    if (e instanceof VerifyError) {
      expect(e.offset).toBeGreaterThanOrEqual(0);
      expect(e.offset).toBeLessThanOrEqual(bytes.length);
      expect(e.message).toMatch(/^offset \d+: /);
      return e;
    }
    throw e;
  }
}

/** Fixes up the header (length and hash) after the content was changed: what a hostile producer would do. */
function rehash(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const len = out.length - HEADER_SIZE;
  out[8] = len & 0xff;
  out[9] = (len >>> 8) & 0xff;
  out[10] = (len >>> 16) & 0xff;
  out[11] = (len >>> 24) & 0xff;
  out.set(sha256(out.subarray(HEADER_SIZE)), 12);
  return out;
}

describe('corruption of real bytecode', () => {
  it('accepts every example as built', () => {
    for (const b of samples) expect(outcome(b)).toBeNull();
  });

  it('rejects any single byte changed anywhere', () => {
    fc.assert(
      fc.property(fc.nat(samples.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, pos, xor) => {
        const b = samples[which]!.slice();
        b[pos % b.length] ^= xor;
        expect(outcome(b)).not.toBeNull();
      }),
      { numRuns: runs(3000) },
    );
  });

  it('rejects every byte of one file changed, one at a time', () => {
    const original = samples[0]!;
    for (let pos = 0; pos < original.length; pos++) {
      const b = original.slice();
      b[pos] ^= 0x40;
      expect(outcome(b), `byte ${pos}`).not.toBeNull();
    }
  });

  it('rejects truncation at every length, and anything appended', () => {
    for (const b of samples) {
      for (let n = 0; n < b.length; n++) expect(outcome(b.subarray(0, n)), `first ${n} bytes`).not.toBeNull();
    }
    fc.assert(
      fc.property(fc.nat(samples.length - 1), fc.uint8Array({ minLength: 1, maxLength: 64 }), (which, extra) => {
        const b = new Uint8Array([...samples[which]!, ...extra]);
        expect(outcome(b)?.message).toMatch(/unexpected bytes/);
      }),
    );
  });

  it('rejects flips behind a valid hash, or accepts only canonical bytecode that prints', () => {
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (which, flips, cut) => {
          let b = samples[which]!.slice();
          for (const [pos, xor] of flips) {
            const at = HEADER_SIZE + (pos % (b.length - HEADER_SIZE));
            b[at] ^= xor;
          }
          if (cut !== undefined) b = b.slice(0, HEADER_SIZE + (cut % (b.length - HEADER_SIZE)));
          const hostile = rehash(b);
          const e = outcome(hostile);
          if (e === null) {
            // Whatever the verifier accepts is a well-formed program that encodes to the same bytes.
            const p = verifyFlow(hostile);
            expect(Buffer.from(encodeProgram(p)).equals(Buffer.from(hostile))).toBe(true);
            // ...and prints.
            expect(disassemble(p)).toContain('runnel flow bytecode');
          }
        },
      ),
      { numRuns: runs(5000) },
    );
  });

  it('never throws anything but VerifyError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (body, withHeader) => {
        const b = withHeader ? rehash(new Uint8Array([0x52, 0x4e, 0x46, 0x42, 1, 0, 0, 0, ...new Uint8Array(36), ...body])) : body;
        outcome(b);
      }),
      { numRuns: runs(3000) },
    );
  });
});

// ---------- each rule on its own ----------

const base = compiledOf(`flow f {
  on NewOrder
  steps s { send email "welcome" { t: order.total, n: count(order.items, it.price > 1) } }
  wait w 1d
  wait got for NewOrder up to 1h { steps t { send email "thanks" { id: order.id } } }
  parallel p { branch { steps a { send email "a" } } branch { stop } }
  if order.total > 5 { stop }
}`);

function program(): Program {
  return emitProgram(base.graph);
}

function rejects(p: Program, pattern: RegExp): VerifyError {
  const e = outcome(encodeProgram(p));
  expect(e, 'accepted').not.toBeNull();
  expect(e!.reason).toMatch(pattern);
  return e!;
}

function blockOf<K extends ProgramBlock['kind']>(p: Program, kind: K): Extract<ProgramBlock, { kind: K }> {
  return p.blocks.find((b) => b.kind === kind) as Extract<ProgramBlock, { kind: K }>;
}

function withChunk(p: Program, code: number[]): Program {
  // Chunk 0 is a root chunk (the first expression of the first block).
  p.code[p.code.length] = Uint8Array.from(code);
  const steps = blockOf(p, 'steps');
  if (steps.actions[0]!.kind !== 'send') throw new Error('test flow changed');
  steps.actions[0]!.params[0]!.value = p.code.length - 1;
  return p;
}

describe('verifier rules', () => {
  it('accepts the base program', () => {
    expect(outcome(base.bytes)).toBeNull();
  });

  it('checks the header', () => {
    const b = base.bytes;
    const set = (i: number, v: number) => {
      const c = b.slice();
      c[i] = v;
      return outcome(c)!;
    };
    expect(set(0, 0x50)).toMatchObject({ offset: 0, reason: expect.stringMatching(/does not start with "RNFB"/) });
    expect(set(4, 2)).toMatchObject({ offset: 4, reason: expect.stringMatching(/unsupported format version 2/) });
    expect(set(6, 1)).toMatchObject({ offset: 6, reason: expect.stringMatching(/unknown header flags/) });
    expect(set(8, b[8]! + 1)).toMatchObject({ reason: expect.stringMatching(/truncated: the header announces/) });
    expect(set(8, b[8]! - 1)).toMatchObject({ reason: expect.stringMatching(/unexpected bytes after the content/) });
    expect(set(20, b[20]! ^ 1)).toMatchObject({ offset: 12, reason: expect.stringMatching(/content hash mismatch/) });
    expect(set(HEADER_SIZE + 5, b[HEADER_SIZE + 5]! ^ 1)).toMatchObject({ offset: 12, reason: expect.stringMatching(/content hash mismatch/) });
    expect(outcome(b.subarray(0, 10))!.reason).toMatch(/truncated: the header takes 44 bytes/);
    expect(outcome(b.subarray(0, 2))!.reason).toMatch(/truncated/);
    expect(outcome(new Uint8Array(0))!.reason).toMatch(/truncated/);
  });

  it('reports truncated sections behind a valid hash', () => {
    const e = outcome(rehash(base.bytes.slice(0, base.bytes.length - 3)))!;
    expect(e.reason).toMatch(/truncated/);
  });

  it('checks constant indexes', () => {
    rejects(withChunk(program(), [OP.CONST, 120]), /CONST #120 is out of range/);
    const p = program();
    p.flow.id = 999;
    rejects(p, /the flow id: constant 999 is out of range/);
    const q = program();
    q.constants.push({ tag: 'number', value: 1.5 });
    q.flow.timezone = q.constants.length - 1;
    rejects(q, /the time zone: constant #\d+ is a number, not a string/);
  });

  it('checks block successors, entry and cycles', () => {
    const p = program();
    blockOf(p, 'wait_fixed').next = 99;
    rejects(p, /the next block: block 99 is out of range/);
    const q = program();
    q.flow.entryBlock = 50;
    rejects(q, /entry block 50 is out of range/);
    const r = program();
    const w = blockOf(r, 'wait_fixed');
    w.next = r.blocks.indexOf(w);
    rejects(r, /flows cannot loop/);
    const s = program();
    blockOf(s, 'stop');
    const iff = blockOf(s, 'if');
    iff.else = 0; // back to the first block: a loop through the whole flow
    rejects(s, /flows cannot loop/);
  });

  it('checks that joins and parallels belong together, and AWAITED names a wait for', () => {
    const p = program();
    blockOf(p, 'parallel').join = p.blocks.findIndex((b) => b.kind === 'end');
    rejects(p, /does not close it/);
    const q = program();
    const awaited = q.code.findIndex((c) => c[0] === OP.AWAITED);
    expect(awaited).toBeGreaterThanOrEqual(0);
    q.code[awaited] = Uint8Array.from([OP.AWAITED, 0, ...q.code[awaited]!.slice(2)]);
    rejects(q, /AWAITED names block 0, which is not a wait_event block/);
  });

  it('checks jumps', () => {
    rejects(withChunk(program(), [OP.TRUE, OP.AND, 50, OP.TRUE]), /past the end of its code/);
    // Lands inside CONST's operand.
    rejects(withChunk(program(), [OP.TRUE, OP.AND, 1, OP.CONST, 0]), /not on an instruction boundary/);
    // Both paths must arrive with the same stack.
    rejects(withChunk(program(), [OP.TRUE, OP.AND, 0]), /values at the end but/);
  });

  it('checks the stack by abstract interpretation', () => {
    rejects(withChunk(program(), [OP.ADD]), /stack underflow/);
    rejects(withChunk(program(), [OP.TRUE, OP.TRUE]), /leaves 2 values on the stack/);
    rejects(withChunk(program(), []), /leaves 0 values/);
    rejects(withChunk(program(), new Array(300).fill(OP.TRUE)), /stack overflow/);
    rejects(withChunk(program(), [OP.TRUE, OP.LIST, 2]), /stack underflow/);
  });

  it('checks opcodes, builtins and methods', () => {
    rejects(withChunk(program(), [0xff]), /unknown opcode 0xff/);
    rejects(withChunk(program(), [OP.TRUE, OP.CALL, 99, 1]), /unknown builtin function #99/);
    rejects(withChunk(program(), [OP.TRUE, OP.TRUE, OP.CALL, 0, 2]), /exists\(\) takes 1 argument, not 2/);
    rejects(withChunk(program(), [OP.TRUE, OP.METHOD, 9, 1]), /unknown customer method #9/);
    rejects(withChunk(program(), [OP.METHOD, 0, 0]), /takes 1 to 1 arguments, not 0/);
    rejects(withChunk(program(), [OP.INT]), /truncated/);
  });

  it('checks `it` and helper bodies', () => {
    rejects(withChunk(program(), [OP.IT]), /reads `it` outside a collection helper/);
    const p = program();
    const c = p.code.length;
    rejects(withChunk(p, [OP.TRUE, OP.ANY, c]), /refers to code#\d+, which does not come before it/);
  });

  it('checks names of contexts, fields and events', () => {
    const p = program();
    const k = p.constants.findIndex((x) => x.tag === 'string' && x.value === 'welcome');
    rejects(withChunk(p, [OP.CTX, k]), /CTX needs a context name/);
    const q = program();
    blockOf(q, 'wait_event').event = q.constants.findIndex((x) => x.tag === 'string' && x.value === 'welcome');
    rejects(q, /unknown event "welcome"/);
  });

  it('checks settings', () => {
    const p = program();
    p.flow.relevanceMs = 0;
    rejects(p, /relevance window must be above 0/);
    const q = program();
    q.flow.activeFrom = 10;
    q.flow.activeUntil = 5;
    rejects(q, /ends before it starts/);
    const r = program();
    r.flow.entry = { mode: 'once', periodMs: 5 };
    rejects(r, /entry once has no period/);
  });

  it('interprets random code safely: VerifyError, or code that prints', () => {
    const ops = Object.values(OP);
    const instr = fc.oneof(
      fc.constantFrom(...ops).map((o) => [o]),
      fc.tuple(fc.constantFrom(...ops), fc.nat(6)).map(([o, x]) => [o, x]),
      fc.tuple(fc.constantFrom(...ops), fc.nat(6), fc.nat(3)).map(([o, x, y]) => [o, x, y]),
      fc.nat(255).map((b) => [b]),
    );
    fc.assert(
      fc.property(fc.array(instr, { maxLength: 24 }), (parts) => {
        const bytes = encodeProgram(withChunk(program(), parts.flat()));
        if (outcome(bytes) === null) expect(disassemble(verifyFlow(bytes))).toContain('code#');
      }),
      { numRuns: runs(5000) },
    );
  });

  it('rejects duplicate block ids', () => {
    const p = program();
    p.blocks[1]!.id = p.blocks[0]!.id;
    rejects(p, /is used by blocks 0 and 1/);
  });
});
