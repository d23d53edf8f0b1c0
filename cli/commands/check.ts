/** `runnel check [paths...] [--format text|json]`: parse and type-check flows. */
import { renderDiagnostic, toJsonDiagnostic, type JsonDiagnostic } from '../../compiler/render.js';
import { checkPaths, type PathsCheck } from '../check-paths.js';
import { LineMap } from '../../compiler/line-map.js';
import { blockIds, explicitId, idKind } from '../../compiler/lower/ids.js';
import { EXIT, type CliIO } from '../io.js';

export const CHECK_HELP = `Usage: runnel check [paths...] [options]

Parse and type-check .flow files against the event catalog and their project's runnel.json.
Paths are .flow files or folders (default: the current folder). A file belongs to the project
of the nearest runnel.json in its folder or above.

Options:
  --format <text|json>  output format (default: text)
  --color / --no-color  force colours on or off (default: on for a terminal)
  -h, --help            show this help

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or unreadable file.
`;

export interface CheckOptions {
  format: 'text' | 'json';
}

export function runCheck(paths: string[], opts: CheckOptions, io: CliIO): number {
  const json: JsonDiagnostic[] = [];
  const result = checkPaths(paths, io.cwd, (path, text, lines, ds) => {
    for (const d of ds) {
      if (opts.format === 'json') json.push(toJsonDiagnostic(path, lines, d));
      else io.stdout(renderDiagnostic(path, text, d, lines, { color: io.color }) + '\n');
    }
  });
  if (opts.format === 'json') {
    io.stdout(JSON.stringify({ diagnostics: json, flows: flowOutlines(result) }, null, 2) + '\n');
  } else {
    io.stderr(summary(result) + '\n');
  }
  return result.unreadable > 0 ? EXIT.usage : result.errors > 0 ? EXIT.inputErrors : EXIT.ok;
}

/** `Checked 3 files: 1 error, 0 warnings.` */
export function summary(r: { files: number; errors: number; warnings: number }): string {
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `Checked ${n(r.files, 'file')}: ${n(r.errors, 'error')}, ${n(r.warnings, 'warning')}.`;
}

/** A flow as `--format json` lists it: where it is and the id of every block (written or derived). */
export interface FlowOutline {
  file: string;
  id: string;
  line: number;
  column: number;
  blocks: Array<{ id: string; kind: string; explicit: boolean; line: number; column: number }>;
}

/** Flows of the requested files that parse (block ids of a half-read flow would mislead). */
function flowOutlines(checked: PathsCheck): FlowOutline[] {
  const out: FlowOutline[] = [];
  for (const { result, requested } of checked.projects) {
    for (const f of result.files) {
      if (!requested.has(f.path) || f.diagnostics.some((d) => d.code.startsWith('RN01'))) continue;
      const lines = new LineMap(f.text);
      for (const flow of f.parse.ast.flows) {
        const { ids } = blockIds(flow);
        const at = lines.position(flow.name.span.start);
        out.push({
          file: f.path,
          id: flow.name.name,
          ...at,
          blocks: [...ids].map(([block, id]) => ({ id, kind: idKind(block), explicit: explicitId(block) === id, ...lines.position(block.span.start) })),
        });
      }
    }
  }
  return out;
}
