/** "Did you mean": the closest names in scope by edit distance, case-insensitively. */
import { distance } from 'fastest-levenshtein';

export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  // Short words get 1 edit, longer ones 2 (a swapped pair costs 2 in plain Levenshtein), long ones a third.
  const limit = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  const scored: Array<[number, string]> = [];
  for (const c of candidates) {
    if (c === word) continue;
    const lc = c.toLowerCase();
    const d = lc === w ? 0 : distance(w, lc);
    // A prefix typed so far is a good guess too ("NewOrd" → NewOrder), and so is a short name
    // written out in full ("monday" → mon, "days" → day).
    const prefix = (lc.startsWith(w) && w.length >= 3) || (w.startsWith(lc) && lc.length >= 3);
    if (d <= limit || prefix) scored.push([prefix && d > limit ? limit : d, c]);
  }
  if (scored.length === 0) return [];
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  // Only the best guesses: one clear match is worth more than three loose ones.
  const best = scored[0]![0];
  return scored
    .filter(([d]) => d === best)
    .slice(0, max)
    .map(([, c]) => c);
}

/** "did you mean `x`?" (names, words) or "did you mean "x"?" (quoted names), or undefined. */
export function didYouMean(options: string[], quoted = false): string | undefined {
  const show = (o: string) => (quoted ? JSON.stringify(o) : `\`${o}\``);
  if (options.length === 0) return undefined;
  if (options.length === 1) return `did you mean ${show(options[0]!)}?`;
  return `did you mean one of ${options.map(show).join(', ')}?`;
}
