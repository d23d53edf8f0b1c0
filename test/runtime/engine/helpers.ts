/** Compiling test flows and running them on the engine with the embedded store. */
import { verifyFlow } from '../../../compiler/bytecode/verify.js';
import { compileGraph } from '../../../compiler/bytecode/compile.js';
import type { VerifiedProgram } from '../../../compiler/bytecode/program.js';
import { lowerFlow } from '../../../compiler/lower/lower.js';
import { checked, TEST_MANIFEST } from '../../bytecode/helpers.js';
import { simulate, type SimulateOptions } from '../../../runtime/engine/simulate.js';

export const MANIFEST = {
  ...TEST_MANIFEST,
  timezone: 'UTC',
  templates: { ...TEST_MANIFEST.templates, email: [...TEST_MANIFEST.templates.email, 'order-thanks', 'session-follow-up'] },
  promoPools: ['WELCOME10', 'CART5'],
  actionTemplates: ['order-created', 'email-clicked'],
};

/** Every flow of `text`, compiled and verified (optionally lowered with a folder segment restriction). */
export function programs(text: string, opts: { manifest?: object; segment?: string } = {}): VerifiedProgram[] {
  const result = checked(text, opts.manifest ?? MANIFEST);
  return result.files[0]!.parse.ast.flows.map((f) => {
    const graph = lowerFlow(f, { manifest: result.manifest, ...(opts.segment ? { segment: opts.segment } : {}) });
    return verifyFlow(compileGraph(graph).bytes);
  });
}

export function jsonl(lines: object[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

/** Simulates `events` over the flows of `text`; returns the JSON output. */
export function sim(text: string, events: object[], opts: SimulateOptions & { customers?: object[]; manifest?: object; segment?: string } = {}) {
  const r = simulate(programs(text, opts), jsonl(events), opts.customers ? jsonl(opts.customers) : '', opts);
  if (r.errors.length) throw new Error(r.errors.join('\n'));
  return r.output;
}

export const ann = { id: 'c1', firstName: 'Ann', email: 'ann@example.com', emailStatus: 'valid', segments: ['vip'] };
