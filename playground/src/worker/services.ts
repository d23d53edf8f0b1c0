/**
 * The editor language services of compiler/services (completion, hover, quick fixes, formatting)
 * in the worker. They read the files the worker has already checked for the markers instead of
 * checking them again: a keystroke would otherwise be checked twice, for the markers and then for
 * the light bulb's quick fixes.
 */
import type { FileResult, ProjectResult } from '../../../compiler/project.js';
import { createRunnelServices, DefaultDocumentCache, formatDocument, type CodeAction, type CompletionItem, type EditorProject, type Hover, type Range } from '../../../compiler/services/index.js';

/** The worker's own check of the project the editor sent last (incremental.ts). */
let shared: { project: EditorProject; result: ProjectResult } | undefined;
export function shareCheck(project: EditorProject, result: ProjectResult): void {
  shared = { project, result };
}

/** compiler/services' document cache, answering from the worker's check of the same project object. */
class SharedChecks extends DefaultDocumentCache {
  override checked(project: EditorProject, path: string): FileResult | undefined {
    if (shared?.project === project) {
      const f = shared.result.files.find((x) => x.path === path);
      if (f) return f;
    }
    return super.checked(project, path);
  }
  override project(project: EditorProject): ProjectResult {
    return shared?.project === project ? shared.result : super.project(project);
  }
}

const services = createRunnelServices({ documents: () => new SharedChecks() });

export function servicesCompletion(project: EditorProject, path: string, offset: number): CompletionItem[] {
  return services.completion.complete(project, path, offset);
}

export function servicesHover(project: EditorProject, path: string, offset: number): Hover | null {
  return services.hover.hover(project, path, offset);
}

export function servicesCodeActions(project: EditorProject, path: string, range: Range): CodeAction[] {
  return services.codeActions.codeActions(project, path, range);
}

/** The formatted text; undefined when the text has syntax errors (the compiler's formatter says which). */
export function servicesFormat(source: string): { text: string } | undefined {
  const r = formatDocument(source);
  return r ? { text: r.text } : undefined;
}
