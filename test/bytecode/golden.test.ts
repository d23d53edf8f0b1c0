/**
 * Golden disassembly of every examples/shop flow (test/bytecode/golden/<flow-id>.disasm;
 * `UPDATE_GOLDEN=1 npx vitest run test/bytecode` rewrites them), plus the properties every
 * compiled flow has: same source → same bytes, decode → encode gives the same bytes, compact.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileShop, compiledOf } from './helpers.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import { encodeProgram } from '../../compiler/bytecode/encode.js';
import { disassemble } from '../../compiler/bytecode/disasm.js';
import { checkProject } from '../../compiler/project.js';
import { compileProject } from '../../compiler/bytecode/compile.js';
import { BENCH_MANIFEST, generateFlow } from '../../bench/gen-flow.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = !!process.env['UPDATE_GOLDEN'];
const shop = compileShop();

describe('golden disassembly of examples/shop', () => {
  it('covers every example flow', () => {
    expect(shop.length).toBeGreaterThanOrEqual(13);
    if (!update) {
      const files = readdirSync(goldenDir).filter((f) => f.endsWith('.disasm'));
      expect(files.sort()).toEqual(shop.map((f) => `${f.id}.disasm`).sort());
    }
  });

  for (const flow of shop) {
    it(flow.id, () => {
      const text = disassemble(verifyFlow(flow.bytes), flow.bytes.length);
      const path = join(goldenDir, `${flow.id}.disasm`);
      if (update) {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(path, text);
      } else if (!existsSync(path)) throw new Error(`${path} is missing: run with UPDATE_GOLDEN=1`);
      expect(text).toBe(readFileSync(path, 'utf8'));
    });
  }
});

describe('every example flow', () => {
  it('compiles to the same bytes every time', () => {
    const again = compileShop();
    expect(again.map((f) => [f.id, Buffer.from(f.bytes).toString('hex')])).toEqual(shop.map((f) => [f.id, Buffer.from(f.bytes).toString('hex')]));
  });

  it('decodes and re-encodes to identical bytes', () => {
    for (const f of shop) {
      const decoded = verifyFlow(f.bytes);
      expect(decoded.hash).toBe(f.hash);
      expect(Buffer.from(encodeProgram(decoded)).equals(Buffer.from(f.bytes))).toBe(true);
    }
  });

  it('is small', () => {
    const sizes = Object.fromEntries(shop.map((f) => [f.id, f.bytes.length]));
    for (const size of Object.values(sizes)) expect(size).toBeLessThan(1024);
  });
});

describe('determinism beyond the examples', () => {
  it('does not depend on unrelated flows in the file or on comments and layout', () => {
    const a = compiledOf('flow f { on NewOrder\n steps s { send email "welcome" { t: order.total } }\n wait 1d\n if order.total > 5 { stop } }');
    const b = compiledOf(`// a comment
flow f {
  on NewOrder

  steps s {
    send email "welcome" { t: order.total } // trailing
  }
  wait 1d
  if order.total > 5 {
    stop
  }
}
flow other { on NewOrder
 steps x { send email "welcome" } }`);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });
});

describe('a 150-block flow', () => {
  const text = generateFlow('big', 150);
  const result = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(BENCH_MANIFEST) }, files: [{ path: 'big.flow', text }] });
  const compiled = compileProject(result)[0]!;

  it('checks and compiles', () => {
    expect(result.files[0]!.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(compiled.graph.blocks.filter((b) => b.kind !== 'end' && b.kind !== 'join')).toHaveLength(150);
  });

  it('fits in 8 KB', () => {
    expect(compiled.bytes.length).toBeLessThan(8 * 1024);
  });

  it('round-trips and verifies', () => {
    expect(Buffer.from(encodeProgram(verifyFlow(compiled.bytes))).equals(Buffer.from(compiled.bytes))).toBe(true);
  });
});
