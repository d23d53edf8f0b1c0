/**
 * What the playground's browser tests and benchmark share: build the site with Vite (once), serve
 * it from a tiny static server on a free loopback port, and drive the machine's Debian chromium
 * with playwright-core (never a browser downloaded by playwright).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts', 'playground');

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface BuildReport {
  outDir: string;
  ms: number;
  /** Every module id that went into the page's bundle and into the workers' bundles. */
  modules: { main: string[]; worker: string[] };
}

/** Vite's production build of playground/ into `outDir`, noting the modules of each bundle. */
export async function buildSite(outDir: string): Promise<BuildReport> {
  const { build } = await import('vite');
  const modules = { main: new Set<string>(), worker: new Set<string>() };
  const recorder = (into: Set<string>) => ({
    name: 'runnel-record-modules',
    generateBundle(_: unknown, bundle: Record<string, { type: string; moduleIds?: string[]; modules?: Record<string, unknown> }>) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        for (const id of chunk.moduleIds ?? Object.keys(chunk.modules ?? {})) into.add(id);
      }
    },
  });
  const t0 = performance.now();
  await build({
    configFile: join(REPO, 'playground/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
    plugins: [recorder(modules.main)],
    worker: { format: 'es', plugins: () => [recorder(modules.worker)] },
  });
  return { outDir, ms: performance.now() - t0, modules: { main: [...modules.main], worker: [...modules.worker] } };
}

/** Module ids that are Node built-ins (or Vite's empty stand-ins for them). */
export function nodeOnlyModules(ids: readonly string[]): string[] {
  return ids.filter((id) => {
    const bare = id.replace(/^\0/, '');
    return BUILTINS.has(bare) || bare.startsWith('node:') || bare.includes('__vite-browser-external');
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** A plain static file server on 127.0.0.1 and a free port: what any static host does. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = resolve(root);
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      let file = normalize(join(base, path));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
        res.end(body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Debian's chromium, installed here if missing and we may (root); otherwise a clear failure. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
    if (existsSync(CHROMIUM)) return CHROMIUM;
  }
  throw new Error(`The playground's browser tests need Debian's chromium at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` (.ci/run does). Playwright's own browser downloads are not used.`);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}

export function artifactsDir(): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
