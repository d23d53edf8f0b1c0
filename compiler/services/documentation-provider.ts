/**
 * The documentation service: the Markdown that completion items and hovers show for events,
 * options, fields, functions, keywords, actions, blocks and the names of runnel.json. Everything
 * comes from the catalog, the JSON Schemas and the manifest; the keyword texts follow
 * docs/language.md.
 */
import type { EventDef, EventOption, ManifestRefKind, OptionType } from '../../stdlib/catalog-types.js';
import { CATEGORY_TITLES } from '../../stdlib/catalog.js';
import type { BuiltinDef } from '../../stdlib/builtins.js';
import type { MethodDef } from '../../stdlib/customer.js';
import type { ActionDef } from '../../stdlib/actions.js';
import { typeToString, type Field, type Type } from '../../stdlib/types.js';
import type { Manifest } from '../manifest.js';
import { contextSchemas, type ContextSchemaName } from '../../schemas/index.js';
import type * as A from '../ast.js';

export interface DocumentationProvider {
  event(def: EventDef): string;
  /** One line about an event, for a completion item's detail. */
  eventDetail(def: EventDef): string;
  option(def: EventDef, option: EventOption): string;
  /** How an option's value is written: `one of order, all_items`, `a quoted segment name`. */
  optionType(t: OptionType): string;
  /** A field of a context type: `order.total: number` and its schema description. */
  field(path: string, field: Field): string;
  /** A context value (`order`, `customer`, `it`): its type and the type's description. */
  value(name: string, type: Type, origin?: string): string;
  builtin(def: BuiltinDef): string;
  methodSignature(def: MethodDef): string;
  method(def: MethodDef): string;
  /** A keyword of the language, or undefined when there is nothing to say. */
  keyword(word: string): string | undefined;
  action(def: ActionDef): string;
  /** What a block does, with its id (explicit or derived). */
  block(block: A.Block, id: string | undefined, derived: boolean): string;
  /** A name of runnel.json: a template, segment, pool, account, budget, brand... declared or not. */
  manifestName(kind: ManifestRefKind, name: string, manifest: Manifest, channel?: string): string;
  /** The names runnel.json declares for a kind of reference. */
  manifestNames(kind: ManifestRefKind, manifest: Manifest, channel?: string): string[];
}

const code = (s: string): string => '```runnel\n' + s + '\n```';

const CARDINALITY: Record<EventDef['cardinality'], string> = {
  once: 'once per event',
  per_item: 'once per matching order item',
  per_product: 'once per matching product',
  once_per_batch: 'once per batch of simultaneous changes',
};

const BACKDATED: Record<EventDef['backdated'], string> = {
  relevance: 'accepted if the step still falls within its relevance window',
  latest_only: 'accepted within the relevance window, and only if no later change of the same order arrived',
  no: 'not accepted',
};

/** Where each kind of name is declared in runnel.json, and how to call it. */
export const MANIFEST_KINDS: Record<ManifestRefKind, { key: string; what: string; code: string }> = {
  segment: { key: 'segments', what: 'segment', code: 'RN0205' },
  productSegment: { key: 'productSegments', what: 'product segment', code: 'RN0205' },
  template: { key: 'templates', what: 'template', code: 'RN0204' },
  actionTemplate: { key: 'actionTemplates', what: 'action template', code: 'RN0212' },
  customerField: { key: 'customFields.customer', what: 'customer custom field', code: 'RN0203' },
  orderField: { key: 'customFields.order', what: 'order custom field', code: 'RN0203' },
  productField: { key: 'customFields.product', what: 'product custom field', code: 'RN0203' },
  calculatedField: { key: 'calculatedFields', what: 'calculated field', code: 'RN0212' },
  operation: { key: 'operations', what: 'operation', code: 'RN0212' },
  pointAccount: { key: 'pointAccounts', what: 'points account', code: 'RN0207' },
  promoPool: { key: 'promoPools', what: 'promo-code pool', code: 'RN0206' },
  brand: { key: 'brands', what: 'brand', code: 'RN0211' },
  campaign: { key: 'campaigns', what: 'campaign', code: 'RN0212' },
  topic: { key: 'topics', what: 'subscription topic', code: 'RN0212' },
  budget: { key: 'budgets', what: 'budget', code: 'RN0212' },
};

const keys = (o: object | undefined): string[] => Object.keys(o ?? {});

/** The keywords of the language, with their syntax and meaning (docs/language.md). */
export const KEYWORD_DOCS: Readonly<Record<string, { syntax: string; doc: string }>> = {
  flow: { syntax: 'flow <id> ["title"] { settings, triggers, blocks }', doc: 'A customer journey: settings, then triggers, then blocks that run top to bottom.' },
  entry: {
    syntax: 'entry once | entry always | entry every <duration>',
    doc: 'The launch limit: how often one customer may launch the flow. Default `entry always`. A launch counts when a step group runs successfully; the period runs from the last successful step.',
  },
  relevance: {
    syntax: 'relevance <duration>',
    doc: 'How late a step group may still run after it was due (default `1d`); a later step is not run and the customer is stopped with "Step relevance period expired". A `steps` block may set its own.',
  },
  active: { syntax: 'active [from <date>] [until <date>]', doc: 'When the flow accepts customers; outside it, events do not enter (`flow_inactive`). `until` is the first moment it no longer does.' },
  timezone: { syntax: 'timezone "<IANA name>"', doc: "The flow's time zone for schedules, timed waits and dates without an offset. Default: the manifest's `timezone`, else UTC." },
  brand: { syntax: 'brand "<brand>"', doc: 'In a multi-brand project, only events of that brand start the flow. The brand must be in runnel.json `brands`.' },
  exit: {
    syntax: 'exit on <Event>[(options)] [where <condition>]',
    doc: 'Exit criteria: a customer in the flow leaves it at once when this event arrives (stopped, reason `exit_event`). `where` may test the event\'s own data.',
  },
  on: {
    syntax: 'on <Event>[(option: value, ...)] [when <customer condition>]',
    doc: 'An event trigger: the flow starts when this event happens for a customer. A flow may have several; it can then use only the context values that all of them bind.',
  },
  when: {
    syntax: 'on <Event> when <customer condition>',
    doc: 'The entry filter: conditions on the customer only (email, phone, segments, subscriptions, push). An event that fails it does not enter (`condition_not_applied`). Event data belongs in an `if` block.',
  },
  where: { syntax: 'exit on <Event> where <condition> / wait for <Event> where <condition>', doc: "A condition on the awaited or exit event's own data." },
  every: {
    syntax: 'every <day|weekday|weekend|mon..sun|month on <n|last>> [at <hh:mm>, ...] [for segment "<segment>"] / every <duration>',
    doc: 'A scheduled trigger: the flow runs at these times for every customer of the segment (for all customers without one). It binds no event data. With `entry`: `entry every 7d` is a launch limit.',
  },
  steps: {
    syntax: 'steps [id] ["title"] [relevance <duration>] { actions }',
    doc: 'A step group: its actions run together, in order, within the group\'s relevance window, or not at all.',
  },
  wait: {
    syntax: 'wait [id] <duration> [within ...] / wait [id] until <date> [otherwise ...] / wait [id] for <Event> up to <duration> { } [timeout { }]',
    doc: 'A delay: fixed, until a date computed from the data (dynamic), within days and hours (timed), or until an event arrives (with a timeout).',
  },
  until: { syntax: 'wait until <date expression> [otherwise stop | otherwise wait <duration>]', doc: 'A dynamic delay: until a date or date-time from the event, the customer, an order, a product or an action.' },
  otherwise: { syntax: 'wait until <date> otherwise stop | otherwise wait <duration>', doc: 'What to do when the date of `wait until` is missing: stop (the default, "Dynamic wait value missing") or wait a fixed time.' },
  within: { syntax: 'within [<days>] <hh:mm>..<hh:mm>', doc: 'A timed delay: the customer leaves the wait only on those days, between those hours (in the flow\'s time zone).' },
  for: { syntax: 'wait for <Event> ... / every ... for segment "<segment>"', doc: 'After `wait`: wait for an event of the same customer. In a schedule: the segment whose customers the flow runs for.' },
  up: { syntax: 'wait for <Event> up to <duration>', doc: 'How long `wait for` waits for the event before taking the `timeout` branch.' },
  timeout: { syntax: 'wait for <Event> up to <duration> { ... } timeout { ... }', doc: 'The branch taken when the awaited event did not arrive in time. Without it the customer goes on after the wait.' },
  if: { syntax: 'if <condition> { } [else if <condition> { }] [else { }]', doc: 'A condition: the first branch whose condition is true runs; `else` when none is. A condition on a missing value is false.' },
  else: { syntax: '... } else { ... }', doc: 'The branch of an `if` when no condition holds, or of a `limit` for customers over the limit.' },
  split: { syntax: 'split [id] { <n>% <name> ["title"] { ... } ... }', doc: 'An A/B test: each customer goes down one variant, sticky and deterministic. The shares add up to at most 100%; the rest is a control group that gets nothing.' },
  parallel: { syntax: 'parallel [id] { branch [id] { ... } ... }', doc: 'A flow splitter: the customer goes down every branch at once; the blocks after `parallel` run when every branch has finished.' },
  branch: { syntax: 'branch [id] { ... }', doc: 'One path of a `parallel` block.' },
  limit: {
    syntax: 'limit [id] <count> per <hour|day|week|month|duration> { } [else { }] / limit [id] budget "<budget>" { } [else { }]',
    doc: 'A limitation node: at most that many customers per period go into its first branch; the others take `else`. A budget of runnel.json is shared by every block that names it.',
  },
  budget: { syntax: 'limit budget "<budget>" { ... }', doc: 'A limit declared in runnel.json `budgets`, shared by every block that names it, in every flow.' },
  per: { syntax: 'limit <count> per <hour|day|week|month|duration>', doc: 'The period of a limit: calendar hours, days, weeks (Monday to Sunday) or months in the flow\'s time zone, or a rolling duration like `7d`.' },
  stop: { syntax: 'stop', doc: 'Ends the customer\'s journey here: they have completed the flow. Blocks after it in the same branch never run.' },
  send: { syntax: 'send <channel> "<template>" [{ param: value, ... }]', doc: 'Sends a message from a template declared for that channel in runnel.json.' },
  webhook: { syntax: 'webhook <get|post|put|patch|delete> "<url>" [{ field: value, ... }]', doc: 'Calls an HTTP endpoint; the `{ }` is the JSON body.' },
  issue: { syntax: 'issue promo "<pool>"', doc: 'Gives the customer a code from a promo-code pool declared in runnel.json.' },
  award: { syntax: 'award <amount> points to "<account>" [expires in <duration>]', doc: 'Awards loyalty points to a points account declared in runnel.json.' },
  set: { syntax: 'set customer.fields.<field> = <value>', doc: 'Sets a customer custom field declared in runnel.json; `= null` wipes it.' },
  add: { syntax: 'add to segment "<segment>"', doc: 'Adds the customer to a static segment declared in runnel.json.' },
  remove: { syntax: 'remove from segment "<segment>"', doc: 'Removes the customer from a static segment declared in runnel.json.' },
  expires: { syntax: 'award <amount> points to "<account>" expires in <duration>', doc: 'When the awarded points expire; without it they do not.' },
  once: { syntax: 'entry once', doc: 'One launch per customer, ever.' },
  always: { syntax: 'entry always', doc: 'Every matching event launches the flow (the default).' },
  and: { syntax: 'a and b', doc: 'True when both conditions hold.' },
  or: { syntax: 'a or b', doc: 'True when at least one condition holds.' },
  not: { syntax: 'not a / x not in [...]', doc: 'The opposite of a condition.' },
  in: { syntax: 'x in [a, b] / x not in [a, b]', doc: 'True when the value is one of the list (or, for text, part of the text).' },
  it: { syntax: 'any(list, it.price > 100)', doc: 'The current element inside `any`, `all`, `count` and `sum`.' },
};

/** What each kind of block does, in a line (docs/language.md, "Blocks"). */
const BLOCK_DOCS: Record<A.Block['kind'], { title: string; doc: string }> = {
  Steps: { title: 'step group', doc: KEYWORD_DOCS['steps']!.doc },
  WaitFixed: { title: 'wait', doc: 'A fixed or timed delay: the customer waits the duration, then (with `within`) until the window is open.' },
  WaitUntil: { title: 'dynamic wait', doc: 'Waits until a date computed from the data. A missing value stops the customer ("Dynamic wait value missing") unless `otherwise` says else.' },
  WaitForEvent: { title: 'wait for an event', doc: 'Waits for an event of the same customer: the first branch when it arrives in time (with its data bound), `timeout` when it does not.' },
  If: { title: 'condition', doc: KEYWORD_DOCS['if']!.doc },
  Split: { title: 'A/B test', doc: KEYWORD_DOCS['split']!.doc },
  Parallel: { title: 'flow splitter', doc: KEYWORD_DOCS['parallel']!.doc },
  Limit: { title: 'limitation', doc: KEYWORD_DOCS['limit']!.doc },
  Stop: { title: 'stop', doc: KEYWORD_DOCS['stop']!.doc },
};

export class DefaultDocumentationProvider implements DocumentationProvider {
  eventDetail(def: EventDef): string {
    return `${def.title} (${CATEGORY_TITLES[def.category]})`;
  }

  event(def: EventDef): string {
    const parts = [`**${def.name}**: *${def.title}* (${CATEGORY_TITLES[def.category]})`, def.doc];
    if (def.options.length > 0) {
      parts.push(
        ['| option | value | default |', '|---|---|---|', ...def.options.map((o) => `| \`${o.name}\` | ${this.optionType(o.type)} | ${o.required ? '**required**' : (o.default ?? '')} |`)].join('\n'),
      );
    } else parts.push('No options.');
    const binds = Object.entries(def.binds).map(([name, type]) => `\`${name}\` (${type})`);
    parts.push(
      [
        `- Binds: ${binds.length ? binds.join(', ') : 'nothing but the customer'}`,
        `- Dynamic waits: ${def.dynamicWaits.length ? def.dynamicWaits.map((n) => `\`${n}\``).join(', ') + ', and the customer' : 'customer dates only'}`,
        `- Fires: ${CARDINALITY[def.cardinality]}`,
        `- Backdated events: ${BACKDATED[def.backdated]}`,
      ].join('\n'),
    );
    return parts.join('\n\n');
  }

  option(def: EventDef, o: EventOption): string {
    return [
      code(`${def.name}(${o.name}: ...)`),
      `\`${o.name}\`: ${this.optionType(o.type)}; ${o.required ? '**required**' : `default: ${o.default ?? 'none'}`}.`,
      o.doc,
    ].join('\n\n');
  }

  optionType(t: OptionType): string {
    switch (t.kind) {
      case 'enum':
        return `one of ${t.values.map((v) => `\`${v}\``).join(', ')}`;
      case 'string':
        return 'a quoted text';
      case 'ref':
        return `a quoted ${MANIFEST_KINDS[t.ref].what} name${t.channel ? ` (${t.channel})` : ''} from runnel.json`;
      case 'number': {
        const range = t.min !== undefined && t.max !== undefined ? ` from ${t.min} to ${t.max}` : t.min !== undefined ? ` of at least ${t.min}` : t.max !== undefined ? ` of at most ${t.max}` : '';
        return (t.integer ? 'a whole number' : 'a number') + range;
      }
      case 'boolean':
        return '`true` or `false`';
      case 'threshold':
        return 'a percentage (`10%`) or an amount (`5.00`)';
      case 'duration':
        return 'a duration (`2h`, `3d`)';
      case 'list':
        return `${this.optionType(t.of)}; several as a list \`[a, b]\``;
    }
  }

  field(path: string, f: Field): string {
    const parts = [code(`${path}: ${typeToString(f.type)}${f.optional ? ' (optional)' : ''}`)];
    if (f.doc) parts.push(f.doc);
    if (f.type.kind === 'enum') parts.push(`Values: ${f.type.values.map((v) => `\`${v}\``).join(', ')}.`);
    if (f.optional) parts.push('*May be missing: a comparison with a missing value is false; test it with `exists(...)`.*');
    return parts.join('\n\n');
  }

  value(name: string, type: Type, origin?: string): string {
    const parts = [code(`${name}: ${typeToString(type)}`)];
    if (origin) parts.push(origin);
    const schema = type.kind === 'object' && type.name && type.name in contextSchemas ? contextSchemas[type.name as ContextSchemaName] : undefined;
    const description = schema?.['description'];
    if (typeof description === 'string') parts.push(description);
    return parts.join('\n\n');
  }

  builtin(def: BuiltinDef): string {
    return [code(def.signature), def.doc].join('\n\n');
  }

  methodSignature(m: MethodDef): string {
    const params = m.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToString(p.type)}`);
    return `customer.${m.name}(${params.join(', ')}) -> ${typeToString(m.returns)}`;
  }

  method(m: MethodDef): string {
    const values = m.params.flatMap((p) => (p.type.kind === 'enum' ? [`\`${p.name}\`: ${p.type.values.map((v) => `\`${v}\``).join(', ')}`] : []));
    return [code(this.methodSignature(m)), m.doc, ...(values.length ? [values.join('; ')] : [])].join('\n\n');
  }

  keyword(word: string): string | undefined {
    const k = KEYWORD_DOCS[word];
    return k ? [code(k.syntax), k.doc].join('\n\n') : undefined;
  }

  action(def: ActionDef): string {
    return [code(def.syntax), def.doc, `Example: \`${def.example}\``].join('\n\n');
  }

  block(block: A.Block, id: string | undefined, derived: boolean): string {
    const b = BLOCK_DOCS[block.kind];
    const parts = [`**${b.title}**`, b.doc];
    if (id) {
      parts.push(
        derived
          ? `Block id: \`${id}\` (derived: it changes when this block's first line, or the block it sits in, changes; give it an explicit id if customers may be waiting here when you edit it)`
          : `Block id: \`${id}\``,
      );
    }
    return parts.join('\n\n');
  }

  manifestNames(kind: ManifestRefKind, manifest: Manifest, channel?: string): string[] {
    const j = manifest.json;
    switch (kind) {
      case 'segment':
        return j.segments ?? [];
      case 'productSegment':
        return j.productSegments ?? [];
      case 'template':
        return channel ? (j.templates?.[channel] ?? []) : [...new Set(Object.values(j.templates ?? {}).flat())];
      case 'actionTemplate':
        return j.actionTemplates ?? [];
      case 'customerField':
        return keys(j.customFields?.customer);
      case 'orderField':
        return keys(j.customFields?.order);
      case 'productField':
        return keys(j.customFields?.product);
      case 'calculatedField':
        return j.calculatedFields ?? [];
      case 'operation':
        return keys(j.operations);
      case 'pointAccount':
        return j.pointAccounts ?? [];
      case 'promoPool':
        return j.promoPools ?? [];
      case 'brand':
        return j.brands ?? [];
      case 'campaign':
        return j.campaigns ?? [];
      case 'topic':
        return j.topics ?? [];
      case 'budget':
        return keys(j.budgets);
    }
  }

  manifestName(kind: ManifestRefKind, name: string, manifest: Manifest, channel?: string): string {
    const k = MANIFEST_KINDS[kind];
    const what = `${channel ? `${channel} ` : ''}${k.what}`;
    const key = kind === 'template' && channel ? `templates.${channel}` : k.key;
    const declared = this.manifestNames(kind, manifest, channel);
    const head = `**${what}** \`"${name}"\``;
    if (declared.includes(name)) {
      const extra: string[] = [];
      if (kind === 'budget') {
        const b = manifest.json.budgets?.[name];
        if (b) extra.push(`At most ${b.limit} customers per ${b.period}, shared by every \`limit budget "${name}"\` in every flow.`);
      }
      if (kind === 'template' && !channel) {
        const channels = Object.entries(manifest.json.templates ?? {}).filter(([, list]) => list.includes(name)).map(([ch]) => ch);
        if (channels.length) extra.push(`Channels: ${channels.join(', ')}.`);
      }
      return [head, `Declared in runnel.json under \`${key}\`.`, ...extra].join('\n\n');
    }
    const where = manifest.declared ? `runnel.json does not declare it under \`${key}\`` : 'this file is not in a project (no runnel.json), so nothing is declared';
    const others = declared.length ? `Declared: ${declared.slice(0, 12).map((n) => `\`${n}\``).join(', ')}${declared.length > 12 ? ', ...' : ''}.` : '';
    return [head, `**Not declared**: ${where}; \`runnel check\` rejects it (${k.code}).`, ...(others ? [others] : [])].join('\n\n');
  }
}
