/**
 * Diagnostics for people (terminal, with a code frame and carets) and for machines (the JSON of
 * contracts.md). Colour only when asked: the CLI decides from the terminal.
 */
import type { Diagnostic } from './diagnostics.js';
import { LineMap } from './line-map.js';

export interface RenderOptions {
  color?: boolean;
}

const paint = (on: boolean, code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function renderDiagnostic(path: string, text: string, d: Diagnostic, lines = new LineMap(text), opts: RenderOptions = {}): string {
  const c = opts.color ?? false;
  const red = paint(c, '31;1');
  const yellow = paint(c, '33;1');
  const cyan = paint(c, '36');
  const bold = paint(c, '1');
  const dim = paint(c, '2');
  const start = lines.position(d.span.start);
  const end = lines.position(Math.max(d.span.start, d.span.end));
  const sev = d.severity === 'error' ? red(`error ${d.code}`) : d.severity === 'warning' ? yellow(`warning ${d.code}`) : cyan(`info ${d.code}`);
  const out: string[] = [`${cyan(path)}:${start.line}:${start.column} - ${sev}: ${bold(d.message)}`, ''];
  const gutter = String(end.line + 1).length;
  const pad = (s: string) => s.padStart(gutter);
  const firstContext = Math.max(1, start.line - 1);
  for (let ln = firstContext; ln <= Math.min(end.line, start.line + 4); ln++) {
    const src = lines.lineText(ln).replace(/\t/g, ' ');
    out.push(`${dim(pad(String(ln)) + ' |')} ${src}`);
    if (ln >= start.line) {
      const from = ln === start.line ? start.column : 1;
      const to = ln === end.line ? end.column : src.length + 1;
      const width = Math.max(1, to - from);
      const label = ln === Math.min(end.line, start.line + 4) && d.label ? ` ${d.label}` : '';
      const mark = d.severity === 'error' ? red : d.severity === 'warning' ? yellow : cyan;
      out.push(`${dim(pad('') + ' |')} ${' '.repeat(from - 1)}${mark('^'.repeat(width) + label)}`);
    }
  }
  for (const n of d.notes) out.push(`${pad('')} ${dim('=')} note: ${n}`);
  if (d.help) out.push(`${pad('')} ${dim('=')} help: ${d.help}`);
  return out.join('\n') + '\n';
}

/** The `--format json` shape of contracts.md, plus `fixes` and `notes` (extensions). */
export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: string;
  code: string;
  message: string;
  suggestions: string[];
  notes: string[];
  help?: string;
  fixes: Array<{ message: string; line: number; column: number; endLine: number; endColumn: number; replacement: string }>;
}

export function toJsonDiagnostic(path: string, lines: LineMap, d: Diagnostic): JsonDiagnostic {
  const s = lines.position(d.span.start);
  const e = lines.position(d.span.end);
  return {
    file: path,
    line: s.line,
    column: s.column,
    endLine: e.line,
    endColumn: e.column,
    severity: d.severity,
    code: d.code,
    message: d.message,
    suggestions: d.fixes.map((f) => (/^".*"$/.test(f.replacement) ? (JSON.parse(f.replacement) as string) : f.replacement)),
    notes: d.notes,
    ...(d.help ? { help: d.help } : {}),
    fixes: d.fixes.map((f) => {
      const fs = lines.position(f.span.start);
      const fe = lines.position(f.span.end);
      return { message: f.message, line: fs.line, column: fs.column, endLine: fe.line, endColumn: fe.column, replacement: f.replacement };
    }),
  };
}
