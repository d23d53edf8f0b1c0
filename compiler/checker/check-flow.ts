/** Checks one flow: settings, triggers, then its blocks and actions in order. */
import type * as A from '../ast.js';
import { findEvent, EVENT_NAMES } from '../../stdlib/catalog.js';
import { CHANNELS, WEBHOOK_METHODS } from '../../stdlib/actions.js';
import type { EventDef } from '../../stdlib/catalog-types.js';
import { T } from '../../stdlib/types.js';
import { suggest, didYouMean } from '../suggest.js';
import type { Binding, CheckContext, Scope } from './check-context.js';
import { withNames } from './check-context.js';
import { ExprChecker, article, checkDurationLiteral } from './check-expr.js';
import { checkOptions } from './check-options.js';
import { checkManifestRef } from './manifest-refs.js';
import { CONTEXT_NAMES, flowScope, eventBindings, type TriggerBinding } from './environment.js';
import { assignable, isLoose } from './type-rules.js';
import { DAY, MINUTE, formatMs, isValidDateLiteral, isValidTime, isValidTimeZone, timeZones } from './literals.js';
import { WEEKDAY_NAMES as WEEKDAYS, literalToEpoch, timeMinutes } from '../time.js';

/** The reference product keeps flows stable up to 150 blocks (seed 001). */
export const MAX_BLOCKS = 150;

const SETTING_NAMES: Record<A.Setting['kind'], string> = {
  EntrySetting: 'entry',
  RelevanceSetting: 'relevance',
  ActiveSetting: 'active',
  TimezoneSetting: 'timezone',
  BrandSetting: 'brand',
  ExitSetting: 'exit on',
};

/** What the checker learned about a flow, for the stages after it. */
export interface FlowFacts {
  flow: A.FlowDecl;
  triggers: Array<{ trigger: A.EventTrigger; def: EventDef }>;
  blockCount: number;
}

export class FlowChecker {
  private readonly expr: ExprChecker;
  private blockIds = new Map<string, A.Ident>();
  private blockCount = 0;
  private triggerDefs: TriggerBinding[] = [];

  constructor(private readonly ctx: CheckContext) {
    this.expr = new ExprChecker(ctx);
  }

  check(flow: A.FlowDecl): FlowFacts {
    this.blockIds = new Map();
    this.blockCount = 0;
    this.triggerDefs = [];
    const d = this.ctx.diagnostics;
    const facts: FlowFacts = { flow, triggers: [], blockCount: 0 };

    // Triggers first: they decide what the settings' and blocks' expressions may read.
    const eventTriggers = flow.triggers.filter((t): t is A.EventTrigger => t.kind === 'EventTrigger');
    const scheduleTriggers = flow.triggers.filter((t): t is A.ScheduleTrigger => t.kind === 'ScheduleTrigger');
    for (const t of eventTriggers) {
      const def = this.eventRef(t.event);
      if (def) {
        const operation = t.event.options.find((o) => o.name.name === 'operation')?.value;
        const op = operation?.kind === 'String' ? operation.value : operation?.kind === 'Name' ? operation.name : undefined;
        this.triggerDefs.push({ def, ...(op ? { operation: op } : {}) });
        facts.triggers.push({ trigger: t, def });
      }
    }
    if (flow.triggers.length === 0 && flow.name.name) {
      d.report('RN0405', flow.name.span, `flow \`${flow.name.name}\` has no trigger`, {
        label: 'never starts',
        help: 'add an event trigger (`on NewOrder`) or a schedule (`every day at 10:00 for segment "..."`)',
      });
    }
    if (eventTriggers.length > 0 && scheduleTriggers.length > 0) {
      d.report('RN0410', scheduleTriggers[0]!.span, 'a flow starts either on events or on a schedule, not both', {
        notes: ['the reference product has one start block per flow: "An event occurred" or a schedule'],
        help: 'split it into two flows',
      });
    }
    // An unknown event leaves its contexts unknown too: do not report each use of them again.
    const unresolved = eventTriggers.length > facts.triggers.length;
    const scope = unresolved ? looseScope(this.ctx) : flowScope(this.ctx.manifest, this.triggerDefs, scheduleTriggers.length > 0);
    const customerOnly: Scope = { names: new Map([['customer', scope.names.get('customer')!]]), entryFilter: true };
    for (const t of eventTriggers) {
      if (t.when) {
        this.expr.condition(t.when, withNames(customerOnly, [...scope.names].filter(([k]) => k !== 'customer')), 'the entry filter');
        this.constantCondition(t.when, new Map(), 'when');
      }
    }
    for (const t of scheduleTriggers) this.schedule(t);

    this.settings(flow, scope);
    // What every trigger's entry filter guarantees when the first block runs.
    let entryFacts: Facts = new Map();
    eventTriggers.forEach((t, i) => {
      const mine: Facts = new Map(conjuncts(t.when).map((c) => [exprText(c), 'the entry filter (`when`)']));
      entryFacts = i === 0 ? mine : new Map([...entryFacts].filter(([k]) => mine.has(k)));
    });
    this.body(flow.body, scope, entryFacts);
    if (this.blockCount > MAX_BLOCKS) {
      d.report('RN0413', flow.name.span, `flow \`${flow.name.name}\` has ${this.blockCount} blocks; flows stay manageable up to ${MAX_BLOCKS}`, {
        help: 'split it into several flows',
      });
    }
    if (flow.body.length === 0 && flow.triggers.length > 0) {
      d.report('RN0411', flow.name.span, `flow \`${flow.name.name}\` has no blocks: it does nothing`, { help: 'add a `steps { ... }` block' });
    }
    facts.blockCount = this.blockCount;
    return facts;
  }

  // ---------- triggers ----------

  private eventRef(ref: A.EventRef): EventDef | undefined {
    const name = ref.name.name;
    if (!name) return undefined;
    const def = findEvent(name);
    if (!def) {
      const options = suggest(name, EVENT_NAMES);
      const help = didYouMean(options);
      this.ctx.diagnostics.report('RN0201', ref.name.span, `unknown event \`${name}\``, {
        label: 'not in the event catalog',
        ...(help ? { help } : { help: 'see docs/catalog.md for every event' }),
        fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: ref.name.span, replacement: options[0]! }] : [],
      });
      for (const o of ref.options) this.expr.check(o.value, looseScope(this.ctx));
      return undefined;
    }
    checkOptions(this.ctx, ref, def);
    return def;
  }

  private schedule(t: A.ScheduleTrigger): void {
    const d = this.ctx.diagnostics;
    const words = t.units.map((u) => u.name);
    if (t.interval) {
      this.duration(t.interval, 'a schedule interval', 15 * MINUTE, 31 * DAY);
      if (t.times.length > 0) {
        d.report('RN0412', t.times[0]!.span, `\`every ${t.interval.raw}\` runs at fixed intervals, so \`at\` has no meaning here`, {
          help: 'drop `at ...`, or schedule by days: `every day at 10:00`',
        });
      }
    } else {
      const isMonth = words.includes('month');
      for (const u of t.units) {
        const ok = ['day', 'weekday', 'weekend', 'month', ...WEEKDAYS].includes(u.name);
        if (!ok) {
          const options = suggest(u.name, ['day', 'weekday', 'weekend', 'month', ...WEEKDAYS]);
          d.report('RN0412', u.span, `\`${u.name}\` is not a schedule word`, {
            notes: ['schedules: every day, every weekday, every weekend, every mon, thu, every month on 1, 15, every 6h'],
            ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
          });
        }
      }
      if (isMonth && words.length > 1) d.report('RN0412', t.span, '`month` cannot be combined with days of the week');
      if (isMonth && t.monthDays.length === 0) d.report('RN0412', t.span, 'say which days of the month: `every month on 1, 15 at 10:00`');
      if (!isMonth && t.monthDays.length > 0) d.report('RN0412', t.monthDays[0]!.span, 'days of the month go with `every month`');
      for (const m of t.monthDays) {
        if (m.kind === 'Number' ? !Number.isInteger(m.value) || m.value < 1 || m.value > 31 : m.name !== 'last') {
          d.report('RN0412', m.span, 'a day of the month is a number from 1 to 31, or `last`');
        }
      }
      if (t.times.length === 0) d.report('RN0412', t.span, 'say at what time: `at 10:00`', { help: 'add `at 10:00` (in the flow time zone)' });
    }
    for (const time of t.times) {
      if (!isValidTime(time.raw)) d.report('RN0105', time.span, `${time.raw} is not a time of day`, { label: 'hours go to 23, minutes to 59' });
    }
    if (t.segment) checkManifestRef(this.ctx, 'segment', t.segment.value, t.segment.span);
  }

  // ---------- settings ----------

  private settings(flow: A.FlowDecl, scope: Scope): void {
    const d = this.ctx.diagnostics;
    const seen = new Map<string, A.Setting>();
    for (const s of flow.settings) {
      const key = s.kind;
      if (key !== 'ExitSetting') {
        if (seen.has(key)) {
          d.report('RN0408', s.span, `\`${SETTING_NAMES[key]}\` is set twice`, { notes: ['the last one would win'], help: 'keep one' });
        }
        seen.set(key, s);
      }
      switch (s.kind) {
        case 'EntrySetting':
          if (s.period) this.duration(s.period, 'a launch limit period', MINUTE, 3650 * DAY);
          break;
        case 'RelevanceSetting':
          this.duration(s.duration, 'a relevance window', MINUTE, 365 * DAY);
          break;
        case 'ActiveSetting':
          // Literals are validated (and reported) as in any expression; only valid ones are compared.
          if (s.from) this.expr.check(s.from, scope);
          if (s.until) this.expr.check(s.until, scope);
          if (s.from && s.until && isValidDateLiteral(s.from) && isValidDateLiteral(s.until) && literalToEpoch(s.until.raw, this.zone(flow)) <= literalToEpoch(s.from.raw, this.zone(flow))) {
            d.report('RN0407', s.until.span, 'the flow would end before it starts', { label: `not after ${s.from.raw}` });
          }
          if (!s.from && !s.until) d.report('RN0104', s.span, 'say when: `active from 2026-12-01 until 2027-03-01`');
          break;
        case 'TimezoneSetting':
          if (!isValidTimeZone(s.zone.value)) {
            let options = suggest(s.zone.value, timeZones());
            if (options.length === 0) {
              // "Berlin", "new york": the city part of an IANA name.
              const city = s.zone.value.trim().replace(/\s+/g, '_').toLowerCase();
              options = [...timeZones()].filter((z) => z.toLowerCase().endsWith(`/${city}`)).slice(0, 3);
            }
            d.report('RN0214', s.zone.span, `unknown time zone "${s.zone.value}"`, {
              notes: ['time zones are IANA names like "Europe/Berlin" or "America/New_York"'],
              ...(didYouMean(options, true) ? { help: didYouMean(options, true)! } : {}),
              fixes: options.length ? [{ message: `replace with "${options[0]}"`, span: s.zone.span, replacement: JSON.stringify(options[0]) }] : [],
            });
          }
          break;
        case 'BrandSetting':
          checkManifestRef(this.ctx, 'brand', s.brand.value, s.brand.span);
          break;
        case 'ExitSetting': {
          const def = this.eventRef(s.event);
          if (s.where) {
            const inner = def ? withNames(scope, eventBindings(this.ctx.manifest, { def })) : looseScope(this.ctx);
            this.expr.condition(s.where, inner, 'an exit condition');
            this.constantCondition(s.where, new Map(), 'where');
          }
          break;
        }
      }
    }
  }

  /** The zone the flow's date literals are read in: its own setting, else the manifest's, else UTC. */
  private zone(flow: A.FlowDecl): string {
    const own = flow.settings.find((s): s is A.TimezoneSetting => s.kind === 'TimezoneSetting')?.zone.value;
    const zone = own ?? this.ctx.manifest.json.timezone ?? 'UTC';
    return isValidTimeZone(zone) ? zone : 'UTC';
  }

  private duration(d: A.DurationLit, what: string, min: number, max: number): void {
    if (!d.raw) return;
    if (!checkDurationLiteral(this.ctx, d)) return;
    if (d.ms < min || d.ms > max) {
      this.ctx.diagnostics.report('RN0406', d.span, `${d.raw} is out of range for ${what}`, {
        label: `must be between ${formatMs(min)} and ${formatMs(max)}`,
      });
    } else if (d.ms % MINUTE !== 0) {
      this.ctx.diagnostics.report('RN0406', d.span, `${what} counts in whole minutes; ${d.raw} has seconds`, { label: 'use m, h, d or w' });
    }
  }

  // ---------- blocks ----------

  private blockId(id: A.Ident | undefined): void {
    if (!id?.name) return;
    const prev = this.blockIds.get(id.name);
    if (prev) {
      this.ctx.diagnostics.report('RN0404', id.span, `block id \`${id.name}\` is used twice in this flow`, {
        label: 'second use',
        notes: ['block ids move waiting customers to a new version of the flow, so each must be unique'],
        help: 'rename one of them',
      });
    } else this.blockIds.set(id.name, id);
  }

  /**
   * Checks a sequence of blocks; returns whether every path through it ends in `stop`. `facts` are
   * conditions known to hold when the first block runs (the entry filter, an enclosing `if`).
   */
  private body(blocks: A.Block[], scope: Scope, facts: Facts = new Map()): boolean {
    let stopped = false;
    let reported = false;
    let known = facts;
    for (const b of blocks) {
      if (stopped && !reported) {
        this.ctx.diagnostics.report('RN0403', blockHead(b), 'this block is never reached', {
          label: 'unreachable',
          notes: ['every path before it ends with `stop`'],
          help: 'remove it, or move the `stop`',
        });
        reported = true;
      }
      const ends = this.block(b, scope, known);
      stopped ||= ends;
      // Once a block has run, time may have passed and actions may have changed the customer.
      known = new Map();
    }
    return stopped;
  }

  /** RN0416: a condition whose outcome is known before the flow runs. */
  private constantCondition(cond: A.Expr, facts: Facts, what: 'if' | 'where' | 'when', hasElse = false): void {
    // `if true` / `if false` switch a branch on or off on purpose; other constants are slips.
    if (cond.kind === 'Boolean' || (cond.kind === 'Unary' && cond.operand.kind === 'Boolean')) return;
    const used: string[] = [];
    const value = truth(cond, facts, used);
    if (value === undefined) return;
    const notes = used.map((text) => `${facts.get(text)} already requires \`${text.replace(/^\((.*)\)$/, '$1')}\`, and nothing runs in between`);
    const help =
      what !== 'if'
        ? value
          ? 'remove the condition'
          : 'fix the condition: as written it never matches'
        : value
          ? hasElse
            ? 'the branches after it never run: keep only the blocks of this one'
            : 'remove the `if` and keep its blocks'
          : 'its blocks never run: remove them, or fix the condition';
    this.ctx.diagnostics.report('RN0416', cond.span, `this condition is always ${value}`, { label: `always ${value}`, notes, help });
  }

  private block(b: A.Block, scope: Scope, known: Facts = new Map()): boolean {
    const d = this.ctx.diagnostics;
    this.blockCount++;
    switch (b.kind) {
      case 'Stop':
        return true;
      case 'Steps':
        this.blockId(b.blockId);
        if (b.relevance) this.duration(b.relevance, 'a relevance window', MINUTE, 365 * DAY);
        if (b.actions.length === 0) d.report('RN0411', headSpan(b, 5), 'this step group does nothing', { label: 'no actions', help: 'add an action, like `send email "..."`' });
        for (const a of b.actions) this.action(a, scope);
        return false;
      case 'WaitFixed':
        this.blockId(b.blockId);
        if (b.duration) this.duration(b.duration, 'a wait', MINUTE, 365 * DAY);
        if (b.within) this.window(b.within);
        return false;
      case 'WaitUntil': {
        this.blockId(b.blockId);
        const t = this.expr.check(b.at, scope);
        if (!isLoose(t.type) && t.type.kind !== 'date' && t.type.kind !== 'datetime') {
          d.report('RN0302', b.at.span, `\`wait until\` needs a date or a date-time, and this is ${article(t.type)}`, {
            label: article(t.type),
            help: 'wait until a date field, like `order.fields.deliveryDate + 2d`; for a fixed delay write `wait 2d`',
          });
        } else if (t.optional && !b.otherwise && !isLoose(t.type)) {
          d.report('RN0303', b.at.span, 'this date may be missing for some customers', {
            label: 'optional value',
            notes: ['customers without it leave the flow with "Dynamic wait value missing"'],
            help: 'say what happens: `otherwise stop` or `otherwise wait 1d`',
          });
        }
        this.dynamicWaitSources(b.at, scope);
        if (b.otherwise?.kind === 'wait') this.duration(b.otherwise.duration, 'a wait', MINUTE, 365 * DAY);
        return false;
      }
      case 'WaitForEvent': {
        this.blockId(b.blockId);
        const def = this.eventRef(b.event);
        const inner = def ? withNames(scope, eventBindings(this.ctx.manifest, { def })) : looseScope(this.ctx);
        if (b.where) {
          this.expr.condition(b.where, inner, 'a `where` condition');
          this.constantCondition(b.where, new Map(), 'where');
        }
        this.duration(b.timeout, 'a wait', MINUTE, 365 * DAY);
        const a = this.body(b.onEvent, inner);
        // In `timeout` nothing arrived: say so when the awaited event's data is used there.
        const timeoutScope = def
          ? withNames(
              scope,
              eventBindings(this.ctx.manifest, { def })
                .filter(([name]) => scope.names.get(name)?.kind !== 'context')
                .map(([name]): [string, Binding] => [
                  name,
                  {
                    type: T.error,
                    optional: false,
                    kind: 'unavailable',
                    why: `it comes with ${def.name}, so it exists only in the first branch of \`wait for\`, not in \`timeout\``,
                    help: `use it in the branch after \`up to ${b.timeout.raw}\`, where ${def.name} arrived`,
                    label: 'no event in `timeout`',
                  },
                ]),
            )
          : scope;
        const c = b.onTimeout ? this.body(b.onTimeout, timeoutScope) : false;
        return a && c;
      }
      case 'If': {
        let all = true;
        for (const [i, br] of b.branches.entries()) {
          this.expr.condition(br.condition, scope, 'a condition');
          this.constantCondition(br.condition, known, 'if', i < b.branches.length - 1 || !!b.otherwise);
          const inside: Facts = new Map([...known, ...conjuncts(br.condition).map((c): [string, string] => [exprText(c), 'the enclosing `if`'])]);
          all = this.body(br.body, scope, inside) && all;
        }
        if (b.branches.every((br) => br.body.length === 0) && (b.otherwise?.length ?? 0) === 0) {
          d.report('RN0411', { start: b.span.start, end: b.branches[0]!.condition.span.end }, 'this `if` does nothing', {
            label: 'no blocks in any branch',
            help: 'add the blocks that should run when the condition holds, or remove the `if`',
          });
        }
        return b.otherwise ? this.body(b.otherwise, scope) && all : false;
      }
      case 'Split': {
        this.blockId(b.blockId);
        let total = 0;
        let all = true;
        let over: A.SplitVariant | undefined;
        const names = new Map<string, A.Ident>();
        for (const v of b.variants) {
          // Thousandths of a percent, in integers: 0.2% + 83.9% + 15.9% is exactly 100%.
          total += Math.round(v.percent.value * 1000);
          if (total > 100_000 && !over) over = v;
          if (v.percent.value <= 0) {
            d.report('RN0402', v.percent.span, 'a variant needs a share above 0%', {
              label: 'nobody gets this variant',
              help: 'leave it out: whatever is left below 100% is already the control group',
            });
          }
          if (names.has(v.name.name)) d.report('RN0414', v.name.span, `variant \`${v.name.name}\` appears twice in this split`, { help: 'give each variant its own name' });
          names.set(v.name.name, v.name);
          all = this.body(v.body, scope, known) && all;
        }
        if (over) {
          d.report('RN0402', over.percent.span, `the variants add up to ${total / 1000}%, more than 100%`, {
            label: `${b.variants.map((v) => v.percent.raw).join(' + ')} = ${total / 1000}%`,
            notes: ['whatever is left below 100% is the control group, which gets nothing'],
            help: 'lower the shares so they add up to 100% or less',
          });
        }
        if (b.variants.length === 0) d.report('RN0411', headSpan(b, 5), 'this split has no variants', { label: 'no variants', help: 'add `50% a { ... }`' });
        return all && total >= 100_000 && b.variants.length > 0;
      }
      case 'Parallel': {
        this.blockId(b.blockId);
        for (const br of b.branches) {
          this.blockId(br.blockId);
          this.body(br.body, scope, known);
        }
        if (b.branches.length < 2) {
          d.report('RN0411', headSpan(b, 8), 'a parallel block needs at least two branches', {
            label: b.branches.length === 0 ? 'no branches' : 'one branch',
            help: b.branches.length === 0 ? 'add `branch { ... }` for each path' : 'add another `branch { ... }`, or drop `parallel` and keep the blocks of the branch',
          });
        }
        // A `stop` in a branch ends that branch only; the blocks after the parallel still run.
        return false;
      }
      case 'Limit': {
        this.blockId(b.blockId);
        if (b.budget) {
          checkManifestRef(this.ctx, 'budget', b.budget.value, b.budget.span);
        } else if (b.count && b.period) {
          if (!Number.isInteger(b.count.value) || b.count.value < 1) {
            d.report('RN0415', b.count.span, 'a limit is a whole number of at least 1', { label: 'lets nobody through' });
          }
          if (b.period.kind === 'Duration') this.duration(b.period, 'a limit period', MINUTE, 366 * DAY);
          else if (b.period.name && !['hour', 'day', 'week', 'month'].includes(b.period.name)) {
            const options = suggest(b.period.name, ['hour', 'day', 'week', 'month']);
            d.report('RN0215', b.period.span, `\`${b.period.name}\` is not a period`, {
              notes: ['periods: hour, day, week, month, or a duration like 7d'],
              ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
              fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: b.period.span, replacement: options[0]! }] : [],
            });
          }
        }
        const a = this.body(b.body, scope, known);
        return b.otherwise ? this.body(b.otherwise, scope, known) && a : false;
      }
    }
  }

  private window(w: A.TimeWindow): void {
    const d = this.ctx.diagnostics;
    for (const r of w.days) {
      for (const day of [r.from, r.to]) {
        if (day?.name && !(WEEKDAYS as readonly string[]).includes(day.name)) {
          const options = suggest(day.name, WEEKDAYS);
          d.report('RN0215', day.span, `\`${day.name}\` is not a day of the week`, {
            notes: ['days: mon, tue, wed, thu, fri, sat, sun; ranges like mon..fri'],
            ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
            fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: day.span, replacement: options[0]! }] : [],
          });
        }
      }
    }
    for (const t of [w.from, w.to]) {
      if (t.raw && !isValidTime(t.raw)) d.report('RN0105', t.span, `${t.raw} is not a time of day`, { label: 'hours go to 23, minutes to 59' });
    }
    // A window may run across midnight (22:00..06:00); one that starts where it ends is empty.
    if (w.from.raw && w.to.raw && isValidTime(w.from.raw) && isValidTime(w.to.raw) && timeMinutes(w.from.raw) === timeMinutes(w.to.raw)) {
      d.report('RN0407', w.to.span, 'the window is empty: it starts and ends at the same time', { label: `same as ${w.from.raw}` });
    }
  }

  /** 002: a dynamic wait may use dates of the contexts the event lists, or the customer's. */
  private dynamicWaitSources(e: A.Expr, scope: Scope): void {
    const roots = new Set<A.NameRef>();
    const visit = (x: A.Expr): void => {
      switch (x.kind) {
        case 'Name':
          roots.add(x);
          break;
        case 'Member':
          visit(x.object);
          break;
        case 'Index':
          visit(x.object);
          visit(x.index);
          break;
        case 'Call':
          x.args.forEach((a) => visit(a.value));
          break;
        case 'Unary':
          visit(x.operand);
          break;
        case 'Binary':
          visit(x.left);
          visit(x.right);
          break;
        case 'List':
          x.elements.forEach(visit);
          break;
      }
    };
    visit(e);
    for (const r of roots) {
      const ctxName = r.name;
      if (ctxName === 'customer' || ctxName === 'it') continue;
      // Data an awaited event brought (`wait for` ... `{ wait until item.x }`) follows that event's rules.
      const awaited = scope.names.get(ctxName)?.awaited;
      for (const t of awaited ? [{ def: awaited }] : this.triggerDefs) {
        if (t.def.binds[ctxName as keyof typeof t.def.binds] && !t.def.dynamicWaits.includes(ctxName as never)) {
          this.ctx.diagnostics.report('RN0307', r.span, `${t.def.name} does not allow waiting on a date from \`${ctxName}\``, {
            label: 'not a dynamic wait source',
            help: 'wait on a customer date, or use a fixed delay like `wait 1d`',
            notes: [t.def.dynamicWaits.length ? `${t.def.name} allows dynamic waits from: ${t.def.dynamicWaits.join(', ')}, and the customer` : `${t.def.name} allows dynamic waits only from customer fields`],
          });
        }
      }
    }
  }

  // ---------- actions ----------

  private action(a: A.Action, scope: Scope): void {
    const d = this.ctx.diagnostics;
    switch (a.kind) {
      case 'Send': {
        const ch = a.channel.name;
        if (ch === 'webhook') {
          d.report('RN0213', a.channel.span, 'webhooks have their own action', { help: 'write `webhook post "https://..." { ... }`' });
        } else if (!(CHANNELS as readonly string[]).includes(ch)) {
          const options = suggest(ch, CHANNELS);
          d.report('RN0213', a.channel.span, `unknown channel \`${ch}\``, {
            notes: [`channels: ${CHANNELS.join(', ')}`],
            ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
            fixes: options.length ? [{ message: `replace with \`${options[0]}\``, span: a.channel.span, replacement: options[0]! }] : [],
          });
        } else {
          checkManifestRef(this.ctx, 'template', a.template.value, a.template.span, { channel: ch });
        }
        if (a.params) this.objectValues(a.params, scope);
        return;
      }
      case 'Webhook': {
        if (!(WEBHOOK_METHODS as readonly string[]).includes(a.method.name)) {
          const options = suggest(a.method.name, WEBHOOK_METHODS);
          d.report('RN0215', a.method.span, `\`${a.method.name}\` is not an HTTP method`, {
            notes: [`methods: ${WEBHOOK_METHODS.join(', ')}`],
            ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
          });
        }
        let url: URL | undefined;
        try {
          url = new URL(a.url.value);
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
          const bare = !a.url.value.includes('://') && /^[\w-]+(\.[\w-]+)+(:\d+)?(\/|$)/.test(a.url.value);
          d.report('RN0305', a.url.span, `"${a.url.value}" is not an http(s) URL`, {
            label: 'not a web address',
            help: bare ? `add the scheme: "https://${a.url.value}"` : 'write the full address: "https://hooks.example.com/path"',
            ...(bare ? { fixes: [{ message: 'add https://', span: a.url.span, replacement: JSON.stringify(`https://${a.url.value}`) }] } : {}),
          });
        } else {
          this.webhookHost(url, a.url);
        }
        if (a.body) this.objectValues(a.body, scope);
        return;
      }
      case 'IssuePromo':
        checkManifestRef(this.ctx, 'promoPool', a.pool.value, a.pool.span);
        return;
      case 'AwardPoints': {
        const t = this.expr.check(a.amount, scope);
        if (!isLoose(t.type) && t.type.kind !== 'number') d.report('RN0301', a.amount.span, `points are a number, and this is ${article(t.type)}`);
        else if ((a.amount.kind === 'Number' && a.amount.value <= 0) || (a.amount.kind === 'Unary' && a.amount.op === '-' && a.amount.operand.kind === 'Number')) {
          d.report('RN0305', a.amount.span, 'award a positive number of points', {
            label: 'not above 0',
            notes: ['points are taken away by your loyalty program, not by a flow'],
          });
        }
        checkManifestRef(this.ctx, 'pointAccount', a.account.value, a.account.span);
        if (a.expires) this.duration(a.expires, 'a points lifetime', DAY, 3650 * DAY);
        return;
      }
      case 'Set': {
        const target = a.target;
        const isCustomField =
          target.kind === 'Member' && target.object.kind === 'Member' && target.object.property.name === 'fields' && target.object.object.kind === 'Name' && target.object.object.name === 'customer';
        if (!isCustomField) {
          this.expr.check(target, scope);
          d.report('RN0306', target.span, 'only customer custom fields can be set', {
            label: 'not a customer custom field',
            notes: ['flows edit customer data through custom fields, like `set customer.fields.tier = "gold"`'],
            help: 'declare a field under "customFields.customer" in runnel.json and set `customer.fields.<name>`',
          });
          this.expr.check(a.value, scope);
          return;
        }
        const t = this.expr.check(target, scope);
        const v = this.expr.check(a.value, scope, t.type);
        const enumLiteral = t.type.kind === 'enum' && a.value.kind === 'String';
        if (!enumLiteral && !assignable(v.type, t.type)) {
          const quotedNumber = a.value.kind === 'String' && t.type.kind === 'number' && /^-?\d+(\.\d+)?$/.test(a.value.value);
          d.report('RN0301', a.value.span, `${(target as A.MemberExpr).property.name} holds ${article(t.type)}, and this is ${article(v.type)}`, {
            label: 'wrong type',
            ...(quotedNumber ? { help: `remove the quotes to write the number ${(a.value as A.StringLit).value}` } : {}),
          });
        } else if (t.type.kind === 'enum' && a.value.kind === 'String' && !t.type.values.includes(a.value.value)) {
          const options = suggest(a.value.value, t.type.values);
          d.report('RN0301', a.value.span, `"${a.value.value}" is not a possible value of \`${(target as A.MemberExpr).property.name}\``, {
            label: 'not one of the values runnel.json declares',
            notes: [`possible values: ${t.type.values.join(', ')}`],
            ...(didYouMean(options) ? { help: didYouMean(options)! } : {}),
            fixes: options.length ? [{ message: `replace with "${options[0]}"`, span: a.value.span, replacement: JSON.stringify(options[0]) }] : [],
          });
        }
        return;
      }
      case 'SegmentAdd':
      case 'SegmentRemove':
        checkManifestRef(this.ctx, 'segment', a.segment.value, a.segment.span);
        return;
    }
  }

  /** runnel.json's `webhooks`: only the listed hosts, and no private networks unless allowed. */
  private webhookHost(url: URL, lit: A.StringLit): void {
    const settings = this.ctx.manifest.json.webhooks ?? {};
    const host = url.hostname.toLowerCase();
    if (!settings.allowPrivateNetworks && isPrivateHost(host)) {
      this.ctx.diagnostics.report('RN0305', lit.span, `webhooks may not call ${host}: it is a private or local address`, {
        label: 'private network',
        notes: ['the runtime refuses private and local addresses, so that a flow cannot reach internal services'],
        help: 'call a public address, or set "webhooks": { "allowPrivateNetworks": true } in runnel.json',
      });
      return;
    }
    const allowed = settings.allowedHosts;
    if (!allowed || allowed.map((h) => h.toLowerCase()).includes(host)) return;
    const options = suggest(host, allowed);
    this.ctx.diagnostics.report('RN0212', lit.span, `webhook host "${host}" is not in runnel.json`, {
      label: 'host not allowed',
      notes: [allowed.length ? `"webhooks.allowedHosts" lists: ${allowed.join(', ')}` : '"webhooks.allowedHosts" is empty: no host may be called'],
      help: didYouMean(options, true) ?? 'add the host to "webhooks.allowedHosts" in runnel.json',
    });
  }

  private objectValues(o: A.ObjectLit, scope: Scope): void {
    const keys = new Set<string>();
    for (const e of o.entries) {
      const key = e.key.kind === 'Ident' ? e.key.name : e.key.value;
      if (keys.has(key)) this.ctx.diagnostics.report('RN0217', e.key.span, `\`${key}\` is given twice`, { help: 'remove one of them' });
      keys.add(key);
      this.expr.check(e.value, scope);
    }
  }
}

/** After an unknown event, every context name is unknown-but-silent. */
function looseScope(ctx: CheckContext): Scope {
  const names = new Map(flowScope(ctx.manifest, [], false).names);
  for (const n of CONTEXT_NAMES) names.set(n, { type: T.any, optional: false, kind: 'context' });
  return { names, entryFilter: false };
}

/** localhost, private IPv4 ranges, link-local and unique-local IPv6, `.local` names. */
function isPrivateHost(host: string): boolean {
  if (host === 'localhost' || /\.(localhost|local|internal)$/.test(host)) return true;
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  const v6 = host.replace(/^\[|\]$/g, '');
  return v6 === '::1' || v6 === '::' || /^f[cd][0-9a-f]{2}:/.test(v6) || /^fe[89ab][0-9a-f]:/.test(v6);
}

/** Conditions known to hold, by their text, with where the knowledge comes from. */
type Facts = ReadonlyMap<string, string>;

/** `a and b and c` → [a, b, c]. */
function conjuncts(e: A.Expr | undefined): A.Expr[] {
  if (!e) return [];
  if (e.kind === 'Binary' && e.op === 'and') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [e];
}

/** An expression as canonical source text: equal texts mean the same condition. */
export function exprText(e: A.Expr): string {
  switch (e.kind) {
    case 'String':
      return JSON.stringify(e.value);
    case 'Number':
    case 'Percent':
    case 'Duration':
    case 'Date':
    case 'DateTime':
    case 'Time':
      return 'raw' in e ? e.raw : '';
    case 'Boolean':
      return String(e.value);
    case 'Null':
      return 'null';
    case 'Name':
      return e.name;
    case 'Member':
      return `${exprText(e.object)}.${e.property.name}`;
    case 'Call':
      return `${exprText(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + exprText(a.value)).join(', ')})`;
    case 'Index':
      return `${exprText(e.object)}[${exprText(e.index)}]`;
    case 'Unary':
      return e.op === 'not' ? `not ${exprText(e.operand)}` : `-${exprText(e.operand)}`;
    case 'Binary':
      return `(${exprText(e.left)} ${e.op} ${exprText(e.right)})`;
    case 'List':
      return `[${e.elements.map(exprText).join(', ')}]`;
    case 'Error':
      return '\u0000error';
  }
}

/** The value of a condition if it is known before the flow runs; `used` collects the facts it relied on. */
function truth(e: A.Expr, facts: Facts, used: string[]): boolean | undefined {
  // Keys are built only when there is something to look up (most conditions have no facts).
  if (facts.size > 0) {
    const text = exprText(e);
    if (facts.has(text)) {
      if (!used.includes(text)) used.push(text);
      return true;
    }
  }
  switch (e.kind) {
    case 'Boolean':
      return e.value;
    case 'Unary': {
      if (e.op !== 'not') return undefined;
      const v = truth(e.operand, facts, used);
      return v === undefined ? undefined : !v;
    }
    case 'Binary': {
      if (e.op === 'and' || e.op === 'or') {
        const mark = used.length;
        const l = truth(e.left, facts, used);
        const r = truth(e.right, facts, used);
        const v = e.op === 'and' ? (l === false || r === false ? false : l && r ? true : undefined) : l === true || r === true ? true : l === false && r === false ? false : undefined;
        if (v === undefined) used.length = mark;
        return v;
      }
      const lit = (x: A.Expr) => (x.kind === 'Number' || x.kind === 'String' || x.kind === 'Boolean' ? x.value : undefined);
      const l = lit(e.left);
      const r = lit(e.right);
      if (l === undefined || r === undefined || typeof l !== typeof r) return undefined;
      switch (e.op) {
        case '==':
          return l === r;
        case '!=':
          return l !== r;
        case '<':
          return l < r;
        case '<=':
          return l <= r;
        case '>':
          return l > r;
        case '>=':
          return l >= r;
      }
      return undefined;
    }
  }
  return undefined;
}

/** A block's first line (keyword, id, header), to point at the block without its whole body. */
function blockHead(b: A.Block): A.Span {
  const upTo = (end: number | undefined) => ({ start: b.span.start, end: Math.max(b.span.start + 1, Math.min(end ?? b.span.end, b.span.end)) });
  switch (b.kind) {
    case 'Steps':
      return headSpan(b, 5);
    case 'Split':
    case 'Limit':
      return headSpan(b, 5);
    case 'Parallel':
      return headSpan(b, 8);
    case 'WaitFixed':
      return upTo(b.within?.span.end ?? b.duration?.span.end);
    case 'WaitUntil':
      return upTo(b.at.span.end);
    case 'WaitForEvent':
      return upTo(b.timeout.span.end);
    case 'If':
      return upTo(b.branches[0]?.condition.span.end);
    case 'Stop':
      return b.span;
  }
}

/** Where to point at a whole block: its keyword and id, not every line of it. */
function headSpan(b: { span: A.Span; blockId?: A.Ident; title?: A.StringLit }, keywordLength: number): A.Span {
  const end = b.title?.span.end ?? b.blockId?.span.end ?? b.span.start + keywordLength;
  return { start: b.span.start, end: Math.max(end, b.span.start + keywordLength) };
}

