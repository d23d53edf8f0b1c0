/** `runnel disasm <file.flowb>`: verify a bytecode file and print it for people. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyFlow, VerifyError } from '../../compiler/bytecode/verify.js';
import { disassemble } from '../../compiler/bytecode/disasm.js';
import { displayPath, UsageError } from '../files.js';
import { EXIT, type CliIO } from '../io.js';

export const DISASM_HELP = `Usage: runnel disasm <file.flowb>

Verify a compiled flow (from \`runnel build\`) and print it: header, settings, triggers, blocks
with their ids and successors, each expression's code with offsets, and the constant pool.
Corrupt or tampered files are refused with where and why: \`file.flowb: offset N: ...\`.

Options:
  -h, --help    show this help

Exit status: 0 printed, 1 the file does not verify, 2 usage error (no such file).
`;

export function runDisasm(paths: string[], io: CliIO): number {
  if (paths.length !== 1) throw new UsageError(paths.length === 0 ? 'name the .flowb file to print' : 'one .flowb file at a time');
  const abs = resolve(io.cwd, paths[0]!);
  const shown = displayPath(abs, io.cwd);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(abs));
  } catch (e) {
    throw new UsageError(`cannot read ${shown}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    io.stdout(disassemble(verifyFlow(bytes), bytes.length));
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    io.stderr(`${shown}: ${e.message}\n`);
    return EXIT.inputErrors;
  }
}
