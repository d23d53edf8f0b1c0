/**
 * The front end never crashes: random bytes and random mutations of real flows only ever produce
 * diagnostics, each with a span inside the text; the formatter either formats or refuses.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { checkProject } from '../../compiler/project.js';
import { formatSource } from '../../compiler/format/format-flow.js';
import { MAX_NESTING, MAX_OPERATORS } from '../../compiler/parse.js';
import { repoFlowFiles } from '../helpers/flow-files.js';
import { MANIFEST } from '../helpers/cli.js';

const manifest = { path: 'runnel.json', text: MANIFEST };

function frontEnd(text: string): void {
  const r = checkProject({ manifest, files: [{ path: 'fuzz.flow', text }] });
  for (const d of r.files[0]!.diagnostics) {
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.code).toMatch(/^RN\d{4}$/);
    expect(d.message.length).toBeGreaterThan(0);
  }
  const f = formatSource(text);
  if (!('error' in f)) expect(typeof f.text).toBe('string');
}

const corpus = repoFlowFiles().map((p) => readFileSync(p, 'utf8'));
const TOKENS = ['{', '}', '(', ')', '[', ']', '"', '/*', '//', ':', ',', '.', '..', '==', 'and', 'not', 'in', 'wait', 'steps', 'if', 'else', 'stop', 'on', 'flow', 'split', '50%', '1d', '10:00', '2026-02-30', '-', '\n', '\u0000', '\uFFFF', '😀'];

/** A mutation of a valid flow: delete, insert, duplicate or swap a slice. */
const mutation = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap', 'truncate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  token: fc.constantFrom(...TOKENS),
});

function mutate(text: string, muts: Array<{ kind: string; at: number; len: number; token: string }>): string {
  let t = text;
  for (const m of muts) {
    const at = t.length ? m.at % t.length : 0;
    switch (m.kind) {
      case 'delete':
        t = t.slice(0, at) + t.slice(at + m.len);
        break;
      case 'insert':
        t = t.slice(0, at) + m.token + t.slice(at);
        break;
      case 'duplicate':
        t = t.slice(0, at + m.len) + t.slice(at, at + m.len) + t.slice(at + m.len);
        break;
      case 'swap': {
        const b = (at + m.len * 7) % Math.max(1, t.length);
        const [x, y] = at < b ? [at, b] : [b, at];
        t = t.slice(0, x) + t.slice(y, y + m.len) + t.slice(x + m.len, y) + t.slice(x, x + m.len) + t.slice(y + m.len);
        break;
      }
      case 'truncate':
        t = t.slice(0, at);
        break;
    }
  }
  return t;
}

describe('front end under fuzzing', () => {
  it('has a corpus of real flows', () => {
    expect(corpus.length).toBeGreaterThan(10);
  });

  it('survives the inputs that once broke it', () => {
    // An operator where an operand belongs: recovery misaligned operands and operators, and the
    // chained-comparison check built a span that ended before it started.
    frontEnd('flow f {\n  on NewOrder\n  if a == 1\n      and e == 2026-12-01\n      and== g == true\n      and h == false { stop }\n}\n');
  });

  it('survives random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => frontEnd(s)), { numRuns: 300 });
  });

  it('survives random bytes decoded as UTF-8', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => frontEnd(new TextDecoder().decode(b))), { numRuns: 300 });
  });

  it('survives token soup', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...TOKENS, 'NewOrder', 'order', 'x', '"s"', '3'), { maxLength: 80 }), (ts) => frontEnd(ts.join(' '))), { numRuns: 300 });
  });

  it('survives mutations of every flow in the repository', () => {
    fc.assert(
      fc.property(fc.nat({ max: Math.max(0, corpus.length - 1) }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, muts) => frontEnd(mutate(corpus[i]!, muts))),
      { numRuns: 600 },
    );
  });

  it('reads nesting up to the limit, in the test runner\'s stack', () => {
    // Each `if` body opens one brace inside the flow's own: MAX_NESTING levels in all.
    const conditions = Array.from({ length: MAX_NESTING - 1 }, (_, i) => `if order.total > ${i} {\n`).join('');
    const blocks = 'flow f {\n on NewOrder\n' + conditions + 'stop\n' + '}\n'.repeat(MAX_NESTING - 1) + '}\n';
    const parens = 'flow f {\n on NewOrder\n if ' + '('.repeat(MAX_NESTING - 1) + 'order.total > 1' + ')'.repeat(MAX_NESTING - 1) + ' { stop }\n}\n';
    for (const src of [blocks, parens]) {
      const r = checkProject({ manifest, files: [{ path: 'deep.flow', text: src }] });
      expect(r.files[0]!.diagnostics.map((d) => d.code)).toEqual([]);
      expect('error' in formatSource(src)).toBe(false);
    }
  });

  it('reads the longest allowed expressions, and refuses longer ones with RN0106', () => {
    // One operator under the limit: `or` chains, `not` prefixes, `.x` member chains.
    const n = MAX_OPERATORS - 1;
    const shapes = [
      Array.from({ length: n + 1 }, () => 'x').join(' or '),
      'not '.repeat(n) + 'true',
      'customer.fields' + '.x'.repeat(n - 1) + ' == 1',
    ];
    for (const cond of shapes) {
      const ok = `flow f {\n  on NewOrder\n  if ${cond} { stop }\n}\n`;
      const r = checkProject({ manifest, files: [{ path: 'long.flow', text: ok }] });
      expect(r.files[0]!.diagnostics.map((d) => d.code)).not.toContain('RN0106');
      formatSource(ok); // must not throw
      const tooLong = `flow f {\n  on NewOrder\n  if ${cond} and x and y { stop }\n}\n`;
      const r2 = checkProject({ manifest, files: [{ path: 'long.flow', text: tooLong }] });
      expect(r2.files[0]!.diagnostics.map((d) => d.code)).toEqual(['RN0106']);
    }
    // Far beyond: refused, not a stack overflow.
    frontEnd(`flow f {\n  on NewOrder\n  if ${'a or '.repeat(20_000)}a { stop }\n}\n`);
    frontEnd(`flow f {\n  on NewOrder\n  if ${'not '.repeat(20_000)}a { stop }\n}\n`);
  });

  it('survives deep nesting without a stack overflow', () => {
    const deep = 'flow f {\n on NewOrder\n' + 'if true {\n'.repeat(300) + 'stop\n' + '}\n'.repeat(300) + '}\n';
    frontEnd(deep);
    const parens = 'flow f {\n on NewOrder\n if ' + '('.repeat(500) + 'true' + ')'.repeat(500) + ' { stop }\n}\n';
    frontEnd(parens);
    const r = checkProject({ manifest, files: [{ path: 'deep.flow', text: parens }] });
    expect(r.files[0]!.diagnostics.map((d) => d.code)).toEqual(['RN0106']);
  });
});
