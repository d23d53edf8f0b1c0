/** Shared helpers of the formatter tests: AST comparison without ids and spans, comment texts. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '../../compiler/parse.js';
import { commentText } from '../../compiler/format/comments.js';
import { sortSettings } from '../../compiler/format/format-flow.js';
import type { Setting } from '../../compiler/ast.js';

/**
 * The AST without `id` and `span`, with each flow's settings in canonical order (the formatter
 * prints them in a fixed order; their order carries no meaning).
 */
export function stripAst(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripAst);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'id' || k === 'span') continue;
      out[k] = stripAst(v);
    }
    if (out['kind'] === 'Flow') out['settings'] = sortSettings(out['settings'] as Setting[]);
    return out;
  }
  return node;
}

/** The stripped AST of a text that must parse without errors. */
export function strippedAstOf(text: string): unknown {
  const r = parse(text);
  if (r.diagnostics.hasErrors) {
    throw new Error('unexpected syntax errors:\n' + r.diagnostics.items.map((d) => `${d.span.start}: ${d.message}`).join('\n') + '\n---\n' + text);
  }
  return stripAst(r.ast);
}

/** The comments of a text as the formatter prints them (line comments without trailing blanks), sorted. */
export function commentTexts(text: string): string[] {
  return parse(text)
    .comments.map((c) => commentText(c.image))
    .sort();
}

/** Every file under `dir` (recursively) whose name ends with `suffix`. */
export function findFiles(dir: string, suffix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    if (n === 'node_modules' || n.startsWith('.')) continue;
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, suffix));
    else if (n.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}
