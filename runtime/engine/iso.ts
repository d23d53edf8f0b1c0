/** Epoch milliseconds as contracts.md writes moments. Browser-safe. */

// Output repeats moments (a schedule run's customers, a step and its effects, points expiring
// 30 days after a step): a small cache by the second, direct-mapped, saves most of the formatting.
const ISO_SLOTS = 1024;
const isoMs = new Float64Array(ISO_SLOTS).fill(Number.NaN);
const isoText: string[] = new Array<string>(ISO_SLOTS).fill('');

/** ISO 8601 UTC with a `Z`; milliseconds only when there are some. */
export function iso(ms: number): string {
  const slot = (ms / 1000) & (ISO_SLOTS - 1);
  if (isoMs[slot] === ms) return isoText[slot]!;
  const text = new Date(ms).toISOString().replace('.000Z', 'Z');
  isoMs[slot] = ms;
  isoText[slot] = text;
  return text;
}
