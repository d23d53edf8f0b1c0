/**
 * What `runnel serve` does, without HTTP: drafts, launches and statuses of flows, event ingestion,
 * customer profiles, activity and statistics, over one Engine and its Store. The HTTP layer
 * (app.ts) maps requests onto it; tests can drive it directly.
 *
 * Engine operations are serialized (one at a time, in arrival order), so that a flow change never
 * lands in the middle of other work. Within one operation the engine may work on several customers
 * at once (a scheduled run's slice; processQueued's shards, which hold disjoint customers).
 * The clock is the wall clock (moved before every operation and queued event), never behind the last one.
 *
 * The flow registry (drafts, and every launched version's bytecode with its status, times and next
 * schedule runs) is kept in the store (`meta` document `flows`), so a runtime restarted on the same
 * store (Redis) picks up where it stopped: `FlowService.open`.
 */
import { checkProject, type ProjectResult } from '../../compiler/project.js';
import { CompileError, compileProject } from '../../compiler/bytecode/compile.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import type { VerifiedProgram } from '../../compiler/bytecode/program.js';
import { LineMap } from '../../compiler/line-map.js';
import { toJsonDiagnostic, type JsonDiagnostic } from '../../compiler/render.js';
import { validateCustomer, validateEvent } from '../../schemas/index.js';
import { Engine, FlowStateError, KNOWN_EVENTS, VirtualClock, type FlowStatus, type FlowVersionInfo } from '../engine/engine.js';
import { activityJson } from '../engine/simulate.js';
import { iso } from '../engine/iso.js';
import type { CustomerProfile } from '../vm/customer.js';
import type { InstanceRecord, Store } from '../store/store.js';
import type { FlowStats } from '../store/flow-stats.js';

/** Activity is kept and searched for this long (seed 000). */
export const ACTIVITY_DAYS = 30;
/** What one activity answer reads at most: journeys, and pages of the store (see FlowService.activity). */
const ACTIVITY_LOOK = 5000;
const ACTIVITY_PAGES = 50;
/** How far apart runtimes' clocks may be: journeys are made in the order of their entry times, give or take this. */
const CLOCK_SKEW_MS = 86_400_000;
/** How far back a runtime taking over shards makes scheduled runs again (remakeRuns): runs that long may have been cut short. */
export const REMAKE_RUNS_MS = 60 * 60_000;

export interface Draft {
  flow: string;
  source: string;
  /** The source's path in the project (folder restrictions of runnel.json apply to it). */
  path: string;
  diagnostics: JsonDiagnostic[];
  /** Problems that are not about a place in the source (the draft holds another flow; it cannot be compiled). */
  problems: string[];
  /** The compiled draft when it has no error. */
  program: VerifiedProgram | null;
  savedAt: number;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; id: string | null; type: string | null; errors: Array<{ path: string; message: string }> }>;
}

/** One shard's queued events for processQueued: whether the shard is still this runtime's, its events in order, and what marks one processed. */
export interface QueuedShard {
  owned(): boolean;
  events: ReadonlyArray<{ entry: string; text: string }>;
  done(entry: string): Promise<void>;
}

/** Processing a queued event failed (processQueued): which entry, and why. */
export class QueuedEventError extends Error {
  constructor(
    readonly entry: string,
    override readonly cause: unknown,
  ) {
    super(`queued event ${entry}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export class ServiceError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 413 | 422,
    message: string,
  ) {
    super(message);
  }
}

/** Where events go when runtimes share the store (redis/event-queue.ts): queued on their customers' shards. */
export interface EventQueue {
  enqueue(events: ReadonlyArray<{ id: string; customer: string; receivedAt?: unknown }>): Promise<boolean[]>;
}

/** How much one tick fires at most (timers, customers of a scheduled run): a slice of a few hundred milliseconds on Redis. */
export const TICK_BUDGET = 256;
/** How many customers of a scheduled run enter at once (their reads and commits are round trips, and independent). */
export const RUN_CONCURRENCY = 16;

export interface FlowServiceOptions {
  store: Store;
  /**
   * Runtimes sharing one store (shared-runtime.ts): the engine works through this view of the store (its
   * shards only, writes fenced), events are queued (`queue`) rather than processed here, the flow
   * registry is read again before each change and written only if no other runtime changed it
   * meanwhile, and changes others made are taken up by `refresh()`.
   */
  shared?: { engineStore: Store; queue: EventQueue };
  /** runnel.json text of the project the flows belong to (null: an empty manifest). */
  manifest: string | null;
  /** The wall clock (tests give a fake one). */
  now?: () => number;
}

/** The registry document as stored (format 1). */
interface RegistryDoc {
  format: 1;
  drafts: Record<string, { source: string; path: string; savedAt: number }>;
  flows: Record<string, Array<{ bytes: string; status: FlowStatus; launchedAt: number; endedAt: number | null; nextRuns?: Record<string, number>; lastRuns?: Record<string, number> }>>;
}
const REGISTRY_KEY = 'flows';
/**
 * Sharing the store: a new random value after each registry write, written after it, so a runtime
 * learns of a flow change with one small read (refreshIfChanged) instead of reading the registry.
 */
const REGISTRY_REV_KEY = 'flows:rev';

export class FlowService {
  readonly store: Store;
  readonly engine: Engine;
  private readonly clock: VirtualClock;
  private readonly now: () => number;
  private readonly manifest: string | null;
  private readonly drafts = new Map<string, Draft>();
  /** The bytecode of every version compiled or restored, base64 as the registry stores it, by content hash. */
  private readonly bytecode = new Map<string, string>();
  /** The registry text this service last read or wrote (undefined: none stored yet). */
  private lastRegistry: string | undefined;
  /** The registry revision (REGISTRY_REV_KEY) read before lastRegistry was, or written after it. */
  private lastRev: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly shared: FlowServiceOptions['shared'];

  constructor(opts: FlowServiceOptions) {
    this.store = opts.store;
    this.manifest = opts.manifest;
    this.now = opts.now ?? Date.now;
    this.shared = opts.shared;
    this.clock = new VirtualClock(this.now());
    // Scheduled flows: a runtime back from downtime makes up one run, not a burst (docs/runtime.md).
    this.engine = new Engine(opts.shared?.engineStore ?? this.store, [], this.clock, { missedRuns: 'latest-run' });
  }

  /** A service over a store, with the flows it had (drafts, versions, statuses) put back. */
  static async open(opts: FlowServiceOptions): Promise<FlowService> {
    const service = new FlowService(opts);
    await service.restore();
    return service;
  }

  private async restore(): Promise<void> {
    if (this.shared) this.lastRev = await this.store.getMeta(REGISTRY_REV_KEY);
    const text = await this.store.getMeta(REGISTRY_KEY);
    if (text !== undefined) this.apply(text);
  }

  /**
   * Takes up the registry as stored: versions this engine does not have as stored are put back
   * (each changed flow's versions again, oldest first; the next schedule runs of a version already
   * running here stay this engine's), and drafts follow the stored ones.
   */
  private apply(text: string): boolean {
    if (text === this.lastRegistry) return false;
    const doc = JSON.parse(text) as RegistryDoc;
    if (doc.format !== 1) throw new Error(`the store's flow registry has format ${String(doc.format)}; this runnel reads format 1`);
    for (const [flow, versions] of Object.entries(doc.flows)) {
      const mine = this.engine.versions(flow);
      const same =
        mine.length === versions.length &&
        versions.every((v, i) => {
          const m = mine[i]!;
          return this.bytecode.get(m.version) === v.bytes && (m.status === 'replaced' ? 'stopped' : m.status) === v.status && m.launchedAt === v.launchedAt && m.endedAt === v.endedAt;
        });
      if (same) continue;
      const runs = this.engine.nextRuns(flow);
      const current = mine.at(-1)?.version;
      for (const v of versions) {
        const program = verifyFlow(new Uint8Array(Buffer.from(v.bytes, 'base64')));
        this.bytecode.set(program.hash, v.bytes);
        const nextRuns = program.hash === current && Object.keys(runs).length ? runs : v.nextRuns;
        this.engine.restore(program, { status: v.status, launchedAt: v.launchedAt, endedAt: v.endedAt, ...(nextRuns ? { nextRuns } : {}), ...(v.lastRuns ? { lastRuns: v.lastRuns } : {}) });
      }
    }
    for (const flow of [...this.drafts.keys()]) if (!(flow in doc.drafts)) this.drafts.delete(flow);
    for (const [flow, d] of Object.entries(doc.drafts)) {
      const have = this.drafts.get(flow);
      if (!have || have.source !== d.source || have.path !== d.path || have.savedAt !== d.savedAt) this.checkDraft(flow, d.source, d.path, d.savedAt);
    }
    this.lastRegistry = text;
    return true;
  }

  /**
   * Runtimes sharing the store: takes up flow changes another runtime made (new drafts, launches,
   * pauses...) and brings the customers in flight on this runtime's shards in line with them.
   * Returns whether anything changed.
   */
  refresh(): Promise<boolean> {
    return this.serial(() => this.refreshNow());
  }

  /**
   * Runtimes sharing the store: refresh() when the registry changed since this service last read
   * or wrote it, known from its revision (one small read). The shared runtime calls it after
   * reading queued events and before processing them: a change acknowledged before an event was
   * queued is then always taken up before that event is processed (its revision was written
   * before the acknowledgement, so it is seen by a read made after the event's).
   */
  async refreshIfChanged(): Promise<boolean> {
    if (!this.shared) return false;
    const rev = await this.store.getMeta(REGISTRY_REV_KEY);
    if (rev === this.lastRev) return false;
    return this.serial(() => this.refreshNow({ rev }));
  }

  /** `read`: the revision already read (by refreshIfChanged), else it is read here. */
  private async refreshNow(read?: { rev: string | undefined }): Promise<boolean> {
    // The revision first: the registry read after it is at least as new. It counts as seen only
    // once the registry is taken up (a failure here is retried at the next check).
    const rev = read ? read.rev : this.shared ? await this.store.getMeta(REGISTRY_REV_KEY) : undefined;
    const text = await this.store.getMeta(REGISTRY_KEY);
    const changed = text !== undefined && this.apply(text);
    if (changed) await this.engine.reconcile();
    this.lastRev = rev;
    return changed;
  }

  /**
   * Customers in flight on this runtime's shards brought in line with the flows (shards it just
   * took over from a runtime that may have died before it took up the last change): those
   * `instances` lists (default: every instance of its shards).
   */
  reconcile(instances?: () => Promise<InstanceRecord[]>): Promise<number> {
    return this.serial(() => this.engine.reconcile(instances));
  }

  /**
   * Runtimes sharing the store: the latest run of each schedule, when it began in the last
   * REMAKE_RUNS_MS, is made again for the customers `customers` lists (those of shards just taken
   * over, whose owner may have died half way through a run); the customers a run entered already
   * are passed over. The runs go on with the next ticks. Returns how many customers they will look at.
   */
  remakeRuns(customers: (segment: string | undefined) => Promise<string[]>): Promise<number> {
    return this.serial(() => this.engine.remakeRuns(customers, this.now() - REMAKE_RUNS_MS));
  }

  /** Writes the registry when it changed (sharing the store: only if no other runtime wrote it since it was read). */
  private async persist(): Promise<void> {
    const doc: RegistryDoc = { format: 1, drafts: {}, flows: {} };
    for (const [flow, d] of this.drafts) doc.drafts[flow] = { source: d.source, path: d.path, savedAt: d.savedAt };
    for (const flow of this.engine.flowIds()) {
      const stored = this.engine.runsToStore(flow);
      const runs = Object.fromEntries(Object.entries(stored.nextRuns).filter(([, at]) => Number.isFinite(at)));
      const lastRuns = stored.lastRuns;
      const versions = this.engine.versions(flow);
      doc.flows[flow] = versions.map((v, i) => ({
        bytes: this.bytecode.get(v.version)!,
        status: v.status === 'replaced' ? 'stopped' : v.status,
        launchedAt: v.launchedAt,
        endedAt: v.endedAt,
        ...(i === versions.length - 1 && Object.keys(runs).length ? { nextRuns: runs } : {}),
        ...(i === versions.length - 1 && Object.keys(lastRuns).length ? { lastRuns } : {}),
      }));
    }
    const text = JSON.stringify(doc);
    if (text === this.lastRegistry) return;
    if (this.shared) {
      if (!(await this.store.replaceMeta(REGISTRY_KEY, this.lastRegistry, text))) {
        // Another runtime changed the flows meanwhile: take up what is stored (this change is lost).
        await this.refreshNow();
        throw new ServiceError(409, 'another runtime changed the flows at the same moment; look at them again and retry');
      }
      this.lastRegistry = text;
      // Not taken as seen here: another runtime's write may land between ours and this one, and
      // the next check reads the registry again. A failure to write it leaves the others to learn
      // of the change at their next beat; the change itself is stored, so it is not an error.
      const rev = `${this.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      try {
        await this.store.putMeta(REGISTRY_REV_KEY, rev);
      } catch {
        // As said above.
      }
      return;
    }
    await this.store.putMeta(REGISTRY_KEY, text);
    this.lastRegistry = text;
  }

  /** Runs engine work one operation at a time, with the clock at the wall clock. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      this.clock.advanceTo(this.now());
      return work();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A change of the flows: sharing the store, on top of what is stored now. */
  private change<T>(work: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      if (this.shared) await this.refreshNow();
      return work();
    });
  }

  /** Runs work with the engine to itself (nothing else of this service runs meanwhile), the clock at the wall clock. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.serial(work);
  }

  // ------------------------------------------------------------------ flows

  /** Checks and compiles a draft; it replaces the flow's previous draft (one draft per flow), and is stored. */
  putDraft(flow: string, source: string, path = `flows/${flow}.flow`): Promise<Draft> {
    return this.change(async () => {
      const d = this.checkDraft(flow, source, path, this.now());
      await this.persist();
      return d;
    });
  }

  private checkDraft(flow: string, source: string, path: string, savedAt: number): Draft {
    const project: ProjectResult = checkProject({ ...(this.manifest !== null ? { manifest: { path: 'runnel.json', text: this.manifest } } : {}), files: [{ path, text: source }] });
    const file = project.files[0]!;
    const lines = new LineMap(source);
    const diagnostics = file.diagnostics.map((d) => toJsonDiagnostic(path, lines, d));
    const ids = file.parse.ast.flows.map((f) => f.name.name);
    let program: VerifiedProgram | null = null;
    const problems: string[] = [];
    if (!diagnostics.some((d) => d.severity === 'error')) {
      if (ids.length !== 1 || ids[0] !== flow) {
        problems.push(`the draft of flow \`${flow}\` must hold exactly that flow (it holds ${ids.length ? ids.map((i) => `\`${i}\``).join(', ') : 'none'})`);
      } else {
        try {
          const [compiled] = compileProject(project, { relativePath: (p) => p });
          program = verifyFlow(compiled!.bytes);
          this.bytecode.set(program.hash, Buffer.from(compiled!.bytes).toString('base64'));
        } catch (e) {
          if (!(e instanceof CompileError)) throw e;
          problems.push(`cannot compile: ${e.reason}`);
        }
      }
    }
    const draft: Draft = { flow, source, path, diagnostics, problems, program, savedAt };
    this.drafts.set(flow, draft);
    return draft;
  }

  getDraft(flow: string): Draft | undefined {
    return this.drafts.get(flow);
  }

  /** Launches the flow's draft (it becomes the version customers enter). */
  launch(flow: string): Promise<FlowVersionInfo> {
    return this.change(async () => {
      const draft = this.drafts.get(flow);
      if (!draft) throw new ServiceError(404, `flow ${flow} has no draft: PUT /v1/flows/${flow}/draft first`);
      if (!draft.program) throw new ServiceError(422, `the draft of flow ${flow} has errors; fix them before launching`);
      await this.engine.launch(draft.program);
      this.drafts.delete(flow);
      await this.persist();
      return this.engine.versions(flow).at(-1)!;
    });
  }

  setStatus(flow: string, status: FlowStatus): Promise<FlowVersionInfo> {
    return this.change(async () => {
      if (!this.engine.versions(flow).length) throw new ServiceError(404, `no flow ${flow} was launched`);
      try {
        await this.engine.setFlowStatus(flow, status);
      } catch (e) {
        if (e instanceof FlowStateError) throw new ServiceError(409, e.message);
        throw e;
      }
      await this.persist();
      return this.engine.versions(flow).at(-1)!;
    });
  }

  /** Every flow: its current version and status, and whether a draft waits. */
  listFlows(): Array<{ flow: string; version: string | null; status: string; launchedAt: string | null; draft: boolean }> {
    const ids = new Set([...this.engine.flowIds(), ...this.drafts.keys()]);
    return [...ids].sort().map((flow) => {
      const cur = this.engine.versions(flow).at(-1);
      return { flow, version: cur?.version ?? null, status: cur?.status ?? 'draft', launchedAt: cur ? iso(cur.launchedAt) : null, draft: this.drafts.has(flow) };
    });
  }

  versions(flow: string): Array<{ version: string; status: string; launchedAt: string; endedAt: string | null }> {
    const vs = this.engine.versions(flow);
    if (!vs.length) throw new ServiceError(404, `no flow ${flow} was launched`);
    return vs.map((v) => ({ version: v.version, status: v.status, launchedAt: iso(v.launchedAt), endedAt: v.endedAt === null ? null : iso(v.endedAt) }));
  }

  /** Per-block counters (entered, passed), journeys by status and reason, and the did-not-enter reasons of a flow (the store's counters: no scan of its journeys). */
  async stats(flow: string): Promise<{ flow: string } & FlowStats> {
    if (!this.engine.versions(flow).length) throw new ServiceError(404, `no flow ${flow} was launched`);
    return { flow, ...(await this.store.flowStats(flow)) };
  }

  // ------------------------------------------------------------------ events and customers

  /**
   * Ingests a batch: each event validated on its own (a bad one is rejected with its JSON paths,
   * the rest go in); `receivedAt` is set to now when absent; duplicates by id are counted.
   */
  ingest(events: unknown[]): Promise<IngestResult> {
    if (this.shared) return this.enqueue(events, this.shared.queue);
    return this.serial(async () => {
      const out: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
      for (const [index, raw] of events.entries()) {
        const error = this.invalid(raw);
        if (error) {
          out.rejected.push({ index, ...error });
          continue;
        }
        const rec = raw as Record<string, unknown>;
        // Scheduled runs that fire here move the next run times: stored at once (a restart must not run them again).
        if (await this.engine.fireDue(this.clock.now())) await this.persist();
        const r = await this.engine.ingest({ ...rec, receivedAt: rec['receivedAt'] ?? iso(this.clock.now()) });
        if (r.outcome === 'duplicate') out.duplicates++;
        else if (r.outcome === 'invalid') out.rejected.push({ index, id: rec['id'] as string, type: rec['type'] as string, errors: [{ path: r.message.split(':')[0] ?? '/', message: r.message }] });
        else out.accepted++;
      }
      return out;
    });
  }

  /**
   * Sharing the store: each valid event is queued on its customer's shard (with `receivedAt` now
   * when absent), for the runtime that owns the shard; accepted means queued, duplicates by id are
   * known at once. Invalid ones are rejected here with their JSON paths.
   */
  private async enqueue(events: unknown[], queue: EventQueue): Promise<IngestResult> {
    const out: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    const good: Array<Record<string, unknown> & { id: string; customer: string }> = [];
    const receivedAt = iso(this.now());
    for (const [index, raw] of events.entries()) {
      const error = this.invalid(raw);
      if (error) out.rejected.push({ index, ...error });
      else {
        const rec = raw as Record<string, unknown> & { id: string; customer: string };
        good.push({ ...rec, receivedAt: rec['receivedAt'] ?? receivedAt });
      }
    }
    for (const queued of await queue.enqueue(good)) {
      if (queued) out.accepted++;
      else out.duplicates++;
    }
    return out;
  }

  /** What is wrong with an event (catalog schema, known type, date-time), or null when it can go in. */
  invalid(raw: unknown): { id: string | null; type: string | null; errors: Array<{ path: string; message: string }> } | null {
    const rec = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : null) as Record<string, unknown> | null;
    const id = typeof rec?.['id'] === 'string' ? rec['id'] : null;
    const type = typeof rec?.['type'] === 'string' ? rec['type'] : null;
    if (!rec) return { id, type, errors: [{ path: '/', message: 'must be an object' }] };
    const v = validateEvent(raw);
    if (!v.ok) return { id, type, errors: v.errors.map((e) => ({ path: e.path || '/', message: e.message })) };
    if (!KNOWN_EVENTS.has(type!)) return { id, type, errors: [{ path: '/type', message: `unknown event type ${type}` }] };
    if (!Number.isFinite(Date.parse(String(rec['at'])))) return { id, type, errors: [{ path: '/at', message: `not a date-time: ${String(rec['at'])}` }] };
    return null;
  }

  /**
   * Processes events queued on shards (shared-runtime.ts): the shards side by side, each one's
   * events in order, each as the engine's `queued` ingest (an earlier attempt's work is not done
   * twice), its `done` called after each one. Shards hold disjoint customers, so their events do
   * not wait for each other's round trips (one shard after another, a runtime spent most of its
   * time waiting for Redis). A shard no longer `owned` when its turn comes is left alone. One
   * shard's failure stops that shard only: the answer says, per shard in order, how many of its
   * events went through and the failure (a QueuedEventError, or whatever else threw).
   */
  processQueued(shards: ReadonlyArray<QueuedShard>): Promise<Array<{ processed: number; error?: unknown }>> {
    return this.exclusive(() =>
      Promise.all(
        shards.map(async (q) => {
          let processed = 0;
          try {
            if (!q.owned()) return { processed };
            for (const e of q.events) {
              this.clock.advanceTo(this.now());
              let event: unknown;
              try {
                event = JSON.parse(e.text);
              } catch {
                event = null;
              }
              // Invalid ones cannot be queued (checked before), but an entry written by hand is recorded as refused.
              try {
                await this.engine.ingest(event, { queued: true });
              } catch (err) {
                throw new QueuedEventError(e.entry, err);
              }
              await q.done(e.entry);
              processed++;
            }
            return { processed };
          } catch (error) {
            return { processed, error };
          }
        }),
      ),
    );
  }

  /** Replaces a customer's profile (contracts.md shape). */
  async putCustomer(id: string, profile: unknown): Promise<CustomerProfile> {
    const body = (typeof profile === 'object' && profile !== null && !Array.isArray(profile) ? { ...(profile as object), id } : profile) as CustomerProfile;
    const v = validateCustomer(body);
    if (!v.ok) throw new ServiceError(400, v.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '));
    return this.serial(async () => {
      await this.store.putCustomer(body);
      return body;
    });
  }

  /**
   * Fires what is due now (timers and scheduled runs), up to TICK_BUDGET of it: a backlog after
   * downtime, or a scheduled run over a large segment, goes in slices with events and requests
   * between them. Returns how much it did; TICK_BUDGET or more: more is due, tick again.
   */
  tick(): Promise<number> {
    return this.serial(async () => {
      const fire = () => this.engine.fireDue(this.clock.now(), { budget: TICK_BUDGET, concurrency: RUN_CONCURRENCY });
      // Runtimes sharing the store each run their own shards' customers: the stored times are not theirs to move.
      if (this.shared) return fire();
      // Scheduled runs moved the next run times, or a run under way ended (also by a failure, maybe
      // the one that began in this tick): keep them (a restart must not make a run again, nor lose
      // one under way).
      const runs = this.engine.runsUnderwayCount();
      let fired: number;
      try {
        fired = await fire();
      } catch (e) {
        // The failure is what the caller hears of, even when keeping the run times fails too.
        await this.persist().catch(() => undefined);
        throw e;
      }
      if (fired || this.engine.runsUnderwayCount() !== runs) await this.persist();
      return fired;
    });
  }

  // ------------------------------------------------------------------ activity

  /**
   * The activity of the last 30 days, newest first: journeys of `flow` (all flows when absent) of
   * the customers `q` matches (id, email, phone or name, case-insensitive; all when absent), up to
   * `limit`, below the cursor `before` (the `next` of an earlier answer). The store is read page by
   * page, and one answer reads no more than ACTIVITY_LOOK journeys and ACTIVITY_PAGES pages (a page
   * of a flow rare among many may hold none): `next` (null at the end) is where the following
   * answer goes on, so a search that matches little comes in several answers rather than one
   * unbounded read. Pages come in the order journeys were made, which is the order of their entry
   * times give or take the runtimes' clock skew: once a page ends a day past the 30 days, nothing
   * further down is of them, and the answer ends there (next: null). A page's profiles (for `q`)
   * are read together, then its entries' activity together (a page holds at most `limit`, 1,000).
   * Throws BadCursorError for a cursor not handed out.
   */
  async activity(opts: { flow?: string; q?: string; limit?: number; before?: string }): Promise<{ activity: Array<Record<string, unknown>>; next: string | null }> {
    const since = this.now() - ACTIVITY_DAYS * 86_400_000;
    const limit = opts.limit ?? 100;
    const q = opts.q?.trim().toLowerCase();
    // Each customer's profile read once (a page's reads go together: the same customer's share one).
    const matches = new Map<string, Promise<boolean>>();
    const customerMatches = (id: string): Promise<boolean> => {
      if (!q) return Promise.resolve(true);
      let hit = matches.get(id);
      if (!hit) {
        hit = (async () => {
          const p = (await this.store.getCustomer(id)) as (CustomerProfile & Record<string, unknown>) | undefined;
          const hay = [id, p?.['email'], p?.['phone'], p?.['firstName'], p?.['lastName'], [p?.['firstName'], p?.['lastName']].filter(Boolean).join(' ')];
          return hay.some((h) => typeof h === 'string' && h.toLowerCase().includes(q));
        })();
        matches.set(id, hit);
      }
      return hit;
    };
    const out: Array<Record<string, unknown>> = [];
    let before = opts.before;
    let looked = 0;
    for (let pages = 1; ; pages++) {
      // Pages of what is still wanted: a page taken whole leaves no journey half looked at.
      const page = await this.store.recentInstances({ ...(opts.flow !== undefined ? { flow: opts.flow } : {}), ...(before !== undefined ? { before } : {}), limit: limit - out.length });
      const recent = page.instances.filter((i) => i.enteredAt >= since);
      const hit = await Promise.all(recent.map((i) => customerMatches(i.customer)));
      out.push(...(await Promise.all(recent.filter((_, j) => hit[j]).map((i) => this.activityEntry(i)))));
      looked += page.instances.length;
      const oldest = page.instances.at(-1);
      if (page.next === null || (oldest !== undefined && oldest.enteredAt < since - CLOCK_SKEW_MS)) return { activity: out, next: null };
      before = page.next;
      if (out.length >= limit || looked >= ACTIVITY_LOOK || pages >= ACTIVITY_PAGES) return { activity: out, next: before };
    }
  }

  private async activityEntry(i: InstanceRecord): Promise<Record<string, unknown>> {
    // waitingUntil: the expected exit time of the wait the journey is in (seed 000).
    return activityJson(i, await this.store.listActivity(i.id));
  }

}
