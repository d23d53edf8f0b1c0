/**
 * Reads and checks the projects behind some paths, for every command that starts by checking
 * (`check`, `build`): files are read once, each diagnostic is handed to the caller to print.
 */
import { resolve } from 'node:path';
import { checkProject, type ProjectResult, type SourceInput } from '../compiler/project.js';
import type { Diagnostic } from '../compiler/diagnostics.js';
import { LineMap } from '../compiler/line-map.js';
import { collectProjects, displayPath, readText, type ProjectFiles } from './files.js';

export interface CheckedProject {
  project: ProjectFiles;
  /** Source paths in it are as the user sees them (relative to the working directory). */
  result: ProjectResult;
  /** The files asked about, by the same paths: only these are reported and built. */
  requested: Set<string>;
  /** Errors in this project, unreadable files included. */
  errors: number;
}

export interface PathsCheck {
  projects: CheckedProject[];
  errors: number;
  warnings: number;
  /** How many requested files were checked. */
  files: number;
  /** Files that could not be read: an environment error (exit 2), not an error in a flow. */
  unreadable: number;
}

export type Emit = (path: string, text: string, lines: LineMap, diagnostics: Diagnostic[]) => void;

function unreadable(message: string): Diagnostic {
  return { code: 'RN0503', severity: 'error', message, span: { start: 0, end: 0 }, notes: [], fixes: [] };
}

export function checkPaths(paths: string[], cwd: string, emit: Emit): PathsCheck {
  const out: PathsCheck = { projects: [], errors: 0, warnings: 0, files: 0, unreadable: 0 };
  const report = (path: string, text: string, ds: Diagnostic[], project: { errors: number }): void => {
    for (const d of ds) {
      if (d.severity === 'error') {
        out.errors++;
        project.errors++;
      } else if (d.severity === 'warning') out.warnings++;
    }
    if (ds.length) emit(path, text, new LineMap(text), ds);
  };
  for (const p of collectProjects(paths, cwd)) {
    const tally = { errors: 0 };
    const read = (abs: string, what: string): SourceInput | undefined => {
      const shown = displayPath(abs, cwd);
      try {
        return { path: shown, text: readText(abs) };
      } catch (e) {
        out.unreadable++;
        report(shown, '', [unreadable(`cannot read ${what}: ${(e as Error).message}`)], tally);
        return undefined;
      }
    };
    const files = p.files.map((f) => read(f, displayPath(f, cwd))).filter((f): f is SourceInput => !!f);
    const manifest = p.manifestPath ? read(p.manifestPath, 'runnel.json') : undefined;
    const requested = new Set([...p.requested].map((f) => displayPath(f, cwd)));
    const result = checkProject({ ...(manifest ? { manifest } : {}), files });
    if (result.manifestFile) report(result.manifestFile.path, result.manifestFile.text, result.manifestFile.diagnostics, tally);
    for (const f of result.files) {
      if (!requested.has(f.path)) continue;
      out.files++;
      report(f.path, f.text, f.diagnostics, tally);
    }
    out.projects.push({ project: p, result, requested, errors: tally.errors });
  }
  return out;
}

/** The absolute path of a path as shown (relative to the working directory, or absolute). */
export function absolutePath(shown: string, cwd: string): string {
  return resolve(cwd, shown);
}
