/** `runnel build [paths...] -o <dir>`: compile flows to verified .flowb bytecode and a manifest.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { renderDiagnostic } from '../../compiler/render.js';
import { CompileError, compileProject, type CompiledFlow } from '../../compiler/bytecode/compile.js';
import type { FlowGraph } from '../../compiler/lower/graph.js';
import { displayPath, UsageError } from '../files.js';
import { absolutePath, checkPaths } from '../check-paths.js';
import { summary } from './check.js';
import { EXIT, type CliIO } from '../io.js';

export const BUILD_HELP = `Usage: runnel build [paths...] -o <dir>

Check .flow files and compile each flow to verified bytecode: <dir>/<flow-id>.flowb, plus
<dir>/manifest.json listing every flow with its version hash, triggers and blocks.
Paths are .flow files or folders (default: the current folder). Nothing is written when
a file has errors: the diagnostics are printed as by \`runnel check\`.

Options:
  -o, --out <dir>       where to write (created if missing)
  -h, --help            show this help

Exit status: 0 built, 1 errors in the flows, 2 usage error.
`;

/** One entry of manifest.json. */
export interface BuildManifestFlow {
  id: string;
  /** The .flowb file, relative to manifest.json. */
  file: string;
  /** The .flow file it came from, relative to its project's root (or the working directory). */
  source: string;
  /** SHA-256 of the bytecode content (hex). */
  version: string;
  /** Event names, or the schedule as written. */
  triggers: string[];
  blocks: Array<{ id: string; kind: string }>;
}

function triggerNames(graph: FlowGraph): string[] {
  const names = graph.triggers.map((t) => (t.kind === 'event' ? t.event : t.text));
  return [...new Set(names)];
}

function posix(p: string): string {
  return p.split(sep).join('/');
}

export function runBuild(paths: string[], out: string, io: CliIO): number {
  const checked = checkPaths(paths, io.cwd, (path, text, lines, ds) => {
    for (const d of ds) io.stdout(renderDiagnostic(path, text, d, lines, { color: io.color }) + '\n');
  });
  if (checked.errors > 0) {
    io.stderr(`${summary(checked)} Nothing was built.\n`);
    return checked.unreadable > 0 ? EXIT.usage : EXIT.inputErrors;
  }
  const { files: fileCount, warnings } = checked;
  const compiled: Array<{ flow: CompiledFlow; source: string }> = [];
  for (const { project, result, requested } of checked.projects) {
    const root = project.root;
    const rel = (shown: string): string => posix(relative(root ?? io.cwd, absolutePath(shown, io.cwd)));
    let flows: CompiledFlow[];
    try {
      flows = compileProject(result, { include: (path) => requested.has(path), ...(root ? { relativePath: rel } : {}) });
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      io.stderr(`${e.path}: flow ${e.flowId}: cannot compile: ${e.reason}\n`);
      return EXIT.inputErrors;
    }
    for (const flow of flows) compiled.push({ flow, source: root ? rel(flow.path) : flow.path });
  }
  // Flow ids name the files: two projects built together must not share one.
  const seen = new Map<string, string>();
  for (const { flow, source } of compiled) {
    const prev = seen.get(flow.id);
    if (prev !== undefined) {
      io.stderr(`runnel build: two flows are called \`${flow.id}\` (${prev} and ${source}); build their projects into different folders\n`);
      return EXIT.inputErrors;
    }
    seen.set(flow.id, source);
  }
  compiled.sort((a, b) => (a.flow.id < b.flow.id ? -1 : a.flow.id > b.flow.id ? 1 : 0));
  const dir = resolve(io.cwd, out);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create ${out}: ${(e as Error).message}`);
  }
  const entries: BuildManifestFlow[] = [];
  for (const { flow, source } of compiled) {
    const file = `${flow.id}.flowb`;
    writeFileSync(join(dir, file), flow.bytes);
    io.stdout(`wrote ${displayPath(join(dir, file), io.cwd)} (${flow.bytes.length} bytes)\n`);
    entries.push({
      id: flow.id,
      file,
      source,
      version: flow.hash,
      triggers: triggerNames(flow.graph),
      blocks: flow.graph.blocks.map((b) => ({ id: b.id, kind: b.kind })),
    });
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ flows: entries }, null, 2) + '\n');
  io.stdout(`wrote ${displayPath(join(dir, 'manifest.json'), io.cwd)}\n`);
  io.stderr(`Built ${entries.length} flow${entries.length === 1 ? '' : 's'} from ${fileCount} file${fileCount === 1 ? '' : 's'}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.\n`);
  return EXIT.ok;
}
