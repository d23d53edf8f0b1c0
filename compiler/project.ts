/**
 * A project: runnel.json plus its .flow files, checked together (flow ids are project-wide).
 * Browser-safe: callers hand in the texts; reading files is the CLI's job.
 */
import { parse, type ParseResult } from './parse.js';
import { checkFile, type CheckResult } from './checker/index.js';
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { emptyManifest, loadManifest, type Manifest } from './manifest.js';
import { checkManifestRef } from './checker/manifest-refs.js';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';

export interface SourceInput {
  /** Path as the user should see it (relative to the working directory, say). */
  path: string;
  text: string;
}

export interface FileResult {
  path: string;
  text: string;
  parse: ParseResult;
  check: CheckResult;
  diagnostics: Diagnostic[];
}

export interface ProjectResult {
  manifest: Manifest;
  manifestFile?: { path: string; text: string; diagnostics: Diagnostic[] };
  files: FileResult[];
}

export interface ProjectInput {
  manifest?: SourceInput;
  files: SourceInput[];
}

export function checkProject(input: ProjectInput): ProjectResult {
  let manifest = emptyManifest();
  let manifestFile: ProjectResult['manifestFile'];
  if (input.manifest) {
    const loaded = loadManifest(input.manifest.text);
    manifest = loaded.manifest;
    checkManifestInternals(manifest, input.manifest.text, loaded.diagnostics);
    manifestFile = { path: input.manifest.path, text: input.manifest.text, diagnostics: sortDiagnostics(loaded.diagnostics.items) };
  }
  const files: FileResult[] = input.files.map((f) => {
    const bag = new DiagnosticBag();
    const parsed = parse(f.text, bag);
    const check = checkFile(parsed.ast, manifest, bag);
    return { path: f.path, text: f.text, parse: parsed, check, diagnostics: [] };
  });
  // Flow ids name the flow in the runtime: one per project.
  const firstById = new Map<string, { path: string }>();
  for (const f of files) {
    for (const flow of f.parse.ast.flows) {
      const id = flow.name.name;
      if (!id) continue;
      const prev = firstById.get(id);
      if (prev) {
        f.check.diagnostics.report('RN0409', flow.name.span, `flow id \`${id}\` is already used`, {
          label: 'second flow with this id',
          notes: [`the first is in ${prev.path}`],
          help: 'flow ids are unique in a project: rename one',
        });
      } else firstById.set(id, { path: f.path });
    }
  }
  for (const f of files) f.diagnostics = sortDiagnostics(f.check.diagnostics.items);
  return { manifest, ...(manifestFile ? { manifestFile } : {}), files };
}

/** Names inside runnel.json that refer to other parts of it (folders → segments). */
function checkManifestInternals(manifest: Manifest, text: string, bag: DiagnosticBag): void {
  const folders = manifest.json.folders ?? {};
  if (Object.keys(folders).length === 0) return;
  const root = parseTree(text);
  if (!root) return;
  for (const [folder, rule] of Object.entries(folders)) {
    if (typeof rule?.segment !== 'string') continue;
    const node = findNodeAtLocation(root, ['folders', folder, 'segment']);
    const span = node ? { start: node.offset, end: node.offset + node.length } : { start: 0, end: 1 };
    checkManifestRef({ manifest, diagnostics: bag, types: new Map() }, 'segment', rule.segment, span);
  }
}

/** Check one file on its own, as the editor does for a scratch file. */
export function checkSource(text: string, manifest: Manifest = emptyManifest()): FileResult {
  const bag = new DiagnosticBag();
  const parsed = parse(text, bag);
  const check = checkFile(parsed.ast, manifest, bag);
  return { path: '<input>', text, parse: parsed, check, diagnostics: sortDiagnostics(bag.items) };
}
