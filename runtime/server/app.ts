/**
 * The HTTP API of `runnel serve` (docs/openapi.json describes it; a test keeps the two in step).
 * Fastify, with pino logs, bearer tokens in two scopes (ingest, admin), body size limits, per
 * customer rate limits on ingestion, Prometheus metrics (prom-client) and a health check.
 *
 * Every error answer is `{"error": "<what>", ...}` with a 4xx/5xx status; nothing a client sends
 * can take the process down or lose what was already accepted.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FlowService, ServiceError } from './flow-service.js';
import { CustomerRateLimiter } from './rate-limit.js';
import { BadCursorError } from '../store/store.js';

export type Scope = 'ingest' | 'admin';

/** What a flow id looks like (the language's identifiers): checked where a request names one. */
const FLOW_ID = /^[a-z][a-z0-9_]*$/;

export interface AppOptions {
  service: FlowService;
  /** Tokens by scope. An admin token may also ingest. No token configured for a scope: nobody has it. */
  tokens: { ingest: readonly string[]; admin: readonly string[] };
  /** Largest request body in bytes (events batches, profiles). Default 1 MiB. */
  bodyLimit?: number;
  /** Largest flow source in bytes. Default 256 KiB. */
  maxSourceBytes?: number;
  /** Events per second one customer may send (a token bucket; burst = 10 s worth). Default 50. */
  customerEventsPerSecond?: number;
  /** pino logger options, or false for none (tests). */
  logger?: boolean | { level: string };
  /** The wall clock (rate limits), for tests. */
  now?: () => number;
}

const OPENAPI_URL = new URL('../../docs/openapi.json', import.meta.url);

/** The OpenAPI document, as checked in. */
export function openApiDocument(): Record<string, unknown> {
  return JSON.parse(readFileSync(OPENAPI_URL, 'utf8')) as Record<string, unknown>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Splits an NDJSON body into parsed lines; a bad line is reported with its number, the others still count. */
export function parseNdjson(text: string): Array<{ line: number; value?: unknown; error?: string }> {
  const out: Array<{ line: number; value?: unknown; error?: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.trim()) return;
    try {
      out.push({ line: i + 1, value: JSON.parse(line) });
    } catch (e) {
      out.push({ line: i + 1, error: `line ${i + 1} is not JSON: ${(e as Error).message}` });
    }
  });
  return out;
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const maxSource = opts.maxSourceBytes ?? 256 * 1024;
  const service = opts.service;
  const app = Fastify({ logger: opts.logger ?? { level: 'info' }, bodyLimit, disableRequestLogging: false });

  // ------------------------------------------------------------------ metrics
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const events = new Counter({ name: 'runnel_events_total', help: 'Events received, by outcome', labelNames: ['outcome'], registers: [registry] });
  const requests = new Histogram({ name: 'runnel_http_request_seconds', help: 'HTTP request durations', labelNames: ['route', 'status'], registers: [registry], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
  app.addHook('onResponse', async (req, reply) => {
    requests.observe({ route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // ------------------------------------------------------------------ bodies
  // NDJSON batches and flow sources arrive as text; JSON is parsed by Fastify (a bad body: 400).
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  // ------------------------------------------------------------------ auth
  const scopeOf = (req: FastifyRequest): Scope | null => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (!m) return null;
    const token = m[1]!;
    if (opts.tokens.admin.some((t) => sameSecret(t, token))) return 'admin';
    if (opts.tokens.ingest.some((t) => sameSecret(t, token))) return 'ingest';
    return null;
  };
  const guard = (need: Scope) => async (req: FastifyRequest, reply: FastifyReply) => {
    const has = scopeOf(req);
    if (has === null) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid API token is required (Authorization: Bearer <token>)' });
    if (need === 'admin' && has !== 'admin') return reply.code(403).send({ error: 'this needs a token with the admin scope' });
  };

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof ServiceError) return reply.code(err.status).send({ error: err.message });
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `the body is larger than ${bodyLimit} bytes` : err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported content type: send application/json or application/x-ndjson' : status >= 500 ? 'internal error' : err.message;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` }));

  // ------------------------------------------------------------------ health, metrics, docs
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  app.get('/openapi.json', async () => openApiDocument());

  // ------------------------------------------------------------------ events
  const limiter = new CustomerRateLimiter(opts.customerEventsPerSecond ?? 50, opts.now ?? Date.now);
  app.post('/v1/events', { preHandler: guard('ingest') }, async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let items: Array<{ index: number; value?: unknown; error?: string }>;
    if (type === 'application/json') {
      const body = req.body;
      items = (Array.isArray(body) ? body : [body]).map((value, index) => ({ index, value }));
    } else if (type === 'application/x-ndjson' || type === 'application/ndjson') {
      items = parseNdjson(String(req.body ?? '')).map((l, index) => ({ index, ...(l.error !== undefined ? { error: l.error } : { value: l.value }) }));
    } else return reply.code(415).send({ error: 'send one event as application/json, or a batch as application/x-ndjson (one event a line) or a JSON array' });
    if (!items.length) return reply.code(400).send({ error: 'the body holds no event' });

    const rejected: Array<{ index: number; id: string | null; type: string | null; errors: Array<{ path: string; message: string }> }> = [];
    const good: Array<{ index: number; value: unknown }> = [];
    for (const it of items) {
      if (it.error !== undefined) {
        rejected.push({ index: it.index, id: null, type: null, errors: [{ path: '/', message: it.error }] });
        continue;
      }
      const customer = (it.value as { customer?: unknown } | null)?.customer;
      if (typeof customer === 'string' && !limiter.take(customer)) {
        const v = it.value as { id?: unknown; type?: unknown };
        rejected.push({ index: it.index, id: typeof v.id === 'string' ? v.id : null, type: typeof v.type === 'string' ? v.type : null, errors: [{ path: '/customer', message: `too many events for customer ${customer}: at most ${limiter.perSecond} a second` }] });
        continue;
      }
      good.push({ index: it.index, value: it.value });
    }
    const r = await service.ingest(good.map((g) => g.value));
    for (const x of r.rejected) rejected.push({ ...x, index: good[x.index]!.index });
    rejected.sort((a, b) => a.index - b.index);
    events.inc({ outcome: 'accepted' }, r.accepted);
    events.inc({ outcome: 'duplicate' }, r.duplicates);
    events.inc({ outcome: 'rejected' }, rejected.length);
    const status = rejected.length === 0 ? 202 : r.accepted + r.duplicates > 0 ? 207 : rejected.every((x) => x.errors.some((e) => e.message.startsWith('too many events'))) ? 429 : 400;
    return reply.code(status).send({ accepted: r.accepted, duplicates: r.duplicates, rejected });
  });

  // ------------------------------------------------------------------ customers
  app.put<{ Params: { id: string } }>('/v1/customers/:id', { preHandler: guard('ingest') }, async (req) => ({ customer: await service.putCustomer(req.params.id, req.body) }));

  // ------------------------------------------------------------------ flows
  app.put<{ Params: { id: string }; Querystring: { path?: string } }>('/v1/flows/:id/draft', { preHandler: guard('admin'), bodyLimit: maxSource + 1024 }, async (req, reply) => {
    const body = req.body;
    const source = typeof body === 'string' ? body : typeof (body as { source?: unknown } | null)?.source === 'string' ? (body as { source: string }).source : null;
    if (source === null) return reply.code(400).send({ error: 'send the flow source as text/plain, or as {"source": "..."}' });
    if (Buffer.byteLength(source) > maxSource) return reply.code(413).send({ error: `the source is larger than ${maxSource} bytes` });
    if (!FLOW_ID.test(req.params.id)) return reply.code(400).send({ error: `not a flow id: ${req.params.id} (lower case letters, digits and _)` });
    const path = req.query.path;
    if (path !== undefined && (!path.endsWith('.flow') || path.startsWith('/') || path.includes('\\') || path.split('/').some((seg) => seg === '..' || seg === '.' || seg === ''))) {
      return reply.code(400).send({ error: `path must be the source's place in the project, like flows/vip/welcome.flow, not ${JSON.stringify(path)}` });
    }
    const d = await service.putDraft(req.params.id, source, path);
    const ok = d.program !== null;
    return reply.code(ok ? 200 : 422).send({ flow: d.flow, ok, diagnostics: d.diagnostics, problems: d.problems });
  });
  for (const action of ['launch', 'pause', 'resume', 'stop'] as const) {
    app.post<{ Params: { id: string } }>(`/v1/flows/:id/${action}`, { preHandler: guard('admin') }, async (req) => {
      const id = req.params.id;
      const v = action === 'launch' ? await service.launch(id) : await service.setStatus(id, action === 'pause' ? 'paused' : action === 'stop' ? 'stopped' : 'active');
      return { flow: id, version: v.version, status: v.status };
    });
  }
  app.get('/v1/flows', { preHandler: guard('admin') }, async () => ({ flows: service.listFlows() }));
  app.get<{ Params: { id: string } }>('/v1/flows/:id/versions', { preHandler: guard('admin') }, async (req) => ({ flow: req.params.id, versions: service.versions(req.params.id) }));
  app.get<{ Params: { id: string } }>('/v1/flows/:id/stats', { preHandler: guard('admin') }, async (req) => service.stats(req.params.id));

  // ------------------------------------------------------------------ activity
  app.get<{ Querystring: { flow?: string; q?: string; limit?: string; before?: string } }>('/v1/activity', { preHandler: guard('admin') }, async (req, reply) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return reply.code(400).send({ error: 'limit must be a whole number from 1 to 1000' });
    const { before, flow } = req.query;
    if (flow !== undefined && (typeof flow !== 'string' || !FLOW_ID.test(flow))) return reply.code(400).send({ error: 'flow must be a flow id (lower case letters, digits and _)' });
    if (before !== undefined && (typeof before !== 'string' || before.length > 64)) return reply.code(400).send({ error: 'before must be the next cursor of an earlier answer' });
    try {
      return await service.activity({ ...(flow ? { flow } : {}), ...(req.query.q ? { q: req.query.q } : {}), ...(before !== undefined ? { before } : {}), limit });
    } catch (e) {
      if (e instanceof BadCursorError) return reply.code(400).send({ error: `before must be the next cursor of an earlier answer (${e.message})` });
      throw e;
    }
  });

  return app;
}
