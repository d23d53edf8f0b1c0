/** The webhook delivery ledger on Redis: at most once per key across workers and restarts; leases expire. */
import { describe, expect, it } from 'vitest';
import { RedisDeliveryLedger } from '../../runtime/redis/delivery-ledger.js';
import { useRedis } from '../helpers/use-redis.js';

const redis = useRedis();
let n = 0;
const ledger = () => new RedisDeliveryLedger(redis.connection(), { prefix: `l${n++}` });

describe('RedisDeliveryLedger', () => {
  it('one owner holds a lease; others are busy until it is released; a delivered key stays delivered', async () => {
    const l = ledger();
    expect(await l.claim('k', 'w1', 10_000)).toBe('claimed');
    expect(await l.claim('k', 'w2', 10_000)).toBe('busy');
    expect(await l.claim('k', 'w1', 10_000)).toBe('claimed'); // the owner extends it
    await l.release('k', 'w2'); // not theirs: nothing happens
    expect(await l.claim('k', 'w2', 10_000)).toBe('busy');
    await l.release('k', 'w1');
    expect(await l.claim('k', 'w2', 10_000)).toBe('claimed');
    expect(await l.has('k')).toBe(false);
    expect(await l.markDelivered('k')).toBe(true);
    expect(await l.markDelivered('k')).toBe(false);
    expect(await l.has('k')).toBe(true);
    expect(await l.claim('k', 'w3', 10_000)).toBe('delivered');
  });

  it('a lease expires by itself; a dead key is never claimed again', async () => {
    const l = ledger();
    expect(await l.claim('x', 'w1', 30)).toBe('claimed');
    await new Promise((ok) => setTimeout(ok, 80));
    expect(await l.claim('x', 'w2', 10_000)).toBe('claimed');
    await l.markDead('x');
    expect(await l.claim('x', 'w1', 10_000)).toBe('dead');
    expect(await l.has('x')).toBe(false);
    expect(await l.markDelivered('y')).toBe(true);
    await l.markDead('y'); // never over a delivery
    expect(await l.claim('y', 'w1', 10_000)).toBe('delivered');
  });

  it('a second ledger on the same Redis (another process, or after a restart) sees what the first settled', async () => {
    const prefix = `shared${n++}`;
    const a = new RedisDeliveryLedger(redis.connection(), { prefix });
    const b = new RedisDeliveryLedger(redis.connection(), { prefix });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('same', `w${i}`, 10_000)));
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(await a.markDelivered('same')).toBe(true);
    expect(await b.claim('same', 'w99', 10_000)).toBe('delivered');
  });
});
