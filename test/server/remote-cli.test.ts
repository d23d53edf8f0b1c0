/** `runnel deploy|launch|pause|resume|stop|activity` against a real HTTP server (in-process, on a free loopback port). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { runRemote } from '../../cli/commands/remote.js';
import { buildApp } from '../../runtime/server/app.js';
import { FlowService } from '../../runtime/server/flow-service.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { REPO } from '../helpers/flow-files.js';
import { inst } from '../redis/store-contract.js';
import { useTempProjects } from '../helpers/cli.js';

let app: FastifyInstance;
let server: string;
const SHOP = join(REPO, 'examples/shop');

beforeAll(async () => {
  const service = new FlowService({ store: new MemoryStore(), manifest: readFileSync(join(SHOP, 'runnel.json'), 'utf8') });
  app = await buildApp({ service, tokens: { admin: ['adm'], ingest: ['ing'] }, logger: false });
  server = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
});

async function cli(command: string, args: string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const code = await runRemote(command, [...args, '--server', server], { cwd, color: false, stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('remote commands', () => {
  const project = useTempProjects();

  it('deploys flows as drafts, launches one, pauses and resumes it, and prints its activity', async () => {
    const d = await cli('deploy', ['examples/shop/flows/welcome.flow', '--token', 'adm']);
    expect(d.stderr).toBe('');
    expect(d.stdout).toContain('flow welcome: draft saved, no errors');
    const l = await cli('launch', ['welcome', '--token', 'adm']);
    expect([l.code, l.stdout]).toEqual([0, expect.stringMatching(/^flow welcome: active \(version [0-9a-f]{12}\)\n$/)]);
    expect((await cli('pause', ['welcome', '--token', 'adm'])).stdout).toContain('paused');
    expect((await cli('resume', ['welcome', '--token', 'adm'])).stdout).toContain('active');
    const ev = { id: 'e1', type: 'CustomerRegistered', customer: 'ann', at: new Date().toISOString(), profile: { email: 'ann@example.com', emailStatus: 'valid', firstName: 'Ann' } };
    const r = await fetch(`${server}/v1/events`, { method: 'POST', body: JSON.stringify(ev), headers: { 'content-type': 'application/json', authorization: 'Bearer ing' } });
    expect(r.status).toBe(202);
    const a = await cli('activity', ['--q', 'ann@', '--token', 'adm']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/ann {2}welcome: (completed|in_progress) /);
    expect(a.stdout).toContain('(version ');
    const j = await cli('activity', ['--flow', 'welcome', '--json', '--token', 'adm']);
    expect(JSON.parse(j.stdout)[0]).toMatchObject({ customer: 'ann', flow: 'welcome' });
  });

  it('a draft with errors prints its diagnostics and exits 1; an unknown flow exits 1; a bad token exits 2', async () => {
    const dir = project({ 'runnel.json': readFileSync(join(SHOP, 'runnel.json'), 'utf8'), 'broken.flow': 'flow broken "B" {\n  on CustomerRegistred\n  steps s { send email "welcome" }\n}\n' });
    const d = await cli('deploy', ['broken.flow', '--token', 'adm'], dir);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/broken\.flow:2:6 - error RN\d{4}: .*CustomerRegistred/);
    expect((await cli('launch', ['nope', '--token', 'adm'])).code).toBe(1);
    const bad = await cli('launch', ['welcome', '--token', 'wrong']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('401')]);
  });

  it('activity follows the server\u2019s next over several answers, and stops after 20 saying so', async () => {
    // 1,200 journeys of the last day; r7 (the 1,193rd newest) is the only one whose email has "r7@".
    const store = new MemoryStore();
    const now = Date.now();
    for (let i = 0; i < 1200; i++) {
      store.putCustomer({ id: `r${i}`, email: `r${i}@example.com` });
      store.putInstance(inst(`welcome/r${i}/e${i}`, `r${i}`, { flow: 'welcome', enteredAt: now - 86_400_000 + i }));
    }
    const service = new FlowService({ store, manifest: readFileSync(join(SHOP, 'runnel.json'), 'utf8') });
    const own = await buildApp({ service, tokens: { admin: ['adm'], ingest: [] }, logger: false });
    const url = await own.listen({ port: 0, host: '127.0.0.1' });
    try {
      const run = async (args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await runRemote('activity', [...args, '--token', 'adm', '--json', '--server', url], { cwd: REPO, color: false, stdout: (x) => void (stdout += x), stderr: (x) => void (stderr += x) });
        return { code, out: JSON.parse(stdout) as Array<{ customer: string }>, stderr };
      };
      // An answer reads at most 50 pages (of 5 here): r7 comes in the fifth.
      const found = await run(['--q', 'r7@', '--limit', '5']);
      expect([found.code, found.out.map((e) => e.customer), found.stderr]).toEqual([0, ['r7'], '']);
      // A search matching none, one entry at a time: 20 answers of 50 journeys (1,000) do not reach the end.
      const none = await run(['--q', 'nobody', '--limit', '1']);
      expect([none.code, none.out]).toEqual([0, []]);
      expect(none.stderr).toContain('stopped after 20 pages of the server with 0 of 1 entries');
    } finally {
      await own.close();
    }
  });

  it('says what is missing: no token, no flow, no server', async () => {
    const saved = process.env['RUNNEL_TOKEN'];
    delete process.env['RUNNEL_TOKEN'];
    try {
      await expect(cli('launch', ['welcome'])).rejects.toThrow(/no API token/);
    } finally {
      if (saved !== undefined) process.env['RUNNEL_TOKEN'] = saved;
    }
    await expect(cli('pause', ['--token', 'adm'])).rejects.toThrow(/say which flow/);
    await expect(runRemote('launch', ['welcome', '--token', 'adm', '--server', 'http://127.0.0.1:1'], { cwd: REPO, color: false, stdout: () => {}, stderr: () => {} })).rejects.toThrow(/cannot reach/);
  });
});
