/**
 * Finding sources: paths are .flow files or folders; each .flow file belongs to the project of the
 * nearest runnel.json in its folder or above (as a source file belongs to the nearest tsconfig.json).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const MANIFEST = 'runnel.json';

export interface ProjectFiles {
  /** Absolute folder of runnel.json, or undefined for files outside any project. */
  root?: string;
  manifestPath?: string;
  /** Every .flow file of the project (so project-wide rules see them all). */
  files: string[];
  /** The ones the user asked about: only these are reported and formatted. */
  requested: Set<string>;
}

export class UsageError extends Error {}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

export function findFlowFiles(dir: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) findFlowFiles(join(dir, e.name), out);
    } else if (e.isFile() && e.name.endsWith('.flow')) out.push(join(dir, e.name));
  }
  return out;
}

export function nearestManifest(fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    const candidate = join(dir, MANIFEST);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Groups the requested paths into projects. Throws UsageError for a path that does not exist. */
export function collectProjects(paths: string[], cwd: string): ProjectFiles[] {
  const byRoot = new Map<string, ProjectFiles>();
  const loose: ProjectFiles = { files: [], requested: new Set() };
  const projectOf = (manifest: string | undefined): ProjectFiles => {
    if (!manifest) return loose;
    const root = dirname(manifest);
    let p = byRoot.get(root);
    if (!p) {
      p = { root, manifestPath: manifest, files: findFlowFiles(root), requested: new Set() };
      byRoot.set(root, p);
    }
    return p;
  };
  for (const raw of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, raw);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new UsageError(`no such file or folder: ${raw}`);
    }
    if (st.isDirectory()) {
      // The folder's own project (if any) is reported whole, even with no .flow file yet.
      const own = nearestManifest(abs);
      if (own && dirname(own) === abs) projectOf(own);
      for (const f of findFlowFiles(abs)) {
        const p = projectOf(nearestManifest(dirname(f)));
        if (p === loose && !loose.files.includes(f)) loose.files.push(f);
        p.requested.add(f);
      }
      if (own && dirname(own) === abs) projectOf(own).requested.add(own);
    } else {
      if (!abs.endsWith('.flow')) throw new UsageError(`not a .flow file: ${raw}`);
      const p = projectOf(nearestManifest(dirname(abs)));
      if (p === loose && !loose.files.includes(abs)) loose.files.push(abs);
      if (!p.files.includes(abs)) p.files.push(abs);
      p.requested.add(abs);
    }
  }
  const out = [...byRoot.values()];
  if (loose.files.length) out.push(loose);
  return out;
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A path as the user should see it: relative to the working directory when below it. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel.split(sep).join('/') : abs;
}
