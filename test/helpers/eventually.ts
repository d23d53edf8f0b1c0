/** Test waits on real time: until a condition holds, or a clear failure naming what was awaited. */

/**
 * Waits until `cond` holds, asking every `everyMs` (default 50); after `ms` (default 5000) fails
 * with `timed out waiting for <what>` and, when given, what `context()` says (process output...).
 */
export async function eventually(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 5000,
  opts: { everyMs?: number; context?: () => string | Promise<string> } = {},
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${opts.context ? `\n${await opts.context()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
