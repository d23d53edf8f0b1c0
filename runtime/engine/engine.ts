/**
 * The engine: runs compiled flows (verified programs) over a Store, with a virtual clock.
 * Browser-safe. Semantics: docs/language.md ("What happens to a customer"), architecture.md
 * ("Runtime semantics"), contracts.md (reason codes).
 *
 * Each public operation exists twice: `xxx()` (async, any store) and `xxxSync()` (a store that
 * answers at once, as the embedded store does). Both run the same generator code (co.ts).
 *
 * Matching: the catalog matchers (stdlib/matchers.ts, via match.ts) with per (flow, trigger,
 * customer) state in the store and `previous` snapshots from what the store saw (the last order
 * by id, the last feed data by product id, the profile before the event's `profile` update, when
 * it has one). Each launch is its own instance with the launch's bound context; a launch key other
 * than `once`/`batch` joins the instance id (`<flow>/<customer>/<event>/item:o1/i1`).
 * `exit on` and `wait for` use the same matchers, without state (the snapshots only).
 *
 * Parallel: a branch set on the instance. At a `parallel` the instance's path forks into branch
 * cursors (`inst.branches`, keyed `<parallel id>/<branch label or index>`, nested keys joined with
 * `/`), each with its own block, schedule time and timer (timer key: instance id, U+0000, branch
 * key). A `stop` (or a split's control group) ends its branch; at the join the forked path
 * continues, at the latest arrival's time, once every branch arrived or stopped (all stopped: it
 * ends). Steps run in a branch carry `path` in the activity. Waits that stop the customer
 * (`relevance_expired`, `dynamic_wait_missing`), exit events, errors and flow stops end every branch.
 *
 * Limit: calendar periods in the flow's time zone use store counters keyed
 * `limit:<flow>:<block id>:<period>` or `budget:<name>:<period>`; `per <duration>` uses the store's
 * rolling window (`admitInWindow`) under `limit:<flow>:<block id>` / `budget:<name>`.
 */
import type { Constant, ProgramBlock, ProgramOption, VerifiedProgram } from '../../compiler/bytecode/program.js';
import type { Launch, TriggerEvent } from '../../stdlib/matchers.js';
import { sha256Hex } from '../../compiler/bytecode/sha256.js';
import { validateEvent } from '../../schemas/index.js';
import { EVENTS } from '../../stdlib/events.js';
import { EvalError, evaluateCondition, evaluateJson, evaluateMoment, type EvalEnv } from '../vm/index.js';
import type { CustomerProfile } from '../vm/customer.js';
import type { ActivityStep, EffectRecord, InstanceRecord, NotEnteredRecord, Store } from '../store/store.js';
import { aw, runAsync, runSync, type Co } from './co.js';
import { catalogMatch, eventProducts, matcherOptions, previousSnapshots, triggerEvent, type EngineEvent } from './match.js';
import { calendarPeriodKey, nextWindowOpen } from './windows.js';

/** Where a path of an instance is: the instance itself (its main path) or a parallel branch. */
type Cursor = Pick<InstanceRecord, 'block' | 'due' | 'waitingUntil' | 'waitingFor'>;

/** Events older than this before their upload never enter (seed 002). */
export const HISTORICAL_WINDOW_MS = 7 * 86_400_000;
/** The context names an event may carry (contracts.md). */
export const CONTEXT_NAMES = ['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params'] as const;

const KNOWN_EVENTS = new Set(EVENTS.map((e) => e.name));

/** The engine's time: set by the caller (the simulator moves it), read by the engine. Never Date.now(). */
export class VirtualClock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  /** Moves the clock to `ms` (never backwards). */
  advanceTo(ms: number): void {
    if (ms > this.t) this.t = ms;
  }
}

export type FlowStatus = 'active' | 'paused' | 'stopped';

interface LoadedFlow {
  id: string;
  program: VerifiedProgram;
  zone: string;
  status: FlowStatus;
}

/** A constant as a plain value (options, names). */
export function constantValue(c: Constant | undefined): unknown {
  if (!c) return undefined;
  switch (c.tag) {
    case 'string':
    case 'number':
    case 'percent':
      return c.value;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'duration':
      return c.ms;
    case 'date':
    case 'datetime':
      return c.raw;
    case 'time':
      return c.minutes;
  }
}

function str(p: VerifiedProgram, k: number): string {
  return String(constantValue(p.constants[k]));
}

function contextsOf(event: EngineEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of CONTEXT_NAMES) if (event[name] !== undefined) out[name] = event[name];
  return out;
}

/** Sticky, deterministic split bucket in [0, 100): a hash of flow id, block id and customer id. */
export function splitBucket(flow: string, block: string, customer: string): number {
  const h = parseInt(sha256Hex(`${flow}\u0000${block}\u0000${customer}`).slice(0, 8), 16);
  return (h / 0x1_0000_0000) * 100;
}

export interface EngineOptions {
  /** Flow statuses at start (default: every flow active). */
  statuses?: Readonly<Record<string, FlowStatus>>;
}

export class Engine {
  private readonly flows: LoadedFlow[];
  private readonly byVersion = new Map<string, LoadedFlow>();

  constructor(
    readonly store: Store,
    programs: readonly VerifiedProgram[],
    readonly clock: VirtualClock,
    opts: EngineOptions = {},
  ) {
    this.flows = programs
      .map((program) => {
        const id = str(program, program.flow.id);
        return { id, program, zone: str(program, program.flow.timezone), status: opts.statuses?.[id] ?? ('active' as FlowStatus) };
      })
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const f of this.flows) this.byVersion.set(f.program.hash, f);
  }

  // ------------------------------------------------------------------ public API

  /** Handles one event at the clock's time (the simulator sets the clock to its receivedAt first). */
  ingest(event: unknown): Promise<void> {
    return runAsync(this.ingestCo(event));
  }
  ingestSync(event: unknown): void {
    runSync(this.ingestCo(event));
  }
  /** Fires the timers due at or before `upTo`, in due order, moving the clock to each. */
  fireDue(upTo: number): Promise<number> {
    return runAsync(this.fireDueCo(upTo));
  }
  fireDueSync(upTo: number): number {
    return runSync(this.fireDueCo(upTo));
  }
  /** Pauses, resumes or stops a flow at the clock's time: paused or stopped, customers in it are stopped (`flow_stopped`) and no one enters. */
  setFlowStatus(flow: string, status: FlowStatus): Promise<void> {
    return runAsync(this.setFlowStatusCo(flow, status));
  }
  setFlowStatusSync(flow: string, status: FlowStatus): void {
    runSync(this.setFlowStatusCo(flow, status));
  }

  // ------------------------------------------------------------------ entry

  private *refuse(r: Omit<NotEnteredRecord, 'at'>): Co<void> {
    yield* aw(this.store.appendNotEntered({ ...r, at: this.clock.now() }));
  }

  /** The store key of a trigger's matcher state: per flow, trigger (index and event) and customer. */
  static matchStateKey(flow: string, trigger: number, event: string, customer: string): string {
    return JSON.stringify(['match', flow, trigger, event, customer]);
  }

  private *ingestCo(raw: unknown): Co<void> {
    const now = this.clock.now();
    const rec = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = typeof rec['id'] === 'string' ? rec['id'] : null;
    const customerId = typeof rec['customer'] === 'string' ? rec['customer'] : null;
    const invalid = (message: string) => this.refuse({ flow: null, customer: customerId, event: id, reason: 'invalid_event', message });
    const valid = validateEvent(raw);
    if (!valid.ok) return yield* invalid(valid.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '));
    const event = raw as EngineEvent;
    if (!KNOWN_EVENTS.has(event.type)) return yield* invalid(`/type: unknown event type ${event.type}`);
    const at = Date.parse(event.at);
    if (!Number.isFinite(at)) return yield* invalid(`/at: not a date-time: ${event.at}`);

    const interested = this.flows.filter((f) => f.program.triggers.some((t) => t.kind === 'event' && str(f.program, t.event) === event.type));
    if (!(yield* aw(this.store.markEventSeen(event.id)))) {
      for (const f of interested.length ? interested : [null]) yield* this.refuse({ flow: f?.id ?? null, customer: event.customer, event: event.id, reason: 'duplicate_event' });
      return;
    }

    // The profile update comes first: matching and conditions see it.
    const stored = yield* aw(this.store.getCustomer(event.customer));
    let profile = stored ?? { id: event.customer };
    if (event.profile) {
      const p = event.profile;
      profile = { ...profile, ...p, id: event.customer, ...(p['fields'] ? { fields: { ...profile.fields, ...(p['fields'] as Record<string, unknown>) } } : {}) } as CustomerProfile;
      yield* aw(this.store.putCustomer(profile));
    }

    // `previous` snapshots: what the store saw before this event (the same for every flow).
    const order = rec['order'] as Record<string, unknown> | undefined;
    const item = rec['item'] as Record<string, unknown> | undefined;
    const orderId = typeof order?.['id'] === 'string' ? order['id'] : typeof item?.['orderId'] === 'string' ? item['orderId'] : null;
    const products = eventProducts(event);
    const seenProducts: Record<string, Record<string, unknown>> = {};
    for (const pr of products) {
      const before = yield* aw(this.store.getProduct(pr.id));
      if (before) seenProducts[pr.id] = before;
    }
    const previous = previousSnapshots(event, {
      order: orderId !== null ? yield* aw(this.store.getOrder(orderId)) : undefined,
      products: seenProducts,
      // Only an event that updates the profile has a "before" to compare with.
      customer: event.profile ? stored : undefined,
    });
    const tev = triggerEvent(event, profile, previous);

    // Customers already in flows: exit criteria and `wait for`.
    yield* this.inFlightCo(event, at, profile, tev);

    for (const flow of interested) yield* this.enterCo(flow, event, at, profile, tev);

    // Remember what this event said, for the next one's snapshots.
    if (order && typeof order['id'] === 'string') yield* aw(this.store.putOrder(order as Record<string, unknown> & { id: string }));
    for (const pr of products) yield* aw(this.store.putProduct(pr));
  }

  private *enterCo(flow: LoadedFlow, event: EngineEvent, at: number, profile: CustomerProfile, tev: TriggerEvent): Co<void> {
    const now = this.clock.now();
    const p = flow.program;
    const refuse = (reason: NotEnteredRecord['reason'], message?: string) =>
      this.refuse({ flow: flow.id, customer: event.customer, event: event.id, reason, ...(message ? { message } : {}) });
    if (at < now - HISTORICAL_WINDOW_MS) return yield* refuse('historical_too_old');
    if (flow.status !== 'active' || (p.flow.activeFrom !== null && now < p.flow.activeFrom) || (p.flow.activeUntil !== null && now >= p.flow.activeUntil)) {
      return yield* refuse('flow_inactive', flow.status !== 'active' ? `the flow is ${flow.status}` : undefined);
    }
    const brand = p.flow.brand !== null ? str(p, p.flow.brand) : null;
    if (brand !== null && event.brand !== undefined && event.brand !== brand) return yield* refuse('trigger_mismatch', `brand ${event.brand}, the flow is for ${brand}`);
    // Folder segment restriction: the customer enters and is stopped at once (`outside_segment`).
    const segment = p.flow.segment !== null ? str(p, p.flow.segment) : null;
    if (segment !== null && !(profile.segments ?? []).includes(segment)) {
      const inst = this.newInstance(flow, event, at);
      this.finish(inst, 'stopped', 'outside_segment');
      return yield* aw(this.store.putInstance(inst));
    }

    // The catalog matchers, each trigger with its own state: which launches, with what context.
    const launches = new Map<string, { context: Record<string, unknown>; whens: Array<number | null> }>();
    const reasons: string[] = [];
    for (const [i, t] of p.triggers.entries()) {
      if (t.kind !== 'event' || str(p, t.event) !== event.type) continue;
      const key = Engine.matchStateKey(flow.id, i, event.type, event.customer);
      const state = (yield* aw(this.store.getMatchState(key))) ?? {};
      const r = catalogMatch(event.type, matcherOptions(p, t.options), tev, state);
      yield* aw(this.store.putMatchState(key, r.state));
      if (!r.fires.length) reasons.push(r.reason ?? `${event.type} did not match`);
      for (const f of r.fires) {
        const l = launches.get(f.key);
        if (l) l.whens.push(t.when);
        else launches.set(f.key, { context: f.context, whens: [t.when] });
      }
    }
    if (!launches.size) return yield* refuse('trigger_mismatch', [...new Set(reasons)].join('; '));

    for (const [key, launch] of launches) {
      const env: EvalEnv = { now, zone: flow.zone, customer: profile, contexts: launch.context };
      let passed = false;
      let error: string | undefined;
      for (const when of launch.whens) {
        try {
          if (when === null || evaluateCondition(p, when, env)) {
            passed = true;
            break;
          }
        } catch (e) {
          if (!(e instanceof EvalError)) throw e;
          error = e.message;
        }
      }
      if (!passed) {
        yield* refuse('condition_not_applied', error);
        continue;
      }
      const limit = yield* aw(this.store.getLaunchRecord(flow.id, event.customer));
      if (limit) {
        const entry = p.flow.entry;
        if (entry.mode === 'once' && limit.launches > 0) {
          yield* refuse('launch_limit', 'entry once: launched before');
          continue;
        }
        if (entry.mode === 'every' && limit.lastStepAt !== null && now < limit.lastStepAt + entry.periodMs) {
          yield* refuse('launch_limit', `entry every: not before ${new Date(limit.lastStepAt + entry.periodMs).toISOString()}`);
          continue;
        }
      }
      const inst = this.newInstance(flow, event, at, { key, context: launch.context });
      yield* this.advanceCo(inst, flow);
    }
  }

  /**
   * A new instance. Its id is `<flow>/<customer>/<event id>`, followed by `/<launch key>` when the
   * matcher launched per item or product (`item:<order>/<item>`, `product:<id>`), so instance ids,
   * and with them effect idempotency keys, stay unique.
   */
  private newInstance(flow: LoadedFlow, event: EngineEvent, at: number, launch?: Launch): InstanceRecord {
    const perLaunch = launch !== undefined && launch.key !== 'once' && launch.key !== 'batch';
    return {
      id: `${flow.id}/${event.customer}/${event.id}${perLaunch ? `/${launch.key}` : ''}`,
      flow: flow.id,
      version: flow.program.hash,
      customer: event.customer,
      event: event.id,
      enteredAt: this.clock.now(),
      due: at,
      block: flow.program.flow.entryBlock,
      contexts: launch ? launch.context : contextsOf(event),
      awaited: {},
      status: 'in_progress',
      reason: 'in_step',
      waitingUntil: null,
      waitingFor: null,
      launched: false,
      steps: [],
      ...(perLaunch ? { launch: launch.key } : {}),
    };
  }

  private finish(inst: InstanceRecord, status: InstanceRecord['status'], reason: string, message?: string): void {
    inst.status = status;
    inst.reason = reason;
    if (message !== undefined) inst.message = message;
    inst.waitingUntil = null;
    inst.waitingFor = null;
    delete inst.branches;
  }

  // ------------------------------------------------------------------ paths (parallel branches)

  /** The cursor of a path: the instance itself for the main path (''), else the branch. */
  private cursor(inst: InstanceRecord, key: string): Cursor {
    return key === '' ? inst : inst.branches![key]!;
  }

  /** Whether a path has forked into branches (it rests at their join). */
  private forked(inst: InstanceRecord, key: string): boolean {
    return Object.values(inst.branches ?? {}).some((b) => b.parent === key);
  }

  /** The paths that run or wait: the main path unless forked, and branches neither done nor forked. */
  private livePaths(inst: InstanceRecord): string[] {
    const out = this.forked(inst, '') ? [] : [''];
    for (const [k, b] of Object.entries(inst.branches ?? {})) if (b.done === null && !this.forked(inst, k)) out.push(k);
    return out;
  }

  private timerKey(inst: InstanceRecord, key: string): string {
    return key === '' ? inst.id : `${inst.id}\u0000${key}`;
  }

  private *removeTimers(inst: InstanceRecord): Co<void> {
    yield* aw(this.store.removeTimer(inst.id));
    for (const k of Object.keys(inst.branches ?? {})) yield* aw(this.store.removeTimer(this.timerKey(inst, k)));
  }

  /** Stores the instance; while in a parallel, its reason and waitingUntil summarize the branches. */
  private *save(inst: InstanceRecord): Co<void> {
    if (inst.status === 'in_progress' && inst.branches && Object.keys(inst.branches).length) {
      const live = this.livePaths(inst).map((k) => this.cursor(inst, k));
      const waiting = live.filter((c) => c.waitingUntil !== null);
      if (live.length && waiting.length === live.length) {
        inst.reason = 'waiting';
        inst.waitingUntil = Math.min(...waiting.map((c) => c.waitingUntil!));
      } else inst.reason = 'in_step';
    }
    yield* aw(this.store.putInstance(inst));
  }

  /** Ends the whole instance (every branch). */
  private *end(inst: InstanceRecord, status: InstanceRecord['status'], reason: string, message?: string): Co<void> {
    yield* this.removeTimers(inst);
    this.finish(inst, status, reason, message);
    yield* aw(this.store.putInstance(inst));
  }

  /**
   * A branch arrived at its join or stopped. Once every branch of its parallel has, the path it
   * forked from continues at the join (at the latest arrival's schedule time); if all stopped, that
   * path ends too (the instance completes, or an outer branch stops).
   */
  private *branchDone(inst: InstanceRecord, flow: LoadedFlow, key: string, outcome: 'arrived' | 'stopped'): Co<void> {
    const br = inst.branches![key]!;
    br.done = outcome;
    br.waitingUntil = null;
    br.waitingFor = null;
    const siblings = Object.entries(inst.branches!).filter(([, b]) => b.parent === br.parent && b.parallel === br.parallel);
    if (siblings.some(([, b]) => b.done === null)) return yield* this.save(inst);
    for (const [k] of siblings) delete inst.branches![k];
    if (!Object.keys(inst.branches!).length) delete inst.branches;
    const arrived = siblings.filter(([, b]) => b.done === 'arrived');
    if (!arrived.length) {
      if (br.parent !== '') return yield* this.branchDone(inst, flow, br.parent, 'stopped');
      this.finish(inst, 'completed', 'all_steps_done');
      return yield* this.save(inst);
    }
    const parent = this.cursor(inst, br.parent);
    parent.due = Math.max(...arrived.map(([, b]) => b.due));
    parent.waitingUntil = null;
    parent.waitingFor = null;
    if (br.parent === '') inst.reason = 'in_step';
    yield* this.advanceCo(inst, flow, br.parent);
  }

  /** Exit criteria and `wait for` blocks of the customer's instances in progress. */
  private *inFlightCo(event: EngineEvent, at: number, profile: CustomerProfile, tev: TriggerEvent): Co<void> {
    const instances = yield* aw(this.store.instancesOfCustomer(event.customer));
    // Stateless matching for exits and waits: the snapshots say what changed.
    const matches = (p: VerifiedProgram, name: number, opts: ProgramOption[]) => catalogMatch(str(p, name), matcherOptions(p, opts), tev, {}).fires.length > 0;
    for (const inst of instances) {
      if (inst.status !== 'in_progress') continue;
      const flow = this.byVersion.get(inst.version);
      if (!flow) continue;
      const p = flow.program;
      const env = (): EvalEnv => ({ now: this.clock.now(), zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited, event: contextsOf(event) });
      try {
        const exit = p.flow.exits.find((x) => str(p, x.event) === event.type && matches(p, x.event, x.options) && (x.where === null || evaluateCondition(p, x.where, env())));
        if (exit) {
          yield* this.end(inst, 'stopped', 'exit_event', `exit on ${event.type} (event ${event.id})`);
          continue;
        }
        for (const key of this.livePaths(inst)) {
          if (inst.status !== 'in_progress') break;
          if (key !== '' && (!inst.branches?.[key] || inst.branches[key].done !== null)) continue;
          const cur = this.cursor(inst, key);
          if (cur.waitingFor === null) continue;
          const b = p.blocks[cur.waitingFor]!;
          if (b.kind !== 'wait_event' || at < cur.due) continue;
          if (str(p, b.event) !== event.type || !matches(p, b.event, b.options)) continue;
          if (b.where !== null && !evaluateCondition(p, b.where, env())) continue;
          inst.awaited[str(p, b.id)] = contextsOf(event);
          cur.due = Math.max(cur.due, at);
          cur.block = b.onEvent;
          cur.waitingFor = null;
          cur.waitingUntil = null;
          if (key === '') inst.reason = 'in_step';
          yield* aw(this.store.removeTimer(this.timerKey(inst, key)));
          yield* this.advanceCo(inst, flow, key);
        }
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        yield* this.end(inst, 'error', 'eval_error', e.message);
      }
    }
  }

  // ------------------------------------------------------------------ timers and flow status

  private *fireDueCo(upTo: number): Co<number> {
    let fired = 0;
    // Claimed in batches. A timer set while firing may be due before the rest of a batch: the
    // store's earliest goes first whenever it sorts strictly before the next claimed one (a tie
    // was added later, so it comes after), which keeps the one-at-a-time order.
    let batch: Array<{ instance: string; due: number }> = [];
    let next = 0;
    for (;;) {
      let timer: { instance: string; due: number } | undefined;
      if (next < batch.length) {
        const head = yield* aw(this.store.nextTimerDue());
        if (head !== null && head < batch[next]!.due) [timer] = yield* aw(this.store.claimDueTimers(upTo, 1));
        else timer = batch[next++];
      } else {
        batch = yield* aw(this.store.claimDueTimers(upTo, 256));
        next = 0;
        timer = batch[next++];
      }
      if (!timer) return fired;
      fired++;
      this.clock.advanceTo(timer.due);
      const sep = timer.instance.indexOf('\u0000');
      const id = sep < 0 ? timer.instance : timer.instance.slice(0, sep);
      const key = sep < 0 ? '' : timer.instance.slice(sep + 1);
      const inst = yield* aw(this.store.getInstance(id));
      if (!inst || inst.status !== 'in_progress') continue; // stale
      if (key === '' ? this.forked(inst, '') : !inst.branches?.[key] || inst.branches[key].done !== null || this.forked(inst, key)) continue;
      const cur = this.cursor(inst, key);
      if (cur.waitingUntil !== timer.due) continue;
      const flow = this.byVersion.get(inst.version);
      if (!flow) continue;
      if (flow.status !== 'active') {
        yield* this.end(inst, 'stopped', 'flow_stopped');
        continue;
      }
      if (cur.waitingFor !== null) {
        // A `wait for` timed out.
        const b = flow.program.blocks[cur.waitingFor]!;
        if (b.kind === 'wait_event') {
          cur.due += b.timeoutMs;
          cur.block = b.onTimeout;
        }
        cur.waitingFor = null;
      }
      cur.waitingUntil = null;
      if (key === '') inst.reason = 'in_step';
      yield* this.advanceCo(inst, flow, key);
    }
  }

  private *setFlowStatusCo(flowId: string, status: FlowStatus): Co<void> {
    const flows = this.flows.filter((f) => f.id === flowId);
    if (!flows.length) throw new Error(`no flow ${flowId}`);
    for (const f of flows) f.status = status;
    if (status === 'active') return;
    for (const inst of yield* aw(this.store.listInstances({ flow: flowId }))) {
      if (inst.status !== 'in_progress') continue;
      yield* this.end(inst, 'stopped', 'flow_stopped', `the flow was ${status}`);
    }
  }

  // ------------------------------------------------------------------ running blocks

  /** Parks a path until `until` (a timer), in progress / waiting. */
  private *park(inst: InstanceRecord, key: string, until: number, waitingFor: number | null = null): Co<void> {
    const cur = this.cursor(inst, key);
    cur.waitingUntil = until;
    cur.waitingFor = waitingFor;
    if (key === '') {
      inst.status = 'in_progress';
      inst.reason = 'waiting';
    }
    yield* aw(this.store.addTimer({ instance: this.timerKey(inst, key), due: until }));
    yield* this.save(inst);
  }

  /** A limit block: whether one more customer is within it now (and counts them if so). */
  private *admit(flow: LoadedFlow, b: Extract<ProgramBlock, { kind: 'limit' }>, blockId: string, now: number): Co<boolean> {
    const p = flow.program;
    // A budget's counter is shared by every block naming it, in any flow; a block's own by flow and block id.
    const base = b.budget !== null ? `budget:${str(p, b.budget)}` : `limit:${flow.id}:${blockId}`;
    if ('ms' in b.period) return yield* aw(this.store.admitInWindow(base, now, b.period.ms, b.count));
    const key = `${base}:${calendarPeriodKey(now, b.period.unit, flow.zone)}`;
    const n = yield* aw(this.store.incrementCounter(key));
    if (n <= b.count) return true;
    yield* aw(this.store.incrementCounter(key, -1));
    return false;
  }

  /** Runs a path of the instance (the main path '', or a parallel branch) from its block until it waits or leaves. */
  private *advanceCo(inst: InstanceRecord, flow: LoadedFlow, key = ''): Co<void> {
    const p = flow.program;
    const cur = this.cursor(inst, key);
    // Fetched once per run of the path; step groups that edit the profile hand back the new one.
    let profile: CustomerProfile = (yield* aw(this.store.getCustomer(inst.customer))) ?? { id: inst.customer };
    try {
      for (;;) {
        const now = this.clock.now();
        const b: ProgramBlock = p.blocks[cur.block]!;
        const blockId = str(p, b.id);
        const step: ActivityStep = { block: blockId, kind: b.kind, at: now, version: p.hash, ...(key !== '' ? { path: key } : {}) };
        const env = (profile: CustomerProfile): EvalEnv => ({ now, zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited });
        switch (b.kind) {
          case 'steps': {
            if (cur.due > now) return yield* this.park(inst, key, cur.due);
            if (now > cur.due + b.relevanceMs) {
              return yield* this.end(inst, 'stopped', 'relevance_expired', `${blockId} was due ${new Date(cur.due).toISOString()} with relevance ${b.relevanceMs / 1000}s`);
            }
            if (key === '') inst.reason = 'in_step';
            // Every action is evaluated before any goes out: a group runs whole or not at all.
            const effects = b.actions.map((a, i) => this.effect(p, a, env(profile), { key: `${inst.id}/${blockId}/${i}`, at: now, flow: flow.id, version: p.hash, customer: inst.customer, instance: inst.id, block: blockId }));
            for (const e of effects) yield* aw(this.store.appendEffect(e));
            profile = yield* this.applyToProfile(profile, effects);
            const rec = (yield* aw(this.store.getLaunchRecord(flow.id, inst.customer))) ?? { launches: 0, lastStepAt: null };
            rec.lastStepAt = now;
            if (!inst.launched) rec.launches++;
            inst.launched = true;
            yield* aw(this.store.putLaunchRecord(flow.id, inst.customer, rec));
            inst.steps.push(step);
            cur.block = b.next;
            break;
          }
          case 'wait_fixed':
          case 'wait_until':
          case 'wait_within': {
            if (b.kind === 'wait_fixed') cur.due += b.durationMs;
            else if (b.kind === 'wait_until') {
              const m = evaluateMoment(p, b.at, env(profile));
              if (m === null) {
                if (b.otherwise.kind !== 'wait') {
                  inst.steps.push(step);
                  return yield* this.end(inst, 'stopped', 'dynamic_wait_missing');
                }
                cur.due += b.otherwise.ms;
              } else cur.due = Math.max(cur.due, m);
            } else cur.due = nextWindowOpen(cur.due + b.durationMs, b.days, b.from, b.to, flow.zone);
            inst.steps.push({ ...step, until: cur.due });
            cur.block = b.next;
            if (cur.due > now) return yield* this.park(inst, key, cur.due);
            break;
          }
          case 'wait_event': {
            inst.steps.push({ ...step, until: cur.due + b.timeoutMs });
            return yield* this.park(inst, key, cur.due + b.timeoutMs, cur.block);
          }
          case 'if': {
            const i = b.branches.findIndex((x) => evaluateCondition(p, x.cond, env(profile)));
            inst.steps.push({ ...step, branch: i });
            if (i < 0 && !b.hasElse && p.blocks[b.else]!.kind === 'end') {
              if (key !== '') return yield* this.branchDone(inst, flow, key, 'stopped');
              this.finish(inst, 'completed', 'final_condition_failed');
              return yield* this.save(inst);
            }
            cur.block = i < 0 ? b.else : b.branches[i]!.next;
            break;
          }
          case 'split': {
            const bucket = splitBucket(flow.id, blockId, inst.customer);
            let acc = 0;
            const v = b.variants.find((x) => bucket < (acc += Number(constantValue(p.constants[x.percent]))));
            inst.steps.push({ ...step, variant: v ? str(p, v.name) : 'control' });
            cur.block = v ? v.next : b.controlNext;
            break;
          }
          case 'stop':
          case 'end': {
            if (b.kind === 'stop') inst.steps.push(step);
            // In a parallel branch, only that branch ends.
            if (key !== '') return yield* this.branchDone(inst, flow, key, 'stopped');
            this.finish(inst, 'completed', 'all_steps_done');
            return yield* this.save(inst);
          }
          case 'parallel': {
            inst.steps.push(step);
            const parallel = cur.block;
            cur.block = b.join;
            cur.waitingUntil = null;
            cur.waitingFor = null;
            const branches = (inst.branches ??= {});
            const keys = b.branches.map((br, i) => {
              const k = `${key !== '' ? `${key}/` : ''}${blockId}/${br.label !== null ? str(p, br.label) : String(i)}`;
              branches[k] = { parent: key, parallel, join: b.join, block: br.next, due: cur.due, waitingUntil: null, waitingFor: null, done: null };
              return k;
            });
            for (const k of keys) {
              if (inst.status !== 'in_progress') break;
              const br = inst.branches?.[k];
              if (br && br.done === null) yield* this.advanceCo(inst, flow, k);
            }
            return yield* this.save(inst);
          }
          case 'join': {
            if (key !== '' && inst.branches![key]!.join === cur.block) return yield* this.branchDone(inst, flow, key, 'arrived');
            // The path that forked continues after its branches.
            inst.steps.push(step);
            cur.block = b.next;
            break;
          }
          case 'limit': {
            const within = yield* this.admit(flow, b, blockId, now);
            inst.steps.push({ ...step, within });
            cur.block = within ? b.next : b.else;
            break;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      yield* this.end(inst, 'error', 'eval_error', e.message);
    }
  }

  private effect(p: VerifiedProgram, a: Extract<ProgramBlock, { kind: 'steps' }>['actions'][number], env: EvalEnv, head: Omit<EffectRecord, 'action'>): EffectRecord {
    const { key, instance, ...rest } = head;
    const out = (action: EffectRecord['action'], fields: Record<string, unknown>): EffectRecord => ({ ...rest, action, ...fields, key, instance }) as EffectRecord;
    const obj = (entries: Array<{ key: number; value: number }>) => Object.fromEntries(entries.map((e) => [str(p, e.key), evaluateJson(p, e.value, env)]));
    switch (a.kind) {
      case 'send':
        return out('send', { channel: str(p, a.channel), template: str(p, a.template), params: obj(a.params) });
      case 'webhook':
        return out('webhook', { method: str(p, a.method), url: str(p, a.url), body: obj(a.body) });
      case 'promo':
        return out('promo', { pool: str(p, a.pool) });
      case 'points':
        return out('points', {
          amount: evaluateJson(p, a.amount, env),
          account: str(p, a.account),
          ...(a.expiresMs !== null ? { expiresAt: new Date(env.now + a.expiresMs).toISOString().replace('.000Z', 'Z') } : {}),
        });
      case 'set':
        return out('set', { field: str(p, a.field), value: evaluateJson(p, a.value, env) });
      case 'segment_add':
      case 'segment_remove':
        return out(a.kind, { segment: str(p, a.segment) });
    }
  }

  /** The embedded store applies data edits and segment moves to the profile at once, so later blocks see them. */
  private *applyToProfile(current: CustomerProfile, effects: EffectRecord[]): Co<CustomerProfile> {
    if (!effects.some((e) => e.action === 'set' || e.action === 'segment_add' || e.action === 'segment_remove')) return current;
    // Copy-on-write: the store owns the profile it handed out (and the VM may hold it).
    const profile: CustomerProfile = { ...current };
    for (const e of effects) {
      if (e.action === 'set') profile.fields = { ...profile.fields, [e['field'] as string]: e['value'] };
      else if (e.action === 'segment_add' && !(profile.segments ?? []).includes(e['segment'] as string)) profile.segments = [...(profile.segments ?? []), e['segment'] as string];
      else if (e.action === 'segment_remove') profile.segments = (profile.segments ?? []).filter((s) => s !== e['segment']);
    }
    yield* aw(this.store.putCustomer(profile));
    return profile;
  }
}
