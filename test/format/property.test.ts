/**
 * Property: for random valid flow files printed crudely (with random whitespace and comments),
 * formatting succeeds, is idempotent, keeps the AST (ids and spans aside) and keeps every comment.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatSource } from '../../compiler/format/format-flow.js';
import { parse } from '../../compiler/parse.js';
import { crudeFileArb } from './arbitrary.js';
import { commentTexts, strippedAstOf } from './helpers.js';

/** 200 by default; `FORMAT_PROPERTY_RUNS=5000` for a longer hunt. */
const runs = Number(process.env['FORMAT_PROPERTY_RUNS'] ?? 200);

describe('formatter properties', () => {
  it('the generator makes valid files', () => {
    fc.assert(
      fc.property(crudeFileArb, ({ text }) => {
        const d = parse(text).diagnostics;
        if (d.hasErrors) throw new Error(d.items.map((x) => `${x.span.start}: ${x.message}`).join('\n') + '\n---\n' + text);
      }),
      { numRuns: 100 },
    );
  });

  it('formats any valid file idempotently, keeping its meaning and its comments', () => {
    fc.assert(
      fc.property(crudeFileArb, fc.constantFrom(30, 60, 100), ({ text }, width) => {
        const once = formatSource(text, { width });
        if ('error' in once) throw new Error(once.error + '\n---\n' + text);
        const twice = formatSource(once.text, { width });
        if ('error' in twice) throw new Error(twice.error + '\n---\n' + once.text);
        expect(twice.text).toBe(once.text);
        expect(strippedAstOf(once.text)).toEqual(strippedAstOf(text));
        expect(commentTexts(once.text)).toEqual(commentTexts(text));
        expect(once.text.endsWith('\n')).toBe(true);
        expect(once.text).not.toMatch(/[ \t]\n/);
      }),
      { numRuns: runs },
    );
  }, 60_000 + runs * 100);
});
