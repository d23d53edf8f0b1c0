/** FlowService (what `runnel serve` runs): the flow registry survives a restart on the same store. */
import { describe, expect, it } from 'vitest';
import { FlowService, TICK_BUDGET } from '../../runtime/server/flow-service.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';

const MANIFEST = JSON.stringify({ name: 't', timezone: 'UTC', templates: { email: ['digest', 'welcome'] }, segments: ['vip'] });
const DIGEST = `flow digest "Digest" {\n  every day at 09:00 for segment "vip"\n  steps s {\n    send email "digest"\n  }\n}\n`;
const T = (iso: string) => Date.parse(iso);

/**
 * A service on `store` with the digest flow launched at 08:00 and `n` vip customers, its clock
 * then at the run's time (09:00:01): `at` moves it, `open` starts another service on the store.
 */
async function digestRun(store: MemoryStore, n: number) {
  let now = T('2026-06-01T08:00:00Z');
  const open = () => FlowService.open({ store, manifest: MANIFEST, now: () => now });
  const service = await open();
  await service.putDraft('digest', DIGEST);
  await service.launch('digest');
  for (let i = 0; i < n; i++) await service.putCustomer(`c${i}`, { segments: ['vip'] });
  now = T('2026-06-01T09:00:01Z');
  return { service, open, at: (iso: string) => void (now = T(iso)), now: () => now };
}

describe('FlowService restarts', () => {
  it('brings back drafts, versions and statuses; a scheduled run made before the restart is not made again', async () => {
    const store = new MemoryStore();
    let now = T('2026-06-01T08:00:00Z');
    const first = await FlowService.open({ store, manifest: MANIFEST, now: () => now });
    expect((await first.putDraft('digest', DIGEST)).program).not.toBeNull();
    const launched = await first.launch('digest');
    await first.putCustomer('c1', { segments: ['vip'] });
    await first.putDraft('digest', DIGEST.replace('"digest"', '"welcome"'));
    // An event just after the run time: the run fires during ingestion, not in a tick.
    now = T('2026-06-01T09:00:05Z');
    const r = await first.ingest([{ id: 'e1', type: 'CustomerRegistered', customer: 'c9', at: new Date(now).toISOString() }]);
    expect(r.accepted).toBe(1);
    expect((await store.listEffects()).map((e) => e.customer)).toEqual(['c1']);

    now = T('2026-06-01T09:30:00Z');
    const second = await FlowService.open({ store, manifest: MANIFEST, now: () => now });
    expect(second.listFlows()).toEqual([{ flow: 'digest', version: launched.version, status: 'active', launchedAt: '2026-06-01T08:00:00Z', draft: true }]);
    expect(second.getDraft('digest')?.source).toContain('"welcome"');
    await second.tick();
    expect(await store.listEffects()).toHaveLength(1);
    now = T('2026-06-02T09:00:01Z');
    await second.tick();
    // On the wall clock a run goes out when the runtime gets to it (here: with the event, then at the tick).
    expect((await store.listEffects()).map((e) => [e.customer, new Date(e.at).toISOString()])).toEqual([
      ['c1', '2026-06-01T09:00:05.000Z'],
      ['c1', '2026-06-02T09:00:01.000Z'],
    ]);
  });
});

describe('FlowService restarted half way through a scheduled run', () => {
  it('makes the run again: the customers it had not reached enter, those it had are passed over', async () => {
    const store = new MemoryStore();
    const n = TICK_BUDGET * 2 + 10;
    const { service: first, open, at } = await digestRun(store, n);
    expect(await first.tick()).toBe(TICK_BUDGET);
    expect(await store.listEffects()).toHaveLength(TICK_BUDGET - 1);
    // The runtime dies here (its run under way was in memory); another starts on the same store.
    at('2026-06-01T09:05:00Z');
    const second = await open();
    while ((await second.tick()) > 0);
    const effects = await store.listEffects();
    expect(effects).toHaveLength(n);
    expect(new Set(effects.map((e) => e.customer)).size).toBe(n);
    // Made once: the next day's run is the next one, not this one again.
    const third = await open();
    while ((await third.tick()) > 0);
    expect(await store.listEffects()).toHaveLength(n);
    at('2026-06-02T09:00:01Z');
    while ((await third.tick()) > 0);
    expect(await store.listEffects()).toHaveLength(2 * n);
  });
});

describe('FlowService: a run that a store failure ended', () => {
  it('is not made again after a restart (it ended there, as the runtime guide says)', async () => {
    const store = new MemoryStore();
    let failing = false;
    const commit = store.commit.bind(store);
    store.commit = (t) => {
      if (failing && t.instance.id.includes('/run:')) throw new Error('the store is down');
      commit(t);
    };
    const { service: first, open, at } = await digestRun(store, TICK_BUDGET * 2);
    expect(await first.tick()).toBe(TICK_BUDGET);
    failing = true;
    await expect(first.tick()).rejects.toThrow('the store is down');
    failing = false;
    at('2026-06-01T09:05:00Z');
    const second = await open();
    while ((await second.tick()) > 0);
    expect(await store.listEffects()).toHaveLength(TICK_BUDGET - 1);
  });

  it('is not made again after a restart when it failed in the tick it began in', async () => {
    const store = new MemoryStore();
    const commit = store.commit.bind(store);
    let failing = true;
    store.commit = (t) => {
      if (failing && t.instance.id.includes('/run:')) throw new Error('the store is down');
      commit(t);
    };
    const { service: first, open, at } = await digestRun(store, 20);
    await expect(first.tick()).rejects.toThrow('the store is down');
    failing = false;
    at('2026-06-01T09:05:00Z');
    const second = await open();
    while ((await second.tick()) > 0);
    expect(await store.listEffects()).toHaveLength(0);
  });
});

describe('FlowService ticks', () => {
  it('fires a large run a slice at a time, taking events between the slices', async () => {
    const store = new MemoryStore();
    const n = TICK_BUDGET * 2 + 10;
    const { service, now } = await digestRun(store, n);
    expect(await service.tick()).toBe(TICK_BUDGET);
    expect(await store.listEffects()).toHaveLength(TICK_BUDGET - 1);
    expect((await service.ingest([{ id: 'e1', type: 'CustomerRegistered', customer: 'new', at: new Date(now()).toISOString() }])).accepted).toBe(1);
    // The event went in; it fired the rest of the run first (an event waits for what was due before it).
    expect(await store.listEffects()).toHaveLength(n);
    expect(await service.tick()).toBe(0);
  });
});

describe('FlowService.processQueued', () => {
  const WELCOME = `flow welcome "Welcome" {\n  on CustomerRegistered\n  steps s {\n    send email "welcome"\n  }\n}\n`;
  const queued = (n: number, customer: string) => ({ entry: `0-${n}`, text: JSON.stringify({ id: `e${n}`, type: 'CustomerRegistered', customer, at: '2026-06-01T08:00:00Z', receivedAt: '2026-06-01T08:00:00Z' }) });
  async function welcomeService() {
    const store = new MemoryStore();
    const service = await FlowService.open({ store, manifest: MANIFEST, now: () => T('2026-06-01T08:00:01Z') });
    await service.putDraft('welcome', WELCOME);
    await service.launch('welcome');
    return { store, service };
  }

  it('works on the shards side by side: one shard waiting on Redis does not hold the others up', async () => {
    const { store, service } = await welcomeService();
    // Shard a's first `done` waits until shard b has marked an event done: one shard after another, it would wait for ever.
    let bDone!: () => void;
    const bWent = new Promise<void>((r) => (bDone = r));
    const order: string[] = [];
    // One shard after another would wait for ever: a second is enough to tell.
    const tooLong = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('shard b never went: the shards went one after another')), 1000).unref());
    const results = await service.processQueued([
      { owned: () => true, events: [queued(1, 'a1'), queued(2, 'a2')], done: async (e) => { if (e === '0-1') await Promise.race([bWent, tooLong]); order.push(`a ${e}`); } },
      { owned: () => true, events: [queued(3, 'b1')], done: async (e) => { order.push(`b ${e}`); bDone(); } },
    ]);
    expect(results).toEqual([{ processed: 2 }, { processed: 1 }]);
    // Each shard's own events stay in order.
    expect(order).toEqual(['b 0-3', 'a 0-1', 'a 0-2']);
    expect((await store.listEffects()).map((x) => x.customer).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('stops a shard at its failure and leaves the others going; a shard no longer owned is left alone', async () => {
    const { store, service } = await welcomeService();
    const results = await service.processQueued([
      { owned: () => true, events: [queued(1, 'a1'), queued(2, 'a2'), queued(3, 'a3')], done: async (e) => { if (e === '0-2') throw new Error('Redis went away'); } },
      { owned: () => false, events: [queued(4, 'b1')], done: async () => undefined },
      { owned: () => true, events: [queued(5, 'c1'), queued(6, 'c2')], done: async () => undefined },
    ]);
    expect(results[0]!.processed).toBe(1);
    expect((results[0]!.error as Error).message).toBe('Redis went away');
    expect(results.slice(1)).toEqual([{ processed: 0 }, { processed: 2 }]);
    // a3 was never reached; b1 is the other owner's.
    expect((await store.listEffects()).map((x) => x.customer).sort()).toEqual(['a1', 'a2', 'c1', 'c2']);
  });
});
