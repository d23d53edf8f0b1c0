/**
 * Well-formed but hostile programs: re-encoded with a valid hash, so only the verifier and the
 * VM's own bounds stand between them and the engine.
 */
import { describe, expect, it } from 'vitest';
import { compiledOf } from './helpers.js';
import { emitProgram } from '../../compiler/bytecode/emit.js';
import { encodeProgram } from '../../compiler/bytecode/encode.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import { VerifyError, ByteWriter } from '../../compiler/bytecode/bytes.js';
import { OP } from '../../compiler/bytecode/format.js';
import { EvalError, evaluate } from '../../runtime/vm/index.js';
import { disassemble } from '../../compiler/bytecode/disasm.js';

const base = compiledOf(`flow f {
  on NewOrder
  wait w 1d
  steps s { send email "welcome" { t: order.total } }
}`);

/** The program with one more chunk, used as the first action's first parameter. */
function withParamCode(code: Uint8Array): Uint8Array {
  const p = emitProgram(base.graph);
  p.code.push(code);
  const steps = p.blocks.find((b) => b.kind === 'steps') as { actions: Array<{ params: Array<{ value: number }> }> };
  steps.actions[0]!.params[0]!.value = p.code.length - 1;
  return encodeProgram(p);
}

describe('hostile programs that pass the header and hash checks', () => {
  it('decodes a chunk of 300,000 chained `and`s in linear time, then stops at the step budget', () => {
    const w = new ByteWriter();
    w.u8(OP.TRUE);
    for (let i = 0; i < 300_000; i++) w.u8(OP.AND).varint(1).u8(OP.TRUE);
    const verified = verifyFlow(withParamCode(w.finish()));
    const chunk = verified.code.length - 1;
    // Quadratic jump decoding took ~80 s here; the test's timeout is the bound.
    const run = () => evaluate(verified, chunk, { now: 0 });
    try {
      expect(run()).toBe(true);
    } catch (e) {
      expect(e).toBeInstanceOf(EvalError);
    }
  });

  it('disassembles 20,000 nested `and`s without overflowing the stack or the output', () => {
    let inner: Uint8Array = new Uint8Array([OP.TRUE]);
    for (let i = 0; i < 20_000; i++) {
      const x = new ByteWriter();
      x.u8(OP.TRUE).u8(OP.AND).varint(inner.length).bytes(inner);
      inner = x.finish();
    }
    const bytes = withParamCode(inner);
    const text = disassemble(verifyFlow(bytes), bytes.length);
    expect(text.length).toBeLessThan(2_000_000);
    expect(text).toMatch(/code#\d+/);
  });

  it('refuses a wait longer than ten years', () => {
    const p = emitProgram(base.graph);
    const wait = p.blocks.find((b) => b.kind === 'wait_fixed') as { durationMs: number };
    wait.durationMs = 20 * 365 * 86_400_000;
    expect(() => verifyFlow(encodeProgram(p))).toThrow(VerifyError);
    expect(() => verifyFlow(encodeProgram(p))).toThrow(/longer than ten years/);
  });
});
