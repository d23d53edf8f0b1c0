/** `runnel serve` as a process (the built CLI, dist/): listens, answers with tokens, stops gracefully. */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/flow-files.js';

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
  });

  it('serves the API on a free port, takes an event with a token, and stops on SIGTERM with exit 0', async () => {
    requireBuild();
    const child = spawn(process.execPath, [BIN, 'serve', '--project', 'examples/shop', '--port', '0'], { cwd: REPO, env: { ...process.env, RUNNEL_ADMIN_TOKENS: 'adm', RUNNEL_INGEST_TOKENS: 'ing', RUNNEL_LOG_LEVEL: 'warn' } });
    let out = '';
    const address = await new Promise<string>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`serve did not say where it listens: ${out}`)), 15_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          ok(m[1]!);
        }
      });
      child.on('exit', (code) => fail(new Error(`serve exited early with ${code}: ${out}`)));
    });
    try {
      expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ ok: true });
      const ev = { id: 'e1', type: 'CustomerRegistered', customer: 'c1', at: new Date().toISOString() };
      expect((await fetch(`${address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json' } })).status).toBe(401);
      const r = await fetch(`${address}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json', authorization: 'Bearer ing' } });
      expect(r.status).toBe(202);
    } finally {
      const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
