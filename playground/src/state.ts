/**
 * The playground's document: a project (runnel.json and .flow files) plus the simulator's inputs.
 * Kept in the URL (lz-string, `#p=...`) so a link shares it, and in local storage so a reload
 * keeps it. The examples are the repository's examples/ projects, bundled as text by Vite.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';

export interface PlaygroundFile {
  path: string;
  text: string;
}

export interface PlaygroundState {
  /** The example it started from, or a name of the user's. */
  name: string;
  /** runnel.json first (when there is one), then the .flow files. */
  files: PlaygroundFile[];
  active: string;
  events: string;
  customers: string;
  /** The simulator's clock: fire timers up to this moment (ISO), or '' for "until none is left". */
  until: string;
}

export const MANIFEST_PATH = 'runnel.json';
const STORAGE_KEY = 'runnel-playground:v1';
/** Above this the simulator's data is left out of the URL (a link must stay a link). */
const MAX_URL_DATA = 60_000;

const exampleFiles = import.meta.glob('../../examples/*/**/*.{flow,json}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const exampleData = import.meta.glob('./examples/*.jsonl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

export interface Example {
  name: string;
  files: PlaygroundFile[];
  events: string;
  customers: string;
}

/** examples/<name>/... → one project per folder, paths relative to it, runnel.json first. */
export function examples(): Example[] {
  const byName = new Map<string, PlaygroundFile[]>();
  for (const [key, text] of Object.entries(exampleFiles)) {
    const m = /\/examples\/([^/]+)\/(.+)$/.exec(key);
    if (!m) continue;
    const [, name, path] = m as unknown as [string, string, string];
    if (path.endsWith('.json') && path !== MANIFEST_PATH) continue;
    const list = byName.get(name) ?? [];
    list.push({ path, text });
    byName.set(name, list);
  }
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, files]) => ({
      name,
      files: files.sort((a, b) => (a.path === MANIFEST_PATH ? -1 : b.path === MANIFEST_PATH ? 1 : a.path.localeCompare(b.path))),
      events: exampleData[`./examples/${name}.events.jsonl`] ?? '',
      customers: exampleData[`./examples/${name}.customers.jsonl`] ?? '',
    }));
}

export function stateOfExample(e: Example): PlaygroundState {
  const firstFlow = e.files.find((f) => f.path.endsWith('.flow'));
  return { name: e.name, files: e.files.map((f) => ({ ...f })), active: firstFlow?.path ?? e.files[0]?.path ?? MANIFEST_PATH, events: e.events, customers: e.customers, until: '' };
}

function isState(x: unknown): x is PlaygroundState {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return Array.isArray(s['files']) && (s['files'] as unknown[]).every((f) => typeof f === 'object' && f !== null && typeof (f as PlaygroundFile).path === 'string' && typeof (f as PlaygroundFile).text === 'string');
}

function normalize(x: PlaygroundState): PlaygroundState {
  const files = x.files.map((f) => ({ path: String(f.path), text: String(f.text) }));
  const active = files.some((f) => f.path === x.active) ? x.active : (files.find((f) => f.path.endsWith('.flow'))?.path ?? files[0]?.path ?? MANIFEST_PATH);
  return {
    name: typeof x.name === 'string' ? x.name : 'project',
    files,
    active,
    events: typeof x.events === 'string' ? x.events : '',
    customers: typeof x.customers === 'string' ? x.customers : '',
    until: typeof x.until === 'string' ? x.until : '',
  };
}

/** `#p=<lz-string>`: the state, the simulator's data only while it is small. */
export function encodeState(s: PlaygroundState): string {
  const small = s.events.length + s.customers.length <= MAX_URL_DATA;
  const data = small ? s : { ...s, events: '', customers: '' };
  return `p=${compressToEncodedURIComponent(JSON.stringify({ v: 1, ...data }))}`;
}

export function decodeState(hash: string): PlaygroundState | undefined {
  const m = /(?:^#?|&)p=([^&]+)/.exec(hash);
  if (!m) return undefined;
  try {
    const json = decompressFromEncodedURIComponent(m[1]!);
    if (!json) return undefined;
    const x = JSON.parse(json) as unknown;
    return isState(x) ? normalize(x) : undefined;
  } catch {
    return undefined;
  }
}

export function loadStored(): PlaygroundState | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const x = JSON.parse(raw) as unknown;
    return isState(x) ? normalize(x) : undefined;
  } catch {
    return undefined;
  }
}

export function store(s: PlaygroundState): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  } catch {
    // Full or disabled: the URL still has it.
  }
  history.replaceState(null, '', `#${encodeState(s)}`);
}

export function clearStored(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing to do
  }
}
