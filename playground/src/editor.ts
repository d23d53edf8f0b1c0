/**
 * The project editor: one Monaco editor, one model per file (tabs), the .flow language, and the
 * providers that ask the compiler worker (markers, completion, hover, quick fixes, formatting).
 *
 * Keystroke to markers: every change sends the project to the worker at once unless an update is
 * already on its way, in which case the newest text follows as soon as that answer is back (no
 * timer). Answers for an older version of the file are dropped: a newer one is coming.
 */
import { monaco } from './monaco-setup.js';
import { configuration, JSONL_ID, jsonlConfiguration, jsonlMonarch, LANGUAGE_ID, monarch } from './flow-language.js';
import type { CompilerClient } from './client.js';
import type { CompletionEntry, OffsetRange, PlaygroundDiagnostic, ServiceProject } from './protocol.js';
import { MANIFEST_PATH, type PlaygroundFile } from './state.js';

type Model = monaco.editor.ITextModel;
const K = monaco.languages.CompletionItemKind;

const KINDS: Record<string, monaco.languages.CompletionItemKind> = {
  keyword: K.Keyword,
  event: K.Event,
  field: K.Field,
  property: K.Property,
  option: K.Property,
  budget: K.Reference,
  method: K.Method,
  function: K.Function,
  variable: K.Variable,
  context: K.Variable,
  value: K.EnumMember,
  enum: K.EnumMember,
  template: K.Reference,
  segment: K.Reference,
  pool: K.Reference,
  account: K.Reference,
  brand: K.Reference,
  reference: K.Reference,
  snippet: K.Snippet,
  block: K.Module,
};

export function uriOf(path: string): monaco.Uri {
  return monaco.Uri.parse(`file:///${path}`);
}

export function pathOf(model: Model): string {
  return model.uri.path.replace(/^\//, '');
}

function languageOf(path: string, json: boolean): string {
  return path.endsWith('.flow') ? LANGUAGE_ID : path.endsWith('.json') && json ? 'json' : path.endsWith('.jsonl') ? JSONL_ID : 'plaintext';
}

function rangeOf(model: Model, r: OffsetRange): monaco.Range {
  const a = model.getPositionAt(r.start);
  const b = model.getPositionAt(r.end);
  return new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
}

const SEVERITY = { error: monaco.MarkerSeverity.Error, warning: monaco.MarkerSeverity.Warning, info: monaco.MarkerSeverity.Info };

export function markerMessage(d: PlaygroundDiagnostic): string {
  const lines = [d.message];
  if (d.label && d.label !== d.message) lines.push(`  ${d.label}`);
  for (const n of d.notes) lines.push(`note: ${n}`);
  if (d.help) lines.push(`help: ${d.help}`);
  return lines.join('\n');
}

/** `{...}` pairs (outside strings and comments) and block comments, as folding ranges. */
export function foldingRanges(text: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  const stack: number[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      if (text[i] === '\n') line++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      line++;
    } else if (c === '/' && text[i + 1] === '*') {
      const startLine = line;
      for (i += 2; i < text.length && !(text[i] === '*' && text[i + 1] === '/'); i++) if (text[i] === '\n') line++;
      i++;
      if (line > startLine) out.push({ start: startLine, end: line });
    } else if (c === '{') stack.push(line);
    else if (c === '}') {
      const start = stack.pop();
      if (start !== undefined && line - 1 > start) out.push({ start, end: line - 1 });
    }
  }
  return out;
}

let languagesRegistered = false;
function registerLanguages(): void {
  if (languagesRegistered) return;
  languagesRegistered = true;
  monaco.languages.register({ id: LANGUAGE_ID, extensions: ['.flow'], aliases: ['Runnel flow', 'flow'] });
  monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, monarch);
  monaco.languages.setLanguageConfiguration(LANGUAGE_ID, configuration);
  monaco.languages.register({ id: JSONL_ID, extensions: ['.jsonl'], aliases: ['JSON Lines'] });
  monaco.languages.setMonarchTokensProvider(JSONL_ID, jsonlMonarch);
  monaco.languages.setLanguageConfiguration(JSONL_ID, jsonlConfiguration);
  monaco.languages.registerFoldingRangeProvider(LANGUAGE_ID, {
    provideFoldingRanges: (model) => foldingRanges(model.getValue()),
  });
  monaco.editor.defineTheme('runnel', {
    base: 'vs',
    inherit: true,
    rules: [
      { token: 'keyword', foreground: '7c3aed', fontStyle: 'bold' },
      { token: 'keyword.operator', foreground: '7c3aed' },
      { token: 'type.identifier', foreground: '0369a1', fontStyle: 'bold' },
      { token: 'variable.predefined', foreground: 'b45309' },
      { token: 'constant', foreground: 'be185d' },
      { token: 'number', foreground: '047857' },
      { token: 'number.duration', foreground: '047857', fontStyle: 'italic' },
      { token: 'number.date', foreground: '047857' },
      { token: 'number.time', foreground: '047857' },
      { token: 'number.percent', foreground: '047857' },
      { token: 'string', foreground: 'a31515' },
      { token: 'string.invalid', foreground: 'dc2626', fontStyle: 'underline' },
      { token: 'comment', foreground: '6b7280', fontStyle: 'italic' },
    ],
    colors: {},
  });
}

export interface MarkersEvent {
  path: string;
  version: number;
  /** Time the worker spent checking. */
  checkMs: number;
  /** performance.now() times: sent to the worker, taken by it, answered, markers set. */
  times: { sent: number; received: number; answered: number; set: number };
  diagnostics: Record<string, PlaygroundDiagnostic[]>;
}

export class ProjectEditor {
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  private readonly models = new Map<string, Model>();
  private readonly viewStates = new Map<string, monaco.editor.ICodeEditorViewState | null>();
  /** The model version the worker last got, per path. */
  private sentVersion = new Map<string, number>();
  private inFlight = false;
  private dirty = false;
  private lastChanged = '';
  /** JSON's language service (completion from the manifest schema) loads once the page is up. */
  private jsonEnabled = false;
  diagnostics: Record<string, PlaygroundDiagnostic[]> = {};
  private readonly listeners = {
    markers: [] as Array<(e: MarkersEvent) => void>,
    change: [] as Array<(path: string) => void>,
    cursor: [] as Array<(path: string, offset: number) => void>,
    active: [] as Array<(path: string) => void>,
  };

  constructor(
    container: HTMLElement,
    private readonly worker: CompilerClient,
  ) {
    registerLanguages();
    this.editor = monaco.editor.create(container, {
      model: null,
      theme: 'runnel',
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      insertSpaces: true,
      wordBasedSuggestions: 'off',
      scrollBeyondLastLine: false,
      renderLineHighlight: 'line',
      fixedOverflowWidgets: true,
      folding: true,
      showFoldingControls: 'always',
      matchBrackets: 'always',
      bracketPairColorization: { enabled: true },
      lightbulb: { enabled: monaco.editor.ShowLightbulbIconMode.On },
      quickSuggestions: { other: true, comments: false, strings: false },
      suggestOnTriggerCharacters: true,
    });
    this.editor.onDidChangeCursorPosition((e) => {
      const model = this.editor.getModel();
      if (model) for (const l of this.listeners.cursor) l(pathOf(model), model.getOffsetAt(e.position));
    });
    this.registerProviders();
  }

  on<K extends keyof ProjectEditor['listeners']>(kind: K, f: ProjectEditor['listeners'][K][number]): void {
    (this.listeners[kind] as Array<typeof f>).push(f);
  }

  /** Replaces every model with the project's files. */
  load(files: readonly PlaygroundFile[], active: string): void {
    for (const m of this.models.values()) m.dispose();
    this.models.clear();
    this.viewStates.clear();
    this.sentVersion.clear();
    this.diagnostics = {};
    for (const f of files) this.addModel(f.path, f.text);
    this.open(this.models.has(active) ? active : (files[0]?.path ?? MANIFEST_PATH));
    this.sync(active);
  }

  addModel(path: string, text: string): Model {
    const model = monaco.editor.createModel(text, languageOf(path, this.jsonEnabled), uriOf(path));
    model.updateOptions({ tabSize: 2, insertSpaces: true });
    this.models.set(path, model);
    model.onDidChangeContent(() => {
      this.lastChanged = path;
      this.sync(path);
      for (const l of this.listeners.change) l(path);
    });
    return model;
  }

  removeModel(path: string): void {
    const m = this.models.get(path);
    if (!m) return;
    m.dispose();
    this.models.delete(path);
    delete this.diagnostics[path];
    this.sync(this.activePath());
  }

  paths(): string[] {
    return [...this.models.keys()];
  }

  model(path: string): Model | undefined {
    return this.models.get(path);
  }

  activePath(): string {
    const m = this.editor.getModel();
    return m ? pathOf(m) : MANIFEST_PATH;
  }

  /** Gives runnel.json its JSON language service (loaded on demand: a worker of its own). */
  enableJson(): void {
    if (this.jsonEnabled) return;
    this.jsonEnabled = true;
    for (const [path, m] of this.models) if (path.endsWith('.json')) monaco.editor.setModelLanguage(m, 'json');
  }

  open(path: string): void {
    const model = this.models.get(path);
    if (!model) return;
    if (path.endsWith('.json')) this.enableJson();
    const current = this.editor.getModel();
    if (current === model) return;
    if (current) this.viewStates.set(pathOf(current), this.editor.saveViewState());
    this.editor.setModel(model);
    const view = this.viewStates.get(path);
    if (view) this.editor.restoreViewState(view);
    for (const l of this.listeners.active) l(path);
  }

  files(): PlaygroundFile[] {
    return [...this.models.entries()].map(([path, m]) => ({ path, text: m.getValue() }));
  }

  project(): ServiceProject {
    const manifest = this.models.get(MANIFEST_PATH);
    return {
      manifest: manifest ? { path: MANIFEST_PATH, text: manifest.getValue() } : null,
      files: [...this.models.entries()].filter(([p]) => p.endsWith('.flow')).map(([path, m]) => ({ path, text: m.getValue() })),
    };
  }

  private upToDate(): boolean {
    for (const [path, m] of this.models) if (this.sentVersion.get(path) !== m.getVersionId()) return false;
    return true;
  }

  /** Sends the project to the worker now, or right after the answer on its way. */
  sync(changed: string, force = false): void {
    if (this.inFlight && !force) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.inFlight = true;
    const versions = new Map<string, number>();
    for (const [path, m] of this.models) versions.set(path, m.getVersionId());
    this.sentVersion = versions;
    const model = this.models.get(changed);
    const version = model?.getVersionId() ?? 0;
    const sent = performance.now();
    this.worker
      .request({ type: 'update', version, path: changed, project: this.project() })
      .then((r) => {
        this.inFlight = false;
        const origin = performance.timeOrigin;
        this.applyMarkers(r.byPath, versions, r.version, r.path, r.ms, { sent, received: r.received - origin, answered: r.answered - origin, set: 0 });
        if (this.dirty) this.sync(this.lastChanged || changed);
      })
      .catch((e: unknown) => {
        this.inFlight = false;
        console.error(e);
      });
  }

  /** Makes sure the worker has the current texts before asking it about them. */
  private flush(): void {
    if (!this.upToDate()) this.sync(this.activePath(), true);
  }

  private applyMarkers(byPath: Record<string, PlaygroundDiagnostic[]>, versions: Map<string, number>, version: number, path: string, ms: number, times: MarkersEvent['times']): void {
    let applied = false;
    for (const [p, m] of this.models) {
      // An answer about an older text: its offsets no longer fit; a newer answer is coming.
      if (versions.get(p) !== m.getVersionId()) continue;
      const ds = byPath[p] ?? [];
      this.diagnostics[p] = ds;
      if (p === MANIFEST_PATH || p.endsWith('.flow'))
        monaco.editor.setModelMarkers(
          m,
          'runnel',
          ds.map((d) => {
            const r = rangeOf(m, { start: d.start, end: Math.max(d.end, d.start + 1) });
            return { severity: SEVERITY[d.severity], message: markerMessage(d), code: d.code, source: 'runnel', startLineNumber: r.startLineNumber, startColumn: r.startColumn, endLineNumber: r.endLineNumber, endColumn: r.endColumn };
          }),
        );
      if (p === path) applied = true;
    }
    times.set = performance.now();
    if (applied) for (const l of this.listeners.markers) l({ path, version, checkMs: ms, times, diagnostics: this.diagnostics });
  }

  private registerProviders(): void {
    const worker = this.worker;
    const self = this;
    const toItem = (model: Model, i: CompletionEntry): monaco.languages.CompletionItem => ({
      label: i.label,
      kind: KINDS[i.kind] ?? K.Text,
      ...(i.detail ? { detail: i.detail } : {}),
      ...(i.documentation ? { documentation: { value: i.documentation } } : {}),
      insertText: i.insertText ?? i.label,
      // compiler/services writes snippets (`${1:name}`) for the items of kind `snippet`.
      ...(i.kind === 'snippet' ? { insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet } : {}),
      ...(i.sortText ? { sortText: i.sortText } : {}),
      range: rangeOf(model, i.range),
    });
    monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
      triggerCharacters: ['.', '"', '(', ':', ','],
      async provideCompletionItems(model, position) {
        self.flush();
        const r = await worker.request({ type: 'completion', path: pathOf(model), offset: model.getOffsetAt(position) });
        return { suggestions: r.items.map((i) => toItem(model, i)) };
      },
    });
    monaco.languages.registerHoverProvider(LANGUAGE_ID, {
      async provideHover(model, position) {
        self.flush();
        const r = await worker.request({ type: 'hover', path: pathOf(model), offset: model.getOffsetAt(position) });
        if (!r.hover) return null;
        return { contents: [{ value: r.hover.contents }], range: rangeOf(model, r.hover.range) };
      },
    });
    const codeActions: monaco.languages.CodeActionProvider = {
      async provideCodeActions(model, range, context) {
        self.flush();
        const start = model.getOffsetAt(range.getStartPosition());
        const end = model.getOffsetAt(range.getEndPosition());
        const r = await worker.request({ type: 'codeActions', path: pathOf(model), range: { start, end } });
        const version = model.getVersionId();
        const actions: monaco.languages.CodeAction[] = r.actions.map((a) => ({
          title: a.title,
          kind: 'quickfix',
          ...(a.isPreferred ? { isPreferred: true } : {}),
          diagnostics: context.markers.filter((m) => !a.diagnosticCode || m.code === a.diagnosticCode || (typeof m.code === 'object' && m.code.value === a.diagnosticCode)),
          edit: { edits: a.edits.map((e) => ({ resource: model.uri, textEdit: { range: rangeOf(model, e.range), text: e.newText }, versionId: version })) },
        }));
        return { actions, dispose() {} };
      },
    };
    monaco.languages.registerCodeActionProvider(LANGUAGE_ID, codeActions, { providedCodeActionKinds: ['quickfix'] });
    monaco.languages.registerCodeActionProvider('json', codeActions, { providedCodeActionKinds: ['quickfix'] });
    monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE_ID, {
      async provideDocumentFormattingEdits(model) {
        const r = await worker.request({ type: 'format', path: pathOf(model), text: model.getValue() });
        if (r.text === undefined) {
          self.formatError?.(r.error ?? 'cannot format');
          return [];
        }
        if (r.text === model.getValue()) return [];
        return [{ range: model.getFullModelRange(), text: r.text }];
      },
    });
  }

  /** Set by the page: shows why a document could not be formatted. */
  formatError: ((message: string) => void) | undefined;

  /** Moves the cursor to an offset of a file and shows it. */
  reveal(path: string, offset: number): void {
    this.open(path);
    const m = this.models.get(path);
    if (!m) return;
    const p = m.getPositionAt(offset);
    this.editor.setPosition(p);
    this.editor.revealPositionInCenterIfOutsideViewport(p);
    this.editor.focus();
  }
}

/** A small editor for the simulator's JSON Lines, with markers from the schemas. */
export function linesEditor(container: HTMLElement, path: string, text: string): monaco.editor.IStandaloneCodeEditor {
  registerLanguages();
  const model = monaco.editor.createModel(text, JSONL_ID, uriOf(path));
  return monaco.editor.create(container, {
    model,
    theme: 'runnel',
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 12,
    lineNumbers: 'on',
    wordWrap: 'off',
    scrollBeyondLastLine: false,
    wordBasedSuggestions: 'off',
    folding: false,
    glyphMargin: false,
    lineDecorationsWidth: 4,
    lineNumbersMinChars: 3,
  });
}

export function setLineMarkers(model: Model, problems: ReadonlyArray<{ line: number; message: string }>): void {
  monaco.editor.setModelMarkers(
    model,
    'runnel-schema',
    problems
      .filter((p) => p.line <= model.getLineCount())
      .map((p) => ({ severity: monaco.MarkerSeverity.Error, message: p.message, startLineNumber: p.line, startColumn: 1, endLineNumber: p.line, endColumn: model.getLineMaxColumn(p.line) })),
  );
}
