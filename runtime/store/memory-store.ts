/**
 * The embedded store: everything in memory (simulator, playground, tests). Browser-safe. It answers
 * synchronously, and copies records in and out so callers never share state with it (as with Redis).
 */
import type { CustomerProfile } from '../vm/customer.js';
import type { EffectRecord, InstanceRecord, LaunchRecord, MatchState, NotEnteredRecord, Store, Timer } from './store.js';

const copy = <T>(v: T): T => structuredClone(v);

interface TimerEntry extends Timer {
  seq: number;
}

export class MemoryStore implements Store {
  private readonly customers = new Map<string, CustomerProfile>();
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly byCustomer = new Map<string, string[]>();
  private readonly launches = new Map<string, LaunchRecord>();
  private readonly seen = new Set<string>();
  /** Sorted by (due, seq). */
  private timers: TimerEntry[] = [];
  private seq = 0;
  private readonly effects: EffectRecord[] = [];
  private readonly notEntered: NotEnteredRecord[] = [];
  private readonly counters = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();
  private readonly matchStates = new Map<string, MatchState>();
  private readonly orders = new Map<string, Record<string, unknown>>();
  private readonly products = new Map<string, Record<string, unknown>>();

  getCustomer(id: string): CustomerProfile | undefined {
    const c = this.customers.get(id);
    return c && copy(c);
  }
  putCustomer(profile: CustomerProfile): void {
    this.customers.set(profile.id, copy(profile));
  }

  getInstance(id: string): InstanceRecord | undefined {
    const i = this.instances.get(id);
    return i && copy(i);
  }
  putInstance(instance: InstanceRecord): void {
    if (!this.instances.has(instance.id)) {
      const list = this.byCustomer.get(instance.customer) ?? [];
      list.push(instance.id);
      this.byCustomer.set(instance.customer, list);
    }
    this.instances.set(instance.id, copy(instance));
  }
  instancesOfCustomer(customer: string): InstanceRecord[] {
    return (this.byCustomer.get(customer) ?? []).map((id) => copy(this.instances.get(id)!));
  }
  listInstances(filter: { flow?: string; customer?: string } = {}): InstanceRecord[] {
    return [...this.instances.values()].filter((i) => (filter.flow === undefined || i.flow === filter.flow) && (filter.customer === undefined || i.customer === filter.customer)).map(copy);
  }

  getLaunchRecord(flow: string, customer: string): LaunchRecord | undefined {
    const r = this.launches.get(JSON.stringify([flow, customer]));
    return r && copy(r);
  }
  putLaunchRecord(flow: string, customer: string, record: LaunchRecord): void {
    this.launches.set(JSON.stringify([flow, customer]), copy(record));
  }

  markEventSeen(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }

  addTimer(timer: Timer): void {
    this.removeTimer(timer.instance);
    const entry: TimerEntry = { instance: timer.instance, due: timer.due, seq: this.seq++ };
    // Binary search for the first entry that sorts after the new one (same due: after, so FIFO).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.timers[mid]!.due <= entry.due) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, entry);
  }
  removeTimer(instance: string): void {
    const i = this.timers.findIndex((t) => t.instance === instance);
    if (i >= 0) this.timers.splice(i, 1);
  }
  claimDueTimers(upTo: number, limit = 100): Timer[] {
    let n = 0;
    while (n < this.timers.length && n < limit && this.timers[n]!.due <= upTo) n++;
    return this.timers.splice(0, n).map((t) => ({ instance: t.instance, due: t.due }));
  }
  nextTimerDue(): number | null {
    return this.timers.length ? this.timers[0]!.due : null;
  }

  appendEffect(effect: EffectRecord): void {
    this.effects.push(copy(effect));
  }
  listEffects(): EffectRecord[] {
    return this.effects.map(copy);
  }
  appendNotEntered(record: NotEnteredRecord): void {
    this.notEntered.push(copy(record));
  }
  listNotEntered(): NotEnteredRecord[] {
    return this.notEntered.map(copy);
  }

  getCounter(key: string): number {
    return this.counters.get(key) ?? 0;
  }
  incrementCounter(key: string, by = 1): number {
    const v = (this.counters.get(key) ?? 0) + by;
    this.counters.set(key, v);
    return v;
  }
  admitInWindow(key: string, at: number, windowMs: number, max: number): boolean {
    const kept = (this.windows.get(key) ?? []).filter((t) => t > at - windowMs);
    const ok = kept.filter((t) => t <= at).length < max;
    if (ok) kept.push(at);
    this.windows.set(key, kept);
    return ok;
  }

  getMatchState(key: string): MatchState | undefined {
    const s = this.matchStates.get(key);
    return s && copy(s);
  }
  putMatchState(key: string, state: MatchState): void {
    this.matchStates.set(key, copy(state));
  }
  getOrder(id: string): Record<string, unknown> | undefined {
    const o = this.orders.get(id);
    return o && copy(o);
  }
  putOrder(order: Record<string, unknown> & { id: string }): void {
    this.orders.set(order.id, copy(order));
  }
  getProduct(id: string): Record<string, unknown> | undefined {
    const p = this.products.get(id);
    return p && copy(p);
  }
  putProduct(product: Record<string, unknown> & { id: string }): void {
    this.products.set(product.id, copy(product));
  }
}
