/**
 * Engine code is written once, as generators that yield every store answer they need
 * (`yield* aw(store.getInstance(id))`). `runSync` drives them over a store that answers at once
 * (the embedded store: the synchronous CLI, tests); `runAsync` over one that answers with promises
 * (Redis). Browser-safe.
 */
import type { Awaitable } from '../store/store.js';

export type Co<T> = Generator<unknown, T, unknown>;

/** Awaits a store answer inside engine code. */
export function* aw<T>(v: Awaitable<T>): Co<T> {
  return (yield v) as T;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Runs engine code over a synchronous store; throws if the store answers with a promise. */
export function runSync<T>(co: Co<T>): T {
  let r = co.next();
  while (!r.done) {
    if (isThenable(r.value)) throw new Error('runSync: the store answered asynchronously; use the async engine methods');
    r = co.next(r.value);
  }
  return r.value;
}

/** Runs engine code over any store. */
export async function runAsync<T>(co: Co<T>): Promise<T> {
  let r = co.next();
  while (!r.done) {
    let v: unknown;
    try {
      v = await r.value;
    } catch (e) {
      r = co.throw(e);
      continue;
    }
    r = co.next(v);
  }
  return r.value;
}
