/**
 * Engine code is written once, as generators that yield the store answers that are promises
 * (`yield* aw(store.getInstance(id))`, or on hot paths `const r = store.x(); const v = isThenable(r)
 * ? yield r : r`). `runSync` drives them over a store that answers at once (the embedded store:
 * the synchronous CLI, tests), which then never yields at all: a yield would travel up and down
 * every generator of the call chain (it stood out in CPU profiles of `node scripts/run-bench.mjs
 * engine`). `runAsync` drives them over one that answers with promises (Redis). Browser-safe.
 */
import type { Awaitable } from '../store/store.js';

export type Co<T> = Generator<unknown, T, unknown>;

/** Awaits a store answer inside engine code. */
export function* aw<T>(v: Awaitable<T>): Co<T> {
  return isThenable(v) ? ((yield v) as T) : v;
}

/** Whether a store answered with a promise (engine code yields only those: a synchronous store's answers are used at once). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
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

/**
 * Waits for every promise, then throws the first failure if any (Promise.all throws at once, while
 * the others still run on: work a caller thinks has stopped); else their values, in order.
 */
export async function allSettledOrThrow<T>(promises: ReadonlyArray<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
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
