/** `runnel simulate <paths...> --events <file.jsonl> [--customers <file.jsonl>] [--until <iso>] [--json]` (contracts.md). */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { renderDiagnostic } from '../../compiler/render.js';
import { CompileError, compileProject } from '../../compiler/bytecode/compile.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import type { VerifiedProgram } from '../../compiler/bytecode/program.js';
import { formatTimeline, simulate, simulateAsync, type SimulateOptions, type SimulateResult } from '../../runtime/engine/simulate.js';
import type { Store } from '../../runtime/store/store.js';
import { PROGRESS_FROM_LINES, countLines, progressBar } from '../progress.js';
import { UsageError } from '../files.js';
import { absolutePath, checkPaths } from '../check-paths.js';
import { summary } from './check.js';
import { EXIT, type CliIO } from '../io.js';

export const SIMULATE_HELP = `Usage: runnel simulate <paths...> --events <file.jsonl> [--customers <file.jsonl>] [--until <iso>] [--json]

Compile the flows and run them on the embedded store with a virtual clock. The clock moves to
each line's receivedAt (default: its at); timers and scheduled runs due by then fire first, in
order. At the end, timers fire up to --until (default: until none is left, at most 400 days on;
scheduled flows then run up to the last line only).
Events that cannot be used are reported as invalid_event (did not enter).

Control lines in the events file change flows at a moment of virtual time:
  {"control":"launch","at":"...","source":"v2/flow.flow"}   launch a new version (path relative to the events file)
  {"control":"pause"|"resume"|"stop","flow":"<id>","at":"..."}
  {"control":"tick","at":"..."}                             only move the clock

A progress bar shows on stderr when it is a terminal and the events file is large.

Options:
  --events <file>       events, one JSON object a line (contracts.md)
  --customers <file>    customer profiles, one a line
  --until <iso>         fire timers up to this moment at the end
  --json                print {"effects","activity","notEntered"} instead of a timeline per customer
  -h, --help            show this help

Exit status: 0 simulated, 1 errors in the flows or the customers file, 2 usage error or unreadable file.
`;

export interface SimulateArgs {
  events?: string | undefined;
  customers?: string | undefined;
  until?: string | undefined;
  json?: boolean | undefined;
}

function read(path: string, io: CliIO, what: string): string {
  try {
    return readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

export function runSimulate(paths: string[], args: SimulateArgs, io: CliIO): number {
  const run = prepare(paths, args, io);
  if (typeof run === 'number') return run;
  return report(simulate(run.programs, run.eventsText, run.customersText, run.options), args, io);
}

/**
 * `runSimulate` on a given store (one that may answer with promises): what the conformance
 * scenarios use to run on another store than the embedded one. The store should start empty.
 */
export async function runSimulateOn(store: Store, paths: string[], args: SimulateArgs, io: CliIO): Promise<number> {
  const run = prepare(paths, args, io);
  if (typeof run === 'number') return run;
  return report(await simulateAsync(run.programs, run.eventsText, run.customersText, { ...run.options, store }), args, io);
}

/** Reads the inputs and compiles the flows: what to simulate, or the exit status after printing why not. */
function prepare(paths: string[], args: SimulateArgs, io: CliIO): { programs: VerifiedProgram[]; eventsText: string; customersText: string; options: SimulateOptions } | number {
  if (!paths.length) throw new UsageError('say which flows to run: runnel simulate <paths...> --events <file.jsonl>');
  if (!args.events) throw new UsageError('say which events to run: --events <file.jsonl>');
  let until: number | undefined;
  if (args.until !== undefined) {
    until = Date.parse(args.until);
    if (!Number.isFinite(until)) throw new UsageError(`--until must be an ISO date-time, not ${args.until}`);
  }
  const eventsText = read(args.events, io, 'the events file');
  const customersText = args.customers ? read(args.customers, io, 'the customers file') : '';

  const programs = compilePaths(paths, io.cwd, io);
  if (typeof programs === 'number') return programs;

  // `launch` control lines name a .flow file relative to the events file.
  const eventsDir = dirname(resolve(io.cwd, args.events));
  const load = (source: string): VerifiedProgram[] | string => {
    const r = compilePaths([source], eventsDir, io);
    return typeof r === 'number' ? `${source} has errors (above), or cannot be read` : r;
  };
  const onProgress = io.stderrIsTTY && countLines(eventsText) >= PROGRESS_FROM_LINES ? progressBar(io) : undefined;
  return { programs, eventsText, customersText, options: { ...(until !== undefined ? { until } : {}), load, ...(onProgress ? { onProgress } : {}) } };
}

/** Prints the result: warnings and errors to stderr, the output to stdout. */
function report(r: SimulateResult, args: SimulateArgs, io: CliIO): number {
  for (const w of r.warnings) io.stderr(`runnel simulate: ${w}\n`);
  if (r.errors.length) {
    for (const e of r.errors) io.stderr(`runnel simulate: ${e.startsWith('customers') ? `${args.customers}: ` : `${args.events}: `}${e}\n`);
    return EXIT.inputErrors;
  }
  io.stdout(args.json ? JSON.stringify(r.output, null, 2) + '\n' : formatTimeline(r.output));
  return EXIT.ok;
}

/** Checks and compiles flow paths (relative to `cwd`): their verified programs, or the exit status after printing why not. */
function compilePaths(paths: string[], cwd: string, io: CliIO): VerifiedProgram[] | number {
  const checked = checkPaths(paths, cwd, (path, text, lines, ds) => {
    for (const d of ds) if (d.severity === 'error') io.stderr(renderDiagnostic(path, text, d, lines, { color: io.color }) + '\n');
  });
  if (checked.errors > 0) {
    io.stderr(`${summary(checked)} Nothing was simulated.\n`);
    return checked.unreadable > 0 ? EXIT.usage : EXIT.inputErrors;
  }
  const programs: VerifiedProgram[] = [];
  for (const { project, result, requested } of checked.projects) {
    const root = project.root;
    const rel = (shown: string): string => relative(root ?? cwd, absolutePath(shown, cwd)).split(sep).join('/');
    try {
      for (const flow of compileProject(result, { include: (p) => requested.has(p), ...(root ? { relativePath: rel } : {}) })) programs.push(verifyFlow(flow.bytes));
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      io.stderr(`${e.message}\n`);
      return EXIT.inputErrors;
    }
  }
  return programs;
}
