// `npm run demo`: what Runnel does today, on the example shop project, with no Redis needed.
// 1. checks every example flow against the event catalog and runnel.json;
// 2. checks that they are formatted;
// 3. shows what a marketer's typo looks like: the same project with two mistakes slipped in;
// 4. replays a realistic day of the shop (scripts/demo-data.ts: thousands of customers, seeded)
//    through `runnel simulate --json` up to a week after the day, and sums up per flow what
//    happened: who entered, who did not and why, what was sent, who is still waiting.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { openSync, closeSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

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


// ---------------------------------------------------------------------------------------- part 4

const CUSTOMERS = 8_000;
const tty = process.stdout.isTTY;
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const n = (x) => x.toLocaleString('en-US');

/** Plain words for the reason codes of contracts.md. */
const WHY = {
  historical_too_old: 'event more than 7 days old',
  condition_not_applied: 'entry condition not met',
  launch_limit: 'entry limit (entered before)',
  flow_inactive: 'flow not active',
  trigger_mismatch: 'trigger options do not fit',
  duplicate_event: 'duplicate event (a retry)',
  invalid_event: 'malformed event',
  all_steps_done: 'all steps done',
  final_condition_failed: 'no branch applied',
  launch_limit_reached: 'launch limit reached',
  relevance_expired: 'too late (relevance expired)',
  launch_condition_failed: 'launch condition failed',
  outside_segment: "not in the folder's segment",
  flow_stopped: 'flow stopped',
  wait_block_deleted: 'wait block deleted',
  dynamic_wait_missing: 'no date to wait for',
  exit_event: 'left on an exit event',
  waiting: 'waiting',
  in_step: 'in a step',
};
const why = (code) => WHY[code] ?? code;
/** The span of the waiting customers' expected exits, by day. */
const range = (xs) => {
  const days = xs.map((a) => String(a.waitingUntil).slice(0, 10)).sort();
  return days[0] === days.at(-1) ? days[0] : `${days[0]}..${days.at(-1)}`;
};

function tally(rows, key) {
  const m = new Map();
  for (const r of rows) {
    const k = key(r);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}
const list = (pairs, label = (k) => k) => pairs.map(([k, c]) => `${label(k)} ${n(c)}`).join(dim(' · ')) || dim('none');

const scheduled = new Set();
function flowTitles(root) {
  const titles = new Map();
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.flow')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/^flow (\w+) "([^"]*)"/gm)) {
          titles.set(m[1], m[2]);
          if (/^\s+every \w/m.test(text)) scheduled.add(m[1]);
        }
      }
    }
  };
  walk(root);
  return titles;
}

function effectLabel(e) {
  switch (e.action) {
    case 'promo':
      return `promo code ${e.pool}`;
    case 'points':
      return `points awarded`;
    case 'webhook':
      return `webhook ${e.method} ${String(e.url).replace(/^https?:\/\//, '')}`;
    case 'set':
      return `set ${e.field}=${e.value}`;
    case 'segment_add':
      return `+segment ${e.segment}`;
    case 'segment_remove':
      return `−segment ${e.segment}`;
    default:
      return e.action;
  }
}

async function dayOfTheShop() {
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'runnel-day-'));
  try {
    // The generator is TypeScript (shared with bench/engine.bench.ts): bundle it as the CLI is bundled.
    const { build } = await import('esbuild');
    const gen = join(work, 'demo-data.mjs');
    await build({ entryPoints: ['scripts/demo-data.ts'], outfile: gen, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning' });
    const { generateDemoDay, toJsonl } = await import(pathToFileURL(gen).href);
    const day = generateDemoDay({ customers: CUSTOMERS });
    const events = join(work, 'events.jsonl');
    const customers = join(work, 'customers.jsonl');
    writeFileSync(events, toJsonl(day.events));
    writeFileSync(customers, toJsonl(day.customers));
    const genMs = performance.now() - t0;

    const args = ['simulate', 'examples/shop', '--events', events, '--customers', customers, '--until', day.until, '--json'];
    title(`a day of the shop: runnel simulate examples/shop --until ${day.until} --json`);
    const { customers: nCust, 'new customers': nNew, ...types } = day.made;
    console.log(`${day.day} (Black Friday week), ${n(nCust)} customers on file, ${n(nNew)} registering during the day.`);
    console.log(`${n(day.events.length)} events: ${Object.entries(types).map(([k, v]) => `${k} ${n(v)}`).join(dim(' · '))}`);
    console.log(dim(`(generated in ${Math.round(genMs)} ms, seeded: the same every run; written to ${work})`));

    const outFile = join(work, 'out.json');
    const fd = openSync(outFile, 'w');
    const t1 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    const simMs = performance.now() - t1;
    closeSync(fd);
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      console.error(`runnel simulate exited with ${r.status}`);
      process.exit(1);
    }
    if (r.stderr) process.stderr.write(r.stderr);
    const out = JSON.parse(readFileSync(outFile, 'utf8'));

    const titles = flowTitles('examples/shop');
    const flows = [...titles.keys()].sort();
    const pad = 16;
    for (const flow of flows) {
      const acts = out.activity.filter((a) => a.flow === flow);
      const refused = out.notEntered.filter((x) => x.flow === flow);
      const fx = out.effects.filter((e) => e.flow === flow);
      const sends = fx.filter((e) => e.action === 'send');
      const other = fx.filter((e) => e.action !== 'send');
      const by = (status) => acts.filter((a) => a.status === status);
      console.log(`\n${bold(flow)}  ${dim(titles.get(flow))}`);
      if (!acts.length && !refused.length && scheduled.has(flow)) {
        console.log(`  ${dim('a scheduled flow (every day at ...): runnel simulate does not run schedules yet')}`);
        continue;
      }
      console.log(`  ${'entered'.padEnd(pad)}${n(acts.length)} ${dim(`(distinct customers ${n(new Set(acts.map((a) => a.customer)).size)})`)}`);
      console.log(`  ${'did not enter'.padEnd(pad)}${n(refused.length)}${refused.length ? dim(': ') + list(tally(refused, (x) => x.reason), why) : ''}`);
      console.log(`  ${'sent'.padEnd(pad)}${list(tally(sends, (e) => `${e.channel} "${e.template}"`))}`);
      if (other.length) console.log(`  ${'also'.padEnd(pad)}${list(tally(other, effectLabel))}`);
      const waiting = by('in_progress');
      console.log(`  ${'waiting at end'.padEnd(pad)}${n(waiting.length)}${waiting.length ? dim(': ') + list(tally(waiting, (a) => a.steps.at(-1)?.block ?? '?'), (b) => `in ${b} ${dim(`(until ${range(waiting.filter((a) => a.steps.at(-1)?.block === b))})`)}`) : ''}`);
      for (const status of ['completed', 'stopped', 'error']) {
        const xs = by(status);
        if (xs.length) console.log(`  ${status.padEnd(pad)}${n(xs.length)}${dim(': ')}${list(tally(xs, (a) => (status === 'error' ? `${a.reason} (${a.message})` : a.reason)), why)}`);
      }
    }
    const unassigned = out.notEntered.filter((x) => x.flow === null);
    const sends = out.effects.filter((e) => e.action === 'send');
    console.log(`\n${bold('totals')}`);
    console.log(`  ${'events'.padEnd(pad)}${n(day.events.length)}${unassigned.length ? dim(' · ') + list(tally(unassigned, (x) => x.reason), why) + dim(' (no flow)') : ''}`);
    console.log(`  ${'journeys'.padEnd(pad)}${n(out.activity.length)}: ${list(tally(out.activity, (a) => a.status))}`);
    console.log(`  ${'did not enter'.padEnd(pad)}${n(out.notEntered.length - unassigned.length)}: ${list(tally(out.notEntered.filter((x) => x.flow !== null), (x) => x.reason), why)}`);
    console.log(`  ${'messages'.padEnd(pad)}${n(sends.length)}: ${list(tally(sends, (e) => e.channel))}`);
    console.log(`  ${'other effects'.padEnd(pad)}${n(out.effects.length - sends.length)}: ${list(tally(out.effects.filter((e) => e.action !== 'send'), (e) => e.action))}`);
    console.log(`  ${'wall time'.padEnd(pad)}runnel simulate ${(simMs / 1000).toFixed(2)} s ${dim(`(a fresh process: compile, ${n(day.events.length)} events, a week of timers, ${(statSync(outFile).size / 1e6).toFixed(1)} MB of JSON)`)}; whole part ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await dayOfTheShop();
