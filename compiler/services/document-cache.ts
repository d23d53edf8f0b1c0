/**
 * The documents service: runnel.json, lexed, parsed and checked files, computed once per text and
 * kept for the next call (an editor asks for completion, hover and diagnostics of the same text in
 * a row). Small LRU caches keyed by the texts themselves, so nothing has to be invalidated.
 */
import { lex, type LexResult } from '../../grammar/lexer.js';
import { parse } from '../parse.js';
import { checkFile } from '../checker/index.js';
import { checkProject, type FileResult, type ProjectResult } from '../project.js';
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { emptyManifest, loadManifest, type Manifest } from '../manifest.js';
import type { EditorProject, ProjectFile } from './types.js';

export interface ManifestResult {
  manifest: Manifest;
  /** Problems of runnel.json itself (none without one). */
  diagnostics: Diagnostic[];
}

export interface DocumentCache {
  /** The project's manifest, loaded and validated (an empty one outside a project). */
  manifest(project: EditorProject): ManifestResult;
  /** The file of that path, or undefined. */
  file(project: EditorProject, path: string): ProjectFile | undefined;
  /** Tokens and comments of a text (no parse). */
  lex(text: string): LexResult;
  /** One file parsed and checked against the project's manifest (without the cross-file rules). */
  checked(project: EditorProject, path: string): FileResult | undefined;
  /** The whole project checked together (flow ids are project-wide). */
  project(project: EditorProject): ProjectResult;
}

/** A map that forgets its oldest entry beyond `size`. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly size: number) {}
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: K, value: V): V {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value as K);
    return value;
  }
}

const NO_MANIFEST: ManifestResult = { manifest: emptyManifest(), diagnostics: [] };

export class DefaultDocumentCache implements DocumentCache {
  private readonly manifests = new Lru<string, ManifestResult>(4);
  private readonly lexed = new Lru<string, LexResult>(8);
  private readonly files = new WeakMap<Manifest, Lru<string, FileResult>>();
  private lastProject: { key: Array<string | null>; result: ProjectResult } | undefined;

  manifest(project: EditorProject): ManifestResult {
    const m = project.manifest;
    if (!m) return NO_MANIFEST;
    const hit = this.manifests.get(m.text);
    if (hit) return hit;
    const loaded = loadManifest(m.text);
    return this.manifests.set(m.text, { manifest: loaded.manifest, diagnostics: sortDiagnostics(loaded.diagnostics.items) });
  }

  file(project: EditorProject, path: string): ProjectFile | undefined {
    return project.files.find((f) => f.path === path);
  }

  lex(text: string): LexResult {
    return this.lexed.get(text) ?? this.lexed.set(text, lex(text));
  }

  checked(project: EditorProject, path: string): FileResult | undefined {
    const f = this.file(project, path);
    if (!f) return undefined;
    const { manifest } = this.manifest(project);
    let cache = this.files.get(manifest);
    if (!cache) this.files.set(manifest, (cache = new Lru(8)));
    const hit = cache.get(f.text);
    if (hit) return hit.path === path ? hit : { ...hit, path };
    // The same file checked with its project a moment ago (diagnostics): no need to do it again.
    const last = this.lastProject;
    if (last && last.key[1] === (project.manifest?.text ?? null)) {
      const same = last.result.files.find((r) => r.path === path && r.text === f.text);
      if (same) return cache.set(f.text, same);
    }
    const bag = new DiagnosticBag();
    const parsed = parse(f.text, bag);
    const check = checkFile(parsed.ast, manifest, bag);
    return cache.set(f.text, { path, text: f.text, parse: parsed, check, diagnostics: sortDiagnostics(bag.items) });
  }

  project(project: EditorProject): ProjectResult {
    const key = [project.manifest?.path ?? null, project.manifest?.text ?? null, ...project.files.flatMap((f) => [f.path, f.text])];
    const last = this.lastProject;
    if (last && last.key.length === key.length && last.key.every((k, i) => k === key[i])) return last.result;
    const result = checkProject({ ...(project.manifest ? { manifest: project.manifest } : {}), files: project.files });
    this.lastProject = { key, result };
    return result;
  }
}
