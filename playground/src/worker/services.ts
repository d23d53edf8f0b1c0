/**
 * The editor language services of compiler/services (completion, hover, quick fixes, formatting).
 * Found by Vite's import.meta.glob at build time and bundled; were the module absent, the glob
 * would be empty and the worker would still give the markers, the compiler's own fixes and
 * formatSource, only no completion and hover. Answers are normalized here to the protocol's
 * shapes, defensively: a member missing or throwing counts as absent, so a change of that module
 * degrades the playground instead of breaking it.
 */
import type { FileResult, ProjectResult } from '../../../compiler/project.js';
import type { CodeActionInfo, CompletionEntry, HoverInfo, OffsetRange, ServiceProject, TextEdit } from '../protocol.js';

interface ServicesModule {
  completion(project: ServiceProject, path: string, offset: number): unknown;
  hover(project: ServiceProject, path: string, offset: number): unknown;
  codeActions(project: ServiceProject, path: string, range: OffsetRange): unknown;
  formatDocument(text: string): unknown;
}

/** compiler/services' document cache, as far as the worker overrides it. */
interface DocumentCacheLike {
  checked(project: ServiceProject, path: string): FileResult | undefined;
  project(project: ServiceProject): ProjectResult;
}
interface ServicesParts {
  createRunnelServices(overrides: { documents: () => DocumentCacheLike }): Partial<{
    completion: { complete: ServicesModule['completion'] };
    hover: { hover: ServicesModule['hover'] };
    codeActions: { codeActions: ServicesModule['codeActions'] };
  }>;
  DefaultDocumentCache: new () => DocumentCacheLike;
}

const found = import.meta.glob('../../../compiler/services/index.ts', { eager: true }) as Record<string, Partial<ServicesModule & ServicesParts>>;
const module_: Partial<ServicesModule & ServicesParts> | undefined = Object.values(found)[0];

/** The worker's own check of the project the editor sent last (incremental.ts). */
let shared: { project: ServiceProject; result: ProjectResult } | undefined;
export function shareCheck(project: ServiceProject, result: ProjectResult): void {
  shared = { project, result };
}

/**
 * The services, reading the files the worker has already checked for the markers instead of
 * checking them again (a keystroke would otherwise be checked twice: for the markers, then for the
 * light bulb's quick fixes). Their module functions when the module has no such parts.
 */
function build(): Partial<ServicesModule> | undefined {
  const m = module_;
  if (!m || typeof m.createRunnelServices !== 'function' || typeof m.DefaultDocumentCache !== 'function') return m;
  class SharedChecks extends m.DefaultDocumentCache {
    override checked(project: ServiceProject, path: string): FileResult | undefined {
      if (shared?.project === project) {
        const f = shared.result.files.find((x) => x.path === path);
        if (f) return f;
      }
      return super.checked(project, path);
    }
    override project(project: ServiceProject): ProjectResult {
      return shared?.project === project ? shared.result : super.project(project);
    }
  }
  try {
    const s = m.createRunnelServices({ documents: () => new SharedChecks() });
    const complete = s.completion?.complete;
    const hover = s.hover?.hover;
    const actions = s.codeActions?.codeActions;
    return {
      ...m,
      ...(typeof complete === 'function' ? { completion: (p, path, offset) => complete.call(s.completion, p, path, offset) } : {}),
      ...(typeof hover === 'function' ? { hover: (p, path, offset) => hover.call(s.hover, p, path, offset) } : {}),
      ...(typeof actions === 'function' ? { codeActions: (p, path, r) => actions.call(s.codeActions, p, path, r) } : {}),
    };
  } catch (e) {
    console.warn('compiler/services: cannot make the services with the shared checks:', e);
    return m;
  }
}
const mod = build();

/** Which services come from compiler/services (for the status line and the tests). */
export const SERVICES_PRESENT: Record<keyof ServicesModule, boolean> = {
  completion: typeof mod?.completion === 'function',
  hover: typeof mod?.hover === 'function',
  codeActions: typeof mod?.codeActions === 'function',
  formatDocument: typeof mod?.formatDocument === 'function',
};

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function range(x: unknown): OffsetRange | undefined {
  if (!isObj(x)) return undefined;
  const start = x['start'];
  const end = x['end'];
  return typeof start === 'number' && typeof end === 'number' ? { start, end } : undefined;
}

function text(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (isObj(x) && typeof x['value'] === 'string') return x['value'];
  if (Array.isArray(x)) return x.map(text).filter((s) => s !== undefined).join('\n\n');
  return undefined;
}

function attempt<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    console.warn('compiler/services threw:', e);
    return undefined;
  }
}

/** Completion items from compiler/services, or undefined when it has none to give. */
export function servicesCompletion(project: ServiceProject, path: string, offset: number): CompletionEntry[] | undefined {
  if (!SERVICES_PRESENT.completion) return undefined;
  const items = attempt(() => mod!.completion!(project, path, offset));
  if (!Array.isArray(items)) return undefined;
  const fallbackRange = { start: offset, end: offset };
  return items.filter(isObj).map((i) => {
    const doc = text(i['documentation']);
    return {
      label: String(i['label'] ?? ''),
      kind: String(i['kind'] ?? 'text'),
      ...(typeof i['detail'] === 'string' ? { detail: i['detail'] } : {}),
      ...(doc !== undefined ? { documentation: doc } : {}),
      ...(typeof i['insertText'] === 'string' ? { insertText: i['insertText'] } : {}),
      ...(typeof i['sortText'] === 'string' ? { sortText: i['sortText'] } : {}),
      range: range(i['range']) ?? fallbackRange,
    };
  });
}

export function servicesHover(project: ServiceProject, path: string, offset: number): HoverInfo | null | undefined {
  if (!SERVICES_PRESENT.hover) return undefined;
  const h = attempt(() => mod!.hover!(project, path, offset));
  if (h === undefined) return undefined;
  if (!isObj(h)) return null;
  const contents = text(h['contents']);
  if (!contents) return null;
  return { contents, range: range(h['range']) ?? { start: offset, end: offset } };
}

function edits(x: unknown): TextEdit[] {
  if (!Array.isArray(x)) return [];
  return x.filter(isObj).flatMap((e) => {
    const r = range(e['range']) ?? range(e);
    const newText = e['newText'] ?? e['text'];
    return r && typeof newText === 'string' ? [{ range: r, newText }] : [];
  });
}

export function servicesCodeActions(project: ServiceProject, path: string, r: OffsetRange): CodeActionInfo[] | undefined {
  if (!SERVICES_PRESENT.codeActions) return undefined;
  const actions = attempt(() => mod!.codeActions!(project, path, r));
  if (!Array.isArray(actions)) return undefined;
  return actions.filter(isObj).map((a, i) => ({
    title: String(a['title'] ?? 'Fix'),
    edits: edits(a['edits']),
    ...(typeof a['isPreferred'] === 'boolean' || typeof a['preferred'] === 'boolean' ? { preferred: Boolean(a['isPreferred'] ?? a['preferred']) } : i === 0 ? { preferred: true } : {}),
    ...(typeof (a['diagnosticCode'] ?? a['code']) === 'string' ? { code: String(a['diagnosticCode'] ?? a['code']) } : {}),
  }));
}

/** The formatted text, an error, or undefined when compiler/services has no formatter. */
export function servicesFormat(source: string): { text: string } | { error: string } | undefined {
  if (!SERVICES_PRESENT.formatDocument) return undefined;
  const r = attempt(() => mod!.formatDocument!(source));
  if (typeof r === 'string') return { text: r };
  if (Array.isArray(r)) return servicesFormatEdits(source, r);
  if (isObj(r)) {
    if (typeof r['text'] === 'string') return { text: r['text'] };
    if (typeof r['error'] === 'string') return { error: r['error'] };
    if (Array.isArray(r['edits'])) return servicesFormatEdits(source, r['edits']);
  }
  return undefined;
}

/** Edits against the source, applied back to front. */
function servicesFormatEdits(source: string, list: unknown[]): { text: string } {
  let out = source;
  for (const e of [...edits(list)].sort((a, b) => b.range.start - a.range.start)) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return { text: out };
}
