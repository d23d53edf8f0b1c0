/**
 * One delivery attempt of one webhook effect (Node only): check the target (ssrf-guard.ts), send
 * the request to the address checked, and classify the answer as delivered, worth retrying, or a
 * permanent failure. No retries here: outbox-worker.ts schedules them.
 *
 * The request goes through node:http / node:https with a `lookup` that answers with the checked
 * addresses only (DNS pinning: the Host header and TLS SNI / certificate check still use the host
 * name), on a fresh connection (no pooled socket that another check let through), and redirects
 * are not followed (a redirect could point at a private address the check never saw).
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { LookupFunction } from 'node:net';
import { bareHost, checkWebhookTarget, type LookupFn, type ResolvedAddress } from './ssrf-guard.js';

/** The fields of a `webhook` effect the delivery reads (contracts.md; an EffectRecord is one). */
export interface WebhookEffect {
  /** The idempotency key, sent as the `idempotency-key` header. */
  key: string;
  method?: unknown;
  url?: unknown;
  body?: unknown;
  [field: string]: unknown;
}

/** A request to send, already checked and pinned. */
export interface PinnedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The checked addresses; the request must connect to one of them (`addresses[0]` first). */
  addresses: ResolvedAddress[];
  signal: AbortSignal;
  /** Read at most this much of the response body. */
  maxResponseBytes: number;
  /** https: certificate authorities trusted besides the public ones (PEM). */
  extraCa?: readonly string[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The start of the response body (at most maxResponseBytes), as text. */
  body: string;
}

/** Sends a pinned request; rejects on network errors and on abort. */
export type Requester = (req: PinnedRequest) => Promise<RawResponse>;

export interface DeliverOptions {
  /** The whole attempt (DNS, connection, request, response) must fit in this. */
  timeoutMs: number;
  /** runnel.json `webhooks.allowPrivateNetworks`. */
  allowPrivate: boolean;
  /** runnel.json `webhooks.allowedHosts` (the checker enforces it too; this is defence in depth). */
  allowedHosts?: readonly string[];
  lookup?: LookupFn;
  /** Sends the request (default: nodeRequester). Tests inject one. */
  requester?: Requester;
  /** Default `runnel/<version of package.json>`. */
  userAgent?: string;
  /** Aborts the attempt (a stopping worker); the result is then `retryable`. */
  signal?: AbortSignal;
  /** Epoch ms, for Retry-After given as an HTTP date. */
  now?: () => number;
  /** Default 16 KiB. */
  maxResponseBytes?: number;
  /** https: certificate authorities trusted besides Node's public roots (PEM), e.g. an internal CA. */
  extraCa?: readonly string[];
}

export type DeliveryResult =
  | { outcome: 'delivered'; status: number }
  | {
      outcome: 'retryable';
      reason: string;
      status?: number;
      /** The server's Retry-After, in ms from now, when it gave one. */
      retryAfterMs?: number;
      /** The attempt was cut short by `signal` (not by the timeout). */
      aborted?: boolean;
    }
  | { outcome: 'permanent'; reason: string; status?: number };

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

export async function deliverWebhook(effect: WebhookEffect, opts: DeliverOptions): Promise<DeliveryResult> {
  const method = typeof effect.method === 'string' ? effect.method.toUpperCase() : '';
  if (!METHODS.has(method)) return { outcome: 'permanent', reason: `webhook method ${JSON.stringify(effect.method)} is not one of get, post, put, patch, delete` };
  if (typeof effect.url !== 'string') return { outcome: 'permanent', reason: 'the webhook effect has no url' };
  if (typeof effect.key !== 'string' || effect.key === '') return { outcome: 'permanent', reason: 'the webhook effect has no idempotency key' };

  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const failed = (err: unknown): DeliveryResult => {
    if (opts.signal?.aborted) return { outcome: 'retryable', reason: 'the attempt was aborted (the worker is stopping)', aborted: true };
    if (timeout.aborted) return { outcome: 'retryable', reason: `no answer within ${opts.timeoutMs} ms` };
    return { outcome: 'retryable', reason: networkReason(err) };
  };

  let target;
  try {
    target = await checkWebhookTarget(effect.url, { allowPrivate: opts.allowPrivate, allowedHosts: opts.allowedHosts, lookup: opts.lookup, signal });
  } catch (err) {
    return failed(err);
  }
  if (!target.ok) {
    return target.code === 'dns_error' ? { outcome: 'retryable', reason: target.reason } : { outcome: 'permanent', reason: `refused: ${target.reason}` };
  }

  const hasBody = method !== 'GET' && method !== 'DELETE';
  const body = hasBody ? JSON.stringify(effect.body ?? {}) : undefined;
  const headers: Record<string, string> = {
    'user-agent': opts.userAgent ?? defaultUserAgent(),
    'idempotency-key': effect.key,
    accept: 'application/json, */*;q=0.5',
  };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }

  let res: RawResponse;
  try {
    res = await (opts.requester ?? nodeRequester)({
      url: target.url,
      method,
      headers,
      body,
      addresses: target.addresses,
      signal,
      maxResponseBytes: opts.maxResponseBytes ?? 16 * 1024,
      ...(opts.extraCa?.length ? { extraCa: opts.extraCa } : {}),
    });
  } catch (err) {
    return failed(err);
  }
  return classifyResponse(res, opts.now ?? Date.now);
}

/** An HTTP answer as a delivery result. */
export function classifyResponse(res: RawResponse, now: () => number = Date.now): DeliveryResult {
  const s = res.status;
  if (s >= 200 && s < 300) return { outcome: 'delivered', status: s };
  const said = snippet(res.body);
  if (s >= 300 && s < 400) {
    const location = header(res, 'location');
    return {
      outcome: 'permanent',
      status: s,
      reason: `the endpoint answered ${s}${location ? ` redirecting to ${clip(location, 200)}` : ' (a redirect)'}; webhooks do not follow redirects: use the final URL`,
    };
  }
  if (s === 408 || s === 429 || (s >= 500 && s < 600)) {
    const retryAfterMs = parseRetryAfter(header(res, 'retry-after'), now());
    return { outcome: 'retryable', status: s, reason: `the endpoint answered ${s}${said}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { outcome: 'permanent', status: s, reason: `the endpoint answered ${s}${said}` };
}

/** Retry-After as ms from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function header(res: RawResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function snippet(body: string): string {
  const t = body.replace(/\s+/g, ' ').trim();
  return t ? `: ${clip(t, 200)}` : '';
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

function networkReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `network error: ${code && !message.includes(code) ? `${code} ` : ''}${clip(message, 200)}`;
}

// ------------------------------------------------------------------------------ node requester

/**
 * node:http / node:https with DNS pinned to the checked addresses. With `agent: false` each
 * request opens its own connection: a pooled socket (keyed by host and port only) could have been
 * opened to an address another project's settings allowed.
 */
export const nodeRequester: Requester = (req) =>
  new Promise<RawResponse>((resolve, reject) => {
    const pinned = req.addresses;
    const lookup: LookupFunction = (_hostname, options, callback) => {
      const want = options.family === 4 || options.family === 6 ? pinned.filter((a) => a.family === options.family) : pinned;
      const list = want.length ? want : pinned;
      if (options.all) (callback as (err: null, addresses: ResolvedAddress[]) => void)(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    };
    const mod = req.url.protocol === 'https:' ? https : http;
    const request = mod.request(
      {
        protocol: req.url.protocol,
        hostname: bareHost(req.url.hostname),
        port: req.url.port || (req.url.protocol === 'https:' ? 443 : 80),
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method,
        headers: req.headers,
        lookup,
        agent: false,
        signal: req.signal,
        ...(req.extraCa?.length && req.url.protocol === 'https:' ? { ca: [...tls.rootCertificates, ...req.extraCa] } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('data', (chunk: Buffer) => {
          if (done) return;
          const room = req.maxResponseBytes - size;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          size += Math.min(chunk.length, room);
          if (size >= req.maxResponseBytes) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', (err) => (done ? undefined : ((done = true), reject(err))));
        res.on('close', () => (done ? undefined : ((done = true), reject(new Error('the connection closed before the response ended')))));
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });

// ------------------------------------------------------------------------------------ version

let userAgent: string | undefined;

/** `runnel/<version>`, the version read from the package.json above this file (or the bundle). */
export function defaultUserAgent(): string {
  if (userAgent !== undefined) return userAgent;
  let version = 'unknown';
  for (let dir = new URL('./', import.meta.url), i = 0; i < 6; dir = new URL('../', dir), i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'runnel' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // not here
    }
  }
  userAgent = `runnel/${version}`;
  return userAgent;
}
