/**
 * Every .flow file of the repository (tests and examples) that parses: formatting is idempotent,
 * keeps the meaning (the AST without ids and spans) and keeps every comment.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '../../compiler/parse.js';
import { formatSource } from '../../compiler/format/format-flow.js';
import { commentTexts, findFiles, strippedAstOf } from './helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = [...findFiles(join(root, 'test'), '.flow'), ...findFiles(join(root, 'examples'), '.flow')];
const readable = files.filter((f) => !parse(readFileSync(f, 'utf8')).diagnostics.hasErrors);

describe('formatting every .flow file of the repository', () => {
  it('finds files', () => {
    expect(readable.length).toBeGreaterThan(0);
  });

  for (const file of readable) {
    it(relative(root, file), () => {
      const input = readFileSync(file, 'utf8');
      const once = formatSource(input);
      if ('error' in once) throw new Error(once.error);
      const twice = formatSource(once.text);
      if ('error' in twice) throw new Error(twice.error);
      expect(twice.text).toBe(once.text);
      expect(twice.changed).toBe(false);
      expect(strippedAstOf(once.text)).toEqual(strippedAstOf(input));
      expect(commentTexts(once.text)).toEqual(commentTexts(input));
      expect(once.text === '' || once.text.endsWith('\n') && !once.text.endsWith('\n\n')).toBe(true);
    });
  }
});
