/**
 * The completion service: what may be typed at the cursor. The context comes from the tokens
 * before the cursor (cursor-context.ts), the names and types from the flow's triggers and the
 * project's manifest (scope-provider.ts); nothing here needs the file to parse.
 */
import type { IToken } from 'chevrotain';
import { tokenMatcher } from 'chevrotain';
import * as Tok from '../../grammar/tokens.js';
import { EVENTS } from '../../stdlib/events.js';
import { findEvent } from '../../stdlib/catalog.js';
import { BUILTINS } from '../../stdlib/builtins.js';
import { CUSTOMER_METHODS, ENTRY_FILTER_FIELDS } from '../../stdlib/customer.js';
import { ACTIONS, CHANNELS, WEBHOOK_METHODS } from '../../stdlib/actions.js';
import type { ManifestRefKind, OptionType } from '../../stdlib/catalog-types.js';
import { typeToString, type Type } from '../../stdlib/types.js';
import { timeZones } from '../checker/literals.js';
import type { Binding } from '../checker/check-context.js';
import type { Manifest } from '../manifest.js';
import { cursorContext, flowTriggers, type ContainerKind, type CursorContext, type FlowTriggers, type PathExpr, type Slot, type StringRef } from './cursor-context.js';
import { KEYWORD_DOCS, MANIFEST_KINDS } from './documentation-provider.js';
import type { CompletionItem, CompletionKind, EditorProject, Range } from './types.js';
import type { RunnelServices } from './language-services.js';

export interface CompletionProvider {
  /** Completion items at `offset` of the file `path` of the project. Never throws. */
  complete(project: EditorProject, path: string, offset: number): CompletionItem[];
}

/** Everything a completion handler needs about the cursor. */
interface Request {
  text: string;
  tokens: readonly IToken[];
  manifest: Manifest;
  context: CursorContext;
  range: Range;
  /** The cursor is inside a string: items insert the bare name. */
  inString: boolean;
  /** A closing quote is missing: items add it. */
  unterminated: boolean;
  /** No line break between the previous token and the word at the cursor. */
  sameLine: boolean;
}

const SETTINGS = ['entry', 'relevance', 'active', 'timezone', 'brand', 'exit on'];
const TRIGGERS = ['on', 'every'];
const BLOCKS = ['steps', 'wait', 'if', 'split', 'parallel', 'limit', 'stop'];
const ACTION_WORDS = ACTIONS.map((a) => (a.name === 'award points' ? 'award' : a.name === 'set field' ? 'set' : a.name));
const OPERATORS = ['and', 'or', 'in', 'not in'];
/** The words of the grammar (others offered in a statement are values: days, periods...). */
const LANGUAGE_WORDS: ReadonlySet<string> = new Set([...Tok.KEYWORDS.map((k) => (k.PATTERN as RegExp).source), '=']);

/** Snippets (insertText in snippet syntax) for the blocks that have a body. */
const SNIPPETS: Record<string, Array<{ label: string; body: string; doc: string }>> = {
  top: [{ label: 'flow { }', body: 'flow ${1:flow_id} "${2:Title}" {\n\ton ${3:Event}\n\n\t$0\n}', doc: 'A new flow with a trigger.' }],
  blocks: [
    { label: 'steps { }', body: 'steps ${1:id} {\n\t$0\n}', doc: 'A step group.' },
    { label: 'if { } else { }', body: 'if ${1:condition} {\n\t$2\n} else {\n\t$0\n}', doc: 'A condition with an else branch.' },
    { label: 'wait for { } timeout { }', body: 'wait ${1:id} for ${2:Event} up to ${3:2h} {\n\t$4\n} timeout {\n\t$0\n}', doc: 'Wait for an event, with a timeout branch.' },
    { label: 'split { }', body: 'split ${1:id} {\n\t${2:50}% ${3:a} {\n\t\t$4\n\t}\n\t${5:50}% ${6:b} {\n\t\t$0\n\t}\n}', doc: 'An A/B test with two variants.' },
    { label: 'parallel { }', body: 'parallel ${1:id} {\n\tbranch ${2:a} {\n\t\t$3\n\t}\n\tbranch ${4:b} {\n\t\t$0\n\t}\n}', doc: 'A flow splitter with two branches.' },
    { label: 'limit { } else { }', body: 'limit ${1:id} ${2:1000} per ${3:day} {\n\t$4\n} else {\n\t$0\n}', doc: 'A limitation node.' },
  ],
  split: [{ label: '50% variant { }', body: '${1:50}% ${2:name} {\n\t$0\n}', doc: 'A variant of the A/B test.' }],
  parallel: [{ label: 'branch { }', body: 'branch ${1:id} {\n\t$0\n}', doc: 'A branch of the flow splitter.' }],
};

const REF_KIND: Partial<Record<ManifestRefKind, CompletionKind>> = {
  segment: 'segment',
  productSegment: 'segment',
  template: 'template',
  actionTemplate: 'template',
  promoPool: 'pool',
  pointAccount: 'account',
  budget: 'budget',
};

const STRING_REFS: Record<Exclude<StringRef, 'timezone'>, ManifestRefKind> = {
  template: 'template',
  segment: 'segment',
  promoPool: 'promoPool',
  pointAccount: 'pointAccount',
  budget: 'budget',
  brand: 'brand',
};

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Index of the first token that ends after `offset` (tokens are sorted and do not overlap). */
function tokensBefore(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tokens[mid]!.endOffset ?? tokens[mid]!.startOffset) + 1 <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const tokEnd = (t: IToken): number => (t.endOffset ?? t.startOffset) + 1;

/** A string token with its closing quote (strings without one run to the end of the line). */
function isClosed(t: IToken): boolean {
  if (!tokenMatcher(t, Tok.StringLiteral)) return true;
  return t.tokenType !== Tok.UnterminatedString && t.image.length >= 2 && t.image.endsWith(t.image[0]!);
}

/** Whether the offset is inside a comment (at the end of a line comment counts as inside). */
export function inComment(comments: readonly IToken[], offset: number): boolean {
  for (const c of comments) {
    if (c.startOffset >= offset) return false;
    const end = tokEnd(c);
    if (offset < end || (offset === end && c.tokenType !== Tok.BlockComment)) return true;
  }
  return false;
}

export class DefaultCompletionProvider implements CompletionProvider {
  constructor(protected readonly services: RunnelServices) {}

  /** Called with what went wrong inside the service (which then answers with nothing); override to log or rethrow. */
  protected failed(_error: unknown): void {}

  complete(project: EditorProject, path: string, offset: number): CompletionItem[] {
    try {
      const req = this.request(project, path, offset);
      return req ? this.items(req) : [];
    } catch (e) {
      // Completion is a convenience: a bug here must not break typing.
      this.failed(e);
      return [];
    }
  }

  private request(project: EditorProject, path: string, at: number): Request | undefined {
    const docs = this.services.documents;
    const file = docs.file(project, path);
    if (!file) return undefined;
    const text = file.text;
    const offset = Math.max(0, Math.min(Math.floor(at) || 0, text.length));
    const { tokens, comments } = docs.lex(text);
    if (inComment(comments, offset)) return undefined;
    // Inside a string: complete its contents. An unterminated string runs to the end of its line.
    let i = tokensBefore(tokens, offset);
    if (!(tokens[i] && tokens[i]!.startOffset < offset) && i > 0 && !isClosed(tokens[i - 1]!) && tokEnd(tokens[i - 1]!) === offset) i--;
    const t = tokens[i];
    if (t && t.startOffset < offset && tokenMatcher(t, Tok.StringLiteral)) {
      const closed = isClosed(t);
      const range = { start: t.startOffset + 1, end: closed ? tokEnd(t) - 1 : tokEnd(t) };
      return this.finish(text, tokens, docs.manifest(project).manifest, i, range, true, !closed);
    }
    let start = offset;
    while (start > 0 && isWordChar(text.charCodeAt(start - 1))) start--;
    let end = offset;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    const first = text.charCodeAt(start);
    if (start < end && first >= 48 && first <= 57) return undefined; // inside a number, a duration, a time...
    return this.finish(text, tokens, docs.manifest(project).manifest, tokensBefore(tokens, start), { start, end }, false, false);
  }

  private finish(text: string, tokens: readonly IToken[], manifest: Manifest, count: number, range: Range, inString: boolean, unterminated: boolean): Request {
    const prev = count > 0 ? tokens[count - 1] : undefined;
    const from = inString ? range.start - 1 : range.start;
    const sameLine = !!prev && !/[\r\n]/.test(text.slice(tokEnd(prev), from));
    return { text, tokens, manifest, context: cursorContext(tokens, count), range, inString, unterminated, sameLine };
  }

  // ---------- by slot ----------

  private items(req: Request): CompletionItem[] {
    const slot = req.context.slot;
    if (req.inString && !['string', 'optionValue', 'expression'].includes(slot.kind)) return [];
    switch (slot.kind) {
      case 'top':
        return [this.keyword(req, 'flow', '1'), ...this.snippets(req, 'top')];
      case 'statement':
        return this.statementItems(req, slot.container, slot.follow, true);
      case 'words':
        return slot.words.map((w) => (LANGUAGE_WORDS.has(w.split(' ')[0]!) ? this.keyword(req, w, '0') : { label: w, kind: 'value', range: req.range, sortText: `0${w}` }));
      case 'event':
        return this.eventDocs().map((e) => ({ ...e, range: req.range }));
      case 'optionName':
        return this.optionNames(req, slot.event, slot.given);
      case 'optionValue':
        return this.optionValues(req, slot.event, slot.option, slot.inList);
      case 'channel':
        return CHANNELS.map((ch) => {
          const n = req.manifest.json.templates?.[ch]?.length ?? 0;
          return { label: ch, kind: 'value', detail: `channel: ${n} template${n === 1 ? '' : 's'} in runnel.json`, documentation: KEYWORD_DOCS['send']!.doc, range: req.range };
        });
      case 'webhookMethod':
        return WEBHOOK_METHODS.map((m) => ({ label: m, kind: 'value', detail: 'HTTP method', range: req.range }));
      case 'string':
        return this.stringItems(req, slot.ref, slot.channel);
      case 'expression':
        return this.expressionItems(req, slot);
      case 'afterOperand': {
        const items = [...slot.follow.map((w) => this.keyword(req, w, '0')), ...OPERATORS.map((w) => this.keyword(req, w, '1'))];
        if (slot.canEnd && !req.sameLine) items.push(...this.statementItems(req, slot.container, [], false));
        return items;
      }
      case 'member':
        return this.memberItems(req, slot);
      case 'none':
        return [];
    }
  }

  private statementItems(req: Request, container: ContainerKind, follow: string[], snippets: boolean): CompletionItem[] {
    const items = follow.map((w) => this.keyword(req, w, '0'));
    // On the line of a statement that may go on, only its continuations; on a new line, anything.
    if (req.sameLine && follow.length > 0) return items;
    const words =
      container === 'flow' ? [...SETTINGS, ...TRIGGERS, ...BLOCKS] : container === 'blocks' ? BLOCKS : container === 'actions' ? ACTION_WORDS : container === 'parallel' ? ['branch'] : [];
    items.push(...words.map((w) => this.keyword(req, w, '1')));
    if (snippets) {
      const key = container === 'flow' || container === 'blocks' ? 'blocks' : container;
      items.push(...this.snippets(req, key));
    }
    return items;
  }

  private keyword(req: Request, word: string, sort: string): CompletionItem {
    const doc = KEYWORD_DOCS[word.split(' ')[0]!];
    const action = ACTIONS.find((a) => a.keywords.join(' ') === word || a.keywords[0] === word);
    return {
      label: word,
      kind: 'keyword',
      ...(doc ? { detail: doc.syntax } : action ? { detail: action.syntax } : {}),
      ...(doc ? { documentation: doc.doc } : {}),
      range: req.range,
      sortText: `${sort}${word}`,
    };
  }

  private snippets(req: Request, key: string): CompletionItem[] {
    return (SNIPPETS[key] ?? []).map((s) => ({ label: s.label, kind: 'snippet', detail: 'snippet', documentation: s.doc, insertText: s.body, range: req.range, sortText: `2${s.label}` }));
  }

  /** A name to insert as a string: quoted outside a string, bare inside one. */
  private quoted(req: Request, name: string, kind: CompletionKind, detail: string, sort?: string, documentation?: string): CompletionItem {
    return {
      label: name,
      kind,
      detail,
      ...(documentation ? { documentation } : {}),
      insertText: req.inString ? (req.unterminated ? `${name}"` : name) : JSON.stringify(name),
      range: req.range,
      ...(sort ? { sortText: sort } : {}),
    };
  }

  private refItems(req: Request, ref: ManifestRefKind, channel?: string): CompletionItem[] {
    const docs = this.services.documentation;
    const names = docs.manifestNames(ref, req.manifest, channel);
    const kind = REF_KIND[ref] ?? 'value';
    const what = `${channel ? `${channel} ` : ''}${MANIFEST_KINDS[ref].what}`;
    return names.map((n) => this.quoted(req, n, kind, `${what} in runnel.json`, undefined, docs.manifestName(ref, n, req.manifest, channel)));
  }

  private stringItems(req: Request, ref: StringRef, channel?: string): CompletionItem[] {
    if (ref === 'timezone') return [...timeZones()].sort().map((z) => this.quoted(req, z, 'value', 'time zone'));
    return this.refItems(req, STRING_REFS[ref], channel);
  }

  // ---------- events ----------

  private optionNames(req: Request, event: string, given: string[]): CompletionItem[] {
    const def = findEvent(event);
    if (!def || req.inString) return [];
    const docs = this.services.documentation;
    return def.options
      .filter((o) => !given.includes(o.name))
      .map((o) => ({
        label: o.name,
        kind: 'option' as const,
        detail: `${docs.optionType(o.type).replace(/`/g, '')}${o.required ? ' (required)' : ''}`,
        documentation: docs.option(def, o),
        insertText: `${o.name}: `,
        range: req.range,
        sortText: `${o.required ? '0' : '1'}${o.name}`,
      }));
  }

  private optionValues(req: Request, event: string, option: string, inList: boolean): CompletionItem[] {
    const def = findEvent(event);
    const opt = def?.options.find((o) => o.name === option);
    if (!def || !opt) return [];
    let t: OptionType = opt.type;
    if (t.kind === 'list') t = t.of;
    else if (inList) return [];
    switch (t.kind) {
      case 'enum':
        if (req.inString) return [];
        return t.values.map((v) => ({ label: v, kind: 'value', detail: `${option} of ${event}`, range: req.range }));
      case 'boolean':
        if (req.inString) return [];
        return ['true', 'false'].map((v) => ({ label: v, kind: 'value', detail: `${option} of ${event}`, range: req.range }));
      case 'ref':
        return [...this.refItems(req, t.ref, t.channel), ...(t.also ?? []).flatMap((k) => this.refItems(req, k))];
      default:
        return [];
    }
  }

  // ---------- expressions ----------

  /** The catalog's Markdown, built once: the same for every flow. */
  private eventDocs(): Array<Omit<CompletionItem, 'range'>> {
    const docs = this.services.documentation;
    return (this.events ??= EVENTS.map((def) => ({ label: def.name, kind: 'event' as const, detail: docs.eventDetail(def), documentation: docs.event(def) })));
  }
  private events: Array<Omit<CompletionItem, 'range'>> | undefined;

  private triggers(req: Request): FlowTriggers {
    const start = req.context.flowStart;
    return start === undefined ? { events: [], scheduled: false } : flowTriggers(req.tokens, start);
  }

  private names(req: Request, scope: Extract<Slot, { kind: 'expression' }>['scope']): Map<string, Binding> {
    return this.services.scopes.names(req.manifest, this.triggers(req), scope);
  }

  private expressionItems(req: Request, slot: Extract<Slot, { kind: 'expression' }>): CompletionItem[] {
    const scopes = this.services.scopes;
    const names = this.names(req, slot.scope);
    // An argument of a customer method: its values (segments, channels, brands, topics).
    const call = slot.call;
    if (call?.callee && call.callee.steps.length === 1 && call.callee.steps[0]!.kind === 'field') {
      const owner = scopes.typeOf(names, { root: call.callee.root, steps: [] });
      const method = owner?.kind === 'object' && owner.name === 'Customer' ? CUSTOMER_METHODS.find((m) => m.name === (call.callee!.steps[0] as { name: string }).name) : undefined;
      if (method) {
        const positional = method.params.filter((p) => !p.named);
        const param = call.name ? method.params.find((p) => p.name === call.name) : positional[call.arg];
        const items: CompletionItem[] = [];
        if (param?.ref) items.push(...this.refItems(req, param.ref));
        else if (param?.type.kind === 'enum' && !req.inString) items.push(...param.type.values.map((v) => ({ label: v, kind: 'value' as const, detail: `${param.name} of customer.${method.name}()`, range: req.range })));
        if (!call.name && !param && !req.inString) {
          items.push(
            ...method.params
              .filter((p) => p.named)
              .map((p) => ({ label: p.name, kind: 'option' as const, detail: `${typeToString(p.type)} (optional)`, insertText: `${p.name}: `, range: req.range })),
          );
        }
        return items;
      }
    }
    const expected = slot.expected ? scopes.typeOf(names, slot.expected) : undefined;
    const values = enumValues(expected);
    if (req.inString) return values.map((v) => ({ label: v, kind: 'value', detail: describe(expected!), range: req.range, sortText: `0${v}` }));
    const items: CompletionItem[] = values.map((v) => ({ label: v, kind: 'value', detail: describe(expected!), range: req.range, sortText: `0${v}` }));
    const docs = this.services.documentation;
    for (const [name, b] of names) {
      const origin = b.kind === 'customer' ? 'The customer: always available.' : b.kind === 'element' ? 'The current element of the list.' : b.awaited ? `Bound by the awaited event ${b.awaited.name}.` : 'Bound by the trigger.';
      items.push({ label: name, kind: 'field', detail: typeToString(b.type), documentation: docs.value(name, b.type, origin), range: req.range, sortText: `1${name}` });
    }
    items.push(this.keyword(req, 'not', '3'));
    if (!slot.scope.entryFilter) {
      for (const fn of BUILTINS) items.push({ label: fn.name, kind: 'function', detail: fn.signature, documentation: docs.builtin(fn), range: req.range, sortText: `2${fn.name}` });
      items.push(...['true', 'false'].map((w) => ({ label: w, kind: 'keyword' as const, range: req.range, sortText: `3${w}` })));
    }
    return items;
  }

  private memberItems(req: Request, slot: Extract<Slot, { kind: 'member' }>): CompletionItem[] {
    if (!slot.path || req.inString) return [];
    const scopes = this.services.scopes;
    const names = this.names(req, slot.scope);
    const t = scopes.typeOf(names, slot.path);
    if (!t || t.kind !== 'object') return [];
    const docs = this.services.documentation;
    const prefix = pathText(slot.path);
    const entryFilterCustomer = slot.scope.entryFilter && slot.path.steps.length === 0 && slot.path.root === 'customer';
    const items: CompletionItem[] = [];
    for (const [name, f] of Object.entries(t.fields)) {
      if (entryFilterCustomer && !ENTRY_FILTER_FIELDS.has(name)) continue;
      items.push({
        label: name,
        kind: 'field',
        detail: `${typeToString(f.type)}${f.optional ? ' (optional)' : ''}`,
        documentation: docs.field(`${prefix}.${name}`, f),
        range: req.range,
      });
    }
    if (t.name === 'Customer') {
      for (const m of CUSTOMER_METHODS) {
        items.push({ label: m.name, kind: 'method', detail: docs.methodSignature(m), documentation: docs.method(m), range: req.range });
      }
    }
    return items;
  }
}

function enumValues(t: Type | undefined): readonly string[] {
  if (!t) return [];
  if (t.kind === 'enum') return t.values;
  if (t.kind === 'array' && t.element.kind === 'enum') return t.element.values;
  return [];
}

function describe(t: Type): string {
  return t.kind === 'array' ? typeToString(t.element) : typeToString(t);
}

/** `order.items[0]` back as text, for documentation. */
export function pathText(p: PathExpr): string {
  return p.root + p.steps.map((s) => (s.kind === 'field' ? `.${s.name}` : s.kind === 'call' ? '(...)' : '[...]')).join('');
}
