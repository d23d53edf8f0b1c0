/**
 * Lowering: a checked flow (no errors) → its FlowGraph. Settings get the product defaults of
 * docs/language.md, trigger options are normalized against the catalog, blocks get stable ids
 * (ids.ts) and explicit successors, and each wait learns which context fields it must keep
 * (liveness.ts).
 */
import type * as A from '../ast.js';
import type { Manifest } from '../manifest.js';
import { findEvent, findOption } from '../../stdlib/catalog.js';
import type { EventDef, OptionType } from '../../stdlib/catalog-types.js';
import { quoteString, sortSettings } from '../format/format-flow.js';
import type {
  Action,
  BlockId,
  ContextSource,
  EventSpec,
  ExitSpec,
  FlowGraph,
  FlowSettings,
  GraphBlock,
  LimitPeriod,
  OptionValue,
  ScheduleSpec,
  TimeWindowSpec,
  TriggerSpec,
} from './graph.js';
import { successors } from './graph.js';
import { blockIds, type BlockIds } from './ids.js';
import { LowerError, lowerGExpr, type ContextScope } from './expr.js';
import { computeKeeps } from './liveness.js';
import { literalToEpoch, timeMinutes, weekdayIndex, formatMinutes } from '../time.js';

export const DEFAULT_RELEVANCE_MS = 86_400_000;
export const DEFAULT_TIMEZONE = 'UTC';

export interface LowerOptions {
  manifest: Manifest;
  /** The segment runnel.json's `folders` limits the flow's file to, if any (see folderSegment). */
  segment?: string;
}

/** The segment restriction of runnel.json's `folders` for a file at `relPath` (relative to the project root, `/`-separated). */
export function folderSegment(manifest: Manifest, relPath: string): string | undefined {
  let best: { folder: string; segment: string } | undefined;
  for (const [folder, rule] of Object.entries(manifest.json.folders ?? {})) {
    const f = folder.replace(/^\.\//, '').replace(/\/+$/, '');
    if (typeof rule?.segment !== 'string') continue;
    if (relPath.startsWith(f + '/') && (!best || f.length > best.folder.length)) best = { folder: f, segment: rule.segment };
  }
  return best?.segment;
}

function eventDef(name: string): EventDef {
  const def = findEvent(name);
  if (!def) throw new LowerError(`unknown event ${name}`);
  return def;
}

function optionValue(type: OptionType | undefined, v: A.Expr): OptionValue {
  if (type?.kind === 'list') {
    const elements = v.kind === 'List' ? v.elements : [v];
    return elements.map((x) => optionValue(type.of, x));
  }
  switch (v.kind) {
    case 'String':
      return v.value;
    case 'Name':
      return v.name;
    case 'Number':
      return v.value;
    case 'Boolean':
      return v.value;
    case 'Percent':
      return { percent: v.value };
    case 'Duration':
      return { durationMs: v.ms };
    case 'List':
      return v.elements.map((x) => optionValue(undefined, x));
    default:
      throw new LowerError(`unsupported option value ${v.kind}`);
  }
}

function eventSpec(ref: A.EventRef): EventSpec {
  const def = eventDef(ref.name.name);
  const options = ref.options
    .map((o) => ({ name: o.name.name, value: optionValue(findOption(def, o.name.name)?.type, o.value) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { event: def.name, options };
}

/** The context names an event binds, all from `source`. */
function bindingsOf(def: EventDef, scope: ContextScope, source: ContextSource): ContextScope {
  const out = new Map(scope);
  for (const name of Object.keys(def.binds)) out.set(name, source);
  return out;
}

function scheduleSpec(t: A.ScheduleTrigger): ScheduleSpec {
  const times = t.times.map((x) => timeMinutes(x.raw));
  const words = t.units.map((u) => u.name);
  const spec: ScheduleSpec = { kind: 'schedule', times, text: '' };
  if (t.interval) spec.intervalMs = t.interval.ms;
  else if (words.includes('month')) spec.monthDays = t.monthDays.map((m) => (m.kind === 'Number' ? m.value : 0));
  else {
    const days = new Set<number>();
    for (const w of words) {
      if (w === 'day') [0, 1, 2, 3, 4, 5, 6].forEach((d) => days.add(d));
      else if (w === 'weekday') [0, 1, 2, 3, 4].forEach((d) => days.add(d));
      else if (w === 'weekend') [5, 6].forEach((d) => days.add(d));
      else if (weekdayIndex(w) >= 0) days.add(weekdayIndex(w));
    }
    spec.weekdays = [...days].sort((a, b) => a - b);
  }
  if (t.segment) spec.segment = t.segment.value;
  spec.text = [
    'every ',
    t.interval ? t.interval.raw : words.join(', '),
    t.monthDays.length > 0 ? ` on ${t.monthDays.map((d) => (d.kind === 'Number' ? d.raw : d.name)).join(', ')}` : '',
    times.length > 0 ? ` at ${times.map(formatMinutes).join(', ')}` : '',
    t.segment ? ` for segment ${quoteString(t.segment.value)}` : '',
  ].join('');
  return spec;
}

function windowSpec(w: A.TimeWindow): TimeWindowSpec {
  const days = new Set<number>();
  for (const r of w.days) {
    const from = weekdayIndex(r.from.name);
    const to = r.to ? weekdayIndex(r.to.name) : from;
    if (from < 0 || to < 0) throw new LowerError(`not a day: ${r.from.name}`);
    // `fri..mon` wraps around the weekend.
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  const all = days.size === 0 ? [0, 1, 2, 3, 4, 5, 6] : [...days].sort((a, b) => a - b);
  const from = timeMinutes(w.from.raw);
  const to = timeMinutes(w.to.raw);
  if (from === to) throw new LowerError(`the window ${w.from.raw}..${w.to.raw} is empty: it starts and ends at the same time`);
  return { days: all, from, to };
}

function settingsOf(flow: A.FlowDecl, manifest: Manifest, scope: ContextScope, segment: string | undefined): FlowSettings {
  const last = <K extends A.Setting['kind']>(kind: K): Extract<A.Setting, { kind: K }> | undefined =>
    [...flow.settings].reverse().find((s): s is Extract<A.Setting, { kind: K }> => s.kind === kind);
  const entry = last('EntrySetting');
  const timezone = last('TimezoneSetting')?.zone.value ?? manifest.json.timezone ?? DEFAULT_TIMEZONE;
  const active = last('ActiveSetting');
  const brand = last('BrandSetting');
  const exits: ExitSpec[] = sortSettings(flow.settings)
    .filter((s): s is A.ExitSetting => s.kind === 'ExitSetting')
    .map((s) => {
      const spec: ExitSpec = eventSpec(s.event);
      if (s.where) spec.where = lowerGExpr(s.where, bindingsOf(eventDef(s.event.name.name), scope, { kind: 'event' }));
      return spec;
    });
  const settings: FlowSettings = {
    entry: entry ? (entry.mode === 'every' && entry.period ? { mode: 'every', periodMs: entry.period.ms } : { mode: entry.mode === 'once' ? 'once' : 'always' }) : { mode: 'always' },
    relevanceMs: last('RelevanceSetting')?.duration.ms ?? DEFAULT_RELEVANCE_MS,
    active: {},
    timezone,
    exits,
  };
  if (active?.from) settings.active.from = literalToEpoch(active.from.raw, timezone);
  if (active?.until) settings.active.until = literalToEpoch(active.until.raw, timezone);
  if (settings.active.from !== undefined && settings.active.until !== undefined && settings.active.until <= settings.active.from) {
    throw new LowerError(`the flow schedule ends (${active!.until!.raw}) before it starts (${active!.from!.raw}) in ${timezone}`);
  }
  if (brand) settings.brand = brand.brand.value;
  if (segment) settings.segment = segment;
  return settings;
}

function actionOf(a: A.Action, scope: ContextScope): Action {
  const entries = (o: A.ObjectLit | undefined) =>
    (o?.entries ?? []).map((e) => ({ key: e.key.kind === 'String' ? e.key.value : e.key.name, value: lowerGExpr(e.value, scope) }));
  switch (a.kind) {
    case 'Send':
      return { kind: 'send', channel: a.channel.name, template: a.template.value, params: entries(a.params) };
    case 'Webhook':
      return { kind: 'webhook', method: a.method.name, url: a.url.value, body: entries(a.body) };
    case 'IssuePromo':
      return { kind: 'promo', pool: a.pool.value };
    case 'AwardPoints':
      return { kind: 'points', amount: lowerGExpr(a.amount, scope), account: a.account.value, ...(a.expires ? { expiresMs: a.expires.ms } : {}) };
    case 'Set': {
      if (a.target.kind !== 'Member') throw new LowerError('only customer custom fields can be set');
      return { kind: 'set', field: a.target.property.name, value: lowerGExpr(a.value, scope) };
    }
    case 'SegmentAdd':
      return { kind: 'segment_add', segment: a.segment.value };
    case 'SegmentRemove':
      return { kind: 'segment_remove', segment: a.segment.value };
  }
}

class BlockLowerer {
  readonly out: GraphBlock[] = [];
  constructor(
    private readonly ids: BlockIds,
    private readonly settings: FlowSettings,
    private readonly manifest: Manifest,
  ) {}

  private id(b: A.Block): BlockId {
    const id = this.ids.ids.get(b);
    if (!id) throw new LowerError('block without an id');
    return id;
  }

  /** Lowers a body whose last block continues with `cont`; returns where the body starts. */
  body(blocks: A.Block[], cont: BlockId, scope: ContextScope): BlockId {
    blocks.forEach((b, i) => this.block(b, i + 1 < blocks.length ? this.id(blocks[i + 1]!) : cont, scope));
    return blocks.length > 0 ? this.id(blocks[0]!) : cont;
  }

  private block(b: A.Block, next: BlockId, scope: ContextScope): void {
    const id = this.id(b);
    const explicit = 'blockId' in b && !!b.blockId?.name;
    const base = { id, explicit };
    switch (b.kind) {
      case 'Steps':
        this.out.push({
          ...base,
          kind: 'steps',
          ...(b.title ? { title: b.title.value } : {}),
          relevanceMs: b.relevance?.ms ?? this.settings.relevanceMs,
          actions: b.actions.map((a) => actionOf(a, scope)),
          next,
        });
        return;
      case 'WaitFixed':
        if (b.within) this.out.push({ ...base, kind: 'wait_within', durationMs: b.duration?.ms ?? 0, window: windowSpec(b.within), keeps: [], next });
        else this.out.push({ ...base, kind: 'wait_fixed', durationMs: b.duration?.ms ?? 0, keeps: [], next });
        return;
      case 'WaitUntil':
        this.out.push({
          ...base,
          kind: 'wait_until',
          at: lowerGExpr(b.at, scope),
          otherwise: !b.otherwise ? { kind: 'none' } : b.otherwise.kind === 'stop' ? { kind: 'stop' } : { kind: 'wait', ms: b.otherwise.duration.ms },
          keeps: [],
          next,
        });
        return;
      case 'WaitForEvent': {
        const def = eventDef(b.event.name.name);
        const block = {
          ...base,
          kind: 'wait_event' as const,
          event: eventSpec(b.event),
          ...(b.where ? { where: lowerGExpr(b.where, bindingsOf(def, scope, { kind: 'event' })) } : {}),
          timeoutMs: b.timeout.ms,
          keeps: [],
          onEvent: '',
          onTimeout: '',
        };
        this.out.push(block);
        block.onEvent = this.body(b.onEvent, next, bindingsOf(def, scope, { kind: 'awaited', block: id }));
        block.onTimeout = this.body(b.onTimeout ?? [], next, scope);
        return;
      }
      case 'If': {
        const block = {
          ...base,
          kind: 'if' as const,
          branches: b.branches.map((br) => ({ condition: lowerGExpr(br.condition, scope), next: '' })),
          else: '',
          hasElse: !!b.otherwise,
        };
        this.out.push(block);
        b.branches.forEach((br, i) => (block.branches[i]!.next = this.body(br.body, next, scope)));
        block.else = this.body(b.otherwise ?? [], next, scope);
        return;
      }
      case 'Split': {
        const total = b.variants.reduce((s, v) => s + v.percent.value, 0);
        const block = {
          ...base,
          kind: 'split' as const,
          variants: b.variants.map((v) => ({ name: v.name.name, ...(v.title ? { title: v.title.value } : {}), percent: v.percent.value, next: '' })),
          control: { percent: Math.max(0, Math.round((100 - total) * 1e9) / 1e9), next: this.ids.end },
        };
        this.out.push(block);
        b.variants.forEach((v, i) => (block.variants[i]!.next = this.body(v.body, next, scope)));
        return;
      }
      case 'Parallel': {
        const join = this.ids.joins.get(b)!;
        const block = {
          ...base,
          kind: 'parallel' as const,
          branches: b.branches.map((br) => ({ ...(br.blockId?.name ? { label: br.blockId.name } : {}), next: '' })),
          join,
        };
        this.out.push(block);
        b.branches.forEach((br, i) => (block.branches[i]!.next = this.body(br.body, join, scope)));
        this.out.push({ id: join, explicit: false, kind: 'join', parallel: id, keeps: [], next });
        return;
      }
      case 'Limit': {
        let count: number;
        let period: LimitPeriod;
        if (b.budget) {
          const budget = this.manifest.json.budgets?.[b.budget.value];
          if (!budget) throw new LowerError(`budget "${b.budget.value}" is not in runnel.json`);
          count = budget.limit;
          period = { unit: budget.period as 'hour' | 'day' | 'week' | 'month' };
        } else {
          if (!b.count || !b.period) throw new LowerError('a limit needs a count and a period');
          count = b.count.value;
          period = b.period.kind === 'Duration' ? { ms: b.period.ms } : { unit: b.period.name as 'hour' | 'day' | 'week' | 'month' };
        }
        const block = {
          ...base,
          kind: 'limit' as const,
          ...(b.budget ? { budget: b.budget.value } : {}),
          count,
          period,
          next: '',
          else: '',
          hasElse: !!b.otherwise,
        };
        this.out.push(block);
        block.next = this.body(b.body, next, scope);
        block.else = this.body(b.otherwise ?? [], next, scope);
        return;
      }
      case 'Stop':
        this.out.push({ ...base, kind: 'stop' });
        return;
    }
  }
}

/** Lowers one checked flow. Throws LowerError on a flow the checker would have rejected. */
export function lowerFlow(flow: A.FlowDecl, options: LowerOptions): FlowGraph {
  const eventTriggers = flow.triggers.filter((t): t is A.EventTrigger => t.kind === 'EventTrigger');
  const defs = eventTriggers.map((t) => eventDef(t.event.name.name));
  // The trigger's context values: those every event trigger binds (the checker refuses the rest).
  const scope = new Map<string, { kind: 'trigger' }>();
  if (defs.length > 0 && defs.length === flow.triggers.length) {
    for (const name of Object.keys(defs[0]!.binds)) if (defs.every((d) => name in d.binds)) scope.set(name, { kind: 'trigger' });
  }
  const settings = settingsOf(flow, options.manifest, scope, options.segment);
  const customerOnly: ContextScope = new Map();
  const triggers: TriggerSpec[] = flow.triggers.map((t) => {
    if (t.kind === 'ScheduleTrigger') return scheduleSpec(t);
    return { kind: 'event', ...eventSpec(t.event), ...(t.when ? { when: lowerGExpr(t.when, customerOnly) } : {}) };
  });
  const ids = blockIds(flow);
  const lowerer = new BlockLowerer(ids, settings, options.manifest);
  const entry = lowerer.body(flow.body, ids.end, scope);
  const all: GraphBlock[] = [...lowerer.out, { id: ids.end, explicit: false, kind: 'end' }];
  // Blocks after a `stop` can never run (the checker warns): leave them out. The end block stays.
  const byId = new Map(all.map((b) => [b.id, b]));
  const reachable = new Set<BlockId>([ids.end, entry]);
  const stack = [entry];
  while (stack.length > 0) {
    const b = byId.get(stack.pop()!);
    if (!b) throw new LowerError('a successor names no block');
    for (const s of successors(b)) {
      if (!reachable.has(s)) {
        reachable.add(s);
        stack.push(s);
      }
    }
  }
  const graph: FlowGraph = {
    id: flow.name.name,
    ...(flow.title ? { title: flow.title.value } : {}),
    settings,
    triggers,
    entry,
    blocks: all.filter((b) => reachable.has(b.id)),
  };
  computeKeeps(graph);
  return graph;
}
