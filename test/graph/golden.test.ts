/**
 * Golden drawings of every examples/shop flow: test/graph/golden/<flow-id>.mmd (Mermaid) and
 * .dot (Graphviz). `UPDATE_GOLDEN=1 npx vitest run test/graph` rewrites them; a missing golden
 * fails: a new drawing is reviewed, never taken on trust. When Graphviz is installed, every .dot
 * golden must also be read by `dot` without a complaint. The Mermaid sample of docs/language.md is
 * the real output.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowDiagram, toDot, toMermaid } from '../../compiler/draw/index.js';
import { shopGraphs } from './helpers.js';
import { REPO } from '../helpers/flow-files.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env['UPDATE_GOLDEN'] === '1';
const graphs = shopGraphs();
const FORMATS = [
  { ext: 'mmd', draw: toMermaid },
  { ext: 'dot', draw: toDot },
] as const;

function compareGolden(file: string, actual: string): void {
  const path = join(goldenDir, file);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
  }
  expect(existsSync(path), `${path} is missing: run UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden drawings of examples/shop', () => {
  it('has a golden for every flow and format, and no stale one', () => {
    expect(graphs.length).toBeGreaterThanOrEqual(13);
    if (update) return;
    const expected = graphs.flatMap((g) => FORMATS.map((f) => `${g.id}.${f.ext}`)).sort();
    expect(readdirSync(goldenDir).sort()).toEqual(expected);
  });

  for (const g of graphs) {
    for (const { ext, draw } of FORMATS) {
      it(`${g.id}.${ext}`, () => compareGolden(`${g.id}.${ext}`, draw([flowDiagram(g)])));
    }
  }
});

describe('docs/language.md', () => {
  it('shows the Mermaid that `runnel graph --format mermaid` really prints', () => {
    const doc = readFileSync(join(REPO, 'docs/language.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Drawing a flow'));
    const sample = /```mermaid\n([\s\S]*?)```/.exec(section)?.[1];
    const flow = graphs.find((g) => g.id === 'confirm_subscription')!;
    expect(sample, 'the sample in docs/language.md is out of date').toBe(toMermaid([flowDiagram(flow)]));
  });
});
