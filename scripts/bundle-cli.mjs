// Bundles the CLI into one file: Node loads one module instead of hundreds (Chevrotain pulls in
// lodash-es file by file), which is most of `runnel check`'s start-up time.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  mainFields: ['module', 'main'],
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // json-schema-to-typescript and friends are dev tools; nothing of them belongs in the CLI.
  external: ['fsevents'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await build({ ...common, entryPoints: ['cli/entry.ts'], outfile: 'dist/runnel.mjs' });
// `runnel serve` (the web server, logs, metrics) in a bundle of its own, loaded only by serve.
await build({ ...common, entryPoints: ['cli/serve-entry.ts'], outfile: 'dist/serve.mjs' });
