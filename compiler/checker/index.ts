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
  for (const d of own.items) {
    // Pieces the parser invented while recovering have empty spans; the syntax error said it all.
    if (hadSyntaxErrors && d.span.start === d.span.end) continue;
    diagnostics.items.push(d);
  }
  return { diagnostics, types: ctx.types, flows };
}

export type { FlowFacts };
