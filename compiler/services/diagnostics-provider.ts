/**
 * The diagnostics service: a file's diagnostics (the whole project is checked, so a flow id used
 * twice across files is reported too) in the worker's flat shape. Asked for runnel.json's path, it
 * gives the manifest's own problems.
 */
import type { Diagnostic } from '../diagnostics.js';
import type { EditorDiagnostic, EditorProject } from './types.js';
import type { RunnelServices } from './language-services.js';

export interface DiagnosticsProvider {
  diagnostics(project: EditorProject, path: string): EditorDiagnostic[];
}

export class DefaultDiagnosticsProvider implements DiagnosticsProvider {
  constructor(private readonly services: RunnelServices) {}

  diagnostics(project: EditorProject, path: string): EditorDiagnostic[] {
    const docs = this.services.documents;
    if (project.manifest && path === project.manifest.path) return docs.manifest(project).diagnostics.map(toEditor);
    if (!docs.file(project, path)) return [];
    const file = docs.project(project).files.find((f) => f.path === path);
    return (file?.diagnostics ?? []).map(toEditor);
  }
}

export function toEditor(d: Diagnostic): EditorDiagnostic {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    start: d.span.start,
    end: d.span.end,
    ...(d.label !== undefined ? { label: d.label } : {}),
    notes: [...d.notes],
    ...(d.help !== undefined ? { help: d.help } : {}),
    suggestions: d.fixes.map((f) => ({ title: f.message, start: f.span.start, end: f.span.end, newText: f.replacement })),
  };
}
