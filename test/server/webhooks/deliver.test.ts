/**
 * One delivery attempt against a real HTTP server on 127.0.0.1 (so these tests set allowPrivate),
 * and DNS pinning: the request goes to the address that was checked, whatever DNS says later.
 */
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, deliverWebhook, nodeRequester, parseRetryAfter, type PinnedRequest, type Requester } from '../../../runtime/server/webhooks/deliver.js';
import type { LookupFn } from '../../../runtime/server/webhooks/ssrf-guard.js';
import { startServer, webhook, type Reply, type TestServer } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(reply: (i: number) => Reply): Promise<TestServer> {
  server = await startServer((_req, i) => reply(i));
  return server;
}

const local = { timeoutMs: 2000, allowPrivate: true };

describe('deliverWebhook', () => {
  it('2xx: delivered, with the JSON body and the headers', async () => {
    const s = await serve(() => ({ status: 204 }));
    const e = webhook(s.url('/orders?src=runnel'), { body: { id: 'o-1', total: 42, note: 'héllo' } });
    expect(await deliverWebhook(e, local)).toEqual({ outcome: 'delivered', status: 204 });
    expect(s.requests).toHaveLength(1);
    const r = s.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/orders?src=runnel');
    expect(JSON.parse(r.body)).toEqual({ id: 'o-1', total: 42, note: 'héllo' });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
    expect(r.headers['idempotency-key']).toBe(e.key);
    expect(r.headers['user-agent']).toMatch(/^runnel\/\d+\.\d+\.\d+/);
    expect(r.headers.host).toBe(`127.0.0.1:${s.port}`);
  });

  it('every method; GET and DELETE carry no body', async () => {
    const s = await serve(() => ({ status: 200 }));
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      expect(await deliverWebhook(webhook(s.url(), { method }), local)).toMatchObject({ outcome: 'delivered' });
    }
    expect(s.requests.map((r) => [r.method, r.body === '' ? 'no body' : 'body', r.headers['content-type'] ?? '-'])).toEqual([
      ['GET', 'no body', '-'],
      ['POST', 'body', 'application/json'],
      ['PUT', 'body', 'application/json'],
      ['PATCH', 'body', 'application/json'],
      ['DELETE', 'no body', '-'],
    ]);
  });

  it('a custom user agent', async () => {
    const s = await serve(() => ({ status: 200 }));
    await deliverWebhook(webhook(s.url()), { ...local, userAgent: 'runnel/9.9.9 (test)' });
    expect(s.requests[0]!.headers['user-agent']).toBe('runnel/9.9.9 (test)');
  });

  it('5xx, 408 and 429 are retryable; Retry-After is read', async () => {
    const replies: Reply[] = [
      { status: 500, body: 'boom' },
      { status: 503, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:01:00 GMT' } },
      { status: 408 },
    ];
    const s = await serve((i) => replies[i]!);
    const now = () => Date.UTC(2026, 0, 1, 0, 0, 30);
    const results = [];
    for (let i = 0; i < replies.length; i++) results.push(await deliverWebhook(webhook(s.url()), { ...local, now }));
    expect(results).toEqual([
      { outcome: 'retryable', status: 500, reason: 'the endpoint answered 500: boom' },
      { outcome: 'retryable', status: 503, reason: 'the endpoint answered 503', retryAfterMs: 7000 },
      { outcome: 'retryable', status: 429, reason: 'the endpoint answered 429', retryAfterMs: 30_000 },
      { outcome: 'retryable', status: 408, reason: 'the endpoint answered 408' },
    ]);
  });

  it('other 4xx are permanent', async () => {
    const s = await serve((i) => ({ status: [400, 401, 404, 410, 422][i]!, body: i === 0 ? '{"error":"bad field"}' : '' }));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await deliverWebhook(webhook(s.url()), local));
    expect(results.map((r) => r.outcome)).toEqual(['permanent', 'permanent', 'permanent', 'permanent', 'permanent']);
    expect(results[0]).toEqual({ outcome: 'permanent', status: 400, reason: 'the endpoint answered 400: {"error":"bad field"}' });
  });

  it('3xx is not followed: a permanent failure saying so', async () => {
    const s = await serve(() => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' } }));
    const r = await deliverWebhook(webhook(s.url()), local);
    expect(r).toEqual({
      outcome: 'permanent',
      status: 302,
      reason: 'the endpoint answered 302 redirecting to http://169.254.169.254/latest/meta-data/; webhooks do not follow redirects: use the final URL',
    });
    expect(s.requests).toHaveLength(1);
  });

  it('a timeout is retryable', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 'never' }));
    const started = Date.now();
    const r = await deliverWebhook(webhook(s.url()), { ...local, timeoutMs: 40 });
    expect(r).toEqual({ outcome: 'retryable', reason: 'no answer within 40 ms' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a response body that never ends times out too', async () => {
    server = undefined;
    const raw = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (raw.address() as AddressInfo).port;
      const r = await deliverWebhook(webhook(`http://127.0.0.1:${port}/`), { ...local, timeoutMs: 40 });
      expect(r).toEqual({ outcome: 'retryable', reason: 'no answer within 40 ms' });
    } finally {
      raw.closeAllConnections();
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it('a refused connection is retryable', async () => {
    const s = await serve(() => ({ status: 200 }));
    const url = s.url();
    await s.close();
    server = undefined;
    const r = await deliverWebhook(webhook(url), local);
    expect(r.outcome).toBe('retryable');
    if (r.outcome === 'retryable') expect(r.reason).toMatch(/^network error: .*ECONNREFUSED/);
  });

  it('an aborted attempt is retryable and says it was aborted', async () => {
    const s = await serve(() => ({ status: 200, delayMs: 'never' }));
    const ac = new AbortController();
    const p = deliverWebhook(webhook(s.url()), { ...local, signal: ac.signal });
    setTimeout(() => ac.abort(), 10);
    expect(await p).toEqual({ outcome: 'retryable', reason: 'the attempt was aborted (the worker is stopping)', aborted: true });
  });

  it('a refused target is permanent and nothing is sent', async () => {
    const s = await serve(() => ({ status: 200 }));
    const r = await deliverWebhook(webhook(s.url()), { timeoutMs: 2000, allowPrivate: false });
    expect(r).toEqual({
      outcome: 'permanent',
      reason:
        'refused: webhook address 127.0.0.1 is the loopback range 127.0.0.0/8; private and local addresses are refused unless runnel.json sets "webhooks": { "allowPrivateNetworks": true }',
    });
    expect(s.requests).toHaveLength(0);
  });

  it('a malformed effect is permanent', async () => {
    expect(await deliverWebhook(webhook('https://x.example/', { method: 'trace' }), local)).toMatchObject({ outcome: 'permanent', reason: expect.stringMatching(/method "trace"/) });
    expect(await deliverWebhook(webhook('https://x.example/', { url: undefined }), local)).toMatchObject({ outcome: 'permanent', reason: 'the webhook effect has no url' });
  });

  it('a name that does not resolve is retryable', async () => {
    const lookup: LookupFn = async () => {
      throw Object.assign(new Error('queryA ETIMEOUT'), { code: 'EAI_AGAIN' });
    };
    expect(await deliverWebhook(webhook('https://hooks.example.com/'), { ...local, lookup })).toEqual({
      outcome: 'retryable',
      reason: 'could not resolve webhook host "hooks.example.com" (EAI_AGAIN)',
    });
  });

  it('a DNS lookup that hangs is cut by the timeout', async () => {
    const lookup: LookupFn = () => new Promise(() => undefined);
    expect(await deliverWebhook(webhook('https://hooks.example.com/'), { ...local, timeoutMs: 30, lookup })).toEqual({ outcome: 'retryable', reason: 'no answer within 30 ms' });
  });

  it('reads at most maxResponseBytes of the answer', async () => {
    const s = await serve(() => ({ status: 400, body: 'x'.repeat(100_000) }));
    const r = await deliverWebhook(webhook(s.url()), { ...local, maxResponseBytes: 50 });
    expect(r).toMatchObject({ outcome: 'permanent', status: 400, reason: `the endpoint answered 400: ${'x'.repeat(50)}` });
  });
});

describe('DNS pinning', () => {
  it('connects to the checked address even when a second lookup would answer another one', async () => {
    const s = await serve(() => ({ status: 200 }));
    const answers = ['127.0.0.1', '10.255.255.1'];
    const asked: string[] = [];
    const lookup: LookupFn = async (host) => {
      asked.push(host);
      const address = answers[Math.min(asked.length - 1, answers.length - 1)]!;
      return [{ address, family: 4 }];
    };
    const r = await deliverWebhook(webhook(`http://hooks.test:${s.port}/hook`), { ...local, lookup });
    expect(r).toEqual({ outcome: 'delivered', status: 200 });
    expect(asked).toEqual(['hooks.test']);
    // The Host header keeps the name (virtual hosting, and TLS SNI for https).
    expect(s.requests[0]!.headers.host).toBe(`hooks.test:${s.port}`);
  });

  it('the requester is handed the checked addresses, not a host to resolve again', async () => {
    const seen: PinnedRequest[] = [];
    const requester: Requester = async (req) => {
      seen.push(req);
      return { status: 200, headers: {}, body: '' };
    };
    let n = 0;
    const lookup: LookupFn = async () => [{ address: n++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    expect(await deliverWebhook(webhook('https://hooks.example.com/x'), { timeoutMs: 1000, allowPrivate: false, lookup, requester })).toEqual({ outcome: 'delivered', status: 200 });
    expect(n).toBe(1);
    expect(seen[0]!.addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(seen[0]!.url.hostname).toBe('hooks.example.com');
  });

  it('nodeRequester never asks the system resolver: a name that does not exist still reaches the pinned address', async () => {
    const s = await serve(() => ({ status: 201 }));
    const res = await nodeRequester({
      url: new URL(`http://no-such-host.invalid:${s.port}/p`),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      addresses: [{ address: '127.0.0.1', family: 4 }],
      signal: AbortSignal.timeout(2000),
      maxResponseBytes: 1024,
    });
    expect(res.status).toBe(201);
    expect(s.requests[0]!.headers.host).toBe(`no-such-host.invalid:${s.port}`);
  });
});

// A self-signed certificate for hooks.test (P-256, valid 2026-11-23 to 2126), for the https test only.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3dSOFjyU2Tg+Jado
3dJiVln1AciXycVNJcxU87G9gi+hRANCAATXsI4a5PBfM+bI9125mVb3JDmew1aQ
Ksfq9+nTo6tls1Fc7ZfA7g7TBkWSFIZ9s7y8S1zILjeAGZC0Ea7LnmBH
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmTCCAT6gAwIBAgIUX5Ks5/f2mJ64yrnRfzxXhg0cHQAwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKaG9va3MudGVzdDAgFw0yNjExMjMxOTI5MjlaGA8yMTI2MTAz
MDE5MjkyOVowFTETMBEGA1UEAwwKaG9va3MudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABNewjhrk8F8z5sj3XbmZVvckOZ7DVpAqx+r36dOjq2WzUVztl8Du
DtMGRZIUhn2zvLxLXMguN4AZkLQRrsueYEejajBoMB0GA1UdDgQWBBTMkTPOqPhc
D/0o8jianPFRK8Q29DAfBgNVHSMEGDAWgBTMkTPOqPhcD/0o8jianPFRK8Q29DAP
BgNVHRMBAf8EBTADAQH/MBUGA1UdEQQOMAyCCmhvb2tzLnRlc3QwCgYIKoZIzj0E
AwIDSQAwRgIhAKCfAtqk9TDxP/DaeivSaCMZ4LqAgoqeaNDh+NiyR7+vAiEA2olW
G8zdqsPAqC/wEV1Nlwf2vgVX7FIgD/jNROJCYwA=
-----END CERTIFICATE-----
`;

describe('https with a pinned address', () => {
  it('sends SNI and checks the certificate against the host name, not the address', async () => {
    const seen: string[] = [];
    const tlsServer = https.createServer({ key: TEST_KEY, cert: TEST_CERT }, (req, res) => {
      seen.push(`sni=${(req.socket as TLSSocket).servername} host=${req.headers.host}`);
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (tlsServer.address() as AddressInfo).port;
      const lookup: LookupFn = async () => [{ address: '127.0.0.1', family: 4 }];
      const e = webhook(`https://hooks.test:${port}/hook`);
      expect(await deliverWebhook(e, { ...local, lookup, extraCa: [TEST_CERT] })).toEqual({ outcome: 'delivered', status: 200 });
      expect(seen).toEqual([`sni=hooks.test host=hooks.test:${port}`]);
      // Not trusted: refused by TLS (retryable: the endpoint may fix its certificate).
      const untrusted = await deliverWebhook(e, { ...local, lookup });
      expect(untrusted).toMatchObject({ outcome: 'retryable', reason: expect.stringMatching(/^network error: .*self-signed certificate/) });
      // Trusted, but another name than the certificate's: refused too.
      const wrongName = await deliverWebhook(webhook(`https://other.test:${port}/hook`), { ...local, lookup, extraCa: [TEST_CERT] });
      expect(wrongName).toMatchObject({ outcome: 'retryable', reason: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate/) });
      expect(seen).toHaveLength(1);
    } finally {
      tlsServer.closeAllConnections();
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  });
});

describe('classifyResponse and parseRetryAfter', () => {
  it('statuses', () => {
    const c = (status: number) => classifyResponse({ status, headers: {}, body: '' }).outcome;
    expect([200, 201, 202, 204, 299].map(c)).toEqual(['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    expect([300, 301, 302, 303, 307, 308].map(c)).toEqual(Array(6).fill('permanent'));
    expect([408, 429, 500, 502, 503, 504, 599].map(c)).toEqual(Array(7).fill('retryable'));
    expect([400, 401, 403, 404, 405, 409, 410, 413, 422, 451].map(c)).toEqual(Array(10).fill('permanent'));
  });

  it('Retry-After', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
