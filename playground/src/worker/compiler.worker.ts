/**
 * The compiler in a web worker: the same modules as the CLI (compiler/, compiler/services,
 * runtime/engine/simulate, schemas/), fed with the texts of the editor. The page runs two of these: one answers what the
 * editor asks while typing (diagnostics, completion, hover, code actions, format), the other the
 * slower work (the graph, simulations), so a layout or a simulation never delays the markers.
 */
import type { ProjectResult } from '../../../compiler/project.js';
import type { Diagnostic } from '../../../compiler/diagnostics.js';
import { formatSource } from '../../../compiler/format/format-flow.js';
import { folderSegment, lowerFlow } from '../../../compiler/lower/lower.js';
import { blockIds } from '../../../compiler/lower/ids.js';
import { LowerError } from '../../../compiler/lower/expr.js';
import type { FlowGraph } from '../../../compiler/lower/graph.js';
import { CompileError, compileProject } from '../../../compiler/bytecode/compile.js';
import { verifyFlow } from '../../../compiler/bytecode/verify.js';
import type { VerifiedProgram } from '../../../compiler/bytecode/program.js';
import { flowDiagram, toSvg } from '../../../compiler/draw/index.js';
import type * as A from '../../../compiler/ast.js';
import { formatTimeline, simulate } from '../../../runtime/engine/simulate.js';
import { validateControl, validateCustomer, validateEvent } from '../../../schemas/index.js';
import { generateDemoDay, toJsonl } from '../../../scripts/demo-data.js';
import type {
  BlockSpan,
  CodeActionInfo,
  CustomerTimeline,
  Envelope,
  LineProblem,
  PlaygroundDiagnostic,
  Request,
  Response,
  ServiceProject,
  SimulationSummary,
  TimelineEntry,
} from '../protocol.js';
import { servicesCodeActions, servicesCompletion, servicesFormat, servicesHover, shareCheck } from './services.js';
import { IncrementalChecker } from './incremental.js';

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
}
const scope = self as unknown as WorkerScope;

/** The last project the editor sent, and its check. */
let project: ServiceProject = { manifest: null, files: [] };
let checked: ProjectResult | undefined;

const checker = new IncrementalChecker();
function check(p: ServiceProject): ProjectResult {
  return checker.check({ ...(p.manifest ? { manifest: p.manifest } : {}), files: p.files });
}

function toPlayground(d: Diagnostic): PlaygroundDiagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    start: d.span.start,
    end: d.span.end,
    ...(d.label !== undefined ? { label: d.label } : {}),
    notes: d.notes,
    ...(d.help !== undefined ? { help: d.help } : {}),
  };
}

function diagnosticsByPath(r: ProjectResult): Record<string, PlaygroundDiagnostic[]> {
  const out: Record<string, PlaygroundDiagnostic[]> = {};
  if (r.manifestFile) out[r.manifestFile.path] = r.manifestFile.diagnostics.map(toPlayground);
  for (const f of r.files) out[f.path] = f.diagnostics.map(toPlayground);
  return out;
}

function codeActions(path: string, range: { start: number; end: number }): CodeActionInfo[] {
  // Quick fixes are for the diagnostics that touch the range: none there, nothing to ask (the
  // editor asks at every move of the cursor).
  const r = checked ?? check(project);
  const ds = (r.manifestFile?.path === path ? r.manifestFile.diagnostics : (r.files.find((f) => f.path === path)?.diagnostics ?? [])).filter(
    (d) => d.span.end >= range.start && d.span.start <= range.end,
  );
  if (!ds.length) return [];
  if (path.endsWith('.flow')) return servicesCodeActions(project, path, range);
  // runnel.json: the compiler's own fixes.
  return ds.flatMap((d) =>
    d.fixes.map((f, i) => ({ title: f.message, edits: [{ range: { start: f.span.start, end: f.span.end }, newText: f.replacement }], diagnosticCode: d.code, ...(i === 0 ? { isPreferred: true } : {}) })),
  );
}

/** Every block of the flows of a file with its id: the ids the drawing puts in `data-block`. */
function blockSpans(flows: readonly A.FlowDecl[]): BlockSpan[] {
  const out: BlockSpan[] = [];
  for (const flow of flows) {
    for (const [block, id] of blockIds(flow).ids) out.push({ flow: flow.name.name, block: id, start: block.span.start, end: block.span.end });
  }
  return out;
}

function graph(path: string, p: ServiceProject): Extract<Response, { type: 'graph' }> {
  const r = check(p);
  const file = r.files.find((f) => f.path === path);
  if (!file) return { type: 'graph', path, blocks: [], flows: [], error: 'not a .flow file' };
  const errors = file.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return { type: 'graph', path, blocks: [], flows: [], error: `${errors.length} error${errors.length > 1 ? 's' : ''} in ${path}: the drawing shows the last version without errors` };
  const segment = folderSegment(r.manifest, path);
  const graphs: FlowGraph[] = [];
  try {
    for (const flow of file.parse.ast.flows) graphs.push(lowerFlow(flow, { manifest: r.manifest, ...(segment ? { segment } : {}) }));
  } catch (e) {
    if (!(e instanceof LowerError)) throw e;
    return { type: 'graph', path, blocks: [], flows: [], error: `cannot draw: ${e.message}` };
  }
  if (!graphs.length) return { type: 'graph', path, blocks: [], flows: [], error: 'no flow in this file' };
  return { type: 'graph', path, svg: toSvg(graphs.map(flowDiagram)), blocks: blockSpans(file.parse.ast.flows), flows: graphs.map((g) => g.id) };
}

const compiledIds: string[] = [];
function compile(r: ProjectResult, include: (path: string) => boolean): VerifiedProgram[] {
  return compileProject(r, { include, relativePath: (p) => p }).map((f) => {
    compiledIds.push(f.id);
    return verifyFlow(f.bytes);
  });
}

function runSimulation(p: ServiceProject, events: string, customers: string, until?: string): SimulationSummary {
  const t0 = performance.now();
  const r = check(p);
  const skipped = r.files.filter((f) => f.diagnostics.some((d) => d.severity === 'error')).map((f) => f.path);
  const manifestErrors = r.manifestFile?.diagnostics.some((d) => d.severity === 'error');
  const empty = { customers: [], effects: [], notEntered: [], counters: {}, text: '', warnings: [], skipped, flows: [] };
  if (manifestErrors) return { ...empty, errors: ['runnel.json has errors: fix them to simulate'], ms: performance.now() - t0 };
  let programs: VerifiedProgram[];
  compiledIds.length = 0;
  try {
    programs = compile(r, (path) => !skipped.includes(path));
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return { ...empty, errors: [e.message], ms: performance.now() - t0 };
  }
  let untilMs: number | undefined;
  if (until) {
    untilMs = Date.parse(until);
    if (!Number.isFinite(untilMs)) return { ...empty, errors: [`the clock must be an ISO date-time, not ${until}`], ms: performance.now() - t0 };
  }
  // `launch` control lines name a file of the project.
  const load = (source: string): VerifiedProgram[] | string => {
    const path = source.replace(/^\.\//, '');
    if (!r.files.some((f) => f.path === path)) return `no file ${path} in the project`;
    if (skipped.includes(path)) return `${path} has errors`;
    return compile(r, (x) => x === path);
  };
  const sim = simulate(programs, events, customers, { ...(untilMs !== undefined ? { until: untilMs } : {}), load });
  const out = sim.output;
  const byCustomer = new Map<string, CustomerTimeline>();
  const timeline = (c: unknown): CustomerTimeline => {
    const id = typeof c === 'string' ? c : '(unknown customer)';
    let t = byCustomer.get(id);
    if (!t) byCustomer.set(id, (t = { customer: id, entries: [], instances: [] }));
    return t;
  };
  const counters: Record<string, Record<string, number>> = {};
  const str = (x: unknown): string => (typeof x === 'string' ? x : x === undefined || x === null ? '' : JSON.stringify(x));
  for (const a of out.activity) {
    const t = timeline(a['customer']);
    const flow = str(a['flow']);
    t.instances.push({
      flow,
      status: str(a['status']),
      reason: str(a['reason']),
      enteredAt: str(a['enteredAt']),
      ...(a['message'] !== undefined ? { message: str(a['message']) } : {}),
      ...(a['waitingUntil'] !== undefined ? { waitingUntil: a['waitingUntil'] as string | null } : {}),
    });
    t.entries.push({ at: str(a['enteredAt']), flow, kind: 'entered', text: `entered (event ${str(a['event'])})` });
    const seen = new Set<string>();
    for (const s of a['steps'] as Array<Record<string, unknown>>) {
      const block = str(s['block']);
      if (!seen.has(block)) {
        seen.add(block);
        const perFlow = (counters[flow] ??= {});
        perFlow[block] = (perFlow[block] ?? 0) + 1;
      }
      if (s['kind'] === 'steps') continue;
      const extra = `${s['until'] ? ` until ${str(s['until'])}` : ''}${s['variant'] ? ` variant ${str(s['variant'])}` : ''}`;
      t.entries.push({ at: str(s['at']), flow, kind: 'step', text: `${str(s['kind'])} ${block}${extra}` });
    }
    const end = `${str(a['status'])} ${str(a['reason'])}${a['message'] ? ` (${str(a['message'])})` : ''}${a['waitingUntil'] ? ` until ${str(a['waitingUntil'])}` : ''}`;
    const last = (a['steps'] as Array<Record<string, unknown>>).at(-1);
    t.entries.push({ at: str(last?.['at'] ?? a['enteredAt']), flow, kind: 'status', text: `now ${end}`, status: str(a['status']), reason: str(a['reason']) });
  }
  for (const e of out.effects) {
    const what = Object.entries(e)
      .filter(([k]) => !['at', 'flow', 'version', 'customer', 'block', 'action', 'key', 'instance'].includes(k))
      .map(([k, v]) => `${k}=${str(v)}`)
      .join(' ');
    timeline(e['customer']).entries.push({ at: str(e['at']), flow: str(e['flow']), kind: 'effect', text: `${str(e['block'])}: ${str(e['action'])} ${what}` });
  }
  for (const n of out.notEntered) {
    const entry: TimelineEntry = {
      at: str(n['at']),
      flow: str(n['flow'] ?? '(no flow)'),
      kind: 'not_entered',
      text: `did not enter (event ${str(n['event'] ?? '?')})${n['message'] ? `: ${str(n['message'])}` : ''}`,
      reason: str(n['reason']),
    };
    timeline(n['customer']).entries.push(entry);
  }
  const customers_ = [...byCustomer.values()].sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0));
  const order: Record<TimelineEntry['kind'], number> = { entered: 0, step: 1, effect: 2, status: 3, not_entered: 4 };
  for (const c of customers_) {
    const indexed = c.entries.map((e, i) => ({ e, i }));
    indexed.sort((x, y) => (x.e.at < y.e.at ? -1 : x.e.at > y.e.at ? 1 : order[x.e.kind] - order[y.e.kind] || x.i - y.i));
    c.entries = indexed.map((x) => x.e);
  }
  return {
    customers: customers_,
    effects: out.effects,
    notEntered: out.notEntered,
    counters,
    text: formatTimeline(out),
    errors: sim.errors,
    warnings: sim.warnings,
    skipped,
    flows: [...new Set(compiledIds)],
    ms: performance.now() - t0,
  };
}

function validateLines(kind: 'events' | 'customers', text: string): LineProblem[] {
  const problems: LineProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      problems.push({ line: i + 1, message: `not JSON: ${(e as Error).message}` });
      return;
    }
    const isControl = kind === 'events' && typeof json === 'object' && json !== null && 'control' in json;
    const v = kind === 'customers' ? validateCustomer(json) : isControl ? validateControl(json) : validateEvent(json);
    if (!v.ok) for (const e of v.errors) problems.push({ line: i + 1, message: `${e.path || '/'}: ${e.message}` });
  });
  return problems;
}

function handle(req: Request): Response {
  switch (req.type) {
    case 'update': {
      const t0 = performance.now();
      project = req.project;
      checked = check(project);
      shareCheck(project, checked);
      const byPath = diagnosticsByPath(checked);
      const t1 = performance.now();
      return { type: 'diagnostics', version: req.version, path: req.path, byPath, ms: t1 - t0, received: performance.timeOrigin + t0, answered: performance.timeOrigin + t1 };
    }
    case 'completion':
      return { type: 'completion', items: servicesCompletion(project, req.path, req.offset) };
    case 'hover':
      return { type: 'hover', hover: servicesHover(project, req.path, req.offset) };
    case 'codeActions':
      return { type: 'codeActions', actions: codeActions(req.path, req.range) };
    case 'format': {
      const r = servicesFormat(req.text) ?? formatSource(req.text);
      return 'error' in r ? { type: 'format', error: r.error } : { type: 'format', text: r.text };
    }
    case 'graph':
      return graph(req.path, req.project);
    case 'simulate':
      return { type: 'simulate', result: runSimulation(req.project, req.events, req.customers, req.until) };
    case 'validateLines':
      return { type: 'validateLines', problems: validateLines(req.kind, req.text) };
    case 'generate': {
      const day = generateDemoDay({ customers: req.customers, seed: req.seed });
      return { type: 'generate', events: toJsonl(day.events), customers: toJsonl(day.customers), until: day.until };
    }
  }
}

scope.addEventListener('message', (e: MessageEvent) => {
  const { id, body } = e.data as Envelope<Request>;
  let answer: Response | { type: 'error'; message: string };
  try {
    answer = handle(body);
  } catch (err) {
    answer = { type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
  }
  scope.postMessage({ id, body: answer });
});
