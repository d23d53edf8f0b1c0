/** The engine, the store and the simulator core bundle for the browser with no Node built-in. */
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { REPO } from '../../helpers/flow-files.js';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('browser safety of runtime/engine and runtime/store', () => {
  it('bundles with platform browser', async () => {
    const result = await build({
      absWorkingDir: REPO,
      entryPoints: ['runtime/engine/engine.ts', 'runtime/engine/simulate.ts', 'runtime/engine/schedule.ts', 'runtime/store/memory-store.ts'],
      bundle: true,
      write: false,
      outdir: 'out',
      platform: 'browser',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => BUILTINS.has(p) || p.startsWith('node:'))).toEqual([]);
  });
});
