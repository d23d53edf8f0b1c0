/**
 * The hover service: what the word under the mouse is. Works on the parsed and checked file
 * (recovered if broken): the checker's types by node id, the catalog, the schemas' descriptions,
 * the manifest, and the lowering's block ids.
 */
import { tokenMatcher, type IToken } from 'chevrotain';
import * as Tok from '../../grammar/tokens.js';
import type * as A from '../ast.js';
import { findEvent, EVENT_NAMES } from '../../stdlib/catalog.js';
import { findBuiltin } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS } from '../../stdlib/customer.js';
import { CHANNELS, WEBHOOK_METHODS, findAction } from '../../stdlib/actions.js';
import type { ManifestRefKind, OptionType } from '../../stdlib/catalog-types.js';
import { typeToString } from '../../stdlib/types.js';
import { isValidTimeZone } from '../checker/literals.js';
import { exprToString } from '../format/format-flow.js';
import { blockIds } from '../lower/ids.js';
import type { FileResult } from '../project.js';
import type { Manifest } from '../manifest.js';
import { suggest, didYouMean } from '../suggest.js';
import { flowAt, isBlock, nodesAt } from './ast-utils.js';
import { inComment } from './completion-provider.js';
import type { EditorProject, Hover, Range } from './types.js';
import type { RunnelServices } from './language-services.js';

export interface HoverProvider {
  /** What the word at `offset` is, in Markdown; null when there is nothing to say. Never throws. */
  hover(project: EditorProject, path: string, offset: number): Hover | null;
}

interface Target {
  file: FileResult;
  manifest: Manifest;
  token: IToken;
  range: Range;
  /** Nodes around the token, outermost first. */
  chain: A.Node[];
}

const tokEnd = (t: IToken): number => (t.endOffset ?? t.startOffset) + 1;
const code = (s: string): string => '```runnel\n' + s + '\n```';
const spanOf = (n: { span: A.Span }): Range => ({ start: n.span.start, end: n.span.end });

/** The action (stdlib/actions.ts) of each action node. */
const ACTION_NAMES: Partial<Record<A.Node['kind'], string>> = {
  Send: 'send',
  Webhook: 'webhook',
  IssuePromo: 'issue promo',
  AwardPoints: 'award points',
  Set: 'set field',
  SegmentAdd: 'add to segment',
  SegmentRemove: 'remove from segment',
};

/** The keyword that starts each setting, for its hover. */
const SETTING_WORD: Record<A.Setting['kind'], string> = {
  EntrySetting: 'entry',
  RelevanceSetting: 'relevance',
  ActiveSetting: 'active',
  TimezoneSetting: 'timezone',
  BrandSetting: 'brand',
  ExitSetting: 'exit',
};

export class DefaultHoverProvider implements HoverProvider {
  constructor(protected readonly services: RunnelServices) {}

  /** Called with what went wrong inside the service (which then answers with nothing); override to log or rethrow. */
  protected failed(_error: unknown): void {}

  hover(project: EditorProject, path: string, offset: number): Hover | null {
    try {
      const target = this.target(project, path, offset);
      if (!target) return null;
      const contents = this.contents(target);
      return contents ? { contents: contents.markdown, range: contents.range ?? target.range } : null;
    } catch (e) {
      this.failed(e);
      return null;
    }
  }

  private target(project: EditorProject, path: string, at: number): Target | undefined {
    const file = this.services.documents.checked(project, path);
    if (!file) return undefined;
    const offset = Math.max(0, Math.min(Math.floor(at) || 0, file.text.length));
    if (inComment(file.parse.comments, offset)) return undefined;
    const tokens = file.parse.tokens;
    // The token under the offset, else the one that ends right there (the cursor after a word).
    let token = tokenAt(tokens, offset);
    if (offset > 0 && (!token || !/\w/.test(token.image))) token = tokenAt(tokens, offset - 1) ?? token;
    if (!token) return undefined;
    const range = { start: token.startOffset, end: tokEnd(token) };
    const chain = nodesAt(file.parse.ast, range.start, range.end);
    return { file, manifest: this.services.documents.manifest(project).manifest, token, range, chain };
  }

  private contents(t: Target): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const node = t.chain[t.chain.length - 1]!;
    const parent = t.chain[t.chain.length - 2];
    const sameSpan = node.span.start === t.range.start && node.span.end === t.range.end;
    const tok = t.token;
    // Words the language uses as syntax (a soft keyword used as a name is handled below).
    if (Tok.KEYWORDS.includes(tok.tokenType) && !(sameSpan && (node.kind === 'Ident' || node.kind === 'Name' || node.kind === 'Boolean' || node.kind === 'Null'))) {
      return this.keyword(t, node);
    }
    switch (node.kind) {
      case 'Ident':
        return parent ? this.ident(t, node, parent) : undefined;
      case 'Name':
        return this.name(t, node, parent);
      case 'Member':
        return node.property.span.start <= t.range.start && t.range.end <= node.property.span.end ? this.member(t, node) : undefined;
      case 'String':
        return this.string(t, node);
      case 'Duration':
        return node.raw ? { markdown: code(`${node.raw}: duration`) + '\n\n' + humanDuration(node.ms) } : undefined;
      case 'Percent':
        return { markdown: code(`${node.raw}: percent`) };
      case 'Date':
      case 'DateTime':
        return { markdown: code(`${node.raw}: ${node.kind === 'Date' ? 'date' : 'datetime'}`) + "\n\nIn the flow's time zone unless it has an offset." };
      case 'Time':
        return { markdown: code(`${node.raw}: time of day`) + "\n\nIn the flow's time zone." };
      default:
        if (tokenMatcher(tok, Tok.Identifier) && tok.image === 'it') return { markdown: docs.keyword('it')! };
        return undefined;
    }
  }

  // ---------- keywords, blocks, actions ----------

  private keyword(t: Target, node: A.Node): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const word = t.token.image;
    // The keyword that starts a block: the block, with its id.
    if (isBlock(node) && node.span.start === t.range.start) return { markdown: this.block(t, node) };
    // Any keyword of an action (`promo` of `issue promo`, `points` of `award`): the action.
    const action = ACTION_NAMES[node.kind] ? findAction(ACTION_NAMES[node.kind]!) : undefined;
    if (action) return { markdown: docs.action(action) };
    const own = docs.keyword(word);
    if (node.kind in SETTING_WORD && word !== 'where') {
      const md = docs.keyword(SETTING_WORD[node.kind as A.Setting['kind']]);
      return md ? { markdown: md } : undefined;
    }
    if (word === 'else') {
      const inLimit = t.chain.some((n) => n.kind === 'Limit' && n.span.start <= t.range.start) && !t.chain.some((n) => n.kind === 'If');
      return { markdown: inLimit ? '```runnel\nlimit ... { } else { }\n```\n\nThe branch for customers over the limit.' : docs.keyword('else')! };
    }
    return own ? { markdown: own } : undefined;
  }

  private block(t: Target, b: A.Block): string {
    const flow = flowAt(t.file.parse.ast, b.span.start);
    const explicit = 'blockId' in b && b.blockId?.name ? b.blockId.name : undefined;
    let id = explicit;
    let unknown = false;
    if (!id && flow) {
      try {
        id = blockIds(flow).ids.get(b);
      } catch {
        // A recovered tree with unreadable expressions has no derived ids.
        unknown = true;
      }
    }
    const md = this.services.documentation.block(b, id, !explicit);
    if (unknown) return `${md}

Block id: derived, known once the syntax errors of the flow are fixed.`;
    return this.brokenNote(t, md, !explicit && !!id);
  }

  /** Derived ids of a file with syntax errors are those of what the parser recovered. */
  private brokenNote(t: Target, md: string, derived: boolean): string {
    return derived && t.file.parse.diagnostics.hasErrors ? `${md}\n\n*The file has syntax errors: the id is the one of the block as the parser recovered it.*` : md;
  }

  // ---------- names ----------

  private ident(t: Target, id: A.Ident, parent: A.Node): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const name = id.name;
    if (!name) return undefined;
    switch (parent.kind) {
      case 'EventRef': {
        const def = findEvent(name);
        if (def) return { markdown: docs.event(def) };
        const help = didYouMean(suggest(name, EVENT_NAMES));
        return { markdown: `**Unknown event** \`${name}\`: not in the event catalog.${help ? ` ${help[0]!.toUpperCase()}${help.slice(1)}` : ''}` };
      }
      case 'OptionArg': {
        const ref = t.chain[t.chain.length - 3];
        const def = ref?.kind === 'EventRef' ? findEvent(ref.name.name) : undefined;
        const opt = def?.options.find((o) => o.name === name);
        return def && opt ? { markdown: docs.option(def, opt) } : undefined;
      }
      case 'Member':
        return this.member(t, parent);
      case 'Send':
        if (parent.channel !== id) return undefined;
        return CHANNELS.includes(name)
          ? { markdown: `${code(`send ${name} "<template>"`)}\n\nThe ${name} channel. Templates in runnel.json: ${(t.manifest.json.templates?.[name] ?? []).map((x) => `\`${x}\``).join(', ') || 'none'}.` }
          : undefined;
      case 'Webhook':
        return WEBHOOK_METHODS.includes(name) ? { markdown: `${code(`webhook ${name} "<url>"`)}\n\nThe HTTP method of the call.` } : undefined;
      case 'Flow': {
        const flow = parent;
        const triggers = flow.triggers.map((tr) => (tr.kind === 'EventTrigger' ? `\`on ${tr.event.name.name}\`` : '`every ...`'));
        const lines = [code(`flow ${name}${flow.title ? ` ${JSON.stringify(flow.title.value)}` : ''}`), 'A flow id: unique in the project; it names the flow in the runtime and the activity log.'];
        if (triggers.length) lines.push(`Triggers: ${triggers.join(', ')}.`);
        return { markdown: lines.join('\n\n') };
      }
      case 'ParallelBranch':
        return { markdown: `**branch** of a parallel block\n\nBlock id: \`${name}\`` };
      case 'SplitVariant':
        return { markdown: `**variant** \`${name}\` of the A/B test: ${parent.percent.raw} of the customers.` };
      case 'Limit':
        if (parent.period === id) return { markdown: this.services.documentation.keyword('per')! };
        break;
      case 'CallArg':
        return undefined;
    }
    if (isBlock(parent) && 'blockId' in parent && parent.blockId === id) return { markdown: this.block(t, parent) };
    return undefined;
  }

  private name(t: Target, node: A.NameRef, parent: A.Node | undefined): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const types = t.file.check.types;
    if (parent?.kind === 'Call' && parent.callee === node) {
      const fn = findBuiltin(node.name);
      return fn ? { markdown: docs.builtin(fn) } : undefined;
    }
    // A word given to an event option (`scope: any_item`, `kinds: [award]`): the option.
    const at = t.chain.lastIndexOf(node);
    const option = t.chain[at - 1]?.kind === 'OptionArg' ? t.chain[at - 1] : t.chain[at - 1]?.kind === 'List' && t.chain[at - 2]?.kind === 'OptionArg' ? t.chain[at - 2] : undefined;
    if (option?.kind === 'OptionArg') {
      const ref = t.chain[t.chain.indexOf(option) - 1];
      const def = ref?.kind === 'EventRef' ? findEvent(ref.name.name) : undefined;
      const opt = def?.options.find((o) => o.name === option.name.name);
      return def && opt ? { markdown: docs.option(def, opt) } : undefined;
    }
    const type = types.get(node.id);
    if (node.name === 'customer' || node.name === 'it' || isContextName(node.name)) {
      if (!type || type.kind === 'error' || type.kind === 'any') {
        return isContextName(node.name) ? { markdown: `${code(node.name)}\n\nNot available here: the flow's triggers do not all bind \`${node.name}\` (see the diagnostic).` } : undefined;
      }
      return { markdown: docs.value(node.name, type, this.origin(t, node.name)) };
    }
    // A bare word compared with an enum: `pending`, `gold`.
    if (parent?.kind === 'Binary') {
      const other = parent.left === node ? parent.right : parent.left;
      const ot = types.get(other.id);
      const values = ot?.kind === 'enum' ? ot.values : ot?.kind === 'array' && ot.element.kind === 'enum' ? ot.element.values : undefined;
      if (ot && values?.includes(node.name)) return { markdown: `${code(node.name)}\n\nA value of ${typeToString(ot.kind === 'array' ? ot.element : ot)}: ${values.map((v) => `\`${v}\``).join(', ')}.` };
    }
    if (type?.kind === 'enum' && type.values.includes(node.name)) return { markdown: `${code(node.name)}\n\nA value from a fixed list, written bare.` };
    return undefined;
  }

  /** Where a context value comes from: the triggers that bind it, or an awaited event. */
  private origin(t: Target, name: string): string {
    if (name === 'customer') return 'The customer: always available.';
    if (name === 'it') return 'The current element of the list in `any`, `all`, `count` or `sum`.';
    for (let i = t.chain.length - 1; i >= 0; i--) {
      const n = t.chain[i]!;
      const ref = n.kind === 'WaitForEvent' || n.kind === 'ExitSetting' ? n.event : undefined;
      if (!ref) continue;
      if (n.kind === 'WaitForEvent' && n.onTimeout?.some((b) => b.span.start <= t.range.start && t.range.end <= b.span.end)) continue;
      const def = findEvent(ref.name.name);
      if (def?.binds[name as keyof typeof def.binds]) return `Bound by the awaited event ${def.name}.`;
    }
    const flow = flowAt(t.file.parse.ast, t.range.start);
    const facts = t.file.check.flows.find((f) => f.flow === flow);
    const by = (facts?.triggers ?? []).filter((x) => x.def.binds[name as keyof typeof x.def.binds]).map((x) => x.def.name);
    return by.length ? `Bound by ${[...new Set(by)].join(', ')}.` : 'Bound by the trigger.';
  }

  private member(t: Target, m: A.MemberExpr): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const obj = t.file.check.types.get(m.object.id);
    const prop = m.property.name;
    if (!obj || obj.kind !== 'object' || !prop) return undefined;
    const range = spanOf(m.property);
    if (obj.name === 'Customer') {
      const method = CUSTOMER_METHODS.find((x) => x.name === prop);
      if (method) return { markdown: docs.method(method), range };
    }
    const f = obj.fields[prop];
    if (!f) return undefined;
    return { markdown: docs.field(exprToString(m), f), range };
  }

  // ---------- strings ----------

  private string(t: Target, s: A.StringLit): { markdown: string; range?: Range } | undefined {
    const docs = this.services.documentation;
    const range = spanOf(s);
    const ref = this.stringRole(t, s);
    if (!ref) return undefined;
    if (ref.kind === 'timezone') {
      const ok = isValidTimeZone(s.value);
      return { markdown: `**time zone** \`"${s.value}"\`\n\n${ok ? 'An IANA time zone.' : '**Unknown time zone**: use an IANA name like "Europe/Berlin".'}`, range };
    }
    return { markdown: docs.manifestName(ref.kind, s.value, t.manifest, ref.channel), range };
  }

  /** What a string names, from where it stands. */
  private stringRole(t: Target, s: A.StringLit): { kind: ManifestRefKind | 'timezone'; channel?: string } | undefined {
    const chain = t.chain;
    const at = chain.lastIndexOf(s);
    const parent = chain[at - 1];
    if (!parent) return undefined;
    switch (parent.kind) {
      case 'Send':
        return parent.template === s ? { kind: 'template', ...(CHANNELS.includes(parent.channel.name) ? { channel: parent.channel.name } : {}) } : undefined;
      case 'SegmentAdd':
      case 'SegmentRemove':
        return { kind: 'segment' };
      case 'IssuePromo':
        return { kind: 'promoPool' };
      case 'AwardPoints':
        return parent.account === s ? { kind: 'pointAccount' } : undefined;
      case 'Limit':
        return parent.budget === s ? { kind: 'budget' } : undefined;
      case 'BrandSetting':
        return { kind: 'brand' };
      case 'TimezoneSetting':
        return { kind: 'timezone' };
      case 'ScheduleTrigger':
        return parent.segment === s ? { kind: 'segment' } : undefined;
    }
    // An argument of customer.inSegment / subscription(brand:, topic:).
    const arg = chain[at - 1]?.kind === 'CallArg' ? (chain[at - 1] as A.CallArg) : undefined;
    const call = arg && chain[at - 2]?.kind === 'Call' ? (chain[at - 2] as A.CallExpr) : undefined;
    if (arg && call && call.callee.kind === 'Member') {
      const method = CUSTOMER_METHODS.find((m) => m.name === (call.callee as A.MemberExpr).property.name);
      const param = method && (arg.name ? method.params.find((p) => p.name === arg.name!.name) : method.params.filter((p) => !p.named)[call.args.filter((a) => !a.name).indexOf(arg)]);
      return param?.ref ? { kind: param.ref } : undefined;
    }
    // An event option naming something of runnel.json (directly or in a list).
    const option = chain[at - 1]?.kind === 'OptionArg' ? chain[at - 1] : chain[at - 1]?.kind === 'List' && chain[at - 2]?.kind === 'OptionArg' ? chain[at - 2] : undefined;
    const ref = option ? chain[chain.indexOf(option) - 1] : undefined;
    if (option?.kind === 'OptionArg' && ref?.kind === 'EventRef') {
      const def = findEvent(ref.name.name);
      let type: OptionType | undefined = def?.options.find((o) => o.name === option.name.name)?.type;
      if (type?.kind === 'list') type = type.of;
      if (type?.kind === 'ref') {
        const declared = this.services.documentation.manifestNames(type.ref, t.manifest, type.channel);
        const also = (type.also ?? []).find((k) => this.services.documentation.manifestNames(k, t.manifest).includes(s.value));
        return also && !declared.includes(s.value) ? { kind: also } : { kind: type.ref, ...(type.channel ? { channel: type.channel } : {}) };
      }
    }
    return undefined;
  }
}

function tokenAt(tokens: readonly IToken[], offset: number): IToken | undefined {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokEnd(tokens[mid]!) <= offset) lo = mid + 1;
    else hi = mid;
  }
  const t = tokens[lo];
  return t && t.startOffset <= offset ? t : undefined;
}

const CONTEXT_NAMES = new Set(['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params']);
function isContextName(name: string): boolean {
  return CONTEXT_NAMES.has(name);
}

/** `1d12h` → "1 day 12 hours". */
export function humanDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [604_800_000, 'week'],
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  return parts.length ? parts.join(' ') : '0 seconds';
}
