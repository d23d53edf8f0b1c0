/**
 * The delivery ledger: which webhook keys were delivered (or given up on), and who is delivering
 * a key right now. Workers that share a ledger never deliver one key twice, and never attempt it
 * at the same time: a worker claims the key (a lease with a time to live) before each attempt and
 * marks it delivered after a 2xx.
 *
 * This file has the interface and an in-memory implementation (one process). A Redis one maps
 * onto it directly: `markDelivered` is `SET delivered:<key> 1 NX` (with a long TTL), `claim` a
 * small script (`delivered`/`dead` first, else `SET lease:<key> <owner> NX PX ttl`, or `PEXPIRE`
 * when the lease is already the owner's), `release` a compare-and-delete.
 */

/** `claimed`: the caller may attempt now; `delivered`/`dead`: settled, drop it; `busy`: another owner holds a live lease. */
export type ClaimResult = 'claimed' | 'delivered' | 'dead' | 'busy';

export interface DeliveryLedger {
  /** Whether the key was delivered. */
  has(key: string): Promise<boolean>;
  /** Records the delivery (and ends any lease); false when it was already recorded. */
  markDelivered(key: string): Promise<boolean>;
  /**
   * Takes (or, for the same owner, extends) the lease on a key for ttlMs: a settled key answers
   * `delivered` or `dead`, a key leased to another owner whose lease has not expired `busy`.
   */
  claim(key: string, owner: string, ttlMs: number): Promise<ClaimResult>;
  /** Ends the owner's lease (another worker may then attempt the key). */
  release(key: string, owner: string): Promise<void>;
  /** Records that the key was given up on (dead-lettered): no worker attempts it again. */
  markDead(key: string): Promise<void>;
}

/** One process's ledger. It keeps every settled key: a long-running server wants the Redis one. */
export class InMemoryDeliveryLedger implements DeliveryLedger {
  private readonly delivered = new Set<string>();
  private readonly dead = new Set<string>();
  private readonly leases = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async has(key: string): Promise<boolean> {
    return this.delivered.has(key);
  }

  async markDelivered(key: string): Promise<boolean> {
    this.leases.delete(key);
    if (this.delivered.has(key)) return false;
    this.delivered.add(key);
    return true;
  }

  async claim(key: string, owner: string, ttlMs: number): Promise<ClaimResult> {
    if (this.delivered.has(key)) return 'delivered';
    if (this.dead.has(key)) return 'dead';
    const lease = this.leases.get(key);
    const now = this.now();
    if (lease && lease.owner !== owner && lease.until > now) return 'busy';
    this.leases.set(key, { owner, until: now + ttlMs });
    return 'claimed';
  }

  async release(key: string, owner: string): Promise<void> {
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }

  async markDead(key: string): Promise<void> {
    this.leases.delete(key);
    if (!this.delivered.has(key)) this.dead.add(key);
  }

  /** For tests and diagnostics: the settled keys. */
  snapshot(): { delivered: string[]; dead: string[]; leased: string[] } {
    return { delivered: [...this.delivered], dead: [...this.dead], leased: [...this.leases.keys()] };
  }
}
