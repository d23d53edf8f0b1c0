/**
 * The playground's worker checks a project incrementally (playground/src/worker/incremental.ts):
 * the same diagnostics as checkProject, edit after edit, on the example project and with a flow
 * id declared twice (which only the whole-project check reports).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkProject, type ProjectInput, type ProjectResult } from '../../compiler/project.js';
import { findFlowFiles } from '../../cli/files.js';
import { IncrementalChecker } from '../../playground/src/worker/incremental.js';
import { REPO } from '../helpers/flow-files.js';

const root = join(REPO, 'examples/shop');
const shop: ProjectInput = {
  manifest: { path: 'runnel.json', text: readFileSync(join(root, 'runnel.json'), 'utf8') },
  files: findFlowFiles(root).map((p) => ({ path: relative(root, p), text: readFileSync(p, 'utf8') })),
};

function summary(r: ProjectResult) {
  return {
    manifest: r.manifestFile?.diagnostics,
    files: r.files.map((f) => ({ path: f.path, diagnostics: f.diagnostics })),
    names: r.manifest.json,
  };
}

describe('incremental check (playground worker)', () => {
  it('says what checkProject says, edit after edit', () => {
    const inc = new IncrementalChecker();
    const edits: Array<(p: ProjectInput) => ProjectInput> = [
      (p) => p,
      (p) => ({ ...p, files: p.files.map((f, i) => (i === 0 ? { ...f, text: f.text.replace('send email "', 'send email "x') } : f)) }),
      (p) => ({ ...p, files: p.files.map((f, i) => (i === 1 ? { ...f, text: f.text + '\nflow {' } : f)) }),
      // Another file declares a flow id that exists: RN0409, from the whole-project check.
      (p) => ({ ...p, files: [...p.files, { path: 'flows/copy.flow', text: p.files[0]!.text }] }),
      (p) => ({ ...p, files: p.files.slice(0, -1) }),
      (p) => ({ ...p, manifest: { path: 'runnel.json', text: p.manifest!.text.replace('"cart-reminder",', '') } }),
      (p) => ({ ...p, manifest: { path: 'runnel.json', text: '{ "name": ' } }),
      (p) => ({ files: p.files }),
    ];
    let p = shop;
    for (const edit of edits) {
      p = edit(p);
      expect(summary(inc.check(p))).toEqual(summary(checkProject(p)));
    }
    const withCopy = inc.check({ ...shop, files: [...shop.files, { path: 'flows/copy.flow', text: shop.files[0]!.text }] });
    expect(withCopy.files.at(-1)!.diagnostics.map((d) => d.code)).toContain('RN0409');
  });
});
