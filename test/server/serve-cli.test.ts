/** `runnel serve` as a process (the built CLI, dist/): listens, answers with tokens, stops gracefully. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/flow-files.js';
import { startServe } from '../helpers/serve-process.js';
import { freePort } from '../helpers/redis-server.js';

const ENV = { RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'warn' };

const BIN = join(REPO, 'bin/runnel.js');

function requireBuild(): void {
  if (!existsSync(join(REPO, 'dist/runnel.mjs')) || !existsSync(join(REPO, 'dist/serve.mjs'))) throw new Error('the CLI is not built: run `npm run build` (npm test does it first)');
}

describe('runnel serve', () => {
  it('refuses to start without an API token, or without a project (usage error, exit 2)', () => {
    requireBuild();
    const env = { ...process.env, RUNNEL_ADMIN_TOKENS: '', RUNNEL_INGEST_TOKENS: '' };
    const none = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--port', '0'], { cwd: REPO, env, encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no API token');
    const noProject = spawnSync(process.execPath, [BIN, 'serve', '--project', 'nowhere', '--port', '0'], { cwd: REPO, env: { ...env, RUNNEL_ADMIN_TOKENS: 't' }, encoding: 'utf8' });
    expect(noProject.status).toBe(2);
    expect(noProject.stderr).toContain('no runnel.json');
    expect(spawnSync(process.execPath, [BIN, 'serve', '--help'], { cwd: REPO, encoding: 'utf8' }).stdout).toContain('Usage: runnel serve');
    // --workers: checked before any worker starts (each would fail the same way).
    const tok = { ...env, RUNNEL_ADMIN_TOKENS: 't' };
    const noRedis = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--workers', '2'], { cwd: REPO, env: tok, encoding: 'utf8' });
    expect([noRedis.status, noRedis.stderr]).toEqual([2, expect.stringContaining('--workers needs --redis')]);
    const badUrl = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--workers', '2', '--redis', 'http://x'], { cwd: REPO, env: tok, encoding: 'utf8' });
    expect([badUrl.status, badUrl.stderr]).toEqual([2, expect.stringContaining('--redis must be a redis:// URL')]);
    for (const keep of ['-1', '2.5', 'month']) {
      const bad = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', `--keep-ended=${keep}`], { cwd: REPO, env: tok, encoding: 'utf8' });
      expect([bad.status, bad.stderr]).toEqual([2, expect.stringContaining(`--keep-ended must be a whole number of days from 0 (for ever) to 3650, not ${keep}`)]);
    }
  });

  it('exits with a usage error, not hanging on reconnects, when Redis cannot be reached', async () => {
    requireBuild();
    const nobody = await freePort(); // no Redis there
    const r = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--port', '0', '--redis', `redis://127.0.0.1:${nobody}`], {
      cwd: REPO,
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.signal, 'serve did not exit by itself').toBeNull();
    expect([r.status, r.stderr]).toEqual([2, expect.stringContaining('cannot connect to Redis')]);
  });

  it('with --workers, stops (not a restart loop) when a worker fails to start: the worker\'s exit status', async () => {
    requireBuild();
    const nobody = await freePort(); // no Redis there
    const r = spawnSync(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--port', '0', '--workers', '2', '--redis', `redis://127.0.0.1:${nobody}`], {
      cwd: REPO,
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('cannot connect to Redis');
    expect(r.stderr).toMatch(/worker \d+ failed to start \(exit 2\); stopping/);
    expect(r.stderr).not.toContain('starting another');
  });

  it('serves the API on a free port, takes an event with a token, and stops on SIGTERM with exit 0', async () => {
    requireBuild();
    const { stop, address } = await startServe(['--project', 'examples/shop', '--port', '0'], { cwd: REPO, env: ENV });
    try {
      expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ ok: true });
      const ev = { id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: new Date().toISOString() };
      expect((await fetch(`${address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json' } })).status).toBe(401);
      const r = await fetch(`${address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json', authorization: 'Bearer ing' } });
      expect(r.status).toBe(202);
    } finally {
      expect(await stop()).toBe(0);
    }
  });

  it('delivers a flow\'s webhook to its target once, with the idempotency key', async () => {
    requireBuild();
    const got: Array<{ body: string; key: string | undefined }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        got.push({ body, key: req.headers['idempotency-key'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    const port = (receiver.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'runnel-serve-'));
    writeFileSync(join(dir, 'runnel.json'), JSON.stringify({ name: 'hooks', timezone: 'UTC', webhooks: { allowPrivateNetworks: true } }));
    const flow = `flow to_crm "To the CRM" {\n  on CustomerRegistered\n  steps push {\n    webhook post "http://127.0.0.1:${port}/hook" { customer: customer.id }\n  }\n}\n`;
    const { stop, address } = await startServe(['--project', dir, '--tick', '20', '--port', '0'], { cwd: dir, env: ENV });
    const admin = { authorization: 'Bearer adm' };
    try {
      const d = await fetch(`${address}/v1/flows/to_crm/draft`, { method: 'PUT', body: flow, headers: { ...admin, 'content-type': 'text/plain' } });
      expect(d.status, await d.text()).toBe(200);
      expect((await fetch(`${address}/v1/flows/to_crm/launch`, { method: 'POST', headers: admin })).status).toBe(200);
      const ev = { id: 'e1', type: 'CustomerRegistered', customer: 'c9', at: new Date().toISOString() };
      expect((await fetch(`${address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json', authorization: 'Bearer ing' } })).status).toBe(202);
      for (let i = 0; i < 100 && !got.length; i++) await new Promise((ok) => setTimeout(ok, 50));
      expect(got).toEqual([{ body: JSON.stringify({ customer: 'c9' }), key: 'to_crm/c9/e1/push/0' }]);
    } finally {
      expect(await stop()).toBe(0);
      receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
