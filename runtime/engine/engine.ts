/**
 * The engine: runs compiled flows (verified programs) over a Store, with a virtual clock.
 * Browser-safe. Semantics: docs/language.md ("What happens to a customer"), architecture.md
 * ("Runtime semantics"), contracts.md (reason codes).
 *
 * Each public operation exists twice: `xxx()` (async, any store) and `xxxSync()` (a store that
 * answers at once, as the embedded store does). Both run the same generator code (co.ts).
 */
import type { Constant, ProgramBlock, ProgramOption, VerifiedProgram } from '../../compiler/bytecode/program.js';
import { sha256Hex } from '../../compiler/bytecode/sha256.js';
import { validateEvent } from '../../schemas/index.js';
import { EVENTS } from '../../stdlib/events.js';
import { EvalError, evaluateCondition, evaluateJson, evaluateMoment, type EvalEnv } from '../vm/index.js';
import type { CustomerProfile } from '../vm/customer.js';
import type { EffectRecord, InstanceRecord, NotEnteredRecord, Store } from '../store/store.js';
import { aw, runAsync, runSync, type Co } from './co.js';
import { triggerMatches, type EngineEvent, type TriggerSpec } from './match.js';
import { nextWindowOpen } from './windows.js';

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

function options(p: VerifiedProgram, opts: ProgramOption[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of opts) out[str(p, o.name)] = 'k' in o.value ? constantValue(p.constants[o.value.k]) : o.value.list.map((k) => constantValue(p.constants[k]));
  return out;
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
    let profile = (yield* aw(this.store.getCustomer(event.customer))) ?? { id: event.customer };
    if (event.profile) {
      const p = event.profile;
      profile = { ...profile, ...p, id: event.customer, ...(p['fields'] ? { fields: { ...profile.fields, ...(p['fields'] as Record<string, unknown>) } } : {}) } as CustomerProfile;
      yield* aw(this.store.putCustomer(profile));
    }

    // Customers already in flows: exit criteria and `wait for`.
    yield* this.inFlightCo(event, at, profile);

    for (const flow of interested) {
      const p = flow.program;
      const refuse = (reason: NotEnteredRecord['reason'], message?: string) =>
        this.refuse({ flow: flow.id, customer: event.customer, event: event.id, reason, ...(message ? { message } : {}) });
      if (at < now - HISTORICAL_WINDOW_MS) {
        yield* refuse('historical_too_old');
        continue;
      }
      if (flow.status !== 'active' || (p.flow.activeFrom !== null && now < p.flow.activeFrom) || (p.flow.activeUntil !== null && now >= p.flow.activeUntil)) {
        yield* refuse('flow_inactive', flow.status !== 'active' ? `the flow is ${flow.status}` : undefined);
        continue;
      }
      const brand = p.flow.brand !== null ? str(p, p.flow.brand) : null;
      if (brand !== null && event.brand !== undefined && event.brand !== brand) {
        yield* refuse('trigger_mismatch', `brand ${event.brand}, the flow is for ${brand}`);
        continue;
      }
      // Folder segment restriction: the customer enters and is stopped at once (`outside_segment`).
      const segment = p.flow.segment !== null ? str(p, p.flow.segment) : null;
      if (segment !== null && !(profile.segments ?? []).includes(segment)) {
        const inst = this.newInstance(flow, event, at);
        this.finish(inst, 'stopped', 'outside_segment');
        yield* aw(this.store.putInstance(inst));
        continue;
      }
      const candidates = p.triggers.filter(
        (t): t is Extract<typeof t, { kind: 'event' }> =>
          t.kind === 'event' && triggerMatches({ event: str(p, t.event), options: options(p, t.options) } satisfies TriggerSpec, event, { customer: profile }),
      );
      if (!candidates.length) {
        yield* refuse('trigger_mismatch');
        continue;
      }
      const env: EvalEnv = { now, zone: flow.zone, customer: profile, contexts: contextsOf(event) };
      let passed = false;
      let error: string | undefined;
      for (const t of candidates) {
        try {
          if (t.when === null || evaluateCondition(p, t.when, env)) {
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
      const inst = this.newInstance(flow, event, at);
      yield* this.advanceCo(inst, flow);
    }
  }

  private newInstance(flow: LoadedFlow, event: EngineEvent, at: number): InstanceRecord {
    return {
      id: `${flow.id}/${event.customer}/${event.id}`,
      flow: flow.id,
      version: flow.program.hash,
      customer: event.customer,
      event: event.id,
      enteredAt: this.clock.now(),
      due: at,
      block: flow.program.flow.entryBlock,
      contexts: contextsOf(event),
      awaited: {},
      status: 'in_progress',
      reason: 'in_step',
      waitingUntil: null,
      waitingFor: null,
      launched: false,
      steps: [],
    };
  }

  private finish(inst: InstanceRecord, status: InstanceRecord['status'], reason: string, message?: string): void {
    inst.status = status;
    inst.reason = reason;
    if (message !== undefined) inst.message = message;
    inst.waitingUntil = null;
    inst.waitingFor = null;
  }

  /** Exit criteria and `wait for` blocks of the customer's instances in progress. */
  private *inFlightCo(event: EngineEvent, at: number, profile: CustomerProfile): Co<void> {
    const instances = yield* aw(this.store.instancesOfCustomer(event.customer));
    for (const inst of instances) {
      if (inst.status !== 'in_progress') continue;
      const flow = this.byVersion.get(inst.version);
      if (!flow) continue;
      const p = flow.program;
      const env = (): EvalEnv => ({ now: this.clock.now(), zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited, event: contextsOf(event) });
      try {
        const exit = p.flow.exits.find(
          (x) => triggerMatches({ event: str(p, x.event), options: options(p, x.options) }, event, { customer: profile }) && (x.where === null || evaluateCondition(p, x.where, env())),
        );
        if (exit) {
          this.finish(inst, 'stopped', 'exit_event', `exit on ${event.type} (event ${event.id})`);
          yield* aw(this.store.removeTimer(inst.id));
          yield* aw(this.store.putInstance(inst));
          continue;
        }
        if (inst.waitingFor !== null) {
          const b = p.blocks[inst.waitingFor]!;
          if (b.kind !== 'wait_event' || at < inst.due) continue;
          if (!triggerMatches({ event: str(p, b.event), options: options(p, b.options) }, event, { customer: profile })) continue;
          if (b.where !== null && !evaluateCondition(p, b.where, env())) continue;
          inst.awaited[str(p, b.id)] = contextsOf(event);
          inst.due = Math.max(inst.due, at);
          inst.block = b.onEvent;
          inst.waitingFor = null;
          inst.waitingUntil = null;
          inst.reason = 'in_step';
          yield* aw(this.store.removeTimer(inst.id));
          yield* this.advanceCo(inst, flow);
        }
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        this.finish(inst, 'error', 'eval_error', e.message);
        yield* aw(this.store.removeTimer(inst.id));
        yield* aw(this.store.putInstance(inst));
      }
    }
  }

  // ------------------------------------------------------------------ timers and flow status

  private *fireDueCo(upTo: number): Co<number> {
    let fired = 0;
    for (;;) {
      // One at a time: a timer set while firing may be due before the rest of a batch.
      const [timer] = yield* aw(this.store.claimDueTimers(upTo, 1));
      if (!timer) return fired;
      fired++;
      this.clock.advanceTo(timer.due);
      const inst = yield* aw(this.store.getInstance(timer.instance));
      if (!inst || inst.status !== 'in_progress' || inst.waitingUntil !== timer.due) continue; // stale
      const flow = this.byVersion.get(inst.version);
      if (!flow) continue;
      if (flow.status !== 'active') {
        this.finish(inst, 'stopped', 'flow_stopped');
        yield* aw(this.store.putInstance(inst));
        continue;
      }
      if (inst.waitingFor !== null) {
        // A `wait for` timed out.
        const b = flow.program.blocks[inst.waitingFor]!;
        if (b.kind === 'wait_event') {
          inst.due += b.timeoutMs;
          inst.block = b.onTimeout;
        }
        inst.waitingFor = null;
      }
      inst.waitingUntil = null;
      inst.reason = 'in_step';
      yield* this.advanceCo(inst, flow);
    }
  }

  private *setFlowStatusCo(flowId: string, status: FlowStatus): Co<void> {
    const flows = this.flows.filter((f) => f.id === flowId);
    if (!flows.length) throw new Error(`no flow ${flowId}`);
    for (const f of flows) f.status = status;
    if (status === 'active') return;
    for (const inst of yield* aw(this.store.listInstances({ flow: flowId }))) {
      if (inst.status !== 'in_progress') continue;
      this.finish(inst, 'stopped', 'flow_stopped', `the flow was ${status}`);
      yield* aw(this.store.removeTimer(inst.id));
      yield* aw(this.store.putInstance(inst));
    }
  }

  // ------------------------------------------------------------------ running blocks

  /** Parks the instance until `until` (a timer), in progress / waiting. */
  private *park(inst: InstanceRecord, until: number, waitingFor: number | null = null): Co<void> {
    inst.status = 'in_progress';
    inst.reason = 'waiting';
    inst.waitingUntil = until;
    inst.waitingFor = waitingFor;
    yield* aw(this.store.addTimer({ instance: inst.id, due: until }));
    yield* aw(this.store.putInstance(inst));
  }

  /** Runs the instance from its current block until it waits or leaves. */
  private *advanceCo(inst: InstanceRecord, flow: LoadedFlow): Co<void> {
    const p = flow.program;
    try {
      for (;;) {
        const now = this.clock.now();
        const b: ProgramBlock = p.blocks[inst.block]!;
        const blockId = str(p, b.id);
        const step = { block: blockId, kind: b.kind, at: now, version: p.hash };
        const env = (profile: CustomerProfile): EvalEnv => ({ now, zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited });
        const profile = (yield* aw(this.store.getCustomer(inst.customer))) ?? { id: inst.customer };
        switch (b.kind) {
          case 'steps': {
            if (inst.due > now) return yield* this.park(inst, inst.due);
            if (now > inst.due + b.relevanceMs) {
              this.finish(inst, 'stopped', 'relevance_expired', `${blockId} was due ${new Date(inst.due).toISOString()} with relevance ${b.relevanceMs / 1000}s`);
              return yield* aw(this.store.putInstance(inst));
            }
            inst.reason = 'in_step';
            // Every action is evaluated before any goes out: a group runs whole or not at all.
            const effects = b.actions.map((a, i) => this.effect(p, a, env(profile), { key: `${inst.id}/${blockId}/${i}`, at: now, flow: flow.id, version: p.hash, customer: inst.customer, instance: inst.id, block: blockId }));
            for (const e of effects) yield* aw(this.store.appendEffect(e));
            yield* this.applyToProfile(inst.customer, effects);
            const rec = (yield* aw(this.store.getLaunchRecord(flow.id, inst.customer))) ?? { launches: 0, lastStepAt: null };
            rec.lastStepAt = now;
            if (!inst.launched) rec.launches++;
            inst.launched = true;
            yield* aw(this.store.putLaunchRecord(flow.id, inst.customer, rec));
            inst.steps.push(step);
            inst.block = b.next;
            break;
          }
          case 'wait_fixed':
          case 'wait_until':
          case 'wait_within': {
            if (b.kind === 'wait_fixed') inst.due += b.durationMs;
            else if (b.kind === 'wait_until') {
              const m = evaluateMoment(p, b.at, env(profile));
              if (m === null) {
                if (b.otherwise.kind !== 'wait') {
                  inst.steps.push(step);
                  this.finish(inst, 'stopped', 'dynamic_wait_missing');
                  return yield* aw(this.store.putInstance(inst));
                }
                inst.due += b.otherwise.ms;
              } else inst.due = Math.max(inst.due, m);
            } else inst.due = nextWindowOpen(inst.due + b.durationMs, b.days, b.from, b.to, flow.zone);
            inst.steps.push({ ...step, until: inst.due });
            inst.block = b.next;
            if (inst.due > now) return yield* this.park(inst, inst.due);
            break;
          }
          case 'wait_event': {
            inst.steps.push({ ...step, until: inst.due + b.timeoutMs });
            return yield* this.park(inst, inst.due + b.timeoutMs, inst.block);
          }
          case 'if': {
            const i = b.branches.findIndex((x) => evaluateCondition(p, x.cond, env(profile)));
            inst.steps.push({ ...step, branch: i });
            if (i < 0 && !b.hasElse && p.blocks[b.else]!.kind === 'end') {
              this.finish(inst, 'completed', 'final_condition_failed');
              return yield* aw(this.store.putInstance(inst));
            }
            inst.block = i < 0 ? b.else : b.branches[i]!.next;
            break;
          }
          case 'split': {
            const bucket = splitBucket(flow.id, blockId, inst.customer);
            let acc = 0;
            const v = b.variants.find((x) => bucket < (acc += Number(constantValue(p.constants[x.percent]))));
            inst.steps.push({ ...step, variant: v ? str(p, v.name) : 'control' });
            inst.block = v ? v.next : b.controlNext;
            break;
          }
          case 'stop':
          case 'end': {
            if (b.kind === 'stop') inst.steps.push(step);
            this.finish(inst, 'completed', 'all_steps_done');
            return yield* aw(this.store.putInstance(inst));
          }
          case 'parallel':
          case 'join':
          case 'limit': {
            inst.steps.push(step);
            this.finish(inst, 'error', 'not_supported', `${b.kind} blocks: not supported yet`);
            return yield* aw(this.store.putInstance(inst));
          }
        }
      }
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      this.finish(inst, 'error', 'eval_error', e.message);
      yield* aw(this.store.removeTimer(inst.id));
      yield* aw(this.store.putInstance(inst));
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
  private *applyToProfile(customer: string, effects: EffectRecord[]): Co<void> {
    if (!effects.some((e) => e.action === 'set' || e.action === 'segment_add' || e.action === 'segment_remove')) return;
    const profile = (yield* aw(this.store.getCustomer(customer))) ?? { id: customer };
    for (const e of effects) {
      if (e.action === 'set') profile.fields = { ...profile.fields, [e['field'] as string]: e['value'] };
      else if (e.action === 'segment_add' && !(profile.segments ?? []).includes(e['segment'] as string)) profile.segments = [...(profile.segments ?? []), e['segment'] as string];
      else if (e.action === 'segment_remove') profile.segments = (profile.segments ?? []).filter((s) => s !== e['segment']);
    }
    yield* aw(this.store.putCustomer(profile));
  }
}
