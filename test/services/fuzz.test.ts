/**
 * The editor services never fail, wherever the cursor is and however broken the text: completion
 * and hover at offsets all over every flow of examples/ and test/conformance/, as written and with
 * characters deleted (what typing and deleting look like). Internal errors are rethrown here
 * (strict services), not swallowed as the editor's services do. Quick fixes too, over ranges.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO, repoFlowFiles } from '../helpers/flow-files.js';
import type { CompletionItem, EditorProject, Hover } from '../../compiler/services/index.js';
import { strictServices } from './strict.js';
import { SHOP_MANIFEST } from './helpers.js';

const KINDS = new Set(['keyword', 'event', 'option', 'value', 'field', 'method', 'function', 'template', 'segment', 'pool', 'account', 'budget', 'snippet']);

const files = repoFlowFiles()
  .map((p) => relative(REPO, p))
  .filter((p) => p.startsWith('examples/') || p.startsWith('test/conformance/'))
  .map((path) => ({ path, text: readFileSync(`${REPO}/${path}`, 'utf8') }));

const services = strictServices();

function project(path: string, text: string, withManifest: boolean): EditorProject {
  return { manifest: withManifest ? { path: 'runnel.json', text: SHOP_MANIFEST } : null, files: [{ path, text }] };
}

/** Problems with the items (collected, not asserted one by one: there are many items). */
function checkItems(items: CompletionItem[], text: string, offset: number): string[] {
  const bad: string[] = [];
  for (const i of items) {
    if (!i.label || !KINDS.has(i.kind)) bad.push(`bad item ${JSON.stringify(i)}`);
    const r = i.range;
    if (!(r.start >= 0 && r.start <= offset && r.end >= offset && r.end <= text.length)) bad.push(`range ${JSON.stringify(r)} misses the cursor ${offset}`);
  }
  return bad;
}

function checkHover(h: Hover | null, text: string): string[] {
  if (!h) return [];
  return h.contents.length > 0 && h.range.start >= 0 && h.range.start <= h.range.end && h.range.end <= text.length ? [] : [`bad hover ${JSON.stringify(h)}`];
}

function probe(path: string, text: string, offset: number, withManifest = true): void {
  const p = project(path, text, withManifest);
  const bad = [...checkItems(services.completion.complete(p, path, offset), text, offset), ...checkHover(services.hover.hover(p, path, offset), text)];
  if (bad.length) expect(bad, `${path} at ${offset}`).toEqual([]);
}

describe('services fuzz', () => {
  it('covers the corpus', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('completion and hover at offsets all over every file', () => {
    for (const f of files) {
      const step = Math.max(1, Math.floor(f.text.length / 40));
      for (let o = 0; o <= f.text.length; o += step) probe(f.path, f.text, o);
      probe(f.path, f.text, f.text.length, false);
    }
  });

  it('completion and hover at random offsets of files with characters deleted', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: files.length - 1 }),
        fc.array(fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 12 }) }), { maxLength: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (i, cuts, offsets, withManifest) => {
          const f = files[i]!;
          let text = f.text;
          for (const c of cuts) {
            const at = text.length ? c.at % text.length : 0;
            text = text.slice(0, at) + text.slice(at + c.len);
          }
          for (const o of offsets) probe(f.path, text, text.length ? o % (text.length + 1) : 0, withManifest);
          // Quick fixes over a range: edits inside the text.
          const a = text.length ? offsets[0]! % (text.length + 1) : 0;
          const range = { start: a, end: Math.min(text.length, a + 40) };
          for (const action of services.codeActions.codeActions(project(f.path, text, withManifest), f.path, range)) {
            for (const e of action.edits) expect(e.range.start >= 0 && e.range.start <= e.range.end && e.range.end <= text.length, action.title).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('typing a flow character by character', () => {
    const f = files.find((x) => x.path.endsWith('abandoned_cart.flow'))!;
    for (let n = 0; n <= f.text.length; n += 3) probe(f.path, f.text.slice(0, n), n);
  });

  it('offsets outside the text and unknown files', () => {
    const f = files[0]!;
    const p = project(f.path, f.text, true);
    for (const o of [-5, f.text.length + 10, Number.NaN, 1.5]) {
      expect(Array.isArray(services.completion.complete(p, f.path, o))).toBe(true);
      services.hover.hover(p, f.path, o);
    }
    expect(services.completion.complete(p, 'nope.flow', 0)).toEqual([]);
    expect(services.hover.hover(p, 'nope.flow', 0)).toBeNull();
  });
});
