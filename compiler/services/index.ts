/**
 * Editor language services for runnel flows: completion, hover, quick fixes, formatting and
 * diagnostics, for the playground's web worker (or any editor). Browser-safe.
 *
 *   import { completion, hover, codeActions, formatDocument, diagnostics } from '.../compiler/services/index.js';
 *   const project = { manifest: { path: 'runnel.json', text }, files: [{ path: 'flows/a.flow', text }] };
 *   completion(project, 'flows/a.flow', offset);
 *
 * Offsets are UTF-16 offsets into the file's text; ranges are { start, end }, end exclusive.
 */
export * from './types.js';
export {
  createRunnelServices,
  defaultServices,
  DEFAULT_FACTORIES,
  completion,
  hover,
  codeActions,
  formatDocument,
  diagnostics,
  type RunnelServices,
  type RunnelServiceFactories,
} from './language-services.js';
export { DefaultDocumentCache, type DocumentCache, type ManifestResult } from './document-cache.js';
export { DefaultScopeProvider, type ScopeProvider } from './scope-provider.js';
export { DefaultDocumentationProvider, type DocumentationProvider, KEYWORD_DOCS } from './documentation-provider.js';
export { DefaultCompletionProvider, type CompletionProvider } from './completion-provider.js';
export { DefaultHoverProvider, type HoverProvider } from './hover-provider.js';
export { DefaultCodeActionProvider, type CodeActionProvider } from './code-action-provider.js';
export { DefaultFormatter, type Formatter, minimalEdits } from './formatter.js';
export { DefaultDiagnosticsProvider, type DiagnosticsProvider, toEditor } from './diagnostics-provider.js';
export { cursorContext, flowTriggers, type CursorContext, type Slot, type ExprScope, type PathExpr, type FlowTriggers } from './cursor-context.js';
