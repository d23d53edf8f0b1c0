/**
 * The editor services of runnel, wired together (in the manner of Langium's service modules):
 * each service is an interface with a default implementation, created on first use and given the
 * whole container, so that any one of them can be replaced. Browser-safe: no Node module is
 * reachable from here (test/browser-safety.test.ts bundles it for the browser).
 */
import { DefaultCodeActionProvider, type CodeActionProvider } from './code-action-provider.js';
import { DefaultCompletionProvider, type CompletionProvider } from './completion-provider.js';
import { DefaultDiagnosticsProvider, type DiagnosticsProvider } from './diagnostics-provider.js';
import { DefaultDocumentCache, type DocumentCache } from './document-cache.js';
import { DefaultDocumentationProvider, type DocumentationProvider } from './documentation-provider.js';
import { DefaultFormatter, type Formatter } from './formatter.js';
import { DefaultHoverProvider, type HoverProvider } from './hover-provider.js';
import { DefaultScopeProvider, type ScopeProvider } from './scope-provider.js';
import type { CodeAction, CompletionItem, EditorDiagnostic, EditorProject, FormatResult, Hover, Range } from './types.js';

export interface RunnelServices {
  documents: DocumentCache;
  scopes: ScopeProvider;
  documentation: DocumentationProvider;
  completion: CompletionProvider;
  hover: HoverProvider;
  codeActions: CodeActionProvider;
  formatter: Formatter;
  diagnostics: DiagnosticsProvider;
}

/** How to build each service; pass some to `createRunnelServices` to replace the defaults. */
export type RunnelServiceFactories = { [K in keyof RunnelServices]: (services: RunnelServices) => RunnelServices[K] };

export const DEFAULT_FACTORIES: RunnelServiceFactories = {
  documents: () => new DefaultDocumentCache(),
  scopes: () => new DefaultScopeProvider(),
  documentation: () => new DefaultDocumentationProvider(),
  completion: (s) => new DefaultCompletionProvider(s),
  hover: (s) => new DefaultHoverProvider(s),
  codeActions: (s) => new DefaultCodeActionProvider(s),
  formatter: () => new DefaultFormatter(),
  diagnostics: (s) => new DefaultDiagnosticsProvider(s),
};

/** A container of services; each is created when first asked for. */
export function createRunnelServices(overrides: Partial<RunnelServiceFactories> = {}): RunnelServices {
  const factories = { ...DEFAULT_FACTORIES, ...overrides } as RunnelServiceFactories;
  const made: Partial<RunnelServices> = {};
  const services = {} as RunnelServices;
  for (const key of Object.keys(factories) as Array<keyof RunnelServices>) {
    Object.defineProperty(services, key, {
      enumerable: true,
      get: () => (made[key] ??= factories[key](services) as never),
    });
  }
  return services;
}

let shared: RunnelServices | undefined;
/** The container behind the plain functions below (one per worker). */
export function defaultServices(): RunnelServices {
  return (shared ??= createRunnelServices());
}

/** Completion items at `offset` (a UTF-16 offset) of the file `path`. */
export function completion(project: EditorProject, path: string, offset: number): CompletionItem[] {
  return defaultServices().completion.complete(project, path, offset);
}

/** What the word at `offset` is; null when there is nothing to say. */
export function hover(project: EditorProject, path: string, offset: number): Hover | null {
  return defaultServices().hover.hover(project, path, offset);
}

/** Quick fixes for the diagnostics that touch `range`. */
export function codeActions(project: EditorProject, path: string, range: Range): CodeAction[] {
  return defaultServices().codeActions.codeActions(project, path, range);
}

/** The formatted text and its edits; null when the text has syntax errors. */
export function formatDocument(text: string, options?: { width?: number }): FormatResult | null {
  return defaultServices().formatter.formatDocument(text, options);
}

/** The file's diagnostics (or runnel.json's, given its path), with offsets. */
export function diagnostics(project: EditorProject, path: string): EditorDiagnostic[] {
  return defaultServices().diagnostics.diagnostics(project, path);
}
