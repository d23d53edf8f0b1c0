/**
 * `runnel serve --redis`: the state lives in Redis. Stopped and started again on the same Redis,
 * the server has its flows (versions, statuses) and journeys back, and does not deliver again a
 * webhook it delivered before the restart. With `--workers n`, n worker processes on one port share
 * the shards; a dead one is replaced, and SIGTERM stops them all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { LAYOUT_VERSION, RedisStore } from '../../runtime/redis/redis-store.js';
import { spawnSync } from 'node:child_process';
import { REPO } from '../helpers/flow-files.js';
import { startServe } from '../helpers/serve-process.js';
import { eventually } from '../helpers/eventually.js';

let redis: RedisServer | undefined;
let receiver: Server | undefined;
let dir = '';
const hits: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  receiver = createServer((req, res) => {
    hits.push(String(req.headers['idempotency-key']));
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((ok) => receiver!.listen(0, '127.0.0.1', ok));
  dir = mkdtempSync(join(tmpdir(), 'runnel-redis-serve-'));
  writeFileSync(join(dir, 'runnel.json'), JSON.stringify({ name: 'hooks', timezone: 'UTC', webhooks: { allowPrivateNetworks: true } }));
}, 60_000);
afterAll(async () => {
  receiver?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const serve = () => startServe(['--project', dir, '--port', '0', '--tick', '20', '--redis', redis!.url], { cwd: dir, env: { RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'warn' } });

const admin = { authorization: 'Bearer adm' };
const ingest = { authorization: 'Bearer ing', 'content-type': 'application/json' };
const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((ok) => setTimeout(ok, 25));
};

describe('runnel serve --redis', () => {
  it('keeps flows, journeys and delivered webhooks across a restart', async () => {
    const port = (receiver!.address() as { port: number }).port;
    const flow = `flow to_crm "To the CRM" {\n  on CustomerRegistered\n  steps push {\n    webhook post "http://127.0.0.1:${port}/hook" { customer: customer.id }\n  }\n}\n`;
    const first = await serve();
    let version = '';
    try {
      expect((await fetch(`${first.address}/v1/flows/to_crm/draft`, { method: 'PUT', body: flow, headers: { ...admin, 'content-type': 'text/plain' } })).status).toBe(200);
      version = ((await (await fetch(`${first.address}/v1/flows/to_crm/launch`, { method: 'POST', headers: admin })).json()) as { version: string }).version;
      const ev = { id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: new Date().toISOString() };
      expect((await fetch(`${first.address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: ingest })).status).toBe(202);
      await waitFor(() => hits.length > 0);
      expect(hits).toEqual(['to_crm/c1/e1/push/0']);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await serve();
    try {
      const flows = (await (await fetch(`${second.address}/v1/flows`, { headers: admin })).json()) as { flows: Array<Record<string, unknown>> };
      expect(flows.flows).toEqual([expect.objectContaining({ flow: 'to_crm', version, status: 'active' })]);
      const activity = (await (await fetch(`${second.address}/v1/activity?q=c1`, { headers: admin })).json()) as { activity: Array<Record<string, unknown>> };
      expect(activity.activity.map((a) => [a['customer'], a['status']])).toEqual([['c1', 'completed']]);
      // The same event again is a duplicate; nothing delivered twice after a few ticks.
      const again = { id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: new Date().toISOString() };
      expect(((await (await fetch(`${second.address}/v1/events`, { method: 'POST', body: JSON.stringify(again), headers: ingest })).json()) as { duplicates: number }).duplicates).toBe(1);
      await new Promise((ok) => setTimeout(ok, 300));
      expect(hits).toEqual(['to_crm/c1/e1/push/0']);
      const next = { id: 'e2', type: 'CustomerRegistered', customer: 'c2', at: new Date().toISOString() };
      expect((await fetch(`${second.address}/v1/events`, { method: 'POST', body: JSON.stringify(next), headers: ingest })).status).toBe(202);
      await waitFor(() => hits.length > 1);
      expect(hits).toEqual(['to_crm/c1/e1/push/0', 'to_crm/c2/e2/push/0']);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  }, 60_000);

  it('runs as worker processes on one port (--workers 2): they split the shards, a dead one is replaced, SIGTERM stops all', async () => {
    const url = `${redis!.url}/1`; // a database of its own: nothing left by the test above
    const port = await freePort();
    const hook = (receiver!.address() as { port: number }).port;
    const flow = `flow welcome "Welcome" {\n  on CustomerRegistered\n  steps hello {\n    webhook post "http://127.0.0.1:${hook}/hook" { customer: customer.id }\n  }\n}\n`;
    const env = { RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'info' };
    const args = ['--project', dir, '--port', String(port), '--redis', url, '--workers', '2', '--lease', '1500'];
    const s = await startServe(args, { cwd: dir, env, ready: /2 workers listening on (http:\/\/\S+)/ });
    const store = await RedisStore.connect({ url });
    // The workers, from their log line `working on a share of the shards` (pid and shard-owner token).
    const workers = () =>
      s
        .output()
        .split('\n')
        .filter((l) => l.includes('"working on a share of the shards"'))
        .map((l) => JSON.parse(l) as { pid: number; worker: string });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // Live tokens in rn:workers (scored by heartbeat expiry), and the owner of each of the 64 shards.
    const live = async () => ((await store.conn.send('rn:workers', ['ZRANGE', 'rn:workers', String(Date.now()), '+inf', 'BYSCORE'])) as string[]).sort();
    // An owner key holds `<worker token>/<acquisition>`.
    const owners = async () => Promise.all(Array.from({ length: 64 }, async (_, n) => ((await store.conn.send(`{rn:${n}}:own`, ['GET', `{rn:${n}}:own`])) as string | null)?.replace(/\/\d+$/, '') ?? null));
    const until = (what: string, cond: () => boolean | Promise<boolean>, ms = 8000) => eventually(what, cond, ms, { context: () => s.output().slice(-3000) });
    const send = async (ids: string[]) => {
      for (const c of ids) {
        const ev = { id: `r-${c}`, type: 'CustomerRegistered', customer: c, at: new Date().toISOString() };
        expect((await fetch(`${s.address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: ingest })).status).toBe(202);
      }
    };
    const completed = async (ids: string[]) => {
      const r = (await (await fetch(`${s.address}/v1/activity?flow=welcome&limit=1000`, { headers: admin })).json()) as { activity: Array<Record<string, unknown>> };
      const done = new Set(r.activity.filter((a) => a['status'] === 'completed').map((a) => a['customer']));
      return ids.every((c) => done.has(c));
    };
    const delivered = (ids: string[]) => ids.map((c) => `welcome/${c}/r-${c}/hello/0`);
    let exit: number | null | undefined;
    let left: number[] = [];
    const pids = new Set<number>();
    try {
      expect(s.address).toBe(`http://127.0.0.1:${port}`);
      // Two worker processes, each owning about half of the shards.
      await until('two workers at work', () => workers().length === 2);
      const [a, b] = workers();
      for (const w of [a!, b!]) pids.add(w.pid);
      expect(a!.pid).not.toBe(b!.pid);
      expect(a!.pid).not.toBe(s.child.pid);
      await until('the shards split between the two', async () => {
        const own = await owners();
        return own.every((o) => o === a!.worker || o === b!.worker) && own.filter((o) => o === a!.worker).length === 32;
      });
      expect(await live()).toEqual([a!.worker, b!.worker].sort());

      // Events through the shared port: customers on both workers' shards, all processed.
      expect((await fetch(`${s.address}/v1/flows/welcome/draft`, { method: 'PUT', body: flow, headers: { ...admin, 'content-type': 'text/plain' } })).status).toBe(200);
      expect((await fetch(`${s.address}/v1/flows/welcome/launch`, { method: 'POST', headers: admin })).status).toBe(200);
      // No wait: the worker that did not take the launch takes it up before processing these events.
      const first = Array.from({ length: 16 }, (_, i) => `k${i}`);
      const own = await owners();
      expect(new Set(first.map((c) => own[store.shardOf(c)]))).toEqual(new Set([a!.worker, b!.worker]));
      await send(first);
      await until('the first customers completed', () => completed(first));
      await until('their webhooks delivered', () => delivered(first).every((k) => hits.includes(k)));

      // A worker killed: the primary starts another, which takes the dead one's shards over.
      process.kill(a!.pid, 'SIGKILL');
      await until('the primary noticing', () => new RegExp(`worker ${a!.pid} died \\(SIGKILL\\); starting another`).test(s.output()));
      await until('a third worker at work', () => workers().length === 3);
      const c = workers()[2]!;
      pids.add(c.pid);
      expect(pids.size).toBe(3);
      expect(alive(a!.pid)).toBe(false);
      await until('the shards split between the survivor and the new one', async () => {
        const o = await owners();
        return o.every((x) => x === b!.worker || x === c.worker) && o.filter((x) => x === c.worker).length === 32;
      });
      expect(await live()).toEqual([b!.worker, c.worker].sort());
      const second = Array.from({ length: 16 }, (_, i) => `m${i}`);
      await send(second);
      await until('the next customers completed', () => completed(second));
      await until('their webhooks delivered', () => delivered(second).every((k) => hits.includes(k)));
      // Each webhook once, though two workers deliver (they share the webhook stream's consumer group).
      const mine = hits.filter((h) => h.startsWith('welcome/'));
      expect(mine.sort()).toEqual([...delivered(first), ...delivered(second)].sort());
    } finally {
      // SIGTERM to the primary: it stops every worker and exits 0 (8 s at most here).
      exit = await Promise.race([s.stop(), new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 8000))]);
      left = [...pids].filter(alive);
      if (exit === undefined) s.child.kill('SIGKILL');
      for (const p of left) process.kill(p, 'SIGKILL');
      await store.close();
    }
    expect({ exit, left }, s.output().slice(-3000)).toEqual({ exit: 0, left: [] });
    // Stopped gracefully: the workers gave their shards up.
    const after = await RedisStore.connect({ url });
    try {
      expect(await after.conn.send('rn:workers', ['ZRANGE', 'rn:workers', String(Date.now()), '+inf', 'BYSCORE'])).toEqual([]);
    } finally {
      await after.close();
    }
  }, 30_000);

  it('refuses to start on data of another key layout, saying so (usage error, exit 2), and leaves it untouched', async () => {
    const store = await RedisStore.connect({ url: redis!.url });
    const mark = (await store.conn.send('rn:layout', ['GET', 'rn:layout'])) as string;
    const other = JSON.stringify({ ...(JSON.parse(mark) as object), version: LAYOUT_VERSION + 1 });
    await store.conn.send('rn:layout', ['SET', 'rn:layout', other]);
    try {
      const r = spawnSync(process.execPath, [join(REPO, 'bin/runnel.js'), 'serve', '--project', dir, '--port', '0', '--redis', redis!.url], {
        cwd: dir,
        env: { ...process.env, RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect([r.status, r.stderr]).toEqual([2, expect.stringContaining(`has key layout ${LAYOUT_VERSION + 1}; this build reads layout ${LAYOUT_VERSION}`)]);
      expect(await store.conn.send('rn:layout', ['GET', 'rn:layout'])).toBe(other);
    } finally {
      await store.conn.send('rn:layout', ['SET', 'rn:layout', mark]);
      await store.close();
    }
  }, 30_000);
});
