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

export class UsageError extends Error {
  override name = 'UsageError';
}

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

/**
 * The .flow files below `dir`, sorted. With `ownOnly`, folders holding their own runnel.json are
 * skipped: their files belong to that nested project, not to this one.
 */
export function findFlowFiles(dir: string, ownOnly = false, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory()) {
      const sub = join(dir, e.name);
      if (SKIP_DIRS.has(e.name) || e.name.startsWith('.') || (ownOnly && existsSync(join(sub, MANIFEST)))) continue;
      findFlowFiles(sub, ownOnly, out);
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
  // A file outside any project is checked on its own, against an empty manifest (contracts.md):
  // two such files share nothing, not even the space of flow ids.
  const loose = new Map<string, ProjectFiles>();
  const looseFile = (f: string): ProjectFiles => {
    let p = loose.get(f);
    if (!p) loose.set(f, (p = { files: [f], requested: new Set() }));
    return p;
  };
  const projectOf = (manifest: string | undefined, file?: string): ProjectFiles => {
    if (!manifest) return looseFile(file!);
    const root = dirname(manifest);
    let p = byRoot.get(root);
    if (!p) {
      p = { root, manifestPath: manifest, files: findFlowFiles(root, true), requested: new Set() };
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
      for (const f of findFlowFiles(abs)) projectOf(nearestManifest(dirname(f)), f).requested.add(f);
      if (own && dirname(own) === abs) projectOf(own).requested.add(own);
    } else {
      if (!abs.endsWith('.flow')) throw new UsageError(`not a .flow file: ${raw}`);
      const p = projectOf(nearestManifest(dirname(abs)), abs);
      if (!p.files.includes(abs)) p.files.push(abs);
      p.requested.add(abs);
    }
  }
  return [...byRoot.values(), ...loose.values()];
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** A path as the user should see it: relative to the working directory when below it. */
export function displayPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel.split(sep).join('/') : abs;
}
