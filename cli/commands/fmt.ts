/** `runnel fmt [--check] [paths...]`: print flows in the canonical layout. */
import { writeFileSync } from 'node:fs';
import { formatSource } from '../../compiler/format/format-flow.js';
import { collectProjects, displayPath, readText } from '../files.js';
import { EXIT, type CliIO } from '../io.js';

export const FMT_HELP = `Usage: runnel fmt [--check] [paths...]

Format .flow files in place in the canonical layout (every comment kept).
Paths are .flow files or folders (default: the current folder).

Options:
  --check        write nothing; list the files that would change and exit 1 if any
  --width <n>    line width (default: 100)
  -h, --help     show this help

A file with syntax errors is left untouched and reported (exit 1).
`;

export interface FmtOptions {
  check: boolean;
  width?: number;
}

export function runFmt(paths: string[], opts: FmtOptions, io: CliIO): number {
  const files = new Set<string>();
  for (const p of collectProjects(paths, io.cwd)) for (const f of p.requested) if (f.endsWith('.flow')) files.add(f);
  let changed = 0;
  let failed = 0;
  for (const f of [...files].sort()) {
    const shown = displayPath(f, io.cwd);
    let text: string;
    try {
      text = readText(f);
    } catch (e) {
      io.stderr(`${shown}: cannot read: ${(e as Error).message}\n`);
      failed++;
      continue;
    }
    const result = formatSource(text, opts.width ? { width: opts.width } : {});
    if ('error' in result) {
      io.stderr(`${shown}: not formatted: ${result.error}\n`);
      failed++;
      continue;
    }
    if (!result.changed) continue;
    changed++;
    if (opts.check) io.stdout(`${shown}\n`);
    else {
      writeFileSync(f, result.text);
      io.stdout(`formatted ${shown}\n`);
    }
  }
  if (opts.check && changed > 0) io.stderr(`${changed} file${changed === 1 ? '' : 's'} would be reformatted; run \`runnel fmt\`.\n`);
  return failed > 0 || (opts.check && changed > 0) ? EXIT.inputErrors : EXIT.ok;
}
