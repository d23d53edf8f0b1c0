/**
 * Conformance of `runnel check`: every .flow file under check/ is a case, checked as part of the
 * project of its nearest runnel.json; its diagnostics, rendered as the terminal shows them, must
 * equal `<file>.expected` (UPDATE_GOLDEN=1 rewrites them). File names state the intent, and are
 * enforced: `rn0201-*.flow` must report RN0201, `ok-*.flow` must be clean, `recovery-*.flow` must
 * report several syntax errors (one error must not hide the rest).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkProject } from '../../compiler/project.js';
import { renderDiagnostic } from '../../compiler/render.js';
import { ALL_CODES } from '../../compiler/diagnostic-codes.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), 'check');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function nearestManifest(dir: string): string | undefined {
  for (let d = dir; d.startsWith(ROOT); d = dirname(d)) {
    if (existsSync(join(d, 'runnel.json'))) return join(d, 'runnel.json');
  }
  return undefined;
}

const all = walk(ROOT);
const flows = all.filter((f) => f.endsWith('.flow'));
const projects = new Map<string, string[]>();
for (const f of flows) {
  const m = nearestManifest(dirname(f)) ?? '';
  projects.set(m, [...(projects.get(m) ?? []), f]);
}
for (const m of all.filter((f) => f.endsWith('runnel.json'))) if (!projects.has(m)) projects.set(m, []);

const render = (path: string, text: string, ds: Diagnostic[]) => ds.map((d) => renderDiagnostic(path, text, d)).join('\n');
const seenCodes = new Set<string>();

function compareGolden(file: string, actual: string): void {
  const golden = `${file}.expected`;
  if (UPDATE) writeFileSync(golden, actual);
  // A new case without its golden fails: its expected output is reviewed, never taken on trust.
  expect(existsSync(golden), `${golden} is missing: run UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(golden, 'utf8'));
}

describe('check conformance', () => {
  for (const [manifest, files] of projects) {
    const project = checkProject({
      // Paths as the user sees them (relative to check/): they appear in messages and notes.
      ...(manifest ? { manifest: { path: relative(ROOT, manifest), text: readFileSync(manifest, 'utf8') } } : {}),
      files: files.map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') })),
    });
    // Codes are collected while the cases are collected (not while they run), so that the
    // coverage test below holds whichever tests are selected.
    for (const d of [...(project.manifestFile?.diagnostics ?? []), ...project.files.flatMap((f) => f.diagnostics)]) seenCodes.add(d.code);
    if (project.manifestFile) {
      const mf = project.manifestFile;
      it(mf.path, () => {
        compareGolden(join(ROOT, mf.path), render(mf.path, mf.text, mf.diagnostics));
      });
    }
    for (const f of project.files) {
      const name = f.path;
      it(name, () => {
        const base = f.path.split('/').pop()!;
        const codes = f.diagnostics.map((d) => d.code);
        const intended = /^(rn\d{4})-/.exec(base)?.[1]?.toUpperCase();
        if (intended) expect(codes, `${name} is named for ${intended}`).toContain(intended);
        if (base.startsWith('ok-')) expect(f.diagnostics, `${name} must be clean`).toEqual([]);
        if (base.startsWith('recovery-')) {
          expect(f.diagnostics.filter((d) => d.code === 'RN0104' || d.code === 'RN0101' || d.code === 'RN0102').length, `${name}: several syntax errors`).toBeGreaterThanOrEqual(2);
        }
        compareGolden(join(ROOT, f.path), render(f.path, f.text, f.diagnostics));
      });
    }
  }

  it('has at least 60 cases', () => {
    expect(flows.length).toBeGreaterThanOrEqual(60);
  });

  it('covers every diagnostic code', () => {
    const missing = ALL_CODES.filter((c) => !seenCodes.has(c) && c !== 'RN0503');
    expect(missing, 'codes without a conformance case').toEqual([]);
  });

  it('documents every diagnostic code in docs/diagnostics.md', () => {
    const doc = readFileSync(join(ROOT, '../../../docs/diagnostics.md'), 'utf8');
    const missing = ALL_CODES.filter((c) => !new RegExp(`^##+ ${c}\\b`, 'm').test(doc));
    expect(missing, 'codes without a section in docs/diagnostics.md').toEqual([]);
  });
});
