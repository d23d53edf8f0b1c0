/**
 * The store interface of the runtime (architecture.md): everything the engine keeps between
 * events. Browser-safe. Every method returns `Awaitable<T>`: the Redis store answers with
 * promises, the embedded in-memory store (memory-store.ts) answers at once, so the engine can
 * drive it synchronously (the CLI is synchronous) or asynchronously (see engine/co.ts).
 *
 * Ownership: the store owns its records. A record passed to a `put`/`append`/`add` method belongs
 * to the store from then on (the caller must not mutate it afterwards), and a record a `get`/`list`
 * method returns may be the store's own (the embedded store does not copy), so callers must not
 * mutate it, except to change a record they then put back. A store that serializes (Redis) copies
 * by nature and satisfies this trivially; the embedded store relies on it to avoid cloning.
 */
import type { CustomerProfile } from '../vm/customer.js';
import type { MatchState } from '../../stdlib/matchers.js';
import type { FlowStats } from './flow-stats.js';

export type { MatchState };

export type Awaitable<T> = T | PromiseLike<T>;

/** `in_progress` | `completed` | `stopped` | `error` with the reason codes of contracts.md. */
export type InstanceStatus = 'in_progress' | 'completed' | 'stopped' | 'error';

/** One block an instance passed through (the activity log's `steps`). */
export interface ActivityStep {
  block: string;
  kind: string;
  /** Epoch ms: when it ran. */
  at: number;
  /** The flow version (content hash) that executed it. */
  version: string;
  /** Waits: the expected exit time (epoch ms). */
  until?: number;
  /** Splits: the variant taken (`control` for the control group). */
  variant?: string;
  /** Ifs: the index of the branch taken, -1 for else / no match. */
  branch?: number;
  /** Steps run inside a parallel branch: the branch path, `<parallel id>/<branch label or index>` (nested: joined with `/`). */
  path?: string;
  /** Limits: whether the customer was within the limit (took the first branch). */
  within?: boolean;
}

/**
 * One branch of a `parallel` the instance is in (engine: the instance's main path forks into
 * branch cursors kept on the instance; the main path rests at the join until every branch has
 * arrived or stopped).
 */
export interface BranchRecord {
  /** The path this branch forked from: '' for the instance's main path, else another branch's key. */
  parent: string;
  /** Block index of its parallel and of the join it ends at. */
  parallel: number;
  join: number;
  /** Like the instance's own fields, for this branch. */
  block: number;
  due: number;
  waitingUntil: number | null;
  waitingFor: number | null;
  /** null while running or waiting; `arrived` at the join; `stopped` by a `stop` (or a split's control group). */
  done: 'arrived' | 'stopped' | null;
  /** While parked: the wait block it waits in (its `keeps` say what the instance must keep). */
  wait?: number;
}

/** A customer's journey through one flow, started by one event. */
export interface InstanceRecord {
  /** `<flow>/<customer>/<event id>...`: it begins with the flow's id and a slash (a store may find a flow's instances by it). */
  id: string;
  flow: string;
  /** The version it runs on (content hash). */
  version: string;
  customer: string;
  /** The id of the event that started it. */
  event: string;
  /** Epoch ms: when it entered (the virtual clock at entry). */
  enteredAt: number;
  /** Epoch ms: the schedule time reached so far (the event's own time plus the waits). */
  due: number;
  /** The block index to run next (when the timer fires, or now). */
  block: number;
  /** The trigger's context values (`order`, `item`...) as JSON. */
  contexts: Record<string, unknown>;
  /** What each `wait for` received, by block id. */
  awaited: Record<string, Record<string, unknown>>;
  status: InstanceStatus;
  reason: string;
  message?: string;
  /** Epoch ms of the expected exit of the current wait, or null. */
  waitingUntil: number | null;
  /** For `wait for`: the block index waited in (it reacts to events), else null. */
  waitingFor: number | null;
  /** While parked in a wait: that wait block's index (its `keeps`; moving to a new version by its id). */
  wait?: number;
  /** Whether a step group ran successfully in this pass (a launch counts once per pass). */
  launched: boolean;
  /** The launch key of the matcher (`once`, `item:<order>/<id>`, `product:<id>`...) when not `once`. */
  launch?: string;
  /** Parallel branches in progress, by branch key (see BranchRecord); absent or empty outside a parallel. */
  branches?: Record<string, BranchRecord>;
  /** The id of the last event that moved it while in flight (an exit, a `wait for`): that event, processed again after a crash, does not move it twice. */
  lastEvent?: string;
}

/** Per flow and customer: the launch-limit record (survives edits of the flow). */
export interface LaunchRecord {
  /** How many launches (passes with at least one successful step group). */
  launches: number;
  /** Epoch ms of the last successful step group, or null. */
  lastStepAt: number | null;
}

export interface Timer {
  /** The instance id; for a parallel branch, the instance id, U+0000 and the branch key. */
  instance: string;
  /** Epoch ms. */
  due: number;
}

/** An effect in the outbox (contracts.md `effects[]`, times as epoch ms here). */
export interface EffectRecord {
  /** Idempotency key: instance id, block id and the action's index in the block. */
  key: string;
  at: number;
  flow: string;
  version: string;
  customer: string;
  instance: string;
  block: string;
  action: 'send' | 'webhook' | 'promo' | 'points' | 'set' | 'segment_add' | 'segment_remove';
  [field: string]: unknown;
}

/** How the event of a scheduled run's customer is named: `run:<the run's time>` (engine.ts). */
export const RUN_EVENT_PREFIX = 'run:';

/** The identity of a did-not-enter record that is recorded once (Store.appendNotEntered), or undefined for those recorded each time. */
export function notEnteredOnceKey(r: NotEnteredRecord): string | undefined {
  if (r.flow === null || r.customer === null || r.event === null || r.reason === 'duplicate_event' || r.event.startsWith(RUN_EVENT_PREFIX)) return undefined;
  return `${r.flow}\u0000${r.customer}\u0000${r.event}\u0000${r.reason}`;
}

/** An event that did not enter a flow (contracts.md `notEntered[]`). */
export interface NotEnteredRecord {
  flow: string | null;
  customer: string | null;
  event: string | null;
  /** Epoch ms: when it was refused (the virtual clock), or null when unknown. */
  at: number | null;
  reason: 'historical_too_old' | 'condition_not_applied' | 'launch_limit' | 'flow_inactive' | 'trigger_mismatch' | 'duplicate_event' | 'invalid_event';
  message?: string;
}

/**
 * Everything one step of one instance changes, all of one customer: committed at once (on Redis,
 * one script call on the customer's slot, so a crash never leaves half a step).
 */
export interface Transition {
  /** The instance after the step. */
  instance: InstanceRecord;
  /** Timers of the instance's paths (timer keys as in Timer.instance): set to `due`, or cleared (null). */
  timers: Array<{ key: string; due: number | null }>;
  effects: EffectRecord[];
  activity: ActivityStep[];
  /** The flow's launch-limit record for the customer, when a step group ran. */
  launch?: { flow: string; record: LaunchRecord };
  /** The customer's profile after the step groups' data edits and segment moves. */
  profile?: CustomerProfile;
  /**
   * With `profile`: the stored profile it was made from (null: none was stored). A store that others
   * may write between the read and this commit (Redis: the HTTP API, other runtimes) merges the
   * change into what it finds instead of overwriting it (runtime/store/profile-merge.ts) and sets
   * `profile` to what it wrote. Without it, `profile` is written as it is.
   */
  profileBase?: CustomerProfile | null;
}

/** What processing one event reads of its customer, in one call (Store.readForEvent). */
export interface EventReadsQuery {
  /** The flows whose launch records to read. */
  launches: readonly string[];
  /** The matcher-state keys to read (Engine.matchStateKey, each of this customer). */
  matches: readonly string[];
  /** Instance ids whose existence to check (an event queued again must not launch twice). */
  instances: readonly string[];
  /** An event id to mark seen, as markEventSeen does (its answer in EventReads.firstSeen). */
  markSeen?: string;
}
export interface EventReads {
  profile: CustomerProfile | undefined;
  /** As inFlightOfCustomer. */
  inFlight: InstanceRecord[];
  /** Each flow asked for: its record, or undefined. */
  launches: Map<string, LaunchRecord | undefined>;
  /** Each key asked for: its state, or undefined. */
  matches: Map<string, MatchState | undefined>;
  /** Each id asked for: whether the instance exists. */
  instances: Map<string, boolean>;
  /** With `markSeen`: whether the event id was seen for the first time (false: a duplicate; the rest is then not read). */
  firstSeen?: boolean;
}

/** What firing a timer reads of its instance (Store.readForInstance). */
export interface InstanceReads {
  instance: InstanceRecord;
  profile: CustomerProfile | undefined;
  /** The launch record of the instance's flow for its customer. */
  launch: LaunchRecord | undefined;
}

/** A page of Store.recentInstances. */
export interface RecentPage {
  instances: InstanceRecord[];
  next: string | null;
}

/** A page cursor a store did not hand out (the HTTP API answers 400). */
export class BadCursorError extends Error {}

export interface Store {
  /**
   * Optional: everything processing one event of `customer` reads, in one call. A store whose calls
   * are round trips (Redis) implements it; the engine then asks nothing else of what it read during
   * the event (keeping the answers current with its own commits). A store without it is asked call
   * by call.
   */
  readForEvent?(customer: string, q: EventReadsQuery): Promise<EventReads>;
  /**
   * Optional, as readForEvent for a timer: the instance, its customer's profile and its flow's
   * launch record for the customer, in one call (undefined: no such instance).
   */
  readForInstance?(id: string): Promise<InstanceReads | undefined>;

  /**
   * Commits one step of one instance (see Transition). Every step changes its instance, and a store
   * may rely on it: the Redis store takes a commit whose instance is stored exactly as given for a
   * repeat of one it ran (sent again after a dropped connection) and writes nothing.
   */
  commit(t: Transition): Awaitable<void>;

  /** Small named documents of the runtime itself (the flow registry of `runnel serve`). */
  getMeta(key: string): Awaitable<string | undefined>;
  putMeta(key: string, value: string): Awaitable<void>;
  /** Writes the document only if it still is `expected` (undefined: absent); whether it did (runtimes sharing a store). */
  replaceMeta(key: string, expected: string | undefined, value: string): Awaitable<boolean>;

  // customers
  getCustomer(id: string): Awaitable<CustomerProfile | undefined>;
  /**
   * Stores the profile. With `base` (the stored profile it was made from; null: none), a store that
   * others write concurrently merges the change into what it holds now, as Transition.profileBase.
   */
  putCustomer(profile: CustomerProfile, base?: CustomerProfile | null): Awaitable<void>;

  // instances (by id and by customer)
  getInstance(id: string): Awaitable<InstanceRecord | undefined>;
  putInstance(instance: InstanceRecord): Awaitable<void>;
  /** The customer's instances, in the order they were created. */
  instancesOfCustomer(customer: string): Awaitable<InstanceRecord[]>;
  /** The customer's instances in progress (the ones events can move: exits, `wait for`), in the order they were created. */
  inFlightOfCustomer(customer: string): Awaitable<InstanceRecord[]>;
  /** Every instance, in the order they were created (admin views, the simulator; the activity log pages recentInstances). */
  listInstances(filter?: { flow?: string; customer?: string }): Awaitable<InstanceRecord[]>;
  /**
   * A page of instances (of one flow when given), newest created first: up to `limit`, below the
   * cursor `before` (a `next` of an earlier page; absent: from the newest). `next` is where the
   * following page starts, null at the end. A page may hold fewer than `limit` and still have a
   * `next`: a store bounds the work of one page (the activity log reads it page by page).
   * Throws BadCursorError for a cursor it did not hand out.
   */
  recentInstances(opts: { flow?: string; before?: string; limit: number }): Awaitable<RecentPage>;
  /** The instances in progress (of one flow when given), in the order they were created: what flow changes move. */
  listInFlight(filter?: { flow?: string }): Awaitable<InstanceRecord[]>;
  /**
   * Optional: whether this store (a worker's share of a store shared with others) still works on the
   * customer's data; false: another worker does now, and writes for the customer would be refused.
   * Absent: always.
   */
  worksOn?(customer: string): boolean;
  /** The ids of the customers with a profile, in the segment when one is given, in the order they were first stored. */
  listCustomers(segment?: string): Awaitable<string[]>;

  // activity: the blocks each instance passed through, kept apart from its state (which stays small)
  appendActivity(instance: string, step: ActivityStep): Awaitable<void>;
  /** The instance's steps, in the order they ran. */
  listActivity(instance: string): Awaitable<ActivityStep[]>;

  // launch limits
  getLaunchRecord(flow: string, customer: string): Awaitable<LaunchRecord | undefined>;
  putLaunchRecord(flow: string, customer: string, record: LaunchRecord): Awaitable<void>;

  // dedupe
  /** Marks an event id as seen; false when it had been seen before. */
  markEventSeen(id: string): Awaitable<boolean>;
  /** Forgets that an event id was seen (its processing failed: a retry must not count as a duplicate). */
  forgetEventSeen(id: string): Awaitable<void>;

  // timers (one per instance at most)
  /** Sets the instance's timer (replacing any it had). */
  addTimer(timer: Timer): Awaitable<void>;
  removeTimer(instance: string): Awaitable<void>;
  /**
   * Whether a claim is a lease (a claim not acknowledged comes back by itself, as on Redis) rather
   * than a removal (the embedded store): the engine gives back claims it could not handle only to a
   * store without leases. Absent: false.
   */
  readonly claimsAreLeased?: boolean;
  /** Takes the timers due at or before `upTo`, in due order (ties: in the order they were added), at most `limit`. */
  claimDueTimers(upTo: number, limit?: number): Awaitable<Timer[]>;
  /** The earliest due time, or null when there is no timer. */
  nextTimerDue(): Awaitable<number | null>;

  // outbox, activity, did-not-enter
  appendEffect(effect: EffectRecord): Awaitable<void>;
  listEffects(): Awaitable<EffectRecord[]>;
  /**
   * Records an event that did not enter a flow, and counts it in the flow's stats. The same flow,
   * customer, event and reason are recorded once: an event processed again after a crash is
   * refused again for the same reason. The embedded store remembers every one; the Redis store
   * remembers those of the event its shard is processing, until the event queue moves past it
   * (RedisEventQueue.done), which is when a crash could make it process the event again. A
   * repeated event's `duplicate_event` records, a scheduled run's refusals (its customers'
   * events are RUN_EVENT_PREFIX...: a run made again refuses again), and records with no flow or
   * customer, are each recorded.
   */
  appendNotEntered(record: NotEnteredRecord): Awaitable<void>;
  listNotEntered(): Awaitable<NotEnteredRecord[]>;
  /**
   * The flow's counters (runtime/store/flow-stats.ts) over what was committed and refused: they add
   * up to what its instances, their activity and the did-not-enter records say, without reading
   * them (a store with millions of instances answers from counters).
   */
  flowStats(flow: string): Awaitable<FlowStats>;

  // limit blocks and budgets: who was let through, per calendar period or rolling window
  /**
   * Admits `member` (one journey at one limit block) under `key`, a calendar period's own key, when
   * fewer than `max` members are admitted under it; records it and returns true, else false
   * (atomically). Idempotent: a member admitted before is admitted again without counting twice (a
   * journey run again after a crash, a script call sent again). A store may forget the key once
   * `keepMs` have passed since its last admission.
   */
  admitInPeriod(key: string, member: string, max: number, keepMs: number): Awaitable<boolean>;
  /**
   * Rolling-window limits: admits `member` at `at` when fewer than `max` admissions under `key` fall
   * in (at - windowMs, at]; records it and returns true, else returns false (atomically).
   * Idempotent as admitInPeriod while the member's admission is in the window. A store may forget
   * the key once `keepMs` have passed since its last admission.
   */
  admitInWindow(key: string, member: string, at: number, windowMs: number, max: number, keepMs: number): Awaitable<boolean>;
  /** How many members `key` holds (admitInPeriod's; for stats and tests). */
  countAdmitted(key: string): Awaitable<number>;

  // trigger matching (stdlib/matchers.ts)
  /** Per (flow, trigger, customer) matcher state; the key is the engine's (see Engine.matchStateKey). */
  getMatchState(key: string): Awaitable<MatchState | undefined>;
  putMatchState(key: string, state: MatchState): Awaitable<void>;
  /** The last order seen, by order id (the `previous.order` snapshot of the next event about it). */
  getOrder(id: string): Awaitable<Record<string, unknown> | undefined>;
  putOrder(order: Record<string, unknown> & { id: string }): Awaitable<void>;
  /** The last product feed data seen, by product id (`previous.products`). */
  getProduct(id: string): Awaitable<Record<string, unknown> | undefined>;
  putProduct(product: Record<string, unknown> & { id: string }): Awaitable<void>;
}
