/** The page's side of a compiler worker: requests with ids, answers as promises. */
import type { Envelope, Request, Response } from './protocol.js';
import CompilerWorker from './worker/compiler.worker.ts?worker';

type Answer<T extends Request['type']> = Extract<Response, { type: T extends 'update' ? 'diagnostics' : T }>;

export class CompilerClient {
  private worker: Worker | undefined;
  /** Requests made before the worker is started. */
  private queue: Array<Envelope<Request>> = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Response) => void; reject: (e: Error) => void }>();

  /** `lazy`: the worker starts on start() (requests wait for it), not now. */
  constructor(
    readonly name: string,
    lazy = false,
  ) {
    if (!lazy) this.start();
  }

  start(): void {
    if (this.worker) return;
    const worker = (this.worker = new CompilerWorker({ name: this.name }));
    worker.addEventListener('message', (e: MessageEvent) => {
      const { id, body } = e.data as Envelope<Response | { type: 'error'; message: string }>;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (body.type === 'error') p.reject(new Error(body.message));
      else p.resolve(body);
    });
    worker.addEventListener('error', (e) => console.error(`${this.name} worker:`, e.message));
    for (const m of this.queue) worker.postMessage(m);
    this.queue = [];
  }

  request<T extends Request['type']>(body: Extract<Request, { type: T }>): Promise<Answer<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: Response) => void, reject });
      const message: Envelope<Request> = { id, body };
      if (this.worker) this.worker.postMessage(message);
      else this.queue.push(message);
    });
  }
}
