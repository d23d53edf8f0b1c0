/**
 * Generates TypeScript types from the JSON Schemas under schemas/ into schemas/generated/.
 *
 *   npm run gen                          write schemas/generated/*.ts
 *   npx tsx scripts/gen-types.ts --check exit 1 (listing the files) when the checked-in output is stale
 *
 * One file per schema, named after its title, plus an index re-exporting them all. Every `$ref` is
 * resolved here before json-schema-to-typescript sees the schema: a reference to a titled schema
 * (another file's root, or a titled definition) becomes that type's name, imported from the file
 * that declares it; a reference to an untitled part (e.g. Customer's `properties/email`) is
 * inlined. So each named type is emitted exactly once, descriptions next to a `$ref` are kept as
 * doc comments, and no numbered duplicates (`Product1`) appear.
 */
import { compile } from 'json-schema-to-typescript';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMAS_DIR = path.join(ROOT, 'schemas');
const OUT_DIR = path.join(SCHEMAS_DIR, 'generated');

/**
 * TypeScript types that JSON Schema cannot say. Keyed by schema file (relative to schemas/), then
 * by JSON pointer of the node inside it.
 */
const TS_TYPE_OVERRIDES: Record<string, Record<string, string>> = {
  // The envelope accepts any object for `item`; the catalog decides which of these it is.
  'event.schema.json': { '/properties/item': 'OrderItem | ProductListItem | CustomerActionProduct' },
};

interface SchemaDoc {
  /** Relative to schemas/, with forward slashes: `context/Order.schema.json`. */
  rel: string;
  abs: string;
  schema: JsonObject;
  /** The root title: the type name and the generated file's base name. */
  title: string;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Every `*.schema.json` under schemas/ (not generated/), sorted for deterministic output. */
function listSchemaFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (abs !== OUT_DIR && entry.name !== 'node_modules') walk(abs);
      } else if (entry.name.endsWith('.schema.json')) {
        found.push(toPosix(path.relative(SCHEMAS_DIR, abs)));
      }
    }
  };
  walk(SCHEMAS_DIR);
  return found.sort();
}

function loadDocs(): Map<string, SchemaDoc> {
  const docs = new Map<string, SchemaDoc>();
  for (const rel of listSchemaFiles()) {
    const abs = path.join(SCHEMAS_DIR, rel);
    const schema = JSON.parse(readFileSync(abs, 'utf8')) as Json;
    if (!isObject(schema) || typeof schema.title !== 'string') {
      throw new Error(`schemas/${rel}: a schema needs a string "title" (it names the generated type)`);
    }
    docs.set(rel, { rel, abs, schema, title: schema.title });
  }
  return docs;
}

function decodePointerSegment(segment: string): string {
  return decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~');
}

function getAtPointer(root: Json, pointer: string, where: string): Json {
  if (pointer === '' || pointer === '/') return root;
  let node: Json | undefined = root;
  for (const segment of pointer.replace(/^\//, '').split('/').map(decodePointerSegment)) {
    node = Array.isArray(node) ? node[Number(segment)] : isObject(node) ? node[segment] : undefined;
    if (node === undefined) throw new Error(`${where}: $ref target #${pointer} does not exist`);
  }
  return node;
}

/** Which generated module declares each titled type (a root or any titled node inside it). */
function collectTypeOwners(docs: Map<string, SchemaDoc>): Map<string, string> {
  const owners = new Map<string, string>();
  const visit = (node: Json, doc: SchemaDoc): void => {
    if (Array.isArray(node)) {
      node.forEach((child) => visit(child, doc));
      return;
    }
    if (!isObject(node)) return;
    if (typeof node.title === 'string') {
      const previous = owners.get(node.title);
      if (previous !== undefined && previous !== doc.title) {
        throw new Error(
          `The title "${node.title}" is used in two schema files (${previous} and ${doc.title}); titles name types and must be unique`,
        );
      }
      owners.set(node.title, doc.title);
    }
    for (const [key, child] of Object.entries(node)) {
      // `enum`/`const`/`default`/`examples` hold data, not schemas.
      if (key !== 'enum' && key !== 'const' && key !== 'default' && key !== 'examples') visit(child, doc);
    }
  };
  for (const doc of docs.values()) visit(doc.schema, doc);
  return owners;
}

interface Prepared {
  schema: JsonObject;
  /** Types used from other generated files: type name → file (title) that declares it. */
  imports: Map<string, string>;
}

/** Replaces every `$ref` (see the file comment), applies overrides, drops what TS cannot express. */
function prepare(doc: SchemaDoc, docs: Map<string, SchemaDoc>, owners: Map<string, string>): Prepared {
  const imports = new Map<string, string>();
  const overrides = TS_TYPE_OVERRIDES[doc.rel] ?? {};

  const resolveRef = (ref: string, base: SchemaDoc): { doc: SchemaDoc; pointer: string; node: Json } => {
    const [file = '', fragment = ''] = ref.split('#');
    let target = base;
    if (file !== '') {
      if (/^[a-z]+:/i.test(file)) throw new Error(`schemas/${base.rel}: only relative $refs are supported (${ref})`);
      const rel = path.posix.normalize(path.posix.join(path.posix.dirname(base.rel), file));
      const found = docs.get(rel);
      if (!found) throw new Error(`schemas/${base.rel}: $ref ${ref} points to a missing file schemas/${rel}`);
      target = found;
    }
    return { doc: target, pointer: fragment, node: getAtPointer(target.schema, fragment, `schemas/${base.rel}`) };
  };

  const transform = (
    node: Json,
    base: SchemaDoc,
    pointer: string,
    inRoot: boolean,
    seen: string[],
    isNameMap = false,
  ): Json => {
    if (Array.isArray(node)) return node.map((child, i) => transform(child, base, `${pointer}/${i}`, inRoot, seen));
    if (!isObject(node)) return node;
    if (isNameMap) {
      // `properties` / `definitions`: the keys are names, every value is a schema.
      const out: JsonObject = {};
      for (const [key, child] of Object.entries(node)) {
        out[key] = transform(child, base, `${pointer}/${escapePointerSegment(key)}`, inRoot, seen);
      }
      return out;
    }

    const override = inRoot ? overrides[pointer] : undefined;
    if (override !== undefined) {
      const out: JsonObject = { tsType: override };
      if (typeof node.description === 'string') out.description = node.description;
      for (const name of override.match(/\b[A-Z]\w*/g) ?? []) {
        const owner = owners.get(name);
        if (owner !== undefined && owner !== doc.title) imports.set(name, owner);
      }
      return out;
    }

    if (typeof node.$ref === 'string') {
      const { $ref, ...siblings } = node;
      const target = resolveRef($ref, base);
      const key = `${target.doc.rel}#${target.pointer}`;
      if (seen.includes(key)) throw new Error(`schemas/${base.rel}: circular $ref ${$ref} is not supported`);
      let replacement: JsonObject;
      if (isObject(target.node) && typeof target.node.title === 'string') {
        const name = target.node.title;
        const owner = owners.get(name);
        if (owner !== undefined && owner !== doc.title) imports.set(name, owner);
        replacement = { tsType: name };
        if (typeof target.node.description === 'string') replacement.description = target.node.description;
      } else {
        const inlined = transform(target.node, target.doc, target.pointer, false, [...seen, key]);
        replacement = isObject(inlined) ? { ...inlined } : {};
      }
      // Siblings of the $ref (its description, above all) win over the target's.
      for (const [k, v] of Object.entries(siblings)) {
        replacement[k] =
          k === 'enum' || k === 'const' || k === 'default' || k === 'examples'
            ? v
            : transform(v, base, `${pointer}/${escapePointerSegment(k)}`, inRoot, seen, k === 'properties' || k === 'definitions');
      }
      return replacement;
    }

    const out: JsonObject = {};
    for (const [key, child] of Object.entries(node)) {
      if ((key === '$id' || key === '$schema') && pointer === '') continue;
      if (key === 'allOf' && Array.isArray(child) && child.every(isConditionalOnly)) continue;
      if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') {
        out[key] = child;
        continue;
      }
      const nameMap = key === 'properties' || key === 'definitions' || key === 'patternProperties';
      out[key] = transform(child, base, `${pointer}/${escapePointerSegment(key)}`, inRoot, seen, nameMap);
    }
    return out;
  };

  const schema = transform(doc.schema, doc, '', true, []);
  if (!isObject(schema)) throw new Error(`schemas/${doc.rel}: not an object schema`);
  return { schema, imports };
}

/** `{"if": ..., "then": ...}`: conditional requirements TypeScript cannot express; dropped from types. */
function isConditionalOnly(entry: Json): boolean {
  return isObject(entry) && Object.keys(entry).every((k) => k === 'if' || k === 'then' || k === 'else');
}

function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function header(sources: string): string {
  return `/* Generated by npm run gen from ${sources}; do not edit. */\n`;
}

/** Generates every file in memory: path relative to the project root → content. */
export async function generate(): Promise<Map<string, string>> {
  const docs = loadDocs();
  const owners = collectTypeOwners(docs);
  const files = new Map<string, string>();
  const titles: string[] = [];

  for (const doc of docs.values()) {
    const { schema, imports } = prepare(doc, docs, owners);
    const body = await compile(schema as Parameters<typeof compile>[0], doc.title, {
      cwd: path.dirname(doc.abs),
      bannerComment: '',
      declareExternallyReferenced: true,
      unreachableDefinitions: true,
      additionalProperties: false, // types are closed unless a schema says otherwise
      unknownAny: true,
      strictIndexSignatures: false,
      format: true,
      style: { singleQuote: true, trailingComma: 'all', printWidth: 110, semi: true, tabWidth: 2, bracketSpacing: true },
    });
    const importLines = [...groupBy(imports)]
      .sort(([a], [b]) => byCodeUnit(a, b))
      .map(([owner, names]) => `import type { ${names.sort(byCodeUnit).join(', ')} } from './${owner}.js';\n`)
      .join('');
    const content = header(`schemas/${doc.rel}`) + (importLines ? `\n${importLines}` : '') + '\n' + body.trimStart();
    files.set(toPosix(path.relative(ROOT, path.join(OUT_DIR, `${doc.title}.ts`))), ensureTrailingNewline(content));
    titles.push(doc.title);
  }

  const index =
    header('schemas/*.schema.json and schemas/context/*.schema.json') +
    '\n' +
    titles
      .sort()
      .map((t) => `export type * from './${t}.js';\n`)
      .join('');
  files.set(toPosix(path.relative(ROOT, path.join(OUT_DIR, 'index.ts'))), index);
  return files;
}

/** Locale-independent ordering, so the output is the same on every machine. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupBy(imports: Map<string, string>): Map<string, string[]> {
  const byOwner = new Map<string, string[]>();
  for (const [name, owner] of imports) byOwner.set(owner, [...(byOwner.get(owner) ?? []), name]);
  return byOwner;
}

function ensureTrailingNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** Files under schemas/generated/ that differ from a fresh generation (or are missing / stale). */
export async function checkGenerated(): Promise<string[]> {
  const files = await generate();
  const differing: string[] = [];
  for (const [rel, content] of files) {
    const abs = path.join(ROOT, rel);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) differing.push(rel);
  }
  if (existsSync(OUT_DIR)) {
    for (const name of readdirSync(OUT_DIR)) {
      const rel = toPosix(path.relative(ROOT, path.join(OUT_DIR, name)));
      if (!files.has(rel)) differing.push(`${rel} (no longer generated)`);
    }
  }
  return differing.sort();
}

async function writeGenerated(): Promise<string[]> {
  const files = await generate();
  mkdirSync(OUT_DIR, { recursive: true });
  for (const name of readdirSync(OUT_DIR)) {
    const rel = toPosix(path.relative(ROOT, path.join(OUT_DIR, name)));
    if (!files.has(rel)) rmSync(path.join(OUT_DIR, name), { recursive: true, force: true });
  }
  const written: string[] = [];
  for (const [rel, content] of files) {
    const abs = path.join(ROOT, rel);
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) {
      writeFileSync(abs, content);
      written.push(rel);
    }
  }
  return written;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('Usage: tsx scripts/gen-types.ts [--check]\n');
    return 0;
  }
  if (argv.includes('--check')) {
    const differing = await checkGenerated();
    if (differing.length > 0) {
      process.stderr.write(
        `Generated types are out of date; run npm run gen:\n${differing.map((f) => `  ${f}\n`).join('')}`,
      );
      return 1;
    }
    process.stdout.write('Generated types are up to date.\n');
    return 0;
  }
  const written = await writeGenerated();
  process.stdout.write(
    written.length > 0 ? `Wrote ${written.length} file(s):\n${written.map((f) => `  ${f}\n`).join('')}` : 'Up to date.\n',
  );
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
