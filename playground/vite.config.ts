/**
 * The playground's Vite config: root playground/, a static site in dist/playground/ with relative
 * URLs (base './'), so any static file server can host it, under any path.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  // No public/ folder and no cache inside the repo's tree.
  publicDir: false,
  cacheDir: fileURLToPath(new URL('../node_modules/.vite-playground', import.meta.url)),
  build: {
    outDir: fileURLToPath(new URL('../dist/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 5000,
    // Monaco is big: the timings of its plugins' work are no news.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  worker: { format: 'es' },
  server: { fs: { allow: [repo] } },
});
