/** Test helpers for the webhook worker: a fake clock, a local HTTP server, effects. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EffectRecord } from '../../../runtime/store/store.js';
import type { Clock, WebhookOutbox } from '../../../runtime/server/webhooks/outbox-worker.js';

/** A clock whose time moves only when a test says so. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Array<{ id: number; at: number; fn: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ id, at: this.t + Math.max(0, ms), fn });
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  pending(): number {
    return this.timers.length;
  }

  /** Moves time to the earliest timer and fires it; false when there is none. */
  runNext(): boolean {
    const next = this.timers.shift();
    if (!next) return false;
    this.t = Math.max(this.t, next.at);
    next.fn();
    return true;
  }

  /** Moves time forward by ms, firing the timers due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.timers.length && this.timers[0]!.at <= end) this.runNext();
    this.t = end;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the workers until none holds anything: lets real I/O happen, and moves the fake clock to
 * its next timer whenever no attempt is in flight.
 */
export async function runUntilIdle(workers: WebhookOutbox | WebhookOutbox[], clock: FakeClock, realMs = 10_000): Promise<void> {
  const list = Array.isArray(workers) ? workers : [workers];
  const until = Date.now() + realMs;
  while (Date.now() < until) {
    for (let i = 0; i < 5; i++) await tick();
    if (list.every((w) => w.stats().inCare === 0)) return;
    if (list.every((w) => w.stats().running === 0)) {
      if (!clock.runNext()) await pause(1);
    } else {
      await pause(1);
    }
  }
  throw new Error(`workers not idle after ${realMs} ms: ${JSON.stringify(list.map((w) => w.stats()))}`);
}

/** Waits (real time, briefly) until the condition holds. */
export async function waitFor(cond: () => boolean, realMs = 5000): Promise<void> {
  const until = Date.now() + realMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await pause(1);
  }
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this many ms (real time); `never`: do not answer. */
  delayMs?: number | 'never';
}

export interface TestServer {
  port: number;
  /** `http://127.0.0.1:<port><path>` */
  url(path?: string): string;
  requests: SeenRequest[];
  /** Requests being answered now, and the most at once (by Host header and in all). */
  inFlight: number;
  maxInFlight: number;
  maxInFlightByHost: Map<string, number>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering with `reply` (called with each request and its index). */
export async function startServer(reply: (req: SeenRequest, index: number) => Reply): Promise<TestServer> {
  const byHost = new Map<string, number>();
  const state: TestServer = {
    port: 0,
    url: (path = '/hook') => `http://127.0.0.1:${state.port}${path}`,
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    maxInFlightByHost: new Map(),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = state.requests.push(seen) - 1;
      const host = req.headers.host ?? '';
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      byHost.set(host, (byHost.get(host) ?? 0) + 1);
      state.maxInFlightByHost.set(host, Math.max(state.maxInFlightByHost.get(host) ?? 0, byHost.get(host)!));
      const r = reply(seen, index);
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        state.inFlight--;
        byHost.set(host, byHost.get(host)! - 1);
      };
      res.on('close', end);
      if (r.delayMs === 'never') return;
      const send = (): void => {
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body ?? '');
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

let n = 0;

/** A webhook effect as the engine makes it. */
export function webhook(url: string, over: Partial<EffectRecord> = {}): EffectRecord {
  n++;
  return {
    key: `inst-${n}/b1/0`,
    at: Date.UTC(2026, 0, 1),
    flow: 'crm_sync',
    version: 'v1',
    customer: 'c1',
    instance: `inst-${n}`,
    block: 'b1',
    action: 'webhook',
    method: 'post',
    url,
    body: { id: 'o-1', total: 42 },
    ...over,
  };
}
