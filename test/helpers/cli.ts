/** Runs the CLI in-process on a temporary project and captures what it prints. */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { main } from '../../cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string): CliRun {
  let stdout = '';
  let stderr = '';
  const code = main(args, { cwd, color: false, stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

/** A temporary folder with the given files (paths relative to it); removed by the returned function. */
export function tempProject(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-test-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const MANIFEST = JSON.stringify({
  name: 'shop',
  timezone: 'UTC',
  brands: ['main'],
  templates: { email: ['welcome', 'reminder'], sms: ['promo'] },
  segments: ['vip'],
  pointAccounts: ['main'],
  promoPools: ['WELCOME10'],
  customFields: { customer: { tier: { type: 'string', enum: ['bronze', 'silver', 'gold'] } }, order: {}, product: {}, action: {} },
});

/** `project(files)` for a test file: temporary folders removed after each test. */
export function useTempProjects(): (files: Record<string, string>) => string {
  let cleanups: Array<() => void> = [];
  afterEach(() => {
    cleanups.forEach((c) => c());
    cleanups = [];
  });
  return (files) => {
    const p = tempProject(files);
    cleanups.push(p.cleanup);
    return p.dir;
  };
}
