/**
 * The docs stay true: every ```flow block in docs/*.md checks clean with the real checker against
 * the example project's runnel.json; every ```flow wrong block in docs/diagnostics.md reports the
 * code of the section it illustrates (against the conformance project's runnel.json, whose names
 * its sample output shows); the generated catalog is up to date.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkProject } from '../../compiler/project.js';
import { renderDiagnostic } from '../../compiler/render.js';
import { REPO } from '../helpers/flow-files.js';

const shopManifest = { path: 'runnel.json', text: readFileSync(join(REPO, 'examples/shop/runnel.json'), 'utf8') };
const conformanceManifest = { path: 'runnel.json', text: readFileSync(join(REPO, 'test/conformance/check/runnel.json'), 'utf8') };

interface Block {
  file: string;
  line: number;
  wrong: boolean;
  section?: string;
  text: string;
}

function blocks(file: string): Block[] {
  const lines = readFileSync(join(REPO, 'docs', file), 'utf8').split('\n');
  const out: Block[] = [];
  let section: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const heading = /^##+ (RN\d{4})\b/.exec(lines[i]!);
    if (heading) section = heading[1];
    else if (/^##? /.test(lines[i]!)) section = undefined;
    const fence = /^```flow( wrong)?\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const start = i + 1;
    let j = start;
    while (j < lines.length && !lines[j]!.startsWith('```')) j++;
    out.push({ file, line: start, wrong: !!fence[1], ...(section ? { section } : {}), text: lines.slice(start, j).join('\n') + '\n' });
    i = j;
  }
  return out;
}

const all = readdirSync(join(REPO, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .flatMap(blocks);

describe('docs examples', () => {
  it('finds the examples', () => {
    expect(all.filter((b) => !b.wrong).length).toBeGreaterThan(40);
  });

  for (const b of all.filter((x) => !x.wrong)) {
    it(`${b.file}:${b.line} checks clean`, () => {
      const r = checkProject({ manifest: shopManifest, files: [{ path: `${b.file}:${b.line}`, text: b.text }] });
      expect(r.files[0]!.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    });
  }

  for (const b of all.filter((x) => x.wrong && x.section && !x.section.startsWith('RN05'))) {
    it(`${b.file}:${b.line} shows ${b.section}`, () => {
      const r = checkProject({ manifest: conformanceManifest, files: [{ path: 'example.flow', text: b.text }] });
      expect(r.files[0]!.diagnostics.map((d) => d.code)).toContain(b.section);
    });
  }

  it('shows in docs/diagnostics.md the output the checker really prints (UPDATE_GOLDEN=1 rewrites it)', () => {
    const path = join(REPO, 'docs/diagnostics.md');
    const doc = readFileSync(path, 'utf8');
    // A ```flow wrong block followed by a ```text block whose first line names the example's file.
    const re = /```flow wrong\n([\s\S]*?)```\n\n```text\n([^\n:]+)(:[\s\S]*?)```/g;
    let count = 0;
    const updated = doc.replace(re, (whole, flow: string, file: string, rest: string) => {
      count++;
      const r = checkProject({ manifest: conformanceManifest, files: [{ path: file, text: flow }] });
      const out = r.files[0]!.diagnostics.map((d) => renderDiagnostic(file, flow, d)).join('\n');
      if (process.env['UPDATE_GOLDEN'] !== '1') expect(file + rest, `sample output for ${file}`).toBe(out);
      return '```flow wrong\n' + flow + '```\n\n```text\n' + out + '```';
    });
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, updated);
    expect(count).toBeGreaterThan(30);
  });

  it('shows in README.md the output the checker really prints', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const sample = /A typo is caught before launch:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(sample, 'the sample in README.md').toBeDefined();
    const flow = 'flow welcome {\n  on CustomerRegistered\n  steps { send email "welcom" }\n}\n';
    const manifest = { path: 'runnel.json', text: JSON.stringify({ templates: { email: ['welcome', 'reminder'] } }) };
    const r = checkProject({ manifest, files: [{ path: 'flows/welcome.flow', text: flow }] });
    expect(r.files[0]!.diagnostics.map((d) => renderDiagnostic('flows/welcome.flow', flow, d)).join('\n')).toBe(sample);
  });

  it('has an up-to-date generated catalog', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'docs/gen-catalog.ts', '--check'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/out of date/);
    expect(r.status).toBe(0);
  });
});
