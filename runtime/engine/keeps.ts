/**
 * What a waiting customer keeps: the compiler computes, for each wait, the context paths still
 * read after it (compiler/lower/liveness.ts: `order.id`, `order.items[].price`, a prefix keeping
 * everything below it); this cuts an instance's contexts down to them, so a waiting instance is
 * small. Browser-safe.
 */

/** A trie of kept paths: `true` keeps the whole value below. */
export type KeepTree = true | Map<string, KeepTree>;

/** Adds one path (`order.items[].price`, segments split on `.`, `[]` standing for every element). */
export function addPath(tree: Map<string, KeepTree>, path: string): void {
  const segs = path.split('.').flatMap((s) => (s.endsWith('[]') && s !== '[]' ? [s.slice(0, -2), '[]'] : [s]));
  let node: Map<string, KeepTree> = tree;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const cur = node.get(seg);
    if (cur === true) return; // a prefix already keeps everything below
    if (last) {
      node.set(seg, true);
      return;
    }
    const next = cur ?? new Map<string, KeepTree>();
    node.set(seg, next);
    node = next;
  }
}

/** `value` cut down to the paths of `tree` (absent fields stay absent). */
export function project(value: unknown, tree: KeepTree): unknown {
  if (tree === true) return value;
  if (Array.isArray(value)) {
    const each = tree.get('[]');
    return each === undefined ? [] : value.map((v) => project(v, each));
  }
  if (typeof value !== 'object' || value === null) return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, sub] of tree) {
    if (k === '[]' || !(k in src)) continue;
    out[k] = project(src[k], sub);
  }
  return out;
}

/**
 * Contexts (`{order: {...}, item: {...}}`) cut down to `tree` (its first level names the context).
 * A context no kept path names is dropped.
 */
export function pruneContexts(contexts: Record<string, unknown>, tree: Map<string, KeepTree>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, sub] of tree) if (name in contexts) out[name] = project(contexts[name], sub);
  return out;
}
