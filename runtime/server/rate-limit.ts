/**
 * A token bucket per customer: one customer flooding the API cannot crowd out the others. Buckets
 * refill at `perSecond` and hold ten seconds' worth; idle ones are dropped so memory stays bounded.
 */
export class CustomerRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly maxCustomers = 100_000,
  ) {
    this.capacity = perSecond * 10;
  }

  /** Takes one token for the customer: false when their bucket is empty. */
  take(customer: string): boolean {
    const t = this.now();
    let b = this.buckets.get(customer);
    if (!b) {
      if (this.buckets.size >= this.maxCustomers) this.sweep(t);
      b = { tokens: this.capacity, at: t };
      this.buckets.set(customer, b);
    } else {
      b.tokens = Math.min(this.capacity, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Drops full buckets (customers idle long enough to have refilled): they would start full anyway. */
  private sweep(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.capacity) this.buckets.delete(k);
    // Still full of busy customers: forget the oldest.
    if (this.buckets.size >= this.maxCustomers) for (const k of [...this.buckets.keys()].slice(0, this.buckets.size >> 1)) this.buckets.delete(k);
  }
}
