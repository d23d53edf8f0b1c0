/**
 * `node scripts/run-bench.mjs services`: the editor services on a generated 150-block flow, warm.
 * Completion runs on every keystroke, so it must stay well under a frame budget (~10 ms); it reads
 * tokens only. "new text" columns change the text before each call (as typing does: nothing is
 * cached); "same text" asks again about an unchanged text (a fresh copy of the string, as from a
 * worker message), where the caches answer.
 */
import { createRunnelServices } from '../compiler/services/index.js';
import { BENCH_MANIFEST, generateFlow } from './gen-flow.js';

const ms = (x: number) => `${x.toFixed(2)} ms`;

function measure(fn: () => void, minMs = 1500, minRounds = 50): { median: number; p95: number } {
  for (let i = 0; i < 30; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRounds || performance.now() - start < minMs) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]! };
}

const base = generateFlow('big', 150);
const manifest = { path: 'runnel.json', text: JSON.stringify(BENCH_MANIFEST) };
const path = 'flows/big.flow';
/** The text with `insert` at the cursor, a fresh string each time (no cache hit on the text). */
const edited = (at: number, insert: string) => (n: number) => base.slice(0, at) + insert + ' '.repeat(n % 64) + base.slice(at);

const middle = base.indexOf('\n', Math.floor(base.length / 2)) + 1;
const end = base.lastIndexOf('}');
const cases: Array<{ label: string; make: (n: number) => string; offset: number }> = [
  { label: 'after `order.` (mid-file, broken parse)', make: edited(middle, '  if order.'), offset: middle + '  if order.'.length },
  { label: 'statement start (end of file)', make: edited(end, '  '), offset: end + 2 },
  { label: 'event name after `wait for `', make: edited(end, '  wait for '), offset: end + '  wait for '.length },
  { label: 'template in `send email "`', make: edited(middle, '  steps x {\n send email "'), offset: middle + '  steps x {\n send email "'.length },
];

const services = createRunnelServices();
const rows: string[][] = [];
for (const c of cases) {
  let n = 0;
  const cold = measure(() => {
    const text = c.make(n++);
    services.completion.complete({ manifest, files: [{ path, text }] }, path, c.offset);
  });
  const text = c.make(0);
  const count = services.completion.complete({ manifest, files: [{ path, text }] }, path, c.offset).length;
  if (count === 0) throw new Error(`no completion for ${c.label}`);
  const warm = measure(() => services.completion.complete({ manifest, files: [{ path, text: text.slice(0) }] }, path, c.offset));
  rows.push([`completion: ${c.label}`, String(count), ms(cold.median), ms(cold.p95), ms(warm.median)]);
}

// Hover and diagnostics parse and check the file: once per text, then cached.
{
  let n = 0;
  const at = base.indexOf('order.total') + 7;
  const fresh = measure(() => {
    const text = base + ' '.repeat(n++ % 64);
    services.hover.hover({ manifest, files: [{ path, text }] }, path, at);
  });
  const same = measure(() => services.hover.hover({ manifest, files: [{ path, text: base }] }, path, at));
  rows.push(['hover on `order.total`', '1', ms(fresh.median), ms(fresh.p95), ms(same.median)]);
  const diag = measure(() => {
    const text = base + ' '.repeat(n++ % 64);
    services.diagnostics.diagnostics({ manifest, files: [{ path, text }] }, path);
  });
  rows.push(['diagnostics (project check)', '-', ms(diag.median), ms(diag.p95), '-']);
  const fmt = measure(() => services.formatter.formatDocument(base + ' '.repeat(n++ % 64)));
  rows.push(['formatDocument', '-', ms(fmt.median), ms(fmt.p95), '-']);
}

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

console.log(`\nEditor services on a 150-block flow (${base.split('\n').length} lines), Node ${process.version}\n`);
console.log(table(['call', 'items', 'new text: median', 'new text: p95', 'same text: median'], rows));
console.log('\nTarget: completion < 10 ms warm.');
