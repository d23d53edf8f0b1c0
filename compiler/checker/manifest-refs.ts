/** Names that must be declared in runnel.json: templates, segments, pools, accounts, brands... */
import type { Span } from '../ast.js';
import type { DiagnosticCode } from '../diagnostic-codes.js';
import type { ManifestRefKind } from '../../stdlib/catalog-types.js';
import type { CheckContext } from './check-context.js';
import { suggest, didYouMean } from '../suggest.js';

interface RefTable {
  code: DiagnosticCode;
  what: string;
  /** Where it is declared in runnel.json, for the help line. */
  key: string;
  names: (ctx: CheckContext, channel?: string) => string[];
}

const keys = (o: object | undefined): string[] => Object.keys(o ?? {});

const TABLES: Record<ManifestRefKind, RefTable> = {
  segment: { code: 'RN0205', what: 'segment', key: 'segments', names: (c) => c.manifest.json.segments ?? [] },
  productSegment: { code: 'RN0205', what: 'product segment', key: 'productSegments', names: (c) => c.manifest.json.productSegments ?? [] },
  template: {
    code: 'RN0204',
    what: 'template',
    key: 'templates',
    names: (c, ch) => (ch ? (c.manifest.json.templates?.[ch] ?? []) : Object.values(c.manifest.json.templates ?? {}).flat()),
  },
  actionTemplate: { code: 'RN0212', what: 'action template', key: 'actionTemplates', names: (c) => c.manifest.json.actionTemplates ?? [] },
  customerField: { code: 'RN0203', what: 'customer custom field', key: 'customFields.customer', names: (c) => keys(c.manifest.json.customFields?.customer) },
  orderField: { code: 'RN0203', what: 'order custom field', key: 'customFields.order', names: (c) => keys(c.manifest.json.customFields?.order) },
  productField: { code: 'RN0203', what: 'product custom field', key: 'customFields.product', names: (c) => keys(c.manifest.json.customFields?.product) },
  calculatedField: { code: 'RN0212', what: 'calculated field', key: 'calculatedFields', names: (c) => c.manifest.json.calculatedFields ?? [] },
  operation: { code: 'RN0212', what: 'operation', key: 'operations', names: (c) => keys(c.manifest.json.operations) },
  pointAccount: { code: 'RN0207', what: 'points account', key: 'pointAccounts', names: (c) => c.manifest.json.pointAccounts ?? [] },
  promoPool: { code: 'RN0206', what: 'promo-code pool', key: 'promoPools', names: (c) => c.manifest.json.promoPools ?? [] },
  brand: { code: 'RN0211', what: 'brand', key: 'brands', names: (c) => c.manifest.json.brands ?? [] },
  campaign: { code: 'RN0212', what: 'campaign', key: 'campaigns', names: (c) => c.manifest.json.campaigns ?? [] },
  topic: { code: 'RN0212', what: 'subscription topic', key: 'topics', names: (c) => c.manifest.json.topics ?? [] },
  budget: { code: 'RN0212', what: 'budget', key: 'budgets', names: (c) => keys(c.manifest.json.budgets) },
};

/** Names a reference of this kind may take: for completion and the checker alike. */
export function manifestNames(ctx: CheckContext, kind: ManifestRefKind, channel?: string): string[] {
  return TABLES[kind].names(ctx, channel);
}

/** Reports an undeclared name (with "did you mean"); `also` lists other kinds that are accepted too. */
export function checkManifestRef(
  ctx: CheckContext,
  kind: ManifestRefKind,
  name: string,
  span: Span,
  opts: { channel?: string; also?: readonly ManifestRefKind[] } = {},
): boolean {
  // An empty span is a piece the parser invented while recovering: already reported.
  if (span.start === span.end) return false;
  const table = TABLES[kind];
  const names = [...table.names(ctx, opts.channel), ...(opts.also ?? []).flatMap((k) => TABLES[k].names(ctx))];
  if (names.includes(name)) return true;
  const options = suggest(name, names);
  const help = didYouMean(options, true);
  const notes: string[] = [];
  const where = kind === 'template' && opts.channel ? `templates.${opts.channel}` : table.key;
  if (kind === 'template' && opts.channel) {
    const elsewhere = Object.entries(ctx.manifest.json.templates ?? {}).find(([, list]) => list.includes(name))?.[0];
    if (elsewhere) notes.push(`"${name}" is declared as ${elsewhere === 'email' ? 'an' : 'a'} ${elsewhere} template`);
  }
  notes.push(
    names.length > 0
      ? `declared ${kind === 'template' && opts.channel ? `${opts.channel} ` : ''}${table.what}s: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`
      : ctx.manifest.declared
        ? `runnel.json declares no ${table.what}s under "${where}"`
        : 'this file is not in a project (no runnel.json above it), so nothing is declared',
  );
  const channel = kind === 'template' && opts.channel ? `${opts.channel} ` : '';
  ctx.diagnostics.report(table.code, span, `unknown ${channel}${table.what} "${name}"`, {
    label: `not declared in runnel.json`,
    notes,
    help: help ?? `declare it in runnel.json under "${where}"`,
    fixes: options.length > 0 ? [{ message: `replace with "${options[0]}"`, span, replacement: JSON.stringify(options[0]) }] : [],
  });
  return false;
}
