/**
 * `npm run bench:check`: the front end's speed. For a generated 150-block flow and a generated
 * 10,000-line project: lexing alone, lex+parse, and the whole front end (lex, parse, check), warm;
 * the ratio of the whole to lexing; and the wall time of `runnel check examples` (a fresh process).
 * Targets (issue 2): 150-block flow checked in < 5 ms warm; front end <= 6x lexing; CLI < 400 ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lex } from '../grammar/lexer.js';
import { parse } from '../compiler/parse.js';
import { checkProject } from '../compiler/project.js';
import { checkFile } from '../compiler/checker/index.js';
import { buildManifest } from '../compiler/manifest.js';
import { BENCH_MANIFEST, generateFlow, generateProject } from './gen-flow.js';

/**
 * Times several functions in interleaved rounds, so a busy machine slows them all alike. Medians.
 * (A forced GC before each call would be fairer in theory, but it discards V8's warm code and
 * inline caches and makes every stage slower than it is in use.)
 */
function measureAll(fns: Array<() => void>, minMs = 2000, minRounds = 40): Array<{ median: number; p95: number }> {
  for (let i = 0; i < 20; i++) fns.forEach((f) => f()); // warm-up: JIT and caches
  const times: number[][] = fns.map(() => []);
  const start = performance.now();
  let rounds = 0;
  while (rounds < minRounds || performance.now() - start < minMs) {
    fns.forEach((f, i) => {
      const t = performance.now();
      f();
      times[i]!.push(performance.now() - t);
    });
    rounds++;
  }
  return times.map((ts) => {
    ts.sort((a, b) => a - b);
    return { median: ts[Math.floor(ts.length / 2)]!, p95: ts[Math.floor(ts.length * 0.95)]! };
  });
}

const ms = (x: number) => `${x.toFixed(2)} ms`;
const manifest = buildManifest(BENCH_MANIFEST as never);
const rows: string[][] = [];

function benchSources(label: string, files: Array<{ path: string; text: string }>): void {
  const lines = files.reduce((n, f) => n + f.text.split('\n').length, 0);
  const sanity = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(BENCH_MANIFEST) }, files });
  const errors = sanity.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'));
  if (errors.length) throw new Error(`${label}: generated source has errors: ${errors[0]!.message}`);
  const [lexT, parseT, fullT] = measureAll([
    () => files.forEach((f) => lex(f.text)),
    () => files.forEach((f) => parse(f.text)),
    () => files.forEach((f) => checkFile(parse(f.text).ast, manifest)),
  ]) as [{ median: number; p95: number }, { median: number; p95: number }, { median: number; p95: number }];
  rows.push([label, String(lines), ms(lexT.median), ms(parseT.median), ms(fullT.median), ms(fullT.p95), `${(fullT.median / lexT.median).toFixed(1)}x`]);
}

benchSources('150-block flow', [{ path: 'f.flow', text: generateFlow('big', 150) }]);
benchSources('10,000-line project', generateProject(10_000));

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

console.log('\nFront end, warm (medians of interleaved runs; Node ' + process.version + ')\n');
console.log(table(['input', 'lines', 'lex', 'lex+parse', 'lex+parse+check', 'check p95', 'front end / lex'], rows));

// The CLI as a user runs it: a new process each time.
if (!existsSync('dist/runnel.mjs')) {
  console.log('\n(dist/runnel.mjs missing: run `npm run build` to measure the CLI)');
} else {
  const wall: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, ['bin/runnel.js', 'check', 'examples'], { encoding: 'utf8' });
    wall.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`runnel check examples failed:\n${r.stdout}${r.stderr}`);
  }
  wall.sort((a, b) => a - b);
  console.log('\n' + table(['command', 'median wall time', 'min', 'max'], [['runnel check examples', ms(wall[3]!), ms(wall[0]!), ms(wall[6]!)]]));
}
console.log('\nTargets: 150-block flow < 5 ms; front end <= 6x lexing; `runnel check examples` < 400 ms.');
