// Runs bench/<name>.bench.ts as shipped code: bundled by esbuild like the CLI (not through a
// TypeScript loader, whose per-closure helpers would distort the figures), then run by node.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';

const name = process.argv[2];
if (!name) {
  console.error('usage: node scripts/run-bench.mjs <name>   (runs bench/<name>.bench.ts)');
  process.exit(2);
}
const outfile = `dist/bench/${name}.bench.mjs`;
await build({
  entryPoints: [`bench/${name}.bench.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  mainFields: ['module', 'main'],
  format: 'esm',
  target: 'node20',
  packages: 'bundle',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
