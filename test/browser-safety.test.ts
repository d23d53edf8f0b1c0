/**
 * The core runs in the browser unchanged (the playground): grammar/, compiler/ (compiler/draw/
 * with its layout library, dagre, too, and the editor services of compiler/services/, which run in
 * the playground's web worker), schemas/, stdlib/ and the VM must not reach a Node
 * built-in. Bundled here for the browser platform, as the playground will be; any `node:` or
 * built-in import fails the build or shows in its inputs.
 */
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { REPO } from './helpers/flow-files.js';

const ENTRIES = [
  'compiler/project.ts',
  'compiler/format/format-flow.ts',
  'compiler/lower/index.ts',
  'compiler/bytecode/index.ts',
  'compiler/draw/index.ts',
  'compiler/services/index.ts',
  'schemas/index.ts',
  'stdlib/catalog.ts',
  'stdlib/matchers.ts',
  'runtime/vm/index.ts',
].filter((e) => existsSync(join(REPO, e)));

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('browser safety of the core', () => {
  it('bundles for the browser with no Node built-in in reach', async () => {
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: ENTRIES,
      bundle: true,
      write: false,
      outdir: 'out',
      platform: 'browser',
      format: 'esm',
      mainFields: ['browser', 'module', 'main'],
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => BUILTINS.has(p) || p.startsWith('node:'))).toEqual([]);
    expect(ENTRIES.length).toBeGreaterThanOrEqual(6);
  });

  it('would notice a Node import (the check itself works)', async () => {
    const failing = build({
      stdin: { contents: "import { readFileSync } from 'node:fs'; console.log(readFileSync);", resolveDir: REPO },
      bundle: true,
      write: false,
      platform: 'browser',
      logLevel: 'silent',
    });
    await expect(failing).rejects.toThrow(/node:fs/);
  });
});
