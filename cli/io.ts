/** Where a command writes, so tests can run commands in-process and read what they printed. */
export interface CliIO {
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Colour the output (a terminal that did not say NO_COLOR). */
  color: boolean;
  /** Whether stderr is a terminal (progress bars go there only then). */
  stderrIsTTY?: boolean;
}

export function processIO(): CliIO {
  const tty = !!process.stdout.isTTY;
  const color = process.env['FORCE_COLOR'] ? process.env['FORCE_COLOR'] !== '0' : tty && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb';
  return {
    cwd: process.cwd(),
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    color,
    stderrIsTTY: !!process.stderr.isTTY,
  };
}

/** Exit codes of contracts.md. */
export const EXIT = { ok: 0, inputErrors: 1, usage: 2 } as const;
