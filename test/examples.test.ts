/** The example project is the showcase: it checks without a single diagnostic and is formatted. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkProject } from '../compiler/project.js';
import { formatSource } from '../compiler/format/format-flow.js';
import { findFlowFiles } from '../cli/files.js';
import { REPO } from './helpers/flow-files.js';

const root = join(REPO, 'examples/shop');
const files = findFlowFiles(root).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

describe('examples/shop', () => {
  it('has the flows the seeds describe', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it('checks clean: no error, no warning', () => {
    const r = checkProject({ manifest: { path: 'runnel.json', text: readFileSync(join(root, 'runnel.json'), 'utf8') }, files });
    expect(r.manifestFile?.diagnostics).toEqual([]);
    for (const f of r.files) expect(f.diagnostics.map((d) => `${f.path}: ${d.code} ${d.message}`)).toEqual([]);
  });

  for (const f of files) {
    it(`${f.path.slice(root.length + 1)} is formatted`, () => {
      expect(formatSource(f.text)).toEqual({ text: f.text, changed: false });
    });
  }
});
