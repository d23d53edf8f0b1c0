/**
 * Golden tests: test/format/cases/NAME.flow formats to NAME.expected.flow.
 * `UPDATE_GOLDEN=1 npx vitest run test/format` rewrites the expected files.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSource } from '../../compiler/format/format-flow.js';
import { commentTexts, strippedAstOf } from './helpers.js';

const casesDir = join(dirname(fileURLToPath(import.meta.url)), 'cases');
const update = !!process.env['UPDATE_GOLDEN'];
const cases = readdirSync(casesDir)
  .filter((f) => f.endsWith('.flow') && !f.endsWith('.expected.flow'))
  .sort();

/** Some cases set their width in a first-line comment: `// width: 60`. */
function widthOf(input: string): number | undefined {
  const m = /^\/\/ width: (\d+)/.exec(input);
  return m ? Number(m[1]) : undefined;
}

describe('formatter golden files', () => {
  it('has enough cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
  });

  for (const name of cases) {
    it(name, () => {
      const input = readFileSync(join(casesDir, name), 'utf8');
      const width = widthOf(input);
      const opts = width ? { width } : {};
      const result = formatSource(input, opts);
      if ('error' in result) throw new Error(result.error);
      const expectedPath = join(casesDir, name.replace(/\.flow$/, '.expected.flow'));
      if (update) writeFileSync(expectedPath, result.text);
      else if (!existsSync(expectedPath)) throw new Error(`${expectedPath} is missing: run with UPDATE_GOLDEN=1`);
      expect(result.text).toBe(readFileSync(expectedPath, 'utf8'));
      // The expected output is a fixed point and means the same as the input.
      const again = formatSource(result.text, opts);
      expect(again).toEqual({ text: result.text, changed: false });
      expect(strippedAstOf(result.text)).toEqual(strippedAstOf(input));
      expect(commentTexts(result.text)).toEqual(commentTexts(input));
    });
  }
});
