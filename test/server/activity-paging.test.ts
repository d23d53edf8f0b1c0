/**
 * FlowService.activity (GET /v1/activity) reads the store page by page: where an answer stops (the
 * 30 days, its page and journey bounds) and that following `next` walks every journey once.
 */
import { describe, expect, it } from 'vitest';
import { FlowService } from '../../runtime/server/flow-service.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { inst } from '../redis/store-contract.js';

const MANIFEST = JSON.stringify({ name: 't', timezone: 'UTC', templates: { email: ['hi'] } });
const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A store holding `old` journeys made `oldDays` ago, then `recent` made in the last day; and a service whose reads of pages are counted. */
async function service(old: number, recent: number, oldDays = 40) {
  const store = new MemoryStore();
  for (let i = 0; i < old; i++) store.putInstance(inst(`f/o${i}/e${i}`, `o${i}`, { enteredAt: NOW - oldDays * DAY + i }));
  for (let i = 0; i < recent; i++) store.putInstance(inst(`f/r${i}/e${i}`, `r${i}`, { enteredAt: NOW - DAY + i }));
  for (let i = 0; i < recent; i++) store.putCustomer({ id: `r${i}`, email: `r${i}@example.com` });
  let pages = 0;
  const recentInstances = store.recentInstances.bind(store);
  store.recentInstances = (opts) => {
    pages++;
    return recentInstances(opts);
  };
  const svc = await FlowService.open({ store, manifest: MANIFEST, now: () => NOW });
  return { svc, pages: () => pages };
}

/** The customers of every answer, following next (20 answers at most). */
async function everyAnswer(svc: FlowService, limit: number): Promise<unknown[]> {
  const seen: unknown[] = [];
  let before: string | undefined;
  for (let answers = 0; answers < 20; answers++) {
    const r = await svc.activity({ limit, ...(before ? { before } : {}) });
    seen.push(...r.activity.map((a) => a['customer']));
    if (r.next === null) break;
    before = r.next;
  }
  return seen;
}

describe('the activity log, page by page', () => {
  it('ends an answer at the first page made more than a day before the 30 days: nothing further down is of them', async () => {
    const { svc, pages } = await service(3000, 12);
    const r = await svc.activity({ q: 'nobody', limit: 5 });
    expect(r).toEqual({ activity: [], next: null });
    // 12 recent journeys (3 pages of 5, the third reaching the old ones), then the stop.
    expect(pages()).toBe(3);
  });

  it('hands out journeys of the 30 days only, newest first, however the pages fall', async () => {
    for (const limit of [3, 5, 100]) {
      const { svc, pages } = await service(7, 12, 30.5);
      const seen = await everyAnswer(svc, limit);
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `r${11 - i}`));
      if (limit < 12) expect(pages()).toBeGreaterThan(1);
    }
  });

  it('reads on past a journey older than the 30 days by less than a day (another runtime\u2019s clock may be behind): those made before it may be of them', async () => {
    const store = new MemoryStore();
    store.putInstance(inst('f/a0/e0', 'a0', { enteredAt: NOW - 29.9 * DAY }));
    store.putInstance(inst('f/a1/e1', 'a1', { enteredAt: NOW - 29.9 * DAY }));
    store.putInstance(inst('f/b/e2', 'b', { enteredAt: NOW - 30.5 * DAY }));
    const svc = await FlowService.open({ store, manifest: MANIFEST, now: () => NOW });
    expect(await everyAnswer(svc, 1)).toEqual(['a1', 'a0']);
  });

  it('stops after 50 pages when a search matches little, with a next that goes on where it stopped', async () => {
    const { svc, pages } = await service(0, 400);
    const first = await svc.activity({ q: 'r7@', limit: 5 });
    // r7@ matches r7 only (r70..r79 are r70@...): found on the last pages, past the 50 read.
    expect(first.activity).toEqual([]);
    expect(pages()).toBe(50);
    expect(first.next).not.toBeNull();
    const second = await svc.activity({ q: 'r7@', limit: 5, before: first.next! });
    expect(second.activity.map((a) => a['customer'])).toEqual(['r7']);
    expect(second.next).toBeNull();
  });

  it('stops after 5,000 journeys looked at', async () => {
    const { svc, pages } = await service(0, 6000);
    const r = await svc.activity({ q: 'nobody', limit: 1000 });
    expect(r.activity).toEqual([]);
    expect(pages()).toBe(5);
    expect(r.next).not.toBeNull();
  });

  it('following next walks every journey once, in order', async () => {
    const { svc } = await service(0, 23);
    expect(await everyAnswer(svc, 4)).toEqual(Array.from({ length: 23 }, (_, i) => `r${22 - i}`));
  });
});
