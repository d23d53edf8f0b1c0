/**
 * Conformance of `runnel simulate`: every folder under run/ is a scenario, a small project that
 * states one behaviour of the runtime (seeds 000-002, contracts.md, docs/language.md):
 *
 *   run/<scenario>/runnel.json       the project manifest
 *   run/<scenario>/*.flow            its flows (folders below it too, for `folders` restrictions)
 *   run/<scenario>/events.jsonl      the events (and control lines)
 *   run/<scenario>/customers.jsonl   optional: customer profiles
 *   run/<scenario>/until.txt         optional: `--until` (an ISO date-time)
 *   run/<scenario>/paths.txt         optional: the flow paths to simulate, one a line (default `.`);
 *                                    lets a scenario keep the next version of a flow, for a
 *                                    `launch` control line, out of the first run
 *   run/<scenario>/expected.json     the `simulate --json` output ({effects, activity, notEntered})
 *
 * The scenario runs through `runSimulate`, the very function behind `runnel simulate --json`, and
 * its output must equal expected.json (UPDATE_GOLDEN=1 rewrites them; a missing golden fails: its
 * expected output is reviewed against the seeds, never taken on trust). Version hashes are
 * replaced by `<version N>` (N by first appearance) so that a change in the bytecode does not
 * rewrite every golden; which version ran which step is still compared.
 *
 * `todo-<name>/`: a behaviour the engine does not do (yet, or wrongly). Its expected.json is
 * written by hand (the correct output) and its why.md says what is missing. The test asserts that
 * the scenario currently FAILS (a different output, an error or a non-zero exit); when the engine
 * gets it right the test fails and asks to drop the `todo-` prefix. UPDATE_GOLDEN never writes
 * a todo golden.
 */
import { expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulate, runSimulateOn } from '../../cli/commands/simulate.js';
import { MemoryStore } from '../../runtime/store/memory-store.js';
import type { ActivityStep, Store } from '../../runtime/store/store.js';
import { statsFromRecords } from '../../runtime/store/flow-stats.js';
import type { CliIO } from '../../cli/io.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), 'run');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/**
 * Makes the (empty) store a scenario runs on. `embedded` runs the scenario exactly as the CLI
 * does (`runSimulate`, synchronous, its own MemoryStore); any other factory goes through
 * `runSimulateOn(store)`, the engine driven asynchronously: `promised` is the embedded store
 * answering every call with a promise (as Redis does), and test/redis runs the same scenarios on
 * a real redis-server with its factory.
 */
export type StoreFactory = (() => Store | Promise<Store>) & { readonly storeName: string };
export const embeddedStore: StoreFactory = Object.assign(() => new MemoryStore(), { storeName: 'embedded' });

/** A store that answers every call with a promise (resolved later, as a network store would). */
export function promised(store: Store): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => new Promise((ok, fail) => setImmediate(() => {
        try {
          ok((v as (...a: unknown[]) => unknown).apply(target, args));
        } catch (e) {
          fail(e);
        }
      }));
    },
  });
}
export const promisedStore: StoreFactory = Object.assign(() => promised(new MemoryStore()), { storeName: 'promised' });

export interface ScenarioRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed `--json` output, version hashes normalized; undefined when stdout was not JSON. */
  output: SimulateOutput | undefined;
  /** The store it ran on (not for the embedded run, whose store is the CLI's own). */
  store?: Store;
}
export interface SimulateOutput {
  effects: Array<Record<string, unknown>>;
  activity: Array<Record<string, unknown>>;
  notEntered: Array<Record<string, unknown>>;
}

/** Replaces each distinct 64-hex version hash by `<version N>`, N in order of first appearance. */
export function normalizeVersions(json: string): string {
  const seen = new Map<string, string>();
  return json.replace(/\b[0-9a-f]{64}\b/g, (h) => {
    if (!seen.has(h)) seen.set(h, `<version ${seen.size + 1}>`);
    return seen.get(h)!;
  });
}

/** Runs one scenario folder as `runnel simulate <dir> --events ... [--customers ...] [--until ...] --json` does. */
export async function runScenario(dir: string, storeFactory: StoreFactory): Promise<ScenarioRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { cwd: dir, stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), color: false };
  const untilFile = join(dir, 'until.txt');
  let code: number;
  let store: Store | undefined;
  try {
    const pathsFile = join(dir, 'paths.txt');
    const paths = existsSync(pathsFile) ? readFileSync(pathsFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : ['.'];
    const args = {
      events: 'events.jsonl',
      customers: existsSync(join(dir, 'customers.jsonl')) ? 'customers.jsonl' : undefined,
      until: existsSync(untilFile) ? readFileSync(untilFile, 'utf8').trim() : undefined,
      json: true,
    };
    if (storeFactory.storeName === 'embedded') code = runSimulate(paths, args, io);
    else code = await runSimulateOn((store = await storeFactory()), paths, args, io);
  } catch (e) {
    code = -1;
    stderr += `thrown: ${(e as Error).stack ?? String(e)}\n`;
  }
  let output: SimulateOutput | undefined;
  try {
    output = code === 0 ? (JSON.parse(normalizeVersions(stdout)) as SimulateOutput) : undefined;
  } catch {
    output = undefined;
  }
  return { code, stdout, stderr, output, ...(store ? { store } : {}) };
}

/**
 * Each flow's counters as the store keeps them (Store.flowStats) against what its records add up
 * to (statsFromRecords over its instances, their activity and the did-not-enter records).
 */
async function expectStatsAddUp(name: string, store: Store): Promise<void> {
  const instances = await store.listInstances();
  const notEntered = await store.listNotEntered();
  const activity = new Map<string, ActivityStep[]>();
  for (const i of instances) activity.set(i.id, await store.listActivity(i.id));
  const flows = new Set([...instances.map((i) => i.flow), ...notEntered.flatMap((n) => (n.flow === null ? [] : [n.flow]))]);
  for (const flow of flows) {
    expect(await store.flowStats(flow), `${name}: the counters of flow ${flow}`).toEqual(statsFromRecords(flow, instances, (id) => activity.get(id) ?? [], notEntered));
  }
}

export const scenarios = readdirSync(ROOT)
  .filter((n) => statSync(join(ROOT, n)).isDirectory())
  .sort();

export function defineScenarios(storeFactory: StoreFactory): void {
  for (const name of scenarios) {
    const dir = join(ROOT, name);
    const golden = join(dir, 'expected.json');
    if (name.startsWith('todo-')) {
      it(`${name} (todo: must still fail)`, async () => {
        expect(existsSync(golden), `${name}: a todo scenario needs its hand-written expected.json`).toBe(true);
        expect(existsSync(join(dir, 'why.md')), `${name}: a todo scenario needs why.md`).toBe(true);
        const expected = JSON.parse(readFileSync(golden, 'utf8')) as unknown;
        const r = await runScenario(dir, storeFactory);
        const passes = r.code === 0 && r.stderr === '' && r.output !== undefined && JSON.stringify(r.output) === JSON.stringify(expected);
        expect(passes, `${name} now gives the expected output: rename it without "todo-" and delete why.md`).toBe(false);
      });
      continue;
    }
    it(name, async () => {
      const r = await runScenario(dir, storeFactory);
      expect(r.stderr, `${name}: simulate printed to stderr`).toBe('');
      expect(r.code, `${name}: exit status`).toBe(0);
      expect(r.output, `${name}: output is not JSON`).toBeDefined();
      const out = r.output!;
      // Idempotency keys: one per action of a step run, never two effects with the same key.
      const keys = out.effects.map((e) => e['key']);
      expect(keys.every((k) => typeof k === 'string' && k.length > 0), `${name}: every effect has a key`).toBe(true);
      expect(new Set(keys).size, `${name}: effect keys are unique`).toBe(keys.length);
      const actual = JSON.stringify(out, null, 2) + '\n';
      if (UPDATE) writeFileSync(golden, actual);
      expect(existsSync(golden), `${golden} is missing: run UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(JSON.parse(actual)).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
      // The embedded store counts from its records: only a store that keeps counters (Redis) has anything to add up.
      // (The promised store is a proxy of one: instanceof sees through it.)
      if (r.store && !(r.store instanceof MemoryStore)) await expectStatsAddUp(name, r.store);
    });
  }
}
