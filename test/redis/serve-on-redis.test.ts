/**
 * `runnel serve --redis`: the state lives in Redis. Stopped and started again on the same Redis,
 * the server has its flows (versions, statuses) and journeys back, and does not deliver again a
 * webhook it delivered before the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { startServe } from '../helpers/serve-process.js';

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
});
