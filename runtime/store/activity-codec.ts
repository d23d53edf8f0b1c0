/**
 * The serialized form of activity steps, for stores that keep text (Redis): each step a JSON array
 * by position (`[block, kind, at, version, until, variant, branch, path, within]`, trailing absent
 * fields dropped, the version hash as 43 base64url characters), one per line, so that a store
 * appends a step by appending its line. About half the size of the step as a JSON object, which
 * matters because every instance keeps its steps for 30 days. Browser-safe.
 */
import type { ActivityStep } from './store.js';
import { packHash, unpackHash } from './instance-codec.js';

/** One step as one line (JSON never holds a raw line break), with its line break. */
export function encodeStep(s: ActivityStep): string {
  const a: unknown[] = [s.block, s.kind, s.at, packHash(s.version), s.until ?? null, s.variant ?? null, s.branch ?? null, s.path ?? null, s.within ?? null];
  while (a.length > 4 && a[a.length - 1] === null) a.pop();
  return `${JSON.stringify(a)}\n`;
}

/** The steps of text made of encodeStep lines, in order. */
export function decodeSteps(text: string): ActivityStep[] {
  const out: ActivityStep[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const a = JSON.parse(line) as unknown;
    if (!Array.isArray(a) || a.length < 4 || typeof a[0] !== 'string' || typeof a[1] !== 'string' || typeof a[2] !== 'number' || typeof a[3] !== 'string') {
      throw new Error(`activity codec: not an activity step: ${line.slice(0, 80)}`);
    }
    const step: ActivityStep = { block: a[0], kind: a[1], at: a[2], version: unpackHash(a[3]) };
    // Fields in the order the engine makes them (the path, then the block kind's own), as JSON prints them.
    if (a[7] != null) step.path = a[7] as string;
    if (a[4] != null) step.until = a[4] as number;
    if (a[5] != null) step.variant = a[5] as string;
    if (a[6] != null) step.branch = a[6] as number;
    if (a[8] != null) step.within = a[8] as boolean;
    out.push(step);
  }
  return out;
}
