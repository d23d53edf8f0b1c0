/**
 * The code action service: quick fixes for the diagnostics under a range. Most come ready-made
 * from the checker (every "did you mean" carries a Fix: a span and its replacement); a few are
 * built here from what a diagnostic says (a missing `otherwise`, a missing required option).
 */
import type * as A from '../ast.js';
import type { Diagnostic } from '../diagnostics.js';
import { findEvent } from '../../stdlib/catalog.js';
import { exampleOptionValue } from '../../stdlib/option-examples.js';
import type { FileResult } from '../project.js';
import type { Manifest } from '../manifest.js';
import { walk } from './ast-utils.js';
import type { CodeAction, EditorProject, Range } from './types.js';
import type { RunnelServices } from './language-services.js';

export interface CodeActionProvider {
  /** Quick fixes for the diagnostics that touch `range` in the file `path`. Never throws. */
  codeActions(project: EditorProject, path: string, range: Range): CodeAction[];
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export class DefaultCodeActionProvider implements CodeActionProvider {
  constructor(protected readonly services: RunnelServices) {}

  /** Called with what went wrong inside the service (which then answers with nothing); override to log or rethrow. */
  protected failed(_error: unknown): void {}

  codeActions(project: EditorProject, path: string, range: Range): CodeAction[] {
    try {
      const file = this.services.documents.checked(project, path);
      if (!file) return [];
      const manifest = this.services.documents.manifest(project).manifest;
      const start = Math.min(range.start, range.end);
      const end = Math.max(range.start, range.end);
      const out: CodeAction[] = [];
      const seen = new Set<string>();
      for (const d of file.diagnostics) {
        // A diagnostic touches the range when they overlap, or when an empty range (the cursor) is on it.
        if (d.span.start > end || d.span.end < start) continue;
        const actions = [...this.fromFixes(d), ...this.derived(d, file, manifest)];
        actions.forEach((a, i) => {
          const key = JSON.stringify(a.edits);
          if (seen.has(key)) return;
          seen.add(key);
          out.push(i === 0 && actions.length === 1 ? { ...a, isPreferred: true } : a);
        });
      }
      return out;
    } catch (e) {
      this.failed(e);
      return [];
    }
  }

  private fromFixes(d: Diagnostic): CodeAction[] {
    return d.fixes.map((f) => ({
      title: capitalize(f.message),
      edits: [{ range: { start: f.span.start, end: f.span.end }, newText: f.replacement }],
      diagnosticCode: d.code,
    }));
  }

  /** Fixes the checker describes in words only. */
  private derived(d: Diagnostic, file: FileResult, manifest: Manifest): CodeAction[] {
    if (d.fixes.length > 0) return [];
    switch (d.code) {
      case 'RN0303':
        // `wait until <date>` whose date may be missing: say what happens then.
        return [
          { title: 'Add `otherwise stop`', edits: [{ range: { start: d.span.end, end: d.span.end }, newText: ' otherwise stop' }], diagnosticCode: d.code },
          { title: 'Add `otherwise wait 1d`', edits: [{ range: { start: d.span.end, end: d.span.end }, newText: ' otherwise wait 1d' }], diagnosticCode: d.code },
        ];
      case 'RN0216': {
        // A required option is missing: add it with an example value (a declared name when there is one).
        const option = /needs the option `([^`]+)`/.exec(d.message)?.[1];
        const ref = [...walk(file.parse.ast)].find((n): n is A.EventRef => n.kind === 'EventRef' && n.name.span.start === d.span.start && n.name.span.end === d.span.end);
        const def = ref && findEvent(ref.name.name);
        const opt = def?.options.find((o) => o.name === option);
        if (!ref || !opt) return [];
        const value = exampleOptionValue(opt.type, (t) => {
          const names = this.services.documentation.manifestNames(t.ref, manifest, t.channel);
          return JSON.stringify(names[0] ?? '...');
        });
        const text = `${opt.name}: ${value}`;
        const close = ref.parens ? file.text.lastIndexOf(')', ref.span.end - 1) : -1;
        const edit =
          ref.parens && close >= ref.name.span.end
            ? { range: { start: close, end: close }, newText: ref.options.length > 0 ? `, ${text}` : text }
            : { range: { start: ref.name.span.end, end: ref.name.span.end }, newText: `(${text})` };
        return [{ title: `Add \`${text}\``, edits: [edit], diagnosticCode: d.code }];
      }
    }
    return [];
  }
}
