/**
 * Diagnostics: what the front end says about a file. One shape for the terminal, the JSON output
 * and the editor markers. Codes are stable (docs/diagnostics.md explains each).
 */
import type { Span } from './ast.js';
import { CODES, type DiagnosticCode } from './diagnostic-codes.js';

export type Severity = 'error' | 'warning' | 'info';

/** A machine-applicable fix: replace `span` with `replacement` ("did you mean" and friends). */
export interface Fix {
  message: string;
  span: Span;
  replacement: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  /** The label printed under the caret: what is wrong right here. */
  label?: string;
  /** Further context, printed as `= note: ...`. */
  notes: string[];
  /** What to do about it, printed as `= help: ...`. */
  help?: string;
  fixes: Fix[];
}

/** Collects diagnostics for one file; the checker keeps going after each. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  report(
    code: DiagnosticCode,
    span: Span,
    message: string,
    extra: { label?: string; notes?: string[]; help?: string; fixes?: Fix[]; severity?: Severity } = {},
  ): Diagnostic {
    const d: Diagnostic = {
      code,
      severity: extra.severity ?? CODES[code].severity,
      message,
      span,
      notes: extra.notes ?? [],
      fixes: extra.fixes ?? [],
      ...(extra.label !== undefined ? { label: extra.label } : {}),
      ...(extra.help !== undefined ? { help: extra.help } : {}),
    };
    this.items.push(d);
    return d;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** Source order, then code: stable output for golden files. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end || a.code.localeCompare(b.code));
}
