/** Sources with the cursor marked by `|`, and a project around them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/flow-files.js';
import type { EditorProject } from '../../compiler/services/index.js';

export const SHOP_MANIFEST = readFileSync(join(REPO, 'examples/shop/runnel.json'), 'utf8');
export const PATH = 'flows/test.flow';

/** The text without its `|` and the offset where it was (the first `|` that is not `||`). */
export function cursor(src: string): { text: string; offset: number } {
  const offset = src.search(/(?<!\|)\|(?!\|)/);
  if (offset < 0) throw new Error(`no cursor in ${src}`);
  return { text: src.slice(0, offset) + src.slice(offset + 1), offset };
}

export function projectOf(text: string, manifest: string | null = SHOP_MANIFEST): EditorProject {
  return { manifest: manifest === null ? null : { path: 'runnel.json', text: manifest }, files: [{ path: PATH, text }] };
}

/** A flow around some lines, with a trigger. */
export function flow(body: string, trigger = 'on NewOrder'): string {
  return `flow f "T" {\n  ${trigger}\n\n  ${body}\n}\n`;
}

/** The text with edits applied (edits do not overlap; applied from the end). */
export function applyEdits(text: string, edits: Array<{ range: { start: number; end: number }; newText: string }>): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.start - a.range.start)) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}
