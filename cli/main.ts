/** The `runnel` command: dispatch to subcommands. Exit status per contracts.md. */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { CHECK_HELP, runCheck } from './commands/check.js';
import { FMT_HELP, runFmt } from './commands/fmt.js';
import { BUILD_HELP, runBuild } from './commands/build.js';
import { DISASM_HELP, runDisasm } from './commands/disasm.js';
import { GRAPH_HELP, runGraph } from './commands/graph.js';
import { SIMULATE_HELP, runSimulate } from './commands/simulate.js';
import { UsageError } from './files.js';
import { runRemote } from './commands/remote.js';
import { EXIT, processIO, type CliIO } from './io.js';

const HELP = `runnel: customer-journey flows as code

Usage: runnel <command> [options]

Commands:
  check [paths...]        parse and type-check flows (--format json for tools)
  fmt [--check] [paths...] format flows in the canonical layout
  build [paths...] -o <dir> compile flows to verified bytecode (.flowb) and a manifest.json
  disasm <file.flowb>     print compiled bytecode for people
  graph <file.flow>       draw the flows (--format svg|mermaid|dot, --flow <id>, -o <file>)
  simulate <paths...> --events <file.jsonl> run flows on a virtual clock (--customers, --until, --json)
  serve [--project <dir>] [--port <n>]  run flows for real, with the HTTP API (tokens from the environment)
  deploy <paths...>       save flows as drafts on a running server; launch|pause|resume|stop <flow>
  activity [--flow] [--q] journeys of the last 30 days on a running server, as a timeline

Run \`runnel <command> --help\` for a command's options.
Options: -h, --help  show this help;  -v, --version  print the version
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function main(argv: string[], io: CliIO): number {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        // No command is a usage error: the help goes where errors go.
        io.stderr(HELP);
        return EXIT.usage;
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return EXIT.ok;
      case '-v':
      case '--version':
        io.stdout(`runnel ${version()}\n`);
        return EXIT.ok;
      case 'check': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' }, color: { type: 'boolean' }, 'no-color': { type: 'boolean' } },
        });
        if (values.help) return io.stdout(CHECK_HELP), EXIT.ok;
        if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not ${values.format}`);
        const color = values['no-color'] ? false : values.color ? true : io.color;
        return runCheck(positionals, { format: values.format }, { ...io, color });
      }
      case 'fmt': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { check: { type: 'boolean', default: false }, width: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
        });
        if (values.help) return io.stdout(FMT_HELP), EXIT.ok;
        const width = values.width === undefined ? undefined : Number(values.width);
        if (width !== undefined && (!Number.isInteger(width) || width < 20)) throw new UsageError('--width must be a whole number of at least 20');
        return runFmt(positionals, { check: values.check, ...(width ? { width } : {}) }, io);
      }
      case 'build': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
        });
        if (values.help) return io.stdout(BUILD_HELP), EXIT.ok;
        if (!values.out) throw new UsageError('say where to write: -o <dir>');
        return runBuild(positionals, values.out, io);
      }
      case 'disasm': {
        const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
        if (values.help) return io.stdout(DISASM_HELP), EXIT.ok;
        return runDisasm(positionals, io);
      }
      case 'graph': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            format: { type: 'string', default: 'svg' },
            flow: { type: 'string' },
            out: { type: 'string', short: 'o' },
            help: { type: 'boolean', short: 'h' },
          },
        });
        if (values.help) return io.stdout(GRAPH_HELP), EXIT.ok;
        return runGraph(positionals, values, io);
      }
      case 'simulate': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: {
            events: { type: 'string' },
            customers: { type: 'string' },
            until: { type: 'string' },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h' },
          },
        });
        if (values.help) return io.stdout(SIMULATE_HELP), EXIT.ok;
        return runSimulate(positionals, values, io);
      }
      default:
        io.stderr(`runnel: unknown command \`${command}\`\n\n${HELP}`);
        return EXIT.usage;
    }
  } catch (e) {
    if (isUsageError(e)) {
      io.stderr(`runnel ${command}: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

/** Run as the `runnel` binary. */
export function run(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === 'serve') {
    void serve(argv.slice(1), processIO());
    return;
  }
  if (REMOTE_COMMANDS.has(argv[0] ?? '')) {
    void remote(argv[0]!, argv.slice(1), processIO());
    return;
  }
  const code = main(argv, processIO());
  process.exitCode = code;
}

const REMOTE_COMMANDS = new Set(['deploy', 'launch', 'pause', 'resume', 'stop', 'activity']);

/** A usage error, from this bundle or another one (serve's bundle has its own UsageError class). */
function isUsageError(e: unknown): boolean {
  return e instanceof UsageError || (e as Error).name === 'UsageError' || ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ?? false);
}

/** Runs an asynchronous command (HTTP) and sets the exit status: usage errors are 2, other failures 1. */
async function runAsyncCommand(command: string, io: CliIO, work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (e) {
    io.stderr(`runnel ${command}: ${isUsageError(e) ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = isUsageError(e) ? EXIT.usage : 1;
  }
}

/** The commands that talk to a running server. */
function remote(command: string, argv: string[], io: CliIO): Promise<void> {
  return runAsyncCommand(command, io, () => runRemote(command, argv, io));
}

/** `runnel serve` runs until stopped; its web server lives in its own bundle, loaded only here. */
function serve(argv: string[], io: CliIO): Promise<void> {
  return runAsyncCommand('serve', io, async () => {
    const bundle = './serve.mjs'; // next to dist/runnel.mjs; a variable, so the CLI bundle leaves it out
    const { runServe } = (await import(new URL(bundle, import.meta.url).href)) as typeof import('./serve-entry.js');
    return runServe(argv, io);
  });
}
