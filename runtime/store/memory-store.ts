/**
 * The embedded store: everything in memory (simulator, playground, tests). Browser-safe. It answers
 * synchronously. It does not copy: the store owns its records (see store.ts, "Ownership"): a record
 * handed to a `put`/`append` belongs to the store from then on, and a record a `get`/`list` returns
 * is the store's own, so callers must not mutate either, except to change a record they then put
 * back (the engine's discipline: it mutates an instance, profile, launch record or match state it
 * got only on its way to putting it back).
 */
import type { CustomerProfile } from '../vm/customer.js';
import { mergeProfile } from './profile-merge.js';
import { statsFromRecords, type FlowStats } from './flow-stats.js';
import { BadCursorError, notEnteredOnceKey, type ActivityStep, type EffectRecord, type InstanceRecord, type Transition, type LaunchRecord, type MatchState, type NotEnteredRecord, type RecentPage, type Store, type Timer } from './store.js';

interface TimerEntry extends Timer {
  seq: number;
}

export class MemoryStore implements Store {
  private readonly customers = new Map<string, CustomerProfile>();
  private readonly instances = new Map<string, InstanceRecord>();
  /** Instance ids in the order they were created: recentInstances pages it from the end by position (a Map cannot be). */
  private readonly created: string[] = [];
  private readonly byCustomer = new Map<string, string[]>();
  private readonly inFlight = new Map<string, Set<string>>();
  /**
   * Every instance in progress, in the order they were created (listInFlight walks it, not every
   * instance ever made). An ended one in progress again is added at the end: the set is put back in
   * creation order at the next listing (flyingInOrder).
   */
  private flying = new Set<string>();
  private flyingInOrder = true;
  private readonly meta = new Map<string, string>();
  /** Launch records by flow, then customer (no key string built per lookup: this is on every entry). */
  private readonly launches = new Map<string, Map<string, LaunchRecord>>();
  private readonly activity = new Map<string, ActivityStep[]>();
  private readonly seen = new Set<string>();
  /** A binary min-heap by (due, seq), with each timer's position in it (O(log n) add, remove, claim). */
  private readonly timers: TimerEntry[] = [];
  private readonly timerPos = new Map<string, number>();
  private seq = 0;
  private readonly effects: EffectRecord[] = [];
  private readonly notEntered: NotEnteredRecord[] = [];
  /** The records recorded once (notEnteredOnceKey) so far: kept as long as the records. */
  private readonly notEnteredOnce = new Set<string>();
  /** Limit admissions: members by period key; by window key, each member's admission time. */
  private readonly periods = new Map<string, Set<string>>();
  private readonly windows = new Map<string, Map<string, number>>();
  private readonly matchStates = new Map<string, MatchState>();
  private readonly orders = new Map<string, Record<string, unknown>>();
  private readonly products = new Map<string, Record<string, unknown>>();

  commit(t: Transition): void {
    for (const { key, due } of t.timers) {
      if (due === null) this.removeTimer(key);
      else this.addTimer({ instance: key, due });
    }
    for (const e of t.effects) this.effects.push(e);
    if (t.activity.length) {
      // One lookup for the commit's steps (a commit of a journey's first step makes the list).
      const list = this.activity.get(t.instance.id);
      if (list) for (const a of t.activity) list.push(a);
      else this.activity.set(t.instance.id, t.activity.slice());
    }
    if (t.launch) this.putLaunchRecord(t.launch.flow, t.instance.customer, t.launch.record);
    if (t.profile) t.profile = this.storeProfile(t.profile, t.profileBase);
    this.putInstance(t.instance);
  }

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }
  putMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }
  replaceMeta(key: string, expected: string | undefined, value: string): boolean {
    if (this.meta.get(key) !== expected) return false;
    this.meta.set(key, value);
    return true;
  }

  getCustomer(id: string): CustomerProfile | undefined {
    const c = this.customers.get(id);
    return c;
  }
  putCustomer(profile: CustomerProfile, base?: CustomerProfile | null): void {
    this.storeProfile(profile, base);
  }
  /** Stores the profile, merged into the one stored now when that is not `base` (another write came in between); returns what it stored. */
  private storeProfile(profile: CustomerProfile, base: CustomerProfile | null | undefined): CustomerProfile {
    // The store hands out its own objects: the base a change was made from is the stored one, unless it was replaced since.
    const current = this.customers.get(profile.id) ?? null;
    const stored = base !== undefined && current !== base ? mergeProfile(base, profile, current) : profile;
    this.customers.set(profile.id, stored);
    return stored;
  }

  getInstance(id: string): InstanceRecord | undefined {
    const i = this.instances.get(id);
    return i;
  }
  putInstance(instance: InstanceRecord): void {
    const stored = this.instances.get(instance.id);
    if (stored === undefined) {
      const list = this.byCustomer.get(instance.customer);
      if (list) list.push(instance.id);
      else this.byCustomer.set(instance.customer, [instance.id]);
      this.created.push(instance.id);
    }
    // The engine puts back the record it got (the store's own): then there is nothing to replace.
    if (stored !== instance) this.instances.set(instance.id, instance);
    // The in-flight indexes: an instance leaves them once it is no longer in progress.
    let live = this.inFlight.get(instance.customer);
    if (instance.status === 'in_progress') {
      if (!live) this.inFlight.set(instance.customer, (live = new Set()));
      live.add(instance.id);
      if (!this.flying.has(instance.id)) {
        if (stored !== undefined) this.flyingInOrder = false;
        this.flying.add(instance.id);
      }
    } else {
      this.flying.delete(instance.id);
      if (live) {
        live.delete(instance.id);
        if (!live.size) this.inFlight.delete(instance.customer);
      }
    }
  }
  inFlightOfCustomer(customer: string): InstanceRecord[] {
    const live = this.inFlight.get(customer);
    if (!live) return [];
    const out: InstanceRecord[] = [];
    for (const id of live) out.push(this.instances.get(id)!);
    return out;
  }
  instancesOfCustomer(customer: string): InstanceRecord[] {
    return (this.byCustomer.get(customer) ?? []).map((id) => this.instances.get(id)!);
  }
  listInstances(filter: { flow?: string; customer?: string } = {}): InstanceRecord[] {
    return [...this.instances.values()].filter((i) => (filter.flow === undefined || i.flow === filter.flow) && (filter.customer === undefined || i.customer === filter.customer));
  }

  recentInstances(opts: { flow?: string; before?: string; limit: number }): RecentPage {
    // The cursor: how many of the created ids are below it (this store never removes one).
    let end = this.created.length;
    if (opts.before !== undefined) {
      end = /^(0|[1-9]\d{0,15})$/.test(opts.before) ? Number(opts.before) : NaN;
      if (!(end <= this.created.length)) throw new BadCursorError(`not a cursor of this activity: ${JSON.stringify(opts.before)}`);
    }
    const instances: InstanceRecord[] = [];
    let at = end;
    while (at > 0 && instances.length < opts.limit) {
      const i = this.instances.get(this.created[--at]!)!;
      if (opts.flow === undefined || i.flow === opts.flow) instances.push(i);
    }
    return { instances, next: at > 0 ? String(at) : null };
  }

  listInFlight(filter: { flow?: string } = {}): InstanceRecord[] {
    if (!this.flyingInOrder) {
      const ordered = new Set<string>();
      for (const id of this.created) if (this.flying.has(id)) ordered.add(id);
      this.flying = ordered;
      this.flyingInOrder = true;
    }
    const out: InstanceRecord[] = [];
    for (const id of this.flying) {
      const i = this.instances.get(id)!;
      if (filter.flow === undefined || i.flow === filter.flow) out.push(i);
    }
    return out;
  }

  listCustomers(segment?: string): string[] {
    const out: string[] = [];
    for (const c of this.customers.values()) if (segment === undefined || (c.segments ?? []).includes(segment)) out.push(c.id);
    return out;
  }

  appendActivity(instance: string, step: ActivityStep): void {
    const list = this.activity.get(instance);
    if (list) list.push(step);
    else this.activity.set(instance, [step]);
  }
  listActivity(instance: string): ActivityStep[] {
    return this.activity.get(instance)?.slice() ?? [];
  }

  getLaunchRecord(flow: string, customer: string): LaunchRecord | undefined {
    return this.launches.get(flow)?.get(customer);
  }
  putLaunchRecord(flow: string, customer: string, record: LaunchRecord): void {
    let byCustomer = this.launches.get(flow);
    if (!byCustomer) this.launches.set(flow, (byCustomer = new Map()));
    byCustomer.set(customer, record);
  }

  forgetEventSeen(id: string): void {
    this.seen.delete(id);
  }
  markEventSeen(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }

  addTimer(timer: Timer): void {
    const entry: TimerEntry = { instance: timer.instance, due: timer.due, seq: this.seq++ };
    const at = this.timerPos.get(timer.instance);
    if (at !== undefined) {
      // Replace in place, then restore the heap order either way.
      this.timers[at] = entry;
      this.siftDown(this.siftUp(at));
      return;
    }
    this.timers.push(entry);
    this.timerPos.set(entry.instance, this.timers.length - 1);
    this.siftUp(this.timers.length - 1);
  }
  removeTimer(instance: string): void {
    const at = this.timerPos.get(instance);
    if (at === undefined) return;
    this.timerPos.delete(instance);
    const last = this.timers.pop()!;
    if (at === this.timers.length) return;
    this.timers[at] = last;
    this.timerPos.set(last.instance, at);
    this.siftDown(this.siftUp(at));
  }
  claimDueTimers(upTo: number, limit = 100): Timer[] {
    const out: Timer[] = [];
    while (out.length < limit && this.timers.length && this.timers[0]!.due <= upTo) {
      const top = this.timers[0]!;
      this.removeTimer(top.instance);
      out.push({ instance: top.instance, due: top.due });
    }
    return out;
  }
  nextTimerDue(): number | null {
    return this.timers.length ? this.timers[0]!.due : null;
  }

  /** Heap order: by due, ties by the order they were added. */
  private before(a: TimerEntry, b: TimerEntry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }
  private place(i: number, e: TimerEntry): void {
    this.timers[i] = e;
    this.timerPos.set(e.instance, i);
  }
  private siftUp(i: number): number {
    const h = this.timers;
    const e = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(e, h[parent]!)) break;
      this.place(i, h[parent]!);
      i = parent;
    }
    this.place(i, e);
    return i;
  }
  private siftDown(i: number): void {
    const h = this.timers;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(h[r]!, h[l]!) ? r : l;
      if (!this.before(h[c]!, e)) break;
      this.place(i, h[c]!);
      i = c;
    }
    this.place(i, e);
  }

  appendEffect(effect: EffectRecord): void {
    this.effects.push(effect);
  }
  listEffects(): EffectRecord[] {
    return this.effects.slice();
  }
  appendNotEntered(record: NotEnteredRecord): void {
    const once = notEnteredOnceKey(record);
    if (once !== undefined) {
      if (this.notEnteredOnce.has(once)) return;
      this.notEnteredOnce.add(once);
    }
    this.notEntered.push(record);
  }
  listNotEntered(): NotEnteredRecord[] {
    return this.notEntered.slice();
  }
  flowStats(flow: string): FlowStats {
    return statsFromRecords(flow, this.instances.values(), (id) => this.activity.get(id) ?? [], this.notEntered);
  }

  admitInPeriod(key: string, member: string, max: number): boolean {
    let admitted = this.periods.get(key);
    if (admitted?.has(member)) return true;
    if ((admitted?.size ?? 0) >= max) return false;
    if (!admitted) this.periods.set(key, (admitted = new Set()));
    admitted.add(member);
    return true;
  }
  admitInWindow(key: string, member: string, at: number, windowMs: number, max: number): boolean {
    let admitted = this.windows.get(key);
    if (!admitted) this.windows.set(key, (admitted = new Map()));
    for (const [m, t] of admitted) if (t <= at - windowMs) admitted.delete(m);
    if (admitted.has(member)) return true;
    let n = 0;
    for (const t of admitted.values()) if (t <= at) n++;
    if (n >= max) return false;
    admitted.set(member, at);
    return true;
  }
  countAdmitted(key: string): number {
    return this.periods.get(key)?.size ?? 0;
  }

  getMatchState(key: string): MatchState | undefined {
    const s = this.matchStates.get(key);
    return s;
  }
  putMatchState(key: string, state: MatchState): void {
    this.matchStates.set(key, state);
  }
  getOrder(id: string): Record<string, unknown> | undefined {
    const o = this.orders.get(id);
    return o;
  }
  putOrder(order: Record<string, unknown> & { id: string }): void {
    this.orders.set(order.id, order);
  }
  getProduct(id: string): Record<string, unknown> | undefined {
    const p = this.products.get(id);
    return p;
  }
  putProduct(product: Record<string, unknown> & { id: string }): void {
    this.products.set(product.id, product);
  }
}
