/** `runnel graph <file.flow> [--format svg|mermaid|dot]`: draw the flows of a file. */
import { writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { renderDiagnostic } from '../../compiler/render.js';
import { folderSegment, lowerFlow } from '../../compiler/lower/lower.js';
import { LowerError } from '../../compiler/lower/expr.js';
import type { FlowGraph } from '../../compiler/lower/graph.js';
import { drawFlows, GRAPH_FORMATS, type GraphFormat } from '../../compiler/draw/index.js';
import { displayPath, UsageError } from '../files.js';
import { absolutePath, checkPaths } from '../check-paths.js';
import { summary } from './check.js';
import { EXIT, type CliIO } from '../io.js';

export const GRAPH_HELP = `Usage: runnel graph <file.flow> [options]

Draw the flows of a .flow file as the canvas shows them: the triggers on top, every block with its
id (written or derived) and what it does (\`wait 2d\`, \`send email "welcome"\`, \`if ...\`), the
branches labelled (then / else if / else, split variants with their shares and the control group,
event / timeout of a \`wait for\`, within / else of a \`limit\`), the exit events in a note. Laid
out by dagre (svg) or by the tool that reads the text (mermaid, dot).

Options:
  --format <svg|mermaid|dot>  svg (default): a standalone SVG image;
                              mermaid: a flowchart for Markdown (GitHub, GitLab, wikis);
                              dot: Graphviz (\`dot -Tpng\`)
  --flow <id>                 draw only this flow (default: every flow of the file;
                              several are stacked in the SVG, one subgraph each in mermaid and dot)
  -o, --out <file>            write to a file (default: standard output)
  -h, --help                  show this help

A file with errors is not drawn: its diagnostics are printed as by \`runnel check\`, on standard
error. Warnings are printed there too, and the flows are drawn.

Exit status: 0 drawn, 1 errors in the file, 2 usage error (no such file, unknown format or flow).
`;

export interface GraphOptions {
  format: string;
  flow?: string | undefined;
  out?: string | undefined;
}

function isFormat(f: string): f is GraphFormat {
  return (GRAPH_FORMATS as readonly string[]).includes(f);
}

export function runGraph(paths: string[], opts: GraphOptions, io: CliIO): number {
  if (!isFormat(opts.format)) throw new UsageError(`--format must be svg, mermaid or dot, not ${opts.format}`);
  if (paths.length !== 1) throw new UsageError(paths.length === 0 ? 'name the .flow file to draw' : 'one .flow file at a time');
  const path = paths[0]!;
  if (!path.endsWith('.flow')) throw new UsageError(`not a .flow file: ${path}`);
  // Diagnostics go to standard error: standard output is the drawing.
  const checked = checkPaths([path], io.cwd, (p, text, lines, ds) => {
    for (const d of ds) io.stderr(renderDiagnostic(p, text, d, lines, { color: io.color }) + '\n');
  });
  if (checked.unreadable > 0) return EXIT.usage;
  if (checked.errors > 0) {
    io.stderr(`${summary(checked)} Nothing was drawn.\n`);
    return EXIT.inputErrors;
  }
  const graphs: FlowGraph[] = [];
  for (const { project, result, requested } of checked.projects) {
    const root = project.root;
    for (const f of result.files) {
      if (!requested.has(f.path)) continue;
      const rel = root ? relative(root, absolutePath(f.path, io.cwd)).split(sep).join('/') : undefined;
      const segment = rel !== undefined ? folderSegment(result.manifest, rel) : undefined;
      for (const flow of f.parse.ast.flows) {
        if (opts.flow !== undefined && flow.name.name !== opts.flow) continue;
        try {
          graphs.push(lowerFlow(flow, { manifest: result.manifest, ...(segment ? { segment } : {}) }));
        } catch (e) {
          if (!(e instanceof LowerError)) throw e;
          io.stderr(`${f.path}: flow ${flow.name.name}: cannot draw: ${e.message}\n`);
          return EXIT.inputErrors;
        }
      }
    }
  }
  if (graphs.length === 0) {
    if (opts.flow !== undefined) {
      const names = checked.projects.flatMap((p) => p.result.files.filter((f) => p.requested.has(f.path)).flatMap((f) => f.parse.ast.flows.map((x) => x.name.name)));
      throw new UsageError(`${path} has no flow \`${opts.flow}\`${names.length ? ` (it has: ${names.join(', ')})` : ''}`);
    }
    io.stderr(`${path}: no flow to draw\n`);
    return EXIT.inputErrors;
  }
  const text = drawFlows(graphs, opts.format);
  if (opts.out === undefined) {
    io.stdout(text);
    return EXIT.ok;
  }
  const target = resolve(io.cwd, opts.out);
  try {
    writeFileSync(target, text);
  } catch (e) {
    throw new UsageError(`cannot write ${opts.out}: ${(e as Error).message}`);
  }
  io.stdout(`wrote ${displayPath(target, io.cwd)}\n`);
  return EXIT.ok;
}
