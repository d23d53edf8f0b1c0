// `npm run demo`: what Runnel does today, on the example shop project, with no Redis needed.
// 1. checks every example flow against the event catalog and runnel.json;
// 2. checks that they are formatted;
// 3. shows what a marketer's typo looks like: the same project with two mistakes slipped in.
// (The engine and `runnel simulate` are the next milestone; the demo will then replay a day of events.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'bin', 'runnel.js');
if (!existsSync(join(bin, '..', '..', 'dist', 'runnel.mjs'))) {
  console.error('dist/runnel.mjs is missing: run `npm ci` (or `npm run build`) first.');
  process.exit(2);
}
const runnel = (args, opts = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', ...opts });
const title = (s) => console.log(`\n\x1b[1m== ${s}\x1b[0m\n`);

title('runnel check examples/shop');
let r = runnel(['check', 'examples/shop']);
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
if (r.status !== 0) process.exit(r.status ?? 1);

title('runnel fmt --check examples');
r = runnel(['fmt', '--check', 'examples']);
process.stdout.write(r.stdout || 'every example flow is in canonical layout\n');
if (r.status !== 0) process.exit(r.status ?? 1);

title('a typo, as the checker reports it');
const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-'));
try {
  cpSync('examples/shop', dir, { recursive: true });
  const file = join(dir, 'flows', 'abandoned_cart.flow');
  const text = readFileSync(file, 'utf8');
  const broken = text.replace('NewOrder', 'NewOrdr').replace(/send email "([^"]+)"/, 'send email "$1x"');
  writeFileSync(file, broken);
  r = runnel(['check', 'flows/abandoned_cart.flow'], { cwd: dir, env: { ...process.env, FORCE_COLOR: '1' } });
  process.stdout.write(r.stdout);
  console.log(r.status === 1 ? '(exit status 1: CI stops here)' : `unexpected exit status ${r.status}`);
  if (r.status !== 1) process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
