/**
 * checkProject, kept warm between keystrokes: the manifest is loaded once per runnel.json text
 * (one Manifest object, so the checker's per-manifest caches hold), and each file is checked once
 * per text (checkSource against that manifest: what checkProject does for each file). A keystroke
 * re-checks one file. Flow ids are project-wide: when two files declare the same id the whole
 * project goes through checkProject itself, which reports it. The result is checkProject's
 * (test/playground/incremental.test.ts compares them on every example).
 */
import { checkProject, checkSource, type FileResult, type ProjectInput, type ProjectResult } from '../../../compiler/project.js';

export class IncrementalChecker {
  private manifestText: string | null | undefined;
  private manifestPart: Pick<ProjectResult, 'manifest' | 'manifestFile'> | undefined;
  private readonly files = new Map<string, { text: string; result: FileResult }>();

  check(input: ProjectInput): ProjectResult {
    const text = input.manifest ? `${input.manifest.path}\u0000${input.manifest.text}` : null;
    if (text !== this.manifestText || !this.manifestPart) {
      const r = checkProject({ ...(input.manifest ? { manifest: input.manifest } : {}), files: [] });
      this.manifestPart = { manifest: r.manifest, ...(r.manifestFile ? { manifestFile: r.manifestFile } : {}) };
      this.manifestText = text;
      this.files.clear();
    }
    const { manifest } = this.manifestPart;
    const seen = new Set<string>();
    const files = input.files.map((f) => {
      seen.add(f.path);
      const cached = this.files.get(f.path);
      if (cached && cached.text === f.text) return cached.result;
      const result: FileResult = { ...checkSource(f.text, manifest), path: f.path };
      this.files.set(f.path, { text: f.text, result });
      return result;
    });
    for (const path of [...this.files.keys()]) if (!seen.has(path)) this.files.delete(path);
    const ids = new Set<string>();
    for (const f of files)
      for (const flow of f.parse.ast.flows) {
        const id = flow.name.name;
        if (!id) continue;
        if (ids.has(id)) return checkProject(input);
        ids.add(id);
      }
    return { ...this.manifestPart, files };
  }
}
