/** `runnel check [paths...] [--format text|json]`: parse and type-check flows. */
import { checkProject, type SourceInput } from '../../compiler/project.js';
import { renderDiagnostic, toJsonDiagnostic, type JsonDiagnostic } from '../../compiler/render.js';
import { LineMap } from '../../compiler/line-map.js';
import type { Diagnostic } from '../../compiler/diagnostics.js';
import { collectProjects, displayPath, readText } from '../files.js';
import { EXIT, type CliIO } from '../io.js';

export const CHECK_HELP = `Usage: runnel check [paths...] [options]

Parse and type-check .flow files against the event catalog and their project's runnel.json.
Paths are .flow files or folders (default: the current folder). A file belongs to the project
of the nearest runnel.json in its folder or above.

Options:
  --format <text|json>  output format (default: text)
  --color / --no-color  force colours on or off (default: on for a terminal)
  -h, --help            show this help

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error.
`;

export interface CheckOptions {
  format: 'text' | 'json';
}

export function runCheck(paths: string[], opts: CheckOptions, io: CliIO): number {
  const projects = collectProjects(paths, io.cwd);
  const json: JsonDiagnostic[] = [];
  let errors = 0;
  let warnings = 0;
  let fileCount = 0;
  const emit = (path: string, text: string, lines: LineMap, ds: Diagnostic[]): void => {
    for (const d of ds) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
      if (opts.format === 'json') json.push(toJsonDiagnostic(path, lines, d));
      else io.stdout(renderDiagnostic(path, text, d, lines, { color: io.color }) + '\n');
    }
  };
  for (const p of projects) {
    const files: SourceInput[] = [];
    for (const f of p.files) {
      try {
        // Paths as the user sees them: they appear in notes ("the first is in flows/a.flow").
        files.push({ path: displayPath(f, io.cwd), text: readText(f) });
      } catch (e) {
        errors++;
        const msg = `cannot read ${displayPath(f, io.cwd)}: ${(e as Error).message}`;
        if (opts.format === 'json') json.push({ file: displayPath(f, io.cwd), line: 1, column: 1, endLine: 1, endColumn: 1, severity: 'error', code: 'RN0503', message: msg, suggestions: [], notes: [], fixes: [] });
        else io.stdout(`${displayPath(f, io.cwd)}:1:1 - error RN0503: ${msg}\n`);
      }
    }
    let manifest: SourceInput | undefined;
    if (p.manifestPath) {
      try {
        manifest = { path: p.manifestPath, text: readText(p.manifestPath) };
      } catch (e) {
        errors++;
        io.stdout(`${displayPath(p.manifestPath, io.cwd)}:1:1 - error RN0503: cannot read runnel.json: ${(e as Error).message}\n`);
      }
    }
    const requested = new Set([...p.requested].map((f) => displayPath(f, io.cwd)));
    const result = checkProject({ ...(manifest ? { manifest } : {}), files });
    if (result.manifestFile) {
      const mf = result.manifestFile;
      emit(displayPath(mf.path, io.cwd), mf.text, new LineMap(mf.text), mf.diagnostics);
    }
    for (const f of result.files) {
      if (!requested.has(f.path)) continue;
      fileCount++;
      emit(f.path, f.text, new LineMap(f.text), f.diagnostics);
    }
  }
  if (opts.format === 'json') {
    io.stdout(JSON.stringify({ diagnostics: json }, null, 2) + '\n');
  } else {
    const summary = `Checked ${fileCount} file${fileCount === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`;
    io.stderr(summary + '\n');
  }
  return errors > 0 ? EXIT.inputErrors : EXIT.ok;
}
