/** formatDocument: `runnel fmt` for the editor, as a text and as edits; null on syntax errors. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatDocument } from '../../compiler/services/index.js';
import { formatSource } from '../../compiler/format/format-flow.js';
import { REPO } from '../helpers/flow-files.js';
import { applyEdits } from './helpers.js';

describe('formatDocument', () => {
  it('formats, and its edits produce the formatted text', () => {
    const text = 'flow f {\non NewOrder\n    entry once\n steps a {\nsend email "welcome"\n}\n}';
    const r = formatDocument(text)!;
    expect(r.text).toBe('flow f {\n  entry once\n\n  on NewOrder\n\n  steps a {\n    send email "welcome"\n  }\n}\n');
    expect(applyEdits(text, r.edits)).toBe(r.text);
  });

  it('the edit covers only what changed', () => {
    const good = formatDocument('flow f {\n  on NewOrder\n\n  stop\n}\n')!.text;
    const text = good.replace('  stop', '      stop');
    const r = formatDocument(text)!;
    expect(r.edits).toHaveLength(1);
    expect(r.edits[0]!.range.start).toBeGreaterThan(text.indexOf('stop') - 8);
    expect(applyEdits(text, r.edits)).toBe(good);
  });

  it('a formatted file gives no edits', () => {
    const text = readFileSync(`${REPO}/examples/shop/flows/abandoned_cart.flow`, 'utf8');
    const r = formatDocument(text)!;
    expect(r.text).toBe(text);
    expect(r.edits).toEqual([]);
  });

  it('keeps comments', () => {
    const r = formatDocument('// top\nflow f { // after the brace\n on NewOrder /* inline */\n stop }')!;
    expect(r.text).toContain('// top');
    expect(r.text).toContain('// after the brace');
    expect(r.text).toContain('/* inline */');
  });

  it('the same text as runnel fmt, with its width option', () => {
    const text = 'flow f {\n  on NewOrder\n  if order.total > 100 and customer.email.valid and customer.inSegment("vip") and order.status == "paid" {\n    stop\n  }\n}\n';
    for (const width of [40, 100]) {
      const mine = formatDocument(text, { width })!;
      const fmt = formatSource(text, { width });
      expect('text' in fmt && fmt.text).toBe(mine.text);
    }
  });

  it('refuses a file with syntax errors', () => {
    expect(formatDocument('flow f {\n  on NewOrder\n  if order. {\n')).toBeNull();
    expect(formatDocument('flow f { steps { send } }')).toBeNull();
  });

  it('an empty file stays empty', () => {
    expect(formatDocument('')).toEqual({ text: '', edits: [] });
  });
});
