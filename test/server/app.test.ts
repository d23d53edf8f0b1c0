/** The HTTP API of `runnel serve` (in-process, Fastify's inject): flows, events, customers, activity, and hostile input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, openApiDocument, parseNdjson } from '../../runtime/server/app.js';
import { FlowService } from '../../runtime/server/flow-service.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import { REPO } from '../helpers/flow-files.js';

const MANIFEST = readFileSync(join(REPO, 'examples/shop/runnel.json'), 'utf8');
const WELCOME = readFileSync(join(REPO, 'examples/shop/flows/welcome.flow'), 'utf8');
const ADMIN = { authorization: 'Bearer admin-secret' };
const INGEST = { authorization: 'Bearer ingest-secret' };

let clock = Date.parse('2026-06-01T08:00:00Z');
let app: FastifyInstance;
let service: FlowService;

beforeAll(async () => {
  service = new FlowService({ store: new MemoryStore(), manifest: MANIFEST, now: () => clock });
  app = await buildApp({ service, tokens: { admin: ['admin-secret'], ingest: ['ingest-secret'] }, logger: false, bodyLimit: 64 * 1024, maxSourceBytes: 16 * 1024, customerEventsPerSecond: 5, now: () => clock });
});
afterAll(async () => {
  await app.close();
});

const registered = (id: string, customer: string, extra: object = {}) => ({ id, type: 'CustomerRegistered', customer, at: new Date(clock).toISOString(), ...extra });

describe('flows', () => {
  it('a draft with errors answers 422 with the diagnostics of `runnel check --format json`, and cannot be launched', async () => {
    const r = await app.inject({ method: 'PUT', url: '/v1/flows/welcome/draft', headers: { ...ADMIN, 'content-type': 'text/plain' }, payload: WELCOME.replace('on CustomerRegistered', 'on CustomerRegistred') });
    expect(r.statusCode).toBe(422);
    const body = r.json();
    expect(body.ok).toBe(false);
    expect(body.diagnostics[0]).toMatchObject({ code: expect.stringMatching(/^RN\d{4}$/), severity: 'error', line: expect.any(Number), column: expect.any(Number), suggestions: ['CustomerRegistered'] });
    expect((await app.inject({ method: 'POST', url: '/v1/flows/welcome/launch', headers: ADMIN })).statusCode).toBe(422);
  });

  it('a clean draft (text or {"source"}) launches; versions and the flow list say so', async () => {
    const r = await app.inject({ method: 'PUT', url: '/v1/flows/welcome/draft', headers: ADMIN, payload: { source: WELCOME } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ flow: 'welcome', ok: true, problems: [] });
    const l = await app.inject({ method: 'POST', url: '/v1/flows/welcome/launch', headers: ADMIN });
    expect(l.statusCode).toBe(200);
    expect(l.json()).toMatchObject({ flow: 'welcome', status: 'active', version: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const flows = (await app.inject({ method: 'GET', url: '/v1/flows', headers: ADMIN })).json();
    expect(flows.flows).toEqual([{ flow: 'welcome', version: l.json().version, status: 'active', launchedAt: '2026-06-01T08:00:00Z', draft: false }]);
    const v = (await app.inject({ method: 'GET', url: '/v1/flows/welcome/versions', headers: ADMIN })).json();
    expect(v.versions).toEqual([{ version: l.json().version, status: 'active', launchedAt: '2026-06-01T08:00:00Z', endedAt: null }]);
  });

  it('a draft holding another flow is refused with a problem, not a crash', async () => {
    const r = await app.inject({ method: 'PUT', url: '/v1/flows/other/draft', headers: ADMIN, payload: { source: WELCOME } });
    expect(r.statusCode).toBe(422);
    expect(r.json().problems[0]).toContain('must hold exactly that flow');
  });

  it('unknown flows answer 404; pause and resume change the status', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/flows/nope/pause', headers: ADMIN })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/flows/nope/versions', headers: ADMIN })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/flows/welcome/pause', headers: ADMIN })).json().status).toBe('paused');
    expect((await app.inject({ method: 'POST', url: '/v1/flows/welcome/resume', headers: ADMIN })).json().status).toBe('active');
  });
});

describe('events, customers and activity', () => {
  it('takes one event as JSON and a batch as NDJSON; a bad event is rejected with its path, the rest go in; duplicates are counted', async () => {
    const one = await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: registered('e1', 'ann', { profile: { email: 'ann@example.com', emailStatus: 'valid', firstName: 'Ann', fields: { marketingConsent: true } } }) });
    expect(one.statusCode).toBe(202);
    expect(one.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const batch = [registered('e2', 'bob'), { id: 'e3', type: 'CustomerRegistered', customer: 'cy', at: 'yesterday' }, registered('e1', 'ann'), { id: 'e4', type: 'NoSuchEvent', customer: 'dan', at: new Date(clock).toISOString() }, '{not json'];
    const text = batch.map((b) => (typeof b === 'string' ? b : JSON.stringify(b))).join('\n');
    const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/x-ndjson' }, payload: text });
    expect(r.statusCode).toBe(207);
    const body = r.json();
    expect([body.accepted, body.duplicates]).toEqual([1, 1]);
    expect(body.rejected.map((x: { index: number; id: string | null }) => [x.index, x.id])).toEqual([[1, 'e3'], [3, 'e4'], [4, null]]);
    expect(body.rejected[0].errors[0].path).toBe('/at');
    expect(body.rejected[1].errors[0].path).toBe('/type');
    expect(body.rejected[2].errors[0].message).toContain('line 5 is not JSON');
  });

  it('stores profiles (validated) and finds activity by email, name or id', async () => {
    const bad = await app.inject({ method: 'PUT', url: '/v1/customers/zed', headers: INGEST, payload: { emailStatus: 'maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toContain('/emailStatus');
    const ok = await app.inject({ method: 'PUT', url: '/v1/customers/bob', headers: INGEST, payload: { firstName: 'Bob', lastName: 'Stone', email: 'bob@example.com', emailStatus: 'valid' } });
    expect(ok.json().customer).toMatchObject({ id: 'bob', firstName: 'Bob' });
    // Bob's first registration did not enter (no valid email then); with the profile stored, this one does.
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: registered('e5', 'bob') })).json().accepted).toBe(1);
    const byEmail = (await app.inject({ method: 'GET', url: '/v1/activity?q=ANN@example', headers: ADMIN })).json();
    expect(byEmail.activity.map((a: { customer: string }) => a.customer)).toEqual(['ann']);
    expect(byEmail.activity[0]).toMatchObject({ flow: 'welcome', status: expect.any(String), steps: expect.any(Array), enteredAt: '2026-06-01T08:00:00Z' });
    const byName = (await app.inject({ method: 'GET', url: '/v1/activity?flow=welcome&q=bob stone', headers: ADMIN })).json();
    expect(byName.activity.map((a: { customer: string }) => a.customer)).toEqual(['bob']);
    // Page by page with the cursor each answer hands out: the same journeys as in one answer.
    const whole = (await app.inject({ method: 'GET', url: '/v1/activity?limit=1000', headers: ADMIN })).json();
    expect(whole.next).toBeNull();
    const paged: string[] = [];
    for (let before: string | null | undefined; before !== null; ) {
      const page = (await app.inject({ method: 'GET', url: `/v1/activity?limit=1${before ? `&before=${encodeURIComponent(before)}` : ''}`, headers: ADMIN })).json();
      paged.push(...page.activity.map((a: { instance: string }) => a.instance));
      before = page.next;
    }
    expect(paged).toEqual(whole.activity.map((a: { instance: string }) => a.instance));
    expect(paged.length).toBeGreaterThan(1);
    const stats = (await app.inject({ method: 'GET', url: '/v1/flows/welcome/stats', headers: ADMIN })).json();
    expect(stats.entered).toBe(2);
    expect(Object.keys(stats.blocks).length).toBeGreaterThan(0);
  });
});

describe('hostile input', () => {
  it('no token: 401; a wrong token: 401; an ingest token on admin endpoints: 403', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/events', payload: registered('h1', 'x') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Bearer admin-secreT' }, payload: registered('h1', 'x') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: 'Basic YWRtaW4=' }, payload: registered('h1', 'x') })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/flows', headers: INGEST })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/activity', headers: INGEST })).statusCode).toBe(403);
  });

  it('malformed JSON, wrong types, empty bodies and odd content types get a 4xx with a message', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/json' }, payload: '{"id": "x", ' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBeTruthy();
    const types = await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: { id: 7, type: 'CustomerRegistered', customer: ['a'], at: 1 } });
    expect(types.statusCode).toBe(400);
    expect(types.json().rejected[0].errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['/id']));
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/x-ndjson' }, payload: '\n\n' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/xml' }, payload: '<e/>' })).statusCode).toBe(415);
    expect((await app.inject({ method: 'GET', url: '/v1/activity?limit=100000', headers: ADMIN })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/activity?flow=welcome/bob', headers: ADMIN })).statusCode).toBe(400);
    for (const before of ['nope', '-3', 'x'.repeat(100), '99999']) {
      const r = await app.inject({ method: 'GET', url: `/v1/activity?before=${before}`, headers: ADMIN });
      expect([r.statusCode, r.json().error], before).toEqual([400, expect.stringContaining('before must be the next cursor of an earlier answer')]);
    }
    expect((await app.inject({ method: 'GET', url: '/v2/nothing', headers: ADMIN })).json().error).toContain('no such endpoint');
    expect((await app.inject({ method: 'PUT', url: '/v1/flows/Bad-Id/draft', headers: ADMIN, payload: { source: WELCOME } })).statusCode).toBe(400);
    for (const path of ['../outside.flow', '/etc/x.flow', 'flows/../vip/x.flow', 'flows/x.txt', 'flows//x.flow']) {
      expect((await app.inject({ method: 'PUT', url: `/v1/flows/welcome/draft?path=${encodeURIComponent(path)}`, headers: ADMIN, payload: { source: WELCOME } })).statusCode, path).toBe(400);
    }
  });

  it('huge bodies and oversized sources answer 413, and the server goes on', async () => {
    const huge = 'x'.repeat(70 * 1024);
    const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/x-ndjson' }, payload: huge });
    expect(r.statusCode).toBe(413);
    const src = await app.inject({ method: 'PUT', url: '/v1/flows/welcome/draft', headers: { ...ADMIN, 'content-type': 'text/plain' }, payload: `// ${'x'.repeat(17 * 1024)}\n${WELCOME}` });
    expect(src.statusCode).toBe(413);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
  });

  it('a flood of one customer\'s events is cut at their rate; other customers still get in', async () => {
    const flood = Array.from({ length: 80 }, (_, i) => JSON.stringify(registered(`f${i}`, 'flooder'))).join('\n');
    const r = await app.inject({ method: 'POST', url: '/v1/events', headers: { ...INGEST, 'content-type': 'application/x-ndjson' }, payload: flood });
    const body = r.json();
    expect(body.accepted).toBe(50); // a burst of ten seconds' worth at 5 a second
    expect(body.rejected).toHaveLength(30);
    expect(body.rejected[0].errors[0].message).toContain('too many events for customer flooder');
    const other = await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: registered('o1', 'someone-else') });
    expect(other.statusCode).toBe(202);
    const again = await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: registered('f999', 'flooder') });
    expect(again.statusCode).toBe(429);
    clock += 2000; // refills
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: INGEST, payload: registered('f1000', 'flooder') })).statusCode).toBe(202);
  });
});

describe('operations', () => {
  it('serves Prometheus metrics and the OpenAPI document', async () => {
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.body).toContain('runnel_events_total{outcome="accepted"}');
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
  });

  it('the OpenAPI document lists exactly the routes the server has', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    const served = [
      'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'POST /v1/events', 'PUT /v1/customers/:id', 'GET /v1/flows', 'PUT /v1/flows/:id/draft',
      'POST /v1/flows/:id/launch', 'POST /v1/flows/:id/pause', 'POST /v1/flows/:id/resume', 'POST /v1/flows/:id/stop', 'GET /v1/flows/:id/versions', 'GET /v1/flows/:id/stats', 'GET /v1/activity',
    ];
    for (const r of served) expect(app.hasRoute({ method: r.split(' ')[0] as 'GET', url: r.split(' ')[1]! }), r).toBe(true);
    expect(documented).toEqual([...served].sort());
  });

  it('splits NDJSON on \\n and \\r\\n and skips blank lines', () => {
    expect(parseNdjson('{"a":1}\r\n\r\n{"b":2}\nnope')).toEqual([{ line: 1, value: { a: 1 } }, { line: 3, value: { b: 2 } }, { line: 4, error: expect.stringContaining('line 4 is not JSON') }]);
  });
});

describe('flow status (last: it stops the flow)', () => {
  it('a stopped flow answers 409 to resume and pause: a launch brings it back', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/flows/welcome/stop', headers: ADMIN })).json().status).toBe('stopped');
    const r = await app.inject({ method: 'POST', url: '/v1/flows/welcome/resume', headers: ADMIN });
    expect([r.statusCode, r.json().error]).toEqual([409, expect.stringContaining('launch a version')]);
    expect((await app.inject({ method: 'POST', url: '/v1/flows/welcome/pause', headers: ADMIN })).statusCode).toBe(409);
  });
});
