/**
 * The shapes the editor services take and give. Plain data, so that they cross a web worker's
 * message boundary unchanged. Offsets are UTF-16 offsets into the file text (JavaScript string
 * indexes, what Monaco's `model.getOffsetAt` gives); a range is `{ start, end }`, end exclusive.
 */
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { Severity } from '../diagnostics.js';

/** A source text with the path the editor shows for it. */
export interface ProjectFile {
  path: string;
  text: string;
}

/**
 * What the editor knows: the project's runnel.json (or null outside a project) and its .flow files.
 * The file being edited is one of `files`, named by its path in each call.
 */
export interface EditorProject {
  manifest: ProjectFile | null;
  files: ProjectFile[];
}

export interface Range {
  start: number;
  end: number;
}

export type CompletionKind =
  | 'keyword'
  | 'event'
  | 'option'
  | 'value'
  | 'field'
  | 'method'
  | 'function'
  | 'template'
  | 'segment'
  | 'pool'
  | 'account'
  | 'budget'
  | 'snippet';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line next to the label: a type, a signature, where a name is declared. */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /**
   * The text to insert (the label when absent). For items of kind `snippet` it uses snippet
   * syntax (`${1:name}`, `$0`): insert it as a snippet (Monaco: `InsertAsSnippet`).
   */
  insertText?: string;
  /** The text the item replaces: the word (or the string's contents) around the cursor. */
  range: Range;
  /** Sort key; items without one sort after those with one, by label. */
  sortText?: string;
}

export interface Hover {
  /** Markdown. */
  contents: string;
  /** The word or node the hover is about. */
  range: Range;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface CodeAction {
  title: string;
  edits: TextEdit[];
  /** The code of the diagnostic the action fixes. */
  diagnosticCode?: DiagnosticCode;
  /** The one obvious fix of its diagnostic (Monaco / VS Code: `isPreferred`). */
  isPreferred?: boolean;
}

/** A "did you mean" or other machine-applicable fix, as offsets. */
export interface DiagnosticSuggestion {
  title: string;
  start: number;
  end: number;
  newText: string;
}

/** A diagnostic in the worker's stable shape (what `runnel check --format json` says, flattened). */
export interface EditorDiagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  /** The short text under the caret in the terminal. */
  label?: string;
  notes: string[];
  help?: string;
  suggestions: DiagnosticSuggestion[];
}

export interface FormatResult {
  /** The whole formatted text. */
  text: string;
  /** The edits that turn the old text into `text` (none when already formatted). */
  edits: TextEdit[];
}
