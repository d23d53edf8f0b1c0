/**
 * The webhook delivery ledger on Redis (runtime/server/webhooks/ledger.ts says what a ledger
 * promises): one key per effect key, `<prefix>:wh:<effect key>`, holding `delivered`, `dead` or
 * `lease:<owner>` (a lease expires by itself). Settled keys are kept for `keepMs` (30 days), longer
 * than any retry. Several processes sharing one Redis deliver each key at most once, and a
 * restarted process does not deliver again what was delivered before.
 */
import type { ClaimResult, DeliveryLedger } from '../server/webhooks/ledger.js';
import type { RedisConnection } from './client.js';

const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v == 'delivered' or v == 'dead' then return v end
if v and v ~= ('lease:' .. ARGV[1]) then return 'busy' end
redis.call('SET', KEYS[1], 'lease:' .. ARGV[1], 'PX', ARGV[2])
return 'claimed'`;

const MARK_DELIVERED = `
local v = redis.call('GET', KEYS[1])
if v == 'delivered' then return 0 end
redis.call('SET', KEYS[1], 'delivered', 'PX', ARGV[1])
return 1`;

const MARK_DEAD = `
if redis.call('GET', KEYS[1]) == 'delivered' then return 0 end
redis.call('SET', KEYS[1], 'dead', 'PX', ARGV[1])
return 1`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ('lease:' .. ARGV[1]) then redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: { prefix?: string; keepMs?: number } = {},
  ) {}

  private key(effectKey: string): string {
    return `${this.opts.prefix ?? 'rn'}:wh:${effectKey}`;
  }
  private get keep(): string {
    return String(this.opts.keepMs ?? 30 * 86_400_000);
  }
  private eval(script: string, key: string, args: string[]): Promise<unknown> {
    return this.conn.send(key, ['EVAL', script, '1', key, ...args]);
  }

  async has(key: string): Promise<boolean> {
    const k = this.key(key);
    return (await this.conn.send(k, ['GET', k])) === 'delivered';
  }
  async markDelivered(key: string): Promise<boolean> {
    return Number(await this.eval(MARK_DELIVERED, this.key(key), [this.keep])) === 1;
  }
  async claim(key: string, owner: string, ttlMs: number): Promise<ClaimResult> {
    return (await this.eval(CLAIM, this.key(key), [owner, String(Math.max(1, Math.ceil(ttlMs)))])) as ClaimResult;
  }
  async release(key: string, owner: string): Promise<void> {
    await this.eval(RELEASE, this.key(key), [owner]);
  }
  async markDead(key: string): Promise<void> {
    // Never over a delivery: a key delivered stays delivered.
    await this.eval(MARK_DEAD, this.key(key), [this.keep]);
  }
}
