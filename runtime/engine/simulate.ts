/**
 * `runnel simulate`: runs compiled flows over the embedded store with a virtual clock (contracts.md).
 * Browser-safe (the CLI reads the files; this takes their text), so the playground can use it.
 *
 * The clock moves to each event's `receivedAt` (default `at`), or a control line's `at`; timers
 * and schedule runs due at or before it fire first, in time order. Lines are taken in time order
 * (stable: file order among equal times). Control lines: `launch` (a new version, from `source`),
 * `pause`/`resume`/`stop` (a flow), `tick` (only moves the clock). At the end, timers and schedule
 * runs fire up to `until`; without it, schedule runs stop at the last line and timers fire until
 * none is left, at most HORIZON_MS past it.
 */
import type { VerifiedProgram } from '../../compiler/bytecode/program.js';
import { MemoryStore } from '../store/memory-store.js';
import type { ActivityStep, EffectRecord, InstanceRecord, NotEnteredRecord, Store } from '../store/store.js';
import { runAsync, runSync, type Co } from './co.js';
import type { CustomerProfile } from '../vm/customer.js';
import { validateCustomer } from '../../schemas/index.js';
import { Engine, VirtualClock, type FlowStatus } from './engine.js';
import { iso } from './iso.js';

export const HORIZON_MS = 400 * 86_400_000;

export interface SimulateOptions {
  /** Fire timers up to this moment (epoch ms) at the end; default: until none is left (at most 400 days on). */
  until?: number;
  /**
   * Compiles the flows of a `launch` control line's `source` (the CLI reads the file, relative to
   * the events file): their programs, or a message saying why it cannot.
   */
  load?: (source: string) => VerifiedProgram[] | string;
  /** Called every PROGRESS_EVERY lines and at the end with (lines done, lines in all). */
  onProgress?: (done: number, total: number) => void;
}

export const PROGRESS_EVERY = 1000;

export interface SimulateJson {
  effects: Array<Record<string, unknown>>;
  activity: Array<Record<string, unknown>>;
  notEntered: Array<Record<string, unknown>>;
}

export interface SimulateResult {
  output: SimulateJson;
  /** Problems that are not about events: bad customer lines, control lines not supported. */
  errors: string[];
  warnings: string[];
}

function effectJson(e: EffectRecord): Record<string, unknown> {
  return { ...e, at: iso(e.at) };
}

/** An instance and its steps as an activity entry (contracts.md `activity[]`; the HTTP API's too). */
export function activityJson(i: InstanceRecord, steps: ActivityStep[]): Record<string, unknown> {
  return {
    flow: i.flow,
    customer: i.customer,
    instance: i.id,
    event: i.event,
    enteredAt: iso(i.enteredAt),
    status: i.status,
    reason: i.reason,
    ...(i.message !== undefined ? { message: i.message } : {}),
    steps: steps.map((s) => ({ ...s, at: iso(s.at), ...(s.until !== undefined ? { until: iso(s.until) } : {}) })),
    waitingUntil: i.waitingUntil === null ? null : iso(i.waitingUntil),
  };
}

function notEnteredJson(n: NotEnteredRecord): Record<string, unknown> {
  return { ...n, at: n.at === null ? null : iso(n.at) };
}

interface Line {
  n: number;
  time: number;
  json?: Record<string, unknown>;
  error?: string;
}

function parseLines(text: string): Line[] {
  const out: Line[] = [];
  let last = Number.NEGATIVE_INFINITY;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (e) {
      out.push({ n: i + 1, time: last, error: `line ${i + 1}: not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      out.push({ n: i + 1, time: last, error: `line ${i + 1}: not a JSON object` });
      return;
    }
    const rec = json as Record<string, unknown>;
    const t = Date.parse(String(rec['receivedAt'] ?? rec['at']));
    if (Number.isFinite(t)) last = t;
    out.push({ n: i + 1, time: Number.isFinite(t) ? t : last, json: rec });
  });
  // Array.prototype.sort is stable (ES2019): equal times keep their file order.
  return out.sort((a, b) => a.time - b.time);
}

/** Simulates on the embedded store, synchronously (the CLI, the playground). */
export function simulate(programs: readonly VerifiedProgram[], eventsText: string, customersText = '', opts: SimulateOptions = {}): SimulateResult {
  return runSync(simulation(programs, eventsText, customersText, opts, new MemoryStore()));
}

/** Simulates on any store (one that answers with promises too: the conformance scenarios on Redis). The store should start empty. */
export function simulateAsync(programs: readonly VerifiedProgram[], eventsText: string, customersText: string, opts: SimulateOptions & { store: Store }): Promise<SimulateResult> {
  return runAsync(simulation(programs, eventsText, customersText, opts, opts.store));
}

function* simulation(programs: readonly VerifiedProgram[], eventsText: string, customersText: string, opts: SimulateOptions, store: Store): Co<SimulateResult> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const customerLines = customersText.split(/\r?\n/);
  for (const [i, raw] of customerLines.entries()) {
    if (!raw.trim()) continue;
    let c: unknown;
    try {
      c = JSON.parse(raw) as unknown;
    } catch (e) {
      errors.push(`customers line ${i + 1}: not JSON: ${(e as Error).message}`);
      continue;
    }
    const v = validateCustomer(c);
    if (!v.ok) errors.push(`customers line ${i + 1}: ${v.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
    else yield store.putCustomer(c as CustomerProfile);
  }
  const lines = parseLines(eventsText);
  const first = lines.find((l) => Number.isFinite(l.time))?.time ?? 0;
  const clock = new VirtualClock(first);
  const engine = new Engine(store, programs, clock);
  let done = 0;
  for (const line of lines) {
    if (opts.onProgress && ++done % PROGRESS_EVERY === 0) opts.onProgress(done, lines.length);
    if (Number.isFinite(line.time)) {
      yield* engine.fireDueCo(line.time, true);
      clock.advanceTo(line.time);
    }
    if (line.error !== undefined) {
      yield store.appendNotEntered({ flow: null, customer: null, event: null, at: clock.now(), reason: 'invalid_event', message: line.error });
      continue;
    }
    const json = line.json!;
    if ('control' in json) {
      const kind = json['control'];
      if (kind === 'tick') continue; // only moves the clock (done above)
      if (kind === 'launch') {
        const source = json['source'];
        if (typeof source !== 'string' || !source) {
          warnings.push(`events line ${line.n}: a launch control line needs "source": the path of a .flow file`);
          continue;
        }
        const loaded = opts.load ? opts.load(source) : 'launching a new version needs the flow sources (runnel simulate reads them)';
        if (typeof loaded === 'string') {
          errors.push(`events line ${line.n}: cannot launch ${source}: ${loaded}`);
          continue;
        }
        for (const program of loaded) yield* engine.launchCo(program);
        continue;
      }
      if ((kind === 'pause' || kind === 'resume' || kind === 'stop') && typeof json['flow'] === 'string') {
        const status: FlowStatus = kind === 'pause' ? 'paused' : kind === 'stop' ? 'stopped' : 'active';
        try {
          yield* engine.setFlowStatusCo(json['flow'], status);
        } catch (e) {
          warnings.push(`events line ${line.n}: ${(e as Error).message}`);
        }
      } else warnings.push(`events line ${line.n}: control ${String(kind)}: not supported yet, ignored`);
      continue;
    }
    yield* engine.ingestCo(json);
  }
  opts.onProgress?.(lines.length, lines.length);
  if (opts.until !== undefined) {
    yield* engine.fireDueCo(opts.until, true);
    clock.advanceTo(opts.until);
  } else {
    // No end given: schedules run up to the last line; the customers in flight finish their waits.
    yield* engine.fireDueCo(clock.now(), true);
    yield* engine.fireDueCo(clock.now() + HORIZON_MS, false);
  }
  const effects = (yield store.listEffects()) as EffectRecord[];
  const instances = (yield store.listInstances()) as InstanceRecord[];
  const activity: Array<Record<string, unknown>> = [];
  for (const i of instances) activity.push(activityJson(i, (yield store.listActivity(i.id)) as ActivityStep[]));
  const notEntered = (yield store.listNotEntered()) as NotEnteredRecord[];
  return { output: { effects: effects.map(effectJson), activity, notEntered: notEntered.map(notEnteredJson) }, errors, warnings };
}

/** The readable form: per customer, a timeline of what happened. */
export function formatTimeline(out: SimulateJson): string {
  const byCustomer = new Map<string, Array<{ at: string; text: string }>>();
  const add = (customer: unknown, at: unknown, text: string) => {
    const c = typeof customer === 'string' ? customer : '(unknown customer)';
    const list = byCustomer.get(c) ?? [];
    list.push({ at: typeof at === 'string' ? at : '', text });
    byCustomer.set(c, list);
  };
  for (const a of out.activity) {
    const end = `${a['status']} ${a['reason']}${a['message'] ? ` (${a['message']})` : ''}${a['waitingUntil'] ? ` until ${a['waitingUntil']}` : ''}`;
    add(a['customer'], a['enteredAt'], `${a['flow']}: entered (event ${a['event']}), now ${end}`);
    for (const s of a['steps'] as Array<Record<string, unknown>>)
      if (s['kind'] !== 'steps') add(a['customer'], s['at'], `${a['flow']}: ${s['kind']} ${s['block']}${s['until'] ? ` until ${s['until']}` : ''}${s['variant'] ? ` variant ${s['variant']}` : ''}`);
  }
  for (const e of out.effects) {
    const what = Object.entries(e)
      .filter(([k]) => !['at', 'flow', 'version', 'customer', 'block', 'action', 'key', 'instance'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    add(e['customer'], e['at'], `${e['flow']}: ${e['block']}: ${e['action']} ${what}`);
  }
  for (const n of out.notEntered) add(n['customer'], n['at'], `${n['flow'] ?? '(no flow)'}: did not enter (event ${n['event'] ?? '?'}): ${n['reason']}${n['message'] ? ` (${n['message']})` : ''}`);
  const lines: string[] = [];
  for (const c of [...byCustomer.keys()].sort()) {
    lines.push(`customer ${c}`);
    const list = byCustomer.get(c)!.map((x, i) => ({ ...x, i })).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i));
    for (const x of list) lines.push(`  ${x.at.padEnd(20)}  ${x.text}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
