/** Compiling flows for the lowering and bytecode tests. */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkProject } from '../../compiler/project.js';
import { compileProject, type CompiledFlow } from '../../compiler/bytecode/compile.js';
import { lowerFlow } from '../../compiler/lower/lower.js';
import type { FlowGraph } from '../../compiler/lower/graph.js';
import { REPO } from '../helpers/flow-files.js';
import { findFlowFiles } from '../../cli/files.js';

export const SHOP = join(REPO, 'examples/shop');

/** Every flow of examples/shop, compiled (the project must check without errors). */
export function compileShop(): CompiledFlow[] {
  const files = findFlowFiles(SHOP).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const result = checkProject({ manifest: { path: join(SHOP, 'runnel.json'), text: readFileSync(join(SHOP, 'runnel.json'), 'utf8') }, files });
  const errors = result.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.path}: ${d.code} ${d.message}`));
  if (errors.length) throw new Error(`examples/shop has errors:\n${errors.join('\n')}`);
  return compileProject(result, { relativePath: (p) => relative(SHOP, p).split('\\').join('/') });
}

export const TEST_MANIFEST = {
  name: 'test',
  timezone: 'Europe/Berlin',
  brands: ['shop'],
  templates: { email: ['welcome', 'reminder', 'thanks', 'a', 'b', 'c', 'd'], sms: ['promo'], push: ['nudge'] },
  segments: ['vip', 'lapsed'],
  pointAccounts: ['main'],
  promoPools: ['WELCOME10'],
  customFields: {
    customer: { tier: { type: 'string', enum: ['bronze', 'silver', 'gold'] }, birthday: { type: 'string', format: 'date' } },
    order: { deliveryDate: { type: 'string', format: 'date-time' } },
    product: {},
    action: {},
  },
  budgets: { sms: { limit: 1000, period: 'day' } },
};

/** Checks one source against a manifest; throws with the diagnostics on an error. */
export function checked(text: string, manifest: object = TEST_MANIFEST) {
  const result = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(manifest) }, files: [{ path: 'test.flow', text }] });
  const errors = [...(result.manifestFile?.diagnostics ?? []), ...result.files[0]!.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the test flow has errors:\n${errors.map((d) => `${d.code} ${d.message}`).join('\n')}`);
  return result;
}

/** The graph of the first flow of `text`. */
export function graphOf(text: string, manifest: object = TEST_MANIFEST): FlowGraph {
  const result = checked(text, manifest);
  return lowerFlow(result.files[0]!.parse.ast.flows[0]!, { manifest: result.manifest });
}

/** The compiled first flow of `text`. */
export function compiledOf(text: string, manifest: object = TEST_MANIFEST): CompiledFlow {
  return compileProject(checked(text, manifest))[0]!;
}
