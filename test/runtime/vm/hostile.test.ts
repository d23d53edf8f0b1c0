/**
 * The VM is bounded and never crashes: a step budget stops oversized and runaway code (hand-made,
 * or even verified: nested helpers multiply), bytecode that never went through the verifier fails
 * with an EvalError naming the chunk and offset, and random bytes give EvalErrors or values, nothing else.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteWriter } from '../../../compiler/bytecode/bytes.js';
import { OP } from '../../../compiler/bytecode/format.js';
import type { Program } from '../../../compiler/bytecode/program.js';
import { DEFAULT_BUDGET, EvalError, evaluate, prepareProgram, type EvalEnv } from '../../../runtime/vm/index.js';
import { ANN, NOW, ORDER, compileExprs } from './helpers.js';

const base = compileExprs(['order.total']).program;

/** A program with hand-made code over the constants "order", "items", "total". */
function handMade(code: Uint8Array[]): Program {
  return {
    ...base,
    constants: [
      { tag: 'string', value: 'order' },
      { tag: 'string', value: 'items' },
      { tag: 'string', value: 'total' },
      { tag: 'number', value: 1.5 },
    ],
    code,
  };
}

const asm = (f: (w: ByteWriter) => void): Uint8Array => {
  const w = new ByteWriter();
  f(w);
  return w.finish();
};

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, price: i, quantity: 1 }));
const env = (n = 3): EvalEnv => ({ now: NOW, customer: ANN, contexts: { order: { ...ORDER, items: items(n) } } });

function evalError(program: Program, chunk: number, e: EvalEnv = env()): EvalError {
  try {
    evaluate(program, chunk, e);
  } catch (err) {
    expect(err).toBeInstanceOf(EvalError);
    return err as EvalError;
  }
  throw new Error('expected an EvalError');
}

describe('the step budget', () => {
  it('stops an oversized chunk (200,000 instructions) at the budget, with the chunk and offset', () => {
    const code = asm((w) => {
      w.u8(OP.TRUE);
      for (let i = 0; i < 200_000; i++) w.u8(OP.NOT);
    });
    const e = evalError(handMade([code]), 0);
    expect(e.chunk).toBe(0);
    expect(e.reason).toMatch(/step budget of 100000 exhausted/);
    expect(e.offset).toBe(DEFAULT_BUDGET); // the instruction after the budget: TRUE is one byte, then one NOT per byte
    // With a larger budget it runs.
    expect(evaluate(handMade([code]), 0, { ...env(), budget: 300_000 })).toBe(true);
  });

  it('stops a helper whose body is its own chunk (a loop the verifier would refuse)', () => {
    // code#0: any(order.items, <code#0>)
    const code = asm((w) => w.u8(OP.CTX).varint(0).u8(OP.GET).varint(1).u8(OP.ANY).varint(0));
    const e = evalError(handMade([code]), 0);
    expect(e.reason).toMatch(/nest deeper than 64|step budget/);
  });

  it('stops verified code that multiplies: sum over sum over ... 8 deep, 10 items each (10^8 steps)', () => {
    let expr = 'it.price';
    for (let i = 0; i < 8; i++) expr = `sum(order.items, ${expr})`;
    const { program, chunks } = compileExprs([expr]);
    expect(prepareProgram(program)).toEqual([]);
    const e = evalError(program, chunks[0]!, env(10));
    expect(e.reason).toMatch(/step budget/);
    // The same code on 2 items is small: 2^8 sums of prices 0 + 1.
    expect(evaluate(program, chunks[0]!, env(2))).toBe(128);
  });

  it('charges list elements: `in` over a huge list costs its length', () => {
    const { program, chunks } = compileExprs(['"zzz" in order.promoCodes']);
    const huge = { now: NOW, contexts: { order: { ...ORDER, promoCodes: Array.from({ length: 200_000 }, (_, i) => `c${i}`) } } };
    expect(evalError(program, chunks[0]!, huge).reason).toMatch(/step budget/);
    expect(evaluate(program, chunks[0]!, { ...huge, budget: 1_000_000 })).toBe(false);
  });
});

describe('bytecode that never went through the verifier', () => {
  const cases: Array<[string, Uint8Array, RegExp, number]> = [
    ['an unknown opcode', Uint8Array.of(OP.TRUE, 0x7f), /unknown opcode 0x7f/, 1],
    ['a truncated operand', Uint8Array.of(OP.TRUE, OP.CONST, 0x80), /truncated/, 1],
    ['a constant out of range', Uint8Array.of(OP.CONST, 9), /out of range/, 0],
    ['GET of a number constant', Uint8Array.of(OP.CUSTOMER, OP.GET, 3), /needs a string constant/, 1],
    ['a jump into an instruction', Uint8Array.of(OP.TRUE, OP.AND, 1, OP.CONST, 3), /not an instruction boundary/, 1],
    ['a jump past the end', Uint8Array.of(OP.TRUE, OP.OR, 5), /not an instruction boundary/, 1],
    ['a stack underflow', Uint8Array.of(OP.TRUE, OP.ADD), /stack underflow: ADD needs 2 values, the stack holds 1/, 1],
    ['LIST longer than the stack', Uint8Array.of(OP.TRUE, OP.LIST, 0xff, 0x7f), /stack underflow/, 1],
    ['`it` outside a helper', Uint8Array.of(OP.IT), /`it` outside a collection helper/, 0],
    ['two values left', Uint8Array.of(OP.TRUE, OP.TRUE), /leaves 2 values/, 2],
    ['no value left', new Uint8Array(0), /leaves 0 values/, 0],
    ['a builtin with the wrong arity', Uint8Array.of(OP.TRUE, OP.CALL, 0, 2), /CALL of builtin #0 with 2 arguments/, 1],
    ['an unknown builtin', Uint8Array.of(OP.CALL, 99, 0), /CALL of builtin #99/, 0],
    ['a method with too many arguments', Uint8Array.of(OP.TRUE, OP.TRUE, OP.METHOD, 0, 2), /METHOD #0 with 2 arguments/, 2],
    ['a helper over a missing chunk', Uint8Array.of(OP.NULL, OP.ANY, 7), /code#7, which does not exist/, 1],
    ['AWAITED of a missing block', Uint8Array.of(OP.AWAITED, 99, 0), /AWAITED needs a block/, 0],
  ];

  it.each(cases)('%s', (_name, code, reason, offset) => {
    const e = evalError(handMade([code]), 0);
    expect(e.reason).toMatch(reason);
    expect(e.chunk).toBe(0);
    expect(e.offset).toBe(offset);
  });

  it('a chunk index out of range', () => {
    expect(evalError(base, 99).reason).toMatch(/no code chunk #99/);
    expect(evalError(base, -1).reason).toMatch(/no code chunk/);
  });

  it('a verified program reports file offsets too', () => {
    // order.total: CTX order (2 bytes), GET total (2 bytes); a budget of 1 stops at the GET.
    const e = evalError(base, 0, { ...env(), budget: 1 });
    expect(e.offset).toBe(2);
    expect(e.fileOffset).toBe(compileExprs(['order.total']).program.codeInfo[0]!.offset + 2);
    expect(e.message).toMatch(/^code#0 at 2 \(file offset \d+\): step budget of 1 exhausted$/);
  });

  it('random bytes and mutated chunks: a value or an EvalError, never anything else', () => {
    const real = compileExprs([
      'any(order.items, it.price > 10) and order.total > 100',
      'sum(order.items, it.price * it.quantity) + count(order.items, it.quantity > 1)',
      'customer.subscription(email, brand: "shop") == pending or customer.inSegment("vip")',
      '2026-03-29 + 12h > now() and month(today()) == 3',
    ]).program;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }).map((b) => ({ chunk: b, from: -1 })),
          fc.record({ from: fc.nat(real.code.length - 1), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }).map(({ from, at, byte }) => {
            const chunk = real.code[from]!.slice();
            chunk[at % chunk.length] = byte;
            return { chunk, from };
          }),
        ),
        ({ chunk }) => {
          const program: Program = { ...real, code: [...real.code, chunk] };
          try {
            evaluate(program, program.code.length - 1, { ...env(), budget: 10_000 });
          } catch (e) {
            if (!(e instanceof EvalError)) throw e;
            expect(e.chunk).toBe(program.code.length - 1);
            expect(e.offset).toBeGreaterThanOrEqual(0);
            expect(e.offset).toBeLessThanOrEqual(chunk.length);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('a bad environment', () => {
  const { program, chunks } = compileExprs(['today()', 'now()', 'order.total + 1']);

  it('an unknown time zone is an EvalError, not a crash', () => {
    const e = evalError(program, chunks[0]!, { now: NOW, zone: 'Mars/Olympus_Mons' });
    expect(e.reason).toMatch(/internal error/);
  });

  it('a clock that is not a time gives missing dates', () => {
    expect(evaluate(program, chunks[0]!, { now: Number.NaN })).toBeNull();
    expect(evaluate(program, chunks[1]!, { now: 1e300 })).toBeNull();
  });

  it('a budget that is not a number is the default one', () => {
    const code = asm((w) => {
      w.u8(OP.TRUE);
      for (let i = 0; i < 200_000; i++) w.u8(OP.NOT);
    });
    expect(evalError(handMade([code]), 0, { now: NOW, budget: Number.NaN }).reason).toMatch(/budget of 100000/);
  });

  it('no contexts at all: missing', () => {
    expect(evaluate(program, chunks[2]!, { now: NOW })).toBeNull();
  });
});
