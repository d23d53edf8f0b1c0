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
 * Limit: calendar periods in the flow's time zone use the store's admissions (`admitInPeriod`)
 * keyed `limit:<flow>:<block id>:<period>` or `budget:<name>:<period>`; `per <duration>` uses its
 * rolling window (`admitInWindow`) under `limit:<flow>:<block id>` / `budget:<name>`. The member
 * admitted is the journey at the block, so a journey run again is not counted twice.
 */
import type { Constant, ProgramBlock, ProgramOption, VerifiedProgram } from '../../compiler/bytecode/program.js';
import type { Launch, TriggerEvent } from '../../stdlib/matchers.js';
import { sha256Word0 } from '../../compiler/bytecode/sha256.js';
import { validateEvent } from '../../schemas/index.js';
import { EVENTS } from '../../stdlib/events.js';
import { EvalError, evaluateCondition, evaluateJson, evaluateMoment, type EvalEnv } from '../vm/index.js';
import type { CustomerProfile } from '../vm/customer.js';
import { RUN_EVENT_PREFIX, type ActivityStep, type Awaitable, type EffectRecord, type EventReads as StoreEventReads, type InstanceReads, type InstanceRecord, type LaunchRecord, type MatchState, type NotEnteredRecord, type Store, type Timer, type Transition } from '../store/store.js';
import { allSettledOrThrow, aw, isThenable, runAsync, runSync, type Co } from './co.js';
import { catalogMatch, eventProducts, matcherOptions, previousSnapshots, triggerEvent, type EngineEvent } from './match.js';
import { calendarPeriodKey, nextWindowOpen } from './windows.js';
import { addPath, pruneContexts, type KeepTree } from './keeps.js';
import { nextRun } from './schedule.js';
import { iso } from './iso.js';

/** Where a path of an instance is: the instance itself (its main path) or a parallel branch. */
type Cursor = Pick<InstanceRecord, 'block' | 'due' | 'waitingUntil' | 'waitingFor' | 'wait'>;

/** An activity step (a fresh record each time: the store keeps it), with one extra field when given. */
function activityStep<K extends keyof ActivityStep>(block: string, kind: string, at: number, version: string, path: string, extra?: K, value?: ActivityStep[K]): ActivityStep {
  const s: ActivityStep = path !== '' ? { block, kind, at, version, path } : { block, kind, at, version };
  if (extra !== undefined) s[extra] = value!;
  return s;
}

/** What one step of one instance changes, gathered while it runs and committed once (Store.commit). */
interface Tx {
  /** Timers set or cleared, one entry per key (the last change of a key wins). */
  timers: Array<{ key: string; due: number | null }>;
  effects: EffectRecord[];
  activity: ActivityStep[];
  launch?: LaunchRecord;
  /** The launch record as the entry check read it (null: none), so the first step group need not read it again. */
  launchRead?: LaunchRecord | null;
  profile?: CustomerProfile;
  /** With `profile`: the stored profile it was made from (Transition.profileBase). */
  profileBase?: CustomerProfile | null;
}

/**
 * What a piece of work (an event, a timer) read of its customer at once (Store.readForEvent,
 * readForInstance), kept current by its own commits.
 */
interface EventReads extends StoreEventReads {
  /**
   * The profile the store holds, as far as this work knows. While `profile` is another object, it is
   * this event's update, not stored yet: it goes with the event's first commit (one store call
   * less), or is stored alone at the end of the event, made from this one.
   */
  stored: CustomerProfile | undefined;
}

/** The engine's reads of what the store read at once: the profile read is the one stored. */
function eventReads(got: StoreEventReads): EventReads {
  return Object.assign(got, { stored: got.profile });
}

const MAIN_PATH_ONLY: readonly string[] = Object.freeze(['']) as readonly string[];

/** A flow status change that its current state does not allow (resuming a stopped flow). */
export class FlowStateError extends Error {}

/** What became of an ingested event as a whole (each flow's entry or refusal is in the store). */
export type IngestOutcome = { outcome: 'accepted' } | { outcome: 'duplicate' } | { outcome: 'invalid'; message: string };

export interface IngestOptions {
  /**
   * The event comes from a queue that already dropped duplicates (redis/event-queue.ts) and may be
   * handed over again after a crash: it is not marked seen here, and what an earlier attempt of it
   * did is not done again (an instance it launched exists; one it moved in flight says so).
   */
  queued?: boolean;
}

/** Events older than this before their upload never enter (seed 002). */
export const HISTORICAL_WINDOW_MS = 7 * 86_400_000;

/**
 * How long a limit's admissions are kept after the last one, beyond its period or window: a day of
 * slack (a limit is judged at the engine's clock, which may be behind the store's).
 */
const KEEP_MARGIN_MS = 86_400_000;
/** The longest of each calendar period (a month of 31 days, a day of 25 hours, a week with one). */
const PERIOD_KEEP_MS: Readonly<Record<'hour' | 'day' | 'week' | 'month', number>> = {
  hour: 3_600_000 + KEEP_MARGIN_MS,
  day: 25 * 3_600_000 + KEEP_MARGIN_MS,
  week: 7 * 86_400_000 + 3_600_000 + KEEP_MARGIN_MS,
  month: 31 * 86_400_000 + 3_600_000 + KEEP_MARGIN_MS,
};
/** The context names an event may carry (contracts.md). */
export const CONTEXT_NAMES = ['order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params'] as const;

/** The event types of the catalog (an event of another type is invalid). */
export const KNOWN_EVENTS: ReadonlySet<string> = new Set(EVENTS.map((e) => e.name));

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

/** One version of a flow the engine knows. */
interface LoadedFlow {
  id: string;
  program: VerifiedProgram;
  zone: string;
  status: FlowStatus;
  /** Epoch ms it was launched (the clock when loaded, for versions given at start), and replaced or stopped. */
  launchedAt: number;
  endedAt: number | null;
  /** Whether it is the flow's current version (the one customers enter). */
  current: boolean;
  /** Scheduled flows: the next run time (epoch ms) of each schedule trigger, by trigger index. */
  nextRuns: Map<number, number>;
  /** Scheduled flows: the time of the latest run made (begun) of each schedule trigger, by trigger index (remakeRuns). */
  lastRuns: Map<number, number>;
  /** Block index by block id (to move customers onto another version). */
  blockIndex: Map<string, number>;
  /** The indexes of its event triggers, by event type (entry and the reads of an event go through these). */
  triggersOf: Map<string, Array<{ index: number; trigger: Extract<VerifiedProgram['triggers'][number], { kind: 'event' }> }>>;
}

/** A version's run times by schedule trigger index, as stored (index as text). */
function byTrigger(runs: ReadonlyMap<number, number> | undefined): Record<string, number> {
  return runs ? Object.fromEntries([...runs].map(([i, at]) => [String(i), at])) : {};
}

/** A scheduled run begun and not finished: the customers it enters (a snapshot), and how many of them it took. */
interface RunUnderway {
  flow: LoadedFlow;
  /** Its schedule trigger's index. */
  index: number;
  at: number;
  /** The segment it is for (undefined: every customer). */
  segment: string | undefined;
  customers: string[];
  next: number;
}

/** A version in a flow's history (`GET /v1/flows/:id/versions`). */
export interface FlowVersionInfo {
  flow: string;
  version: string;
  status: FlowStatus | 'replaced';
  launchedAt: number;
  endedAt: number | null;
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

const stringTables = new WeakMap<VerifiedProgram, string[]>();
// The last program's table: runs of one flow ask for many of its strings in a row.
let lastProgram: VerifiedProgram | undefined;
let lastTable: string[] = [];
/** Constant `k` as a string (names, ids), converted once per program. */
function str(p: VerifiedProgram, k: number): string {
  if (p !== lastProgram) {
    let t = stringTables.get(p);
    if (!t) stringTables.set(p, (t = []));
    lastProgram = p;
    lastTable = t;
  }
  return (lastTable[k] ??= String(constantValue(p.constants[k])));
}

function isEmpty(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return false;
  return true;
}

function contextsOf(event: EngineEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of CONTEXT_NAMES) if (event[name] !== undefined) out[name] = event[name];
  return out;
}

/** Sticky, deterministic split bucket in [0, 100): a hash of flow id, block id and customer id. */
export function splitBucket(flow: string, block: string, customer: string): number {
  return (sha256Word0(`${flow}\u0000${block}\u0000${customer}`) / 0x1_0000_0000) * 100;
}

interface KeepTrees {
  trigger: Map<string, KeepTree>;
  awaited: Map<string, Map<string, KeepTree>>;
}
const keepTreeCache = new WeakMap<ProgramBlock, KeepTrees>();

/** The kept paths of some wait blocks, as tries: the trigger's, and each `wait for`'s by block id. */
function keepTreesOf(p: VerifiedProgram, blocks: readonly ProgramBlock[]): KeepTrees {
  const trigger = new Map<string, KeepTree>();
  const awaited = new Map<string, Map<string, KeepTree>>();
  for (const b of blocks) {
    if (!('keeps' in b)) continue;
    for (const k of b.keeps) {
      if (k.source === null) addPath(trigger, str(p, k.path));
      else {
        const src = str(p, p.blocks[k.source]!.id);
        let t = awaited.get(src);
        if (!t) awaited.set(src, (t = new Map()));
        addPath(t, str(p, k.path));
      }
    }
  }
  return { trigger, awaited };
}

/** One wait block's tries, built once per program. */
function keepTrees(p: VerifiedProgram, b: ProgramBlock): KeepTrees {
  let t = keepTreeCache.get(b);
  if (!t) keepTreeCache.set(b, (t = keepTreesOf(p, [b])));
  return t;
}

export interface EngineOptions {
  /** Flow statuses at start (default: every flow active). */
  statuses?: Readonly<Record<string, FlowStatus>>;
  /**
   * Runs of a scheduled flow that one `fireDue` call passes over: `every-run` runs each (the
   * simulator: its clock jumps between events, but nothing was down), `latest-run` only the last of
   * them (a runtime coming back after downtime: one catch-up run, not a burst; the earlier ones are
   * skipped). Default `every-run`.
   */
  missedRuns?: 'every-run' | 'latest-run';
}

export class Engine {
  /** The current version of each flow, by flow id order (entry goes through these). */
  private flows: LoadedFlow[] = [];
  /** Every version ever loaded, by content hash (customers in flight run on theirs). */
  private readonly byVersion = new Map<string, LoadedFlow>();
  /** Every version of each flow, oldest first. */
  private readonly history = new Map<string, LoadedFlow[]>();
  /** Current versions with an event trigger for each event type. */
  private byEvent = new Map<string, LoadedFlow[]>();
  private readonly missedRuns: 'every-run' | 'latest-run';
  /** Scheduled runs begun and not finished (a budgeted fireDue, remakeRuns), first first: their customers, and how far each got. */
  private runsUnderway: RunUnderway[] = [];
  /** The earliest timer this engine set since it last claimed timers (fireTimersLoop: must one go first?). */
  private earliestTimerSet = Infinity;
  /** The open transition of each instance being worked on (committed by commit). */
  private readonly txs = new WeakMap<InstanceRecord, Tx>();
  /**
   * What the store read at once for the event or timer an instance is being moved by
   * (Store.readForEvent, readForInstance): that piece of work's reads are answered from it, and its
   * commits keep it current. By instance object, so concurrent work never shares another's reads.
   */
  private readonly readsOf = new WeakMap<InstanceRecord, EventReads>();

  constructor(
    readonly store: Store,
    programs: readonly VerifiedProgram[],
    readonly clock: VirtualClock,
    opts: EngineOptions = {},
  ) {
    this.missedRuns = opts.missedRuns ?? 'every-run';
    for (const program of programs) {
      const f = this.load(program);
      if (this.history.has(f.id)) throw new Error(`flow ${f.id} is given twice; launch a new version with launch()`);
      f.status = opts.statuses?.[f.id] ?? 'active';
      this.history.set(f.id, [f]);
    }
    this.reindex();
  }

  private load(program: VerifiedProgram): LoadedFlow {
    const id = str(program, program.flow.id);
    const f: LoadedFlow = {
      id,
      program,
      zone: str(program, program.flow.timezone),
      status: 'active',
      launchedAt: this.clock.now(),
      endedAt: null,
      current: true,
      nextRuns: new Map(),
      lastRuns: new Map(),
      blockIndex: new Map(program.blocks.map((b, i) => [str(program, b.id), i])),
      triggersOf: new Map(),
    };
    this.byVersion.set(program.hash, f);
    for (const [i, t] of program.triggers.entries()) {
      if (t.kind === 'schedule') f.nextRuns.set(i, nextRun(t.every, t.times, f.zone, f.launchedAt, f.launchedAt));
      else if (t.kind === 'event') {
        const name = str(program, t.event);
        const list = f.triggersOf.get(name);
        if (list) list.push({ index: i, trigger: t });
        else f.triggersOf.set(name, [{ index: i, trigger: t }]);
      }
    }
    return f;
  }

  private reindex(): void {
    this.flows = [...this.history.values()].map((vs) => vs[vs.length - 1]!).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.byEvent = new Map();
    for (const f of this.flows) {
      for (const name of f.triggersOf.keys()) {
        const list = this.byEvent.get(name);
        if (list) list.push(f);
        else this.byEvent.set(name, [f]);
      }
    }
  }

  /**
   * Puts back a version as it was (a runtime restarting from what it stored): with its status,
   * times, next schedule runs and latest runs made, without moving anyone. Restore a flow's
   * versions oldest first: the last one restored is the current one.
   */
  restore(program: VerifiedProgram, v: { status: FlowStatus; launchedAt: number; endedAt: number | null; nextRuns?: Readonly<Record<string, number>>; lastRuns?: Readonly<Record<string, number>> }): void {
    const f = this.byVersion.get(program.hash) ?? this.load(program);
    f.status = v.status;
    f.launchedAt = v.launchedAt;
    f.endedAt = v.endedAt;
    if (v.nextRuns) for (const [i, at] of Object.entries(v.nextRuns)) f.nextRuns.set(Number(i), at);
    else this.rescheduleFrom(f, this.clock.now());
    // The latest run made only moves forward (another runtime's record may be older than this one's);
    // a paused or stopped version's runs are over (not made again, even once resumed).
    if (v.status !== 'active') f.lastRuns.clear();
    else for (const [i, at] of Object.entries(v.lastRuns ?? {})) if (!((f.lastRuns.get(Number(i)) ?? -Infinity) >= at)) f.lastRuns.set(Number(i), at);
    const list = this.history.get(f.id) ?? [];
    for (const o of list) o.current = false;
    f.current = true;
    this.history.set(f.id, [...list.filter((x) => x !== f), f]);
    this.reindex();
  }

  /** The next schedule run of each schedule trigger of the flow's current version. */
  nextRuns(flow: string): Record<string, number> {
    return byTrigger(this.history.get(flow)?.at(-1)?.nextRuns);
  }

  /**
   * The run times of the flow's current version to store (restore() takes them back): the next run
   * of each schedule trigger, where a run this engine has under way counts as not made yet (a
   * runtime restarted from what it stored makes it again, passing over the customers it entered,
   * rather than losing the rest), and the latest run made of each.
   */
  runsToStore(flow: string): { nextRuns: Record<string, number>; lastRuns: Record<string, number> } {
    const cur = this.history.get(flow)?.at(-1);
    const nextRuns = byTrigger(cur?.nextRuns);
    for (const r of this.runsUnderway) if (r.flow === cur && r.at < (nextRuns[String(r.index)] ?? Infinity)) nextRuns[String(r.index)] = r.at;
    return { nextRuns, lastRuns: byTrigger(cur?.lastRuns) };
  }

  /** How many scheduled runs are under way (begun, not finished). */
  runsUnderwayCount(): number {
    return this.runsUnderway.length;
  }

  /** A flow's versions, oldest first, with their launch and end times. */
  versions(flow: string): FlowVersionInfo[] {
    return (this.history.get(flow) ?? []).map((f) => ({ flow: f.id, version: f.program.hash, status: f.current ? f.status : 'replaced', launchedAt: f.launchedAt, endedAt: f.endedAt }));
  }

  // ------------------------------------------------------------------ public API

  /** Handles one event at the clock's time (the simulator sets the clock to its receivedAt first). */
  ingest(event: unknown, opts: IngestOptions = {}): Promise<IngestOutcome> {
    return runAsync(this.ingestCo(event, opts));
  }
  ingestSync(event: unknown): IngestOutcome {
    return runSync(this.ingestCo(event));
  }
  /** The ids of the flows launched (every version's flow), in id order. */
  flowIds(): string[] {
    return [...this.history.keys()].sort();
  }
  /**
   * Fires the timers and schedule runs due at or before `upTo`, in time order, moving the clock to
   * each; returns how much it did (timers fired, runs begun, customers of runs entered).
   * `schedules: false` fires timers only (the simulator's drain after the last event). `budget`:
   * stop after about that much (a runtime between batches of events: a backlog after downtime, or
   * a run over a large segment, must not hold events up); the next call goes on where it stopped,
   * with an unfinished run first. Default: everything due. `concurrency`: how many customers of a
   * scheduled run enter at once (a store with round trips: they are independent; their commits may
   * then land in any order). Default 1.
   */
  fireDue(upTo: number, opts: { schedules?: boolean; budget?: number; concurrency?: number } = {}): Promise<number> {
    return runAsync(this.fireDueCo(upTo, opts.schedules ?? true, opts.budget ?? Infinity, opts.concurrency ?? 1));
  }
  fireDueSync(upTo: number, opts: { schedules?: boolean; budget?: number } = {}): number {
    return runSync(this.fireDueCo(upTo, opts.schedules ?? true, opts.budget ?? Infinity));
  }
  /**
   * Launches a version of a flow at the clock's time (a new flow, or a new version of one): it
   * becomes the version customers enter, and customers in flight on an older version move onto it
   * by block id (one waiting in a wait block the new version no longer has stops with
   * `wait_block_deleted`). Launching the current version again only makes it active.
   */
  launch(program: VerifiedProgram): Promise<void> {
    return runAsync(this.launchCo(program));
  }
  launchSync(program: VerifiedProgram): void {
    runSync(this.launchCo(program));
  }
  /** Pauses, resumes or stops a flow at the clock's time: paused or stopped, customers in it are stopped (`flow_stopped`) and no one enters. */
  setFlowStatus(flow: string, status: FlowStatus): Promise<void> {
    return runAsync(this.setFlowStatusCo(flow, status));
  }
  setFlowStatusSync(flow: string, status: FlowStatus): void {
    runSync(this.setFlowStatusCo(flow, status));
  }

  // ------------------------------------------------------------------ entry

  /** The instance's open transition (opened on first use). */
  private tx(inst: InstanceRecord): Tx {
    let t = this.txs.get(inst);
    if (!t) this.txs.set(inst, (t = { timers: [], effects: [], activity: [] }));
    return t;
  }

  /** Sets (or, with null, clears) a timer of the instance in its open transition. */
  private setTimer(inst: InstanceRecord, key: string, due: number | null): void {
    const timers = this.tx(inst).timers;
    for (const t of timers) {
      if (t.key === key) {
        t.due = due;
        return;
      }
    }
    timers.push({ key, due });
  }

  /**
   * Commits what the instance's open transition gathered, with the instance itself, in one store
   * call: a promise to yield when the store answers with one, else undefined (done). Not a
   * generator: callers write `if ((pending = this.commit(inst))) yield pending;` (a generator per commit
   * showed in allocation profiles of `node scripts/run-bench.mjs engine`).
   */
  private commit(inst: InstanceRecord): PromiseLike<void> | undefined {
    const t: Tx = this.txs.get(inst) ?? { timers: [], effects: [], activity: [] };
    this.txs.delete(inst);
    this.summarize(inst);
    for (const { due } of t.timers) if (due !== null && due < this.earliestTimerSet) this.earliestTimerSet = due;
    const transition: Transition = { instance: inst, timers: t.timers, effects: t.effects, activity: t.activity };
    if (t.launch) transition.launch = { flow: inst.flow, record: t.launch };
    const reads = this.readsOf.get(inst);
    if (t.profile) {
      transition.profile = t.profile;
      transition.profileBase = t.profileBase ?? null;
    } else if (reads && reads.profile !== reads.stored) {
      // The event's profile update, not stored yet, goes with this commit (a step's edits include it).
      transition.profile = reads.profile!;
      transition.profileBase = reads.stored ?? null;
    }
    const done = this.store.commit(transition);
    if (!reads) return isThenable(done) ? done : undefined;
    const after = (): void => {
      if (t.launch) reads.launches.set(inst.flow, t.launch);
      if (transition.profile) reads.profile = reads.stored = transition.profile;
      reads.instances.set(inst.id, true);
    };
    if (isThenable(done)) return done.then(after);
    after();
    return undefined;
  }

  /** A refusal of `event` by `flow` (as refuse). */
  private refuseEntry(flow: LoadedFlow, event: EngineEvent, reason: NotEnteredRecord['reason'], message?: string): PromiseLike<void> | undefined {
    return this.refuse({ flow: flow.id, customer: event.customer, event: event.id, reason, ...(message ? { message } : {}) });
  }

  /** Records a refusal; a promise to yield when the store answers with one (as commit). */
  private refuse(r: Omit<NotEnteredRecord, 'at'>): PromiseLike<void> | undefined {
    const done = this.store.appendNotEntered({ ...r, at: this.clock.now() });
    return isThenable(done) ? done : undefined;
  }

  /** The store key of a trigger's matcher state: per flow, trigger (index and event) and customer. */
  static matchStateKey(flow: string, trigger: number, event: string, customer: string): string {
    // Flow ids and event names hold no U+0000 (checked names), so the key splits unambiguously.
    return `match\u0000${flow}\u0000${trigger}\u0000${event}\u0000${customer}`;
  }

  /** The generator behind `ingest()` (for drivers that compose engine work, such as simulate). */
  *ingestCo(raw: unknown, opts: IngestOptions = {}): Co<IngestOutcome> {
    const queued = opts.queued === true;
    const now = this.clock.now();
    const rec = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = typeof rec['id'] === 'string' ? rec['id'] : null;
    const customerId = typeof rec['customer'] === 'string' ? rec['customer'] : null;
    const valid = validateEvent(raw);
    if (!valid.ok) return yield* this.invalidCo(id, customerId, valid.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '));
    const event = raw as EngineEvent;
    if (!KNOWN_EVENTS.has(event.type)) return yield* this.invalidCo(id, customerId, `/type: unknown event type ${event.type}`);
    const at = Date.parse(event.at);
    if (!Number.isFinite(at)) return yield* this.invalidCo(id, customerId, `/at: not a date-time: ${event.at}`);

    const interested = this.byEvent.get(event.type) ?? [];
    if (queued) return yield* this.eventWork(event, rec, at, interested, true);
    // A store that reads an event's needs at once marks it seen in that call (processEventCo).
    if (!this.store.readForEvent) {
      const first = this.store.markEventSeen(event.id);
      if (!((isThenable(first) ? yield first : first) as boolean)) return yield* this.duplicateCo(event, interested);
    }
    try {
      return yield* this.eventWork(event, rec, at, interested, false);
    } catch (e) {
      // Not processed: a retry of this event must not be taken for a duplicate (what committed
      // before the failure goes out again under the same idempotency keys).
      yield this.store.forgetEventSeen(event.id);
      throw e;
    }
  }

  private *duplicateCo(event: EngineEvent, interested: readonly LoadedFlow[]): Co<IngestOutcome> {
    let pending: PromiseLike<void> | undefined;
    for (const f of interested.length ? interested : [null]) {
      if ((pending = this.refuse({ flow: f?.id ?? null, customer: event.customer, event: event.id, reason: 'duplicate_event' }))) yield pending;
    }
    return { outcome: 'duplicate' };
  }

  private *invalidCo(event: string | null, customer: string | null, message: string): Co<IngestOutcome> {
    let pending: PromiseLike<void> | undefined;
    if ((pending = this.refuse({ flow: null, customer, event, reason: 'invalid_event', message }))) yield pending;
    return { outcome: 'invalid', message };
  }

  /** The work of an event seen for the first time: a store without round trips goes straight to eventCo (a generator less per event). */
  private eventWork(event: EngineEvent, rec: Record<string, unknown>, at: number, interested: readonly LoadedFlow[], queued: boolean): Co<IngestOutcome> {
    return this.store.readForEvent ? this.processEventCo(event, rec, at, interested, queued) : this.eventCo(event, rec, at, interested, queued, undefined);
  }

  /** For a store with round trips (readForEvent): reads what the event needs at once (the event's own reads; see readsOf), then the event. */
  private *processEventCo(event: EngineEvent, rec: Record<string, unknown>, at: number, interested: readonly LoadedFlow[], queued: boolean): Co<IngestOutcome> {
    const launches: string[] = [];
    const matches: string[] = [];
    const instances: string[] = [];
    for (const flow of interested) {
      launches.push(flow.id);
      if (queued) instances.push(this.instanceId(flow, event));
      for (const { index } of flow.triggersOf.get(event.type) ?? []) matches.push(Engine.matchStateKey(flow.id, index, event.type, event.customer));
    }
    const reads = eventReads((yield this.store.readForEvent!(event.customer, { launches, matches, instances, ...(queued ? {} : { markSeen: event.id }) })) as StoreEventReads);
    if (reads.firstSeen === false) return yield* this.duplicateCo(event, interested);
    return yield* this.eventCo(event, rec, at, interested, queued, reads);
  }

  /** An event seen for the first time: profile update, snapshots, customers in flight, entries. */
  private *eventCo(event: EngineEvent, rec: Record<string, unknown>, at: number, interested: readonly LoadedFlow[], queued: boolean, reads: EventReads | undefined): Co<IngestOutcome> {
    // The profile update comes first: matching and conditions see it.
    const storedRead = this.profileOf(event.customer, reads);
    const stored = (isThenable(storedRead) ? yield storedRead : storedRead) as CustomerProfile | undefined;
    let profile = stored ?? { id: event.customer };
    if (event.profile) {
      const p = event.profile;
      profile = { ...profile, ...p, id: event.customer, ...(p['fields'] ? { fields: { ...profile.fields, ...(p['fields'] as Record<string, unknown>) } } : {}) } as CustomerProfile;
      if (reads) {
        reads.profile = profile;
      } else {
        const put = this.store.putCustomer(profile, stored ?? null);
        if (isThenable(put)) yield put;
      }
    }

    // `previous` snapshots: what the store saw before this event (the same for every flow).
    const order = rec['order'] as Record<string, unknown> | undefined;
    const item = rec['item'] as Record<string, unknown> | undefined;
    const orderId = typeof order?.['id'] === 'string' ? order['id'] : typeof item?.['orderId'] === 'string' ? item['orderId'] : null;
    const products = eventProducts(event);
    const seenProducts: Record<string, Record<string, unknown>> = {};
    for (const pr of products) {
      const got = this.store.getProduct(pr.id);
      const before = (isThenable(got) ? yield got : got) as Record<string, unknown> | undefined;
      if (before) seenProducts[pr.id] = before;
    }
    const orderGot = orderId !== null ? this.store.getOrder(orderId) : undefined;
    const previous = previousSnapshots(event, {
      order: (isThenable(orderGot) ? yield orderGot : orderGot) as Record<string, unknown> | undefined,
      products: seenProducts,
      // Only an event that updates the profile has a "before" to compare with.
      customer: event.profile ? stored : undefined,
    });
    const tev = triggerEvent(event, profile, previous);

    // Customers already in flows: exit criteria and `wait for`.
    yield* this.inFlightCo(event, at, profile, tev, queued, reads);

    for (const flow of interested) yield* this.enterCo(flow, event, at, profile, tev, queued, reads);

    // Remember what this event said, for the next one's snapshots.
    if (order && typeof order['id'] === 'string') {
      const put = this.store.putOrder(order as Record<string, unknown> & { id: string });
      if (isThenable(put)) yield put;
    }
    for (const pr of products) {
      const put = this.store.putProduct(pr);
      if (isThenable(put)) yield put;
    }
    if (reads && reads.profile !== reads.stored) {
      const put = this.store.putCustomer(reads.profile!, reads.stored ?? null);
      if (isThenable(put)) yield put;
    }
    return { outcome: 'accepted' };
  }

  private *enterCo(flow: LoadedFlow, event: EngineEvent, at: number, profile: CustomerProfile, tev: TriggerEvent, queued: boolean, reads: EventReads | undefined): Co<void> {
    let pending: PromiseLike<void> | undefined;
    const now = this.clock.now();
    const p = flow.program;
    if (at < now - HISTORICAL_WINDOW_MS) {
      if ((pending = this.refuseEntry(flow, event, 'historical_too_old'))) yield pending;
      return;
    }
    if (flow.status !== 'active' || (p.flow.activeFrom !== null && now < p.flow.activeFrom) || (p.flow.activeUntil !== null && now >= p.flow.activeUntil)) {
      if ((pending = this.refuseEntry(flow, event, 'flow_inactive', flow.status !== 'active' ? `the flow is ${flow.status}` : undefined))) yield pending;
      return;
    }
    const brand = p.flow.brand !== null ? str(p, p.flow.brand) : null;
    if (brand !== null && event.brand !== undefined && event.brand !== brand) {
      if ((pending = this.refuseEntry(flow, event, 'trigger_mismatch', `brand ${event.brand}, the flow is for ${brand}`))) yield pending;
      return;
    }
    // Folder segment restriction: the customer enters and is stopped at once (`outside_segment`).
    const segment = p.flow.segment !== null ? str(p, p.flow.segment) : null;
    if (segment !== null && !(profile.segments ?? []).includes(segment)) {
      const inst = this.newInstance(flow, event, at);
      if (reads) this.readsOf.set(inst, reads);
      this.finish(inst, 'stopped', 'outside_segment');
      if ((pending = this.commit(inst))) yield pending;
      return;
    }

    // The catalog matchers, each trigger with its own state: which launches, with what context.
    // Few launches per event (most often one or none): a list, not a Map per flow and event.
    const launches: Array<{ key: string; context: Record<string, unknown>; whens: Array<number | null> }> = [];
    const reasons: string[] = [];
    // The matchers' new states are written once the launches they allow are committed: an attempt
    // that fails before then (a crash, a store error) leaves them as they were, so the event run
    // again fires the same launches, not none ("order was already paid").
    const states: Array<[string, MatchState]> = [];
    for (const { index, trigger: t } of flow.triggersOf.get(event.type) ?? []) {
      const key = Engine.matchStateKey(flow.id, index, event.type, event.customer);
      let stored: MatchState | undefined;
      if (reads?.matches.has(key)) stored = reads.matches.get(key);
      else {
        const got = this.store.getMatchState(key);
        stored = (isThenable(got) ? yield got : got) as MatchState | undefined;
      }
      const r = catalogMatch(event.type, matcherOptions(p, t.options), tev, stored ?? {});
      // Most triggers keep no state: nothing to write while there is none (one store call less per flow and event).
      if (stored !== undefined || !isEmpty(r.state)) states.push([key, r.state]);
      if (!r.fires.length) reasons.push(r.reason ?? `${event.type} did not match`);
      for (const f of r.fires) {
        const l = launches.find((x) => x.key === f.key);
        if (l) l.whens.push(t.when);
        else launches.push({ key: f.key, context: f.context, whens: [t.when] });
      }
    }
    if (!launches.length) {
      yield* this.putMatchStates(states, reads);
      if ((pending = this.refuseEntry(flow, event, 'trigger_mismatch', [...new Set(reasons)].join('; ')))) yield pending;
      return;
    }

    for (const launch of launches) {
      const key = launch.key;
      // An earlier attempt of this event (a worker died mid-event) launched it already.
      if (queued) {
        const id = this.instanceId(flow, event, key);
        const known = reads?.instances.get(id);
        if (known ?? (yield this.store.getInstance(id)) !== undefined) continue;
      }
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
        if ((pending = this.refuseEntry(flow, event, 'condition_not_applied', error))) yield pending;
        continue;
      }
      const recordRead = this.launchRecordOf(flow, event.customer, reads);
      const record = (isThenable(recordRead) ? yield recordRead : recordRead) as LaunchRecord | undefined;
      const refusal = this.launchRefusal(flow, record, now);
      if (refusal) {
        if ((pending = this.refuseEntry(flow, event, 'launch_limit', refusal))) yield pending;
        continue;
      }
      const inst = this.newInstance(flow, event, at, { key, context: launch.context });
      if (reads) this.readsOf.set(inst, reads);
      this.tx(inst).launchRead = record ?? null;
      yield* this.advanceCo(inst, flow);
      if ((pending = this.commit(inst))) yield pending;
    }
    yield* this.putMatchStates(states, reads);
  }

  private *putMatchStates(states: ReadonlyArray<[string, MatchState]>, reads: EventReads | undefined): Co<void> {
    for (const [key, state] of states) {
      const put = this.store.putMatchState(key, state);
      if (isThenable(put)) yield put;
      reads?.matches.set(key, state);
    }
  }

  /**
   * A new instance. Its id is `<flow>/<customer>/<event id>`, followed by `/<launch key>` when the
   * matcher launched per item or product (`item:<order>/<item>`, `product:<id>`), so instance ids,
   * and with them effect idempotency keys, stay unique.
   */
  private instanceId(flow: LoadedFlow, event: EngineEvent, launchKey?: string): string {
    const perLaunch = launchKey !== undefined && launchKey !== 'once' && launchKey !== 'batch';
    return `${flow.id}/${event.customer}/${event.id}${perLaunch ? `/${launchKey}` : ''}`;
  }

  private newInstance(flow: LoadedFlow, event: EngineEvent, at: number, launch?: Launch): InstanceRecord {
    const perLaunch = launch !== undefined && launch.key !== 'once' && launch.key !== 'batch';
    return {
      id: this.instanceId(flow, event, launch?.key),
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
      ...(perLaunch ? { launch: launch.key } : {}),
    };
  }

  private finish(inst: InstanceRecord, status: InstanceRecord['status'], reason: string, message?: string): void {
    inst.status = status;
    inst.reason = reason;
    if (message !== undefined) inst.message = message;
    inst.waitingUntil = null;
    inst.waitingFor = null;
    delete inst.wait;
    delete inst.branches;
  }

  // ------------------------------------------------------------------ paths (parallel branches)

  /** The cursor of a path: the instance itself for the main path (''), else the branch. */
  private cursor(inst: InstanceRecord, key: string): Cursor {
    return key === '' ? inst : inst.branches![key]!;
  }

  /** Whether a path has forked into branches (it rests at their join). */
  private forked(inst: InstanceRecord, key: string): boolean {
    if (!inst.branches) return false;
    for (const k in inst.branches) if (inst.branches[k]!.parent === key) return true;
    return false;
  }

  /** The paths that run or wait: the main path unless forked, and branches neither done nor forked. */
  private livePaths(inst: InstanceRecord): readonly string[] {
    if (!inst.branches) return MAIN_PATH_ONLY;
    const out = this.forked(inst, '') ? [] : [''];
    for (const [k, b] of Object.entries(inst.branches ?? {})) if (b.done === null && !this.forked(inst, k)) out.push(k);
    return out;
  }

  private timerKey(inst: InstanceRecord, key: string): string {
    return key === '' ? inst.id : `${inst.id}\u0000${key}`;
  }

  private removeTimers(inst: InstanceRecord): void {
    this.setTimer(inst, inst.id, null);
    for (const k of Object.keys(inst.branches ?? {})) this.setTimer(inst, this.timerKey(inst, k), null);
  }

  /** Marks the instance changed: its transition commits it (commit). */
  private save(inst: InstanceRecord): void {
    this.tx(inst);
  }

  /** While in a parallel, the instance's reason and waitingUntil summarize its branches. */
  private summarize(inst: InstanceRecord): void {
    if (inst.status === 'in_progress' && inst.branches && Object.keys(inst.branches).length) {
      const live = this.livePaths(inst).map((k) => this.cursor(inst, k));
      const waiting = live.filter((c) => c.waitingUntil !== null);
      if (live.length && waiting.length === live.length) {
        inst.reason = 'waiting';
        inst.waitingUntil = Math.min(...waiting.map((c) => c.waitingUntil!));
      } else inst.reason = 'in_step';
    }
  }

  /** Ends the whole instance (every branch). */
  private end(inst: InstanceRecord, status: InstanceRecord['status'], reason: string, message?: string): void {
    this.removeTimers(inst);
    this.finish(inst, status, reason, message);
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
    delete br.wait;
    const siblings = Object.entries(inst.branches!).filter(([, b]) => b.parent === br.parent && b.parallel === br.parallel);
    if (siblings.some(([, b]) => b.done === null)) return this.save(inst);
    for (const [k] of siblings) delete inst.branches![k];
    if (!Object.keys(inst.branches!).length) delete inst.branches;
    const arrived = siblings.filter(([, b]) => b.done === 'arrived');
    if (!arrived.length) {
      if (br.parent !== '') return yield* this.branchDone(inst, flow, br.parent, 'stopped');
      this.finish(inst, 'completed', 'all_steps_done');
      return this.save(inst);
    }
    const parent = this.cursor(inst, br.parent);
    parent.due = Math.max(...arrived.map(([, b]) => b.due));
    parent.waitingUntil = null;
    parent.waitingFor = null;
    if (br.parent === '') inst.reason = 'in_step';
    yield* this.advanceCo(inst, flow, br.parent);
  }

  /** Exit criteria and `wait for` blocks of the customer's instances in progress. */
  private *inFlightCo(event: EngineEvent, at: number, profile: CustomerProfile, tev: TriggerEvent, queued: boolean, reads: EventReads | undefined): Co<void> {
    let pending: PromiseLike<void> | undefined;
    let instances: InstanceRecord[];
    if (reads) instances = reads.inFlight;
    else {
      const got = this.store.inFlightOfCustomer(event.customer);
      instances = (isThenable(got) ? yield got : got) as InstanceRecord[];
    }
    // Stateless matching for exits and waits: the snapshots say what changed.
    const matches = (p: VerifiedProgram, name: number, opts: ProgramOption[]) => catalogMatch(str(p, name), matcherOptions(p, opts), tev, {}).fires.length > 0;
    for (const inst of instances) {
      if (inst.status !== 'in_progress') continue;
      // Read for this event (its own objects): moving it answers from and updates the event's reads.
      if (reads) this.readsOf.set(inst, reads);
      // Moved by this very event before (an earlier attempt of it, cut short by a crash).
      if (queued && inst.lastEvent === event.id) continue;
      const flow = this.byVersion.get(inst.version);
      if (!flow) continue;
      const p = flow.program;
      const env = (): EvalEnv => ({ now: this.clock.now(), zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited, event: contextsOf(event) });
      if (!this.inFolderSegment(flow, profile)) {
        this.end(inst, 'stopped', 'outside_segment', `left segment ${str(p, p.flow.segment!)} (event ${event.id})`);
        inst.lastEvent = event.id;
        if ((pending = this.commit(inst))) yield pending;
        continue;
      }
      try {
        const exit = p.flow.exits.find((x) => str(p, x.event) === event.type && matches(p, x.event, x.options) && (x.where === null || evaluateCondition(p, x.where, env())));
        if (exit) {
          this.end(inst, 'stopped', 'exit_event', `exit on ${event.type} (event ${event.id})`);
          inst.lastEvent = event.id;
          if ((pending = this.commit(inst))) yield pending;
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
          delete cur.wait;
          if (key === '') inst.reason = 'in_step';
          this.setTimer(inst, this.timerKey(inst, key), null);
          yield* this.advanceCo(inst, flow, key);
        }
      } catch (e) {
        if (!(e instanceof EvalError)) throw e;
        this.end(inst, 'error', 'eval_error', e.message);
      }
      // Only an instance this event changed is written.
      if (this.txs.has(inst)) {
        inst.lastEvent = event.id;
        if ((pending = this.commit(inst))) yield pending;
      }
    }
  }

  // ------------------------------------------------------------------ timers and flow status

  /**
   * The generator behind `fireDue()` (for drivers that compose engine work, such as simulate):
   * timers and schedule runs due by `upTo`, in time order (timers due at a run's time go first).
   */
  *fireDueCo(upTo: number, schedules: boolean, budget = Infinity, concurrency = 1): Co<number> {
    let fired = 0;
    for (;;) {
      // Runs under way go on first: what comes after them waits for them, as when runs were made whole.
      while (this.runsUnderway.length) {
        const run = this.runsUnderway[0]!;
        fired += yield* this.scheduledRunCo(run, budget - fired, concurrency);
        if (this.runsUnderway[0] === run) return fired;
      }
      if (fired >= budget) return fired;
      const run = schedules ? this.nextScheduleRun(upTo) : null;
      fired += yield* this.fireTimersCo(run ? run.at : upTo, budget - fired);
      if (!run || fired >= budget) return fired;
      if (this.missedRuns === 'latest-run') {
        // Skip to the last run due by `upTo`: earlier ones were missed while nothing ran.
        let last = run.at;
        for (let t = nextRun(run.trigger.every, run.trigger.times, run.flow.zone, last, run.flow.launchedAt); t <= upTo; t = nextRun(run.trigger.every, run.trigger.times, run.flow.zone, t, run.flow.launchedAt)) last = t;
        run.at = last;
      }
      run.flow.nextRuns.set(run.index, nextRun(run.trigger.every, run.trigger.times, run.flow.zone, run.at, run.flow.launchedAt));
      this.clock.advanceTo(run.at);
      fired++;
      if (run.flow.status === 'active' && run.flow.current) {
        run.flow.lastRuns.set(run.index, run.at);
        // Who is in the segment at the run's time: the customers it enters, however long it takes.
        const segment = this.runSegment(run.flow, run.trigger);
        const customers = yield* aw(this.store.listCustomers(segment));
        this.runsUnderway.push({ flow: run.flow, index: run.index, at: run.at, segment, customers, next: 0 });
      }
    }
  }

  private runSegment(flow: LoadedFlow, trigger: Extract<VerifiedProgram['triggers'][number], { kind: 'schedule' }>): string | undefined {
    return trigger.segment !== null ? str(flow.program, trigger.segment) : undefined;
  }

  /**
   * Makes again the latest run of each schedule trigger of the active flows, when it began at
   * `since` or later, for the customers `customers` lists (of the run's segment, or all when
   * undefined; runtimes sharing a store: those of the shards just taken over from a runtime that
   * may have died half way through a run). The runs go on with the next `fireDue` calls, before
   * anything else due; customers the run entered already are passed over (a run's journey id is
   * the same), so only those it had not reached enter. Its customers are the segment's now, not at
   * the run's time (nothing kept says who was in it then). Returns how many customers the runs
   * will look at.
   */
  remakeRuns(customers: (segment: string | undefined) => Awaitable<string[]>, since: number): Promise<number> {
    return runAsync(this.remakeRunsCo(customers, since));
  }

  *remakeRunsCo(list: (segment: string | undefined) => Awaitable<string[]>, since: number): Co<number> {
    let n = 0;
    for (const f of this.flows) {
      if (f.status !== 'active') continue;
      for (const [index, at] of f.lastRuns) {
        const trigger = f.program.triggers[index];
        if (at < since || trigger?.kind !== 'schedule') continue;
        const segment = this.runSegment(f, trigger);
        const customers = yield* aw(list(segment));
        if (!customers.length) continue;
        this.runsUnderway.push({ flow: f, index, at, segment, customers, next: 0 });
        n += customers.length;
      }
    }
    return n;
  }

  /** The earliest schedule run due by `upTo` over the current versions (ties: flow id order, then trigger). */
  private nextScheduleRun(upTo: number): { flow: LoadedFlow; index: number; trigger: Extract<VerifiedProgram['triggers'][number], { kind: 'schedule' }>; at: number } | null {
    let best: ReturnType<Engine['nextScheduleRun']> = null;
    for (const f of this.flows) {
      for (const [i, at] of f.nextRuns) {
        if (at > upTo || (best && at >= best.at)) continue;
        const t = f.program.triggers[i]!;
        if (t.kind === 'schedule') best = { flow: f, index: i, trigger: t, at };
      }
    }
    return best;
  }

  /**
   * A run of a scheduled flow: every customer of its segment (all customers without one) at that
   * moment enters, as if an event had come for each, with the same entry checks (folder segment,
   * launch limit). The instance id is `<flow>/<customer>/run:<time>`. Enters up to `budget`
   * customers; the run stays under way until all did, or the flow is paused, stopped or replaced,
   * or a store call fails (the rest of the run does not enter then, as when a run was made at
   * once). Returns how many customers it took.
   */
  private *scheduledRunCo(run: RunUnderway, budget: number, concurrency: number): Co<number> {
    let done = 0;
    const runId = `${RUN_EVENT_PREFIX}${iso(run.at)}`;
    const atText = new Date(run.at).toISOString();
    try {
      while (run.next < run.customers.length && done < budget && run.flow.status === 'active' && run.flow.current) {
        const n = Math.max(1, Math.min(concurrency, run.customers.length - run.next, budget - done));
        if (n === 1) yield* this.customerWork(run, runId, atText, run.customers[run.next]!);
        // Every one of them settles before the run goes on or fails: none runs on past it.
        else yield allSettledOrThrow(run.customers.slice(run.next, run.next + n).map((c) => runAsync(this.customerWork(run, runId, atText, c))));
        run.next += n;
        done += n;
      }
    } finally {
      if (run.next >= run.customers.length || done < budget) this.runsUnderway = this.runsUnderway.filter((r) => r !== run);
    }
    return done;
  }

  /** The work of a run's customer: a store shared with other workers may have handed the customer over (runCustomerOrPassCo); the embedded one never does. */
  private customerWork(run: RunUnderway, runId: string, atText: string, customer: string): Co<void> {
    return this.store.worksOn ? this.runCustomerOrPassCo(run, runId, atText, customer) : this.runCustomerCo(run, runId, atText, customer);
  }

  /**
   * A customer of a run enters; one whose data another worker took over meanwhile (before or while
   * entering: its commit was refused) is passed over, not a failure of the run.
   */
  private *runCustomerOrPassCo(run: RunUnderway, runId: string, atText: string, customer: string): Co<void> {
    // A run outlives its start: a customer whose data another worker took over since is not this one's to enter.
    if (this.store.worksOn?.(customer) === false) return;
    try {
      yield* this.runCustomerCo(run, runId, atText, customer);
    } catch (e) {
      if (this.store.worksOn?.(customer) !== false) throw e;
    }
  }

  /**
   * One customer of a scheduled run (`runId`, its time as ISO text `atText`) enters, or is refused;
   * or is passed over when not in the run's segment any more (left it since the run began, or a
   * store's segment index listed them wrongly).
   */
  private *runCustomerCo(run: RunUnderway, runId: string, atText: string, customer: string): Co<void> {
    let pending: PromiseLike<void> | undefined;
    const { flow, at } = run;
    const event = { id: runId, type: 'schedule', customer, at: atText } as EngineEvent;
    const inst = this.newInstance(flow, event, at, { key: 'once', context: {} });
    // A store with round trips reads the customer's profile, launch record and this journey at once, as for an event.
    let reads: EventReads | undefined;
    let made: boolean;
    if (this.store.readForEvent) {
      reads = eventReads((yield this.store.readForEvent(customer, { launches: [flow.id], matches: [], instances: [inst.id] })) as StoreEventReads);
      made = reads.instances.get(inst.id) === true;
    } else {
      const got = this.store.getInstance(inst.id);
      made = (isThenable(got) ? yield got : got) !== undefined;
    }
    // A run already made (a runtime restarted before it stored that it had run) is not made again.
    if (made) return;
    if (reads) this.readsOf.set(inst, reads);
    const storedRead = this.profileOf(customer, reads);
    const stored = (isThenable(storedRead) ? yield storedRead : storedRead) as CustomerProfile | undefined;
    if (run.segment !== undefined && !(stored?.segments ?? []).includes(run.segment)) return;
    const profile = stored ?? { id: customer };
    if (!this.inFolderSegment(flow, profile)) {
      this.finish(inst, 'stopped', 'outside_segment');
      if ((pending = this.commit(inst))) yield pending;
      return;
    }
    const recordRead = this.launchRecordOf(flow, customer, reads);
    const record = (isThenable(recordRead) ? yield recordRead : recordRead) as LaunchRecord | undefined;
    const refusal = this.launchRefusal(flow, record, at);
    if (refusal) {
      if ((pending = this.refuse({ flow: flow.id, customer, event: runId, reason: 'launch_limit', message: refusal }))) yield pending;
      return;
    }
    this.tx(inst).launchRead = record ?? null;
    yield* this.advanceCo(inst, flow);
    if ((pending = this.commit(inst))) yield pending;
  }

  /** Whether the customer is in the segment the flow's folder is limited to (true when it is not limited). */
  private inFolderSegment(flow: LoadedFlow, profile: CustomerProfile): boolean {
    const seg = flow.program.flow.segment;
    return seg === null || (profile.segments ?? []).includes(str(flow.program, seg));
  }

  /**
   * The customer's stored profile: from the reads of the work under way when it has them, else from
   * the store. Not a generator (callers take a synchronous store's answer at once): a generator per
   * journey showed in CPU and allocation profiles of `node scripts/run-bench.mjs engine`.
   */
  private profileOf(customer: string, reads: EventReads | undefined): Awaitable<CustomerProfile | undefined> {
    return reads ? reads.profile : this.store.getCustomer(customer);
  }

  /** The flow's launch record of the customer (from the work's reads when it has them); not a generator, as profileOf. */
  private launchRecordOf(flow: LoadedFlow, customer: string, reads: EventReads | undefined): Awaitable<LaunchRecord | undefined> {
    if (reads?.launches.has(flow.id)) return reads.launches.get(flow.id);
    return this.store.getLaunchRecord(flow.id, customer);
  }

  /** Why the launch limit refuses the customer now (given their launch record), or null when it lets them in. */
  private launchRefusal(flow: LoadedFlow, limit: LaunchRecord | undefined, now: number): string | null {
    if (!limit) return null;
    const entry = flow.program.flow.entry;
    if (entry.mode === 'once' && limit.launches > 0) return 'entry once: launched before';
    if (entry.mode === 'every' && limit.lastStepAt !== null && now < limit.lastStepAt + entry.periodMs) return `entry every: not before ${iso(limit.lastStepAt + entry.periodMs)}`;
    return null;
  }

  private *fireTimersCo(upTo: number, budget: number): Co<number> {
    const claimed: { batch: Timer[]; next: number; current?: Timer | undefined } = { batch: [], next: 0 };
    try {
      return yield* this.fireTimersLoop(upTo, claimed, budget);
    } catch (e) {
      // The claims not handled go back, the one that failed too (a store down for a moment must not
      // lose a customer): a store without leases (the embedded one) took them for good. A store
      // with leases gets them back by itself when the leases run out, and must not be given them
      // back: the failed commit may have run (its reply lost) and set the path's next timer under
      // the same key, which the old one would overwrite.
      if (!this.store.claimsAreLeased) {
        if (claimed.current) yield this.store.addTimer(claimed.current);
        for (let i = claimed.next; i < claimed.batch.length; i++) yield this.store.addTimer(claimed.batch[i]!);
      }
      throw e;
    }
  }

  private *fireTimersLoop(upTo: number, claimed: { batch: Timer[]; next: number; current?: Timer | undefined }, budget: number): Co<number> {
    let pending: PromiseLike<void> | undefined;
    let fired = 0;
    // Claimed in batches. A timer set while firing may be due before the rest of a batch: the
    // store's earliest goes first whenever it sorts strictly before the next claimed one (a tie
    // was added later, so it comes after), which keeps the one-at-a-time order.
    for (;;) {
      let timer: { instance: string; due: number } | undefined;
      if (claimed.next < claimed.batch.length) {
        // Only a timer set since the claim can sort before the rest of the batch: ask the store
        // for its earliest only then (on Redis that is a look at every shard).
        const nextDue = claimed.batch[claimed.next]!.due;
        let head: number | null = null;
        if (this.earliestTimerSet < nextDue) {
          head = (yield this.store.nextTimerDue()) as number | null;
          // What the store holds now is known: only timers set from here on can be earlier.
          this.earliestTimerSet = head ?? Infinity;
        }
        if (head !== null && head < nextDue) {
          // Another may be as early behind it: look again next time.
          this.earliestTimerSet = head;
          [timer] = (yield this.store.claimDueTimers(upTo, 1)) as Timer[];
        } else timer = claimed.batch[claimed.next++];
      } else {
        // No more claimed than the budget lets fire: a claim left over would wait out its lease.
        if (fired >= budget) return fired;
        this.earliestTimerSet = Infinity;
        claimed.batch = (yield this.store.claimDueTimers(upTo, Math.min(256, budget - fired))) as Timer[];
        claimed.next = 0;
        timer = claimed.batch[claimed.next++];
      }
      claimed.current = timer;
      if (!timer) return fired;
      fired++;
      this.clock.advanceTo(timer.due);
      const sep = timer.instance.indexOf('\u0000');
      const id = sep < 0 ? timer.instance : timer.instance.slice(0, sep);
      const key = sep < 0 ? '' : timer.instance.slice(sep + 1);
      // A store with round trips reads the instance with its profile and launch record at once.
      let inst: InstanceRecord | undefined;
      let reads: EventReads | undefined;
      if (this.store.readForInstance) {
        const r = (yield this.store.readForInstance(id)) as InstanceReads | undefined;
        inst = r?.instance;
        if (r) reads = { profile: r.profile, stored: r.profile, inFlight: [], launches: new Map([[r.instance.flow, r.launch]]), matches: new Map(), instances: new Map() };
      } else {
        const got = this.store.getInstance(id);
        inst = (isThenable(got) ? yield got : got) as InstanceRecord | undefined;
      }
      const flow = inst ? this.byVersion.get(inst.version) : undefined;
      const live = inst !== undefined && inst.status === 'in_progress' && (key === '' ? !this.forked(inst, '') : !!inst.branches?.[key] && inst.branches[key].done === null && !this.forked(inst, key));
      if (!inst || !flow || !live || this.cursor(inst, key).waitingUntil !== timer.due) {
        // Stale (the path moved on): acknowledge the claim so it does not come back.
        yield this.store.removeTimer(timer.instance);
        continue;
      }
      const cur = this.cursor(inst, key);
      // The claim is acknowledged with the step's commit (a path that waits again sets it anew).
      this.setTimer(inst, timer.instance, null);
      if (flow.status !== 'active') {
        this.end(inst, 'stopped', 'flow_stopped');
        if ((pending = this.commit(inst))) yield pending;
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
      delete cur.wait;
      if (key === '') inst.reason = 'in_step';
      // The step's reads come from what was read with the instance.
      if (reads) this.readsOf.set(inst, reads);
      yield* this.advanceCo(inst, flow, key);
      if ((pending = this.commit(inst))) yield pending;
    }
  }

  /** The generator behind `setFlowStatus()` (for drivers that compose engine work, such as simulate). */
  *setFlowStatusCo(flowId: string, status: FlowStatus): Co<void> {
    let pending: PromiseLike<void> | undefined;
    const versions = this.history.get(flowId);
    if (!versions) throw new Error(`no flow ${flowId}`);
    const current = versions[versions.length - 1]!;
    const was = current.status;
    // A stopped version is over (active ⇄ paused only): launching a version is how a flow comes back.
    if (was === 'stopped') {
      if (status === 'stopped') return;
      throw new FlowStateError(`flow ${flowId} is stopped; launch a version of it to run it again`);
    }
    current.status = status;
    if (status === 'stopped') current.endedAt = this.clock.now();
    // A run paused or stopped half way is over: not made again (remakeRuns), even once resumed.
    if (status !== 'active') current.lastRuns.clear();
    if (status === 'active' && was !== 'active') {
      current.endedAt = null;
      // A resumed schedule runs from now on: runs while paused are not made up.
      this.rescheduleFrom(current, this.clock.now());
    }
    if (status === 'active') return;
    for (const inst of yield* aw(this.store.listInFlight({ flow: flowId }))) {
      if (inst.status !== 'in_progress') continue;
      this.end(inst, 'stopped', 'flow_stopped', `the flow was ${status}`);
      if ((pending = this.commit(inst))) yield pending;
    }
  }

  /**
   * Brings the customers in flight in line with the flows as they are now (a runtime sharing its
   * store with others, after another changed a flow: runtime/server/shared-runtime.ts): one in a paused or
   * stopped flow stops (`flow_stopped`), one on a replaced version moves onto the current one, as
   * setFlowStatus and launch would have done. `instances` lists those to look at (default: what the
   * store lists in flight, on the shards this runtime works on).
   */
  reconcile(instances?: () => Promise<InstanceRecord[]>): Promise<number> {
    return runAsync(this.reconcileCo(instances));
  }

  private *reconcileCo(instances?: () => Promise<InstanceRecord[]>): Co<number> {
    let pending: PromiseLike<void> | undefined;
    let changed = 0;
    for (const inst of yield* aw(instances ? instances() : this.store.listInFlight())) {
      if (inst.status !== 'in_progress') continue;
      const from = this.byVersion.get(inst.version);
      const cur = from ? this.history.get(from.id)?.at(-1) : undefined;
      if (!from || !cur) continue;
      if (cur.status !== 'active') this.end(inst, 'stopped', 'flow_stopped', `the flow was ${cur.status}`);
      else if (cur !== from) yield* this.migrate(inst, from, cur);
      else continue;
      if ((pending = this.commit(inst))) yield pending;
      changed++;
    }
    return changed;
  }

  private rescheduleFrom(f: LoadedFlow, after: number): void {
    for (const [i, t] of f.program.triggers.entries()) if (t.kind === 'schedule') f.nextRuns.set(i, nextRun(t.every, t.times, f.zone, after, f.launchedAt));
  }

  // ------------------------------------------------------------------ versions

  /** The generator behind `launch()` (for drivers that compose engine work, such as simulate). */
  *launchCo(program: VerifiedProgram): Co<void> {
    let pending: PromiseLike<void> | undefined;
    const id = str(program, program.flow.id);
    const versions = this.history.get(id) ?? [];
    const old = versions[versions.length - 1];
    if (old && old.program.hash === program.hash) {
      // The same version again: it is (again) the one that runs.
      if (old.status !== 'active') {
        // Even a stopped version: launching it is how a flow comes back.
        old.status = 'active';
        old.endedAt = null;
        this.rescheduleFrom(old, this.clock.now());
      }
      return;
    }
    const f = this.byVersion.get(program.hash) ?? this.load(program);
    f.current = true;
    f.status = 'active';
    f.launchedAt = this.clock.now();
    f.endedAt = null;
    this.rescheduleFrom(f, f.launchedAt);
    if (old) {
      old.current = false;
      old.endedAt ??= this.clock.now();
    }
    this.history.set(id, [...versions.filter((v) => v !== f), f]);
    this.reindex();
    if (!old) return;
    // Customers in flight move onto the new version.
    for (const inst of yield* aw(this.store.listInFlight({ flow: id }))) {
      if (inst.status !== 'in_progress' || inst.version === program.hash) continue;
      const from = this.byVersion.get(inst.version);
      if (!from) continue;
      yield* this.migrate(inst, from, f);
      if ((pending = this.commit(inst))) yield pending;
    }
  }

  /**
   * Moves an instance at rest onto another version, by block id: a path waiting in a wait block
   * continues from the new version's block of that id (its timer keeps its time); a path resting
   * at a join, or a branch, needs its parallel and join there too. Otherwise the customer stops
   * with `wait_block_deleted`. Contexts stay as kept by the old version.
   */
  private *migrate(inst: InstanceRecord, from: LoadedFlow, to: LoadedFlow): Co<void> {
    const idOf = (i: number) => str(from.program, from.program.blocks[i]!.id);
    const map = (i: number): number | undefined => to.blockIndex.get(idOf(i));
    const missing: string[] = [];
    /** The same block (by id and kind) in the new version. */
    const same = (cur: Cursor): void => {
      const j = map(cur.block);
      if (j === undefined || to.program.blocks[j]!.kind !== from.program.blocks[cur.block]!.kind) missing.push(idOf(cur.block));
      else cur.block = j;
    };
    const move = (cur: Cursor & { wait?: number }, forked: boolean): void => {
      // A forked path rests at its join (its waitingUntil, if any, only summarizes its branches).
      if (forked || cur.waitingUntil === null) return same(cur);
      const oldWait = cur.waitingFor ?? cur.wait;
      // Parked before a step group not due yet (an event dated in the future): that group, by id.
      if (oldWait === undefined) return same(cur);
      const j = map(oldWait);
      const nb = j === undefined ? undefined : to.program.blocks[j]!;
      const ob = from.program.blocks[oldWait]!;
      const isEvent = (k: string) => k === 'wait_event';
      if (j === undefined || !nb || !nb.kind.startsWith('wait') || isEvent(nb.kind) !== isEvent(ob.kind)) return missing.push(idOf(oldWait)), undefined;
      if (nb.kind === 'wait_event') {
        cur.waitingFor = j;
        cur.block = j;
      } else {
        cur.wait = j;
        if (nb.kind === 'wait_fixed' || nb.kind === 'wait_until' || nb.kind === 'wait_within') cur.block = nb.next;
      }
    };
    move(inst, this.forked(inst, ''));
    for (const [k, br] of Object.entries(inst.branches ?? {})) {
      const par = map(br.parallel);
      const join = map(br.join);
      if (par === undefined || join === undefined) {
        missing.push(idOf(par === undefined ? br.parallel : br.join));
        continue;
      }
      br.parallel = par;
      br.join = join;
      if (br.done === null) move(br, this.forked(inst, k));
    }
    if (missing.length) {
      const what = [...new Set(missing)].join(', ');
      this.end(inst, 'stopped', 'wait_block_deleted', `the version launched has no block ${what}`);
      return;
    }
    inst.version = to.program.hash;
    this.tx(inst);
  }

  // ------------------------------------------------------------------ running blocks

  /**
   * Parks a path until `until` (a timer), in progress / waiting; `wait` is the wait block it waits
   * in (null: a step group not due yet, which keeps everything). Once every live path is parked in
   * a wait, the instance keeps only the context paths those waits' `keeps` name.
   */
  private park(inst: InstanceRecord, flow: LoadedFlow, key: string, until: number, waitingFor: number | null, wait: number | null): void {
    const cur = this.cursor(inst, key);
    cur.waitingUntil = until;
    cur.waitingFor = waitingFor;
    if (wait === null) delete cur.wait;
    else cur.wait = wait;
    if (key === '') {
      inst.status = 'in_progress';
      inst.reason = 'waiting';
    }
    this.prune(inst, flow);
    this.setTimer(inst, this.timerKey(inst, key), until);
  }

  /** Cuts the instance's contexts down to what its parked paths' waits keep (when all are parked in waits). */
  private prune(inst: InstanceRecord, flow: LoadedFlow): void {
    const p = flow.program;
    if (!inst.branches) {
      // One path (most journeys): no lists to gather.
      if (inst.waitingUntil === null || inst.wait === undefined) return;
      const b = p.blocks[inst.wait]!;
      if ('keeps' in b) this.pruneTo(inst, keepTrees(p, b));
      return;
    }
    const waits: number[] = [];
    for (const k of this.livePaths(inst)) {
      const c = this.cursor(inst, k);
      if (c.waitingUntil === null || c.wait === undefined) return;
      waits.push(c.wait);
    }
    if (!waits.length) return;
    const blocks = waits.map((w) => p.blocks[w]!);
    if (blocks.some((b) => !('keeps' in b))) return;
    this.pruneTo(inst, blocks.length === 1 ? keepTrees(p, blocks[0]!) : keepTreesOf(p, blocks));
  }

  private pruneTo(inst: InstanceRecord, { trigger, awaited }: KeepTrees): void {
    inst.contexts = pruneContexts(inst.contexts, trigger);
    if (awaited.size === 0) {
      // Nothing awaited is kept (most waits): a new empty object only when there was something.
      for (const _ in inst.awaited) {
        inst.awaited = {};
        break;
      }
      return;
    }
    const kept: InstanceRecord['awaited'] = {};
    for (const [src, t] of awaited) if (inst.awaited[src]) kept[src] = pruneContexts(inst.awaited[src], t);
    inst.awaited = kept;
  }

  /** A limit block: whether one more customer is within it now (and counts them if so). */
  private admit(inst: InstanceRecord, flow: LoadedFlow, b: Extract<ProgramBlock, { kind: 'limit' }>, blockId: string, now: number): Awaitable<boolean> {
    const p = flow.program;
    // A budget's admissions are shared by every block naming it, in any flow; a block's own by flow and block id.
    const base = b.budget !== null ? `budget:${str(p, b.budget)}` : `limit:${flow.id}:${blockId}`;
    // The journey at this block counts once, however often it is run again (a retry after a crash).
    // Block ids hold no U+0000, so the member reads back unambiguously.
    const member = `${blockId}\u0000${inst.id}`;
    if ('ms' in b.period) return this.store.admitInWindow(base, member, now, b.period.ms, b.count, b.period.ms + KEEP_MARGIN_MS);
    return this.store.admitInPeriod(`${base}:${calendarPeriodKey(now, b.period.unit, flow.zone)}`, member, b.count, PERIOD_KEEP_MS[b.period.unit]);
  }

  /** Runs a path of the instance (the main path '', or a parallel branch) from its block until it waits or leaves. */
  private *advanceCo(inst: InstanceRecord, flow: LoadedFlow, key = ''): Co<void> {
    const p = flow.program;
    const cur = this.cursor(inst, key);
    // The instance's open transition: a run of a path always changes the instance.
    const tx = this.tx(inst);
    // Fetched once per run of the path; step groups that edit the profile hand back the new one.
    // Edits of an earlier path of this step (parallel branches) are not committed yet: they come first.
    const reads = this.readsOf.get(inst);
    let profile: CustomerProfile;
    // What is stored, which edits of this run are made from (unless an earlier path of this step edited it).
    let base: CustomerProfile | null = null;
    if (tx.profile) profile = tx.profile;
    else {
      const read = this.profileOf(inst.customer, reads);
      const got = (isThenable(read) ? yield read : read) as CustomerProfile | undefined;
      base = (reads ? reads.stored : got) ?? null;
      profile = got ?? { id: inst.customer };
    }
    // One environment for the whole run of the path: the clock and the profile are updated in it.
    // ev.customer is kept the profile of the run (a step group's edits replace both).
    const ev: EvalEnv = { now: 0, zone: flow.zone, customer: profile, contexts: inst.contexts, awaited: inst.awaited };
    try {
      for (;;) {
        const now = this.clock.now();
        ev.now = now;
        const b: ProgramBlock = p.blocks[cur.block]!;
        const blockId = str(p, b.id);
        switch (b.kind) {
          case 'steps': {
            if (cur.due > now) return this.park(inst, flow, key, cur.due, null, null);
            if (now > cur.due + b.relevanceMs) {
              return this.end(inst, 'stopped', 'relevance_expired', `${blockId} was due ${new Date(cur.due).toISOString()} with relevance ${b.relevanceMs / 1000}s`);
            }
            // A folder limited to a segment: a customer who left it stops before the next step group.
            if (!this.inFolderSegment(flow, profile)) return this.end(inst, 'stopped', 'outside_segment', `not in segment ${str(p, p.flow.segment!)} any more`);
            if (key === '') inst.reason = 'in_step';
            // Every action is evaluated before any goes out: a group runs whole or not at all.
            const from = tx.effects.length;
            try {
              for (let i = 0; i < b.actions.length; i++) tx.effects.push(this.effect(p, b.actions[i]!, ev, inst, blockId, i, flow.id));
            } catch (e) {
              tx.effects.length = from;
              throw e;
            }
            const edited = this.applyToProfile(profile, tx.effects, from);
            if (edited !== profile) {
              if (!tx.profile) tx.profileBase = base;
              profile = ev.customer = tx.profile = edited;
            }
            let rec = tx.launch;
            if (!rec) {
              let read = tx.launchRead;
              if (read === undefined) {
                const got = this.launchRecordOf(flow, inst.customer, reads);
                read = (isThenable(got) ? yield got : got) as LaunchRecord | undefined;
              }
              rec = { ...(read ?? { launches: 0, lastStepAt: null }) };
            }
            rec.lastStepAt = now;
            if (!inst.launched) rec.launches++;
            inst.launched = true;
            tx.launch = rec;
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key));
            cur.block = b.next;
            break;
          }
          case 'wait_fixed':
          case 'wait_until':
          case 'wait_within': {
            const waitAt = cur.block;
            if (b.kind === 'wait_fixed') cur.due += b.durationMs;
            else if (b.kind === 'wait_until') {
              const m = evaluateMoment(p, b.at, ev);
              if (m === null) {
                if (b.otherwise.kind !== 'wait') {
                  tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key));
                  return this.end(inst, 'stopped', 'dynamic_wait_missing');
                }
                cur.due += b.otherwise.ms;
              } else cur.due = Math.max(cur.due, m);
            } else cur.due = nextWindowOpen(cur.due + b.durationMs, b.days, b.from, b.to, flow.zone);
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key, 'until', cur.due));
            cur.block = b.next;
            if (cur.due > now) return this.park(inst, flow, key, cur.due, null, waitAt);
            break;
          }
          case 'wait_event': {
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key, 'until', cur.due + b.timeoutMs));
            return this.park(inst, flow, key, cur.due + b.timeoutMs, cur.block, cur.block);
          }
          case 'if': {
            // The first branch whose condition holds, or -1 (a loop: no closure per if block).
            let i = 0;
            while (i < b.branches.length && !evaluateCondition(p, b.branches[i]!.cond, ev)) i++;
            if (i === b.branches.length) i = -1;
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key, 'branch', i));
            if (i < 0 && !b.hasElse && p.blocks[b.else]!.kind === 'end') {
              if (key !== '') return yield* this.branchDone(inst, flow, key, 'stopped');
              this.finish(inst, 'completed', 'final_condition_failed');
              return this.save(inst);
            }
            cur.block = i < 0 ? b.else : b.branches[i]!.next;
            break;
          }
          case 'split': {
            const bucket = splitBucket(flow.id, blockId, inst.customer);
            let acc = 0;
            const v = b.variants.find((x) => bucket < (acc += Number(constantValue(p.constants[x.percent]))));
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key, 'variant', v ? str(p, v.name) : 'control'));
            cur.block = v ? v.next : b.controlNext;
            break;
          }
          case 'stop':
          case 'end': {
            if (b.kind === 'stop') tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key));
            // In a parallel branch, only that branch ends.
            if (key !== '') return yield* this.branchDone(inst, flow, key, 'stopped');
            this.finish(inst, 'completed', 'all_steps_done');
            return this.save(inst);
          }
          case 'parallel': {
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key));
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
            return this.save(inst);
          }
          case 'join': {
            if (key !== '' && inst.branches![key]!.join === cur.block) return yield* this.branchDone(inst, flow, key, 'arrived');
            // The path that forked continues after its branches.
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key));
            cur.block = b.next;
            break;
          }
          case 'limit': {
            // Not a generator: a synchronous store's answer is used at once.
            const admitted = this.admit(inst, flow, b, blockId, now);
            const within = (isThenable(admitted) ? yield admitted : admitted) as boolean;
            tx.activity.push(activityStep(blockId, b.kind, now, p.hash, key, 'within', within));
            cur.block = within ? b.next : b.else;
            break;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      this.end(inst, 'error', 'eval_error', e.message);
    }
  }

  /** The effect of action `i` of a step group (contracts.md `effects[]`; field order as there: head, action, its fields, key, instance). */
  private effect(p: VerifiedProgram, a: Extract<ProgramBlock, { kind: 'steps' }>['actions'][number], env: EvalEnv, inst: InstanceRecord, block: string, i: number, flow: string): EffectRecord {
    // One object literal per kind: objects of one shape are what the runtime handles fastest.
    const at = env.now;
    const version = p.hash;
    const customer = inst.customer;
    const key = `${inst.id}/${block}/${i}`;
    const instance = inst.id;
    switch (a.kind) {
      case 'send':
        return { at, flow, version, customer, block, action: 'send', channel: str(p, a.channel), template: str(p, a.template), params: this.fields(p, a.params, env, true), key, instance };
      case 'webhook':
        return { at, flow, version, customer, block, action: 'webhook', method: str(p, a.method), url: str(p, a.url), body: this.fields(p, a.body, env, false), key, instance };
      case 'promo':
        return { at, flow, version, customer, block, action: 'promo', pool: str(p, a.pool), key, instance };
      case 'points':
        if (a.expiresMs === null) return { at, flow, version, customer, block, action: 'points', amount: evaluateJson(p, a.amount, env), account: str(p, a.account), key, instance };
        return { at, flow, version, customer, block, action: 'points', amount: evaluateJson(p, a.amount, env), account: str(p, a.account), expiresAt: iso(at + a.expiresMs), key, instance };
      case 'set':
        return { at, flow, version, customer, block, action: 'set', field: str(p, a.field), value: evaluateJson(p, a.value, env), key, instance };
      case 'segment_add':
      case 'segment_remove':
        return { at, flow, version, customer, block, action: a.kind, segment: str(p, a.segment), key, instance };
    }
  }

  /** A send's params or a webhook's body: each key with its value (a webhook body says null for missing; params leave it out). */
  private fields(p: VerifiedProgram, entries: ReadonlyArray<{ key: number; value: number }>, env: EvalEnv, dropMissing: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of entries) {
      const v = evaluateJson(p, f.value, env);
      if (v !== null || !dropMissing) out[str(p, f.key)] = v;
    }
    return out;
  }

  /** The embedded store applies data edits and segment moves to the profile at once, so later blocks see them. */
  private applyToProfile(current: CustomerProfile, effects: EffectRecord[], from: number): CustomerProfile {
    // Copy-on-write, at the first edit: the store owns the profile it handed out (and the VM may hold it).
    let profile = current;
    for (let i = from; i < effects.length; i++) {
      const e = effects[i]!;
      if (profile === current && (e.action === 'set' || e.action === 'segment_add' || e.action === 'segment_remove')) profile = { ...current };
      if (e.action === 'set') profile.fields = { ...profile.fields, [e['field'] as string]: e['value'] };
      else if (e.action === 'segment_add' && !(profile.segments ?? []).includes(e['segment'] as string)) profile.segments = [...(profile.segments ?? []), e['segment'] as string];
      else if (e.action === 'segment_remove') profile.segments = (profile.segments ?? []).filter((s) => s !== e['segment']);
    }
    return profile;
  }
}
