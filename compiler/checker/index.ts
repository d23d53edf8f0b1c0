/** The checker: names, types and structure of one parsed file, against the catalog and manifest. */
import type * as A from '../ast.js';
import { DiagnosticBag } from '../diagnostics.js';
import type { Manifest } from '../manifest.js';
import type { Type } from '../../stdlib/types.js';
import { FlowChecker, type FlowFacts } from './check-flow.js';

export interface CheckResult {
  diagnostics: DiagnosticBag;
  /** Type of every expression, by node id. */
  types: Map<number, Type>;
  flows: FlowFacts[];
}

export function checkFile(ast: A.SourceFile, manifest: Manifest, diagnostics = new DiagnosticBag()): CheckResult {
  const hadSyntaxErrors = diagnostics.hasErrors;
  const own = new DiagnosticBag();
  const ctx = { manifest, diagnostics: own, types: new Map<number, Type>() };
  const checker = new FlowChecker(ctx);
  const flows = ast.flows.map((f) => checker.check(f));
  // Where the syntax errors are: a flow with one may have lost blocks or triggers in recovery.
  const syntaxErrors = diagnostics.items.filter((d) => d.code.startsWith('RN01')).map((d) => d.span.start);
  const extents = ast.flows.map((f, i) => ({ start: f.span.start, end: ast.flows[i + 1]?.span.start ?? Infinity }));
  const brokenFlowAt = (offset: number): boolean => {
    const flow = extents.find((x) => offset >= x.start && offset < x.end);
    return !!flow && syntaxErrors.some((s) => s >= flow.start && s < flow.end);
  };
  for (const d of own.items) {
    // Pieces the parser invented while recovering have empty spans; the syntax error said it all.
    if (hadSyntaxErrors && d.span.start === d.span.end) continue;
    // "No trigger", "no blocks", "never reached": after a syntax error these are usually about
    // what the parser skipped, not about what was written.
    if (ABSENCE.has(d.code) && brokenFlowAt(d.span.start)) continue;
    // A node rebuilt by error recovery can even end before it starts: also a piece the syntax
    // error explains.
    if (d.span.end < d.span.start) continue;
    diagnostics.items.push(d);
  }
  return { diagnostics, types: ctx.types, flows };
}

/** Diagnostics about something missing (RN0104: `active` without dates), which a syntax error in the flow may explain. */
const ABSENCE: ReadonlySet<string> = new Set(['RN0405', 'RN0411', 'RN0403', 'RN0104']);

export type { FlowFacts };
