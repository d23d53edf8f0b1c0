/** `runnel serve` as a child process of a test (the built CLI, bin/runnel.js): started, stopped, killed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './flow-files.js';

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  address: string;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash); resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * Starts `runnel serve <args>` in `cwd` and waits until it listens (20 s at most): until stdout has a
 * line matching `opts.ready` (default: `listening on <address>`), whose first group is the address.
 */
export async function startServe(args: string[], opts: { cwd: string; env?: Record<string, string>; ready?: RegExp }): Promise<ServeProcess> {
  const bin = join(REPO, 'bin/runnel.js');
  if (!existsSync(join(REPO, 'dist/serve.mjs'))) throw new Error('the CLI is not built: run `npm run build` (npm test does it first)');
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const address = await new Promise<string>((ok, fail) => {
    const t = setTimeout(() => fail(new Error(`serve did not start: ${out}`)), 20_000);
    const look = () => {
      const m = (opts.ready ?? /listening on (http:\/\/\S+)/).exec(out);
      if (m) {
        clearTimeout(t);
        ok(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => fail(new Error(`serve exited with ${code}: ${out}`)));
  });
  return {
    child,
    address,
    output: () => out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
